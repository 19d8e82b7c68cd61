"""Legacy coroutines: ``@coroutine``, ``From``/``Return``, ``iscoroutine*``.

``@genloop.coroutine`` replaces ``asyncio.coroutine`` (removed in 3.11).  A
decorated generator function is flagged with ``types.coroutine`` (so that it
may ``yield from`` native coroutines, and be awaited).  Where asyncio takes
generators for coroutines (up to 3.11, or with genloop.compat installed, as
under ``genloop run``), that is all, as it was with ``asyncio.coroutine``:
calls make generators, at the cost of an ``async def`` call.  Elsewhere
(3.12+ without the compat layer), every call returns a
:class:`LegacyCoroutine`: an adapter with the shape of asyncio's old
``CoroWrapper``, which passes ``collections.abc.Coroutine``, so that
``asyncio.iscoroutine``, ``create_task``, ``Task()`` and ``gather`` accept it.

The adapter also turns trollius/tornado-style returns into ordinary ones:
``raise Return(value)`` and a PEP 479-wrapped ``raise StopIteration(value)``
end the coroutine with ``value``.
"""

import asyncio
import collections.abc
import dis
import functools
import inspect
import logging
import os
import sys
import traceback
import types
from typing import (
    TYPE_CHECKING,
    Any,
    Callable,
    Coroutine,
    FrozenSet,
    Generator,
    Optional,
    Tuple,
    TypeVar,
    cast,
    overload,
)

from . import _compiled, _seam
from ._frames import extract_user_stack
from ._legacy import Observer

__all__ = [
    "coroutine",
    "LegacyCoroutine",
    "From",
    "Return",
    "iscoroutine",
    "iscoroutinefunction",
]

_T = TypeVar("_T")

logger = logging.getLogger("asyncio")

#: How many frames of the creation stack a debug report shows (as asyncio).
DEBUG_STACK_DEPTH = 10


def _debug_from_environment() -> bool:
    """Debug mode as asyncio decides it at start-up (PYTHONASYNCIODEBUG, -X dev)."""
    if sys.flags.ignore_environment:
        env = False
    else:
        env = bool(os.environ.get("PYTHONASYNCIODEBUG"))
    return env or bool(getattr(sys.flags, "dev_mode", False))


class Return(Exception):
    """``raise Return(value)``: return ``value`` from a legacy coroutine.

    The trollius/tornado spelling of ``return value`` for code that once had
    to run on Python 2.  It works in any generator that genloop drives:
    decorated with :func:`coroutine`, or started by a task or by
    ``yield sub()``.
    """

    def __init__(self, value: Any = None) -> None:
        super().__init__(value)
        self.value = value


class From(object):
    """``yield From(x)``: trollius' spelling of ``yield from x``.

    A task that sees ``From(x)`` yielded treats it exactly as if ``x`` had
    been yielded.
    """

    __slots__ = ("value",)

    def __init__(self, value: Any) -> None:
        self.value = value

    def __repr__(self) -> str:
        return "From({!r})".format(self.value)


def returned_value(exc: BaseException, gen: Any) -> Tuple[bool, Any]:
    """Whether ``exc``, raised by stepping generator ``gen``, is a legacy way
    of returning from ``gen``, and the value returned.

    ``Return(v)`` returns ``v`` (tornado and trollius accepted it from any
    depth).  So does the ``RuntimeError`` that PEP 479 (3.7+) makes of
    ``raise StopIteration(v)``, but only when ``gen`` itself raised it: a
    StopIteration from a generator ``gen`` called stays an error, as in
    asyncio, and so does one from an ``async def`` coroutine.
    """
    if isinstance(exc, Return):
        if Observer.note is not None:
            Observer.note("L13", exc)
        return True, exc.value
    if type(exc) is RuntimeError and str(exc) == "generator raised StopIteration":
        cause = exc.__cause__
        if isinstance(cause, StopIteration) and _raised_in(cause, gen):
            if Observer.note is not None:
                Observer.note("L24", cause)
            return True, cause.value
    return False, None


