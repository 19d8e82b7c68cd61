"""``asyncio.coroutines.CoroWrapper``, which 3.11 removed (row L19).

Up to 3.10 asyncio's debug mode wrapped each call of an ``@asyncio.coroutine``
function in a ``CoroWrapper``, which logged "was never yielded from" when
the generator was collected unstarted.  Legacy code makes one, subclasses
it, or checks for it: asynctest silences a coroutine it never runs with
``if isinstance(coro, CoroWrapper): coro.gen = None``.  This is that class,
and genloop's own debug-mode legacy coroutines, which log the same report
(row L17), count as instances of it.
"""

import collections.abc
import inspect
import sys
import types
from typing import Any, Coroutine, Generator, cast

from .._frames import extract_user_stack
from ..coroutines import (
    DEBUG_STACK_DEPTH,
    LegacyCoroutine,
    _DebugLegacyCoroutine,
    describe,
    log_never_yielded_from,
)

__all__ = ["CoroWrapper"]

_COROUTINES = (types.GeneratorType, types.CoroutineType, collections.abc.Coroutine)


class CoroWrapper(Coroutine[Any, Any, Any]):
    """A generator (or coroutine) ``gen``, stepped through this object's
    ``send``/``throw``, and reported if it is collected unstarted; ``func``
    is the coroutine function that made it."""

    def __init__(self, gen: Any, func: Any = None) -> None:
        if not isinstance(gen, _COROUTINES):
            raise TypeError(
                "CoroWrapper wraps a generator or a coroutine, got {!r}: pass the "
                "result of calling the coroutine function".format(gen)
            )
        self.gen: Any = gen
        self.func = func
        self._source_traceback = extract_user_stack(sys._getframe(1), DEBUG_STACK_DEPTH)
        self.__name__ = getattr(gen, "__name__", None)
        self.__qualname__ = getattr(gen, "__qualname__", None)

    def __repr__(self) -> str:
        text = describe(self.gen)
        if self._source_traceback:
            created = self._source_traceback[-1]
            text += ", created at {}:{}".format(created[0], created[1])
        return "<{} {}>".format(type(self).__name__, text)

    def __iter__(self) -> "CoroWrapper":
        return self

    def __next__(self) -> Any:
        return self.gen.send(None)

    def send(self, value: Any) -> Any:
        return self.gen.send(value)

    def throw(self, typ: Any, val: Any = None, tb: Any = None) -> Any:
        if val is None and tb is None:
            return self.gen.throw(typ)  # the one form 3.12+ does not warn of
        return self.gen.throw(typ, val, tb)

    def close(self) -> None:
        self.gen.close()

    def __await__(self) -> Generator[Any, None, Any]:
        return cast(Generator[Any, None, Any], self)

    @property
    def gi_frame(self) -> Any:
        return self.gen.gi_frame

    @property
    def gi_running(self) -> Any:
        return self.gen.gi_running

    @property
    def gi_code(self) -> Any:
        return self.gen.gi_code

    @property
    def gi_yieldfrom(self) -> Any:
        return self.gen.gi_yieldfrom

    def __del__(self) -> None:
        gen = getattr(self, "gen", None)  # None: silenced, or __init__ failed
        if gen is None or not _unstarted(gen):
            return
        log_never_yielded_from(self, self._source_traceback)


def _unstarted(gen: Any) -> bool:
    if isinstance(gen, LegacyCoroutine):
        gen = gen.gen
    if inspect.isgenerator(gen):
        return inspect.getgeneratorstate(gen) == inspect.GEN_CREATED
    if inspect.iscoroutine(gen):
        return inspect.getcoroutinestate(gen) == inspect.CORO_CREATED
    return False


# What asyncio.coroutine made in debug mode was a CoroWrapper: genloop's is this.
CoroWrapper.register(_DebugLegacyCoroutine)
