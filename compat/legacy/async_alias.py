"""asyncio.async(), the 3.4 name of ensure_future().  Since 3.7 ``async``
is a keyword, so the call is written ``getattr(asyncio, 'async')(...)``,
as code that had to stay importable did.

Covers: L02, L01, L11, L26
"""
import asyncio

asyncio_async = getattr(asyncio, "async")


def tick():
    yield from asyncio.sleep(0)


@asyncio.coroutine
def square(n):
    yield from tick()
    return n * n


@asyncio.coroutine
def main(loop):
    task = getattr(asyncio, "async")(square(3))
    print("a coroutine becomes a Task:", isinstance(task, asyncio.Task))
    print("its result:", (yield from task))

    future = asyncio.Future(loop=loop)
    print("a future is returned as is:", asyncio_async(future) is future)
    loop.call_soon(future.set_result, "set")
    print("the future's result:", (yield from future))

    tasks = [asyncio_async(square(n), loop=loop) for n in range(4)]
    results = yield from asyncio.gather(*tasks, loop=loop)
    print("with loop=:", results)

    try:
        asyncio_async(42)
    except TypeError:
        print("a non-awaitable: TypeError")


loop = asyncio.get_event_loop()
# At module level, before the loop runs, as 3.4 scripts scheduled work.
early = asyncio_async(square(12))
loop.run_until_complete(main(loop))
print("scheduled before the loop ran:", loop.run_until_complete(early))
loop.close()