def _raised_in(exc: BaseException, gen: Any) -> bool:
    """Whether ``exc`` was raised by the code of generator ``gen`` itself."""
    tb = exc.__traceback__
    if tb is None:
        return False
    while tb.tb_next is not None:
        tb = tb.tb_next
    return tb.tb_frame.f_code is getattr(gen, "gi_code", None)


def _generator_attribute(name: str) -> Any:
    """A read-only property that reads ``name`` from the wrapped generator."""
    return property(lambda self: getattr(self.gen, name), doc="The generator's {}.".format(name))


class LegacyCoroutine(Coroutine[Any, Any, _T]):
    """A running ``@coroutine`` generator, presented as a coroutine.

    ``send``/``throw``/``close``/``__await__`` make asyncio treat it as a
    coroutine; ``__iter__``/``__next__`` let undecorated generators
    ``yield from`` it.  The wrapped generator is ``gen``.
    """

    __slots__ = ("gen",)

    def __init__(self, gen: Generator[Any, Any, _T]) -> None:
        self.gen = gen

    def send(self, value: Any) -> Any:
        try:
            return self.gen.send(value)
        except (Return, RuntimeError) as exc:
            is_return, result = returned_value(exc, self.gen)
            if is_return:
                raise StopIteration(result) from None
            raise

    def throw(
        self, typ: Any, val: Any = None, tb: Any = None
    ) -> Any:
        if val is None and tb is None:
            exc = typ() if isinstance(typ, type) else typ
        else:
            exc = typ(val) if val is None or not isinstance(val, BaseException) else val
            if tb is not None:
                exc = exc.with_traceback(tb)
        try:
            return self.gen.throw(exc)
        except (Return, RuntimeError) as raised:
            is_return, result = returned_value(raised, self.gen)
            if is_return:
                raise StopIteration(result) from None
            raise

    def close(self) -> None:
        self.gen.close()

    def __next__(self) -> Any:
        return self.send(None)

    def __iter__(self) -> Generator[Any, None, _T]:
        return _delegate(self.gen)

    def __await__(self) -> Generator[Any, None, _T]:
        return _delegate(self.gen)

    gi_frame = _generator_attribute("gi_frame")
    gi_running = _generator_attribute("gi_running")
    gi_code = _generator_attribute("gi_code")
    gi_yieldfrom = _generator_attribute("gi_yieldfrom")

    # asyncio's repr helpers and debuggers look for either spelling.
    cr_frame = gi_frame
    cr_running = gi_running
    cr_code = gi_code
    cr_await = gi_yieldfrom

    def __getattr__(self, name: str) -> Any:
        # __name__/__qualname__ of the generator, for reprs and debuggers.
        if name in ("__name__", "__qualname__"):
            return getattr(self.gen, name)
        raise AttributeError(
            "{!r} object has no attribute {!r}".format(type(self).__name__, name)
        )

    def __repr__(self) -> str:
        return "<LegacyCoroutine {}>".format(describe(self.gen))


class _LegacyCoroutineOfPlainCode(LegacyCoroutine[_T]):
    """A legacy coroutine whose generator cannot return the legacy way (its
    code names neither ``Return``, ``StopIteration`` nor ``next``):
    ``yield from`` runs the generator itself, with no frame in between."""

    __slots__ = ()

    def __iter__(self) -> Generator[Any, None, _T]:
        return self.gen


_speedups = _compiled.speedups()
if _speedups is not None:
    # ``yield from`` of a legacy coroutine of plain code, in C.
    _LegacyCoroutineOfPlainCode.__iter__ = _speedups.plain_iter(  # type: ignore[method-assign]
        _LegacyCoroutineOfPlainCode
    )
    _speedups.direct_slots(_LegacyCoroutineOfPlainCode)


#: The opcodes that can call a function, in every form the interpreter may
#: have rewritten them to (specialized, or instrumented for a tracer).
_CALLING_OPCODES = ("CALL", "CALL_KW", "CALL_FUNCTION_EX")

