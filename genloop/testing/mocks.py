"""``CoroutineMock``: a mock of a coroutine function, as asynctest made it,
on every Python (``unittest.mock.AsyncMock`` is 3.8+, and its calls return
native coroutines, which a plain generator cannot ``yield from``).

Calling the mock records the call at once, as any ``Mock`` (``call_count``,
``call_args``, ``assert_called_with``), and evaluates ``side_effect`` or
``return_value`` then; it returns a legacy coroutine (see
:class:`genloop.LegacyCoroutine`), so that ``await mock()``, ``yield from
mock()`` in any generator, a tornado-style ``yield mock()``,
``asyncio.ensure_future(mock())`` and ``loop.run_until_complete(mock())``
all work.  Awaiting it:

* raises the exception ``side_effect`` raised or is (an exhausted
  ``side_effect`` iterable raises ``StopIteration`` at the call instead,
  which no coroutine may raise);
* awaits the outcome when it is awaitable (``side_effect`` an ``async def``
  function, a future, a coroutine), and returns it otherwise;
* then counts an await, whatever the outcome: ``await_count``,
  ``await_args``, ``await_args_list``, ``assert_awaited*``,
  ``assert_any_await``, ``assert_has_awaits``, ``assert_not_awaited``,
  and ``awaited``, whose ``wait()``, ``wait_next()`` and ``wait_for()``
  let a test wait for awaits.

Await arguments compare as ``unittest.mock.call(...)`` objects do (``ANY``
matches anything); unlike ``assert_called_with`` they are not normalised
against a ``spec``'s signature.  Its attributes and its default
``return_value`` are :class:`MagicMock`, as asynctest made them (the
result of ``await mock()`` is a plain value, not one more coroutine
function).  ``asyncio.iscoroutinefunction(mock)`` is true, and so is
``inspect.iscoroutinefunction(mock)`` from 3.12.

:class:`Mock`, :class:`MagicMock`, :class:`NonCallableMock` and
:class:`NonCallableMagicMock` are asynctest's: ``unittest.mock``'s classes
whose attributes are ``CoroutineMock`` where the ``spec`` has a coroutine
function (``async def``, ``@coroutine``; ``unittest.mock`` makes an
``AsyncMock`` from 3.8 and a plain mock before), and whose
``MagicMock`` kinds support ``async with`` and ``async for`` on every
Python (``unittest.mock`` does from 3.8 only): ``__aenter__``,
``__aexit__`` (returning False, so exceptions propagate) and ``__anext__``
are ``CoroutineMock``; ``__aiter__`` iterates over its ``return_value``
(empty by default).  A test suite that replaced ``asynctest.MagicMock``
keeps its semantics: ``side_effect`` evaluated at the call, awaitable by
``yield from``, the ``assert_awaited*`` of a ``CoroutineMock``.
"""

import asyncio
import inspect
import unittest.mock
from typing import Any, Callable, FrozenSet, Generator, Iterator, List, Optional, Tuple

from .. import _seam, _versions
from ..coroutines import coroutine, iscoroutinefunction
from .running import delegate_to

__all__ = [
    "CoroutineMock",
    "MagicMock",
    "Mock",
    "NonCallableMagicMock",
    "NonCallableMock",
    "is_coroutine_function",
]

#: The asynchronous magic methods that are coroutine functions.
_ASYNC_MAGIC_COROUTINES = frozenset(("__aenter__", "__aexit__", "__anext__"))
_ASYNC_MAGICS = _ASYNC_MAGIC_COROUTINES | frozenset(("__aiter__",))
#: unittest.mock's MagicMock configures the asynchronous magic methods
#: itself (with AsyncMock, 3.8+); before, this module adds them.
_STOCK_ASYNC_MAGICS = hasattr(unittest.mock, "AsyncMock")
#: Where a mock keeps the names of its spec's coroutine functions.
_SPEC_COROUTINES = "_genloop_spec_coroutines"

#: unittest.mock's private helpers, which its own classes use to the same
#: ends (typeshed does not list them).
_stock: Any = unittest.mock


