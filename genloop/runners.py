"""Selecting and running genloop's loop: ``run()``, ``new_event_loop()``,
``EventLoopPolicy``, ``install()``.

``genloop.run(main())`` is the documented way in, on every Python (3.6 has
no ``asyncio.run``); on 3.12+ ``asyncio.run(main(), loop_factory=
genloop.new_event_loop)`` is equivalent.  The policy and ``install()`` are the
legacy way, for code that calls ``asyncio.get_event_loop()``.
"""

import asyncio
import collections.abc
from typing import Any, Optional

from . import _seam, _versions
from .coroutines import LegacyCoroutine
from .loop import EventLoop
from .tasks import _steppable

__all__ = ["run", "new_event_loop", "EventLoopPolicy", "install"]


def new_event_loop() -> EventLoop:
    """A new genloop event loop."""
    return EventLoop()


class EventLoopPolicy(asyncio.DefaultEventLoopPolicy):
    """The default policy, making genloop loops."""

    def new_event_loop(self) -> EventLoop:
        return new_event_loop()


def install() -> None:
    """Make genloop's loop the one asyncio creates (sets the policy)."""
    asyncio.set_event_loop_policy(EventLoopPolicy())


def run(main: Any, *, debug: Optional[bool] = None) -> Any:
    """Run a coroutine on a new genloop loop and return its result.

    Like ``asyncio.run``: the loop is closed afterwards, after cancelling the
    tasks left running and finalising async generators.  ``main`` may be an
    ``async def`` coroutine, a ``@genloop.coroutine`` coroutine or a plain
    generator.  On 3.11+ this is ``asyncio.Runner`` with genloop's loop
    (Ctrl-C cancels ``main``, as with ``asyncio.run``).
    """
    if _seam.get_running_loop_or_none() is not None:
        raise RuntimeError(
            "genloop.run() cannot be called from a running event loop: "
            "inside a coroutine, await the coroutine instead"
        )
    if _steppable(main) is None:
        raise ValueError(
            "a coroutine was expected, got {!r}: call the coroutine function "
            "(genloop.run(main()), not genloop.run(main))".format(main)
        )
    if _versions.HAS_RUNNER:
        if not isinstance(main, collections.abc.Coroutine):
            main = LegacyCoroutine(main)  # a plain generator, which Runner refuses
        with asyncio.Runner(debug=debug, loop_factory=new_event_loop) as runner:
            # Current while main runs, as asyncio.run() without a factory does
            # and as on every Python before 3.11.
            asyncio.set_event_loop(runner.get_loop())
            try:
                return runner.run(main)
            finally:
                asyncio.set_event_loop(None)
    return _run_without_runner(main, debug)


def _run_without_runner(main: Any, debug: Optional[bool]) -> Any:
    """``genloop.run`` before 3.11: what ``asyncio.Runner`` does."""
    loop = new_event_loop()
    try:
        asyncio.set_event_loop(loop)
        if debug is not None:
            loop.set_debug(debug)
        return loop.run_until_complete(main)
    finally:
        try:
            _cancel_remaining_tasks(loop)
            loop.run_until_complete(loop.shutdown_asyncgens())
            if _versions.HAS_SHUTDOWN_DEFAULT_EXECUTOR:
                loop.run_until_complete(loop.shutdown_default_executor())
        finally:
            asyncio.set_event_loop(None)
            loop.close()


def _cancel_remaining_tasks(loop: EventLoop) -> None:
    remaining = _seam.all_tasks(loop)
    if not remaining:
        return
    for task in remaining:
        task.cancel()
    loop.run_until_complete(asyncio.gather(*remaining, return_exceptions=True))
    for task in remaining:
        if task.cancelled():
            continue
        if task.exception() is not None:
            loop.call_exception_handler(
                {
                    "message": "unhandled exception during genloop.run() shutdown",
                    "exception": task.exception(),
                    "task": task,
                }
            )
