"""Producer/consumer on an asyncio.Queue(maxsize, loop=loop): several
producers, a pool of consumers, queue.join() to wait until every item is
processed, then the consumers are cancelled -- the pattern of 3.4-era
crawlers and job runners.

Covers: L05, L01, L11, L08, realistic: producer/consumer on a Queue with join()
"""
import asyncio


def process(item):
    """Undecorated helper: the work for one item takes item % 3 iterations."""
    for _ in range(item % 3):
        yield from asyncio.sleep(0)
    return item * item


@asyncio.coroutine
def producer(queue, items, log):
    for item in items:
        yield from queue.put(item)
    log.append("produced {}".format(len(items)))


@asyncio.coroutine
def consumer(queue, results, errors):
    while True:
        item = yield from queue.get()
        try:
            results[item] = yield from process(item)
        except asyncio.CancelledError:
            raise
        except Exception as exc:  # a worker logs a failed item and goes on
            errors.append(exc)
        finally:
            queue.task_done()


@asyncio.coroutine
def main(loop):
    queue = asyncio.Queue(maxsize=3, loop=loop)
    for item in (100, 101, 102):
        queue.put_nowait(item)
    print("full at maxsize:", queue.full(), queue.qsize())
    try:
        queue.put_nowait(103)
    except asyncio.QueueFull:
        print("put_nowait on a full queue: QueueFull")
    while not queue.empty():
        queue.get_nowait()
        queue.task_done()
    try:
        queue.get_nowait()
    except asyncio.QueueEmpty:
        print("get_nowait on an empty queue: QueueEmpty")

    results, log, errors = {}, [], []
    consumers = [loop.create_task(consumer(queue, results, errors)) for _ in range(4)]
    yield from asyncio.wait(
        [producer(queue, range(0, 10), log), producer(queue, range(10, 25), log)], loop=loop)
    yield from queue.join()
    print("producers:", sorted(log))
    print("processed:", len(results), "sum of squares:", sum(results.values()))
    print("failed items:", [repr(exc) for exc in errors])
    print("every item once:", sorted(results) == list(range(25)))
    print("queue empty after join():", queue.empty())
    for task in consumers:
        task.cancel()
    done, pending = yield from asyncio.wait(consumers, loop=loop)
    print("consumers cancelled:", sum(task.cancelled() for task in done), "pending:", len(pending))


loop = asyncio.get_event_loop()
loop.run_until_complete(main(loop))
loop.close()
