"""Running one part of a test (a test method, a set-up, a cleanup) on a
loop: whatever the part returns that can be awaited runs to its end as a
genloop task, within a real-time limit.

A part may be an ``async def`` function, a ``@genloop.coroutine`` or
``@asyncio.coroutine`` generator function, a plain generator function
using ``yield from``, or a plain function (which runs as it is, and whose
awaitable result, if it returns one, is awaited).  A genloop task steps it
whatever the loop's task factory, so legacy generators run on asyncio's
loop too; a yield the engine cannot take fails the part at that line.

The limit is real time, measured by a thread, never by the loop's clock,
which may be virtual.  When it passes, the part's task is cancelled and
the part fails with :class:`DeadlineExceeded`, naming the line it was
stuck at (the innermost line of the test's own code in the task's stack)
and the whole stack.  A task that ignores the cancellation gets a little
more time, after which the loop is stopped under it and it is reported as
left pending.  A part that blocks the loop's thread itself (``time.sleep``
or a busy loop in a coroutine) never lets the cancellation in: a little
after the limit its line is read from the thread's stack and, when the
loop runs in the main thread under Python's own SIGINT handler, a SIGINT
interrupts it there; the ``KeyboardInterrupt`` becomes the
:class:`DeadlineExceeded` failure.
"""

import _thread
import asyncio
import functools
import inspect
import signal
import sys
import threading
import traceback
from typing import Any, Callable, Generator, Optional

from .._context import copy_context
from ..tasks import Task, _steppable
from .frames import called_by_the_loop, innermost_own_frame, where

__all__ = ["DeadlineExceeded", "call_on_loop", "run_on_loop"]

#: Real seconds, at most, a task that timed out gets to finish once cancelled.
CANCEL_GRACE = 1.0


class DeadlineExceeded(AssertionError):
    """A test part did not finish within its time limit (an
    ``AssertionError``, so ``unittest`` counts a failure)."""


def call_on_loop(
    loop: Optional[asyncio.AbstractEventLoop],
    function: Callable[[], Any],
    *,
    timeout: Optional[float] = None,
    context: Any = None
) -> Any:
    """Call ``function()`` in ``context`` (default: a copy of the current
    one) and return its result; a coroutine or generator it returns, or
    another awaitable, is first run on ``loop`` and its result returned
    instead."""
    __tracebackhide__ = True  # pytest shows the test's frames, not these
    if context is None:
        context = copy_context()
    result = context.run(function)
    if inspect.isasyncgen(result):
        raise TypeError(
            "{} is an async generator function: a test part must be a coroutine "
            "function, a generator function or a plain function".format(_name_of(function))
        )
    if _steppable(result) is None and not inspect.isawaitable(result):
        return result
    if loop is None:
        raise RuntimeError("{} needs an event loop, and has none".format(_name_of(function)))
    return run_on_loop(loop, result, timeout=timeout, context=context, name=_name_of(function))


def run_on_loop(
    loop: asyncio.AbstractEventLoop,
    awaitable: Any,
    *,
    timeout: Optional[float] = None,
    context: Any = None,
    name: Optional[str] = None
) -> Any:
    """Run ``awaitable`` (a coroutine, a generator, or any awaitable) as a
    genloop task on ``loop`` until it ends, and return its result; past
    ``timeout`` real seconds (None: no limit) raise
    :class:`DeadlineExceeded`."""
    __tracebackhide__ = True
    what = name or repr(awaitable)
    if loop.is_closed() or loop.is_running():
        if _steppable(awaitable) is not None:
            awaitable.close()  # refused: it never runs, and is not to be reported so
        if loop.is_closed():
            raise RuntimeError(
                "cannot run {}: its event loop is closed (was loop.close() called "
                "before the test ended?)".format(what)
            )
        raise RuntimeError("cannot run {} while its loop runs: await it instead".format(what))
    coro = awaitable if _steppable(awaitable) is not None else delegate_to(awaitable)
    task = Task(coro, loop=loop, context=context)
    if timeout is None:
        return loop.run_until_complete(task)
    watchdog = _Watchdog(loop, task, timeout)
    try:
        result = loop.run_until_complete(task)
    except BaseException as error:
        if watchdog.stuck_at is None or not watchdog.caused(error):
            raise
        if watchdog.ignored_cancel:
            task._log_destroy_pending = False  # reported here: not again when collected
        if watchdog.blocked and task.done():
            task.exception()  # the interruption, reported here: not again when collected
        raise DeadlineExceeded(watchdog.report(what)) from error
    finally:
        watchdog.stop()
    if watchdog.stuck_at is not None:  # it swallowed the cancellation
        raise DeadlineExceeded(watchdog.report(what))
    return result


