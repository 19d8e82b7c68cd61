"""Every private asyncio name genloop relies on, in one place (and the one
private name of ``warnings`` it needs).

asyncio keeps the registry of current and live tasks, the running-loop slot
and the coroutine-function marker behind private names.  genloop's Task and
EventLoop must write to the same registries so that ``asyncio.current_task()``,
``asyncio.all_tasks()``, ``asyncio.get_running_loop()`` and
``asyncio.iscoroutinefunction()`` see them.  When a CPython release moves one
of these names, this module is the only one to change.

(``genloop.loop`` also subclasses ``asyncio.SelectorEventLoop`` for its I/O
machinery; the attributes that subclass shares with the standard loop are
listed at the top of that module.)
"""

import asyncio
import asyncio.base_futures
import asyncio.base_tasks
import asyncio.coroutines
import asyncio.events
import asyncio.tasks
import atexit
import inspect
import itertools
import threading
import warnings
import weakref
from typing import Any, Callable, Dict, List, Optional, Set, Tuple, cast

from . import _versions

#: The marker asyncio.iscoroutinefunction() looks for (3.6 … 3.13).
IS_COROUTINE_MARKER = getattr(asyncio.coroutines, "_is_coroutine", object())


def mark_coroutine_function(func: Any) -> None:
    """Make asyncio's and inspect's iscoroutinefunction() say True of a
    plain function that returns a coroutine (mock.patch then makes an
    AsyncMock of it)."""
    func._is_coroutine = IS_COROUTINE_MARKER
    if _versions.HAS_MARK_COROUTINE_FUNCTION:
        inspect.markcoroutinefunction(func)  # type: ignore[attr-defined]


_OptionalLoop = Optional[asyncio.AbstractEventLoop]
get_running_loop_or_none: Callable[[], _OptionalLoop] = asyncio.events._get_running_loop
set_running_loop: Callable[[_OptionalLoop], None] = asyncio.events._set_running_loop

#: The task-name counter of asyncio's pure-Python Task.  CPython's C Task
#: counts separately, so a stock task made with ``asyncio.Task()`` on the
#: same loop may share a default name with a genloop task (as a pure-Python
#: and a C task may in asyncio itself).
next_task_number: Callable[[], int] = getattr(
    asyncio.tasks, "_task_name_counter", itertools.count(1).__next__
)

if _versions.HAS_TASK_FUNCTIONS:
    enter_task: Callable[[Any, Any], None] = asyncio.tasks._enter_task
    leave_task: Callable[[Any, Any], None] = asyncio.tasks._leave_task
    register_task: Callable[[Any], None] = asyncio.tasks._register_task
    unregister_task: Callable[[Any], None] = asyncio.tasks._unregister_task

    def current_task(loop: Optional[asyncio.AbstractEventLoop] = None) -> Any:
        """The task running on ``loop`` (default: the running loop)."""
        return asyncio.current_task(loop)

    def all_tasks(loop: Optional[asyncio.AbstractEventLoop] = None) -> Set[Any]:
        """The unfinished tasks of ``loop`` (default: the running loop)."""
        return asyncio.all_tasks(loop)

    _registries: Tuple[Any, ...]
    if _versions.HAS_EAGER_START:
        _registries = (
            cast(Any, asyncio.tasks)._scheduled_tasks,
            cast(Any, asyncio.tasks)._eager_tasks,
        )
    else:
        _registries = (cast(Any, asyncio.tasks)._all_tasks,)

    def every_task(loop: asyncio.AbstractEventLoop) -> Set[Any]:
        """The tasks of ``loop`` not yet garbage-collected, done or not (what
        ``Task.all_tasks()`` answered before 3.7)."""
        return {t for registry in _registries for t in list(registry) if t.get_loop() is loop}

