"""genloop.Task: every row of the yield table, the trampoline, and the
asyncio Task API of the running Python."""

import asyncio
import concurrent.futures
import gc
import io
import os
import sys

import pytest

import genloop
from genloop import _versions

if _versions.HAS_CONTEXTVARS:
    import contextvars

    request_id = contextvars.ContextVar("request_id", default="unset")


def run(loop, coro_or_future):
    """Run to completion; a coroutine (plain generators included: the stock
    loop refuses those in run_until_complete on 3.12+) becomes a task first."""
    if not asyncio.isfuture(coro_or_future):
        coro_or_future = loop.create_task(coro_or_future)
    return loop.run_until_complete(coro_or_future)


def resolved_soon(loop, value=None, error=None):
    """A future that the loop resolves on its next iteration."""
    future = loop.create_future()
    if error is None:
        loop.call_soon(future.set_result, value)
    else:
        loop.call_soon(future.set_exception, error)
    return future


# -- the yield table ----------------------------------------------------------


def test_bare_yield_gives_other_tasks_one_turn(loop):
    order = []

    def worker(name):
        for step in range(3):
            order.append((name, step))
            yield

    run(loop, asyncio.gather(loop.create_task(worker("a")), loop.create_task(worker("b"))))
    assert order == [("a", 0), ("b", 0), ("a", 1), ("b", 1), ("a", 2), ("b", 2)]


def test_yield_from_and_await_a_future_get_its_result(loop):
    @genloop.coroutine
    def legacy():
        return (yield from resolved_soon(loop, "legacy"))

    async def native():
        return await resolved_soon(loop, "native")

    assert run(loop, legacy()) == "legacy"
    assert run(loop, native()) == "native"


def test_tornado_style_yield_future_sends_the_result_back(loop):
    def tornado_style():
        first = yield resolved_soon(loop, 1)
        second = yield resolved_soon(loop, 2)
        return first + second

    assert run(loop, tornado_style()) == 3


def test_tornado_style_yield_of_a_failed_future_raises_in_the_coroutine(loop):
    def tornado_style():
        try:
            yield resolved_soon(loop, error=KeyError("lost"))
        except KeyError as exc:
            return "caught {}".format(exc)

    assert run(loop, tornado_style()) == "caught 'lost'"


def test_yield_sub_runs_it_inside_the_same_task_without_a_loop_round_trip(loop):
    seen = {}

    def sub(x):
        seen["task"] = genloop.current_task(loop)
        seen["tasks"] = len(genloop.all_tasks(loop))
        return x * 2
        yield  # a generator that finishes without blocking

    def main():
        loop.call_soon(seen.setdefault, "callback ran", True)
        result = yield sub(21)
        seen["callback ran before sub returned"] = "callback ran" in seen
        seen["main task"] = genloop.current_task(loop)
        return result

    assert run(loop, main()) == 42
    assert seen["task"] is seen["main task"]
    assert seen["tasks"] == 1
    assert seen["callback ran before sub returned"] is False


@pytest.mark.parametrize("style", ["generator", "legacy", "native"])
def test_result_equals_yield_sub_for_every_kind_of_coroutine(loop, style):
    def generator():
        yield from asyncio.sleep(0)
        return style

    async def native():
        await asyncio.sleep(0)
        return style

    subs = {"generator": generator, "legacy": genloop.coroutine(generator), "native": native}

    def main():
        return (yield subs[style]())

    assert run(loop, main()) == style


def test_from_is_treated_as_what_it_wraps(loop):
    def trollius_style():
        slept = yield genloop.From(asyncio.sleep(0, result="slept"))
        got = yield genloop.From(resolved_soon(loop, "future"))
        raise genloop.Return((slept, got))

    assert run(loop, trollius_style()) == ("slept", "future")


def test_an_awaitable_object_is_awaited(loop):
    class Ticket(object):
        def __await__(self):
            return (yield from resolved_soon(loop, "admitted"))

    def main():
        return (yield Ticket())

    assert run(loop, main()) == "admitted"