def is_coroutine_function(obj: Any) -> bool:
    """Whether ``obj`` is a coroutine function by asyncio's, inspect's or
    genloop's test; a ``staticmethod``/``classmethod`` object or a bound
    method is judged by its function (a mock: by itself)."""
    if not isinstance(obj, unittest.mock.NonCallableMock):
        obj = getattr(obj, "__func__", obj)
    return asyncio.iscoroutinefunction(obj) or iscoroutinefunction(obj)


def _spec_coroutines(spec: Any) -> FrozenSet[str]:
    """The names of ``spec``'s attributes that are coroutine functions
    (found without running properties, as unittest.mock does from 3.12)."""
    if spec is None or isinstance(spec, (list, tuple)):
        return frozenset()
    names = set()
    for name in dir(spec):
        try:
            attribute = inspect.getattr_static(spec, name)
            # A decorator's wrapper may be marked (@coroutine) or the
            # function it wraps (functools.wraps around an async def).
            if is_coroutine_function(attribute) or is_coroutine_function(
                inspect.unwrap(getattr(attribute, "__func__", attribute))
            ):
                names.add(name)
        except Exception:  # an odd __getattr__ or __wrapped__ chain: not a coroutine
            continue
    return frozenset(names)


class _SpecCoroutines(object):
    """Children that are ``CoroutineMock`` where the spec has a coroutine
    function or for ``__aenter__``/``__aexit__``/``__anext__``, and
    children of genloop's classes otherwise (mixed in first)."""

    def _mock_add_spec(self, spec: Any, *args: Any, **kwargs: Any) -> None:
        _stock.NonCallableMock._mock_add_spec(self, spec, *args, **kwargs)
        self.__dict__[_SPEC_COROUTINES] = _spec_coroutines(spec)

    def _get_child_mock(self, **kw: Any) -> Any:
        state = self.__dict__
        if state.get("_mock_sealed"):
            # unittest.mock raises the AttributeError naming the attribute.
            return _stock.NonCallableMock._get_child_mock(self, **kw)
        name = kw.get("_new_name")
        if name in state.get(_SPEC_COROUTINES, ()):
            return CoroutineMock(**kw)
        if isinstance(self, CoroutineMock):
            return MagicMock(**kw)
        if isinstance(self, unittest.mock.MagicMixin):
            if name in _ASYNC_MAGIC_COROUTINES:
                if name == "__aexit__":
                    kw.setdefault("return_value", False)
                return CoroutineMock(**kw)
            if name == "__aiter__" and not _STOCK_ASYNC_MAGICS:
                child = MagicMock(**kw)
                child.side_effect = _async_iterator_over(child)
                return child
        if not isinstance(self, unittest.mock.CallableMixin):
            if isinstance(self, unittest.mock.MagicMixin):
                return MagicMock(**kw)
            return Mock(**kw)
        # unittest.mock makes a subclass of the mock's class per instance.
        return type(self).__mro__[1](**kw)


class _AsyncMagics(object):
    """``__aenter__``, ``__aexit__``, ``__aiter__`` and ``__anext__`` on a
    ``MagicMock`` before 3.8, as ``unittest.mock.MagicMixin`` sets the
    other magic methods (mixed in first)."""

    def _mock_set_magics(self) -> None:
        super_: Any = super()
        super_._mock_set_magics()
        if _STOCK_ASYNC_MAGICS:
            return
        kind = type(self)
        methods = self.__dict__.get("_mock_methods")
        names = _ASYNC_MAGICS if methods is None else _ASYNC_MAGICS.intersection(methods)
        for name in _ASYNC_MAGICS - names:
            if name in kind.__dict__:
                delattr(kind, name)
        for name in names - set(kind.__dict__):
            setattr(kind, name, _stock.MagicProxy(name, self))

    def __setattr__(self, name: str, value: Any) -> None:
        methods = self.__dict__.get("_mock_methods")
        if _STOCK_ASYNC_MAGICS or name not in _ASYNC_MAGICS or (
            methods is not None and name not in methods
        ):
            super().__setattr__(name, value)
            return
        # As unittest.mock sets a magic method: on the mock's own class,
        # where the interpreter looks it up.
        if _stock._is_instance_mock(value):
            _stock._check_and_set_parent(self, value, None, name)
            setattr(type(self), name, value)
            self.__dict__["_mock_children"][name] = value
        else:
            setattr(type(self), name, _stock._get_method(name, value))
            original = value

            def value(*args: Any, **kwargs: Any) -> Any:
                return original(self, *args, **kwargs)

        object.__setattr__(self, name, value)


