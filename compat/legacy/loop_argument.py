"""Every high-level asyncio API called with an explicit ``loop=``, as
libraries did to support programs running several loops.

Covers: L05 (sleep, wait, wait_for, gather, shield, as_completed, Queue,
LifoQueue, PriorityQueue, Lock, Event, Condition, Semaphore,
BoundedSemaphore; also Future, Task, ensure_future), L01, L08, L11
"""
import asyncio


def later(loop, value, steps=1):
    """Undecorated helper: ``value`` after ``steps`` loop iterations."""
    for _ in range(steps):
        yield from asyncio.sleep(0, loop=loop)
    return value


@asyncio.coroutine
def functions(loop):
    yield from asyncio.sleep(0, loop=loop)
    yield from asyncio.sleep(0.01, loop=loop)
    print("sleep: ok")
    print("sleep result:", (yield from asyncio.sleep(0, "slept", loop=loop)))

    print("wait_for:", (yield from asyncio.wait_for(later(loop, "in time"), 5, loop=loop)))

    done, pending = yield from asyncio.wait([later(loop, "a"), later(loop, "b", 2)], loop=loop)
    print("wait:", sorted(task.result() for task in done), len(pending))

    print("gather:", (yield from asyncio.gather(later(loop, 1), later(loop, 2, 3), loop=loop)))
    print("gather of nothing:", (yield from asyncio.gather(loop=loop)))

    print("shield:", (yield from asyncio.shield(later(loop, "shielded"), loop=loop)))

    order = []
    coros = [later(loop, "third", 3), later(loop, "first", 1), later(loop, "second", 2)]
    for next_done in asyncio.as_completed(coros, loop=loop):
        order.append((yield from next_done))
    print("as_completed:", order)


@asyncio.coroutine
def futures_and_tasks(loop):
    future = asyncio.Future(loop=loop)
    loop.call_soon(future.set_result, "future")
    task = asyncio.Task(later(loop, "task"), loop=loop)
    ensured = asyncio.ensure_future(later(loop, "ensure_future"), loop=loop)
    results = [(yield from future), (yield from task), (yield from ensured)]
    print("Future/Task/ensure_future:", results)


@asyncio.coroutine
def queues(loop):
    queue = asyncio.Queue(maxsize=2, loop=loop)
    yield from queue.put("x")
    queue.put_nowait("y")
    print("Queue full:", queue.full(), (yield from queue.get()), queue.get_nowait())
    lifo = asyncio.LifoQueue(loop=loop)
    priority = asyncio.PriorityQueue(loop=loop)
    for item in (2, 3, 1):
        lifo.put_nowait(item)
        yield from priority.put(item)
    print("LifoQueue:", [lifo.get_nowait() for _ in range(3)])
    by_priority = []
    while not priority.empty():
        by_priority.append((yield from priority.get()))
    print("PriorityQueue:", by_priority)


@asyncio.coroutine
def primitives(loop):
    lock = asyncio.Lock(loop=loop)
    yield from lock.acquire()
    print("Lock locked:", lock.locked())
    lock.release()

    event = asyncio.Event(loop=loop)
    loop.call_soon(event.set)
    print("Event:", (yield from event.wait()), event.is_set())

    condition = asyncio.Condition(loop=loop)
    yield from condition.acquire()
    waiter = asyncio.ensure_future(notify_soon(condition), loop=loop)
    print("Condition notified:", (yield from condition.wait()))
    condition.release()
    yield from waiter

    shared = asyncio.Lock(loop=loop)
    on_shared = asyncio.Condition(shared, loop=loop)
    yield from on_shared.acquire()
    print("Condition on a given Lock:", shared.locked())
    on_shared.release()

    semaphore = asyncio.Semaphore(2, loop=loop)
    yield from semaphore.acquire()
    yield from semaphore.acquire()
    print("Semaphore locked:", semaphore.locked())
    semaphore.release()
    semaphore.release()

    bounded = asyncio.BoundedSemaphore(1, loop=loop)
    yield from bounded.acquire()
    bounded.release()
    try:
        bounded.release()
    except ValueError:
        print("BoundedSemaphore released too often: ValueError")


@asyncio.coroutine
def notify_soon(condition):
    with (yield from condition):
        condition.notify()


@asyncio.coroutine
def main(loop):
    yield from functions(loop)
    yield from futures_and_tasks(loop)
    yield from queues(loop)
    yield from primitives(loop)


loop = asyncio.get_event_loop()
loop.run_until_complete(main(loop))
loop.close()
