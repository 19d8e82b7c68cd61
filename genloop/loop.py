"""genloop.EventLoop: genloop's scheduling core on the standard selector I/O.

One iteration of the loop (``_run_once``), in order:

1. Drop cancelled timers from the head of the timer queue (see
   :mod:`genloop.timers`; cancelling only counts, and a mostly-cancelled
   queue is rebuilt at once).
2. Poll for I/O: no wait if callbacks are ready or ``stop()`` was called;
   otherwise until the earliest timer (at most a day); otherwise forever.
   While any file descriptor but the self-pipe is watched, the poll is made
   at every iteration, as asyncio makes it: a socket's peer (often in the
   same process) may become readable at any step, and the order of what
   follows is asyncio's.  With only the self-pipe watched, while callbacks
   keep being ready and the last poll found nothing, the poll, a system
   call, is only made once at least ``CALLBACKS_PER_POLL`` callbacks have
   run since then (``call_soon_threadsafe`` asks for it at once); it is
   always made when ``stop()`` was called and at the start of each run.
3. Queue the callbacks of the I/O events the poll returned.  Where the
   core is compiled and the selector is epoll's, steps 2 and 3 are one C
   function doing what the selector's ``select()`` and asyncio's
   ``_process_events()`` do, unless either is overridden: it calls
   ``epoll_wait()`` itself, first without a wait and without letting go
   of the GIL, which it lets go of only to wait.
4. Move every timer due within the clock resolution to the ready queue,
   earliest first (ties in ``call_at`` order).
5. Run the callbacks that are ready now, first in first out: a task's step,
   one of genloop's own handles (run here, without ``Handle._run``), or any
   other handle (in C, asyncio's own ``Handle`` of a reader or writer is
   run as genloop's are, unless it was made in debug mode).  Callbacks they
   schedule wait for the next iteration, after another poll.

Where the core is compiled, each iteration of a loop of this very class
outside debug mode is one C function, the same five steps, unless
``_run_once`` is replaced on the instance; a subclass's iterations are its
``_run_once``'s.

Waking a task costs no allocation: a task's reusable wake-up handle
(the task itself, see :mod:`genloop.tasks`) goes straight onto the ready
queue, and a task on the ready queue is stepped without a Handle.

The I/O machinery (sockets, transports, servers, pipes, subprocesses,
signals) is the standard library's ``asyncio.SelectorEventLoop``, which this
class extends; its socket and datagram transports receive into a buffer
the loop keeps (see :mod:`genloop.transports`).  What genloop shares with
it, and nothing else, is: the ready deque ``_ready`` that the selector code
appends handles to, ``_selector`` (and, for the compiled poll, an epoll
selector's ``_selector`` and ``_fd_to_key``), ``_process_events``,
``_add_callback``, ``_remove_reader``/``_remove_writer``,
``_write_to_self``, the state flags ``_thread_id``, ``_stopping``,
``_closed``, ``_debug``, ``_task_factory`` and ``_clock_resolution``, the
checks ``_check_closed``/``_check_thread``/``_ensure_fd_no_transport``, the
self-pipe (``_ssock``, ``_csock``, ``_close_self_pipe``), the
async-generator hooks, and ``_timer_handle_cancelled`` which asyncio's
``TimerHandle.cancel()`` calls.
"""

import asyncio
import collections
import logging
import select
import selectors
import sys
import threading
import time
from typing import TYPE_CHECKING, Any, Callable, Deque, List, Optional

from . import _compiled, _seam, _versions, transports
from ._frames import drop_own_frames
from .coroutines import iscoroutine, iscoroutinefunction
from .handles import Callback, Timer, new_callback, new_timer, report_failure
from .tasks import Task, _steppable
from .timers import MIN_TIMERS_TO_REBUILD, TimerQueue

__all__ = ["EventLoop"]

logger = logging.getLogger("asyncio")

#: Whether asyncio's own transport factories refuse a socket an open
#: transport holds, as genloop's then do.
_SOCKET_FACTORY_ENSURES_FD_FREE = transports.ensures_fd_free("_make_socket_transport")
_DATAGRAM_FACTORY_ENSURES_FD_FREE = transports.ensures_fd_free("_make_datagram_transport")

#: The longest single wait for I/O, as asyncio (a day).
MAXIMUM_SELECT_TIMEOUT = 24 * 3600

