"""genloop's own frames, kept out of the tracebacks users read.

Where asyncio's reports point at the user's code (where a task, callback or
coroutine was created, where a callback failed), the frames of genloop's
loop, engine and command line that carried the call are noise: asyncio's
C Task adds none, and a program started by ``genloop run`` should read as
one started by ``python``.  Frames of asyncio itself are left alone.
"""

import os
import traceback
from types import TracebackType
from typing import Any, List, Optional

from ._seam import creation_stack

__all__ = ["is_own_file", "drop_own_frames", "extract_user_stack", "without_own_head"]

PACKAGE_DIR = os.path.dirname(os.path.abspath(__file__))
_PREFIX = PACKAGE_DIR + os.sep
#: The command line's frame that starts the program: frames above it (the
#: interpreter's launcher, runpy, genloop's CLI) are the launcher's.
_PROGRAM_START = os.path.join(PACKAGE_DIR, "cli.py")


def is_own_file(filename: str) -> bool:
    """Whether ``filename`` is one of genloop's own modules."""
    return os.path.abspath(filename).startswith(_PREFIX)


def drop_own_frames(scheduled: Any) -> None:
    """Remove genloop's frames from the debug-mode creation traceback of a
    handle, future or task (asyncio's ``_source_traceback``)."""
    stack = creation_stack(scheduled)
    if stack:
        stack[:] = _user_frames(stack)


def extract_user_stack(frame: Any, limit: int) -> "traceback.StackSummary":
    """The ``limit`` innermost frames from ``frame`` outwards, genloop's
    own left out (a debug-mode creation traceback)."""
    stack = _user_frames(traceback.extract_stack(frame))
    return traceback.StackSummary.from_list(stack[-limit:])


def _user_frames(stack: List[Any]) -> List[Any]:
    """``stack`` (``FrameSummary`` items) without genloop's frames, nor the
    launcher's above a program started by ``genloop run``."""
    start = 0
    for index, frame in enumerate(stack):
        if os.path.abspath(frame.filename) == _PROGRAM_START:
            start = index + 1
    return [frame for frame in stack[start:] if not is_own_file(frame.filename)]


def without_own_head(error: BaseException) -> BaseException:
    """``error`` without genloop's frames at the head of its traceback (the
    loop's frame that ran a failed callback), as asyncio's C-level calls
    leave none."""
    tb: Optional[TracebackType] = error.__traceback__
    while tb is not None and tb.tb_next is not None and is_own_file(
        tb.tb_frame.f_code.co_filename
    ):
        tb = tb.tb_next
    error.__traceback__ = tb
    return error
