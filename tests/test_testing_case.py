"""genloop.testing.TestCase, ClockedTestCase and CoroutineMock: test cases
are defined inside each test and run with unittest's own runner; the tests
assert on the unittest result.
"""

import asyncio
import inspect
import sys
import unittest
import warnings

import pytest

import genloop
from genloop import testing

needs_contextvars = pytest.mark.skipif(
    sys.version_info < (3, 7), reason="contextvars are 3.7+"
)

#: A short limit for the tests that get stuck on purpose.
SHORT = 0.3


def run_case(case_class, *names):
    """Run the named tests of ``case_class``; the unittest result."""
    result = unittest.TestResult()
    unittest.TestSuite([case_class(name) for name in names]).run(result)
    return result


def problems(result):
    """Every failure and error message, one text."""
    return "\n".join(text for _, text in result.failures + result.errors)


def assert_passed(result, count):
    assert result.testsRun == count, problems(result)
    assert not result.failures and not result.errors, problems(result)


@genloop.coroutine
def legacy_value(value):
    yield from asyncio.sleep(0)
    return value


def plain_value(value):
    """An undecorated generator: it waits by yielding a task to its task."""
    yield from asyncio.ensure_future(asyncio.sleep(0))
    return value


@pytest.fixture(params=["genloop", "stock+factory"])
def loop_factory(request):
    return genloop.new_event_loop if request.param == "genloop" else testing.stock_event_loop


# -- test methods of every style -------------------------------------------------


def test_async_legacy_and_plain_generator_tests_run_on_the_loop(loop_factory):
    seen = []

    class Case(testing.TestCase):
        async def test_native(self):
            seen.append(("native", await legacy_value(1) + await asyncio.sleep(0, 1)))

        @genloop.coroutine
        def test_legacy(self):
            seen.append(("legacy", (yield from legacy_value(2))))

        def test_plain_generator(self):
            seen.append(("plain", (yield from plain_value(3))))

        def test_tornado_style(self):
            seen.append(("tornado", (yield legacy_value(4))))

        def test_synchronous(self):
            seen.append(("sync", self.loop.run_until_complete(legacy_value(5))))

    Case.loop_factory = loop_factory
    Case.timeout = 60
    names = ["test_native", "test_legacy", "test_plain_generator", "test_tornado_style"]
    names.append("test_synchronous")
    result = run_case(Case, *names)
    assert_passed(result, 5)
    assert seen == [("native", 2), ("legacy", 2), ("plain", 3), ("tornado", 4), ("sync", 5)]


def test_each_test_gets_a_fresh_current_loop_closed_after(loop_factory):
    loops = []

    class Case(testing.TestCase):
        async def test_one(self):
            loops.append((self.loop, asyncio.get_event_loop(), genloop.current_task()))

        def test_two(self):
            loops.append((self.loop, asyncio.get_event_loop(), None))

    Case.loop_factory = loop_factory
    asyncio.set_event_loop(None)
    result = run_case(Case, "test_one", "test_two")
    assert_passed(result, 2)
    (first, current_first, task), (second, current_second, _) = loops
    assert first is current_first and second is current_second and first is not second
    assert isinstance(task, genloop.Task)
    assert first.is_closed() and second.is_closed()
    assert first.get_debug()
    stock = loop_factory is testing.stock_event_loop
    assert isinstance(first, asyncio.SelectorEventLoop if stock else genloop.EventLoop)
    with pytest.raises(RuntimeError):
        asyncio.get_event_loop()  # the previous state: set to None


# -- the order of the parts -------------------------------------------------------


def _part(kind, name, calls):
    """A set-up, tear-down or cleanup function of ``kind`` that records ``name``."""
    if kind == "sync":

        def part(*args):
            calls.append(name)

    elif kind == "async":

        async def part(*args):
            await asyncio.sleep(0)
            calls.append(name)

    elif kind == "legacy":

        @genloop.coroutine
        def part(*args):
            yield from asyncio.sleep(0)
            calls.append(name)

    else:

        def part(*args):
            yield from plain_value(0)
            calls.append(name)

    return part