#: While callbacks are ready, the last poll found no I/O and only the
#: self-pipe is watched, poll again once this many have run: a poll per
#: iteration would cost a system call for each value two tasks trade.
CALLBACKS_PER_POLL = 64

if _versions.HAS_CONTEXTVARS:

    def _new_handle(callback: Any, args: Any, loop: Any, context: Any) -> asyncio.Handle:
        return asyncio.Handle(callback, args, loop, context)

    def _new_timer(
        when: float, callback: Any, args: Any, loop: Any, context: Any
    ) -> asyncio.TimerHandle:
        return asyncio.TimerHandle(when, callback, args, loop, context)

    def _set_origin_tracking(loop: Any, enabled: bool) -> None:
        loop._set_coroutine_origin_tracking(enabled)

else:

    def _new_handle(callback: Any, args: Any, loop: Any, context: Any) -> asyncio.Handle:
        return asyncio.Handle(callback, args, loop)

    def _new_timer(
        when: float, callback: Any, args: Any, loop: Any, context: Any
    ) -> asyncio.TimerHandle:
        return asyncio.TimerHandle(when, callback, args, loop)

    def _set_origin_tracking(loop: Any, enabled: bool) -> None:
        loop._set_coroutine_wrapper(enabled)


def _run_until_complete_cb(future: "asyncio.Future[Any]") -> None:
    if not future.cancelled():
        exc = future.exception()
        if exc is not None and _seam.callback_error_propagates(exc):
            # The exception reaches run_until_complete's caller from
            # run_forever; a stop() left behind would end the next run.
            return
    future._loop.stop()


