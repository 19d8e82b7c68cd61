"""The loop of one test: set as the current loop, watched for what the test
leaves on it, then wound down and closed, and the previous current loop
set back — so that the next test starts clean whatever this one did
(close the loop, ``asyncio.set_event_loop(None)``, set another policy,
leave a task pending or a server listening).
"""

import asyncio
import asyncio.events
import gc
import warnings
from typing import Any, Iterable, List, Optional

from .. import _seam, _versions
from ..tasks import task_factory
from .clock import VirtualClock
from .leaks import CHECKS, LoopWatch
from .running import run_on_loop

__all__ = ["IsolatedLoop", "cancel_all", "stock_event_loop"]

#: What :meth:`IsolatedLoop.finish` reports when the loop was closed early.
CLOSED_EARLY = (
    "the event loop was closed before the test ended (loop.close() in the test?): "
    "what the test left on it could not be checked; the loop is closed for it "
    "after the cleanups"
)


def stock_event_loop() -> asyncio.AbstractEventLoop:
    """asyncio's own selector loop with genloop's task factory: genloop's
    engine on the standard scheduler."""
    loop = asyncio.SelectorEventLoop()
    loop.set_task_factory(task_factory)
    return loop


class IsolatedLoop(object):
    """Makes ``loop`` the current loop and watches it (``checks``, see
    :mod:`genloop.testing.leaks`), with ``clock`` installed if given, until
    :meth:`finish` or :meth:`release`.

    An ``owned`` loop is wound down and closed at the end: its pending
    tasks cancelled, async generators and the default executor shut down,
    each step within ``timeout`` real seconds.  With
    ``forbid_get_event_loop`` a call of ``asyncio.get_event_loop()``
    outside a running loop fails the test meanwhile.
    """

    def __init__(
        self,
        loop: asyncio.AbstractEventLoop,
        *,
        owned: bool = True,
        checks: Iterable[str] = CHECKS,
        clock: Optional[VirtualClock] = None,
        forbid_get_event_loop: bool = False,
        timeout: Optional[float] = None
    ) -> None:
        self.loop = loop
        self.owned = owned
        self.clock = clock
        self.timeout = timeout
        self._policy = asyncio.get_event_loop_policy()
        self._previous = _current_loop(self._policy)
        self._released = False
        self._policy.set_event_loop(loop)
        if forbid_get_event_loop:
            asyncio.set_event_loop_policy(_ForbiddingPolicy(self._policy))
        try:
            self.watch = LoopWatch(loop, checks)
            if clock is not None:
                clock.install(loop)
        except BaseException:
            self.release()
            raise

    def finish(self) -> List[str]:
        """What the test left (see :meth:`LoopWatch.leftovers`), then
        :meth:`release`.  Empty once released.

        What the test left is reported once, here: the sockets and
        transports it left open are collected now, with their
        ``ResourceWarning`` silenced, not in the middle of a later test."""
        if self._released:
            return []
        try:
            found = [CLOSED_EARLY] if self.loop.is_closed() else self.watch.leftovers()
        except BaseException:
            self.release()
            raise
        with warnings.catch_warnings():
            warnings.simplefilter("ignore", ResourceWarning)
            try:
                self.release()
            except Exception as error:  # a task that would not end, an executor stuck
                found.append(
                    "winding the loop down failed: {}: {}".format(type(error).__name__, error)
                )
            if found:
                gc.collect()
        return found

    def release(self) -> None:
        """Wind down and close an owned loop, uninstall the clock, and set
        back the policy and current loop (idempotent)."""
        if self._released:
            return
        self._released = True
        loop = self.loop
        try:
            watch = getattr(self, "watch", None)
            if watch is not None:
                watch.stop()
            if self.owned and not loop.is_closed():
                try:
                    pending = [task for task in _seam.all_tasks(loop) if not task.done()]
                    run_on_loop(
                        loop,
                        _wind_down(loop, pending),
                        timeout=self.timeout,
                        name="winding down the test's loop",
                    )
                finally:
                    loop.close()
        finally:
            if self.clock is not None:
                self.clock.uninstall()  # after the wind-down, which runs on its time
            asyncio.set_event_loop_policy(self._policy)
            self._policy.set_event_loop(self._previous)


async def _wind_down(loop: asyncio.AbstractEventLoop, pending: List[Any]) -> None:
    """What ``asyncio.run`` does before closing its loop; ``pending`` are
    the tasks left."""
    await cancel_all(pending)
    await loop.shutdown_asyncgens()
    if _versions.HAS_SHUTDOWN_DEFAULT_EXECUTOR:
        await loop.shutdown_default_executor()


async def cancel_all(tasks: List[Any]) -> None:
    """Cancel ``tasks`` and wait until each has ended."""
    for task in tasks:
        task.cancel()
    if tasks:
        await asyncio.gather(*tasks, return_exceptions=True)


def _current_loop(policy: Any) -> Optional[asyncio.AbstractEventLoop]:
    """The policy's current loop, without making one (None if none)."""
    if isinstance(policy, asyncio.events.BaseDefaultEventLoopPolicy) and _seam.policy_creates_loop(
        policy
    ):
        return None
    try:
        return policy.get_event_loop()  # type: ignore[no-any-return]
    except RuntimeError:  # set_event_loop(None) was called
        return None


class _ForbiddingPolicy(asyncio.AbstractEventLoopPolicy):
    """``policy``, except that ``get_event_loop()`` fails (asynctest's
    ``forbid_get_event_loop``): the code under test must take the loop it
    is given, or the running loop."""

    def __init__(self, policy: Any) -> None:
        self._policy = policy

    def get_event_loop(self) -> asyncio.AbstractEventLoop:
        raise AssertionError(
            "asyncio.get_event_loop() was called outside a running loop while "
            "forbid_get_event_loop is set: pass the loop (self.loop) explicitly"
        )

    def set_event_loop(self, loop: Optional[asyncio.AbstractEventLoop]) -> None:
        self._policy.set_event_loop(loop)

    def new_event_loop(self) -> asyncio.AbstractEventLoop:
        return self._policy.new_event_loop()  # type: ignore[no-any-return]

    def get_child_watcher(self) -> Any:
        return self._policy.get_child_watcher()

    def set_child_watcher(self, watcher: Any) -> None:
        self._policy.set_child_watcher(watcher)
