"""What a migration did: files changed, constructs rewritten by row of the
legacy API inventory (genloop/compat/rows.py), the rewrites that check at
run time what no reading of the code can tell, and what it left for a
person to fix, each with its file, line and reason."""

import collections
import re
from typing import Counter, List, NamedTuple, Tuple

import libcst as cst

from ..compat.rows import ROWS

__all__ = ["Left", "Summary", "quoted"]


class Left(NamedTuple):
    """A construct left as it was: where, its row, what, and why."""

    path: str
    line: int
    row: str
    what: str
    why: str
    #: The first and last lines of the function it is, when it is one.
    lines: Tuple[int, int] = (0, 0)

    def __str__(self) -> str:
        return "{}:{}: {} {}: {}".format(self.path, self.line, self.row, self.what, self.why)


class Summary(object):
    def __init__(self) -> None:
        self.files = 0
        self.changed: List[str] = []
        self.rewritten: Counter[str] = collections.Counter()
        self.left: List[Left] = []
        #: Rewrites that keep a check at run time (a value awaited if it is
        #: awaitable), for a person to simplify once what it is is known.
        self.review: List[Left] = []
        #: Uses of genloop's own API rewritten as asyncio's (--drop-genloop).
        self.own_api = 0
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
        if self.own_api:
            lines.append("genloop's own API, rewritten as asyncio's: {}".format(self.own_api))
        if self.review:
            lines.append("rewritten with a check at run time ({}), to review by hand:".format(
                len(self.review)))
            lines.extend("  {}".format(review) for review in sorted(self.review))
        if self.left:
            lines.append("left as they were ({}), to fix by hand:".format(len(self.left)))
            lines.extend("  {}".format(left) for left in sorted(self.left))
        if self.failed:
            lines.append("not migrated:")
            lines.extend("  {}".format(failure) for failure in self.failed)
        return "\n".join(lines) + "\n"


def quoted(node: cst.CSTNode) -> str:
    """The code of ``node`` as a report quotes it: on one line, since a
    line break in a reason would start what reads as another entry."""
    text = cst.Module([]).code_for_node(node)
    text = re.sub(r"([(\[{])\s*\n\s*", r"\1", text)
    text = re.sub(r"\s*\n\s*([)\]}])", r"\1", text)
    return re.sub(r"\s*\n\s*", " ", text)