@pytest.mark.parametrize("kind", ["sync", "async", "legacy", "plain generator"])
def test_parts_run_in_unittest_order_whatever_their_kind(kind):
    calls = []

    class Case(testing.TestCase):
        setUp = _part(kind, "setUp", calls)
        tearDown = _part(kind, "tearDown", calls)

        async def asyncSetUp(self):
            calls.append("asyncSetUp")
            self.addCleanup(_part(kind, "cleanup 1", calls))
            self.addAsyncCleanup(_part(kind, "cleanup 2", calls))

        async def asyncTearDown(self):
            calls.append("asyncTearDown")

        def test_it(self):
            calls.append("test")
            self.addCleanup(_part(kind, "cleanup 3", calls))

    assert_passed(run_case(Case, "test_it"), 1)
    assert calls == [
        "setUp",
        "asyncSetUp",
        "test",
        "asyncTearDown",
        "tearDown",
        "cleanup 3",
        "cleanup 2",
        "cleanup 1",
    ]


def test_cleanups_get_their_arguments_and_a_failing_part_still_runs_them():
    calls = []

    class Case(testing.TestCase):
        async def asyncSetUp(self):
            self.addCleanup(self.record, "cleanup", timeout="a keyword of its own")

        async def record(self, what, timeout):
            calls.append((what, timeout))

        async def test_fails(self):
            raise ValueError("boom")

    result = run_case(Case, "test_fails")
    assert len(result.errors) == 1 and "ValueError: boom" in problems(result)
    assert calls == [("cleanup", "a keyword of its own")]


@needs_contextvars
def test_the_whole_test_shares_one_context():
    import contextvars

    variable = contextvars.ContextVar("variable", default="unset")
    seen = []

    class Case(testing.TestCase):
        def setUp(self):
            variable.set("from setUp")

        async def asyncSetUp(self):
            seen.append(variable.get())
            variable.set("from asyncSetUp")

        async def test_it(self):
            seen.append(variable.get())

    assert_passed(run_case(Case, "test_it"), 1)
    assert seen == ["from setUp", "from asyncSetUp"]
    assert variable.get() == "unset"


def test_skips_and_expected_failures_work_as_in_unittest():
    class Case(testing.TestCase):
        @unittest.skip("not today")
        async def test_skipped(self):
            pass

        async def test_skips_itself(self):
            self.skipTest("not now")

        @unittest.expectedFailure
        async def test_expected_to_fail(self):
            self.assertEqual(1, 2)

    result = run_case(Case, "test_skipped", "test_skips_itself", "test_expected_to_fail")
    assert [reason for _, reason in result.skipped] == ["not today", "not now"]
    assert len(result.expectedFailures) == 1
    assert not result.failures and not result.errors


def test_debug_runs_the_test_and_its_parts():
    calls = []

    class Case(testing.TestCase):
        async def asyncSetUp(self):
            calls.append("asyncSetUp")

        async def test_it(self):
            calls.append("test")

    case = Case("test_it")
    case.debug()
    assert calls == ["asyncSetUp", "test"]
    assert case.loop is None


# -- what a test leaves behind ----------------------------------------------------


def test_a_leaked_task_fails_the_test_naming_it_and_the_line_that_made_it(loop_factory):
    async def forever():
        await asyncio.Event().wait()

    class Case(testing.TestCase):
        async def test_leaks(self):
            asyncio.ensure_future(forever())  # the leak

    Case.loop_factory = loop_factory
    result = run_case(Case, "test_leaks")
    assert len(result.failures) == 1, problems(result)
    message = problems(result)
    assert "task still pending" in message
    assert "forever() running at" in message
    assert "in test_leaks\n      asyncio.ensure_future(forever())  # the leak" in message


def test_a_leaked_timer_and_a_left_callback_fail_the_test(loop_factory):
    def never_called():
        pass

    class Case(testing.TestCase):
        def test_leaves_a_timer(self):
            self.loop.call_later(60, never_called)

        def test_leaves_a_callback(self):
            self.loop.call_soon(never_called)

    Case.loop_factory = loop_factory
    result = run_case(Case, "test_leaves_a_timer", "test_leaves_a_callback")
    message = problems(result)
    assert len(result.failures) == 1, message  # the callback runs before the check
    assert "timer still scheduled: <TimerHandle" in message and "never_called()" in message
    assert "test_leaves_a_timer\n      self.loop.call_later(60, never_called)" in message


