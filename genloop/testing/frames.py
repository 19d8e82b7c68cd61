"""Which lines of a stack are the test's own: reports point at the line
of the test (or of the code under test) that made a task or got stuck,
not at the asyncio or genloop frame below it."""

import asyncio
import os
import traceback
from typing import Any, Iterable, Optional

from .._frames import is_own_file

__all__ = ["innermost_own_frame", "where"]

_ASYNCIO_DIR = os.path.dirname(os.path.abspath(asyncio.__file__)) + os.sep


def innermost_own_frame(stack: Iterable[Any]) -> Optional[traceback.FrameSummary]:
    """The innermost entry of ``stack`` (``FrameSummary`` items, outermost
    first) outside asyncio and genloop, or None."""
    own = [
        entry
        for entry in stack
        if not os.path.abspath(entry.filename).startswith(_ASYNCIO_DIR)
        and not is_own_file(entry.filename)
    ]
    return own[-1] if own else None


def where(entry: traceback.FrameSummary) -> str:
    """``file:line in function`` and the line's code."""
    text = "{}:{} in {}".format(entry.filename, entry.lineno, entry.name)
    return text + ("\n    " + entry.line if entry.line else "")
