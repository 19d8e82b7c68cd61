"""Reading ``not_applicable.py``: which entries apply to the running Python,
and which test ids they cover.

A key is a test id, ``module.Class.test_method``, or a prefix of one
(``module.Class``, ``module``).  ``*`` matches any part of a name, so that
``test_tasks.GenloopTask_*.test_x`` lists one test of every Task class once.
A key may end with a version condition in brackets:
``"test_tasks.X.test_y [>=3.11]"``.  A condition is a comma-separated list of
terms, any of which may match: ``3.8`` (that minor version), ``>=3.9``,
``<3.12``, ``3.8-3.10`` (inclusive), ``pypy``, ``cpython``, ``compat`` (the
run has ``genloop.compat`` installed: ``run.py --compat``); ``&`` joins
terms that must all match (``compat&>=3.10``).  A reason starts with its
category and a colon.
"""

import fnmatch
import platform
import re
import sys

_KEY = re.compile(r"^(?P<id>[\w.*]+)(?:\s+\[(?P<cond>[^\]]+)\])?$")
_VERSION = re.compile(r"^(\d+)\.(\d+)$")


def _version(text):
    match = _VERSION.match(text.strip())
    if match is None:
        raise ValueError("bad version {!r} in not_applicable.py".format(text))
    return int(match.group(1)), int(match.group(2))


#: Whether this run has genloop.compat installed (set by _worker.py).
COMPAT = False


def _term_matches(term, version, implementation):
    if "&" in term:
        return all(_term_matches(part, version, implementation) for part in term.split("&"))
    term = term.strip()
    if term == "compat":
        return COMPAT
    if term in ("pypy", "cpython"):
        return implementation == term
    if term.startswith(">="):
        return version >= _version(term[2:])
    if term.startswith("<"):
        return version < _version(term[1:])
    if "-" in term:
        low, high = term.split("-", 1)
        return _version(low) <= version <= _version(high)
    return version == _version(term)


def condition_matches(condition, version=None, implementation=None):
    if condition is None:
        return True
    version = tuple(sys.version_info[:2]) if version is None else version
    if implementation is None:
        implementation = platform.python_implementation().lower()
    return any(_term_matches(t, version, implementation) for t in condition.split(","))


class Entry(object):
    def __init__(self, key, reason):
        match = _KEY.match(key)
        if match is None:
            raise ValueError("bad key {!r} in not_applicable.py".format(key))
        self.key = key
        self.id = match.group("id")
        self.condition = match.group("cond")
        self.reason = reason
        self.category = reason.split(":", 1)[0].strip()
        self.module = self.id.split(".", 1)[0]

    def covers(self, test_id):
        if "*" in self.id:
            return fnmatch.fnmatchcase(test_id, self.id) or fnmatch.fnmatchcase(
                test_id, self.id + ".*")
        return test_id == self.id or test_id.startswith(self.id + ".")


def load(table=None):
    """The entries of ``not_applicable.NOT_APPLICABLE`` for this Python."""
    if table is None:
        from not_applicable import NOT_APPLICABLE as table
    entries = [Entry(key, reason) for key, reason in table.items()]
    return [entry for entry in entries if condition_matches(entry.condition)]


def for_module(entries, module):
    return [entry for entry in entries if entry.module == module]


def find(entries, test_id):
    """The most specific entry covering ``test_id``, or None."""
    best = None
    for entry in entries:
        if entry.covers(test_id) and (best is None or len(entry.id) > len(best.id)):
            best = entry
    return best
