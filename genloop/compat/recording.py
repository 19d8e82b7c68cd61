"""Legacy calls to the asyncio APIs this Python still has, recorded.

Up to 3.10 the compat layer leaves alone the legacy APIs that still work:
``loop=`` (up to 3.9, row L05), ``with (yield from lock)`` and
``with (await lock)`` (up to 3.8, L06), ``asyncio.async`` (3.6, L02),
coroutines passed to ``asyncio.wait`` (up to 3.9 here; the 3.10 shim
records them itself, L08), generators given to ``gather``, ``wait``,
``wait_for``, ``shield`` and ``as_completed`` (up to 3.9, L10), a default
executor that is not a thread pool (up to 3.10, L29) and
``get_event_loop()`` creating the loop (up to 3.11, L26).  While migration
warnings or a report are asked for, these patches pass each such call
through unchanged and record it, so that the warnings and the report name
every legacy API that ran, on every Python, at the same lines.
"""

import asyncio
import asyncio.base_events
import asyncio.events
import concurrent.futures
import functools
import inspect
import sys
from typing import Any, Callable, Dict, List, Sequence, Tuple

from .. import _seam, _versions
from .coroutines import legacy_iscoroutine
from .functions import LOOP_TAKING_FUNCTIONS, is_one_awaitable, modules_defining
from .patching import Patch
from .primitives import LOCKS, TAKING_LOOP
from .usage import legacy_use, legacy_use_by_caller

__all__ = ["patches"]


def _passes_loop(args: Tuple[Any, ...], kwargs: Dict[str, Any]) -> bool:
    return kwargs.get("loop") is not None


def _any_call(args: Tuple[Any, ...], kwargs: Dict[str, Any]) -> bool:
    return True


def _not_a_thread_pool(args: Tuple[Any, ...], kwargs: Dict[str, Any]) -> bool:
    executor = kwargs["executor"] if "executor" in kwargs else args[1]
    return not isinstance(executor, concurrent.futures.ThreadPoolExecutor)


def _recorded(
    row_id: str,
    original: Callable[..., Any],
    is_legacy: Callable[[Tuple[Any, ...], Dict[str, Any]], bool],
) -> Callable[..., Any]:
    """``original``, recording the calls that ``is_legacy`` picks out."""

    @functools.wraps(original)
    def recorded(*args: Any, **kwargs: Any) -> Any:
        if is_legacy(args, kwargs):
            legacy_use_by_caller(row_id)
        return original(*args, **kwargs)

    return _keep_coroutine_marker(recorded, original)


#: The awaitables of each function, as the 3.10+ shims of compat/functions.py
#: convert them: "each" item of the first argument, "all" positional
#: arguments, or the "first" one.
_AWAITABLE_ARGUMENTS = {
    "wait": "each",
    "as_completed": "each",
    "gather": "all",
    "wait_for": "first",
    "shield": "first",
}


def _recorded_function(name: str, original: Callable[..., Any]) -> Callable[..., Any]:
    """An asyncio function that took ``loop=``, recording ``loop=`` (L05),
    plain generators among its awaitables (L10) and, for ``wait``,
    coroutines among them (L08)."""
    kind = _AWAITABLE_ARGUMENTS.get(name)

    @functools.wraps(original)
    def recorded(*args: Any, **kwargs: Any) -> Any:
        if _passes_loop(args, kwargs):
            legacy_use_by_caller("L05")
        items: Sequence[Any] = ()
        if kind == "each" and args and not is_one_awaitable(args[0]):
            items = list(args[0])
            if name == "wait" and any(legacy_iscoroutine(item) for item in items):
                legacy_use_by_caller("L08")
            # What asyncio would have iterated, in the same shape.
            is_collection = isinstance(args[0], (list, tuple, set, frozenset))
            args = (args[0] if is_collection else iter(items),) + args[1:]
        elif kind == "all":
            items = args
        elif kind == "first":
            items = args[:1]
        if any(_is_legacy_generator(item) for item in items):
            legacy_use("L10")
        return original(*args, **kwargs)

    return _keep_coroutine_marker(recorded, original)