def delegate_to(awaitable: Any) -> Generator[Any, Any, Any]:
    """A generator that awaits ``awaitable`` (anything ``await`` takes, or
    a generator): what ``yield from`` takes where ``await`` cannot be
    written."""
    if inspect.isgenerator(awaitable):
        return (yield from awaitable)
    return (yield from awaitable.__await__())


class _Watchdog(object):
    """Cancels ``task`` once ``timeout`` real seconds have passed, noting
    where it was stuck; stops the loop if it is still not done
    :data:`CANCEL_GRACE` seconds later, or interrupts the loop's thread if
    the loop never got to cancel it (see the module docstring)."""

    def __init__(self, loop: asyncio.AbstractEventLoop, task: Any, timeout: float) -> None:
        self.loop = loop
        self.task = task
        self.timeout = timeout
        #: The task's stack when the time was up (None: not yet).
        self.stuck_at: Optional[traceback.StackSummary] = None
        self.ignored_cancel = False
        #: The loop's thread never ran the cancellation: it was blocked.
        self.blocked = False
        self._done = False
        self._expired = False
        self._lock = threading.Lock()
        self._thread_id = threading.get_ident()  # the loop runs in the caller's thread
        self._timer = self._start(timeout, self._in_loop, self._expire)
        self._blocked_timer = self._start(
            timeout + min(timeout, CANCEL_GRACE), self._check_blocked
        )

    def _start(self, delay: float, function: Callable[..., None], *args: Any) -> threading.Timer:
        timer = threading.Timer(delay, function, args)
        timer.daemon = True
        timer.start()
        return timer

    def _in_loop(self, then: Callable[[], None]) -> None:
        try:
            self.loop.call_soon_threadsafe(then)
        except RuntimeError:
            pass  # the loop closed meanwhile: nothing left to stop

    def _expire(self) -> None:
        with self._lock:
            if self._done or self.blocked:
                return
            self._expired = True
            if self.task.done():
                return
            frames = self.task.get_stack()
            self.stuck_at = traceback.StackSummary.extract(
                (frame, frame.f_lineno) for frame in frames
            )
        self.task.cancel()
        self._timer = self._start(min(self.timeout, CANCEL_GRACE), self._in_loop, self._stop_loop)

    def _stop_loop(self) -> None:
        if not self._done and not self.task.done():
            self.ignored_cancel = True
            self.loop.stop()

    def _check_blocked(self) -> None:
        with self._lock:
            if self._done or self._expired:
                return
            frame = sys._current_frames().get(self._thread_id)
            if frame is None:
                return
            stuck_at = called_by_the_loop(traceback.extract_stack(frame))
            if not stuck_at:
                # In the loop's own code: slow (a loaded machine), not blocked.
                grace = min(self.timeout, CANCEL_GRACE)
                self._blocked_timer = self._start(grace, self._check_blocked)
                return
            self.blocked = True
            self.stuck_at = stuck_at
            if self._thread_id != threading.main_thread().ident:
                return  # only the main thread can be interrupted
            if signal.getsignal(signal.SIGINT) is not signal.default_int_handler:
                return  # the program handles SIGINT its own way: left alone
            if hasattr(signal, "pthread_kill"):
                signal.pthread_kill(self._thread_id, signal.SIGINT)  # wakes a blocking call too
            else:
                _thread.interrupt_main()

    def caused(self, error: BaseException) -> bool:
        """Whether ``error``, which ended the run, came of the time limit."""
        if isinstance(error, KeyboardInterrupt):
            return self.blocked
        return not isinstance(error, SystemExit)

    def stop(self) -> None:
        with self._lock:
            self._done = True
        for timer in (self._timer, self._blocked_timer):
            timer.cancel()
            timer.join()

    def report(self, what: str) -> str:
        stack = self.stuck_at or traceback.StackSummary()
        stuck = innermost_own_frame(stack) or (stack[-1] if stack else None)
        message = "{} did not finish within {} s (real time)".format(what, self.timeout)
        if stuck is not None:
            verb = "blocked the loop's thread at " if self.blocked else "stuck at "
            message += ": " + verb + where(stuck)
        if self.ignored_cancel:
            message += "\nIt ignored its cancellation and was left pending."
        if stack:
            message += "\nIts stack, innermost last:\n" + "".join(stack.format()).rstrip()
        return message


def _name_of(function: Any) -> str:
    while isinstance(function, functools.partial):
        function = function.func
    return getattr(function, "__qualname__", None) or repr(function)
