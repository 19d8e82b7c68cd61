"""The compatibility corpus: every program in compat/cases/ prints what its
.out file says.

Each case runs in its own interpreter (``sys.executable``) with the case's
directory as working directory, so it imports the genloop that is installed
for this interpreter (under tox: the built package, never the checkout).
Outputs are compared after :func:`normalise` (see compat/README.md).
"""

import re
from pathlib import Path

import pytest
from childprocess import run_python

CASES_DIR = Path(__file__).resolve().parent.parent / "compat" / "cases"

_HEX_ADDRESS = re.compile(r"0x[0-9a-fA-F]+")
_FLOAT = re.compile(r"(?<![\w.])[-+]?\d+\.\d+(?:[eE][-+]?\d+)?(?![\w.])")
FLOAT_PLACEHOLDER = "<float>"


def normalise(text):
    """What the comparison ignores: memory addresses (``0x7f3a…`` becomes
    ``0x...``), the digits of floats (``0.1001`` becomes ``<float>``),
    trailing whitespace on each line and trailing blank lines."""
    text = _HEX_ADDRESS.sub("0x...", text)
    text = _FLOAT.sub(FLOAT_PLACEHOLDER, text)
    lines = [line.rstrip() for line in text.splitlines()]
    while lines and not lines[-1]:
        lines.pop()
    return "\n".join(lines) + "\n" if lines else ""


def discover_cases():
    """Every ``compat/cases/*.py`` but the ``_helpers``, sorted by name."""
    return sorted(
        path for path in CASES_DIR.glob("*.py") if not path.name.startswith("_")
    )


CASES = discover_cases()


def test_the_corpus_is_not_empty():
    assert CASES, "no case found in {}: the corpus discovery is broken".format(CASES_DIR)


def test_every_case_has_an_expected_output():
    missing = [path.name for path in CASES if not path.with_suffix(".out").is_file()]
    assert not missing, "cases without a .out file: {}".format(", ".join(missing))


def test_normalise_hides_addresses_floats_and_trailing_whitespace():
    raw = "<Task at 0x7f3aBC01> took 0.1001 s, -2.5e-05 left  \nversion 3 \n\n"
    assert normalise(raw) == "<Task at 0x...> took <float> s, <float> left\nversion 3\n"


@pytest.mark.parametrize("case", CASES, ids=[path.stem for path in CASES])
def test_case_prints_its_expected_output(case):
    returncode, stdout, stderr = run_python([case.name], cwd=case.parent)
    assert returncode == 0, "{} exited with status {}\n--- stderr ---\n{}".format(
        case.name, returncode, stderr
    )
    expected_file = case.with_suffix(".out")
    with expected_file.open(encoding="utf-8") as expected:
        assert normalise(stdout) == normalise(expected.read())
