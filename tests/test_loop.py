"""genloop.EventLoop's scheduling core (genloop/loop.py).

Most tests take ``loop`` and so run on genloop's loop and on the stock loop
with genloop's task factory: where both pass, genloop's scheduler behaves as
asyncio's does.  Promises that only genloop makes (ties between timers,
cheap cancellation, its own messages) narrow ``loop_kind`` with
:data:`genloop_only`, which keeps the shared ``loop`` and ``clock`` fixtures.
"""

import asyncio
import collections
import concurrent.futures
import logging
import sys
import threading
import time

import pytest

import genloop
from genloop import _versions

#: Narrows a test that takes ``loop`` (and ``clock``) to genloop's loop.
genloop_only = pytest.mark.parametrize("loop_kind", ["genloop"])

needs_contextvars = pytest.mark.skipif(
    sys.version_info < (3, 7), reason="contextvars and call_soon(context=) are 3.7+"
)


def run_one_iteration(loop):
    """Run exactly one loop iteration (``stop()`` before ``run_forever()``)."""
    loop.stop()
    loop.run_forever()


def raised_by(func, *args):
    """The exception ``func(*args)`` raises, or None if it returns."""
    try:
        func(*args)
    except Exception as exc:
        return exc
    return None


def now():
    """The running loop's time (virtual under the ``clock`` fixture)."""
    return asyncio.get_event_loop().time()


async def answer():
    await asyncio.sleep(0)
    return 42


@genloop.coroutine
def legacy_answer():
    yield from asyncio.sleep(0)
    return 42


@genloop.coroutine
def legacy_failure():
    yield from asyncio.sleep(0)
    raise ValueError("boom")


def plain_function():
    return 42


# -- call_soon ----------------------------------------------------------------


def test_call_soon_runs_callbacks_first_in_first_out_with_their_args(loop):
    calls = []
    for number in range(5):
        loop.call_soon(calls.append, number)
    loop.call_soon(lambda *args: calls.append(args), "a", "b")
    run_one_iteration(loop)
    assert calls == [0, 1, 2, 3, 4, ("a", "b")]


def test_a_cancelled_call_soon_handle_never_runs(loop):
    calls = []
    handle = loop.call_soon(calls.append, "cancelled")
    loop.call_soon(calls.append, "kept")
    assert isinstance(handle, asyncio.Handle)
    handle.cancel()
    run_one_iteration(loop)
    assert calls == ["kept"]


@needs_contextvars
def test_call_soon_runs_the_callback_in_the_given_context(loop):
    import contextvars

    variable = contextvars.ContextVar("variable", default="outer")
    context = contextvars.copy_context()
    context.run(variable.set, "inner")
    seen = []
    loop.call_soon(lambda: seen.append(variable.get()), context=context)
    loop.call_soon(lambda: seen.append(variable.get()))
    run_one_iteration(loop)
    assert seen == ["inner", "outer"]


@needs_contextvars
def test_call_soon_gives_the_handle_asyncio_makes(loop):
    import contextvars

    given = contextvars.copy_context()
    for context in (None, given):
        ours = loop.call_soon(print, "a", "b", context=context)
        theirs = asyncio.Handle(print, ("a", "b"), loop, context)
        assert isinstance(ours, asyncio.Handle)
        for field in ("_callback", "_args", "_cancelled", "_loop", "_source_traceback", "_repr"):
            assert getattr(ours, field) == getattr(theirs, field), field
        assert repr(ours) == repr(theirs)
        assert (ours._context is given) == (context is given)
        assert isinstance(ours._context, contextvars.Context)
        ours.cancel()


@pytest.mark.parametrize("arguments, keywords, complaint", [
    ((), {}, "callback"),
    ((print,), {"delay": 1}, "delay"),
    pytest.param((print,), {"context": None, "delay": 1}, "delay", marks=needs_contextvars),
], ids=["no callback", "an unknown keyword", "context and an unknown keyword"])
def test_call_soon_called_wrongly_says_what_is_wrong(loop, arguments, keywords, complaint):
    with pytest.raises(TypeError, match=complaint):
        loop.call_soon(*arguments, **keywords)
    assert not loop._ready


