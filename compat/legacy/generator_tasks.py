"""Plain (undecorated) generator functions used as coroutines everywhere a
coroutine was accepted: asyncio.iscoroutine, loop.create_task,
asyncio.Task(), ensure_future, run_until_complete, gather, wait_for,
shield, wait and run_coroutine_threadsafe.

Covers: L09, L10, L11, L08, L05, L27
"""
import asyncio


def double(x):
    yield from asyncio.sleep(0)
    return 2 * x


def total(xs):
    result = 0
    for x in xs:
        result += yield from double(x)
    return result


def from_a_thread(loop):
    """Runs in an executor thread: hands a generator to the loop."""
    future = asyncio.run_coroutine_threadsafe(total([1, 2, 3]), loop)
    return future.result(timeout=10)


def main(loop):
    tasks = [loop.create_task(double(1)), asyncio.Task(double(2), loop=loop),
             asyncio.ensure_future(double(3)), asyncio.ensure_future(double(4), loop=loop)]
    results = []
    for task in tasks:
        results.append((yield from task))
    print("create_task, Task(), ensure_future:", results)
    print("gather:", (yield from asyncio.gather(double(5), total([6, 7]), loop=loop)))
    print("wait_for:", (yield from asyncio.wait_for(double(10), 5, loop=loop)))
    print("shield:", (yield from asyncio.shield(double(11), loop=loop)))
    done, _ = yield from asyncio.wait([double(8), double(9)], loop=loop)
    print("wait:", sorted(task.result() for task in done))
    print("run_coroutine_threadsafe:", (yield from loop.run_in_executor(None, from_a_thread, loop)))
    return "main returned"


loop = asyncio.get_event_loop()
sample = double(0)
print("iscoroutine(generator):", asyncio.iscoroutine(sample))
sample.close()
early = asyncio.ensure_future(double(21))
print("run_until_complete(generator):", loop.run_until_complete(total([10, 20])))
print("ensure_future before the loop ran:", loop.run_until_complete(early))
print("a generator as the main coroutine:", loop.run_until_complete(main(loop)))
print("gather outside the loop:", loop.run_until_complete(asyncio.gather(double(50), double(60))))
loop.close()