else:
    # 3.6 keeps these registries inside the C Task type, out of reach, so
    # genloop keeps its own with the same rules as asyncio.tasks of 3.7.
    # (The stock class is kept: genloop.compat replaces asyncio.Task.)
    _StockTask: Any = asyncio.Task
    _current_tasks: Dict[Any, Any] = {}
    _all_tasks: "weakref.WeakSet[Any]" = weakref.WeakSet()

    def enter_task(loop: Any, task: Any) -> None:
        current = _current_tasks.get(loop)
        if current is not None:
            raise RuntimeError(
                "Cannot enter into task {!r} while another task {!r} is being "
                "executed.".format(task, current)
            )
        _current_tasks[loop] = task

    def leave_task(loop: Any, task: Any) -> None:
        current = _current_tasks.get(loop)
        if current is not task:
            raise RuntimeError(
                "Leaving task {!r} does not match the current task {!r}.".format(
                    task, current
                )
            )
        del _current_tasks[loop]

    def register_task(task: Any) -> None:
        _all_tasks.add(task)

    def unregister_task(task: Any) -> None:
        _all_tasks.discard(task)

    def current_task(loop: Optional[asyncio.AbstractEventLoop] = None) -> Any:
        """The task running on ``loop`` (default: the running loop)."""
        if loop is None:
            loop = _running_loop_or_raise()
        return _current_tasks.get(loop) or _StockTask.current_task(loop)

    def all_tasks(loop: Optional[asyncio.AbstractEventLoop] = None) -> Set[Any]:
        """The unfinished tasks of ``loop`` (default: the running loop)."""
        if loop is None:
            loop = _running_loop_or_raise()
        stock = {t for t in _StockTask.all_tasks(loop) if not t.done()}
        return stock | {t for t in list(_all_tasks) if t._loop is loop and not t.done()}

    def every_task(loop: asyncio.AbstractEventLoop) -> Set[Any]:
        """The tasks of ``loop`` not yet garbage-collected, done or not."""
        stock = set(_StockTask.all_tasks(loop))
        return stock | {t for t in list(_all_tasks) if t._loop is loop}

    def _running_loop_or_raise() -> asyncio.AbstractEventLoop:
        loop = get_running_loop_or_none()
        if loop is None:
            raise RuntimeError("no running event loop")
        return loop


#: What 3.10's primitives pass each other as "no loop= given"
#: (asyncio.mixins._marker); None elsewhere.
NO_LOOP_ARGUMENT: Any = getattr(getattr(asyncio, "mixins", None), "_marker", None)

#: "cb(args) at file:line", as asyncio describes a callback.
format_callback_source: Callable[[Any, Any], str] = (
    cast(Any, asyncio).format_helpers._format_callback_source
    if _versions.HAS_TASK_FUNCTIONS
    else cast(Any, asyncio.events)._format_callback_source
)


def callback_error_propagates(exc: BaseException) -> bool:
    """Whether a callback's exception leaves the loop (as ``Handle._run``
    lets it) rather than going to the exception handler."""
    if _versions.HAS_BASE_CANCELLED_ERROR:
        return isinstance(exc, (SystemExit, KeyboardInterrupt))
    return not isinstance(exc, Exception)


#: The words asyncio puts in ``repr(future)`` (state, result, callbacks).
future_repr_info: Callable[[Any], List[str]] = asyncio.base_futures._future_repr_info

#: ``Task.print_stack()`` as asyncio formats it, from ``task.get_stack()``.
print_task_stack: Callable[[Any, Optional[int], Any], None] = (
    asyncio.base_tasks._task_print_stack
)

if _versions.HAS_EAGER_START:
    swap_current_task: Callable[[Any, Any], Any] = cast(Any, asyncio.tasks)._swap_current_task
    register_eager_task: Callable[[Any], None] = cast(Any, asyncio.tasks)._register_eager_task
    unregister_eager_task: Callable[[Any], None] = cast(Any, asyncio.tasks)._unregister_eager_task


def server_is_closed(server: Any) -> bool:
    """Whether ``server.close()`` was called (``asyncio.base_events.Server``
    keeps its sockets in ``_sockets`` until then, 3.6 … 3.13)."""
    return server._sockets is None


