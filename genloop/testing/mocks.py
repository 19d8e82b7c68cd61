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
against a ``spec``'s signature.  Attributes and the default
``return_value`` are ``CoroutineMock`` themselves, as with asynctest.
``asyncio.iscoroutinefunction(mock)`` is true, and so is
``inspect.iscoroutinefunction(mock)`` from 3.12.
"""

import asyncio
import inspect
import unittest.mock
from typing import Any, Callable, Generator, List, Optional, Tuple

from .. import _seam, _versions
from ..coroutines import coroutine
from .running import delegate_to

__all__ = ["CoroutineMock"]


class CoroutineMock(unittest.mock.Mock):
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
