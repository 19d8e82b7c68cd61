"""``TestCase``: unittest tests whose methods may be coroutines of any
style, each test on a fresh loop, failing on what it leaves behind; and
``ClockedTestCase``, the same on virtual time.

Any of a test's parts — the test method, ``setUp``/``tearDown``,
``asyncSetUp``/``asyncTearDown``, a cleanup — may be an ``async def``
function, a ``@genloop.coroutine`` (or ``@asyncio.coroutine``) generator
function, a plain generator function using ``yield from``, or a plain
function.  The order is unittest's and ``IsolatedAsyncioTestCase``'s:
``setUp``, ``asyncSetUp``, the test, ``asyncTearDown``, ``tearDown``, then
the cleanups, last added first.  This is built on ``unittest.TestCase``
alone (not on ``IsolatedAsyncioTestCase``, which 3.6 and 3.7 lack), so it
behaves the same on every Python; each async part runs to its end as a
genloop task in one ``contextvars`` context shared by the whole test.

Each test gets a new loop, made by ``loop_factory`` (genloop's loop; set
``loop_factory = genloop.testing.stock_event_loop`` for asyncio's loop
with genloop's tasks), in debug mode (``loop_debug``), set as the current
loop and closed after the cleanups, when the previous current loop and
policy are set back.  The test fails, naming each thing and where it was
made, when it leaves a task pending, a callback or timer scheduled, a file
descriptor watched, or made the loop report an error (an exception nobody
retrieved, a failed callback); ``fail_on``, ``strict`` and ``lenient``
choose the checks.  Each async part has ``timeout`` real seconds, after
which it fails with the line it was stuck at.

What of asynctest this covers, and what not: see :mod:`genloop.testing`.
"""

import asyncio
import contextlib
import functools
import unittest
from typing import Any, Callable, Dict, Iterator, List, Optional, TypeVar, overload

from .._context import copy_context
from ..coroutines import coroutine
from ..runners import new_event_loop
from .clock import VirtualClock
from .leaks import CHECKS, leftovers_message
from .loops import IsolatedLoop
from .running import call_on_loop, delegate_to

__all__ = ["TestCase", "ClockedTestCase", "fail_on", "strict", "lenient"]

_T = TypeVar("_T")

#: Where fail_on() keeps its settings, on a class or a test method.
_CHECKS_ATTRIBUTE = "_genloop_testing_checks"

_MISSING = object()


def fail_on(**checks: bool) -> Callable[[_T], _T]:
    """Turn checks on (True) or off (False) for a TestCase class (and its
    subclasses) or one test method; a method's settings win over its
    class's.  Checks: see :mod:`genloop.testing.leaks`."""
    if checks.pop("unused_loop", False):
        raise ValueError(
            "fail_on(unused_loop=True), asynctest's check that the loop ran, is not "
            "supported: a coroutine test always runs its loop"
        )
    unknown = set(checks) - CHECKS
    if unknown:
        raise ValueError(
            "unknown checks {}: choose among {}".format(sorted(unknown), sorted(CHECKS))
        )

    def decorate(target: _T) -> _T:
        settings = dict(getattr(target, _CHECKS_ATTRIBUTE, {}))
        settings.update(checks)
        setattr(target, _CHECKS_ATTRIBUTE, settings)
        return target

    return decorate


@overload
def strict(target: None = None) -> Callable[[_T], _T]: ...


@overload
def strict(target: _T) -> _T: ...


def strict(target: Any = None) -> Any:
    """Every check on (``@strict`` or ``@strict()``)."""
    decorate = fail_on(**{name: True for name in CHECKS})
    return decorate if target is None else decorate(target)


@overload
def lenient(target: None = None) -> Callable[[_T], _T]: ...


@overload
def lenient(target: _T) -> _T: ...


def lenient(target: Any = None) -> Any:
    """Every check off (``@lenient`` or ``@lenient()``)."""
    decorate = fail_on(**{name: False for name in CHECKS})
    return decorate if target is None else decorate(target)


