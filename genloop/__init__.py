"""genloop: legacy ``yield from`` asyncio code and ``async def`` code on one
stepping engine, on every Python from 3.6 to 3.13.

``import genloop`` imports the core only: it never patches ``asyncio``.

PYTEST_DONT_REWRITE: pytest rewrites the asserts of each package that
carries a pytest plugin (``genloop.testing.pytest_plugin``) as it imports
it, and warns of one imported before it starts; ``genloop run -m pytest``
imports genloop first.
"""

from ._legacy import LegacyAPIWarning
from .coroutines import (
    From,
    LegacyCoroutine,
    Return,
    coroutine,
    iscoroutine,
    iscoroutinefunction,
)
from .loop import EventLoop
from .runners import EventLoopPolicy, install, new_event_loop, run
from .tasks import COMPILED, Task, all_tasks, current_task, task_factory

__version__ = "0.1.0"

__all__ = [
    "COMPILED",
    "EventLoop",
    "EventLoopPolicy",
    "From",
    "LegacyAPIWarning",
    "LegacyCoroutine",
    "Return",
    "Task",
    "all_tasks",
    "coroutine",
    "current_task",
    "install",
    "iscoroutine",
    "iscoroutinefunction",
    "new_event_loop",
    "run",
    "task_factory",
]
