"""Undecorated helper generators (no @asyncio.coroutine) that ``yield from``
asyncio's own coroutines -- sleep, wait_for, wait, gather's future,
Lock.acquire, Event.wait, Condition.wait, Queue.get/put/join,
Semaphore.acquire, StreamReader.readline -- called with ``yield from``
from decorated code, several levels deep, returning values and raising.

Covers: L11, L01, L05, L06, L08, L10
"""
import asyncio


def pause(loop):
    yield from asyncio.sleep(0, loop=loop)


def pause_twice(loop):
    yield from pause(loop)
    yield from pause(loop)
    return "paused twice"


def deep(loop, depth):
    if depth == 0:
        yield from pause(loop)
        return 0
    below = yield from deep(loop, depth - 1)
    return below + 1


def failing(loop):
    yield from pause(loop)
    raise ValueError("from a helper")


def take_lock(lock):
    yield from lock.acquire()
    return lock.locked()


def wait_event(event):
    return (yield from event.wait())


def wait_condition(condition):
    with (yield from condition):
        yield from condition.wait()
        return "notified"


def queue_round_trip(queue, item):
    yield from queue.put(item)
    got = yield from queue.get()
    queue.task_done()
    yield from queue.join()
    return got


def limited(semaphore):
    yield from semaphore.acquire()
    semaphore.release()
    return "acquired and released"


def first_line(loop, data):
    reader = asyncio.StreamReader(loop=loop)
    reader.feed_data(data)
    reader.feed_eof()
    return (yield from reader.readline())


def in_time(loop, coro):
    return (yield from asyncio.wait_for(coro, 5, loop=loop))


def wait_all(loop, coros):
    done, _ = yield from asyncio.wait(coros, loop=loop)
    return sorted(task.result() for task in done)


def gathered(loop, coros):
    return (yield from asyncio.gather(*coros, loop=loop))


@asyncio.coroutine
def notifier(condition):
    with (yield from condition):
        condition.notify_all()


@asyncio.coroutine
def main(loop):
    print("sleep:", (yield from pause_twice(loop)))
    print("ten levels deep:", (yield from deep(loop, 10)))
    try:
        yield from failing(loop)
    except ValueError as exc:
        print("exception through helpers:", exc)

    lock = asyncio.Lock(loop=loop)
    print("Lock.acquire:", (yield from take_lock(lock)))
    lock.release()

    event = asyncio.Event(loop=loop)
    loop.call_soon(event.set)
    print("Event.wait:", (yield from wait_event(event)))

    condition = asyncio.Condition(loop=loop)
    waiter = loop.create_task(wait_condition(condition))
    yield from pause(loop)
    yield from notifier(condition)
    print("Condition.wait:", (yield from waiter))

    queue = asyncio.Queue(loop=loop)
    print("Queue put/get/join:", (yield from queue_round_trip(queue, "item")))
    print("Semaphore:", (yield from limited(asyncio.Semaphore(loop=loop))))
    print("StreamReader.readline:", (yield from first_line(loop, b"first\nsecond\n")))
    print("wait_for:", (yield from in_time(loop, pause_twice(loop))))
    print("wait:", (yield from wait_all(loop, [deep(loop, 2), deep(loop, 1)])))
    print("gather:", (yield from gathered(loop, [deep(loop, 3), pause_twice(loop)])))


loop = asyncio.get_event_loop()
loop.run_until_complete(main(loop))
loop.close()
