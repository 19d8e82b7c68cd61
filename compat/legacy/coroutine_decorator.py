"""@asyncio.coroutine on generator functions, on methods, and called as a
plain function on functions that are not generators (the 3.4 idioms
``f = asyncio.coroutine(f)`` and ``__aexit__ = asyncio.coroutine(__exit__)``).

Covers: L01, L11, L15, mixed with async def
"""
import asyncio


def pause():
    """An undecorated helper generator, as 3.4-era code wrote them."""
    yield from asyncio.sleep(0)


@asyncio.coroutine
def add(a, b):
    yield from pause()
    return a + b


class Counter(object):
    def __init__(self):
        self.value = 0

    @asyncio.coroutine
    def increment(self, by):
        yield from pause()
        self.value += by
        return self.value


def times_ten(x):
    return x * 10


def future_of(loop, value):
    future = asyncio.Future(loop=loop)
    loop.call_soon(future.set_result, value)
    return future


def generator_of(x):
    """Not a generator function: it returns a generator object."""
    return add(x, x)


# asyncio.coroutine(f) on plain functions: the call returns a coroutine
# whose value is f's result, with futures and generators waited for.
times_ten_coro = asyncio.coroutine(times_ten)
future_of_coro = asyncio.coroutine(future_of)
generator_of_coro = asyncio.coroutine(generator_of)


class Resource(object):
    """A 3.5-era async context manager made of a synchronous one."""

    def __init__(self, log):
        self.log = log

    def __enter__(self):
        self.log.append("enter")
        return self

    def __exit__(self, exc_type, exc, tb):
        self.log.append("exit {}".format(exc_type.__name__ if exc_type else None))
        return False

    __aenter__ = asyncio.coroutine(__enter__)
    __aexit__ = asyncio.coroutine(__exit__)


async def use_resource(log):
    async with Resource(log) as resource:
        log.append("inside {}".format(type(resource).__name__))
    try:
        async with Resource(log):
            raise KeyError("boom")
    except KeyError:
        log.append("KeyError propagated")


@asyncio.coroutine
def main(loop):
    print("add:", (yield from add(1, 2)))
    counter = Counter()
    yield from counter.increment(5)
    print("method:", (yield from counter.increment(2)))
    print("coroutine(plain value):", (yield from times_ten_coro(4)))
    print("coroutine(plain future):", (yield from future_of_coro(loop, "from a future")))
    print("coroutine(plain generator):", (yield from generator_of_coro(21)))
    log = []
    yield from use_resource(log)
    print("async with:", log)


def show_kinds():
    kinds = [
        ("@coroutine function", add),
        ("@coroutine method", Counter.increment),
        ("coroutine(plain function)", times_ten_coro),
        ("undecorated generator function", pause),
        ("plain function", times_ten),
    ]
    for label, function in kinds:
        print(label, "iscoroutinefunction:", asyncio.iscoroutinefunction(function))
    coro = add(1, 1)
    print("add(1, 1) iscoroutine:", asyncio.iscoroutine(coro))
    coro.close()


show_kinds()
loop = asyncio.get_event_loop()
loop.run_until_complete(main(loop))
loop.close()
