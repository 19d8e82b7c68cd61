"""Cancelling tasks blocked inside legacy generators: in an undecorated
helper waiting on a future, in ``with (yield from lock)``, in
``queue.get()``, before their first step, one that swallows the
cancellation, and one behind asyncio.shield().

Covers: L01, L05, L06, L11, realistic: cancellation of a task blocked in a legacy generator
"""
import asyncio


def wait_for_ticket(ticket):
    """Undecorated helper the task is blocked in."""
    number = yield from ticket
    return number


@asyncio.coroutine
def customer(ticket, log):
    log.append("waiting")
    try:
        number = yield from wait_for_ticket(ticket)
        log.append("served {}".format(number))
    except asyncio.CancelledError:
        log.append("cancelled in the helper")
        raise
    finally:
        log.append("finally ran")


@asyncio.coroutine
def holder(lock, release, log):
    with (yield from lock):
        log.append("holding the lock")
        yield from release
    log.append("never here")


@asyncio.coroutine
def stubborn(loop, log):
    try:
        yield from asyncio.sleep(10, loop=loop)
    except asyncio.CancelledError:
        log.append("caught the cancellation")
    return "finished anyway"


@asyncio.coroutine
def important(loop, gate, log):
    yield from gate.wait()
    log.append("important work done")
    return "saved"


@asyncio.coroutine
def shielded(loop, inner):
    return (yield from asyncio.shield(inner, loop=loop))


@asyncio.coroutine
def main(loop):
    log = []
    ticket = asyncio.Future(loop=loop)
    task = loop.create_task(customer(ticket, log))
    yield from asyncio.sleep(0, loop=loop)
    print("cancel() on a blocked task:", task.cancel())
    try:
        yield from task
    except asyncio.CancelledError:
        print("awaiting it raises CancelledError")
    print("task cancelled:", task.cancelled(), "| the future it waited on:", ticket.cancelled())
    print("log:", log)

    lock = asyncio.Lock(loop=loop)
    release = asyncio.Future(loop=loop)
    log = []
    task = loop.create_task(holder(lock, release, log))
    yield from asyncio.sleep(0, loop=loop)
    print("lock held by the task:", lock.locked())
    task.cancel()
    yield from asyncio.wait([task], loop=loop)
    print("after cancelling it, the lock is free:", not lock.locked(), log)

    queue = asyncio.Queue(loop=loop)
    getters = [loop.create_task(queue.get()) for _ in range(2)]
    yield from asyncio.sleep(0, loop=loop)
    getters[0].cancel()
    queue.put_nowait("item")
    yield from asyncio.wait(getters, loop=loop)
    print("a cancelled getter does not take the item:", getters[0].cancelled(),
          getters[1].result())

    log = []
    task = loop.create_task(customer(asyncio.Future(loop=loop), log))
    task.cancel()
    yield from asyncio.wait([task], loop=loop)
    print("cancelled before its first step:", task.cancelled(), "ran:", log)

    log = []
    task = loop.create_task(stubborn(loop, log))
    yield from asyncio.sleep(0, loop=loop)
    task.cancel()
    print("a task that swallows CancelledError:", (yield from task), task.cancelled(), log)

    log = []
    gate = asyncio.Event(loop=loop)
    inner = loop.create_task(important(loop, gate, log))
    outer = loop.create_task(shielded(loop, inner))
    yield from asyncio.sleep(0, loop=loop)
    outer.cancel()
    yield from asyncio.wait([outer], loop=loop)
    print("shield: the waiting task cancelled:", outer.cancelled(),
          "| the shielded one:", inner.cancelled())
    gate.set()
    print("inner still finishes:", (yield from inner), log)


loop = asyncio.get_event_loop()
loop.run_until_complete(main(loop))
loop.close()
