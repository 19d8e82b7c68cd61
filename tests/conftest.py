"""Shared fixtures: the loops every async test runs on, virtual time, and a
guard that fails a test whose loop reported an error nobody expected.

Each test that takes ``loop`` runs twice: on genloop's own loop and on the
stock asyncio loop with ``genloop.task_factory`` (same engine, other
scheduler).  Tests that need one of them ask for ``genloop_loop`` or
``stock_factory_loop``.
"""

import asyncio

import pytest

import genloop
import genloop.compat
from genloop.compat import usage

LOOP_KINDS = ("genloop", "stock+factory")

#: Besides: asyncio's own loop with asyncio's own tasks ("stock"), for the
#: compat layer's tests (``stock_loop``).


def make_loop(kind):
    if kind == "genloop":
        return genloop.new_event_loop()
    if kind == "stock+factory":
        loop = asyncio.new_event_loop()
        loop.set_task_factory(genloop.task_factory)
        return loop
    if kind == "stock":
        return asyncio.new_event_loop()
    raise ValueError("unknown loop kind {!r}".format(kind))


class ReportedErrors(object):
    """The contexts passed to the loop's exception handler during a test.

    A test that expects reports takes the ``reported_errors`` fixture and
    calls ``take()``; any report left over fails the test.
    """

    def __init__(self):
        self.contexts = []

    def handler(self, loop, context):
        self.contexts.append(context)

    def take(self):
        taken, self.contexts = self.contexts, []
        return taken


@pytest.fixture
def reported_errors():
    return ReportedErrors()


def _open_loop(kind, reported_errors):
    loop = make_loop(kind)
    loop.set_exception_handler(reported_errors.handler)
    asyncio.set_event_loop(loop)
    return loop


def _close_loop(loop, reported_errors):
    try:
        if not loop.is_closed():
            loop.run_until_complete(loop.shutdown_asyncgens())
    finally:
        asyncio.set_event_loop(None)
        loop.close()
    leftover = reported_errors.take()
    assert not leftover, "the loop reported errors: {!r}".format(leftover)


#: Where a legacy API still exists (3.6-3.10) the compat layer leaves it, and
#: Python's own deprecation warning, alone: test modules of legacy code hide
#: them (``pytestmark``) as ``genloop run`` does.
HIDE_PYTHON_LEGACY_WARNINGS = [
    pytest.mark.filterwarnings("ignore:{}:{}".format(message, category))
    for message in usage.PYTHON_LEGACY_WARNINGS
    for category in ("DeprecationWarning", "PendingDeprecationWarning")
]


@pytest.fixture
def compat():
    """genloop.compat installed for one test."""
    genloop.compat.install()
    yield
    genloop.compat.uninstall()


@pytest.fixture(params=LOOP_KINDS)
def loop_kind(request):
    return request.param


@pytest.fixture
def loop(loop_kind, reported_errors):
    """A fresh loop of each kind, closed after the test."""
    loop = _open_loop(loop_kind, reported_errors)
    yield loop
    _close_loop(loop, reported_errors)


@pytest.fixture
def genloop_loop(reported_errors):
    loop = _open_loop("genloop", reported_errors)
    yield loop
    _close_loop(loop, reported_errors)


@pytest.fixture
def stock_factory_loop(reported_errors):
    loop = _open_loop("stock+factory", reported_errors)
    yield loop
    _close_loop(loop, reported_errors)


@pytest.fixture
def stock_loop(reported_errors):
    """asyncio's own loop and tasks: nothing of genloop but what a test installs."""
    loop = _open_loop("stock", reported_errors)
    yield loop
    _close_loop(loop, reported_errors)


class VirtualClock(object):
    """Replaces a loop's clock: waiting for a timer advances the clock at
    once instead of sleeping, so timing tests are exact and instant.

    I/O is still polled (without blocking while a timer is pending).
    """

    def __init__(self, loop):
        self.now = 1000.0
        self._select = loop._selector.select
        loop.time = self.time
        loop._selector.select = self.select

    def time(self):
        return self.now

    def advance(self, seconds):
        self.now += seconds

    def select(self, timeout=None):
        if timeout is None:
            return self._select(None)
        events = self._select(0)
        if not events and timeout > 0:
            self.now += timeout
        return events


@pytest.fixture
def clock(loop):
    """Virtual time on ``loop``."""
    return VirtualClock(loop)
