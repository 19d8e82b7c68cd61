"""asyncio's locks and queues as legacy code used them: created with
``loop=`` (row L05) and taken with ``with (yield from lock):`` or
``with (await lock):`` (row L06)."""

import asyncio
import functools
import types
from typing import Any, Callable, Generator, List, Optional

from .. import _seam, _versions
from .functions import check_loop_argument
from .patching import Patch
from .usage import legacy_use

__all__ = ["patches", "TAKING_LOOP", "LOCKS"]

#: The primitives whose constructor took loop= (3.10 removed it).
TAKING_LOOP = (
    asyncio.Queue,
    asyncio.PriorityQueue,
    asyncio.LifoQueue,
    asyncio.Lock,
    asyncio.Event,
    asyncio.Condition,
    asyncio.Semaphore,
    asyncio.BoundedSemaphore,
)

#: The primitives that ``with (yield from ...)`` took (3.9 removed it).
LOCKS = (asyncio.Lock, asyncio.Condition, asyncio.Semaphore, asyncio.BoundedSemaphore)


def _init_taking_loop(cls: type) -> Callable[..., None]:
    original = cls.__dict__["__init__"]

    @functools.wraps(original)
    def __init__(self: Any, *args: Any, loop: Any = None, **kwargs: Any) -> None:
        if loop is None or loop is _seam.NO_LOOP_ARGUMENT:
            original(self, *args, **kwargs)
            return
        legacy_use("L05")
        check_loop_argument(loop, cls.__name__)
        original(self, *args, **kwargs)  # binds to the running loop on first use

    return __init__


class _Held(object):
    """What ``yield from lock`` gives: a context manager releasing the lock,
    once.  Spent, it refuses to be entered again with the AttributeError
    that 3.6-3.8 raised (and their tests pin), but before the block runs
    without the lock rather than after it."""

    __slots__ = ("_lock",)

    def __init__(self, lock: Any) -> None:
        self._lock: Optional[Any] = lock

    def __enter__(self) -> None:
        if self._lock is None:
            raise AttributeError(
                "this 'with (yield from lock):' has already released its lock: "
                "write 'with (yield from lock):' again to take the lock again"
            )
        return None

    def __exit__(self, *exc_info: Any) -> None:
        lock, self._lock = self._lock, None
        if lock is not None:
            lock.release()


@types.coroutine
def _acquire(lock: Any) -> Generator[Any, Any, _Held]:
    yield from lock.acquire()
    return _Held(lock)


def _yield_from_lock(self: Any) -> Generator[Any, Any, _Held]:
    """``with (yield from lock):`` and ``with (await lock):`` (a plain
    generator: ``__await__`` may not return a coroutine)."""
    legacy_use("L06")
    return (yield from _acquire(self))


def _enter_without_yield_from(self: Any) -> None:
    """``with lock:``, an error with the words of 3.6-3.8."""
    raise RuntimeError('"yield from" should be used as context manager expression')


def _exit_never_reached(self: Any, *exc_info: Any) -> None:
    """Only there so that a bare ``with lock:`` reaches ``__enter__``'s error."""


def patches() -> List[Patch]:
    found = []
    if _versions.LOOP_ARGUMENT_REMOVED:
        for cls in TAKING_LOOP:
            if "__init__" in cls.__dict__:
                found.append(Patch(cls, "__init__", _init_taking_loop(cls)))
    if _versions.YIELD_FROM_LOCK_REMOVED:
        for cls in LOCKS:
            found.append(Patch(cls, "__iter__", _yield_from_lock))
            found.append(Patch(cls, "__await__", _yield_from_lock))
            found.append(Patch(cls, "__enter__", _enter_without_yield_from))
            found.append(Patch(cls, "__exit__", _exit_never_reached))
    return found
