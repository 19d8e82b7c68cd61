"""Putting genloop under CPython's own asyncio tests.

Three things make a ``test.test_asyncio`` module run on genloop:

* the event loop policy: ``asyncio.new_event_loop()``, ``asyncio.run()``,
  ``asyncio.Runner`` and ``unittest.IsolatedAsyncioTestCase`` then make
  genloop loops (checked before every test, because tests reset the policy);
* the virtual-time test loop ``test_utils.TestLoop`` that ``new_test_loop()``
  makes: replaced by :class:`GenloopTestLoop` (``testloop="genloop"``), which
  is genloop's scheduling core (``call_at``, the timer heap, ``_run_once``,
  ``run_forever``, ``create_task``) driven by the test's time generator, so
  the Task, Future, locks and gather tests exercise genloop's loop and
  genloop's Task; or kept, with genloop's task factory
  (``testloop="factory"``), where a module tests the stock loop's own
  plumbing through it;
* the classes parametrised by the class under test (``Task = ...``,
  ``create_event_loop()``), built in ``_families.py``.
"""

import asyncio
import types

import genloop


def install_policy():
    """Make genloop's policy the current one, unless it already is: a test
    module resets the policy in ``tearDownModule`` and some tests set their
    own, but within a module the policy object lives on from test to test as
    it does under regrtest (tests depend on that, e.g. on
    ``set_event_loop()`` having been called)."""
    if not isinstance(asyncio.get_event_loop_policy(), genloop.EventLoopPolicy):
        asyncio.set_event_loop_policy(genloop.EventLoopPolicy())


def make_genloop_test_loop(test_utils):
    """A genloop loop with the virtual clock and fake I/O of
    ``test_utils.TestLoop``, built from that class as this Python has it."""
    stock = test_utils.TestLoop

    class GenloopTestLoop(genloop.EventLoop):
        """genloop.EventLoop on ``test_utils.TestSelector``, with the time
        of ``TestLoop``: each ``call_at()`` sends its deadline to the
        test's generator after the iteration, which answers how far to
        advance the clock."""

        def __init__(self, gen=None):
            self.readers = {}
            self.writers = {}
            self.reset_counters()
            super().__init__(test_utils.TestSelector())
            if gen is None:
                def gen():
                    yield
                self._check_on_close = False
            else:
                self._check_on_close = True
            self._gen = gen()
            next(self._gen)
            self._time = 0
            self._clock_resolution = 1e-9
            self._virtual_deadlines = []

        def time(self):
            return self._time

        def close(self):
            super().close()
            if self._check_on_close:
                try:
                    self._gen.send(0)
                except StopIteration:
                    pass
                else:  # pragma: no cover
                    raise AssertionError("Time generator is not finished")

        def _run_once(self):
            super()._run_once()
            for when in self._virtual_deadlines:
                self.advance_time(self._gen.send(when))
            self._virtual_deadlines = []

        def call_at(self, when, callback, *args, **kwargs):
            self._virtual_deadlines.append(when)
            return super().call_at(when, callback, *args, **kwargs)

        # No self-pipe and no real I/O, as TestLoop.
        def _make_self_pipe(self):
            pass

        def _close_self_pipe(self):
            pass

        def _write_to_self(self):
            pass

        def _process_events(self, event_list):
            pass

    # The fake-I/O helpers (readers, writers, assert_reader, counters...)
    # come from TestLoop itself; methods that use super() are the ones
    # written above.
    for name, value in vars(stock).items():
        if name in vars(GenloopTestLoop) or not isinstance(value, types.FunctionType):
            continue
        if "__class__" in value.__code__.co_freevars:
            raise RuntimeError(
                "test_utils.TestLoop.{} uses super(): GenloopTestLoop must "
                "define it".format(name)
            )
        setattr(GenloopTestLoop, name, value)
    return GenloopTestLoop


def make_factory_test_loop(test_utils):
    """The stock ``TestLoop`` making genloop Tasks."""
    stock = test_utils.TestLoop

    class FactoryTestLoop(stock):
        def __init__(self, *args, **kwargs):
            super().__init__(*args, **kwargs)
            self.set_task_factory(genloop.task_factory)

    FactoryTestLoop.__name__ = FactoryTestLoop.__qualname__ = "TestLoop"
    return FactoryTestLoop


def install_test_loop(test_utils, mode):
    """Replace ``test_utils.TestLoop`` (what ``new_test_loop()`` makes)."""
    if mode == "genloop":
        test_utils.TestLoop = make_genloop_test_loop(test_utils)
    elif mode == "factory":
        test_utils.TestLoop = make_factory_test_loop(test_utils)
    elif mode != "stock":
        raise ValueError("unknown test loop mode {!r}".format(mode))
