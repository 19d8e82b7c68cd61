"""Which lines of a stack are the test's own: reports point at the line
of the test (or of the code under test) that made a task or got stuck,
not at the asyncio or genloop frame below it."""

import asyncio
import os
import selectors
import traceback
from typing import Any, Iterable, Optional

from .._frames import is_own_file

__all__ = ["innermost_own_frame", "called_by_the_loop", "where"]

_ASYNCIO_DIR = os.path.dirname(os.path.abspath(asyncio.__file__)) + os.sep
#: Where a selector loop waits for I/O.
_SELECTORS_FILE = os.path.abspath(selectors.__file__)


def innermost_own_frame(stack: Iterable[Any]) -> Optional[traceback.FrameSummary]:
    """The innermost entry of ``stack`` (``FrameSummary`` items, outermost
    first) outside asyncio and genloop, or None."""
    own = [entry for entry in stack if not _of_the_loop(entry)]
    return own[-1] if own else None


def called_by_the_loop(stack: traceback.StackSummary) -> traceback.StackSummary:
    """The entries of a thread's ``stack`` below its innermost frame of the
    loop (asyncio, genloop, or the selector it polls): what the loop was
    running, without the test runner's frames that started the loop (all
    of ``stack`` if none is the loop's; none while the loop runs its own
    code)."""
    entries = list(stack)
    starts = [index + 1 for index, entry in enumerate(entries) if _of_the_loop(entry)]
    return traceback.StackSummary.from_list(entries[starts[-1]:] if starts else entries)


def _of_the_loop(entry: traceback.FrameSummary) -> bool:
    path = os.path.abspath(entry.filename)
    return path.startswith(_ASYNCIO_DIR) or path == _SELECTORS_FILE or is_own_file(path)


def where(entry: traceback.FrameSummary) -> str:
    """``file:line in function`` and the line's code."""
    text = "{}:{} in {}".format(entry.filename, entry.lineno, entry.name)
    return text + ("\n    " + entry.line if entry.line else "")
