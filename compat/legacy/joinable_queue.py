"""A 3.4-era work queue: asyncio.JoinableQueue with task_done() and join(),
workers that loop on get(), and a producer that waits for the queue to
drain.

Covers: L04, L05, L01, L11
"""
# expected output: by design (asyncio 3.5+ has no JoinableQueue; the design
# restores 3.4's alias of Queue). Recorded on 3.6 with that alias set: see README.md.
import asyncio


def work_on(item):
    """Undecorated helper: a unit of work takes a few loop iterations."""
    for _ in range(item % 3):
        yield from asyncio.sleep(0)
    return item * 2


@asyncio.coroutine
def worker(queue, results, errors):
    while True:
        item = yield from queue.get()
        try:
            results.append((yield from work_on(item)))
        except asyncio.CancelledError:
            raise
        except Exception as exc:  # a worker logs a failed item and goes on
            errors.append(exc)
        finally:
            queue.task_done()


@asyncio.coroutine
def main(loop):
    queue = asyncio.JoinableQueue(maxsize=4, loop=loop)
    print("a JoinableQueue is a Queue:", isinstance(queue, asyncio.Queue))
    results, errors = [], []
    workers = [loop.create_task(worker(queue, results, errors)) for _ in range(3)]
    for item in range(10):
        yield from queue.put(item)
    yield from queue.join()
    print("all done after join():", sorted(results))
    print("failed items:", [repr(exc) for exc in errors])
    print("empty:", queue.empty(), "qsize:", queue.qsize())
    for task in workers:
        task.cancel()
    yield from asyncio.wait(workers, loop=loop)
    print("workers cancelled:", all(task.cancelled() for task in workers))
    try:
        queue.task_done()
    except ValueError:
        print("task_done() once too often: ValueError")


loop = asyncio.get_event_loop()
loop.run_until_complete(main(loop))
loop.close()