def filters_mutated() -> None:
    """Tell the warnings module that ``warnings.filters`` was edited in
    place (its per-module "already warned" registries are reset)."""
    mutated: Callable[[], None] = getattr(warnings, "_filters_mutated")
    mutated()


def multiprocessing_spawn() -> Any:
    """``multiprocessing.spawn``, which prepares a child made by the spawn
    and forkserver start methods (3.6 … 3.13): ``get_preparation_data()``
    (in the parent) says what the child imports as ``__main__``, and
    ``prepare()`` (in the child, after unpickling that data) imports it
    with the functions named in :data:`SPAWN_MAIN_FIXUPS`.  Imported on
    first use: only ``genloop run`` needs it."""
    import multiprocessing.spawn

    return multiprocessing.spawn


#: The functions of ``multiprocessing.spawn`` that run a child's
#: ``__main__`` again as ``__mp_main__``: from the script's path, or from
#: the module name of ``python -m``.
SPAWN_MAIN_FIXUPS = {"path": "_fixup_main_from_path", "name": "_fixup_main_from_name"}


def policy_creates_loop(policy: Any) -> bool:
    """Whether ``policy.get_event_loop()`` (asyncio's default policy, 3.6 …
    3.13) is about to create the main thread's loop: none was ever set."""
    local = policy._local
    return bool(
        local._loop is None
        and not local._set_called
        and threading.current_thread() is threading.main_thread()
    )


#: asyncio's futures are the C ones (CPython), whose ``await fut`` refuses
#: a pending future still marked as blocking ("await wasn't used with
#: future"), as after a task's refused await on itself; the pure-Python
#: ones (PyPy) yield it again.
C_FUTURE_ITERATOR_CHECKS_BLOCKING = asyncio.futures.Future is not getattr(
    asyncio.futures, "_PyFuture", asyncio.futures.Future
)


def run_exit_handlers() -> None:
    """Run (and forget) the ``atexit`` handlers now, as the interpreter
    does at its end: for an exit that does not return (a signal)."""
    atexit._run_exitfuncs()


# What genloop.testing reads of a selector loop (asyncio's and genloop's,
# 3.6 … 3.13), to run it on virtual time and to tell what a test left on it.


def loop_selector(loop: Any) -> Any:
    """The selector a selector event loop polls (``_selector``)."""
    return loop._selector


def ready_callbacks(loop: Any) -> List[Any]:
    """The callbacks the loop runs at its next iteration (``_ready``; on
    genloop's loop also the tasks woken up without a handle)."""
    return list(loop._ready)


def scheduled_timers(loop: Any) -> List[Any]:
    """The loop's timers, cancelled ones included (``_scheduled``; genloop's
    loop lists its timer queue under that name)."""
    return list(loop._scheduled)


def handle_cancelled(handle: Any) -> bool:
    """``handle.cancelled()``, which 3.6's handles lack."""
    return bool(handle._cancelled)


def creation_stack(obj: Any) -> Any:
    """Where a future, task or handle was made (``_source_traceback``, kept
    in debug mode), or None."""
    return getattr(obj, "_source_traceback", None)


def exception_unretrieved(future: Any) -> bool:
    """Whether a done future holds an exception nobody asked for, which
    its ``__del__`` would report (``_log_traceback``)."""
    return bool(future._log_traceback)


def watched_file_descriptors(loop: Any) -> List[Tuple[int, Any, Any]]:
    """``(fd, reader handle, writer handle)`` for each file descriptor the
    loop's selector watches (``add_reader``/``add_writer``; a handle is None
    when not watched that way), the loop's own self-pipe left out."""
    own = loop._ssock.fileno() if loop._ssock is not None else None
    watched = []
    for key in loop._selector.get_map().values():
        if key.fd != own:
            reader, writer = key.data
            watched.append((key.fd, reader, writer))
    return watched
