"""Every private asyncio name genloop relies on, in one place.

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
import itertools
import weakref
from typing import Any, Callable, Dict, List, Optional, Set

from . import _versions

#: The marker asyncio.iscoroutinefunction() looks for (3.6 … 3.13).
IS_COROUTINE_MARKER = getattr(asyncio.coroutines, "_is_coroutine", object())

get_running_loop_or_none = asyncio.events._get_running_loop  # type: Callable[[], Optional[asyncio.AbstractEventLoop]]
set_running_loop = asyncio.events._set_running_loop  # type: Callable[[Optional[asyncio.AbstractEventLoop]], None]

#: asyncio's own task-name counter, so genloop and stock tasks never share a name.
next_task_number = getattr(
    asyncio.tasks, "_task_name_counter", itertools.count(1).__next__
)  # type: Callable[[], int]

if _versions.HAS_TASK_FUNCTIONS:
    enter_task = asyncio.tasks._enter_task  # type: Callable[[Any, Any], None]
    leave_task = asyncio.tasks._leave_task  # type: Callable[[Any, Any], None]
    register_task = asyncio.tasks._register_task  # type: Callable[[Any], None]
    unregister_task = asyncio.tasks._unregister_task  # type: Callable[[Any], None]

    def current_task(loop: Optional[asyncio.AbstractEventLoop] = None) -> Any:
        """The task running on ``loop`` (default: the running loop)."""
        return asyncio.current_task(loop)

    def all_tasks(loop: Optional[asyncio.AbstractEventLoop] = None) -> Set[Any]:
        """The unfinished tasks of ``loop`` (default: the running loop)."""
        return asyncio.all_tasks(loop)

else:
    # 3.6 keeps these registries inside the C Task type, out of reach, so
    # genloop keeps its own with the same rules as asyncio.tasks of 3.7.
    _current_tasks = {}  # type: Dict[Any, Any]
    _all_tasks = weakref.WeakSet()  # type: weakref.WeakSet[Any]

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
        return _current_tasks.get(loop) or asyncio.Task.current_task(loop)

    def all_tasks(loop: Optional[asyncio.AbstractEventLoop] = None) -> Set[Any]:
        """The unfinished tasks of ``loop`` (default: the running loop)."""
        if loop is None:
            loop = _running_loop_or_raise()
        stock = {t for t in asyncio.Task.all_tasks(loop) if not t.done()}
        return stock | {t for t in list(_all_tasks) if t._loop is loop and not t.done()}

    def _running_loop_or_raise() -> asyncio.AbstractEventLoop:
        loop = get_running_loop_or_none()
        if loop is None:
            raise RuntimeError("no running event loop")
        return loop


#: The words asyncio puts in ``repr(future)`` (state, result, callbacks).
future_repr_info = asyncio.base_futures._future_repr_info  # type: Callable[[Any], List[str]]

#: ``Task.print_stack()`` as asyncio formats it, from ``task.get_stack()``.
print_task_stack = asyncio.base_tasks._task_print_stack  # type: Callable[[Any, Optional[int], Any], None]

if _versions.HAS_EAGER_START:
    swap_current_task = asyncio.tasks._swap_current_task  # type: Callable[[Any, Any], Any]
    register_eager_task = asyncio.tasks._register_eager_task  # type: Callable[[Any], None]
    unregister_eager_task = asyncio.tasks._unregister_eager_task  # type: Callable[[Any], None]