def test_callbacks_scheduled_by_a_callback_wait_for_the_next_iteration(loop):
    """stop() inside the loop lets the current iteration finish, and no more."""
    calls = []

    def first():
        loop.stop()
        loop.call_soon(calls.append, "next iteration")
        calls.append("first")

    loop.call_soon(first)
    loop.call_soon(calls.append, "same iteration")
    loop.run_forever()
    assert calls == ["first", "same iteration"]
    run_one_iteration(loop)
    assert calls == ["first", "same iteration", "next iteration"]


# -- polling for I/O -------------------------------------------------------------


def counting_polls(loop):
    """Count the loop's polls for I/O (calls of its selector's select())."""
    polls = []
    select = loop._selector.select

    def counted(timeout=None):
        polls.append(timeout)
        return select(timeout)

    loop._selector.select = counted
    return polls


def relay(loop, count, ran):
    """A chain of ``count`` callbacks, each scheduling the next, one per
    loop iteration; stops the loop after the last."""

    def step():
        ran.append(len(ran))
        if len(ran) < count:
            loop.call_soon(step)
        else:
            loop.stop()

    loop.call_soon(step)


@genloop_only
def test_while_callbacks_are_ready_io_is_polled_once_per_64_callbacks(loop):
    polls = counting_polls(loop)
    ran = []
    relay(loop, 640, ran)
    loop.run_forever()
    assert len(ran) == 640
    # One poll when the run starts, then one per 64 callbacks; never a wait.
    assert polls == [0.0] * 10


@genloop_only
def test_io_that_arrives_while_callbacks_keep_coming_is_seen_within_64(loop):
    import socket

    reader, writer = socket.socketpair()
    ran, read_after = [], []
    try:
        loop.add_reader(reader, lambda: read_after.append(len(ran)) or reader.recv(1))
        relay(loop, 200, ran)
        loop.call_soon(writer.send, b"x")
        loop.run_forever()
        loop.remove_reader(reader)
    finally:
        reader.close()
        writer.close()
    assert len(read_after) == 1 and read_after[0] <= 64 + 1


@genloop_only
def test_while_io_keeps_coming_it_is_polled_at_every_iteration(loop):
    import socket

    reader, writer = socket.socketpair()
    ran, reads = [], []
    try:
        writer.send(b"x" * 100)
        # One byte per event: the socket stays readable at every poll.
        loop.add_reader(reader, lambda: reads.append(reader.recv(1)))
        relay(loop, 50, ran)
        loop.run_forever()
        loop.remove_reader(reader)
    finally:
        reader.close()
        writer.close()
    assert len(reads) >= 49  # the poll of every iteration found the socket readable


# -- timers -------------------------------------------------------------------


def test_timers_fire_in_time_order_at_the_time_they_were_set_for(loop, clock):
    fired = []
    start = loop.time()
    loop.call_later(3, lambda: fired.append(("c", loop.time())))
    loop.call_at(start + 1, lambda: fired.append(("a", loop.time())))
    loop.call_later(2, lambda: fired.append(("b", loop.time())))
    loop.call_at(start + 4, loop.stop)
    loop.run_forever()
    assert fired == [("a", start + 1), ("b", start + 2), ("c", start + 3)]


@genloop_only
def test_timers_due_at_the_same_time_fire_in_scheduling_order(loop, clock):
    """genloop's promise: asyncio's heap of timers does not keep ties in order."""
    fired = []
    when = loop.time() + 1
    for number in range(50):
        if number % 2:
            loop.call_at(when, fired.append, number)
        else:
            loop.call_later(1, fired.append, number)
    loop.call_at(when + 1, loop.stop)
    loop.run_forever()
    assert fired == list(range(50))


def test_a_cancelled_timer_never_runs(loop, clock):
    fired = []
    cancelled = loop.call_later(1, fired.append, "cancelled")
    loop.call_later(2, fired.append, "kept")
    cancelled.cancel()
    loop.call_later(3, loop.stop)
    loop.run_forever()
    assert fired == ["kept"]


