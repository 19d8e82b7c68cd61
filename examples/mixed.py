"""A legacy @coroutine program and native async def code under one genloop loop."""
import asyncio, genloop

@genloop.coroutine
def legacy_add(a, b):
    yield from asyncio.sleep(0.01)
    return a + b

def undecorated(x):
    r = yield legacy_add(x, 1)
    return r * 2

async def native(x):
    v = await legacy_add(x, 10)
    w = await asyncio.gather(legacy_add(1, 2), native_leaf())
    return v, w

async def native_leaf():
    await asyncio.sleep(0)
    return "leaf"

@genloop.coroutine
def main():
    a = yield from native(1)
    b = yield undecorated(5)
    loop = asyncio.get_event_loop()
    f = loop.create_future(); loop.call_soon(f.set_result, "tornado")
    c = yield f
    d = yield [legacy_add(1, 1), native_leaf()]
    e = yield {"x": legacy_add(2, 2)}
    g = yield genloop.From(legacy_add(3, 3))
    import concurrent.futures
    with concurrent.futures.ThreadPoolExecutor(1) as ex:
        h = yield ex.submit(lambda: "thread")
    try:
        yield 42
    except RuntimeError as exc:
        bad = str(exc)[:25]
    return a, b, c, d, e, g, h, bad, asyncio.iscoroutinefunction(main)

print(genloop.run(main()))
loop = asyncio.new_event_loop(); loop.set_task_factory(genloop.task_factory)
print(loop.run_until_complete(main())); loop.close()