class EventLoop(asyncio.SelectorEventLoop):
    """An asyncio event loop whose scheduler and tasks are genloop's.

    ``create_task`` makes a :class:`genloop.Task`, which runs ``async def``
    coroutines, ``@genloop.coroutine`` generators and plain generators alike.
    """

    # Read at every call_soon, call_later or iteration: slots, which the
    # compiled methods read at their offsets (the rest of the loop's state
    # stays in its __dict__).
    __slots__ = (
        "_ready", "_closed", "_debug", "_timer_queue", "_stopping", "_callbacks_since_poll",
    )

    if TYPE_CHECKING:
        # What the standard loop shares (see the module docstring); typeshed
        # does not declare private names.
        _ready: Deque[Any]
        _selector: selectors.BaseSelector
        _stopping: bool
        _closed: bool
        _debug: bool
        _thread_id: Optional[int]
        _task_factory: Any
        _clock_resolution: float
        _current_handle: Any
        _ssock: Any
        _csock: Any
        _internal_fds: int

        def _check_closed(self) -> None: ...
        def _check_thread(self) -> None: ...
        def _process_events(self, event_list: Any) -> None: ...
        def _ensure_fd_no_transport(self, fd: Any) -> None: ...
        def _write_to_self(self) -> None: ...
        def _asyncgen_firstiter_hook(self, agen: Any) -> None: ...
        def _asyncgen_finalizer_hook(self, agen: Any) -> None: ...

    def __init__(self, selector: Any = None) -> None:
        super().__init__(selector)
        #: The file descriptors watched, live (the self-pipe's always).
        self._selector_map = self._selector.get_map()
        self._ready: Deque[Any] = collections.deque()
        #: Where this loop's tasks put their wake-up handle for a plain
        #: reschedule, without a call_soon() (see genloop.tasks).
        self._wakeup_queue = self._ready
        self._timer_queue: TimerQueue = _TimerQueue()
        self._callbacks_since_poll = CALLBACKS_PER_POLL  # the first iteration polls
        #: What the socket and datagram transports receive into (see
        #: genloop.transports), made at the first read.
        self._read_buffer = memoryview(bytearray())

    @property
    def _scheduled(self) -> List[Any]:
        """asyncio's list of the scheduled timers, which tools read (asynctest's
        ``fail_on(active_handles=True)``): here a new list, earliest first,
        made from the timer queue."""
        return self._timer_queue.pending()

    @_scheduled.setter
    def _scheduled(self, timers: List[Any]) -> None:
        # BaseEventLoop.__init__ starts the list it keeps; the queue is ours.
        if timers:
            raise AttributeError("genloop.EventLoop keeps its timers in _timer_queue")

    if transports.READS_INTO_LOOP_BUFFER:

        def _make_socket_transport(
            self, sock: Any, protocol: Any, waiter: Any = None, *, extra: Any = None,
            server: Any = None,
        ) -> asyncio.Transport:
            if not transports.reads_plainly(sock):
                return super()._make_socket_transport(  # type: ignore[misc,no-any-return]
                    sock, protocol, waiter, extra=extra, server=server
                )
            if _SOCKET_FACTORY_ENSURES_FD_FREE:
                self._ensure_fd_no_transport(sock)
            return transports.SocketTransport(self, sock, protocol, waiter, extra, server)

    def _make_datagram_transport(
        self, sock: Any, protocol: Any, address: Any = None, waiter: Any = None, extra: Any = None
    ) -> asyncio.DatagramTransport:
        if not transports.reads_plainly(sock):
            return super()._make_datagram_transport(  # type: ignore[misc,no-any-return]
                sock, protocol, address, waiter, extra
            )
        if _DATAGRAM_FACTORY_ENSURES_FD_FREE:
            self._ensure_fd_no_transport(sock)
        return transports.DatagramTransport(self, sock, protocol, address, waiter, extra)

    # -- time and callbacks ---------------------------------------------------

    time = staticmethod(time.monotonic)

    def call_soon(  # type: ignore[override]
        self, callback: Callable[..., Any], *args: Any, context: Any = None
    ) -> asyncio.Handle:
        if self._closed:
            raise RuntimeError("Event loop is closed")
        if callback.__class__ is Task:
            # A task waking up: queue the task itself (see genloop.tasks).
            if self._debug:
                self._check_thread()
            if args:  # the future it waited for; None after a plain reschedule
                callback._wakeup_arg = args[0]
            self._ready.append(callback)
            return None  # type: ignore[return-value]  # nobody keeps it
        if self._debug:
            self._check_thread()
            _check_callback(callback, "call_soon")
            handle = _new_handle(callback, args, self, context)
            drop_own_frames(handle)
        else:
            handle = new_callback(callback, args, self, context)
        self._ready.append(handle)
        return handle

    def call_soon_threadsafe(  # type: ignore[override]
        self, callback: Callable[..., Any], *args: Any, context: Any = None
    ) -> asyncio.Handle:
        self._check_closed()
        if self._debug:
            _check_callback(callback, "call_soon_threadsafe")
            handle = _new_handle(callback, args, self, context)
            drop_own_frames(handle)
        else:
            handle = new_callback(callback, args, self, context)
        self._ready.append(handle)
        # Poll at the next iteration, as asyncio does at each: select()
        # drains the self-pipe and lets the calling threads have the GIL,
        # which a loop skipping its polls would keep from them.
        self._callbacks_since_poll = CALLBACKS_PER_POLL
        self._write_to_self()
        return handle

    def call_later(  # type: ignore[override]
        self, delay: float, callback: Callable[..., Any], *args: Any, context: Any = None
    ) -> asyncio.TimerHandle:
        if delay is None:
            raise TypeError("delay must not be None: pass a number of seconds")
        return self.call_at(self.time() + delay, callback, *args, context=context)

    def call_at(  # type: ignore[override]
        self, when: float, callback: Callable[..., Any], *args: Any, context: Any = None
    ) -> asyncio.TimerHandle:
        if when is None:
            raise TypeError("when cannot be None: pass a loop.time() value")
        self._check_closed()
        if self._debug:
            self._check_thread()
            _check_callback(callback, "call_at")
            timer = _new_timer(when, callback, args, self, context)
            drop_own_frames(timer)
        else:
            timer = new_timer(when, callback, args, self, context)
        self._timer_queue.push(when, timer)
        return timer

    def _timer_handle_cancelled(self, handle: asyncio.TimerHandle) -> None:
        if handle._scheduled:  # type: ignore[attr-defined]
            self._timer_queue.cancelled += 1

    # -- futures and tasks ----------------------------------------------------

    def create_future(self) -> "asyncio.Future[Any]":
        future = asyncio.Future(loop=self)  # type: asyncio.Future[Any]
        if self._debug:
            drop_own_frames(future)
        return future

    def create_task(
        self, coro: Any, *, name: Any = None, context: Any = None, **kwargs: Any
    ) -> "asyncio.Task[Any]":
        """A task for ``coro``; other keywords (3.14's ``eager_start``) go
        to the Task or the task factory, as asyncio passes them."""
        self._check_closed()
        factory = self._task_factory
        if factory is None:
            if kwargs:
                task = Task(coro, loop=self, name=name, context=context, **kwargs)
            else:
                task = Task._new(coro, self, name, context)
            return task  # type: ignore[return-value]
        if context is not None:
            kwargs["context"] = context
        task = factory(self, coro, **kwargs)
        if name is not None:
            task.set_name(name)
        return task  # type: ignore[no-any-return]

    # -- running and stopping -------------------------------------------------

    def run_forever(self) -> None:
        self._check_closed()
        if self.is_running():
            raise RuntimeError("This event loop is already running")
        if _seam.get_running_loop_or_none() is not None:
            raise RuntimeError(
                "Cannot run the event loop while another loop is running"
            )
        _set_origin_tracking(self, self._debug)
        self._thread_id = threading.get_ident()
        old_agen_hooks = sys.get_asyncgen_hooks()
        sys.set_asyncgen_hooks(
            firstiter=self._asyncgen_firstiter_hook,
            finalizer=self._asyncgen_finalizer_hook,
        )
        try:
            _seam.set_running_loop(self)
            self._callbacks_since_poll = CALLBACKS_PER_POLL  # each run starts with a poll
            if _run_until_stopped is not None:
                _run_until_stopped(self)
            else:
                # Here, not in a function: a debug-mode creation traceback
                # keeps ten frames, and users' code is under these.
                while True:
                    self._run_once()
                    if self._stopping:
                        break
        finally:
            self._stopping = False
            self._current_handle = None  # if a callback's exception left the loop
            self._thread_id = None
            _seam.set_running_loop(None)
            _set_origin_tracking(self, False)
            sys.set_asyncgen_hooks(*old_agen_hooks)

    def run_until_complete(self, future: Any) -> Any:
        self._check_closed()
        if self.is_running():
            raise RuntimeError("This event loop is already running")
        new_task = not asyncio.isfuture(future)
        if new_task and _steppable(future) is not None:
            future = self.create_task(future)
        else:
            future = asyncio.ensure_future(future, loop=self)
        if new_task:
            # The caller never sees this task: an error in it is reported by
            # raising here, never as "destroyed but pending".
            future._log_destroy_pending = False
        future.add_done_callback(_run_until_complete_cb)
        try:
            self.run_forever()
        except BaseException:
            if new_task and future.done() and not future.cancelled():
                future.exception()  # mark it retrieved: it is raised here
            raise
        finally:
            future.remove_done_callback(_run_until_complete_cb)
        if not future.done():
            raise RuntimeError("Event loop stopped before Future completed.")
        return future.result()

    def stop(self) -> None:
        self._stopping = True

    def _close_self_pipe(self) -> None:
        """As the standard loop's, unless the loop is being collected after
        its own sockets (an unclosed loop at interpreter exit): then there
        is nothing left to unregister or close."""
        ssock = self._ssock
        if ssock is not None and ssock.fileno() == -1:
            self._ssock = self._csock = None
            self._internal_fds -= 1
            return
        super()._close_self_pipe()  # type: ignore[misc]  # private in typeshed

    def close(self) -> None:
        if self.is_running():
            raise RuntimeError("Cannot close a running event loop")
        if self._closed:
            return
        super().close()
        self._timer_queue.clear()

    # -- one iteration --------------------------------------------------------

    def _run_once(self) -> None:
        # (No method calls that can be spared: this runs at every iteration.)
        timer_queue = self._timer_queue
        earliest = timer_queue.earliest() if timer_queue.count else None
        ready = self._ready
        timeout: Optional[float] = 0.0
        poll = True
        if not ready and not self._stopping:
            # Nothing to run: wait for I/O until the earliest timer is due.
            if earliest is None:
                timeout = None
            else:
                timeout = min(max(0.0, earliest - self.time()), MAXIMUM_SELECT_TIMEOUT)
        elif not self._stopping and self._callbacks_since_poll < CALLBACKS_PER_POLL and len(
            self._selector_map
        ) <= 1:
            poll = False  # callbacks keep coming, and only the self-pipe is watched
        if poll:
            found = NotImplemented if _poll_events is None else _poll_events(self, timeout)
            if found is NotImplemented:
                events = self._selector.select(timeout)
                self._process_events(events)
                found = len(events)
            # While I/O is busy, poll at every iteration, as asyncio does.
            self._callbacks_since_poll = CALLBACKS_PER_POLL if found else 0
        self._callbacks_since_poll += len(ready)

        if earliest is not None:
            timer_queue.pop_due(self.time() + self._clock_resolution, ready)

        debug = self._debug
        if _run_ready is not None and not debug:
            _run_ready(ready, len(ready))
            return
        popleft = ready.popleft
        for _ in range(len(ready)):
            handle = popleft()
            kind = handle.__class__
            if debug:
                self._current_handle = handle
                started = self.time()
            try:
                if kind is Task:
                    handle._context.run(handle._wakeup, handle._wakeup_arg)
                elif kind is Callback or kind is Timer:
                    if not handle._cancelled:
                        # Spelled out: calling Context.run with *args costs
                        # several times more than a call with the arguments.
                        args = handle._args
                        if not args:
                            handle._context.run(handle._callback)
                        elif len(args) == 1:
                            handle._context.run(handle._callback, args[0])
                        else:
                            handle._context.run(handle._callback, *args)
                elif not handle._cancelled:
                    handle._run()  # reports its own failures
            except BaseException as exc:
                if kind is not Task and kind is not Callback and kind is not Timer:
                    raise
                if _seam.callback_error_propagates(exc):
                    raise
                report_failure(handle, exc)
            if debug:
                self._current_handle = None
                self._report_if_slow(handle, self.time() - started)
        # Tracebacks of the callbacks may hold this frame: keep no callback.
        handle = None

    def _report_if_slow(self, handle: Any, duration: float) -> None:
        """Debug mode: report a callback slower than ``slow_callback_duration``."""
        if duration >= self.slow_callback_duration:
            logger.warning("Executing %r took %.3f seconds", handle, duration)