@genloop_only
def test_cancelling_most_timers_shrinks_the_heap_and_keeps_the_rest_in_order(loop, clock):
    """Cancelling only counts; the next iteration rebuilds a mostly-cancelled
    heap at once, not one dead timer at a time as each reaches the head."""
    fired = []
    timers = [loop.call_later(number + 1, fired.append, number) for number in range(1000)]
    # Never the head of the heap, so only the rebuild can drop them early.
    cancelled = {number for number in range(1000) if number % 5 in (1, 2, 3)}
    for number in cancelled:
        timers[number].cancel()
    assert (len(loop._timer_queue), loop._timer_queue.cancelled) == (1000, 600)
    run_one_iteration(loop)
    assert (len(loop._timer_queue), loop._timer_queue.cancelled) == (400, 0)
    loop.call_later(1001, loop.stop)
    loop.run_forever()
    assert fired == [number for number in range(1000) if number not in cancelled]


def test_a_timer_cancelled_is_left_as_asyncio_leaves_one(loop):
    ours = loop.call_later(10, print, "a")
    theirs = asyncio.TimerHandle(ours._when, print, ("a",), loop)
    for handle in (ours, theirs):
        handle.cancel()
        handle.cancel()  # a second time changes nothing
    for field in ("_cancelled", "_callback", "_args", "_repr", "_when"):
        assert getattr(ours, field) == getattr(theirs, field), field
    assert repr(ours) == repr(theirs)


@genloop_only
def test_a_timer_cancelled_twice_is_counted_once(loop):
    timer = loop.call_later(10, print)
    unscheduled = asyncio.TimerHandle(loop.time() + 10, print, (), loop)
    for handle in (timer, timer, unscheduled):
        handle.cancel()
    assert (len(loop._timer_queue), loop._timer_queue.cancelled) == (1, 1)


def test_call_later_goes_through_the_call_at_of_a_subclass():
    scheduled = []

    class Recording(genloop.EventLoop):
        def call_at(self, when, callback, *args, **kwargs):
            scheduled.append(when)
            return super().call_at(when, callback, *args, **kwargs)

    loop = Recording()
    try:
        loop.time = lambda: 1000.0
        timer = loop.call_later(5, print)
        assert (scheduled, timer._when) == ([1005.0], 1005.0)
        assert loop.call_at(1001, print)._when == 1001
        assert scheduled == [1005.0, 1001]
    finally:
        loop.close()


@needs_contextvars
def test_timers_run_in_the_context_given(loop, clock):
    import contextvars

    variable = contextvars.ContextVar("variable", default="outer")
    context = contextvars.copy_context()
    context.run(variable.set, "inner")
    seen = []
    loop.call_later(1, lambda: seen.append(variable.get()), context=context)
    loop.call_at(loop.time() + 2, lambda: seen.append(variable.get()), context=context)
    loop.call_later(3, lambda: seen.append(variable.get()))
    loop.call_later(4, loop.stop)
    loop.run_forever()
    assert seen == ["inner", "inner", "outer"]


def test_call_later_refuses_a_delay_of_none(loop):
    with pytest.raises(TypeError):
        loop.call_later(None, plain_function)


@genloop_only
@pytest.mark.parametrize(
    "schedule, hint",
    [
        (lambda loop: loop.call_later(None, plain_function), "pass a number of seconds"),
        (lambda loop: loop.call_at(None, plain_function), r"pass a loop\.time\(\) value"),
    ],
    ids=["call_later", "call_at"],
)
def test_a_time_of_none_gets_a_helpful_type_error(loop, schedule, hint):
    """The stock loop before 3.11 fails call_at(None) with an AssertionError."""
    with pytest.raises(TypeError, match=hint):
        schedule(loop)


def test_time_never_goes_back_and_follows_the_clock(loop):
    times = [loop.time() for _ in range(10000)]
    assert times == sorted(times)
    time.sleep(0.01)
    assert loop.time() >= times[-1] + 0.005


# -- running, stopping, closing -----------------------------------------------


def test_is_running_only_inside_run_forever(loop):
    seen = []
    loop.call_soon(lambda: seen.append(loop.is_running()))
    assert not loop.is_running()
    run_one_iteration(loop)
    assert seen == [True]
    assert not loop.is_running()


@pytest.mark.parametrize("main", [answer, legacy_answer], ids=["async def", "legacy"])
def test_run_until_complete_returns_the_result(loop, main):
    assert loop.run_until_complete(main()) == 42


def test_run_until_complete_raises_the_coroutine_exception(loop):
    with pytest.raises(ValueError, match="boom"):
        loop.run_until_complete(legacy_failure())


