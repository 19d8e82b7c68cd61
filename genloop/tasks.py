"""genloop.Task: the one stepping engine (a trampoline) for every coroutine.

A task holds a stack of running coroutines and sends values to the top one.
Each step looks at what the top coroutine yielded:

===========================================  ==========================================
yielded / raised                             the engine
===========================================  ==========================================
``None`` (bare ``yield``)                    reschedules the task (one loop iteration)
an asyncio-style future (Tasks included)     waits for it; ``yield from``/``await`` get
                                             the asyncio protocol, a tornado-style
                                             ``yield fut`` gets the result sent back
a generator or coroutine object              pushes it and runs it at once (PEP 342
                                             ``result = yield sub()``)
``From(x)``                                  treats it as ``x`` (trollius)
an object with ``__await__``                 pushes its iterator
``concurrent.futures.Future``                wraps it in an asyncio future, waits
list / tuple / dict of futures, coroutines,  waits for all; sends a list / dict
generators, ``From(x)``, awaitables or
concurrent futures (not ``None``, not a
nested list)
anything else                                throws ``RuntimeError("Task got bad
                                             yield: ...")`` into the coroutine
``StopIteration(v)``, ``Return(v)``,         pops the coroutine; sends ``v`` to its
PEP 479's ``RuntimeError`` from              caller, or makes ``v`` the task's result
``raise StopIteration(v)``
any other exception                          pops the coroutine; throws the exception
                                             into its caller, or makes it the task's
===========================================  ==========================================

Invariants, as for asyncio's Task, while the task is not done:

* ``_top`` is the coroutine being driven and ``_stack`` its suspended
  callers, outermost first (None until the first ``yield sub()``: most tasks
  never need it).  When the task is done, ``_top`` is None and ``_stack``
  is empty or None.
* Exactly one of these holds: (1) ``_fut_waiter`` is a pending future and
  the task's wake-up handle is one of its callbacks; (2) the wake-up handle
  is scheduled on the loop; (3) ``_fut_waiter`` is None and the task is
  stepping right now.

A task is its own wake-up callback: calling it (``task(future)``, or
``task()`` after a plain reschedule) is one step.  It is what the task adds
to the futures it waits for, and genloop's loop puts the task itself on its
ready queue (the argument in ``_wakeup_arg``), so waking a task allocates
nothing; any other loop just sees a callback, scheduled without an
argument where there is no future to pass.

Where genloop's compiled core is built (CPython 3.10+, ``genloop.COMPILED``),
the step, a task's start for an ``async def`` coroutine and ``await task``
run in C (``genloop/_speedups.c``).  The Python methods here stay the
reference: they run everywhere else and with ``GENLOOP_PURE=1``, and the C
code calls them for everything but its hot path.
"""

import asyncio
import collections.abc
import concurrent.futures
import types
import warnings
from typing import TYPE_CHECKING, Any, Callable, Generator, List, Optional, Set, TextIO

from . import _compiled, _seam, _versions
from ._context import copy_context
from ._frames import drop_own_frames
from ._legacy import Observer
from .coroutines import (
    DELEGATING_CODE,
    LEGACY_COROUTINE_TYPES,
    From,
    LegacyCoroutine,
    describe,
    is_decorated_generator,
    returned_value,
)

__all__ = ["Task", "task_factory", "current_task", "all_tasks", "ACCEPTED_YIELDS"]

if TYPE_CHECKING:
    _FutureBase = asyncio.Future[Any]
else:
    _FutureBase = asyncio.Future

#: What a coroutine may yield to a genloop task; the bad-yield error lists it.
ACCEPTED_YIELDS = (
    "None (a bare 'yield' gives other tasks a turn)",
    "an asyncio future or task ('yield from fut', 'await fut', or tornado-style 'yield fut')",
    "a generator or coroutine object ('result = yield sub()')",
    "From(x) (trollius style)",
    "an awaitable (an object with __await__)",
    "a concurrent.futures.Future",
    "a list, tuple or dict of futures, coroutines, generators, From(x), awaitables or "
    "concurrent futures (waits for all of them)",
)

#: Called at every step: looked up once.
_enter_task = _seam.enter_task
_leave_task = _seam.leave_task
_register_task = _seam.register_task

