"""examples/tox_project, the recipe for testing a legacy project on every
Python: its test suite, run with this interpreter as its tox.ini runs it
on each loop (under this repository's tox, on every Python), and its
envlist."""

import configparser
import itertools
import re
import shlex
from pathlib import Path

import pytest

from childprocess import run_python

PROJECT = Path(__file__).resolve().parent.parent / "examples" / "tox_project"
PYTHONS = ["py36", "py37", "py38", "py39", "py310", "py311", "py312", "py313", "pypy3"]
LOOPS = ["genloop", "asyncio"]


def tox_ini():
    parser = configparser.ConfigParser(interpolation=None)
    parser.read(str(PROJECT / "tox.ini"))
    return parser


def expand(pattern):
    """A tox env name pattern's names: ``py{36,37}-{a,b}`` gives four."""
    parts = re.split(r"\{([^}]*)\}", pattern)
    choices = [[part] if index % 2 == 0 else part.split(",") for index, part in enumerate(parts)]
    return ["".join(names) for names in itertools.product(*choices)]


def commands():
    """The test command of each loop factor, as tox.ini gives it."""
    lines = tox_ini()["testenv"]["commands"].strip().splitlines()
    return dict(line.strip().split(": ", 1) for line in lines)


def test_the_envlist_covers_every_python_on_both_loops():
    envlist = tox_ini()["tox"]["envlist"]
    names = {name for pattern in envlist.split() for name in expand(pattern.strip(","))}
    assert names == {"{}-{}".format(python, loop) for python in PYTHONS for loop in LOOPS}
    assert sorted(commands()) == sorted(LOOPS)


@pytest.mark.parametrize("loop", LOOPS)
def test_the_projects_suite_passes_on_each_loop(loop):
    program, *args = shlex.split(commands()[loop].replace("{posargs}", ""))
    assert program == "genloop"
    # The plugin by name too, where genloop is installed without its entry point.
    # hypothesis, installed here for tests/test_fuzz.py, is slow to import.
    args += ["-p", "no:cacheprovider", "-p", "genloop.testing.pytest_plugin"]
    args += ["-p", "no:hypothesispytest"]
    outcome = run_python(["-m", "genloop"] + args, PROJECT, timeout=120)
    assert outcome.status == 0, outcome.out + outcome.err
    assert re.search(r"\b8 passed\b", outcome.out), outcome.out