def test_run_until_complete_refuses_to_run_a_running_loop(loop):
    errors = []
    future = loop.create_future()
    loop.call_soon(lambda: errors.append(raised_by(loop.run_until_complete, future)))
    run_one_iteration(loop)
    [error] = errors
    assert isinstance(error, RuntimeError)
    assert "already running" in str(error)
    assert not loop.is_running()


CLOSED_LOOP_CALLS = [
    pytest.param(lambda loop, coro: loop.call_soon(plain_function), id="call_soon"),
    pytest.param(lambda loop, coro: loop.call_later(1, plain_function), id="call_later"),
    pytest.param(lambda loop, coro: loop.call_at(1, plain_function), id="call_at"),
    pytest.param(lambda loop, coro: loop.create_task(coro), id="create_task"),
    pytest.param(lambda loop, coro: loop.run_until_complete(coro), id="run_until_complete"),
]


@pytest.mark.parametrize("operation", CLOSED_LOOP_CALLS)
def test_a_closed_loop_refuses_new_work(loop, operation):
    loop.close()
    coro = answer()
    try:
        with pytest.raises(RuntimeError, match="closed"):
            operation(loop, coro)
    finally:
        coro.close()


def test_close_marks_the_loop_closed(loop):
    assert not loop.is_closed()
    loop.close()
    assert loop.is_closed()
    loop.close()  # closing twice is harmless, as in asyncio
    assert loop.is_closed()


def test_a_running_loop_refuses_to_close(loop):
    errors = []
    loop.call_soon(lambda: errors.append(raised_by(loop.close)))
    run_one_iteration(loop)
    [error] = errors
    assert isinstance(error, RuntimeError)
    assert "running" in str(error)
    assert not loop.is_closed()


# -- futures and tasks --------------------------------------------------------


def test_create_future_gives_a_pending_future_of_this_loop(loop):
    """run_until_complete() refuses a future of another loop, so finishing
    this one there shows that it belongs to ``loop``."""
    future = loop.create_future()
    assert isinstance(future, asyncio.Future)
    assert not future.done()
    loop.call_soon(future.set_result, "ready")
    assert loop.run_until_complete(future) == "ready"


@pytest.mark.parametrize("main", [answer, legacy_answer], ids=["async def", "legacy"])
def test_create_task_makes_a_genloop_task(loop, main):
    task = loop.create_task(main())
    assert isinstance(task, genloop.Task)
    assert loop.run_until_complete(task) == 42


def test_a_custom_task_factory_makes_the_loops_tasks(genloop_loop):
    calls = []

    def factory(loop, coro):
        calls.append((loop, coro))
        return genloop.Task(coro, loop=loop)

    genloop_loop.set_task_factory(factory)
    assert genloop_loop.get_task_factory() is factory
    coro = answer()
    task = genloop_loop.create_task(coro, name="worker")
    assert calls == [(genloop_loop, coro)]
    assert task.get_name() == "worker"
    assert genloop_loop.run_until_complete(task) == 42

    genloop_loop.set_task_factory(None)
    assert genloop_loop.get_task_factory() is None
    assert genloop_loop.run_until_complete(genloop_loop.create_task(answer())) == 42
    assert len(calls) == 1


@pytest.mark.parametrize(
    "not_a_coroutine", [42, plain_function, answer], ids=["int", "function", "coroutine function"]
)
def test_create_task_of_a_non_coroutine_says_what_was_passed_and_what_to_do(
    loop, not_a_coroutine
):
    with pytest.raises(TypeError) as raised:
        loop.create_task(not_a_coroutine)
    message = str(raised.value)
    assert repr(not_a_coroutine) in message
    assert "call the coroutine function" in message


# -- threads ------------------------------------------------------------------


@pytest.mark.timeout(10)
def test_call_soon_threadsafe_wakes_a_loop_waiting_for_io(loop):
    """No timer and no ready callback: the loop waits in select() until the
    other thread's callback wakes it (else the test times out)."""
    future = loop.create_future()

    def from_another_thread():
        time.sleep(0.02)
        loop.call_soon_threadsafe(future.set_result, threading.current_thread().name)

    thread = threading.Thread(target=from_another_thread, name="waker")
    loop.call_soon(thread.start)
    try:
        assert loop.run_until_complete(future) == "waker"
    finally:
        thread.join()


