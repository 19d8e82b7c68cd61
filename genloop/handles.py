"""The callbacks genloop's loop schedules, made and run cheaply.

``asyncio.Handle(...)`` costs a Python ``__init__`` and a ``get_debug()``
call per callback, and ``Handle._run`` another frame to run it.  Outside
debug mode genloop's loop makes :class:`Callback` and :class:`Timer` (to
every caller the same as asyncio's: ``cancel()``, ``cancelled()``,
``when()``, reprs) by setting their slots directly, and runs them itself
(see ``EventLoop._run_once``), reporting failures with
:func:`report_failure` in the words of ``Handle._run``.  In debug mode it
makes asyncio's own handles, with their creation tracebacks.
"""

import asyncio
from typing import Any, List, Optional

from . import _seam, _versions
from ._context import copy_context
from ._frames import without_own_head
from .tasks import Task

__all__ = ["Callback", "Timer", "new_callback", "new_timer", "report_failure"]

# 3.6's Handle has no context slot: genloop's handles add one, holding a
# context whose run() just calls.
_CONTEXT_SLOT = () if _versions.HAS_CONTEXTVARS else ("_context",)


class _ShownAsAsyncio(object):
    """Reprs name the asyncio class (``<Handle …>``, ``<TimerHandle …>``):
    reports read as they do on asyncio's loop."""

    __slots__ = ()
    _shown_as = ""

    def _repr_info(self) -> List[str]:
        info: List[str] = super()._repr_info()  # type: ignore[misc]
        info[0] = self._shown_as
        return info


class Callback(_ShownAsAsyncio, asyncio.Handle):
    """A ``call_soon`` callback of genloop's loop."""

    __slots__ = _CONTEXT_SLOT
    _shown_as = "Handle"
    # Made empty and filled by new_callback(): calling the class with
    # object's own __init__ is the cheapest way to get an instance.
    __init__ = object.__init__


class Timer(_ShownAsAsyncio, asyncio.TimerHandle):
    """A ``call_later``/``call_at`` callback of genloop's loop."""

    __slots__ = _CONTEXT_SLOT
    _shown_as = "TimerHandle"
    __init__ = object.__init__


def new_callback(
    callback: Any, args: Any, loop: Any, context: Optional[Any], kind: type = Callback
) -> Any:
    """What ``asyncio.Handle(callback, args, loop, context)`` makes, for a
    loop not in debug mode (``kind`` is the class: Callback, or Timer for
    :func:`new_timer`)."""
    handle: Any = kind()
    handle._callback = callback
    handle._args = args
    handle._cancelled = False
    handle._loop = loop
    handle._source_traceback = None
    handle._repr = None
    handle._context = copy_context() if context is None else context
    return handle


def new_timer(
    when: float, callback: Any, args: Any, loop: Any, context: Optional[Any]
) -> Timer:
    """What ``asyncio.TimerHandle(when, ...)`` makes, for a loop not in debug mode."""
    timer = new_callback(callback, args, loop, context, Timer)
    timer._when = when
    timer._scheduled = False
    return timer  # type: ignore[no-any-return]


def report_failure(handle: Any, exc: BaseException) -> None:
    """Hand a callback's exception to the loop's exception handler, in the
    words of ``Handle._run``."""
    if handle.__class__ is Task:
        callback, args = handle._wakeup, (handle._wakeup_arg,)
    else:
        callback, args = handle._callback, handle._args
    context = {
        "message": "Exception in callback {}".format(
            _seam.format_callback_source(callback, args)
        ),
        "exception": without_own_head(exc),
        "handle": handle,
    }
    handle._loop.call_exception_handler(context)
