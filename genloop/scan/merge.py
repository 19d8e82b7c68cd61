"""The sites a real run reached, from its ``genloop run --report`` JSON.

A scan lists what the source shows; a run lists what the program really
did.  ``genloop scan --merge REPORT.json`` marks each site of the scan
that the run reported at the same file and line (or a line the site's
construct spans).  The run names its files as the program named them: an
absolute path is matched as it is; a relative one is tried from the
current directory, then as the end of a scanned file's path.
"""

import json
import os
from typing import Any, Dict, List, Set

__all__ = ["RunSites", "UnreadableReport"]


class UnreadableReport(Exception):
    """A run report the scan cannot read; the message says what to do."""


class RunSites(object):
    """The lines a run reported, by file."""

    def __init__(self, path: str) -> None:
        self.path = path
        self._lines: Dict[str, Set[int]] = {}
        self._relative: Dict[str, Set[int]] = {}
        for entry in _entries(path):
            name = entry["file"]
            lines = self._lines.setdefault(os.path.realpath(name), set())
            lines.add(entry["line"])
            if not os.path.isabs(name):
                self._relative.setdefault(os.sep + os.path.normpath(name), set()).add(
                    entry["line"]
                )

    def reached(self, path: str, first_line: int, last_line: int) -> bool:
        """Whether the run reported one of the lines ``first_line`` to
        ``last_line`` of the file ``path``."""
        real = os.path.realpath(path)
        lines = set(self._lines.get(real, ()))
        for suffix, more in self._relative.items():
            if real.endswith(suffix):
                lines |= more
        return any(first_line <= line <= last_line for line in lines)


def _entries(path: str) -> List[Dict[str, Any]]:
    advice = "give the FILE.json that 'genloop run --report FILE' wrote"
    try:
        with open(path, encoding="utf-8") as report:
            entries = json.load(report)
    except OSError as error:
        raise UnreadableReport(
            "cannot read the run report {}: {}; {}".format(path, error.strerror or error, advice)
        )
    except ValueError as error:
        raise UnreadableReport("--merge {} is not JSON ({}); {}".format(path, error, advice))
    if not isinstance(entries, list) or not all(map(_is_site, entries)):
        raise UnreadableReport(
            "--merge {} is not a run report (a list of sites with \"file\" and \"line\"); "
            "{}".format(path, advice)
        )
    return entries


def _is_site(entry: Any) -> bool:
    return (
        isinstance(entry, dict)
        and isinstance(entry.get("file"), str)
        and isinstance(entry.get("line"), int)
    )