def test_an_unretrieved_exception_and_a_failed_callback_fail_the_test(loop_factory):
    async def fails():
        raise KeyError("nobody asked")

    def callback_fails():
        raise ZeroDivisionError("in a callback")

    class Case(testing.TestCase):
        async def test_drops_a_failed_task(self):
            self.task = asyncio.ensure_future(fails())
            await asyncio.sleep(0)

        async def test_fails_in_a_callback(self):
            self.loop.call_soon(callback_fails)
            await asyncio.sleep(0)

    Case.loop_factory = loop_factory
    result = run_case(Case, "test_drops_a_failed_task", "test_fails_in_a_callback")
    message = problems(result)
    assert len(result.failures) == 2, message
    assert "nobody retrieved its exception" in message and "KeyError: 'nobody asked'" in message
    assert "the loop reported: Exception in callback" in message
    assert "ZeroDivisionError: in a callback" in message


def test_a_watched_socket_left_open_fails_the_test():
    import socket

    class Case(testing.TestCase):
        def test_forgets_a_reader(self):
            self.left, self.right = socket.socketpair()
            self.addCleanup(self.left.close)
            self.addCleanup(self.right.close)
            self.loop.add_reader(self.left.fileno(), print)

    result = run_case(Case, "test_forgets_a_reader")
    message = problems(result)
    assert "file descriptor" in message and "still watched for reading" in message


def test_fail_on_strict_and_lenient_choose_the_checks():
    def never_called():
        pass

    @testing.lenient
    class Lenient(testing.TestCase):
        def test_leaves_a_timer(self):
            self.loop.call_later(60, never_called)

        @testing.strict
        def test_strict_here(self):
            self.loop.call_later(60, never_called)

    class Selective(testing.TestCase):
        @testing.fail_on(active_handles=False)
        def test_leaves_a_timer(self):
            self.loop.call_later(60, never_called)

    result = run_case(Lenient, "test_leaves_a_timer", "test_strict_here")
    assert [case._testMethodName for case, _ in result.failures] == ["test_strict_here"]
    assert_passed(run_case(Selective, "test_leaves_a_timer"), 1)
    with pytest.raises(ValueError):
        testing.fail_on(unused_loop=True)
    with pytest.raises(ValueError):
        testing.fail_on(no_such_check=True)
    assert testing.fail_on(unused_loop=False)  # asynctest's default, accepted


def test_a_test_may_take_the_errors_it_expects():
    def callback_fails():
        raise ZeroDivisionError("expected")

    class Case(testing.TestCase):
        async def test_expects_an_error(self):
            self.loop.call_soon(callback_fails)
            await asyncio.sleep(0)
            [context] = self.take_loop_errors()
            self.assertIsInstance(context["exception"], ZeroDivisionError)

    assert_passed(run_case(Case, "test_expects_an_error"), 1)


# -- stuck tests and bad input ----------------------------------------------------


def test_a_stuck_test_fails_after_its_timeout_naming_the_line(loop_factory):
    class Case(testing.TestCase):
        timeout = SHORT

        async def test_stuck(self):
            await asyncio.Event().wait()  # never set

        async def test_next(self):
            await asyncio.sleep(0)

    Case.loop_factory = loop_factory
    result = run_case(Case, "test_stuck", "test_next")
    message = problems(result)
    assert len(result.failures) == 1, message
    assert "Case.test_stuck did not finish within 0.3 s (real time): stuck at" in message
    assert "in test_stuck\n    await asyncio.Event().wait()  # never set" in message
    assert "DeadlineExceeded" in message


def test_a_set_up_that_never_finishes_fails_naming_its_line():
    class Case(testing.TestCase):
        timeout = SHORT

        @genloop.coroutine
        def asyncSetUp(self):
            yield from asyncio.get_event_loop().create_future()  # never done

        def test_never_runs(self):
            raise AssertionError("the set-up failed: this must not run")

    result = run_case(Case, "test_never_runs")
    message = problems(result)
    assert len(result.failures) == 1, message
    assert "Case.asyncSetUp did not finish" in message
    assert "yield from asyncio.get_event_loop().create_future()  # never done" in message