#: What the compiled legacy functions read as "any other opcode".
_UNKNOWN_OPCODE = 255


def _yield_from_opcodes() -> Optional[Tuple[bytes, Tuple[int, int]]]:
    """What the compiled legacy functions read a caller's live bytecode
    with (3.12+): the inline cache entries that follow each opcode that can
    make a call (255 for every other), and the opcodes that take an object
    straight into ``yield from`` and ``await``; None where ``dis`` does not
    say."""
    caches = getattr(dis, "_inline_cache_entries", None)
    every_opcode = getattr(dis, "_all_opmap", None)
    specialized = getattr(dis, "_specializations", None)
    yield_from, awaiting = dis.opmap.get("GET_YIELD_FROM_ITER"), dis.opmap.get("GET_AWAITABLE")
    if caches is None or every_opcode is None or specialized is None or yield_from is None \
            or awaiting is None:
        return None
    entries = bytearray([_UNKNOWN_OPCODE]) * 256
    for base in _CALLING_OPCODES:
        if base not in dis.opmap:
            continue
        # A list by opcode (3.12) or a dict by name (3.13).
        count = caches[dis.opmap[base]] if isinstance(caches, list) else caches.get(base, 0)
        for name in [base, "INSTRUMENTED_" + base] + list(specialized.get(base, [])):
            opcode = every_opcode.get(name)
            if opcode is not None and opcode < 256:
                entries[opcode] = count
    return bytes(entries), (yield_from, awaiting)


if _speedups is not None and hasattr(_speedups, "yield_from_opcodes"):
    _opcodes = _yield_from_opcodes()
    if _opcodes is not None:
        _speedups.yield_from_opcodes(*_opcodes)


#: Names whose presence in a generator's code means it may return the legacy
#: way: ``raise Return(v)``, ``raise StopIteration(v)``, or a ``next()``
#: whose StopIteration ended the generator before PEP 479.
_LEGACY_RETURN_NAMES = frozenset(["Return", "StopIteration", "next", "__next__"])


def is_decorated_generator(obj: Any) -> bool:
    """Whether ``obj`` is a generator of a function flagged as a coroutine
    (``types.coroutine``, which ``@coroutine`` applies): a legacy coroutine,
    where a generator not flagged is a plain one (row L10 when run as a task)."""
    return type(obj) is types.GeneratorType and bool(
        obj.gi_code.co_flags & inspect.CO_ITERABLE_COROUTINE
    )


def _returns_plainly(code: types.CodeType) -> bool:
    return _LEGACY_RETURN_NAMES.isdisjoint(code.co_names)


class _DebugLegacyCoroutine(LegacyCoroutine[_T]):
    """A legacy coroutine made in debug mode: it remembers where it was created
    and reports itself if it is garbage-collected without ever being started
    (the "was never yielded from" report asyncio dropped in 3.11)."""

    __slots__ = ("source_traceback",)

    def __init__(self, gen: Generator[Any, Any, _T]) -> None:
        super().__init__(gen)
        self.source_traceback = extract_user_stack(sys._getframe(1), DEBUG_STACK_DEPTH)

    def __await__(self) -> Generator[Any, None, _T]:
        # The coroutine itself is stepped, so that it lives while it runs:
        # its __del__ tells whether it ever ran.
        return cast(Generator[Any, None, _T], self)

    __iter__ = __await__

    def __repr__(self) -> str:
        text = super().__repr__()[:-1]
        if self.source_traceback:
            created = self.source_traceback[-1]
            text += ", created at {}:{}".format(created[0], created[1])
        return text + ">"

    def __del__(self) -> None:
        gen = getattr(self, "gen", None)
        if gen is None or inspect.getgeneratorstate(gen) != inspect.GEN_CREATED:
            return
        log_never_yielded_from(self, self.source_traceback)