#: Allocates a future (or Task) without running ``__init__``.
_new_future: Any = _FutureBase.__new__

_PENDING = "PENDING"
_CANCELLED = "CANCELLED"


if _versions.HAS_CONTEXTVARS:

    def _call_soon(loop: asyncio.AbstractEventLoop, callback: Any, context: Any) -> None:
        loop.call_soon(callback, context=context)

else:

    def _call_soon(loop: asyncio.AbstractEventLoop, callback: Any, context: Any) -> None:
        loop.call_soon(callback)


if _versions.HAS_CANCEL_MESSAGE:

    def _cancel(future: Any, msg: Any) -> bool:
        return bool(future.cancel(msg=msg))

else:

    def _cancel(future: Any, msg: Any) -> bool:
        return bool(future.cancel())


def _bad_yield_message(task: "Task", yielded: Any) -> str:
    hint = ""
    if callable(yielded) and (
        getattr(yielded, "_is_coroutine", None) is _seam.IS_COROUTINE_MARKER
        or asyncio.iscoroutinefunction(yielded)
    ):
        hint = " (a coroutine function: call it, 'yield from f()' or 'await f()')"
    return "Task got bad yield: {!r}{}. A genloop task accepts: {}.".format(
        yielded, hint, "; ".join(ACCEPTED_YIELDS)
    )


