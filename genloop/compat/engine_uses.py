"""The legacy constructs genloop's engine runs without any shim: tornado
and trollius yields (row L13), ``raise StopIteration(v)`` as a return
(L24) and generators run as tasks (L10).

While uses are recorded, ``install()`` makes :func:`note` the engine's
observer (:class:`genloop._legacy.Observer`); it finds the user's line from
what the engine hands over.
"""

import sys
import types
from typing import Any, Optional

from ..tasks import STEP_CODES
from .usage import legacy_use_at

__all__ = ["note"]


def note(row_id: str, where: Any) -> None:
    """Record a use of ``row_id`` at the line ``where`` points to: a
    suspended coroutine (its innermost frame), an exception (where it was
    raised), or for L10 the generator made a task (the user's code that
    made it)."""
    if isinstance(where, BaseException):
        frame, line = _raise_site(where)
    else:
        frame = _task_creator(where) if row_id == "L10" else _innermost_frame(where)
        line = frame.f_lineno if frame is not None else 0
    if frame is not None:
        legacy_use_at(row_id, frame.f_code.co_filename, line, frame.f_globals)


def _innermost_frame(coro: Any) -> Optional[types.FrameType]:
    """The frame of the coroutine that really yielded: down the chain of
    ``yield from``/``await`` from ``coro``."""
    frame = None
    while coro is not None:
        inner = getattr(coro, "gi_frame", None) or getattr(coro, "cr_frame", None)
        if inner is None:
            break
        frame = inner
        coro = getattr(coro, "gi_yieldfrom", None) or getattr(coro, "cr_await", None)
    return frame


def _raise_site(exc: BaseException) -> Any:
    tb = exc.__traceback__
    if tb is None:
        return None, 0
    while tb.tb_next is not None:
        tb = tb.tb_next
    return tb.tb_frame, tb.tb_lineno


def _task_creator(generator: Any) -> Optional[types.FrameType]:
    """The user's code that made a task of ``generator``; None when that is
    not legacy code's doing: a generator of asyncio's own (3.6), a task the
    engine makes for a yielded list, or a compat shim that reports the use
    itself."""
    frame = generator.gi_frame
    if frame is None or _library_module(frame):
        return None
    caller: Optional[types.FrameType] = sys._getframe(2)
    while caller is not None and _library_module(caller):
        if caller.f_code in STEP_CODES or _library_module(caller) == "genloop.compat":
            return None
        caller = caller.f_back
    return caller


def _library_module(frame: types.FrameType) -> str:
    """"asyncio", "genloop" or "genloop.compat" for their frames, else ""."""
    module = frame.f_globals.get("__name__", "")
    if module.startswith("genloop.compat"):
        return "genloop.compat"
    top = module.partition(".")[0]
    return top if top in ("asyncio", "genloop") else ""