def test_a_concurrent_future_is_waited_for(loop):
    def main(pool):
        return (yield pool.submit(sum, [1, 2, 3]))

    with concurrent.futures.ThreadPoolExecutor(1) as pool:
        assert run(loop, main(pool)) == 6


@pytest.mark.parametrize("container", [list, tuple])
def test_a_list_or_tuple_is_waited_for_as_a_whole(loop, container):
    def main():
        items = container([asyncio.sleep(0, result=1), resolved_soon(loop, 2), native_three()])
        return (yield items)

    assert run(loop, main()) == [1, 2, 3]


async def native_three():
    return 3


def test_a_dict_is_waited_for_and_keeps_its_keys(loop):
    def main():
        return (yield {"a": resolved_soon(loop, 1), "b": native_three()})

    assert run(loop, main()) == {"a": 1, "b": 3}


def test_empty_containers_give_empty_results(loop):
    def main():
        return (yield []), (yield {})

    assert run(loop, main()) == ([], {})


def test_a_failure_in_a_yielded_list_raises_in_the_coroutine(loop):
    def main():
        try:
            yield [resolved_soon(loop, 1), resolved_soon(loop, error=ValueError("bad"))]
        except ValueError as exc:
            return str(exc)

    assert run(loop, main()) == "bad"


def test_a_bad_yield_raises_in_the_coroutine_naming_it_and_what_is_accepted(loop):
    def main():
        try:
            yield 42
        except RuntimeError as exc:
            return str(exc)

    message = run(loop, main())
    assert message.startswith("Task got bad yield: 42.")
    for accepted in ("None", "asyncio future", "generator or coroutine", "From(x)",
                     "__await__", "concurrent.futures.Future", "list, tuple or dict"):
        assert accepted in message


@pytest.mark.parametrize(
    "yielded", [[1, 2], (3,), {"key": 4}, ["text"], {"key": [5]}], ids=repr
)
def test_a_list_or_dict_holding_a_bad_item_is_a_bad_yield(loop, yielded):
    def main():
        try:
            yield yielded
        except RuntimeError as exc:
            return str(exc)

    message = run(loop, main())
    assert message.startswith("Task got bad yield: {!r}.".format(yielded))
    assert "list, tuple or dict" in message


def test_a_bad_item_in_a_list_starts_none_of_the_others(loop):
    started = []

    async def child():
        started.append("child")

    def main():
        sleeping, pending = asyncio.sleep(0), child()
        try:
            yield [sleeping, pending, 1]
        except RuntimeError:
            sleeping.close()
            pending.close()
            yield  # a loop iteration in which an orphan task would run
            return "refused"

    assert run(loop, main()) == "refused"
    assert started == []
    assert genloop.all_tasks(loop) == set()


def test_yielding_a_coroutine_function_hints_to_call_it(loop):
    def main():
        yield native_three

    with pytest.raises(RuntimeError, match="a coroutine function: call it"):
        run(loop, main())


def test_an_uncaught_bad_yield_fails_the_task(loop):
    def main():
        yield "text"

    with pytest.raises(RuntimeError, match="bad yield: 'text'"):
        run(loop, main())


@pytest.mark.parametrize("how", ["return", "Return", "StopIteration"])
def test_a_sub_coroutine_return_value_reaches_its_caller(loop, how):
    def sub():
        yield
        if how == "Return":
            raise genloop.Return("value")
        if how == "StopIteration":
            raise StopIteration("value")
        return "value"

    def main():
        return (yield sub())

    if how == "StopIteration" and sys.version_info < (3, 7):
        with pytest.warns(DeprecationWarning):
            assert run(loop, main()) == "value"
    else:
        assert run(loop, main()) == "value"


@pytest.mark.skipif(sys.version_info < (3, 7), reason="PEP 479 is the default from 3.7")
def test_stop_iteration_from_a_generator_yielded_from_stays_an_error(loop):
    """Only the generator the engine steps may return by raising StopIteration;
    from deeper down it is PEP 479's RuntimeError, as in asyncio."""
    continued = []

    def inner():
        yield
        raise StopIteration(5)

    def outer():
        value = yield from inner()
        continued.append(value)

    with pytest.raises(RuntimeError, match="generator raised StopIteration"):
        run(loop, outer())
    assert continued == []