def multiply_in_thread(a, b):
    return a * b, threading.current_thread().name


@pytest.mark.parametrize("custom_executor", [False, True], ids=["default", "set_default_executor"])
def test_run_in_executor_returns_the_result_of_a_worker_thread(loop, custom_executor):
    executor = concurrent.futures.ThreadPoolExecutor(1, thread_name_prefix="custom")
    try:
        if custom_executor:
            loop.set_default_executor(executor)
        result, thread_name = loop.run_until_complete(
            loop.run_in_executor(None, multiply_in_thread, 6, 7)
        )
    finally:
        executor.shutdown(wait=True)
    assert result == 42
    assert thread_name != threading.current_thread().name
    assert thread_name.startswith("custom") == custom_executor


# -- the exception handler ----------------------------------------------------


def test_the_exception_handler_is_set_read_back_and_called(loop):
    received = []

    def handler(loop, context):
        received.append((loop, context))

    loop.set_exception_handler(handler)
    assert loop.get_exception_handler() is handler
    context = {"message": "something odd"}
    loop.call_exception_handler(context)
    assert received == [(loop, context)]


@pytest.mark.parametrize(
    "report",
    [
        lambda loop, context: loop.default_exception_handler(context),
        lambda loop, context: loop.call_exception_handler(context),
    ],
    ids=["default_exception_handler", "call_exception_handler without a handler"],
)
def test_the_default_handler_logs_on_the_asyncio_logger(loop, caplog, report):
    loop.set_exception_handler(None)
    assert loop.get_exception_handler() is None
    error = ValueError("bad value")
    with caplog.at_level(logging.ERROR, logger="asyncio"):
        report(loop, {"message": "something odd", "exception": error})
    [record] = [record for record in caplog.records if record.name == "asyncio"]
    assert record.levelno == logging.ERROR
    assert "something odd" in record.getMessage()
    assert record.exc_info[1] is error


def test_a_failing_callback_is_reported_and_the_loop_goes_on(loop, reported_errors):
    error = ValueError("callback failed")
    calls = []

    def fail():
        raise error

    handle = loop.call_soon(fail)
    loop.call_soon(calls.append, "same iteration")
    run_one_iteration(loop)
    [context] = reported_errors.take()
    assert context["exception"] is error
    assert context["handle"] is handle
    loop.call_soon(calls.append, "next iteration")
    run_one_iteration(loop)
    assert calls == ["same iteration", "next iteration"]


# -- debug mode ---------------------------------------------------------------


def slow_callback_reports(caplog):
    """The messages of the slow-callback warnings on the asyncio logger."""
    return [
        record.getMessage()
        for record in caplog.records
        if record.name == "asyncio"
        and record.levelno == logging.WARNING
        and record.getMessage().startswith("Executing ")
    ]


def test_debug_mode_logs_slow_callbacks(loop, clock, caplog):
    """A callback that moves the virtual clock by 1 s took 1 s; a quick one
    is not reported."""
    loop.set_debug(True)
    slow = loop.call_soon(clock.advance, 1.0)
    loop.call_soon(plain_function)
    with caplog.at_level(logging.WARNING, logger="asyncio"):
        run_one_iteration(loop)
    assert slow_callback_reports(caplog) == ["Executing {!r} took 1.000 seconds".format(slow)]


def test_debug_mode_names_the_task_whose_step_was_slow(loop, clock, caplog):
    """A task's wake-up handle is reported as the task, not as a callback,
    on genloop's loop and on the stock loop (which names stock tasks so)."""

    async def slow_step():
        clock.advance(1.0)

    loop.set_debug(True)
    named = {"name": "slowpoke"} if _versions.HAS_TASK_NAMES else {}
    task = loop.create_task(slow_step(), **named)
    with caplog.at_level(logging.WARNING, logger="asyncio"):
        loop.run_until_complete(task)
    [report] = slow_callback_reports(caplog)
    assert report.startswith("Executing <Task ")
    assert "slow_step" in report
    assert ("name='slowpoke'" in report) is _versions.HAS_TASK_NAMES
    assert report.endswith(" took 1.000 seconds")