def test_a_test_that_ignores_cancellation_is_stopped_and_reported():
    class Case(testing.TestCase):
        timeout = SHORT

        @testing.fail_on(pending_tasks=False)
        @genloop.coroutine
        def test_stubborn(self):
            while True:
                try:
                    yield from asyncio.sleep(3600)
                except asyncio.CancelledError:
                    pass

        async def test_next(self):
            await asyncio.sleep(0)

    result = run_case(Case, "test_stubborn", "test_next")
    message = problems(result)
    # The test's failure, and its cleanup's: the loop could not wind down.
    assert {case._testMethodName for case, _ in result.failures} == {"test_stubborn"}, message
    assert "It ignored its cancellation and was left pending." in message
    assert "winding the loop down failed" in message
    assert not result.errors


def test_a_bad_yield_fails_the_test_at_its_line():
    class Case(testing.TestCase):
        def test_yields_a_number(self):
            yield 42  # not awaitable

    result = run_case(Case, "test_yields_a_number")
    message = problems(result)
    assert "Task got bad yield: 42" in message
    assert "yield 42  # not awaitable" in message


def test_an_async_generator_test_is_refused_by_name():
    class Case(testing.TestCase):
        async def test_async_generator(self):
            yield

    message = problems(run_case(Case, "test_async_generator"))
    assert "Case.test_async_generator is an async generator function" in message


# -- a test that breaks its loop --------------------------------------------------


def test_a_test_that_closes_its_loop_fails_clearly_and_the_next_starts_clean():
    loops = []

    class Case(testing.TestCase):
        def test_closes(self):
            loops.append(self.loop)
            self.loop.close()

        async def test_next(self):
            loops.append(asyncio.get_event_loop())
            await asyncio.sleep(0)

    result = run_case(Case, "test_closes", "test_next")
    message = problems(result)
    assert [case._testMethodName for case, _ in result.failures] == ["test_closes"], message
    assert "the event loop was closed before the test ended" in message
    assert loops[1] is not loops[0] and loops[1].is_closed()


def test_an_async_part_after_the_loop_was_closed_fails_clearly():
    class Case(testing.TestCase):
        def test_closes(self):
            self.loop.close()

        async def asyncTearDown(self):
            pass

    message = problems(run_case(Case, "test_closes"))
    assert "its event loop is closed (was loop.close() called before the test ended?)" in message


def test_a_test_that_unsets_the_current_loop_passes_and_the_state_is_restored():
    outer = genloop.new_event_loop()
    asyncio.set_event_loop(outer)
    seen = []

    class Case(testing.TestCase):
        def test_unsets(self):
            asyncio.set_event_loop(None)

        async def test_next(self):
            seen.append(asyncio.get_event_loop() is self.loop)
            await asyncio.sleep(0)

        def test_sets_a_policy(self):
            asyncio.set_event_loop_policy(genloop.EventLoopPolicy())

    try:
        policy = asyncio.get_event_loop_policy()
        result = run_case(Case, "test_unsets", "test_next", "test_sets_a_policy")
        assert_passed(result, 3)
        assert seen == [True]
        assert asyncio.get_event_loop_policy() is policy
        assert asyncio.get_event_loop() is outer
    finally:
        asyncio.set_event_loop(None)
        outer.close()


# -- asynctest's attributes -------------------------------------------------------


def test_forbid_get_event_loop_fails_a_call_outside_a_running_loop():
    class Case(testing.TestCase):
        forbid_get_event_loop = True

        def test_calls_it(self):
            asyncio.get_event_loop()

        async def test_running_loop_is_fine(self):
            self.assertIs(asyncio.get_event_loop(), self.loop)

    result = run_case(Case, "test_calls_it", "test_running_loop_is_fine")
    message = problems(result)
    assert [case._testMethodName for case, _ in result.failures] == ["test_calls_it"], message
    assert "forbid_get_event_loop" in message


def test_use_default_loop_borrows_the_current_loop_and_leaves_it_open():
    outer = genloop.new_event_loop()
    asyncio.set_event_loop(outer)
    seen = []

    class Case(testing.TestCase):
        use_default_loop = True

        async def test_it(self):
            seen.append(self.loop)

    try:
        assert_passed(run_case(Case, "test_it"), 1)
        assert seen == [outer] and not outer.is_closed()
    finally:
        asyncio.set_event_loop(None)
        outer.close()