def test_stop_iteration_from_async_def_is_an_error(loop):
    async def native():
        raise StopIteration(7)

    with pytest.raises(RuntimeError, match="coroutine raised StopIteration"):
        run(loop, native())


def test_an_exception_travels_up_the_trampoline_to_a_caller_that_catches_it(loop):
    def innermost():
        yield
        raise LookupError("deep")

    def middle():
        yield innermost()

    def main():
        try:
            yield middle()
        except LookupError as exc:
            return "caught {}".format(exc)

    assert run(loop, main()) == "caught deep"


def test_an_uncaught_exception_becomes_the_task_exception(loop):
    def main():
        yield
        raise ZeroDivisionError("nope")

    task = loop.create_task(main())
    with pytest.raises(ZeroDivisionError):
        run(loop, task)
    assert isinstance(task.exception(), ZeroDivisionError)


def test_keyboard_interrupt_leaves_run_until_complete(loop):
    def main():
        yield
        raise KeyboardInterrupt

    task = loop.create_task(main())
    with pytest.raises(KeyboardInterrupt):
        run(loop, task)
    assert task.done()


# -- cancellation -------------------------------------------------------------


def test_cancel_reaches_the_innermost_trampolined_generator(loop):
    events = []
    blocker = loop.create_future()

    def innermost():
        try:
            yield from blocker
        except asyncio.CancelledError:
            events.append("innermost cancelled")
            raise

    def outer():
        try:
            yield innermost()
        except asyncio.CancelledError:
            events.append("outer cancelled")
            raise

    task = loop.create_task(outer())
    run(loop, asyncio.sleep(0))
    assert task.cancel()
    with pytest.raises(asyncio.CancelledError):
        run(loop, task)
    assert events == ["innermost cancelled", "outer cancelled"]
    assert task.cancelled()
    assert blocker.cancelled()


def test_cancellation_is_thrown_with_one_argument(loop):
    """L25: the three-argument throw() is deprecated since 3.12."""
    calls = []

    class RecordingCoroutine(object):
        def send(self, value):
            return None

        def throw(self, *args):
            calls.append(args)
            raise args[0]

        def close(self):
            pass

        def __iter__(self):
            return self

        def __next__(self):
            return self.send(None)

    import collections.abc
    collections.abc.Generator.register(RecordingCoroutine)
    task = genloop.Task(RecordingCoroutine(), loop=loop)
    run(loop, asyncio.sleep(0))
    task.cancel()
    with pytest.raises(asyncio.CancelledError):
        run(loop, task)
    assert len(calls) == 1 and len(calls[0]) == 1
    assert isinstance(calls[0][0], asyncio.CancelledError)


def test_cancel_before_the_first_step_never_runs_the_body(loop):
    started = []

    async def main():
        started.append(True)

    task = loop.create_task(main())
    task.cancel()
    with pytest.raises(asyncio.CancelledError):
        run(loop, task)
    assert started == []


def test_a_coroutine_may_refuse_cancellation(loop):
    def stubborn():
        try:
            yield from loop.create_future()
        except asyncio.CancelledError:
            return "kept going"

    task = loop.create_task(stubborn())
    run(loop, asyncio.sleep(0))
    task.cancel()
    assert run(loop, task) == "kept going"
    assert not task.cancelled()


def test_cancel_of_a_done_task_returns_false(loop):
    task = loop.create_task(native_three())
    run(loop, task)
    assert task.cancel() is False


@pytest.mark.skipif(not _versions.HAS_CANCEL_MESSAGE, reason="cancel(msg) is 3.9+")
def test_cancel_message_reaches_the_coroutine(loop):
    def main():
        try:
            yield from loop.create_future()
        except asyncio.CancelledError as exc:
            return exc.args

    task = loop.create_task(main())
    run(loop, asyncio.sleep(0))
    task.cancel("shutting down")
    assert run(loop, task) == ("shutting down",)


