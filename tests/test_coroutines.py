"""genloop.coroutine, From/Return and iscoroutine*: what asyncio.coroutine
was, on every Python (inventory rows L01, L09-L11, L15, L17, L24)."""

import asyncio
import concurrent.futures
import gc
import inspect
import logging
import threading

import pytest

import genloop
from genloop import _versions


@genloop.coroutine
def legacy_double(x):
    yield from asyncio.sleep(0)
    return 2 * x


async def native_double(x):
    await asyncio.sleep(0)
    return 2 * x


def undecorated_plus_one(x):
    doubled = yield from legacy_double(x)
    return doubled + 1


@genloop.coroutine
def legacy_awaits_native(x):
    doubled = yield from native_double(x)
    return doubled + 1


# -- asyncio accepts a legacy coroutine wherever it accepts a coroutine -------

ACCEPTING_APIS = {
    "create_task": lambda loop, coro: loop.create_task(coro),
    "Task": lambda loop, coro: asyncio.Task(coro, loop=loop),
    "genloop.Task": lambda loop, coro: genloop.Task(coro, loop=loop),
    "ensure_future": lambda loop, coro: asyncio.ensure_future(coro, loop=loop),
    "gather": lambda loop, coro: asyncio.gather(coro),
    "wait_for": lambda loop, coro: asyncio.wait_for(coro, 10),
    "shield": lambda loop, coro: asyncio.shield(coro),
}


@pytest.mark.parametrize("api", sorted(ACCEPTING_APIS))
def test_asyncio_apis_accept_a_legacy_coroutine(loop, api):
    async def main():
        result = await ACCEPTING_APIS[api](loop, legacy_double(21))
        return result[0] if api == "gather" else result

    assert loop.run_until_complete(main()) == 42


def test_run_until_complete_accepts_a_legacy_coroutine(loop):
    assert loop.run_until_complete(legacy_double(4)) == 8


@pytest.mark.skipif(not _versions.HAS_ASYNCIO_RUN, reason="asyncio.run is 3.7+")
def test_asyncio_run_accepts_a_legacy_coroutine():
    assert asyncio.run(legacy_double(5)) == 10


def test_stock_task_runs_a_legacy_coroutine():
    """Even without genloop's engine: the stock Task of every Python."""
    loop = asyncio.new_event_loop()
    try:
        task = asyncio.Task(legacy_awaits_native(3), loop=loop)
        assert type(task) is asyncio.Task
        assert loop.run_until_complete(task) == 7
    finally:
        loop.close()


def test_run_coroutine_threadsafe_accepts_a_legacy_coroutine(loop):
    results = []

    def from_thread():
        future = asyncio.run_coroutine_threadsafe(legacy_double(8), loop)
        results.append(future.result(timeout=10))
        loop.call_soon_threadsafe(loop.stop)

    thread = threading.Thread(target=from_thread)
    thread.start()
    loop.run_forever()
    thread.join()
    assert results == [16]


# -- composing legacy and native coroutines -----------------------------------


def test_native_code_awaits_a_legacy_coroutine(loop):
    async def main():
        return await legacy_double(10)

    assert loop.run_until_complete(main()) == 20


def test_undecorated_generator_yields_from_a_legacy_coroutine(loop):
    assert loop.run_until_complete(loop.create_task(undecorated_plus_one(5))) == 11


def test_legacy_coroutine_yields_from_a_native_coroutine(loop):
    assert loop.run_until_complete(legacy_awaits_native(5)) == 11


def test_legacy_coroutine_yields_from_an_undecorated_generator(loop):
    @genloop.coroutine
    def outer():
        return (yield from undecorated_plus_one(1))

    assert loop.run_until_complete(outer()) == 3


# -- @coroutine on other callables --------------------------------------------


def plain_legacy_generator_function():
    def legacy_triple(x):
        yield from asyncio.sleep(0)
        return 3 * x

    return legacy_triple


@pytest.fixture(params=["stock asyncio", "compat layer"])
def asyncio_taking_generators(request):
    """asyncio as it runs generators as coroutines: as it is up to 3.11, or
    with genloop's compat layer installed (genloop run)."""
    if request.param == "stock asyncio":
        if not _versions.ASYNCIO_ACCEPTS_GENERATORS:
            pytest.skip("asyncio refuses generators from 3.12 on (row L09)")
        yield
        return
    with genloop.compat.installed():
        yield