@pytest.mark.parametrize(
    "coroutine_function", [answer, legacy_answer], ids=["async def", "legacy"]
)
def test_debug_mode_refuses_a_coroutine_function_as_a_callback(loop, coroutine_function):
    loop.set_debug(True)
    with pytest.raises(TypeError, match=r"coroutines cannot be used with call_soon\(\)"):
        loop.call_soon(coroutine_function)


# -- asyncio's primitives on a running loop -----------------------------------
#
# Each scenario is written twice, once per coroutine style, and returns what
# it observed, virtual times included, for comparison with ``expected``.

Scenario = collections.namedtuple("Scenario", "native legacy expected")


async def sleep_native():
    start = now()
    result = await asyncio.sleep(1.5, result="slept")
    return result, now() - start


@genloop.coroutine
def sleep_legacy():
    start = now()
    result = yield from asyncio.sleep(1.5, result="slept")
    return result, now() - start


async def queue_native():
    queue, consumed = asyncio.Queue(maxsize=1), []

    async def consumer():
        item = await queue.get()
        while item is not None:
            consumed.append(item)
            queue.task_done()
            item = await queue.get()
        queue.task_done()
        return "consumer done"

    consuming = asyncio.ensure_future(consumer())
    for item in ["a", "b", "c", None]:
        await queue.put(item)
    await queue.join()
    return consumed, await consuming


@genloop.coroutine
def queue_legacy():
    queue, consumed = asyncio.Queue(maxsize=1), []

    @genloop.coroutine
    def consumer():
        item = yield from queue.get()
        while item is not None:
            consumed.append(item)
            queue.task_done()
            item = yield from queue.get()
        queue.task_done()
        return "consumer done"

    consuming = asyncio.ensure_future(consumer())
    for item in ["a", "b", "c", None]:
        yield from queue.put(item)
    yield from queue.join()
    result = yield from consuming
    return consumed, result


async def lock_native():
    lock, trace = asyncio.Lock(), []

    async def worker(name):
        async with lock:
            trace.append(name + " in")
            await asyncio.sleep(0.1)
            trace.append(name + " out")

    # Started in this order: 3.6's gather() starts its coroutines in set order.
    await asyncio.gather(*[asyncio.ensure_future(worker(name)) for name in "ab"])
    return trace


@genloop.coroutine
def lock_legacy():
    lock, trace = asyncio.Lock(), []

    @genloop.coroutine
    def worker(name):
        yield from lock.acquire()
        try:
            trace.append(name + " in")
            yield from asyncio.sleep(0.1)
            trace.append(name + " out")
        finally:
            lock.release()

    yield from asyncio.gather(*[asyncio.ensure_future(worker(name)) for name in "ab"])
    return trace


async def event_native():
    event, start = asyncio.Event(), now()

    async def waiter():
        await event.wait()
        return now() - start

    waiters = [asyncio.ensure_future(waiter()) for _ in range(2)]
    await asyncio.sleep(1)
    event.set()
    return await asyncio.gather(*waiters)


@genloop.coroutine
def event_legacy():
    event, start = asyncio.Event(), now()

    @genloop.coroutine
    def waiter():
        yield from event.wait()
        return now() - start

    waiters = [asyncio.ensure_future(waiter()) for _ in range(2)]
    yield from asyncio.sleep(1)
    event.set()
    result = yield from asyncio.gather(*waiters)
    return result


async def condition_native():
    condition, items, start = asyncio.Condition(), [], now()

    async def consumer():
        async with condition:
            await condition.wait_for(lambda: items)
            return items.pop(), now() - start

    consuming = asyncio.ensure_future(consumer())
    await asyncio.sleep(1)
    async with condition:
        items.append("item")
        condition.notify()
    return await consuming


@genloop.coroutine
def condition_legacy():
    condition, items, start = asyncio.Condition(), [], now()

    @genloop.coroutine
    def consumer():
        yield from condition.acquire()
        try:
            yield from condition.wait_for(lambda: items)
            return items.pop(), now() - start
        finally:
            condition.release()

    consuming = asyncio.ensure_future(consumer())
    yield from asyncio.sleep(1)
    yield from condition.acquire()
    try:
        items.append("item")
        condition.notify()
    finally:
        condition.release()
    result = yield from consuming
    return result


class Occupancy(object):
    """How many workers were inside a section at once, at most."""

    def __init__(self):
        self.inside = self.peak = 0

    def enter(self):
        self.inside += 1
        self.peak = max(self.peak, self.inside)

    def leave(self):
        self.inside -= 1