_speedups = _compiled.speedups()
#: A loop's iterations until it is asked to stop (``run_forever``'s), in
#: C where the core is compiled: each one in C where the loop is plain,
#: by its ``_run_once`` otherwise.
_run_until_stopped: Optional[Callable[[EventLoop], None]] = None
#: The ready queue's run (the end of ``_run_once``) in C, where the core is
#: compiled; used outside debug mode.
_run_ready: Optional[Callable[[Deque[Any], int], None]] = None
#: The poll for I/O and the queueing of what it found (the selector's
#: ``select()`` and the loop's ``_process_events()``) in C, where the core is
#: compiled and the platform has epoll: NotImplemented for a loop whose
#: selector or methods are not those.
_poll_events: Optional[Callable[[Any, Optional[float]], Any]] = None
#: The class of a new loop's timer queue: genloop.timers', or its C version
#: where the core is compiled.
_TimerQueue: Any = TimerQueue
if _speedups is not None:
    # call_soon too: in C outside debug mode, the pure method otherwise.
    _run_ready, EventLoop.call_soon = _speedups.loop_core(  # type: ignore[method-assign]
        EventLoop, EventLoop.call_soon, Task, Callback, Timer, asyncio.Handle,
        _seam.callback_error_propagates, report_failure,
    )
    if hasattr(selectors, "EpollSelector"):
        _poll_events = _speedups.io_core(
            selectors.EpollSelector, select.epoll, asyncio.selector_events.BaseSelectorEventLoop,
            selectors.EVENT_READ, selectors.EVENT_WRITE, select.EPOLLIN, select.EPOLLOUT,
        )
    # call_at, call_later and a timer's cancel() too, for a loop of this
    # very class, and the timer queue.
    EventLoop.call_at, EventLoop.call_later, Timer.cancel, _TimerQueue = (  # type: ignore
        _speedups.timer_core(
            EventLoop, EventLoop.call_at, EventLoop.call_later, Timer.cancel,
            MIN_TIMERS_TO_REBUILD,
        )
    )
    # The iterations too: each in C where the loop is plain (see run_once).
    _run_until_stopped = _speedups.run_core(
        EventLoop, EventLoop._run_once, MAXIMUM_SELECT_TIMEOUT, CALLBACKS_PER_POLL
    )


def _check_callback(callback: Any, method: str) -> None:
    """Debug-mode check of what is passed to call_soon/call_at (as asyncio)."""
    if iscoroutine(callback) or iscoroutinefunction(callback):
        raise TypeError(
            "coroutines cannot be used with {}(): schedule a coroutine with "
            "loop.create_task(coro) instead".format(method)
        )
    if not callable(callback):
        raise TypeError(
            "a callable object was expected by {}(), got {!r}".format(method, callback)
        )