class Task(_FutureBase):
    """A coroutine wrapped in a future, stepped by genloop's trampoline.

    Accepts ``async def`` coroutines, ``@genloop.coroutine`` coroutines and
    plain generators (see the module docstring for what they may yield).
    """

    __slots__ = (
        "_coro",
        "_top",
        "_stack",
        "_name",
        "_num_cancels_requested",
        "_must_cancel",
        "_fut_waiter",
        "_deliver_result",
        "_context",
        "_wakeup_arg",
        "_wakeup_queue",
        "_cancelled_exc",
        # Don't report "Task was destroyed but it is pending!" when False.
        "_log_destroy_pending",
    ) + (
        # From 3.9 asyncio.Future keeps the message, where its own
        # _make_cancelled_error() reads it.
        () if _versions.HAS_CANCEL_MESSAGE else ("_cancel_message",)
    )

    if TYPE_CHECKING:
        # asyncio.Future's private state, which typeshed does not declare.
        _source_traceback: Optional[List[Any]]
        _exception: Optional[BaseException]
        _state: str

    def __init__(
        self,
        coro: Any,
        *,
        loop: Optional[asyncio.AbstractEventLoop] = None,
        name: Any = None,
        context: Any = None,
        eager_start: bool = False
    ) -> None:
        self._start(coro, loop, name, context, eager_start)

    @classmethod
    def _new(cls, coro: Any, loop: asyncio.AbstractEventLoop, name: Any, context: Any) -> "Task":
        """``Task(coro, loop=loop, name=name, context=context)``, without
        the cost of keyword arguments to a class call (for create_task)."""
        task: Task = _new_future(cls)
        task._start(coro, loop, name, context, False)
        return task

    def _start(
        self,
        coro: Any,
        loop: Optional[asyncio.AbstractEventLoop],
        name: Any,
        context: Any,
        eager_start: bool,
    ) -> None:
        _FutureBase.__init__(self, loop=loop)
        self._log_destroy_pending = True
        if self._source_traceback:
            drop_own_frames(self)
        kind = type(coro)
        if kind in _STEPPABLE_TYPES:
            top = coro
            if (
                kind is types.GeneratorType
                and Observer.note is not None
                and not is_decorated_generator(coro)
            ):
                Observer.note("L10", coro)
        elif kind in LEGACY_COROUTINE_TYPES:
            top = coro.gen  # what _steppable() gives, without the call
        else:
            top = _steppable(coro)
        if top is None:
            self._log_destroy_pending = False
            raise TypeError(
                "a coroutine was expected, got {!r}: genloop.Task runs async def "
                "coroutines, @genloop.coroutine generators and plain generators; "
                "call the coroutine function, or use asyncio.ensure_future() for "
                "other awaitables".format(coro)
            )
        self._coro = coro
        self._top: Any = top
        self._stack: Optional[List[Any]] = None
        # A number until get_name() first makes it "Task-<number>".
        self._name: Any = _seam.next_task_number() if name is None else str(name)
        self._num_cancels_requested = 0
        self._must_cancel = False
        self._cancel_message: Any = None
        self._fut_waiter: Any = None
        self._deliver_result = False
        if context is None:
            context = copy_context()
        self._context = context
        self._wakeup_arg: Any = None
        self._cancelled_exc: Optional[BaseException] = None
        # The ready queue of genloop's loop, which runs exact Tasks itself.
        self._wakeup_queue = (
            getattr(self._loop, "_wakeup_queue", None) if type(self) is Task else None
        )
        if eager_start and self._loop.is_running():
            self._eager_start()
        else:
            # Through call_soon, even on genloop's loop: code that replaces
            # the loop's call_soon sees every task scheduled.
            _call_soon(self._loop, self, context)
            _register_task(self)

    def __del__(self) -> None:
        # Unset where starting the task failed before it was set.
        if self._state == _PENDING and getattr(self, "_log_destroy_pending", False):
            self._report_destroyed_pending()
        _FutureBase.__del__(self)

    def _report_destroyed_pending(self) -> None:
        """Tell the loop's exception handler that a pending task was
        destroyed (what asyncio's Task reports)."""
        context = {"task": self, "message": "Task was destroyed but it is pending!"}
        if self._source_traceback:
            context["source_traceback"] = self._source_traceback
        self._loop.call_exception_handler(context)

    def __repr__(self) -> str:
        info = _seam.future_repr_info(self)
        if _versions.HAS_CANCELLING:
            cancelling = self._num_cancels_requested > 0 and not self.done()
        else:
            cancelling = self._must_cancel
        if cancelling:
            info[0] = "cancelling"
        details = ["coro=<{}>".format(describe(self._coro))]
        if _versions.HAS_TASK_NAMES:
            details.insert(0, "name={!r}".format(self.get_name()))
        if self._fut_waiter is not None:
            details.append("wait_for={!r}".format(self._fut_waiter))
        info[1:1] = details
        return "<{} {}>".format(type(self).__name__, " ".join(info))

    # -- asyncio's Task API ---------------------------------------------------

    if _versions.HAS_TASK_CLASSMETHODS:

        @classmethod
        def current_task(cls, loop: Optional[asyncio.AbstractEventLoop] = None) -> Any:
            """The task running on ``loop`` (default: the current loop), or None;
            deprecated in 3.7 as asyncio's was."""
            warn_deprecated_class_method("current_task")
            return _seam.current_task(asyncio.get_event_loop() if loop is None else loop)

        @classmethod
        def all_tasks(cls, loop: Optional[asyncio.AbstractEventLoop] = None) -> Set[Any]:
            """Every task of ``loop``, done ones included; deprecated in 3.7."""
            warn_deprecated_class_method("all_tasks")
            return _seam.every_task(asyncio.get_event_loop() if loop is None else loop)

    def get_coro(self) -> Any:
        return self._coro

    def get_context(self) -> Any:
        return self._context

    def get_name(self) -> str:
        name = self._name
        if type(name) is int:
            name = self._name = "Task-{}".format(name)
        return name  # type: ignore[no-any-return]

    def set_name(self, value: Any) -> None:
        self._name = str(value)

    def set_result(self, result: Any) -> None:
        raise RuntimeError("Task does not support set_result operation")

    def set_exception(self, exception: Any) -> None:
        raise RuntimeError("Task does not support set_exception operation")

    def get_stack(self, *, limit: Optional[int] = None) -> List[types.FrameType]:
        """The frames of the task: while it runs, one per trampolined
        coroutine and per ``yield from``/``await`` inside each, oldest first;
        after a failure, the frames of the traceback."""
        if self.done():
            exc = None if self.cancelled() else self._exception
            return _traceback_frames(exc, limit)
        frames: List[types.FrameType] = []
        for coro in (self._stack or []) + [self._top]:
            while coro is not None:
                frame = getattr(coro, "gi_frame", None) or getattr(coro, "cr_frame", None)
                if frame is not None and frame.f_code not in DELEGATING_CODE:
                    frames.append(frame)
                inner = getattr(coro, "gi_yieldfrom", None) or getattr(coro, "cr_await", None)
                coro = inner if inner is not coro else None
        if limit is not None:
            frames = frames[-limit:] if limit > 0 else []
        return frames

    def print_stack(self, *, limit: Optional[int] = None, file: Optional[TextIO] = None) -> None:
        _seam.print_task_stack(self, limit, file)

    def cancel(self, msg: Any = None) -> bool:
        """Ask the task to cancel itself: ``CancelledError`` is thrown into
        its innermost coroutine at the next step."""
        self._log_traceback = False
        if self.done():
            return False
        self._num_cancels_requested += 1
        if self._fut_waiter is not None:
            if _cancel(self._fut_waiter, msg):
                return True
        self._must_cancel = True
        self._cancel_message = msg
        return True

    def cancelling(self) -> int:
        return self._num_cancels_requested

    def uncancel(self) -> int:
        if self._num_cancels_requested > 0:
            self._num_cancels_requested -= 1
            if _versions.UNCANCEL_CLEARS_PENDING_CANCEL and self._num_cancels_requested == 0:
                self._must_cancel = False
        return self._num_cancels_requested

    if _versions.HAS_CANCEL_MESSAGE:
        # asyncio.Future's C implementation keeps the CancelledError that
        # ended a task in a field only the C Task can set: genloop keeps it
        # in _cancelled_exc and raises it (3.11+) or chains it (3.9, 3.10)
        # from result(), exception() and await, as asyncio's Task does.

        def _make_cancelled_error(self) -> BaseException:
            stored, self._cancelled_exc = self._cancelled_exc, None
            if stored is not None and _versions.HAS_CANCELLING:
                return stored
            message = self._cancel_message
            exc = asyncio.CancelledError() if message is None else asyncio.CancelledError(message)
            exc.__context__ = stored
            return exc

        # Each of these drops ``self`` on the way out: a raised exception's
        # traceback holds the frame, and the task holds the exception.

        def result(self) -> Any:
            try:
                if self._state == _CANCELLED:
                    raise self._make_cancelled_error()
                return _FutureBase.result(self)
            finally:
                del self

        def exception(self) -> Optional[BaseException]:
            try:
                if self._state == _CANCELLED:
                    raise self._make_cancelled_error()
                return _FutureBase.exception(self)
            finally:
                del self

        def __await__(self) -> Generator[Any, None, Any]:
            try:
                if not self.done():
                    if self._asyncio_future_blocking and _REFUSE_BLOCKING_AWAIT:
                        # A second await on itself (the first was refused).
                        raise RuntimeError("await wasn't used with future")
                    self._asyncio_future_blocking = True
                    yield self  # an exception may also be thrown in here
                if not self.done():
                    raise RuntimeError("await wasn't used with future")
                return self.result()
            finally:
                del self

        __iter__ = __await__

    else:

        def _make_cancelled_error(self) -> BaseException:
            return asyncio.CancelledError()

    # -- the engine -----------------------------------------------------------

    def _eager_start(self) -> None:
        """The first step, run at once by create_task (3.12+ eager tasks):
        the creating task stops being current while this one steps."""
        loop = self._loop
        previous = _seam.swap_current_task(loop, None)
        try:
            _seam.register_eager_task(self)
            try:
                self._context.run(self._wakeup, None)
            finally:
                _seam.unregister_eager_task(self)
        finally:
            _seam.swap_current_task(loop, previous)
            if not self.done():
                _seam.register_task(self)

    def _wakeup(self, future: Optional["asyncio.Future[Any]"] = None) -> None:
        """One step: resume after ``future`` finished (None after a plain
        reschedule), with the task as the loop's current task, and drive the
        coroutine stack until the top one blocks or all are done."""
        exc: Optional[BaseException] = None
        value = None
        self._wakeup_arg = None  # keep no finished future alive
        if future is not None:
            try:
                value = future.result()
            except BaseException as error:
                exc = error
            else:
                if not self._deliver_result:
                    value = None
        if self._state != _PENDING:
            raise asyncio.InvalidStateError(
                "_step(): already done: {!r}, {!r}".format(self, exc)
            )
        if self._must_cancel:
            if not isinstance(exc, asyncio.CancelledError):
                exc = self._make_cancelled_error()
            self._must_cancel = False
        self._fut_waiter = None
        loop = self._loop
        top = self._top
        stack = self._stack
        _enter_task(loop, self)
        try:
            while True:
                try:
                    if exc is None:
                        yielded = top.send(value)
                    else:
                        yielded = top.throw(exc)
                except StopIteration as stop:
                    exc, value = None, stop.value
                except asyncio.CancelledError as cancelled:
                    exc = _without_engine_frame(cancelled)
                except BaseException as error:
                    if _seam.callback_error_propagates(error):
                        # KeyboardInterrupt, SystemExit (before 3.8: any
                        # BaseException): the task fails and the loop stops.
                        self._top = self._stack = None
                        _FutureBase.set_exception(self, error)
                        raise
                    is_return, value = returned_value(error, top)
                    exc = None if is_return else _without_engine_frame(error)
                else:
                    value = exc = None
                    if yielded is None:
                        # A bare yield.  On genloop's loop, outside debug
                        # mode, the task goes straight onto the ready queue
                        # (the queue is only set there, and its _debug is a
                        # plain attribute); elsewhere through call_soon().
                        queue = self._wakeup_queue
                        if queue is not None and not loop._debug:  # type: ignore[attr-defined]
                            queue.append(self)
                        else:
                            self._reschedule()
                        return
                    action: Any
                    if getattr(yielded, "_asyncio_future_blocking", None) is not None:
                        action = self._wait_for(yielded)  # the common case first
                    else:
                        action = self._on_yield(yielded)
                    if action is None:
                        return
                    if isinstance(action, BaseException):
                        exc = action
                    else:
                        if stack is None:
                            stack = self._stack = []
                        stack.append(top)
                        top = self._top = action
                    continue
                # ``top`` finished, with ``value`` or ``exc``: resume its caller.
                if stack:
                    top = self._top = stack.pop()
                    continue
                self._top = None
                if exc is None and not self._must_cancel:
                    _FutureBase.set_result(self, value)
                else:
                    self._finish_otherwise(exc)
                return
        finally:
            _leave_task(loop, self)
            # The tracebacks of the exceptions hold this frame: drop what
            # would keep the task and the exceptions alive in a cycle.
            del exc, value, top, stack, self, future

    #: Futures call back the task itself: ``task(future)`` is a step, and
    #: ``task()`` the step after a plain reschedule.
    __call__ = _wakeup

    @property
    def __name__(self) -> str:
        """How asyncio names a callback: a future's repr shows a waiting
        task as ``cb=[Task._wakeup()]``, not as the task's own repr (which
        shows the future: that would never end)."""
        return "Task._wakeup"

    @property
    def __self__(self) -> "_ShownAsTask":
        """What the stock loop's debug log names for a slow step: it names
        a callback whose ``__self__`` is an asyncio Task by that task's
        repr (``Executing <Task ...> took 1.000 seconds``), as for its own."""
        return _ShownAsTask(self)

    def _reschedule(self) -> None:
        """Wake up on the next loop iteration, through the loop's
        ``call_soon`` (a bare ``yield`` in ``_wakeup`` takes a shorter way
        on genloop's loop)."""
        _call_soon(self._loop, self, self._context)

    def _wait_for(self, future: Any) -> Any:
        """Block on ``future`` (None); or return the error to throw into the
        coroutine, or a coroutine to push that returns the result of a
        future yielded tornado-style that is already done."""
        get_loop = getattr(future, "get_loop", None)  # 3.7+; before, _loop
        if (get_loop() if get_loop is not None else future._loop) is not self._loop:
            return RuntimeError(
                "Task {!r} got Future {!r} attached to a different loop: create "
                "futures with the running loop (loop.create_future()) or run the "
                "code that owns them on this loop".format(self, future)
            )
        if future is self:
            return RuntimeError("Task cannot await on itself: {!r}".format(self))
        # ``yield from fut``/``await fut`` set the flag and expect None back;
        # tornado-style ``r = yield fut`` did not and expects the result.
        if future._asyncio_future_blocking:
            self._deliver_result = False
            future._asyncio_future_blocking = False
        else:
            if Observer.note is not None:
                Observer.note("L13", self._top)
            if future.done():
                # Resumes at once, as 'yield from fut' on a done future
                # does (that one never yields it).
                return _outcome_of(future)
            self._deliver_result = True
        if _versions.HAS_CONTEXTVARS:
            future.add_done_callback(self, context=self._context)
        else:
            future.add_done_callback(self)
        self._fut_waiter = future
        if self._must_cancel:
            if _cancel(future, self._cancel_message):
                self._must_cancel = False
        return None

    def _on_yield(self, yielded: Any) -> Any:
        """Act on what the top coroutine yielded (the yield table): returns a
        coroutine to push, an exception to throw in, or None once the task
        waits or is rescheduled.  Each of these is a tornado or trollius
        habit (inventory row L13), told to the observer when one listens."""
        while type(yielded) is From:
            yielded = yielded.value
        if getattr(yielded, "_asyncio_future_blocking", None) is not None:
            return self._wait_for(yielded)  # tells the observer itself
        action = self._legacy_yield_action(yielded)
        # A coroutine to push, or a reschedule (a future waited for was
        # told to the observer by _wait_for, a bad yield is no use).
        if Observer.note is not None and action is not None and not isinstance(
            action, BaseException
        ):
            Observer.note("L13", self._top)
        if action is _RESCHEDULE:
            self._reschedule()
            return None
        return action

    def _legacy_yield_action(self, yielded: Any) -> Any:
        if yielded is None:
            return _RESCHEDULE
        sub = _steppable(yielded)
        if sub is not None:
            return sub
        if isinstance(yielded, concurrent.futures.Future):
            return self._wait_for(asyncio.wrap_future(yielded, loop=self._loop))
        if isinstance(yielded, (list, tuple, dict)):
            items = yielded.values() if isinstance(yielded, dict) else yielded
            if not all(_item_kind(item) is not None for item in items):
                # Refused as a whole, before any item is started.
                return RuntimeError(_bad_yield_message(self, yielded))
            return self._wait_for(_wait_all(self._loop, yielded))
        await_method = getattr(type(yielded), "__await__", None)
        if await_method is not None:
            return await_method(yielded)
        return RuntimeError(_bad_yield_message(self, yielded))

    def _finish_otherwise(self, exc: Optional[BaseException]) -> None:
        """End the task other than with a result: cancelled (a cancel()
        came after the last step) or with ``exc``."""
        if exc is None:
            self._must_cancel = False
            if _versions.CANCEL_AT_RETURN_SETS_EXCEPTION:
                _FutureBase.set_exception(self, asyncio.CancelledError())
            else:
                _cancel_base(self, self._cancel_message)
        elif isinstance(exc, asyncio.CancelledError):
            # Kept for result()/exception(), which raise it or chain it.
            self._cancelled_exc = exc
            # As asyncio's Task: the message comes back once, with the kept
            # exception (3.11+); later reads make a CancelledError without it.
            _cancel_base(self, None)
        else:
            _FutureBase.set_exception(self, exc)