@pytest.mark.skipif(not _versions.HAS_CANCELLING, reason="cancelling()/uncancel() are 3.11+")
def test_cancelling_counts_requests_and_uncancel_takes_them_back(loop):
    task = loop.create_task(asyncio.sleep(10))
    assert task.cancelling() == 0
    task.cancel()
    task.cancel()
    assert task.cancelling() == 2
    assert task.uncancel() == 1
    with pytest.raises(asyncio.CancelledError):
        run(loop, task)


@pytest.mark.skipif(not _versions.HAS_CANCELLING, reason="asyncio.timeout is 3.11+")
def test_asyncio_timeout_cancels_and_uncancels_a_legacy_coroutine(loop):
    @genloop.coroutine
    def slow():
        yield from asyncio.sleep(10)

    async def main():
        try:
            async with asyncio.timeout(0.01):
                await slow()
        except TimeoutError:
            return asyncio.current_task().cancelling()

    assert run(loop, main()) == 0


# -- the Task API -------------------------------------------------------------


def test_default_names_are_numbered(loop_kind, loop):
    if loop_kind == "stock+factory" and sys.version_info[:3] == (3, 13, 0):
        pytest.skip("3.13.0's create_task() calls set_name(None) on every task a factory makes")
    tasks = [loop.create_task(native_three()), genloop.Task(native_three(), loop=loop)]
    names = [task.get_name() for task in tasks]
    assert all(name.startswith("Task-") for name in names)
    assert names[0] != names[1]
    run(loop, asyncio.gather(*tasks))


def test_names_can_be_given_and_are_in_repr(loop):
    task = loop.create_task(native_three())
    task.set_name("fetcher")
    assert task.get_name() == "fetcher"
    # asyncio's reprs show names from 3.8, as genloop's do.
    assert ("name='fetcher'" in repr(task)) is _versions.HAS_TASK_NAMES
    assert "native_three" in repr(task)
    named = genloop.Task(native_three(), loop=loop, name="given")
    assert named.get_name() == "given"
    named.set_name(42)  # names are strings, as asyncio's are
    assert named.get_name() == "42"
    named.set_name("given")
    run(loop, asyncio.gather(task, named))
    assert "result=3" in repr(task)


def test_get_coro_returns_what_was_given(loop):
    coro = genloop.coroutine(lambda: 1)()
    task = loop.create_task(coro)
    assert task.get_coro() is coro
    run(loop, task)


def test_set_result_and_set_exception_are_refused(loop):
    task = loop.create_task(native_three())
    with pytest.raises(RuntimeError, match="does not support set_result"):
        task.set_result(1)
    with pytest.raises(RuntimeError, match="does not support set_exception"):
        task.set_exception(ValueError())
    run(loop, task)


def test_current_task_and_all_tasks_see_the_task(loop):
    seen = {}

    async def main():
        seen["current"] = genloop.current_task()
        seen["all"] = genloop.all_tasks()
        if _versions.HAS_TASK_FUNCTIONS:
            seen["asyncio current"] = asyncio.current_task()
            seen["asyncio all"] = asyncio.all_tasks()

    task = loop.create_task(main())
    run(loop, task)
    assert seen["current"] is task
    assert task in seen["all"]
    if _versions.HAS_TASK_FUNCTIONS:
        assert seen["asyncio current"] is task
        assert task in seen["asyncio all"]
    assert task not in genloop.all_tasks(loop)


@pytest.mark.skipif(not _versions.HAS_CONTEXTVARS, reason="contextvars is 3.7+")
def test_each_task_runs_in_a_copy_of_the_creating_context(loop):
    async def set_and_read(value):
        request_id.set(value)
        await asyncio.sleep(0)
        return request_id.get()

    request_id.set("outer")
    try:
        results = run(loop, asyncio.gather(set_and_read("a"), set_and_read("b")))
        assert results == ["a", "b"]
        assert request_id.get() == "outer"
    finally:
        request_id.set("unset")


