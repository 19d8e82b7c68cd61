"""What a migration did: files changed, constructs rewritten by row of the
legacy API inventory (genloop/compat/rows.py), and what it left for a
person to fix, each with its file, line and reason."""

import collections
from typing import Counter, List, NamedTuple

from ..compat.rows import ROWS

__all__ = ["Left", "Summary"]


class Left(NamedTuple):
    """A construct left as it was: where, its row, what, and why."""

    path: str
    line: int
    row: str
    what: str
    why: str

    def __str__(self) -> str:
        return "{}:{}: {} {}: {}".format(self.path, self.line, self.row, self.what, self.why)


class Summary(object):
    def __init__(self) -> None:
        self.files = 0
        self.changed: List[str] = []
        self.rewritten: Counter[str] = collections.Counter()
        self.left: List[Left] = []
        #: Files that could not be migrated (``path[:line]: message``).
        self.failed: List[str] = []

    def text(self, verb: str) -> str:
        """The closing report; ``verb`` says what happened to changed files
        ("changed", "would change")."""
        lines = [
            "{} of {} file{} {}{}".format(
                len(self.changed), self.files, "" if self.files == 1 else "s", verb,
                ", {} not migrated".format(len(self.failed)) if self.failed else "",
            )
        ]
        if self.rewritten:
            lines.append("rewritten, by row:")
            for row in sorted(self.rewritten):
                lines.append("  {}  {:>5}  {}".format(row, self.rewritten[row], ROWS[row].api))
        if self.left:
            lines.append("left as they were ({}), to fix by hand:".format(len(self.left)))
            lines.extend("  {}".format(left) for left in sorted(self.left))
        if self.failed:
            lines.append("not migrated:")
            lines.extend("  {}".format(failure) for failure in self.failed)
        return "\n".join(lines) + "\n"