def _pure_task_factory(loop: asyncio.AbstractEventLoop, coro: Any, **kwargs: Any) -> Task:
    """A task factory that puts genloop's engine on any asyncio loop:
    ``loop.set_task_factory(genloop.task_factory)``."""
    if not kwargs:
        task = Task._new(coro, loop, None, None)
    elif len(kwargs) == 1 and "context" in kwargs:  # what asyncio passes from 3.11
        task = Task._new(coro, loop, None, kwargs["context"])
    else:
        task = Task(coro, loop=loop, **kwargs)
    if task._source_traceback:
        _drop_create_task_frame(task)
    return task


def _drop_create_task_frame(task: Task) -> None:
    """Drop the frame of the loop's method that called the factory: the
    task was made where its create_task() was called, as asyncio's own
    tasks are."""
    stack = task._source_traceback
    if stack and stack[-1].name == "create_task":
        del stack[-1]


_WAKEUP_CODE = Task._wakeup.__code__

#: The frames of a step, for code that looks up the stack to tell the
#: engine's doing from the user's: the pure step's own and, for the C step,
#: which has no frame, that of what it calls for anything but a future.
STEP_CODES = frozenset([_WAKEUP_CODE, Task._on_yield.__code__])

#: ``loop.set_task_factory(genloop.task_factory)`` puts genloop's engine on
#: any asyncio loop.
task_factory: Callable[..., Task] = _pure_task_factory