@pytest.mark.skipif(not _versions.HAS_TASK_CONTEXT_ARG, reason="context= is 3.11+")
def test_a_task_runs_in_the_context_it_is_given(loop):
    context = contextvars.copy_context()
    context.run(request_id.set, "given")

    async def read():
        return request_id.get()

    task = loop.create_task(read(), context=context)
    assert task.get_context() is context
    assert run(loop, task) == "given"
    assert run(loop, genloop.Task(read(), loop=loop, context=context)) == "given"


def test_get_stack_shows_the_whole_trampoline(loop):
    blocker = loop.create_future()

    @genloop.coroutine
    def leaf():
        yield from blocker

    def middle():
        yield from leaf()

    async def native_layer():
        await genloop.coroutine(middle)()

    def outer():
        yield native_layer()

    task = loop.create_task(outer())
    run(loop, asyncio.sleep(0))
    stack = task.get_stack()
    # PyPy also shows the frame of Future.__await__, which is Python code there.
    names = [frame.f_code.co_name for frame in stack if frame.f_code.co_filename == __file__]
    assert names == ["outer", "native_layer", "middle", "leaf"]
    package = os.path.dirname(genloop.__file__)
    assert [f.f_code.co_name for f in stack if f.f_code.co_filename.startswith(package)] == []
    assert task.get_stack(limit=1) == stack[-1:]
    out = io.StringIO()
    task.print_stack(file=out)
    assert "leaf" in out.getvalue() and "outer" in out.getvalue()
    blocker.set_result(None)
    run(loop, task)


def test_get_stack_of_a_failed_task_shows_the_traceback(loop):
    def fails():
        yield
        raise ValueError

    task = loop.create_task(fails())
    with pytest.raises(ValueError):
        run(loop, task)
    assert "fails" in [frame.f_code.co_name for frame in task.get_stack()]


def destroy_a_blocked_task(loop):
    """Start a task that blocks for ever, then drop it and collect it."""
    async def blocked():
        await loop.create_future()

    task = loop.create_task(blocked())
    run(loop, asyncio.sleep(0))
    del task
    gc.collect()


def test_a_pending_task_destroyed_is_reported(loop, reported_errors):
    destroy_a_blocked_task(loop)
    messages = [context["message"] for context in reported_errors.take()]
    assert messages == ["Task was destroyed but it is pending!"]


@pytest.mark.skipif(
    not hasattr(gc, "is_tracked"),
    reason="CPython's collector visits an object's references; PyPy's has no such visit",
)
def test_the_collector_sees_every_slot_of_a_task(loop):
    """What the garbage collector visits of a task: each of its slots (and
    so it can collect the cycles a waiting task is in)."""
    async def waits(future):
        await future

    waited = loop.create_future()
    task = loop.create_task(waits(waited))
    run(loop, asyncio.sleep(0))
    referents = [id(referent) for referent in gc.get_referents(task)]
    slots = [name for name in genloop.Task.__slots__ if hasattr(task, name)]
    assert {"_coro", "_context", "_fut_waiter"} <= set(slots)
    for name in slots:
        value = getattr(task, name)
        if gc.is_tracked(value):
            assert id(value) in referents, name
    waited.set_result(None)
    run(loop, task)


def test_a_task_waits_through_the_methods_of_a_future_subclass(loop):
    calls = []

    class Recording(asyncio.Future):
        def add_done_callback(self, fn, **kwargs):
            calls.append("add_done_callback")
            super().add_done_callback(fn, **kwargs)

        def get_loop(self):
            calls.append("get_loop")
            return self._loop

        def result(self):
            calls.append("result")
            return super().result()

    async def main():
        future = Recording(loop=loop)
        loop.call_soon(future.set_result, 5)
        return await future

    assert run(loop, main()) == 5
    assert calls.count("add_done_callback") == 1 and "result" in calls
    assert "get_loop" in calls or not hasattr(asyncio.Future, "get_loop")  # 3.7+


class LabelledTask(genloop.Task):
    """A subclass with a slot of its own."""

    __slots__ = ("label",)


