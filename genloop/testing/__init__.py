"""Testing legacy and mixed asyncio code on every Python (3.6 to 3.13).

* :class:`VirtualClock` (:mod:`~genloop.testing.clock`): virtual time on
  genloop's loop or asyncio's selector loop; ``asyncio.sleep(3600)`` ends
  at once when every task waits, timers fire in deadline order, I/O works.
* :class:`TestCase`, :class:`ClockedTestCase`, :func:`fail_on`,
  :func:`strict`, :func:`lenient` (:mod:`~genloop.testing.case`): unittest
  tests whose parts may be ``async def`` functions, legacy or plain
  generators; a fresh loop per test; failures for what a test leaves on
  its loop; a real-time limit per async part that names the stuck line.
* :class:`CoroutineMock` (:mod:`~genloop.testing.mocks`): asynctest's mock
  coroutine function, awaitable from every coroutine style.
* :mod:`~genloop.testing.pytest_plugin`: the same for pytest — tests and
  fixtures of every style, ``@pytest.mark.genloop``, ``genloop_mode =
  auto`` — registered by installing genloop, inactive until asked.
* The pieces, for other runners: :class:`LoopWatch`
  (:mod:`~genloop.testing.leaks`), :class:`IsolatedLoop` and
  :func:`stock_event_loop` (:mod:`~genloop.testing.loops`),
  :func:`call_on_loop`, :func:`run_on_loop` and :class:`DeadlineExceeded`
  (:mod:`~genloop.testing.running`).

asynctest (0.12/0.13, unmaintained, broken from 3.11): a suite moves by
changing its imports, one line per module: ``import asynctest`` becomes
``from genloop import testing as asynctest``, ``from asynctest import X``
becomes ``from genloop.testing import X`` (``mock`` included: ``from
asynctest import TestCase, mock`` becomes ``from genloop.testing import
TestCase, mock``) and ``asynctest.mock`` becomes ``genloop.testing.mock``.
Covered:

* ``TestCase``: coroutine tests, ``setUp``/``tearDown`` and cleanups (and
  now generators of every kind), ``self.loop``, ``use_default_loop``,
  ``forbid_get_event_loop``, ``assertAsyncRaises``,
  ``assertAsyncRaisesRegex``, ``assertAsyncWarns``,
  ``assertAsyncWarnsRegex``; also ``asyncSetUp``/``asyncTearDown`` and
  ``addAsyncCleanup`` as ``IsolatedAsyncioTestCase`` names them;
* ``ClockedTestCase.advance(seconds)``, time starting at 0 and moving
  only by ``advance`` (unless ``autojump_threshold`` is set);
* ``fail_on``/``strict``/``lenient`` on classes and methods, with the
  checks ``active_handles`` and ``active_selector_callbacks``, plus
  ``pending_tasks`` and ``loop_errors``; all on by default (asynctest left
  ``active_handles`` off); ``unused_loop=False`` is accepted;
* ``CoroutineMock``: calls, ``side_effect``/``return_value`` as asynctest
  evaluated them, ``await_count``, ``await_args``, ``await_args_list``,
  ``assert_awaited``, ``assert_awaited_once``, ``assert_awaited_with``,
  ``assert_awaited_once_with``, ``assert_any_await``, ``assert_has_awaits``,
  ``assert_not_awaited``, ``awaited.wait()``/``wait_next()``/``wait_for()``,
  ``reset_mock``; its attributes and return value are ``MagicMock``;
* ``Mock``, ``MagicMock``, ``NonCallableMock``, ``NonCallableMagicMock``
  (:mod:`~genloop.testing.mocks`): ``CoroutineMock`` attributes where the
  spec has coroutine functions, ``async with`` and ``async for`` on a
  ``MagicMock``, on every Python;
* ``patch`` (``.object``, ``.multiple``, ``.dict``, ``.stopall``) and
  ``create_autospec`` (:mod:`~genloop.testing.patching`): ``CoroutineMock``
  for coroutine functions, decorated coroutine functions and generators
  patched until they end (asynctest's default ``scope=GLOBAL``);
* ``exhaust_callbacks(loop)`` (:mod:`~genloop.testing.callbacks`);
* the ``mock`` module (:mod:`~genloop.testing.mock`: the above with
  ``ANY``, ``DEFAULT``, ``call``, ``sentinel``, ``PropertyMock``,
  ``mock_open``), and unittest's names asynctest re-exported
  (``TestSuite``, ``skip``, ``skipIf``, ``main``...).

Not covered: ``fail_on(unused_loop=True)`` and ``ignore_loop``;
``TestCase.with_timeout`` and ``default_timeout`` (``TestCase.timeout``
limits every async part instead); coroutine ``setUpClass``;
``FunctionTestCase``; ``patch(scope=LIMITED)``; ``return_once``; the
selector and socket mocks (``TestSelector``, ``SocketMock``,
``set_read_ready``).
"""

# unittest's names asynctest's package re-exported (``asynctest.skipIf``).
from unittest import (
    SkipTest,
    TestLoader,
    TestResult,
    TestSuite,
    TextTestResult,
    TextTestRunner,
    defaultTestLoader,
    expectedFailure,
    main,
    skip,
    skipIf,
    skipUnless,
)

from . import mock
from .callbacks import exhaust_callbacks
from .case import ClockedTestCase, TestCase, fail_on, lenient, strict
from .clock import VirtualClock
from .leaks import CHECKS, LoopWatch
from .loops import IsolatedLoop, stock_event_loop
from .mock import (
    ANY,
    DEFAULT,
    MagicMock,
    Mock,
    NonCallableMagicMock,
    NonCallableMock,
    PropertyMock,
    call,
    create_autospec,
    mock_open,
    patch,
    sentinel,
)
from .mocks import CoroutineMock
from .running import DeadlineExceeded, call_on_loop, run_on_loop

__all__ = [
    "ANY",
    "CHECKS",
    "ClockedTestCase",
    "CoroutineMock",
    "DEFAULT",
    "DeadlineExceeded",
    "IsolatedLoop",
    "LoopWatch",
    "MagicMock",
    "Mock",
    "NonCallableMagicMock",
    "NonCallableMock",
    "PropertyMock",
    "SkipTest",
    "TestCase",
    "TestLoader",
    "TestResult",
    "TestSuite",
    "TextTestResult",
    "TextTestRunner",
    "VirtualClock",
    "call",
    "call_on_loop",
    "create_autospec",
    "defaultTestLoader",
    "exhaust_callbacks",
    "expectedFailure",
    "fail_on",
    "lenient",
    "main",
    "mock",
    "mock_open",
    "patch",
    "run_on_loop",
    "sentinel",
    "skip",
    "skipIf",
    "skipUnless",
    "stock_event_loop",
    "strict",
]
