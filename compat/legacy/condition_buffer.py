"""A bounded buffer guarded by one Lock with two Conditions on it
("not full", "not empty"), in the style of the 3.4 docs: producers and
consumers hold the lock with ``with (yield from cond)`` and wait on it.

Covers: L06, L05, L01, L11, realistic: Condition producer/consumer
"""
import asyncio

CAPACITY = 2
DONE = None


class BoundedBuffer(object):
    def __init__(self, loop):
        lock = asyncio.Lock(loop=loop)
        self.items = []
        self.not_full = asyncio.Condition(lock, loop=loop)
        self.not_empty = asyncio.Condition(lock, loop=loop)
        self.most = 0

    @asyncio.coroutine
    def put(self, item):
        with (yield from self.not_full):
            while len(self.items) >= CAPACITY:
                yield from self.not_full.wait()
            self.items.append(item)
            self.most = max(self.most, len(self.items))
            self.not_empty.notify()

    @asyncio.coroutine
    def get(self):
        with (yield from self.not_empty):
            yield from self.not_empty.wait_for(lambda: self.items)
            item = self.items.pop(0)
            self.not_full.notify()
            return item


def settle():
    """Undecorated helper: let the others run for a moment."""
    yield from asyncio.sleep(0)


@asyncio.coroutine
def producer(buffer, first, count):
    for item in range(first, first + count):
        yield from buffer.put(item)
        yield from settle()


@asyncio.coroutine
def consumer(buffer, taken):
    while True:
        item = yield from buffer.get()
        if item is DONE:
            return len(taken)
        taken.append(item)


@asyncio.coroutine
def main(loop):
    buffer = BoundedBuffer(loop)
    taken = [[], []]
    consumers = [loop.create_task(consumer(buffer, mine)) for mine in taken]
    yield from asyncio.gather(producer(buffer, 0, 6), producer(buffer, 100, 6), loop=loop)
    for _ in consumers:
        yield from buffer.put(DONE)
    counts = yield from asyncio.gather(*consumers, loop=loop)
    everything = sorted(taken[0] + taken[1])
    print("consumed:", everything)
    print("each item once:", len(everything) == len(set(everything)) == sum(counts) == 12)
    in_order = True
    for mine in taken:
        for source in (0, 100):
            from_source = [item for item in mine if source <= item < source + 100]
            in_order = in_order and from_source == sorted(from_source)
    print("in order per producer:", in_order)
    print("never above capacity:", buffer.most <= CAPACITY)

    # notify_all wakes every waiter; each re-acquires the lock in turn.
    gate = asyncio.Condition(loop=loop)
    woken = []

    @asyncio.coroutine
    def wait_at_gate(n):
        with (yield from gate):
            yield from gate.wait()
            woken.append(n)

    waiters = [loop.create_task(wait_at_gate(n)) for n in range(3)]
    yield from settle()
    with (yield from gate):
        gate.notify_all()
    yield from asyncio.wait(waiters, loop=loop)
    print("notify_all woke:", sorted(woken))


loop = asyncio.get_event_loop()
loop.run_until_complete(main(loop))
loop.close()