def test_assert_async_raises_and_warns():
    async def fails():
        raise ValueError("expected failure")

    async def warns():
        warnings.warn("expected warning", UserWarning)

    class Case(testing.TestCase):
        async def test_native(self):
            context = await self.assertAsyncRaises(ValueError, fails())
            self.assertEqual(str(context.exception), "expected failure")
            await self.assertAsyncRaisesRegex(ValueError, "expected", fails())
            await self.assertAsyncWarns(UserWarning, warns())
            await self.assertAsyncWarnsRegex(UserWarning, "expected", warns())

        def test_plain_generator(self):
            yield from self.assertAsyncRaises(ValueError, fails())

        async def test_not_raising(self):
            await self.assertAsyncRaises(ValueError, asyncio.sleep(0))

    result = run_case(Case, "test_native", "test_plain_generator", "test_not_raising")
    assert [case._testMethodName for case, _ in result.failures] == ["test_not_raising"]
    assert not result.errors, problems(result)


# -- ClockedTestCase --------------------------------------------------------------


def test_clocked_test_case_advance_fires_timers_each_at_its_time(loop_factory):
    fired = []

    class Case(testing.ClockedTestCase):
        def note(self):
            fired.append(self.loop.time())

        async def test_native(self):
            self.assertEqual(self.loop.time(), 0)
            self.loop.call_later(1, self.note)
            self.loop.call_later(2, self.loop.call_later, 1, self.note)
            await self.advance(3)
            self.assertEqual(self.loop.time(), 3)

        def test_legacy(self):
            sleeper = asyncio.ensure_future(asyncio.sleep(10))
            yield from self.advance(9)
            self.assertFalse(sleeper.done())
            yield from self.advance(1)
            self.assertTrue(sleeper.done())

    Case.loop_factory = loop_factory
    assert_passed(run_case(Case, "test_native", "test_legacy"), 2)
    assert fired == [1.0, 3.0]


def test_clocked_test_case_can_jump_by_itself_and_refuses_going_back():
    seen = []

    class Case(testing.ClockedTestCase):
        autojump_threshold = 0.0

        async def test_sleeps_an_hour(self):
            await asyncio.sleep(3600)
            seen.append(self.loop.time())

        def test_negative(self):
            self.advance(-1)

    result = run_case(Case, "test_sleeps_an_hour", "test_negative")
    assert seen == [3600.0]
    assert [case._testMethodName for case, _ in result.errors] == ["test_negative"]
    assert "cannot go back in time" in problems(result)


# -- CoroutineMock ----------------------------------------------------------------


def test_coroutine_mock_is_awaited_from_every_style():
    mock = testing.CoroutineMock(return_value=42)

    class Case(testing.TestCase):
        async def test_native(self):
            self.assertEqual(await mock("native", kind=1), 42)
            mock.assert_awaited_with("native", kind=1)

        @genloop.coroutine
        def test_legacy(self):
            self.assertEqual((yield from mock("legacy")), 42)

        def test_plain_generator(self):
            self.assertEqual((yield from mock("plain")), 42)

        def test_tornado_style(self):
            self.assertEqual((yield mock("tornado")), 42)

    names = ["test_native", "test_legacy", "test_plain_generator", "test_tornado_style"]
    assert_passed(run_case(Case, *names), 4)
    mock.assert_awaited()
    assert mock.await_count == 4
    mock.assert_awaited_with("tornado")
    mock.assert_any_await("native", kind=1)
    mock.assert_has_awaits([unittest.mock.call("legacy"), unittest.mock.call("plain")])
    call = unittest.mock.call
    mock.assert_has_awaits([call("tornado"), call("legacy")], any_order=True)
    assert mock.call_count == 4
    with pytest.raises(AssertionError):
        mock.assert_awaited_once()
    with pytest.raises(AssertionError):
        mock.assert_has_awaits([unittest.mock.call("plain"), unittest.mock.call("legacy")])
    with pytest.raises(AssertionError):
        mock.assert_awaited_with("native")