def log_never_yielded_from(coro: Any, source_traceback: Any) -> None:
    """The debug-mode report of a legacy coroutine collected unstarted
    (row L17), with where it was made."""
    message = "{!r} was never yielded from".format(coro)
    if source_traceback:
        message += (
            "\nCoroutine object created at (most recent call last, "
            "truncated to {} last lines):\n".format(DEBUG_STACK_DEPTH)
        )
        message += "".join(traceback.format_list(source_traceback)).rstrip()
    logger.error(message)


#: The exact classes of the legacy coroutines genloop makes.
LEGACY_COROUTINE_TYPES: FrozenSet[type] = frozenset(
    [LegacyCoroutine, _LegacyCoroutineOfPlainCode, _DebugLegacyCoroutine]
)


def _delegate(gen: Generator[Any, Any, _T]) -> Generator[Any, Any, _T]:
    """What ``yield from`` and ``await`` of a legacy coroutine run: its
    generator, delegated to by the interpreter itself (not through
    ``LegacyCoroutine.send`` at each step), with ``Return(v)`` and ``raise
    StopIteration(v)`` as returns.  A plain generator: ``__await__`` may not
    return one flagged as a coroutine."""
    try:
        return (yield from gen)
    except (Return, RuntimeError) as exc:
        is_return, value = returned_value(exc, gen)
        if is_return:
            return value  # type: ignore[no-any-return]
        raise


#: Code objects of genloop's own frames between a coroutine and the one it
#: awaits (skipped by Task.get_stack()).
DELEGATING_CODE = frozenset([_delegate.__code__])


def describe(gen: Any) -> str:
    """``main() running at file:line``: how reprs name a coroutine."""
    code = getattr(gen, "gi_code", None) or getattr(gen, "cr_code", None)
    name = getattr(gen, "__qualname__", None) or getattr(gen, "__name__", "?")
    frame = getattr(gen, "gi_frame", None) or getattr(gen, "cr_frame", None)
    if code is None:
        return "{}()".format(name)
    if frame is not None:
        return "{}() running at {}:{}".format(name, code.co_filename, frame.f_lineno)
    return "{}() done, defined at {}:{}".format(name, code.co_filename, code.co_firstlineno)


_new_object: Any = object.__new__


def _await_result(result: Any) -> Generator[Any, Any, Any]:
    """What ``asyncio.coroutine`` did with the result of a plain function:
    wait for it if it is a future, a generator or an awaitable, and return
    anything else as it is.  Each test looks at the result's class, as
    asyncio's ``isfuture()`` and ``collections.abc.Awaitable`` do: a mock
    has every attribute, and is returned as it is."""
    if inspect.isgenerator(result) or isinstance(result, LegacyCoroutine):
        return (yield from result)
    if asyncio.isfuture(result):
        return (yield from result)
    if isinstance(result, collections.abc.Awaitable):
        return (yield from result.__await__())
    return result