def _is_legacy_generator(obj: Any) -> bool:
    """A generator that 3.12+ refuses, which the code gave: asyncio's own
    coroutines are generators up to 3.6 (3.7 made them ``async def``)."""
    if not inspect.isgenerator(obj):
        return False
    frame = obj.gi_frame
    module = frame.f_globals.get("__name__", "") if frame is not None else ""
    return bool(module.partition(".")[0] != "asyncio")


#: asyncio modules whose objects ask for the loop when they are made up to
#: 3.9, and bind to the running loop on first use from 3.10: the loop such
#: a call makes is not the program's get_event_loop() (3.12 reports none).
_BIND_LAZILY_FROM_3_10 = frozenset(["asyncio.locks", "asyncio.queues"])


def _recorded_get_event_loop(original: Callable[[Any], Any]) -> Callable[[Any], Any]:
    """The default policy's ``get_event_loop``, recording the call that
    makes the main thread's loop (L26), as 3.12+ warns of it."""

    @functools.wraps(original)
    def get_event_loop(self: Any) -> Any:
        if _seam.policy_creates_loop(self) and not _for_a_primitive(sys._getframe(1)):
            legacy_use("L26")
        return original(self)

    return get_event_loop


def _for_a_primitive(frame: Any) -> bool:
    while frame is not None:
        module = frame.f_globals.get("__name__", "")
        if module in _BIND_LAZILY_FROM_3_10:
            return True
        if module.partition(".")[0] not in ("asyncio", "genloop"):
            return False
        frame = frame.f_back
    return False


def _keep_coroutine_marker(
    wrapper: Callable[..., Any], original: Callable[..., Any]
) -> Callable[..., Any]:
    """asyncio's and inspect's iscoroutinefunction() still say True of a
    wrapped ``async def`` function."""
    if asyncio.iscoroutinefunction(original):
        _seam.mark_coroutine_function(wrapper)
    return wrapper


def _function_patches() -> List[Patch]:
    found = []
    for name in LOOP_TAKING_FUNCTIONS:
        original = getattr(asyncio, name, None)
        if original is None:
            continue  # open_unix_connection/start_unix_server off POSIX
        replacement = _recorded_function(name, original)
        found += [
            Patch(module, name, replacement)
            for module in modules_defining(original)
            if getattr(module, name, None) is original
        ]
    return found


def patches() -> List[Patch]:
    """The recording patches for this Python (none from 3.12: every legacy
    API there is a shim that records itself)."""
    found: List[Patch] = []
    if not _versions.LOOP_ARGUMENT_REMOVED:
        found += _function_patches()
        found += [
            Patch(cls, "__init__", _recorded("L05", cls.__dict__["__init__"], _passes_loop))
            for cls in TAKING_LOOP
            if "__init__" in cls.__dict__
        ]
    if not _versions.YIELD_FROM_LOCK_REMOVED:
        # Called by the frame that runs 'yield from lock' or 'await lock'.
        found += [
            Patch(cls, method, _recorded("L06", getattr(cls, method), _any_call))
            for cls in LOCKS
            for method in ("__iter__", "__await__")
        ]
    if not _versions.ASYNC_ALIAS_REMOVED:
        original = getattr(asyncio, "async")
        replacement = _recorded("L02", original, _any_call)
        found += [Patch(module, "async", replacement) for module in modules_defining(original)]
    if not _versions.DEFAULT_EXECUTOR_MUST_BE_THREAD_POOL:
        loop_class = asyncio.base_events.BaseEventLoop
        found.append(
            Patch(
                loop_class,
                "set_default_executor",
                _recorded("L29", loop_class.set_default_executor, _not_a_thread_pool),
            )
        )
    if not _versions.GET_EVENT_LOOP_DEPRECATED:
        policy_class = asyncio.events.BaseDefaultEventLoopPolicy
        found.append(
            Patch(
                policy_class,
                "get_event_loop",
                _recorded_get_event_loop(policy_class.get_event_loop),
            )
        )
    return found
