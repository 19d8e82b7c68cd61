"""What ``genloop scan`` still finds in a migrated file, listed as left for
a person: the rows migrate does not rewrite (``class
W(asyncio.coroutines.CoroWrapper)``, ``gen.throw(a, b, c)``, child
watchers...), so that the report says all that remains, and a scan of the
result finds nothing it did not list.

The scan (:mod:`genloop.scan.detect`) reads the new text; what it finds is
given at the original text's lines, as the rest of the report is.  What
migrate listed already is not listed twice: a finding of the same row on
the same line, or a legacy coroutine's own rows inside a function left as
it was.  Not listed either: rows that no Python broke, and the scan's
guesses at undecorated helpers (L11), which the call graph of the whole
tree decided (:mod:`.graph`).
"""

import ast
import difflib
import warnings
from typing import Callable, Dict, List, Sequence, Tuple

from ..compat.rows import ROWS
from ..scan.detect import Finding, find_constructs
from ..scan.source import Source
from .report import Left

__all__ = ["remaining", "original_lines", "scanned"]

#: The rows of a generator that stays one, which its own entry explains.
_GENERATOR_ROWS = frozenset(["L01", "L06", "L13", "L24"])
#: The rows migrate decides for every site, better than a scan of one file.
_DECIDED = frozenset(["L11"])


def remaining(path: str, before: str, after: str, listed: Sequence[Left]) -> List[Left]:
    """The constructs the scan finds in ``after``, the new text of the file
    at ``path`` (``before``: its text as it was), that ``listed`` does not
    list yet."""
    lines = _lines(after)
    found = scanned(after, path)
    original = original_lines(before, after)
    own = [left for left in listed if left.path == path]
    left: Dict[Tuple[int, str], Left] = {}
    for finding in found:
        row = ROWS[finding.row]
        line = original(finding.line)
        if row.broken_in == "-" or row.id in _DECIDED or (line, row.id) in left or any(
            _explains(entry, row.id, line) for entry in own
        ):
            continue
        left[line, row.id] = Left(
            path, line, row.id, lines[finding.line - 1].strip(),
            "not rewritten, as genloop scan finds it: {} (broke in {}; instead: {})".format(
                row.api, row.broken_in, row.replacement
            ),
        )
    return list(left.values())


def scanned(text: str, path: str) -> List[Finding]:
    """What ``genloop scan`` finds in ``text``; nothing when this Python
    cannot parse it (newer syntax, or ``async`` as a name from 3.7)."""
    lines = _lines(text)
    with warnings.catch_warnings():
        warnings.simplefilter("ignore")
        try:
            return find_constructs(Source(lines, ast.parse("\n".join(lines), path), []))
        except (SyntaxError, RecursionError, MemoryError):
            return []


def _lines(text: str) -> List[str]:
    """A text's lines as Python reads them (any line end is one)."""
    return text.replace("\r\n", "\n").replace("\r", "\n").split("\n")


def _explains(entry: Left, row: str, line: int) -> bool:
    """Whether ``entry`` lists what a finding of ``row`` at ``line`` is."""
    first, last = entry.lines
    return (entry.row == row and entry.line == line) or (
        row in _GENERATOR_ROWS and first <= line <= last
    )


def original_lines(before: str, after: str) -> Callable[[int], int]:
    """The line of ``before`` that each line of ``after`` comes from (a
    line added: the one it was added before)."""
    found: Dict[int, int] = {}
    matcher = difflib.SequenceMatcher(None, _lines(before), _lines(after), autojunk=False)
    for _, first, last, start, end in matcher.get_opcodes():
        for index in range(start, end):
            found[index + 1] = min(first + index - start, max(first, last - 1)) + 1
    return lambda line: found.get(line, line)