def test_a_subclass_of_task_steps_is_awaited_and_collected_alike(loop):
    async def waits(future):
        return await future

    async def main():
        waited = loop.create_future()
        task = LabelledTask(waits(waited), loop=loop)
        task.label = [task]  # a cycle through the subclass's own slot
        loop.call_soon(waited.set_result, 3)
        result = await task
        return result, task.label in gc.get_referents(task) or not hasattr(gc, "is_tracked")

    assert run(loop, main()) == (3, True)


@pytest.mark.skipif(not hasattr(sys, "unraisablehook"), reason="sys.unraisablehook is 3.8+")
def test_an_error_reporting_a_destroyed_task_is_unraisable(loop, reported_errors, monkeypatch):
    def fails(task):
        raise RuntimeError("cannot report")

    unraisable = []
    monkeypatch.setattr(sys, "unraisablehook", unraisable.append)
    monkeypatch.setattr(genloop.Task, "_report_destroyed_pending", fails)
    destroy_a_blocked_task(loop)
    assert [str(report.exc_value) for report in unraisable] == ["cannot report"]


def test_a_task_ending_while_an_exception_propagates_keeps_it(loop, reported_errors):
    async def fails():
        raise ValueError("unseen")

    def drop_while_raising():
        task = loop.create_task(fails())
        run(loop, asyncio.sleep(0))
        assert task.done()
        raise KeyError("kept")  # the task ends as this frame unwinds

    with pytest.raises(KeyError, match="kept"):
        drop_while_raising()
    gc.collect()
    contexts = reported_errors.take()
    assert [c["message"] for c in contexts] == ["Task exception was never retrieved"]


def test_an_exception_never_retrieved_is_reported(loop, reported_errors):
    async def fails():
        raise ValueError("unseen")

    task = loop.create_task(fails())
    run(loop, asyncio.sleep(0))
    assert task.done()
    del task
    gc.collect()
    contexts = reported_errors.take()
    assert [c["message"] for c in contexts] == ["Task exception was never retrieved"]
    assert isinstance(contexts[0]["exception"], ValueError)


@pytest.mark.skipif(not _versions.HAS_EAGER_START, reason="eager tasks are 3.12+")
def test_eager_start_runs_until_the_first_block(loop):
    async def main():
        task = genloop.Task(native_three(), loop=loop, eager_start=True)
        return task.done(), await task

    assert run(loop, main()) == (True, 3)


def test_task_factory_puts_the_engine_on_the_stock_loop():
    stock = asyncio.new_event_loop()
    try:
        stock.set_task_factory(genloop.task_factory)
        task = stock.create_task(native_three())
        assert type(task) is genloop.Task
        assert stock.run_until_complete(task) == 3
    finally:
        stock.close()


@pytest.mark.parametrize(
    "call, named",
    [
        (lambda loop, coro: genloop.task_factory(loop, coro), False),
        (lambda loop, coro: genloop.task_factory(loop, coro, context=None), False),
        (lambda loop, coro: genloop.task_factory(loop=loop, coro=coro), False),
        (lambda loop, coro: genloop.task_factory(loop, coro, name="named"), True),
    ],
    ids=["positional", "context", "keywords", "name"],
)
def test_task_factory_takes_what_a_loop_may_pass(call, named):
    stock = asyncio.new_event_loop()
    try:
        task = call(stock, native_three())
        assert type(task) is genloop.Task and task._loop is stock
        assert stock.run_until_complete(task) == 3
        # A name given, or the number that becomes "Task-<number>".
        assert task._name == "named" if named else isinstance(task._name, int)
    finally:
        stock.close()


def test_task_factory_refuses_a_call_without_a_coroutine():
    stock = asyncio.new_event_loop()
    try:
        with pytest.raises(TypeError):
            genloop.task_factory(stock)
        with pytest.raises(TypeError, match="a coroutine was expected"):
            genloop.task_factory(stock, 42)
    finally:
        stock.close()


# -- bad input ----------------------------------------------------------------


