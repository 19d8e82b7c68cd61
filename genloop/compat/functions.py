"""asyncio's high-level functions as legacy code called them: with
``loop=`` (row L05), with coroutines passed to ``asyncio.wait`` (L08),
with plain generators (L10), and ``wait_for(coro, timeout)`` running the
coroutine as a task of its own (L36, :mod:`genloop.compat.wait_for`).

The ``loop=`` argument warns on 3.8 and 3.9, where these functions are left
as they are, and is gone from 3.10.  From 3.10 the shim checks that it names the
running loop (3.6 would otherwise have failed with "attached to a different
loop"), drops it, and outside a running loop schedules the awaitables on
that loop as 3.6 did.
"""

import asyncio
import functools
import inspect
import types
from typing import Any, Callable, Dict, Iterable, List, Optional, Tuple

from .. import _seam, _versions
from .coroutines import as_coroutine, legacy_iscoroutine
from .patching import Patch
from .usage import legacy_use
from .wait_for import wait_for_as_task

__all__ = [
    "patches",
    "check_loop_argument",
    "is_one_awaitable",
    "modules_defining",
    "LOOP_TAKING_FUNCTIONS",
]

#: How each function treats its awaitables: "each" (an iterable of them, the
#: first argument), "all" (every positional argument), "first" (the first
#: argument), or None (no awaitables).
_AWAITABLES: Dict[str, Optional[str]] = {
    "sleep": None,
    "wait": "each",
    "wait_for": "first",
    "gather": "all",
    "shield": "first",
    "as_completed": "each",
    "open_connection": None,
    "start_server": None,
    "open_unix_connection": None,
    "start_unix_server": None,
    "create_subprocess_exec": None,
    "create_subprocess_shell": None,
}

#: The functions that took loop= (3.10 removed it).
LOOP_TAKING_FUNCTIONS = tuple(_AWAITABLES)

#: Functions that schedule their awaitables at once: outside a running loop
#: a legacy loop= argument chose the loop they run on.
_SCHEDULE_NOW = frozenset(["wait", "gather", "shield", "as_completed"])


#: What ``asyncio.wait(return_when=)`` accepts.
_RETURN_WHEN = (asyncio.FIRST_COMPLETED, asyncio.FIRST_EXCEPTION, asyncio.ALL_COMPLETED)


def check_loop_argument(loop: Any, api: str) -> None:
    """Refuse a loop= argument that is not the running loop, saying what to do."""
    running = _seam.get_running_loop_or_none()
    if running is not None and loop is not running:
        raise RuntimeError(
            "{}(loop={!r}) was called while {!r} is running: a coroutine can only "
            "use the running loop; drop the loop= argument".format(api, loop, running)
        )


def _converted(items: Iterable[Any], loop: Any) -> List[Any]:
    """Awaitables as the running Python accepts them: plain generators
    wrapped (L10; a decorated one is taken as it is); when the legacy code
    chose a loop, coroutines made tasks on it
    and futures of another loop refused, as ``ensure_future(x, loop=)`` did.
    An awaitable given twice is converted once (``gather(c, c)`` waits for
    one task and gives its result twice)."""
    converted = []
    made: Dict[int, Any] = {}  # id of each item given (all alive in items)
    for given in items:
        # is_decorated_generator(given), inline: a gather of legacy
        # coroutines asks it of each.
        decorated = type(given) is types.GeneratorType and bool(
            given.gi_code.co_flags & inspect.CO_ITERABLE_COROUTINE
        )
        if decorated and loop is None:
            # Taken as it is, as asyncio takes it under the compat layer:
            # nothing is made, so nothing to make once.
            converted.append(given)
            continue
        item = made.get(id(given))
        if item is None:
            item = given if decorated else as_coroutine(given)
            if loop is not None and (legacy_iscoroutine(item) or asyncio.isfuture(item)):
                item = asyncio.ensure_future(item, loop=loop)
            made[id(given)] = item
        converted.append(item)
    return converted


def is_one_awaitable(obj: Any) -> bool:
    """A future or coroutine where a collection of them is expected: left
    for asyncio to refuse with its own TypeError."""
    return asyncio.isfuture(obj) or legacy_iscoroutine(obj)


def _loop_argument_given(loop: Any, name: str) -> None:
    """A legacy loop= argument to ``name``: reported, and checked."""
    legacy_use("L05")
    check_loop_argument(loop, name)


def _dropped_loop_argument(kwargs: Dict[str, Any], name: str) -> Any:
    """The loop= argument taken out of ``kwargs`` (reported and checked), or None."""
    loop = kwargs.pop("loop", None)
    if loop is not None:
        _loop_argument_given(loop, name)
    return loop