_speedups = _compiled.speedups()
if _speedups is not None:
    # The same step in C (genloop/_speedups.c), as the task's method and
    # its wake-up callback.
    Task._wakeup = Task.__call__ = _speedups.step(  # type: ignore[method-assign]
        Task,
        _enter_task,
        _leave_task,
        returned_value,
        asyncio.CancelledError,
        asyncio.InvalidStateError,
        _FutureBase,
    )
    # The collector visits the slots that may hold what it tracks: not the
    # flags, the count of cancels, the name.
    _speedups.traverse(
        Task,
        ("_must_cancel", "_deliver_result", "_log_destroy_pending",
         "_num_cancels_requested", "_name"),
    )
    # Starting a task, the factory and a task's finalizer, in C as well.
    _start_method, _new_function, _del_method, task_factory = _speedups.start(
        Task,
        Task._start,
        _FutureBase,
        _seam.next_task_number,
        _register_task,
        drop_own_frames,
        Observer,
        tuple(LEGACY_COROUTINE_TYPES),
        _pure_task_factory,
        _drop_create_task_frame,
    )
    Task._start = _start_method  # type: ignore[method-assign]
    Task._new = classmethod(_new_function)  # type: ignore[assignment]
    Task.__del__ = _del_method  # type: ignore[method-assign]
    Task.set_name = _speedups.name_setter(Task)  # type: ignore[method-assign]
    if _versions.HAS_CANCEL_MESSAGE:
        # await task, through an iterator that hands the result back
        # without a StopIteration.
        Task.__await__ = Task.__iter__ = _speedups.awaiting(  # type: ignore[method-assign]
            Task, _FutureBase
        )
        # result() and exception(), which gather() calls for every task.
        Task.result, Task.exception = _speedups.outcomes(  # type: ignore[method-assign]
            Task, _FutureBase
        )
    # Calling a task and awaiting it call the C methods without a lookup.
    _speedups.direct_slots(Task)