def _coroutine(func: Callable[..., Any]) -> Callable[..., Any]:
    """Mark a generator function as a legacy coroutine (``asyncio.coroutine``).

    A generator function is flagged with ``types.coroutine``.  Where asyncio
    runs generators as coroutines (up to 3.11, and under genloop.compat) and
    the generator cannot return the legacy way, that function is the
    coroutine function, as with ``asyncio.coroutine``; otherwise, and in
    debug mode, its calls return :class:`LegacyCoroutine` objects.  An
    ``async def`` function is returned unchanged.  Any other callable
    becomes a coroutine function whose coroutine waits for the callable's
    result when that result is a future, a generator or an awaitable, and
    returns it otherwise.
    """
    if not callable(func):
        raise TypeError(
            "coroutine() expects a function, got {!r}; decorate the generator "
            "function itself (@genloop.coroutine above 'def')".format(func)
        )
    if inspect.iscoroutinefunction(func):
        return func

    if inspect.isgeneratorfunction(func):
        generator_function = func
        plain = _returns_plainly(func.__code__)
    else:
        plain = False  # the function's result is waited for by _await_result

        @functools.wraps(func)
        def generator_function(*args: Any, **kwargs: Any) -> Generator[Any, Any, Any]:
            return (yield from _await_result(func(*args, **kwargs)))

    generator_function = types.coroutine(generator_function)
    if _debug_from_environment():
        # Made in debug mode (PYTHONASYNCIODEBUG, -X dev, genloop run
        # --debug), each coroutine tracks its creation, as asyncio's
        # CoroWrapper did.
        @functools.wraps(func)
        def debug_coroutine_function(*args: Any, **kwargs: Any) -> LegacyCoroutine[Any]:
            return _DebugLegacyCoroutine(generator_function(*args, **kwargs))

        return _marked(debug_coroutine_function)
    if plain and _asyncio_takes_generators():
        # What asyncio.coroutine did outside debug mode: the flagged generator
        # function itself, whose generators asyncio runs as coroutines.  A
        # call costs what an async def call costs.
        return _marked(generator_function)

    made = _LegacyCoroutineOfPlainCode if plain else LegacyCoroutine
    if _speedups is not None:
        # The same function, compiled: no frame of its own, and no
        # LegacyCoroutine where the call's result goes straight to
        # ``yield from`` or ``await``.
        compiled = _speedups.legacy_function(generator_function, made, plain)
        return _marked(functools.wraps(func)(compiled))

    @functools.wraps(func)
    def legacy_coroutine_function(*args: Any, **kwargs: Any) -> LegacyCoroutine[Any]:
        # (A call with **kwargs costs more, even when they are empty.)
        gen = generator_function(*args, **kwargs) if kwargs else generator_function(*args)
        coro = _new_object(made)  # LegacyCoroutine(gen) without an __init__ call
        coro.gen = gen
        return coro  # type: ignore[no-any-return]

    return _marked(legacy_coroutine_function)


def _marked(function: Callable[..., Any]) -> Callable[..., Any]:
    _seam.mark_coroutine_function(function)
    return function


def _asyncio_takes_generators() -> bool:
    """Whether asyncio, as this process has it now, runs a generator as a
    coroutine: up to 3.11 it does, and from 3.12 once genloop.compat has
    given ``asyncio.iscoroutine`` its legacy answer back (``genloop run``).
    Elsewhere a legacy coroutine must be a :class:`LegacyCoroutine`."""
    probe = _probe()
    try:
        return bool(asyncio.iscoroutine(probe))
    finally:
        probe.close()


def _probe() -> Generator[None, None, None]:
    yield


if TYPE_CHECKING:
    from typing import ParamSpec

    _P = ParamSpec("_P")

    # The decorator keeps the parameters and gives the coroutine's result type.

    @overload
    def coroutine(
        func: Callable[_P, Generator[Any, Any, _T]]
    ) -> Callable[_P, LegacyCoroutine[_T]]: ...

    @overload
    def coroutine(  # type: ignore[overload-overlap]  # the first match wins
        func: Callable[_P, Coroutine[Any, Any, _T]]
    ) -> Callable[_P, Coroutine[Any, Any, _T]]: ...

    @overload
    def coroutine(func: Callable[_P, _T]) -> Callable[_P, LegacyCoroutine[_T]]: ...

    def coroutine(func: Callable[..., Any]) -> Callable[..., Any]: ...

else:
    coroutine = _coroutine


_COROUTINE_TYPES: Tuple[type, ...] = (
    types.CoroutineType,
    types.GeneratorType,
    collections.abc.Coroutine,
)


def iscoroutine(obj: Any) -> bool:
    """Whether ``obj`` is a coroutine object genloop can run.

    True for native coroutines, legacy coroutines and any generator: the
    answer ``asyncio.iscoroutine`` gave up to 3.11, on every Python.
    """
    return isinstance(obj, _COROUTINE_TYPES)


def iscoroutinefunction(func: Any) -> bool:
    """Whether ``func`` is an ``async def`` or ``@coroutine`` function."""
    if inspect.iscoroutinefunction(func):
        return True
    return getattr(func, "_is_coroutine", None) is _seam.IS_COROUTINE_MARKER