def _legacy_function(name: str, original: Callable[..., Any]) -> Callable[..., Any]:
    awaitables = _AWAITABLES[name]
    if name == "sleep":
        return _legacy_sleep(original)
    if awaitables is None:
        return _without_loop_argument(name, original)

    @functools.wraps(original)
    def legacy(*args: Any, **kwargs: Any) -> Any:
        loop = _dropped_loop_argument(kwargs, name)
        schedule_on = loop if name in _SCHEDULE_NOW else None
        if awaitables == "each" and args and not is_one_awaitable(args[0]):
            # asyncio makes a set of them: one task per distinct coroutine.
            items = list(dict.fromkeys(args[0]))
            if name == "wait" and any(legacy_iscoroutine(item) for item in items):
                legacy_use("L08")
                if _versions.WAIT_REFUSES_COROUTINES:
                    if kwargs.get("return_when", asyncio.ALL_COMPLETED) not in _RETURN_WHEN:
                        return original(*args, **kwargs)  # its ValueError, no task made
                    schedule_on = schedule_on or _seam.get_running_loop_or_none()
                    if schedule_on is None:
                        return _wait_when_started(original, items, args[1:], kwargs)
            args = (_converted(items, schedule_on),) + args[1:]
        elif awaitables == "all":
            args = tuple(_converted(args, schedule_on))
        elif awaitables == "first" and args:
            args = tuple(_converted(args[:1], schedule_on)) + args[1:]
        if loop is not None and name == "gather" and not args:
            done = loop.create_future()
            done.set_result([])
            return done
        return original(*args, **kwargs)

    return legacy


def _legacy_sleep(original: Callable[..., Any]) -> Callable[..., Any]:
    """``asyncio.sleep`` with loop=, ``yield from asyncio.sleep(0)`` being
    the hottest call of legacy code.  Where ``original`` is asyncio's own,
    a coroutine function of the same parameters: ``sleep(0)`` yields once
    with asyncio's own bare-yield helper, as asyncio's does, with no call
    of asyncio's ``sleep`` (a call of a Python function is made inline by
    the interpreter, a wrapper's call from C or Python would cost one call
    more); a longer sleep awaits asyncio's."""
    sleep_once = getattr(asyncio.tasks, "__sleep0", None)
    if original is not getattr(asyncio.tasks, "sleep", None) or sleep_once is None:

        @functools.wraps(original)
        def wrapped_sleep(delay: float, result: Any = None, loop: Any = None) -> Any:
            if loop is not None:
                _loop_argument_given(loop, "sleep")
            return original(delay, result)

        return wrapped_sleep

    # loop is not keyword-only, as it was in asyncio: the interpreter makes
    # the call of a function with keyword-only parameters out of line (3.12).
    @functools.wraps(original)
    async def sleep(delay: float, result: Any = None, loop: Any = None) -> Any:
        if loop is not None:
            _loop_argument_given(loop, "sleep")
        if delay <= 0:
            await sleep_once()
            return result
        return await original(delay, result)

    return sleep


def _without_loop_argument(name: str, original: Callable[..., Any]) -> Callable[..., Any]:
    """A function that takes no awaitables (``open_connection``...): only its
    loop= argument goes."""

    @functools.wraps(original)
    def legacy(*args: Any, **kwargs: Any) -> Any:
        if not kwargs:
            return original(*args)
        _dropped_loop_argument(kwargs, name)
        return original(*args, **kwargs)

    return legacy


async def _wait_when_started(
    wait: Callable[..., Any], items: List[Any], args: Tuple[Any, ...], kwargs: Dict[str, Any]
) -> Any:
    """``asyncio.wait(coroutines)`` called before the loop runs
    (``loop.run_until_complete(asyncio.wait([...]))``): as up to 3.10, the
    coroutines become tasks of the loop that runs the wait."""
    return await wait(_converted(items, _seam.get_running_loop_or_none()), *args, **kwargs)


def modules_defining(function: Any) -> Iterable[Any]:
    """asyncio and the submodule that defines ``function`` (both namespaces
    are looked up: by user code and by asyncio's own modules)."""
    yield asyncio
    module = getattr(asyncio, function.__module__.rpartition(".")[2], None)
    if module is not None and module is not asyncio:
        yield module


def patches() -> List[Patch]:
    if not _versions.LOOP_ARGUMENT_REMOVED:
        return []  # up to 3.9 loop= works (warning from 3.8), so does the rest.
    found = []
    for name in _AWAITABLES:
        original = getattr(asyncio, name, None)
        if original is None:
            continue  # open_unix_connection/start_unix_server off POSIX
        legacy = original
        if name == "wait_for" and _versions.WAIT_FOR_RUNS_COROUTINES_INLINE:
            legacy = wait_for_as_task(original)
        replacement = _legacy_function(name, legacy)
        if asyncio.iscoroutinefunction(original):
            # What patch() makes of it (an AsyncMock, asynctest's CoroutineMock).
            _seam.mark_coroutine_function(replacement)
        for module in modules_defining(original):
            if getattr(module, name, None) is original:
                found.append(Patch(module, name, replacement))
    return found
