"""``asyncio.Task`` as legacy code used it: ``Task.current_task()`` and
``Task.all_tasks()`` (row L07, on ``genloop.Task`` too), ``Task(generator)``
(L10), and two-argument task factories (L32)."""

import asyncio
import asyncio.base_events
import asyncio.tasks
import functools
import inspect
from typing import Any, Callable, List, Optional, Set

from .. import _seam, _versions
from ..tasks import Task as GenloopTask
from ..tasks import warn_deprecated_class_method
from .coroutines import as_coroutine
from .patching import Patch
from .usage import legacy_use

__all__ = ["patches"]

_StockTask: Any = asyncio.Task


class _LegacyTaskType(type):
    """Makes ``isinstance(t, asyncio.Task)`` true for every task, stock or
    genloop's, while ``asyncio.Task`` is the legacy class below (and only
    for it: user subclasses of it check as usual)."""

    def __instancecheck__(cls, instance: Any) -> bool:
        if cls is LegacyTask:
            return isinstance(instance, (_StockTask, GenloopTask))
        return type.__instancecheck__(cls, instance)

    def __subclasscheck__(cls, subclass: Any) -> bool:
        if cls is LegacyTask:
            return issubclass(subclass, (_StockTask, GenloopTask))
        return type.__subclasscheck__(cls, subclass)


class LegacyTask(_StockTask, metaclass=_LegacyTaskType):  # type: ignore[misc]
    """asyncio's Task with what 3.6 had: the ``current_task``/``all_tasks``
    class methods, and generators accepted as coroutines."""

    def __init__(self, coro: Any, **kwargs: Any) -> None:
        super().__init__(as_coroutine(coro), **kwargs)

    @classmethod
    def current_task(cls, loop: Optional[asyncio.AbstractEventLoop] = None) -> Any:
        """The task running on ``loop`` (default: the current loop), or None."""
        legacy_use("L07")
        warn_deprecated_class_method("current_task")
        if loop is None:
            loop = asyncio.get_event_loop()
        return _seam.current_task(loop)

    @classmethod
    def all_tasks(cls, loop: Optional[asyncio.AbstractEventLoop] = None) -> Set[Any]:
        """Every task of ``loop`` (default: the current loop), done ones included."""
        legacy_use("L07")
        warn_deprecated_class_method("all_tasks")
        if loop is None:
            loop = asyncio.get_event_loop()
        return _seam.every_task(loop)


def _takes_keywords(factory: Callable[..., Any]) -> bool:
    try:
        parameters = inspect.signature(factory).parameters.values()
    except (TypeError, ValueError):
        return True  # a builtin: assume the modern signature
    return any(parameter.kind is parameter.VAR_KEYWORD for parameter in parameters)


def _adapted(factory: Callable[..., Any]) -> Callable[..., Any]:
    """A ``(loop, coro)`` factory made callable as ``(loop, coro, **kwargs)``:
    a ``context=`` is honoured by making the task inside that context."""

    @functools.wraps(factory)
    def with_keywords(loop: Any, coro: Any, **kwargs: Any) -> Any:
        context = kwargs.get("context")
        if context is None:
            return factory(loop, coro)
        return context.run(factory, loop, coro)

    with_keywords.legacy_factory = factory  # type: ignore[attr-defined]
    return with_keywords


def _set_task_factory(original: Callable[..., None]) -> Callable[..., None]:
    @functools.wraps(original)
    def set_task_factory(self: Any, factory: Any) -> None:
        if factory is not None and callable(factory) and not _takes_keywords(factory):
            legacy_use("L32")
            factory = _adapted(factory)
        original(self, factory)

    return set_task_factory


def _get_task_factory(original: Callable[..., Any]) -> Callable[..., Any]:
    @functools.wraps(original)
    def get_task_factory(self: Any) -> Any:
        factory = original(self)
        return getattr(factory, "legacy_factory", factory)

    return get_task_factory


def patches() -> List[Patch]:
    # Every version: 3.7 deprecated the class methods, and 3.6's own do not
    # know genloop's tasks.
    found = [Patch(module, "Task", LegacyTask) for module in (asyncio, asyncio.tasks)]
    # genloop.Task too: its own class methods go with asyncio's (3.9), and
    # up to 3.8 they do not report their use.
    found += [
        Patch(GenloopTask, name, LegacyTask.__dict__[name])
        for name in ("current_task", "all_tasks")
    ]
    if _versions.HAS_TASK_CONTEXT_ARG:  # 3.11 passes context= to factories
        loop_class = asyncio.base_events.BaseEventLoop
        found.append(
            Patch(loop_class, "set_task_factory", _set_task_factory(loop_class.set_task_factory))
        )
        found.append(
            Patch(loop_class, "get_task_factory", _get_task_factory(loop_class.get_task_factory))
        )
    return found
