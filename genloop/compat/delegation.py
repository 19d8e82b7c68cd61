"""Undecorated helper generators that ``yield from`` a coroutine (row L11).

Since 3.7 asyncio's own coroutines (``asyncio.sleep``, ``Lock.acquire``,
``StreamReader.read``...) are ``async def``.  A generator may only
``yield from`` a native coroutine if its code is flagged as an iterable
coroutine, which ``@asyncio.coroutine`` used to do; legacy code often left
its helpers undecorated, and on 3.6 that was enough.

Flagging every generator that uses ``yield from`` would make ordinary data
generators awaitable (``inspect.isawaitable()`` true, ``__await__`` methods
refused by ``await``).  genloop adapts the *operand* instead: in the modules
its import hook loads (:mod:`genloop.compat.transform`), ``yield from x``
becomes ``yield from __genloop_delegate__(x)`` and ``await x`` becomes
``await __genloop_awaitable__(x)``.  Both return ``x`` itself unless ``x`` is
what the unchanged code would have refused with a TypeError:

* a native coroutine delegated to from a plain generator runs through its
  ``__await__()`` iterator, which any generator may ``yield from``;
* a plain generator awaited from ``async def`` is awaited as its own
  iterator, as if it had been decorated (row L12).

A generator stays exactly what Python makes it; only the places where the
legacy code would fail change, and each such use is reported.
"""

import inspect
import sys
import types
from typing import Any, Dict, Generator

from ..coroutines import is_decorated_generator
from .usage import legacy_use, recording

__all__ = ["delegate", "awaitable", "NAMESPACE"]

_CoroutineType = types.CoroutineType
_GeneratorType = types.GeneratorType
_ITERABLE_COROUTINE = inspect.CO_ITERABLE_COROUTINE


def delegate(operand: Any) -> Any:
    """The operand of ``yield from`` in a generator of a hooked module."""
    cls = operand.__class__
    if cls is _CoroutineType:
        if recording() and _from_plain_generator():
            legacy_use("L11")
        return operand.__await__()
    if (
        cls is _GeneratorType
        # is_decorated_generator(), spelled out: every yield from passes here
        and operand.gi_code.co_flags & _ITERABLE_COROUTINE
        and recording()
        and _from_plain_generator()
    ):
        # Before 3.7 asyncio's coroutines were decorated generators: the same
        # helper is the same legacy construct there, reported alike.
        legacy_use("L11")
    return operand


def awaitable(operand: Any) -> Any:
    """The operand of ``await`` in a coroutine of a hooked module."""
    if operand.__class__ is _GeneratorType and not is_decorated_generator(operand):
        legacy_use("L12")
        return _AwaitedGenerator(operand)
    return operand


def _from_plain_generator() -> bool:
    """Whether the ``yield from`` being adapted runs in an undecorated
    generator (a decorated one is row L01, reported where it is decorated)."""
    return not sys._getframe(2).f_code.co_flags & _ITERABLE_COROUTINE


class _AwaitedGenerator(object):
    """A plain generator made awaitable: ``await`` drives the generator
    itself, so its yields reach the task exactly as ``yield from`` would."""

    __slots__ = ("_generator",)

    def __init__(self, generator: Generator[Any, Any, Any]) -> None:
        self._generator = generator

    def __await__(self) -> Generator[Any, Any, Any]:
        return self._generator


#: The names transformed code refers to, put in each hooked module's globals
#: before it runs.
NAMESPACE: Dict[str, Any] = {
    "__genloop_delegate__": delegate,
    "__genloop_awaitable__": awaitable,
}
