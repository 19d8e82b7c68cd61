"""A script that never creates a loop itself: module-level
asyncio.get_event_loop(), and asyncio.Future(), ensure_future(), gather(),
Queue() and Lock() called before any loop runs -- all of them bound to
the loop get_event_loop() made.

Covers: L26, L27, L01, L11
"""
import asyncio


def nap():
    yield from asyncio.sleep(0)


@asyncio.coroutine
def work(n):
    yield from nap()
    return n + 1


@asyncio.coroutine
def consume(queue, lock):
    with (yield from lock):
        return (yield from queue.get())


loop = asyncio.get_event_loop()
print("get_event_loop() twice gives one loop:", asyncio.get_event_loop() is loop)
print("not running yet:", loop.is_running())

FUTURE = asyncio.Future()
TASK = asyncio.ensure_future(work(1))
GATHERED = asyncio.gather(work(10), FUTURE)
QUEUE = asyncio.Queue()
LOCK = asyncio.Lock()
QUEUE.put_nowait("queued before the loop ran")
loop.call_soon(FUTURE.set_result, "set by a callback")


@asyncio.coroutine
def main():
    print("inside, get_event_loop() is the same loop:", asyncio.get_event_loop() is loop)
    print("running now:", loop.is_running())
    print("ensure_future:", (yield from TASK))
    print("gather:", (yield from GATHERED))
    print("Queue and Lock:", (yield from consume(QUEUE, LOCK)))
    inner = asyncio.Future()
    loop.call_soon(inner.set_result, "a Future() made inside")
    print((yield from inner))


loop.run_until_complete(main())
print("run_until_complete on a second coroutine:", loop.run_until_complete(work(41)))
loop.close()