def _async_iterator_over(aiter_mock: Any) -> Callable[..., Any]:
    """The ``side_effect`` of a ``__aiter__`` mock: an asynchronous
    iterator over its ``return_value`` (nothing by default)."""

    def __aiter__(*args: Any, **kwargs: Any) -> "_AsyncIterator":
        values = aiter_mock._mock_return_value
        return _AsyncIterator(iter([]) if values is unittest.mock.DEFAULT else iter(values))

    return __aiter__


class _AsyncIterator(object):
    def __init__(self, values: Iterator[Any]) -> None:
        self._values = values

    def __aiter__(self) -> "_AsyncIterator":
        return self

    async def __anext__(self) -> Any:
        try:
            return next(self._values)
        except StopIteration:
            pass
        raise StopAsyncIteration


class NonCallableMock(_SpecCoroutines, unittest.mock.NonCallableMock):
    """``unittest.mock.NonCallableMock`` whose spec's coroutine functions
    are ``CoroutineMock`` (see the module docstring)."""


class Mock(_SpecCoroutines, unittest.mock.Mock):
    """``unittest.mock.Mock`` whose spec's coroutine functions are
    ``CoroutineMock`` (see the module docstring)."""


class NonCallableMagicMock(
    _AsyncMagics, _SpecCoroutines, unittest.mock.NonCallableMagicMock
):
    """``unittest.mock.NonCallableMagicMock`` with asynctest's coroutine
    attributes and asynchronous magic methods (see the module docstring)."""


class MagicMock(_AsyncMagics, _SpecCoroutines, unittest.mock.MagicMock):
    """``unittest.mock.MagicMock`` with asynctest's coroutine attributes and
    asynchronous magic methods (see the module docstring)."""