#: Whether tasks step in C: genloop's compiled step is built for this
#: Python and GENLOOP_PURE=1 is not set.
COMPILED = _speedups is not None


def _without_engine_frame(error: BaseException) -> BaseException:
    """``error`` without the step's own frame at the head of its
    traceback: as with asyncio's C Task, a report of the failure starts in
    the coroutine (each trampolined caller it passes through adds its own
    frame, and the step's, which is dropped again)."""
    tb = error.__traceback__
    if tb is not None and tb.tb_frame.f_code is _WAKEUP_CODE:
        error.__traceback__ = tb.tb_next
    return error


class _ShownAsTask(object):
    """A genloop task as the stock loop's slow-callback log looks for it
    (``isinstance(callback.__self__, asyncio.Task)``, which also accepts
    an object whose ``__class__`` says so): it shows the task's repr."""

    __slots__ = ("task",)

    def __init__(self, task: Task) -> None:
        self.task = task

    @property  # type: ignore[misc]
    def __class__(self) -> type:
        return asyncio.Task

    def __repr__(self) -> str:
        return repr(self.task)


if _versions.HAS_CANCEL_MESSAGE:

    def _cancel_base(task: Task, msg: Any) -> None:
        _FutureBase.cancel(task, msg=msg)

else:

    def _cancel_base(task: Task, msg: Any) -> None:
        _FutureBase.cancel(task)