async def semaphore_native():
    semaphore, occupancy, start = asyncio.Semaphore(2), Occupancy(), now()

    async def worker():
        async with semaphore:
            occupancy.enter()
            await asyncio.sleep(1)
            occupancy.leave()

    await asyncio.gather(*[worker() for _ in range(4)])
    return occupancy.peak, now() - start


@genloop.coroutine
def semaphore_legacy():
    semaphore, occupancy, start = asyncio.Semaphore(2), Occupancy(), now()

    @genloop.coroutine
    def worker():
        yield from semaphore.acquire()
        try:
            occupancy.enter()
            yield from asyncio.sleep(1)
            occupancy.leave()
        finally:
            semaphore.release()

    yield from asyncio.gather(*[worker() for _ in range(4)])
    return occupancy.peak, now() - start


async def wait_first_completed_native():
    start = now()
    fast = asyncio.ensure_future(asyncio.sleep(1, result="fast"))
    slow = asyncio.ensure_future(asyncio.sleep(2, result="slow"))
    done, pending = await asyncio.wait([slow, fast], return_when=asyncio.FIRST_COMPLETED)
    first = [task.result() for task in done], pending == {slow}, now() - start
    return first, await slow


@genloop.coroutine
def wait_first_completed_legacy():
    start = now()
    fast = asyncio.ensure_future(asyncio.sleep(1, result="fast"))
    slow = asyncio.ensure_future(asyncio.sleep(2, result="slow"))
    done, pending = yield from asyncio.wait([slow, fast], return_when=asyncio.FIRST_COMPLETED)
    first = [task.result() for task in done], pending == {slow}, now() - start
    result = yield from slow
    return first, result


async def wait_timeout_native():
    start = now()
    slow = asyncio.ensure_future(asyncio.sleep(2, result="slow"))
    done, pending = await asyncio.wait([slow], timeout=0.5)
    return len(done), pending == {slow}, now() - start, await slow


@genloop.coroutine
def wait_timeout_legacy():
    start = now()
    slow = asyncio.ensure_future(asyncio.sleep(2, result="slow"))
    done, pending = yield from asyncio.wait([slow], timeout=0.5)
    elapsed = now() - start
    result = yield from slow
    return len(done), pending == {slow}, elapsed, result


async def fail_after_native(delay):
    await asyncio.sleep(delay)
    raise ValueError("late")


@genloop.coroutine
def fail_after_legacy(delay):
    yield from asyncio.sleep(delay)
    raise ValueError("late")


def summarise_outcomes(outcomes):
    return [
        "{}: {}".format(type(outcome).__name__, outcome) for outcome in outcomes
    ]


async def gather_native():
    start = now()
    outcomes = await asyncio.gather(
        asyncio.sleep(2, result="slept"), fail_after_native(1), return_exceptions=True
    )
    return summarise_outcomes(outcomes), now() - start


@genloop.coroutine
def gather_legacy():
    start = now()
    outcomes = yield from asyncio.gather(
        asyncio.sleep(2, result="slept"), fail_after_legacy(1), return_exceptions=True
    )
    return summarise_outcomes(outcomes), now() - start


async def wait_for_native():
    start = now()
    try:
        await asyncio.wait_for(asyncio.sleep(10), 0.5)
    except asyncio.TimeoutError:
        return "timed out", now() - start
    return "finished", now() - start


@genloop.coroutine
def wait_for_legacy():
    start = now()
    try:
        yield from asyncio.wait_for(asyncio.sleep(10), 0.5)
    except asyncio.TimeoutError:
        return "timed out", now() - start
    return "finished", now() - start


async def shield_native():
    start, timed_out_at = now(), None
    inner = asyncio.ensure_future(asyncio.sleep(1, result="inner"))
    try:
        await asyncio.wait_for(asyncio.shield(inner), 0.5)
    except asyncio.TimeoutError:
        timed_out_at = now() - start
    return timed_out_at, await inner, now() - start


@genloop.coroutine
def shield_legacy():
    start, timed_out_at = now(), None
    inner = asyncio.ensure_future(asyncio.sleep(1, result="inner"))
    try:
        yield from asyncio.wait_for(asyncio.shield(inner), 0.5)
    except asyncio.TimeoutError:
        timed_out_at = now() - start
    result = yield from inner
    return timed_out_at, result, now() - start


