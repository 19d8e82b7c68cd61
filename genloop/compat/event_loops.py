"""Event-loop behaviour legacy code relied on: ``asyncio.get_event_loop()``
creating the main thread's loop (rows L26, L27; 3.12 warns, 3.14 raises),
a default executor that is not a thread pool (L29; 3.11 refuses) and
``Server.wait_closed()`` returning once the server is closed (L35; 3.12
waits for every connection too)."""

import asyncio
import asyncio.base_events
import asyncio.events
import concurrent.futures
import functools
import threading
from typing import Any, Callable, Coroutine, List

from .. import _seam, _versions
from .patching import Patch
from .usage import legacy_use

__all__ = ["patches"]


def _get_event_loop(self: Any) -> asyncio.AbstractEventLoop:
    """What the default policy's ``get_event_loop`` did up to 3.11: create
    the main thread's loop when none was ever set, without a warning."""
    local = self._local
    if (
        local._loop is None
        and not local._set_called
        and threading.current_thread() is threading.main_thread()
    ):
        legacy_use("L26")
        self.set_event_loop(self.new_event_loop())
    if local._loop is None:
        raise RuntimeError(
            "There is no current event loop in thread %r." % threading.current_thread().name
        )
    loop: asyncio.AbstractEventLoop = local._loop
    return loop


def _set_default_executor(self: Any, executor: Any) -> None:
    """Any ``concurrent.futures.Executor``, as before 3.11."""
    if not isinstance(executor, concurrent.futures.ThreadPoolExecutor):
        legacy_use("L29")
    self._default_executor = executor


def _wait_closed(
    original: Callable[[Any], Coroutine[Any, Any, None]]
) -> Callable[[Any], Coroutine[Any, Any, None]]:
    @functools.wraps(original)
    async def wait_closed(self: Any) -> None:
        """As up to 3.11: at once if the server is closed (``close()`` then
        ``wait_closed()`` did not wait for the open connections, and old
        shutdown code leaves them open), else until it is closed and its
        connections are gone."""
        if _seam.server_is_closed(self):
            legacy_use("L35")
            return
        await original(self)

    return wait_closed


def patches() -> List[Patch]:
    found = []
    if _versions.GET_EVENT_LOOP_DEPRECATED:
        found.append(
            Patch(asyncio.events.BaseDefaultEventLoopPolicy, "get_event_loop", _get_event_loop)
        )
    if _versions.DEFAULT_EXECUTOR_MUST_BE_THREAD_POOL:
        found.append(
            Patch(asyncio.base_events.BaseEventLoop, "set_default_executor", _set_default_executor)
        )
    if _versions.WAIT_CLOSED_WAITS_FOR_CONNECTIONS:
        server_class = asyncio.base_events.Server
        found.append(
            Patch(server_class, "wait_closed", _wait_closed(server_class.wait_closed))
        )
    return found