def warn_deprecated_class_method(name: str, stacklevel: int = 3) -> None:
    """The warning asyncio's ``Task.current_task()``/``all_tasks()`` gave
    (3.7, 3.8)."""
    if _versions.PYTHON == "3.7":
        message = "Task.{0}() is deprecated, use asyncio.{0}() instead"
        warnings.warn(message.format(name), PendingDeprecationWarning, stacklevel=stacklevel)
    elif _versions.PYTHON == "3.8":
        message = "Task.{0}() is deprecated since Python 3.7, use asyncio.{0}() instead"
        warnings.warn(message.format(name), DeprecationWarning, stacklevel=stacklevel)


_STEPPABLE_TYPES = (types.GeneratorType, types.CoroutineType)

#: What _legacy_yield_action() returns for a ``yield From(None)``.
_RESCHEDULE = object()


#: CPython's ``await fut`` refuses a future still marked blocking.
_REFUSE_BLOCKING_AWAIT = _seam.C_FUTURE_ITERATOR_CHECKS_BLOCKING


def _outcome_of(future: Any) -> Any:
    """What resumes a coroutine that yielded the done ``future`` without
    the asyncio protocol: its exception to throw in, or a generator to
    push that returns its result at the first step."""
    try:
        value = future.result()
    except BaseException as error:
        return error
    return _returning(value)


