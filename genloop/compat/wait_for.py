"""``asyncio.wait_for(coro, timeout)`` as up to 3.11 (row L36).

Up to 3.11 ``wait_for`` made a coroutine a task of its own and waited for
that task or the timeout, whichever came first; the coroutine's first step
came after the callbacks already scheduled, and a cancellation of the
waiting task reached the coroutine's task one loop iteration later.  3.12
runs the coroutine inline, in the caller's task, inside an
``asyncio.timeout()``: legacy code that relied on the order of the steps
sees another one.  With a timeout of None both await the coroutine inline.

Coroutines with a timeout run here as 3.11 ran them; futures, and a
timeout of None, go to the running Python's own ``wait_for``.
"""

import asyncio
import functools
import sys
import types
from typing import Any, Callable, Optional

from .coroutines import legacy_iscoroutine
from .usage import legacy_use

__all__ = ["wait_for_as_task"]


def wait_for_as_task(wait_for: Callable[..., Any]) -> Callable[..., Any]:
    """``wait_for``, running a coroutine given with a timeout as a task."""

    @functools.wraps(wait_for)
    def legacy_wait_for(fut: Any, timeout: Any) -> Any:
        if timeout is None or not legacy_iscoroutine(fut):
            return wait_for(fut, timeout)
        if not _called_by_asyncio():
            legacy_use("L36")
        return _wait_for_task(fut, timeout)

    return legacy_wait_for


def _called_by_asyncio() -> bool:
    """Whether the first caller outside genloop is asyncio itself
    (``staggered`` calls ``wait_for``): no use by legacy code to report."""
    frame: Optional[types.FrameType] = sys._getframe(2)
    while frame is not None and frame.f_globals.get("__name__", "").startswith("genloop."):
        frame = frame.f_back
    return frame is not None and frame.f_globals.get("__name__", "").startswith("asyncio.")


async def _wait_for_task(coro: Any, timeout: float) -> Any:
    """The coroutine's result if its task ends within ``timeout``; else the
    task is cancelled, waited for, and TimeoutError raised (unless the task
    still ended with a result).  A cancelled caller cancels the task too,
    and waits for it before it lets the cancellation go on."""
    task = asyncio.ensure_future(coro)
    if timeout > 0:
        try:
            await asyncio.wait([task], timeout=timeout)
        except asyncio.CancelledError:
            if not task.done():
                await _cancelled(task)
                raise
        if task.done():
            return task.result()
    await _cancelled(task)
    try:
        return task.result()
    except asyncio.CancelledError as cancelled:
        raise asyncio.TimeoutError() from cancelled


async def _cancelled(task: "asyncio.Future[Any]") -> None:
    """Cancel ``task`` and wait for it to end, however it ends (a second
    cancellation of the waiting task does not stop the wait)."""
    task.cancel()
    ended = asyncio.get_running_loop().create_future()

    def on_end(_: Any) -> None:
        if not ended.done():
            ended.set_result(None)

    task.add_done_callback(on_end)
    try:
        await ended
    finally:
        task.remove_done_callback(on_end)