class CoroutineMock(_SpecCoroutines, unittest.mock.Mock):
    """A mock coroutine function (see the module docstring)."""

    def __init__(self, *args: Any, **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        # Through __dict__: a spec_set mock refuses attributes its spec lacks.
        state = self.__dict__
        state["_is_coroutine"] = _seam.IS_COROUTINE_MARKER
        state["_await_state"] = _AwaitState(self)
        if _versions.HAS_MARK_COROUTINE_FUNCTION:
            state["_is_coroutine_marker"] = None
            inspect.markcoroutinefunction(self)  # type: ignore[attr-defined]

    # (Not 'self': a call may pass a keyword argument by that name.)
    def __call__(_mock_self, *args: Any, **kwargs: Any) -> Any:
        try:
            outcome = super().__call__(*args, **kwargs)
        except StopIteration:
            raise
        except BaseException as error:
            return _await_outcome(_mock_self, _mock_self.call_args, None, error)
        return _await_outcome(_mock_self, _mock_self.call_args, outcome, None)

    @property
    def await_count(self) -> int:
        """How many times a call's coroutine was awaited to its end."""
        return len(self.__dict__["_await_state"].args_list)

    @property
    def await_args(self) -> Any:
        """The call whose coroutine was awaited last (None: never)."""
        args_list = self.__dict__["_await_state"].args_list
        return args_list[-1] if args_list else None

    @property
    def await_args_list(self) -> List[Any]:
        """The calls whose coroutines were awaited, in the order they ended."""
        return self.__dict__["_await_state"].args_list  # type: ignore[no-any-return]

    @property
    def awaited(self) -> "_AwaitState":
        """True once awaited; ``await mock.awaited.wait()`` waits for it."""
        return self.__dict__["_await_state"]  # type: ignore[no-any-return]

    def reset_mock(self, *args: Any, **kwargs: Any) -> None:
        """As ``Mock.reset_mock``, and forget the awaits."""
        super().reset_mock(*args, **kwargs)
        self.__dict__["_await_state"] = _AwaitState(self)

    # -- assertions -----------------------------------------------------------

    def assert_awaited(self) -> None:
        if self.await_count == 0:
            raise AssertionError("Expected {!r} to have been awaited.".format(self))

    def assert_awaited_once(self) -> None:
        if self.await_count != 1:
            raise AssertionError(
                "Expected {!r} to have been awaited once. Awaited {} times.".format(
                    self, self.await_count
                )
            )

    def assert_awaited_with(self, *args: Any, **kwargs: Any) -> None:
        expected = unittest.mock.call(*args, **kwargs)
        if self.await_args is None:
            raise AssertionError("Expected await: {}\nNot awaited".format(expected))
        if self.await_args != expected:
            raise AssertionError(
                "Expected await: {}\nActual await: {}".format(expected, self.await_args)
            )

    def assert_awaited_once_with(self, *args: Any, **kwargs: Any) -> None:
        self.assert_awaited_once()
        self.assert_awaited_with(*args, **kwargs)

    def assert_any_await(self, *args: Any, **kwargs: Any) -> None:
        expected = unittest.mock.call(*args, **kwargs)
        if expected not in self.await_args_list:
            raise AssertionError(
                "{} await not found among {}".format(expected, self.await_args_list)
            )

    def assert_has_awaits(self, calls: Any, any_order: bool = False) -> None:
        """The awaits of ``calls`` happened: one after the other (others
        may come before and after), or in any order."""
        expected = list(calls)
        actual = self.await_args_list
        if any_order:
            left = list(actual)
            missing = []
            for one in expected:
                if one in left:
                    left.remove(one)
                else:
                    missing.append(one)
            if missing:
                raise AssertionError(
                    "{} not all found among the awaits {}".format(missing, actual)
                )
            return
        width = len(expected)
        starts = range(len(actual) - width + 1)
        if not any(actual[start:start + width] == expected for start in starts):
            raise AssertionError(
                "Awaits not found.\nExpected: {}\nActual: {}".format(expected, actual)
            )

    def assert_not_awaited(self) -> None:
        if self.await_count != 0:
            raise AssertionError(
                "Expected {!r} to not have been awaited. Awaited {} times.".format(
                    self, self.await_count
                )
            )


@coroutine
def _await_outcome(
    mock: CoroutineMock, call: Any, outcome: Any, error: Optional[BaseException]
) -> Generator[Any, Any, Any]:
    """The coroutine a call of ``mock`` returns."""
    try:
        if error is not None:
            raise error
        if inspect.isawaitable(outcome):
            return (yield from delegate_to(outcome))
        return outcome
    finally:
        mock.__dict__["_await_state"].note(call)


class _AwaitState(object):
    """The awaits of one mock, and the tasks waiting for more of them."""

    def __init__(self, mock: CoroutineMock) -> None:
        self._mock = mock
        self.args_list: List[Any] = []
        self._waiting: List[Tuple[Callable[[Any], Any], "asyncio.Future[Any]"]] = []

    def __bool__(self) -> bool:
        return bool(self.args_list)

    def note(self, call: Any) -> None:
        self.args_list.append(call)
        still = []
        for predicate, done in self._waiting:
            if done.done():
                continue
            value = predicate(self._mock)
            if value:
                done.set_result(value)
            else:
                still.append((predicate, done))
        self._waiting = still

    def wait(self, skip: int = 0) -> Any:
        """Wait until the mock was awaited more than ``skip`` times."""
        return self.wait_for(lambda mock: mock.await_count > skip)

    def wait_next(self, skip: int = 0) -> Any:
        """Wait for ``skip + 1`` awaits more than counted now."""
        count = self._mock.await_count
        return self.wait_for(lambda mock: mock.await_count > count + skip)

    @coroutine
    def wait_for(self, predicate: Callable[[Any], Any]) -> Generator[Any, Any, Any]:
        """Wait until ``predicate(mock)`` is true after an await (or at
        once), and return its value."""
        value = predicate(self._mock)
        if value:
            return value
        loop = _seam.get_running_loop_or_none()
        if loop is None:
            raise RuntimeError("awaited.wait_for() is to be awaited in a running loop")
        done: "asyncio.Future[Any]" = loop.create_future()
        self._waiting.append((predicate, done))
        return (yield from done)
