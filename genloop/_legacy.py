"""What the core tells of legacy code: the warning genloop gives for a
legacy asyncio API, and the observer the engine calls when it runs a legacy
construct.

It lives in the core package so that ``genloop.LegacyAPIWarning`` can be
named (in warning filters, for instance) without importing the compat layer,
and so that the engine can report what it accepts (tornado and trollius
yields, legacy returns, generators run as tasks) while the compat layer
records uses, without importing it.
"""

from typing import Any, Callable, Optional

__all__ = ["LegacyAPIWarning", "Observer"]


class LegacyAPIWarning(DeprecationWarning):
    """A legacy asyncio API ran: the message names the inventory row, the
    Python version that broke the API and what to use instead."""


class Observer(object):
    """``Observer.note(row, where)`` is called by the engine, while
    ``genloop.compat`` records legacy uses, each time it runs the construct
    of inventory row ``row``.  ``where`` is the suspended coroutine that
    yielded it, the exception that returned a value, or the generator made
    a task."""

    note: Optional[Callable[[str, Any], None]] = None
