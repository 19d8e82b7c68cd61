"""loop.set_default_executor() with executors that are not
ThreadPoolExecutors: an inline executor (a test double legacy suites
used) and an instrumented executor that delegates to a thread pool.

Covers: L29, L01, L11
"""
import asyncio
import concurrent.futures
import time


class InlineExecutor(concurrent.futures.Executor):
    """Runs each call at once, in the calling thread."""

    def __init__(self):
        self.calls = []

    def submit(self, fn, *args, **kwargs):
        self.calls.append(fn.__name__)
        future = concurrent.futures.Future()
        try:
            future.set_result(fn(*args, **kwargs))
        except Exception as exc:
            future.set_exception(exc)
        return future


class CountingExecutor(concurrent.futures.Executor):
    """Counts the work it is given and hands it to a thread pool."""

    def __init__(self):
        self.count = 0
        self._pool = concurrent.futures.ThreadPoolExecutor(max_workers=2)

    def submit(self, fn, *args, **kwargs):
        self.count += 1
        return self._pool.submit(fn, *args, **kwargs)

    def shutdown(self, wait=True):
        self._pool.shutdown(wait=wait)


def square(x):
    return x * x


def slow_square(x):
    time.sleep(0.01)
    return x * x


def broken():
    raise ArithmeticError("in the executor")


def in_executor(loop, fn, *args):
    """Undecorated helper around run_in_executor(None, ...)."""
    result = yield from loop.run_in_executor(None, fn, *args)
    return result


@asyncio.coroutine
def main(loop):
    inline = InlineExecutor()
    loop.set_default_executor(inline)
    print("inline:", (yield from in_executor(loop, square, 7)))
    try:
        yield from loop.run_in_executor(None, broken)
    except ArithmeticError as exc:
        print("an exception comes back:", exc)
    print("inline executor ran:", inline.calls)

    counting = CountingExecutor()
    loop.set_default_executor(counting)
    results = yield from asyncio.gather(
        *[in_executor(loop, slow_square, n) for n in range(5)], loop=loop)
    print("counting:", results, "submitted:", counting.count)
    counting.shutdown()


loop = asyncio.get_event_loop()
loop.run_until_complete(main(loop))
loop.close()