def test_where_asyncio_runs_generators_the_decorated_function_is_the_generator_function(
    asyncio_taking_generators, loop
):
    """As with asyncio's @coroutine outside debug mode: no adapter, so a
    legacy call costs what an async def call costs."""
    function = plain_legacy_generator_function()
    assert genloop.coroutine(function) is function
    coro = function(2)
    assert inspect.isgenerator(coro) and inspect.isawaitable(coro)
    assert asyncio.iscoroutine(coro) and genloop.iscoroutine(coro)
    assert asyncio.iscoroutinefunction(function) and genloop.iscoroutinefunction(function)
    assert loop.run_until_complete(coro) == 6
    assert loop.run_until_complete(asyncio.gather(function(1), function(2))) == [3, 6]


def test_a_generator_that_may_return_the_legacy_way_keeps_its_adapter(
    asyncio_taking_generators, loop
):
    """``raise Return(v)`` must end the generator with ``v``, also when it is
    delegated to: the adapter does that."""

    def legacy_return(x):
        yield from asyncio.sleep(0)
        raise genloop.Return(x)

    decorated = genloop.coroutine(legacy_return)
    assert decorated is not legacy_return
    assert isinstance(decorated(1), genloop.LegacyCoroutine)
    assert loop.run_until_complete(decorated(4)) == 4


@pytest.mark.skipif(
    _versions.ASYNCIO_ACCEPTS_GENERATORS, reason="up to 3.11 asyncio runs generators itself"
)
def test_where_asyncio_refuses_generators_a_call_gives_an_adapter_asyncio_runs():
    decorated = genloop.coroutine(plain_legacy_generator_function())
    coro = decorated(2)
    assert isinstance(coro, genloop.LegacyCoroutine) and asyncio.iscoroutine(coro)
    assert asyncio.run(coro) == 6


def test_plain_function_becomes_a_coroutine_function_returning_its_value(loop):
    @genloop.coroutine
    def plain(x):
        return x + 1

    coro = plain(1)
    assert genloop.iscoroutine(coro)
    assert loop.run_until_complete(coro) == 2


@pytest.mark.parametrize("returned", ["future", "coroutine", "generator", "awaitable"])
def test_plain_function_result_is_waited_for_when_awaitable(loop, returned):
    class Awaitable(object):
        def __await__(self):
            return (yield from legacy_double(3))

    def make():
        if returned == "future":
            future = loop.create_future()
            loop.call_soon(future.set_result, 6)
            return future
        if returned == "coroutine":
            return native_double(3)
        if returned == "generator":
            return undecorated_plus_one(2)
        return Awaitable()

    plain = genloop.coroutine(make)
    expected = 5 if returned == "generator" else 6
    assert loop.run_until_complete(plain()) == expected


def test_async_def_function_is_returned_unchanged():
    assert genloop.coroutine(native_double) is native_double


def test_decorating_a_non_callable_says_what_to_do():
    with pytest.raises(TypeError, match="decorate the generator function"):
        genloop.coroutine(42)


def test_decorator_keeps_name_and_docstring():
    @genloop.coroutine
    def documented():
        """Docs."""
        yield

    assert documented.__name__ == "documented"
    assert documented.__doc__ == "Docs."
    assert "documented" in repr(documented())


# -- iscoroutine / iscoroutinefunction ----------------------------------------


def test_asyncio_iscoroutinefunction_says_true_for_decorated_functions():
    assert asyncio.iscoroutinefunction(legacy_double)
    assert genloop.iscoroutinefunction(legacy_double)
    assert genloop.iscoroutinefunction(native_double)
    assert not genloop.iscoroutinefunction(undecorated_plus_one)
    assert not genloop.iscoroutinefunction(len)


@pytest.mark.skipif(
    not _versions.HAS_MARK_COROUTINE_FUNCTION,
    reason="inspect.markcoroutinefunction is 3.12+; before, inspect said False "
    "for asyncio.coroutine functions too",
)
def test_inspect_iscoroutinefunction_says_true_for_decorated_functions():
    assert inspect.iscoroutinefunction(legacy_double)


