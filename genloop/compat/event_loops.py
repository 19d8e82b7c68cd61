"""Event-loop behaviour legacy code relied on: ``asyncio.get_event_loop()``
creating the main thread's loop (rows L26, L27; 3.12 warns, 3.14 raises)
and a default executor that is not a thread pool (L29; 3.11 refuses)."""

import asyncio
import asyncio.base_events
import asyncio.events
import concurrent.futures
import threading
from typing import Any, List

from .. import _versions
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
    return found