@pytest.mark.parametrize("not_a_coroutine", [42, native_three, None])
def test_a_task_needs_a_coroutine(loop, not_a_coroutine):
    with pytest.raises(TypeError, match="a coroutine was expected") as info:
        genloop.Task(not_a_coroutine, loop=loop)
    assert "call the coroutine function" in str(info.value)
    with pytest.raises(TypeError, match="a coroutine was expected"):
        loop.create_task(not_a_coroutine)


@pytest.mark.skipif(not hasattr(sys, "unraisablehook"), reason="sys.unraisablehook is 3.8+")
def test_a_task_that_could_not_start_is_destroyed_quietly(loop, reported_errors, monkeypatch):
    """A task whose Future.__init__ failed (the loop given is no loop)
    neither reports itself pending nor fails in its finalizer."""
    unraisable = []
    monkeypatch.setattr(sys, "unraisablehook", unraisable.append)
    coro = native_three()
    with pytest.raises(AttributeError):
        genloop.Task(coro, loop=object())
    coro.close()
    gc.collect()
    assert unraisable == [] and reported_errors.take() == []


def test_a_future_of_another_loop_is_refused(loop):
    other = asyncio.new_event_loop()
    try:
        foreign = other.create_future()

        def main():
            yield from foreign

        with pytest.raises(RuntimeError, match="attached to a different loop"):
            run(loop, main())
    finally:
        other.close()


def test_a_task_cannot_await_itself(loop):
    async def main():
        await genloop.current_task()

    with pytest.raises(RuntimeError, match="cannot await on itself"):
        run(loop, main())


def test_debug_mode_refuses_to_wake_a_task_from_another_thread(loop):
    """Resolving a future from the wrong thread schedules the task's wake-up
    from there: asyncio's debug mode catches it, and so must genloop's fast
    path for wake-up handles."""
    import threading

    loop.set_debug(True)
    future = loop.create_future()
    errors = []

    def wrong_thread():
        try:
            future.set_result(1)
        except RuntimeError as exc:
            errors.append(str(exc))
        loop.call_soon_threadsafe(loop.stop)

    async def waiter():
        await future

    thread = threading.Thread(target=wrong_thread)
    task = loop.create_task(waiter())
    loop.call_soon(thread.start)  # once the task waits for the future
    loop.run_forever()
    thread.join()
    assert len(errors) == 1 and "thread" in errors[0]
    # The refused wake-up leaves the task waiting for good.
    task._log_destroy_pending = False


@pytest.mark.skipif(not _versions.HAS_CANCELLING, reason="the message reaches the task from 3.11")
def test_cancel_message_before_the_first_step_is_kept(loop):
    task = loop.create_task(native_three())
    task.cancel("too early")
    with pytest.raises(asyncio.CancelledError, match="too early"):
        run(loop, task)


@pytest.mark.skipif(not _versions.HAS_CANCEL_MESSAGE, reason="chained CancelledError is 3.9+")
def test_a_cancelled_task_raises_with_the_interrupted_line_in_the_traceback(loop):
    import traceback

    async def sleeper():
        await asyncio.sleep(10)  # the interrupted line

    async def main():
        task = loop.create_task(sleeper())
        await asyncio.sleep(0)
        task.cancel()
        try:
            await task
        except asyncio.CancelledError:
            return traceback.format_exc()

    assert "the interrupted line" in run(loop, main())


@pytest.mark.skipif(
    sys.implementation.name != "cpython", reason="PyPy frees objects only by its collector"
)
def test_a_failed_task_is_freed_without_the_cycle_collector(loop):
    import weakref

    class Resource(object):
        pass

    async def fails(resource):
        await asyncio.sleep(0)
        raise ValueError(resource)

    async def main():
        resource = Resource()
        ref = weakref.ref(resource)
        try:
            await loop.create_task(fails(resource))
        except ValueError:
            pass
        del resource
        return ref

    gc.disable()
    try:
        ref = run(loop, main())
        assert ref() is None
    finally:
        gc.enable()


# -- issue 13: differences from stock asyncio found by fuzzing ----------------