def _returning(value: Any) -> Generator[Any, None, Any]:
    """A generator that, pushed, returns ``value`` at its first step."""
    yield from ()
    return value


def _steppable(coro: Any) -> Any:
    """The object the engine sends values to for ``coro``, or None if
    ``coro`` is not a coroutine (a legacy coroutine is driven through its
    generator directly)."""
    if type(coro) in _STEPPABLE_TYPES:
        # Checked first: isinstance() against the ABCs below is slow.
        return coro
    if isinstance(coro, LegacyCoroutine):
        return coro.gen
    if isinstance(coro, (collections.abc.Coroutine, collections.abc.Generator)):
        return coro
    return None


def _wait_all(loop: asyncio.AbstractEventLoop, items: Any) -> "asyncio.Future[Any]":
    """One future for a tornado-style ``yield [a, b]`` / ``yield {k: a}``:
    coroutines become tasks on ``loop``; the result is a list or a dict."""
    keys = list(items) if isinstance(items, dict) else None
    values = [items[key] for key in keys] if keys is not None else list(items)
    children = [_as_future(loop, value) for value in values]
    outcome = loop.create_future()
    if not children:
        outcome.set_result({} if keys is not None else [])
        return outcome
    gathered = asyncio.gather(*children)

    def deliver(done: "asyncio.Future[List[Any]]") -> None:
        if outcome.done():
            return
        if done.cancelled():
            outcome.cancel()
        elif done.exception() is not None:
            outcome.set_exception(done.exception())  # type: ignore[arg-type]
        elif keys is not None:
            outcome.set_result(dict(zip(keys, done.result())))
        else:
            outcome.set_result(done.result())

    def propagate_cancel(done: "asyncio.Future[Any]") -> None:
        if done.cancelled():
            gathered.cancel()

    gathered.add_done_callback(deliver)
    outcome.add_done_callback(propagate_cancel)
    return outcome


def _item_kind(item: Any) -> Optional[str]:
    """How an item of a yielded list or dict is waited for; None if it
    cannot be."""
    while type(item) is From:
        item = item.value
    if getattr(item, "_asyncio_future_blocking", None) is not None:
        return "future"
    if isinstance(item, concurrent.futures.Future):
        return "concurrent future"
    if _steppable(item) is not None:
        return "coroutine"
    if getattr(type(item), "__await__", None) is not None:
        return "awaitable"
    return None


def _as_future(loop: asyncio.AbstractEventLoop, item: Any) -> Any:
    """A future for an item :func:`_item_kind` accepted."""
    kind = _item_kind(item)
    while type(item) is From:
        item = item.value
    if kind == "future":
        return item
    if kind == "concurrent future":
        return asyncio.wrap_future(item, loop=loop)
    if kind == "coroutine":
        return Task(item, loop=loop)
    return asyncio.ensure_future(item, loop=loop)


def _traceback_frames(exc: Optional[BaseException], limit: Optional[int]) -> List[types.FrameType]:
    frames: List[types.FrameType] = []
    tb = exc.__traceback__ if exc is not None else None
    while tb is not None and (limit is None or len(frames) < limit):
        frames.append(tb.tb_frame)
        tb = tb.tb_next
    return frames


def current_task(
    loop: Optional[asyncio.AbstractEventLoop] = None,
) -> "Optional[asyncio.Future[Any]]":
    """The task running on ``loop`` (default: the running loop), on every Python."""
    task: "Optional[asyncio.Future[Any]]" = _seam.current_task(loop)
    return task


def all_tasks(loop: Optional[asyncio.AbstractEventLoop] = None) -> "Set[asyncio.Future[Any]]":
    """The unfinished tasks of ``loop`` (default: the running loop), on every Python."""
    return _seam.all_tasks(loop)
