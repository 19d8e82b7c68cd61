"""``with (yield from lock):`` -- the 3.4 way to hold a Lock, Condition,
Semaphore or BoundedSemaphore for a block -- and ``yield from lock``
returning the context manager that releases it.

Covers: L06, L05, L01, L11
"""
import asyncio


def step():
    yield from asyncio.sleep(0)


@asyncio.coroutine
def critical(name, lock, log):
    with (yield from lock):
        log.append(name + " in")
        yield from step()
        yield from step()
        log.append(name + " out")


@asyncio.coroutine
def limited(name, semaphore, inside, most):
    with (yield from semaphore):
        inside.append(name)
        most.append(len(inside))
        yield from step()
        inside.remove(name)


@asyncio.coroutine
def main(loop):
    lock = asyncio.Lock(loop=loop)
    with (yield from lock):
        print("Lock held in the block:", lock.locked())
    print("Lock released after it:", not lock.locked())

    try:
        with (yield from lock):
            raise ValueError("inside")
    except ValueError:
        print("released after an exception:", not lock.locked())

    guard = yield from lock
    print("yield from lock returns a context manager:", lock.locked())
    with guard:
        pass
    print("which releases it:", not lock.locked())

    log = []
    yield from asyncio.gather(*[critical(name, lock, log) for name in "abc"], loop=loop)
    pairs = [log[i:i + 2] for i in range(0, len(log), 2)]
    print("never interleaved:", all(p[0][0] == p[1][0] for p in pairs), len(log))

    condition = asyncio.Condition(loop=loop)
    with (yield from condition):
        print("Condition held:", condition.locked())
    print("Condition released:", not condition.locked())

    for kind in (asyncio.Semaphore, asyncio.BoundedSemaphore):
        semaphore = kind(2, loop=loop)
        inside, most = [], []
        yield from asyncio.gather(
            *[limited(n, semaphore, inside, most) for n in range(6)], loop=loop)
        print(kind.__name__, "at most inside:", max(most), "released:", not semaphore.locked())


loop = asyncio.get_event_loop()
loop.run_until_complete(main(loop))
loop.close()