def test_coroutine_mock_counts_calls_at_once_and_awaits_when_awaited():
    mock = testing.CoroutineMock()
    loop = genloop.new_event_loop()
    try:
        coro = mock(1)
        mock.assert_called_once_with(1)
        mock.assert_not_awaited()
        assert not mock.awaited
        assert asyncio.iscoroutine(coro) and genloop.iscoroutine(coro)
        # As asynctest: what the coroutine returns is a MagicMock, not
        # one more coroutine function.
        result = loop.run_until_complete(coro)
        assert isinstance(result, testing.MagicMock)
        assert not isinstance(result, testing.CoroutineMock)
        mock.assert_awaited_once_with(1)
        assert mock.awaited
        mock.reset_mock()
        mock.assert_not_awaited()
        with pytest.raises(AssertionError):
            mock.assert_awaited_with(1)
        with pytest.raises(AssertionError):
            mock.assert_awaited()
        assert asyncio.iscoroutinefunction(mock) and genloop.iscoroutinefunction(mock)
        if sys.version_info >= (3, 12):
            assert inspect.iscoroutinefunction(mock)
    finally:
        loop.close()


def test_coroutine_mock_side_effects():
    async def doubled(value):
        await asyncio.sleep(0)
        return value * 2

    loop = genloop.new_event_loop()
    try:
        failing = testing.CoroutineMock(side_effect=ValueError("from the mock"))
        call = failing()
        with pytest.raises(ValueError):
            loop.run_until_complete(call)
        failing.assert_awaited_once()

        asynchronous = testing.CoroutineMock(side_effect=doubled)
        assert loop.run_until_complete(asynchronous(21)) == 42

        sequence = testing.CoroutineMock(side_effect=[1, 2])
        assert loop.run_until_complete(sequence()) == 1
        assert loop.run_until_complete(sequence()) == 2
        with pytest.raises(StopIteration):
            sequence()

        future = loop.create_future()
        loop.call_soon(future.set_result, "from a future")
        from_future = testing.CoroutineMock(return_value=future)
        assert loop.run_until_complete(from_future()) == "from a future"
    finally:
        loop.close()


def test_coroutine_mock_awaited_lets_a_test_wait_for_awaits():
    mock = testing.CoroutineMock()

    class Case(testing.TestCase):
        async def test_waits(self):
            async def user():
                for _ in range(3):
                    await asyncio.sleep(0)
                    await mock()

            task = asyncio.ensure_future(user())
            await mock.awaited.wait()
            self.assertEqual(mock.await_count, 1)
            await mock.awaited.wait_next(skip=1)
            self.assertEqual(mock.await_count, 3)
            self.assertEqual(await mock.awaited.wait_for(lambda m: m.await_count), 3)
            await task

    assert_passed(run_case(Case, "test_waits"), 1)


def test_coroutine_mock_as_an_attribute_and_through_patch():
    class Service(object):
        async def fetch(self):
            raise AssertionError("the real one")

    mock = testing.CoroutineMock()
    assert isinstance(mock.child, testing.MagicMock)
    assert not isinstance(mock.child, testing.CoroutineMock)
    service = Service()
    with unittest.mock.patch.object(service, "fetch", new_callable=testing.CoroutineMock) as fetch:
        fetch.return_value = "mocked"
        loop = genloop.new_event_loop()
        try:
            assert loop.run_until_complete(service.fetch()) == "mocked"
        finally:
            loop.close()
    fetch.assert_awaited_once_with()


# -- the pieces, without TestCase (what another runner reuses) ---------------------


def test_an_isolated_loop_runs_parts_and_tells_what_they_left():
    outer_policy = asyncio.get_event_loop_policy()
    loop = genloop.new_event_loop()
    loop.set_debug(True)
    clock = testing.VirtualClock(autojump_threshold=None)
    isolated = testing.IsolatedLoop(loop, clock=clock, timeout=5)
    assert asyncio.get_event_loop() is loop

    async def part():
        await clock.elapse(3600)
        loop.call_later(1, print)
        return loop.time()

    assert testing.call_on_loop(loop, part, timeout=5) == 3600.0
    with pytest.raises(testing.DeadlineExceeded):
        testing.run_on_loop(loop, loop.create_future(), timeout=SHORT, name="a future")
    [found] = isolated.finish()
    assert found.startswith("timer still scheduled: <TimerHandle when=3601.0 print()")
    assert loop.is_closed() and isolated.finish() == []
    assert asyncio.get_event_loop_policy() is outer_policy
    with pytest.raises(ValueError):
        testing.LoopWatch(loop, ["no_such_check"])