def test_iscoroutine_accepts_every_kind_of_coroutine_object():
    objects = [legacy_double(1), native_double(1), undecorated_plus_one(1)]
    try:
        assert all(genloop.iscoroutine(obj) for obj in objects)
        assert asyncio.iscoroutine(objects[0])
        assert not genloop.iscoroutine(legacy_double)
        assert not genloop.iscoroutine(None)
    finally:
        for obj in objects:
            obj.close()


# -- legacy ways of returning -------------------------------------------------


def test_raise_return_gives_the_value(loop):
    @genloop.coroutine
    def trollius_style():
        yield genloop.From(asyncio.sleep(0))
        raise genloop.Return("done")

    assert loop.run_until_complete(trollius_style()) == "done"


def test_pep479_wrapped_stop_iteration_gives_the_value(loop):
    @genloop.coroutine
    def old_style():
        yield from asyncio.sleep(0)
        raise StopIteration("old")

    # types.coroutine() puts a decorated generator under PEP 479 on every
    # Python, 3.6 included: the engine turns the RuntimeError back into a return.
    assert loop.run_until_complete(old_style()) == "old"


def test_return_works_when_awaited_from_native_code(loop):
    @genloop.coroutine
    def returns_by_raising():
        yield from asyncio.sleep(0)
        raise genloop.Return(5)

    async def main():
        return await returns_by_raising()

    assert loop.run_until_complete(main()) == 5


def test_return_value_attribute_and_from_repr():
    assert genloop.Return(3).value == 3
    assert genloop.Return().value is None
    assert repr(genloop.From(1)) == "From(1)"


# -- the debug-mode "never yielded from" report (L17) -------------------------


def debug_mode_legacy_double(monkeypatch):
    """``legacy_double`` decorated in debug mode: as with asyncio's
    ``@coroutine``, debug mode is that of the process where a function is
    decorated (PYTHONASYNCIODEBUG, -X dev, genloop run --debug)."""
    monkeypatch.setenv("PYTHONASYNCIODEBUG", "1")

    @genloop.coroutine
    def legacy_double(x):
        yield from asyncio.sleep(0)
        return 2 * x

    return legacy_double


def test_unstarted_legacy_coroutine_is_reported_in_debug_mode(genloop_loop, caplog, monkeypatch):
    legacy_double = debug_mode_legacy_double(monkeypatch)

    async def forget():
        legacy_double(1)  # created, never started: the bug being reported
        gc.collect()

    with caplog.at_level(logging.ERROR, logger="asyncio"):
        genloop_loop.run_until_complete(forget())
    messages = [r.getMessage() for r in caplog.records]
    reports = [m for m in messages if "was never yielded from" in m]
    assert len(reports) == 1, messages
    assert "legacy_double" in reports[0]
    assert __file__.rstrip("c") in reports[0]
    assert "Coroutine object created at" in reports[0]


def test_started_legacy_coroutine_is_not_reported(genloop_loop, caplog, monkeypatch):
    legacy_double = debug_mode_legacy_double(monkeypatch)

    async def use():
        await legacy_double(1)
        gc.collect()

    with caplog.at_level(logging.ERROR, logger="asyncio"):
        genloop_loop.run_until_complete(use())
    assert not [r for r in caplog.records if "never yielded" in r.getMessage()]


@pytest.mark.parametrize("loop_debug", [False, True], ids=["quiet loop", "debug loop"])
def test_no_report_without_debug_mode(genloop_loop, caplog, loop_debug):
    """A function decorated outside debug mode makes no wrapper to report
    with: a loop in debug mode does not change that, as with asyncio's."""
    genloop_loop.set_debug(loop_debug)

    async def forget():
        legacy_double(1)
        gc.collect()

    with caplog.at_level(logging.ERROR, logger="asyncio"):
        genloop_loop.run_until_complete(forget())
    assert not [r for r in caplog.records if "never yielded" in r.getMessage()]


def test_legacy_coroutine_runs_in_a_thread_pool_result(loop):
    """A legacy coroutine can wait for a concurrent.futures.Future."""

    @genloop.coroutine
    def waits_for_thread(pool):
        result = yield pool.submit(pow, 2, 10)
        return result

    with concurrent.futures.ThreadPoolExecutor(1) as pool:
        assert loop.run_until_complete(waits_for_thread(pool)) == 1024
