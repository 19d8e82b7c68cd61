"""The legacy corpus: every program in compat/legacy/ runs unmodified under
``genloop run`` and prints exactly what its .out file says, with nothing on
stderr.

The programs are written in the 3.4-3.7 style against plain ``asyncio``
(never genloop's API), and their .out files were recorded on stock CPython
3.6, where every legacy API exists natively -- except the by-design cases
(tornado/trollius dialects asyncio never accepted), whose .out follows from
the design.  See compat/legacy/README.md.

Each case runs in its own interpreter (``sys.executable -m genloop run``,
under tox the installed package) with the case's directory as working
directory, once on genloop's loop and once with ``--asyncio-loop``.
Outputs are compared after :func:`test_compat_cases.normalise`.
"""

import json
import re
from pathlib import Path

import pytest
from childprocess import run_python
from test_compat_cases import normalise

from genloop.compat.rows import ROWS

LEGACY_DIR = Path(__file__).resolve().parent.parent / "compat" / "legacy"

#: ``genloop run`` options for each way a case is run.
MODES = {
    "genloop-loop": [],
    "asyncio-loop": ["--asyncio-loop"],
}

#: The header line of a case whose .out is defined by the design rather than
#: recorded on stock CPython 3.6.
BY_DESIGN_MARKER = "# expected output: by design"

#: Inventory rows that genloop.compat restores: each needs at least one case
#: (L17, "was never yielded from", is optional and has none; see docs/legacy-code.md).
SHIMMABLE_ROWS = (
    "L01", "L02", "L04", "L05", "L06", "L07", "L08", "L09", "L10", "L11",
    "L15", "L19", "L24", "L26", "L27", "L29", "L32",
)

#: The case run with --warn-legacy: asyncio.JoinableQueue is missing from
#: every supported Python (3.5 dropped it), so its shim warns everywhere.
WARN_LEGACY_CASE = "joinable_queue.py"

_ROW_ID = re.compile(r"\bL\d\d\b")


def discover_cases():
    """Every ``compat/legacy/*.py`` but the ``_helpers``, sorted by name."""
    return sorted(
        path for path in LEGACY_DIR.glob("*.py") if not path.name.startswith("_")
    )


CASES = discover_cases()


def covered_rows(case):
    """The inventory rows named on the ``Covers:`` line of a case's docstring
    (the line may continue until the next blank line)."""
    text = case.read_text(encoding="utf-8")
    match = re.search(r"^Covers:(.*?)(?:\n\s*\n|\"\"\")", text, re.MULTILINE | re.DOTALL)
    return set(_ROW_ID.findall(match.group(1))) if match else set()


def is_by_design(case):
    return any(
        line.startswith(BY_DESIGN_MARKER)
        for line in case.read_text(encoding="utf-8").splitlines()
    )


def genloop_run(case, options):
    """``python -m genloop run OPTIONS CASE`` in the case's directory."""
    return run_python(["-m", "genloop", "run"] + list(options) + [case.name], cwd=case.parent)


def expected_output(case):
    with case.with_suffix(".out").open(encoding="utf-8") as expected:
        return expected.read()


def test_the_legacy_corpus_is_not_empty():
    assert len(CASES) >= 25, "only {} cases found in {}".format(len(CASES), LEGACY_DIR)


def test_every_legacy_case_has_an_expected_output():
    missing = [path.name for path in CASES if not path.with_suffix(".out").is_file()]
    assert not missing, "cases without a .out file: {}".format(", ".join(missing))


def test_every_legacy_case_names_the_inventory_rows_it_covers():
    unnamed = [path.name for path in CASES if not covered_rows(path)]
    assert not unnamed, "cases without a 'Covers: Lnn, ...' line: {}".format(", ".join(unnamed))
    unknown = sorted(
        "{}: {}".format(path.name, row)
        for path in CASES
        for row in covered_rows(path)
        if row not in ROWS
    )
    assert not unknown, "rows that are not in genloop/compat/rows.py: {}".format(unknown)