@pytest.mark.parametrize("how", ["yield fut", "yield From(fut)", "yield from fut"])
def test_a_done_future_yielded_resumes_the_coroutine_at_once(loop, how):
    """Whatever the form, a future that is already done resumes the
    coroutine without a loop iteration: a callback queued before it waits."""
    order = []

    def legacy():
        future = loop.create_future()
        future.set_result("ready")
        loop.call_soon(order.append, "callback")
        if how == "yield fut":
            value = yield future
        elif how == "yield From(fut)":
            value = yield genloop.From(future)
        else:
            value = yield from future
        order.append(value)

    run(loop, legacy())
    assert order == ["ready", "callback"]


def test_a_done_failed_future_yielded_tornado_style_raises_at_once(loop):
    order = []

    def legacy():
        future = loop.create_future()
        future.set_exception(KeyError("lost"))
        loop.call_soon(order.append, "callback")
        try:
            yield future
        except KeyError:
            order.append("raised")

    run(loop, legacy())
    assert order == ["raised", "callback"]


def cancelled_error_args(loop, task_class):
    """The args of the CancelledError that each way of reading a task
    cancelled with a message gives, in turn."""

    async def sleeper():
        await asyncio.sleep(10)

    async def main():
        task = task_class(sleeper(), loop=loop)
        await asyncio.sleep(0)
        task.cancel("bye")
        seen = []
        for read in ["await", "result", "exception", "result", "await"]:
            try:
                if read == "await":
                    await task
                else:
                    getattr(task, read)()
            except asyncio.CancelledError as exc:
                seen.append((read, exc.args))
        return seen

    return run(loop, main())


@pytest.mark.skipif(not _versions.HAS_CANCEL_MESSAGE, reason="cancel(msg) is 3.9+")
def test_a_cancel_message_comes_back_as_often_as_from_a_stock_task(loop):
    assert cancelled_error_args(loop, genloop.Task) == cancelled_error_args(
        loop, asyncio.Task
    )


def outcomes(loop, task_class):
    """What result() and exception() give of a pending, a finished and a
    failed task, in turn."""

    async def fails():
        raise KeyError("lost")

    async def main():
        seen = []
        pending = task_class(native_three(), loop=loop)
        finished = task_class(native_three(), loop=loop)
        failed = task_class(fails(), loop=loop)
        for task in [pending, finished, failed]:
            for read in ["result", "exception"]:
                try:
                    seen.append((read, repr(getattr(task, read)())))
                except (KeyError, asyncio.InvalidStateError) as exc:
                    seen.append((read, type(exc).__name__, str(exc)))
            if task is pending:
                await asyncio.gather(pending, finished, failed, return_exceptions=True)
        return seen

    return run(loop, main())


def test_result_and_exception_give_what_a_stock_task_gives(loop):
    assert outcomes(loop, genloop.Task) == outcomes(loop, asyncio.Task)


def self_await_errors(loop, task_class):
    async def main():
        errors = []
        for _ in range(3):
            try:
                await genloop.current_task()
            except (RuntimeError, AssertionError) as exc:
                errors.append((type(exc), str(exc).split(":")[0]))
        return errors

    return run(loop, task_class(main(), loop=loop))


@pytest.mark.skipif(not _versions.HAS_TASK_FUNCTIONS, reason="3.6's stock Task fails this")
def test_a_task_awaiting_itself_again_gets_the_errors_a_stock_task_gets(loop):
    assert self_await_errors(loop, genloop.Task) == self_await_errors(loop, asyncio.Task)


def test_a_failure_report_shows_no_engine_frame_as_a_stock_task(loop, reported_errors):
    """'Task exception was never retrieved': the traceback starts, as a
    stock task's does, in the coroutine (through a trampolined caller too)."""
    import traceback

    async def fails():
        raise ValueError("unseen")

    def caller():
        yield fails()

    for main in (fails, caller):
        task = loop.create_task(main())
        run(loop, asyncio.sleep(0))
        del task
        gc.collect()
        [context] = reported_errors.take()
        error = context["exception"]
        lines = traceback.format_tb(error.__traceback__)
        assert not any(os.path.join("genloop", "tasks.py") in line for line in lines), lines
        assert "in fails" in lines[-1]
