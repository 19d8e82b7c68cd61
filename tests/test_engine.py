"""The stepping engine runs legacy and native coroutines side by side."""
import asyncio

import genloop


@genloop.coroutine
def legacy_add(a, b):
    yield from asyncio.sleep(0)
    return a + b


def undecorated(x):
    result = yield legacy_add(x, 1)
    return result * 2


async def native(x):
    return await legacy_add(x, 10)


@genloop.coroutine
def mixed():
    a = yield from native(1)
    b = yield undecorated(5)
    c = yield [legacy_add(1, 1), native(0)]
    d = yield {"k": legacy_add(2, 2)}
    e = yield genloop.From(legacy_add(3, 3))
    return a, b, c, d, e


def test_every_style_on_genloop_loop():
    assert genloop.run(mixed()) == (11, 12, [2, 10], {"k": 4}, 6)


def test_every_style_on_stock_loop_with_task_factory():
    loop = asyncio.new_event_loop()
    loop.set_task_factory(genloop.task_factory)
    try:
        assert loop.run_until_complete(mixed()) == (11, 12, [2, 10], {"k": 4}, 6)
    finally:
        loop.close()


def test_bad_yield_names_what_is_accepted():
    def bad():
        yield 42

    try:
        genloop.run(bad())
    except RuntimeError as exc:
        assert "Task got bad yield: 42" in str(exc)
        assert "concurrent.futures.Future" in str(exc)
    else:
        raise AssertionError("a bad yield must raise")


def test_decorated_function_is_a_coroutine_function():
    assert asyncio.iscoroutinefunction(legacy_add)
    assert genloop.iscoroutinefunction(legacy_add)