def test_every_shimmable_row_has_a_legacy_case():
    covered = set().union(*(covered_rows(path) for path in CASES))
    missing = [row for row in SHIMMABLE_ROWS if row not in covered]
    assert not missing, "shimmable rows without a case: {}".format(", ".join(missing))


def test_the_readme_lists_every_legacy_case():
    readme = (LEGACY_DIR / "README.md").read_text(encoding="utf-8")
    missing = [path.name for path in CASES if "`{}`".format(path.name) not in readme]
    assert not missing, "cases missing from compat/legacy/README.md: {}".format(missing)


def test_the_by_design_cases_say_so_in_the_readme():
    readme = (LEGACY_DIR / "README.md").read_text(encoding="utf-8")
    by_design = [path.name for path in CASES if is_by_design(path)]
    assert by_design, "no by-design case: the tornado/trollius dialects are not covered"
    section = readme.split("## By-design cases", 1)[-1]
    missing = [name for name in by_design if name not in section]
    assert not missing, "by-design cases missing from the README's section: {}".format(missing)


@pytest.mark.parametrize("mode", sorted(MODES))
@pytest.mark.parametrize("case", CASES, ids=[path.stem for path in CASES])
def test_legacy_case_prints_its_expected_output_and_no_warning(case, mode):
    outcome = genloop_run(case, MODES[mode])
    command = " ".join(["genloop run"] + MODES[mode] + [case.name])
    assert outcome.status == 0, "{} exited with status {}\n--- stderr ---\n{}".format(
        command, outcome.status, outcome.err
    )
    assert normalise(outcome.out) == normalise(expected_output(case))
    assert outcome.err == "", "{} printed on stderr without --warn-legacy:\n{}".format(
        case.name, outcome.err
    )


@pytest.mark.parametrize("mode", sorted(MODES))
def test_warn_legacy_reports_legacy_apis_on_stderr_only(mode):
    case = LEGACY_DIR / WARN_LEGACY_CASE
    outcome = genloop_run(case, ["--warn-legacy"] + MODES[mode])
    assert outcome.status == 0, outcome.err
    assert normalise(outcome.out) == normalise(expected_output(case))
    assert "LegacyAPIWarning" in outcome.err, outcome.err
    # The warning points at the program's own line, not at genloop's.
    assert WARN_LEGACY_CASE in outcome.err, outcome.err


#: A case whose legacy APIs (loop= on Lock and Condition, 'with (yield
#: from cond)', asyncio.coroutine) still exist on some supported Pythons,
#: where they are left native: they are reported all the same.
STILL_NATIVE_CASE = "condition_buffer.py"


@pytest.mark.parametrize("mode", sorted(MODES))
def test_report_names_legacy_apis_this_python_still_has(mode, tmp_path):
    case = LEGACY_DIR / STILL_NATIVE_CASE
    report = tmp_path / "legacy.txt"
    outcome = genloop_run(case, ["--report", str(report)] + MODES[mode])
    assert outcome.status == 0, outcome.err
    assert normalise(outcome.out) == normalise(expected_output(case))
    with open(str(report) + ".json") as as_json:
        entries = json.load(as_json)
    # (and L26 where get_event_loop() makes the stock loop, 3.12+)
    assert {entry["row"] for entry in entries} >= {"L01", "L05", "L06"}
    assert {Path(entry["file"]).name for entry in entries} == {STILL_NATIVE_CASE}


@pytest.mark.parametrize("mode", sorted(MODES))
def test_warn_legacy_gives_genloops_warnings_instead_of_pythons(mode):
    case = LEGACY_DIR / STILL_NATIVE_CASE
    outcome = genloop_run(case, ["--warn-legacy"] + MODES[mode])
    assert outcome.status == 0, outcome.err
    warned = re.findall(r"LegacyAPIWarning: .*\(legacy asyncio API (L\d\d)\)", outcome.err)
    warned_rows = set(warned)
    assert warned_rows >= {"L01", "L05", "L06"}, outcome.err
    assert " DeprecationWarning:" not in outcome.err, outcome.err