class TestCase(unittest.TestCase):
    """A ``unittest.TestCase`` whose parts may be coroutines of any style
    (see the module docstring)."""

    #: Makes each test's loop (read from the class: a plain function will do).
    loop_factory: Callable[[], asyncio.AbstractEventLoop] = new_event_loop
    #: Run the loop in debug mode: leak reports then say where things were made.
    loop_debug = True
    #: Real seconds each async part may take (None: no limit).
    timeout: Optional[float] = 30.0
    #: asynctest: use the current loop (``asyncio.get_event_loop()``), and
    #: leave it open, instead of a new loop per test.
    use_default_loop = False
    #: asynctest: make ``asyncio.get_event_loop()`` outside a running loop
    #: fail the test.
    forbid_get_event_loop = False
    #: The test's loop, while it runs.
    loop: Optional[asyncio.AbstractEventLoop] = None

    _isolated: Optional[IsolatedLoop] = None
    _context: Any = None

    def run(self, result: Any = None) -> Any:
        with self._parts_on_loop():
            return super().run(result)

    def debug(self) -> None:
        with self._parts_on_loop():
            super().debug()

    async def asyncSetUp(self) -> None:
        """Set up after ``setUp``, on the test's loop."""

    async def asyncTearDown(self) -> None:
        """Tear down before ``tearDown``, on the test's loop."""

    def addCleanup(self, __function: Callable[..., Any], *args: Any, **kwargs: Any) -> None:
        """As unittest's; the function may also be a coroutine function,
        which runs on the test's loop."""
        super().addCleanup(self._call, functools.partial(__function, *args, **kwargs))

    def addAsyncCleanup(self, __function: Callable[..., Any], *args: Any, **kwargs: Any) -> None:
        """``addCleanup``, by the name ``IsolatedAsyncioTestCase`` has."""
        self.addCleanup(__function, *args, **kwargs)

    def take_loop_errors(self) -> List[Dict[str, Any]]:
        """The contexts the loop's exception handler got so far, which no
        longer fail the test: for a test that expects an error."""
        isolated = self._isolated
        return isolated.watch.take_errors() if isolated is not None else []

    @coroutine
    def assertAsyncRaises(self, exception: Any, awaitable: Any) -> Any:
        """Await ``awaitable``, which must raise ``exception``; returns the
        context, whose ``exception`` is what was raised."""
        with self.assertRaises(exception) as context:
            yield from delegate_to(awaitable)
        return context

    @coroutine
    def assertAsyncRaisesRegex(self, exception: Any, regex: Any, awaitable: Any) -> Any:
        """``assertAsyncRaises``, the message matching ``regex``."""
        with self.assertRaisesRegex(exception, regex) as context:
            yield from delegate_to(awaitable)
        return context

    @coroutine
    def assertAsyncWarns(self, warning: Any, awaitable: Any) -> Any:
        """Await ``awaitable``, which must warn ``warning``; returns the
        context."""
        with self.assertWarns(warning) as context:
            yield from delegate_to(awaitable)
        return context

    @coroutine
    def assertAsyncWarnsRegex(self, warning: Any, regex: Any, awaitable: Any) -> Any:
        """``assertAsyncWarns``, the message matching ``regex``."""
        with self.assertWarnsRegex(warning, regex) as context:
            yield from delegate_to(awaitable)
        return context

    # -- the test's parts on its loop -----------------------------------------

    def _new_clock(self) -> Optional[VirtualClock]:
        """The clock to install on the test's loop (None: the loop's own)."""
        return None

    @contextlib.contextmanager
    def _parts_on_loop(self) -> Iterator[None]:
        """While unittest runs the test: ``setUp``, ``tearDown`` and the test
        method, as this instance's attributes, run their parts on the loop
        (the one hook every Python's unittest calls the same way)."""
        name = self._testMethodName
        attributes = ("setUp", "tearDown", name)
        saved = {attribute: vars(self).get(attribute, _MISSING) for attribute in attributes}
        set_up, tear_down, test = self.setUp, self.tearDown, getattr(self, name)

        def set_up_on_loop() -> None:
            self._open_loop()
            self._call(set_up)
            if type(self).asyncSetUp is not TestCase.asyncSetUp:
                self._call(self.asyncSetUp)

        def tear_down_on_loop() -> None:
            if type(self).asyncTearDown is not TestCase.asyncTearDown:
                self._call(self.asyncTearDown)
            self._call(tear_down)

        @functools.wraps(test)
        def test_on_loop() -> Any:
            return self._call(test)

        vars(self).update(zip(attributes, (set_up_on_loop, tear_down_on_loop, test_on_loop)))
        try:
            yield
        finally:
            for attribute, value in saved.items():
                if value is _MISSING:
                    del vars(self)[attribute]
                else:
                    vars(self)[attribute] = value
            isolated, self._isolated = self._isolated, None
            if isolated is not None:
                # The cleanups did not run (debug() after a failure, Ctrl-C).
                self.loop = None
                isolated.release()

    def _open_loop(self) -> None:
        if self.use_default_loop:
            loop = asyncio.get_event_loop()
        else:
            loop = type(self).loop_factory()
            loop.set_debug(self.loop_debug)
        try:
            self._isolated = IsolatedLoop(
                loop,
                owned=not self.use_default_loop,
                checks=self._checks(),
                clock=self._new_clock(),
                forbid_get_event_loop=self.forbid_get_event_loop,
                timeout=self.timeout,
            )
        except BaseException:
            if not self.use_default_loop:
                loop.close()
            raise
        self._context = copy_context()
        self.loop = loop
        super().addCleanup(self._finish_loop)  # added first: runs last

    def _checks(self) -> List[str]:
        settings = dict(getattr(type(self), _CHECKS_ATTRIBUTE, {}))
        method = getattr(type(self), self._testMethodName, None)
        settings.update(getattr(method, _CHECKS_ATTRIBUTE, {}))
        return [name for name in sorted(CHECKS) if settings.get(name, True)]

    def _call(self, function: Callable[[], Any]) -> Any:
        isolated = self._isolated
        return call_on_loop(
            isolated.loop if isolated is not None else None,
            function,
            timeout=self.timeout,
            context=self._context,
        )

    def _finish_loop(self) -> None:
        isolated, self._isolated = self._isolated, None
        self.loop = None
        found = isolated.finish() if isolated is not None else []
        if found:
            raise self.failureException(leftovers_message(self.id(), found))


class ClockedTestCase(TestCase):
    """A :class:`TestCase` whose loop runs on a :class:`VirtualClock`
    starting at 0: ``await self.advance(seconds)`` lets time pass."""

    #: The clock's ``autojump_threshold``: None (asynctest's behaviour) moves
    #: time only by ``advance``; 0 also jumps whenever every task waits.
    autojump_threshold: Optional[float] = None
    #: The test's clock, from its set-up on.
    clock: Optional[VirtualClock] = None

    def _new_clock(self) -> Optional[VirtualClock]:
        self.clock = VirtualClock(start=0.0, autojump_threshold=self.autojump_threshold)
        return self.clock

    def advance(self, seconds: float) -> "asyncio.Future[None]":
        """Let ``seconds`` of virtual time pass (to ``await`` or ``yield
        from``): the timers due meanwhile fire in order, each at its own
        time, and what they schedule runs, before it returns."""
        if self.clock is None or self.clock.loop is None:
            raise RuntimeError("advance() is for a running test, on its loop")
        return self.clock.elapse(seconds)
