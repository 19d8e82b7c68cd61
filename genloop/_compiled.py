"""Whether genloop's compiled core runs, and loading it.

``genloop._speedups`` (C, built from ``genloop/_speedups.c`` on CPython
3.10+ when a compiler is at hand) replaces the hot paths of ``genloop.tasks``
(the step, a task's start and end, ``await task``, ``task_factory``, the
task's type slots for calling, awaiting, finalizing and garbage collection),
of ``genloop.loop`` (``call_soon``, ``call_at``, ``call_later``, a timer's
``cancel()``, the loop's iterations with the run of the ready queue and,
with epoll, the poll for I/O, outside debug mode), of
``genloop.timers`` (the timer queue, a heap of C doubles), of
``genloop.transports`` (the socket transport's reads and write, built
from ``genloop/_transports.c``) and of
``genloop.coroutines`` (a legacy coroutine function where asyncio refuses
generators, and ``yield from`` its adapter) with the
same code in C.  The pure-Python modules stay the reference and run everywhere
else: on 3.6 to 3.9, on PyPy, where the extension was not built, and
whenever ``GENLOOP_PURE=1`` is set.
"""

import os
from typing import Any, Optional


def pure_requested() -> bool:
    """Whether ``GENLOOP_PURE`` asks for the pure-Python step."""
    return os.environ.get("GENLOOP_PURE", "") not in ("", "0")


def speedups() -> Optional[Any]:
    """The compiled module, or None when it is not to be used or not built."""
    if pure_requested():
        return None
    try:
        from . import _speedups  # type: ignore[attr-defined]
    except ImportError:
        return None
    return _speedups