async def timeout_native():
    start = now()
    try:
        async with asyncio.timeout(0.5):
            await asyncio.sleep(10)
    except TimeoutError:
        return "timed out", now() - start
    return "finished", now() - start


@genloop.coroutine
def timeout_legacy():
    """A generator cannot ``async with``: it drives the protocol by hand."""
    start = now()
    timeout = asyncio.timeout(0.5)
    yield from timeout.__aenter__()
    try:
        yield from asyncio.sleep(10)
    except asyncio.CancelledError as cancelled:
        try:
            yield from timeout.__aexit__(type(cancelled), cancelled, cancelled.__traceback__)
        except TimeoutError:
            return "timed out", now() - start
        raise
    yield from timeout.__aexit__(None, None, None)
    return "finished", now() - start


SCENARIOS = [
    pytest.param(Scenario(sleep_native, sleep_legacy, ("slept", 1.5)), id="sleep"),
    pytest.param(
        Scenario(queue_native, queue_legacy, (["a", "b", "c"], "consumer done")), id="Queue"
    ),
    pytest.param(
        Scenario(lock_native, lock_legacy, ["a in", "a out", "b in", "b out"]), id="Lock"
    ),
    pytest.param(Scenario(event_native, event_legacy, [1.0, 1.0]), id="Event"),
    pytest.param(Scenario(condition_native, condition_legacy, ("item", 1.0)), id="Condition"),
    pytest.param(Scenario(semaphore_native, semaphore_legacy, (2, 2.0)), id="Semaphore"),
    pytest.param(
        Scenario(
            wait_first_completed_native,
            wait_first_completed_legacy,
            ((["fast"], True, 1.0), "slow"),
        ),
        id="wait FIRST_COMPLETED",
    ),
    pytest.param(
        Scenario(wait_timeout_native, wait_timeout_legacy, (0, True, 0.5, "slow")),
        id="wait timeout",
    ),
    pytest.param(
        Scenario(gather_native, gather_legacy, (["str: slept", "ValueError: late"], 2.0)),
        id="gather return_exceptions",
    ),
    pytest.param(
        Scenario(wait_for_native, wait_for_legacy, ("timed out", 0.5)), id="wait_for timeout"
    ),
    pytest.param(Scenario(shield_native, shield_legacy, (0.5, "inner", 1.0)), id="shield"),
    pytest.param(
        Scenario(timeout_native, timeout_legacy, ("timed out", 0.5)),
        id="timeout",
        marks=pytest.mark.skipif(
            sys.version_info < (3, 11), reason="asyncio.timeout() is new in 3.11"
        ),
    ),
]


@pytest.mark.parametrize("style", ["async def", "genloop.coroutine"])
@pytest.mark.parametrize("scenario", SCENARIOS)
def test_asyncio_primitives_work_from_both_coroutine_styles(loop, clock, scenario, style):
    main = scenario.native if style == "async def" else scenario.legacy
    assert loop.run_until_complete(main()) == scenario.expected


@pytest.mark.skipif(not _versions.HAS_EAGER_START, reason="eager tasks are 3.12+")
def test_create_task_passes_other_keywords_on_to_the_task(genloop_loop):
    """As 3.14's create_task does with eager_start=."""

    async def immediate():
        return 1

    async def main():
        task = genloop_loop.create_task(immediate(), eager_start=True)
        return task.done()

    assert genloop_loop.run_until_complete(main()) is True


def test_scheduled_shows_the_pending_timers_as_asyncio_keeps_them(loop):
    # Tools read the private loop._scheduled (asynctest's
    # fail_on(active_handles=True)); on genloop's loop it is a view.
    later = loop.call_later(10, lambda: None)
    sooner = loop.call_later(5, lambda: None)
    cancelled = loop.call_later(1, lambda: None)
    cancelled.cancel()
    assert {handle for handle in loop._scheduled if not handle._cancelled} == {sooner, later}
    assert min(loop._scheduled, key=lambda handle: handle._when) is cancelled
    later.cancel()
    sooner.cancel()
    assert not [handle for handle in loop._scheduled if not handle._cancelled]
