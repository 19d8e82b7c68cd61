"""asyncio.wait() given coroutine objects (not tasks), with return_when
and timeouts: the fan-out / first-answer / give-up patterns of 3.4-era
clients.

Covers: L08, L05, L01, L11, realistic: asyncio.wait with timeouts and return_when
"""
import asyncio


def steps(n):
    for _ in range(n):
        yield from asyncio.sleep(0)


@asyncio.coroutine
def quick(name, n=0):
    yield from steps(n)
    return name


@asyncio.coroutine
def blocked(name, event):
    yield from event.wait()
    return name


@asyncio.coroutine
def failing(name, n):
    yield from steps(n)
    raise ValueError(name)


def names(tasks):
    return sorted(task.result() for task in tasks)


@asyncio.coroutine
def main(loop):
    done, pending = yield from asyncio.wait([quick("a", 2), quick("b", 1), quick("c")], loop=loop)
    print("ALL_COMPLETED:", names(done), "pending:", len(pending))
    print("results are Tasks:", all(isinstance(task, asyncio.Task) for task in done))

    gate = asyncio.Event(loop=loop)
    done, pending = yield from asyncio.wait(
        [quick("fast", 1), blocked("slow", gate)], return_when=asyncio.FIRST_COMPLETED, loop=loop)
    print("FIRST_COMPLETED:", names(done), "pending:", len(pending))

    still, waiting = yield from asyncio.wait(pending, timeout=0.05, loop=loop)
    print("timeout, nothing done:", len(still), "pending:", len(waiting))
    gate.set()
    done, pending = yield from asyncio.wait(waiting, timeout=5, loop=loop)
    print("after the gate opened:", names(done), "pending:", len(pending))

    gate = asyncio.Event(loop=loop)
    done, pending = yield from asyncio.wait(
        [quick("early"), failing("broken", 3), blocked("waiting", gate)],
        return_when=asyncio.FIRST_EXCEPTION, loop=loop)
    failed = [task for task in done if task.exception() is not None]
    print("FIRST_EXCEPTION: done", len(done), "pending:", len(pending))
    print("the failure:", [(type(t.exception()).__name__, t.exception().args) for t in failed])
    print("the early one:", [task.result() for task in done if task not in failed])
    gate.set()
    yield from asyncio.wait(pending, loop=loop)

    done, pending = yield from asyncio.wait([quick("x"), failing("y", 1)], loop=loop)
    outcomes = sorted(t.result() if t.exception() is None else type(t.exception()).__name__
                      for t in done)
    print("ALL_COMPLETED keeps exceptions in the tasks:", outcomes)

    try:
        yield from asyncio.wait([], loop=loop)
    except ValueError:
        print("wait([]): ValueError")


loop = asyncio.get_event_loop()
loop.run_until_complete(main(loop))
loop.close()
