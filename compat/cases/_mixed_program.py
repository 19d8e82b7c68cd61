"""The mixed-styles program shared by mixed_styles_genloop.py (genloop's
loop) and mixed_styles_stock_factory.py (the stock asyncio loop with
genloop.task_factory): both must print exactly the same.

Covers every row of the yield table in genloop/tasks.py, one section each:
bare 'yield'; 'yield from fut' / 'await fut'; tornado-style 'r = yield fut';
'r = yield sub()' with a plain generator, a native coroutine and a legacy
coroutine; From(x); an object with __await__; a concurrent.futures.Future;
list / tuple / dict yields; 'raise Return(v)'; 'raise StopIteration(v)'
under PEP 479; a bad yield caught as RuntimeError; exceptions propagating
through the trampoline (and out of run_until_complete).  Along the way,
legacy code calls native code and native code awaits legacy code.

Not a case itself: files starting with '_' are helpers.
"""
# PEP 479 on every Python, 3.6 included: 'raise StopIteration(v)' in a
# generator becomes RuntimeError, which genloop turns back into a return.
from __future__ import generator_stop

import asyncio
import concurrent.futures

import genloop
from genloop import From, Return


def section(title):
    print("--", title)


def resolved_soon(loop, value):
    """A future that gets ``value`` on the next loop iteration."""
    future = loop.create_future()
    loop.call_soon(future.set_result, value)
    return future


def failed_soon(loop, exc):
    future = loop.create_future()
    loop.call_soon(future.set_exception, exc)
    return future


# -- small coroutines of every kind ---------------------------------------


@genloop.coroutine
def legacy_add(a, b):
    yield from asyncio.sleep(0)
    return a + b


async def native_double(x):
    await asyncio.sleep(0)
    return 2 * x


def plain_square(loop, x):
    """An undecorated generator: only the trampoline ('yield sub()') runs it."""
    y = yield resolved_soon(loop, x)  # tornado style: the result comes back
    return y * y


@genloop.coroutine
def ticker(name, log):
    for i in range(3):
        log.append("%s%d" % (name, i))
        yield
    return name


class Ready(object):
    """An awaitable that is neither a future nor a coroutine."""

    def __init__(self, loop, value):
        self.loop = loop
        self.value = value

    def __await__(self):
        return (yield from resolved_soon(self.loop, self.value))


@genloop.coroutine
def legacy_returns_via_return(x):
    yield from asyncio.sleep(0)
    raise Return(x + 100)


def plain_returns_via_return(x):
    yield
    raise Return(x + 200)


@genloop.coroutine
def legacy_returns_via_stopiteration(x):
    yield from asyncio.sleep(0)
    raise StopIteration(x + 300)


def plain_returns_via_stopiteration(x):
    yield
    raise StopIteration(x + 400)


async def native_fails(message):
    await asyncio.sleep(0)
    raise ValueError(message)


def plain_middle():
    try:
        yield native_fails("deep")
        print("  not reached")
    finally:
        print("  unwinding plain_middle")


@genloop.coroutine
def legacy_middle():
    try:
        return (yield plain_middle())
    finally:
        print("  unwinding legacy_middle")


async def native_top():
    try:
        return await legacy_middle()
    finally:
        print("  unwinding native_top")


async def native_awaits_legacy(loop):
    from_future = await resolved_soon(loop, "await fut")
    from_legacy = await legacy_add(20, 22)
    from_awaitable = await Ready(loop, "await Ready")
    return from_future, from_legacy, from_awaitable


@genloop.coroutine
def legacy_fails(message):
    yield from asyncio.sleep(0)
    raise LookupError(message)


# -- the program ------------------------------------------------------------


@genloop.coroutine
def main(loop):
    task = genloop.current_task()
    print("running in a genloop.Task:", isinstance(task, genloop.Task))
    print("legacy_add is a coroutine function:", asyncio.iscoroutinefunction(legacy_add))

    section("bare yield: gives the other task a turn")
    log = []
    other = loop.create_task(ticker("B", log))
    for i in range(3):
        log.append("A%d" % i)
        yield
    print("other task returned", (yield from other))
    print("interleaving:", log)

    section("yield from fut / await fut")
    print((yield from resolved_soon(loop, "yield from fut")))
    print("native from legacy:", (yield from native_awaits_legacy(loop)))
    print("yield from native_double(4):", (yield from native_double(4)))

    section("tornado style: r = yield fut")
    print((yield resolved_soon(loop, "yield fut")))
    print("a task:", (yield loop.create_task(legacy_add(1, 2))))

    section("r = yield sub(): generator, native coroutine, legacy coroutine")
    print("plain generator:", (yield plain_square(loop, 7)))
    print("native coroutine:", (yield native_double(21)))
    print("legacy coroutine:", (yield legacy_add(40, 2)))

    section("From(x)")
    print("From(future):", (yield From(resolved_soon(loop, "trollius"))))
    print("From(legacy):", (yield From(legacy_add(3, 4))))
    print("From(From(native)):", (yield From(From(native_double(5)))))

    section("an object with __await__")
    print((yield Ready(loop, "awaitable")))

    section("concurrent.futures.Future")
    with concurrent.futures.ThreadPoolExecutor(max_workers=1) as pool:
        print("pow(2, 10) in a thread:", (yield pool.submit(pow, 2, 10)))
        print("in a list:", (yield [pool.submit(sum, [1, 2, 3]), legacy_add(0, 1)]))

    section("list / tuple / dict yields wait for all")
    items = [legacy_add(1, 1), native_double(5), resolved_soon(loop, "f"), Ready(loop, "r")]
    print("list:", (yield items))
    print("tuple:", (yield (resolved_soon(loop, 1), From(legacy_add(1, 1)), plain_square(loop, 3))))
    print("dict:", (yield {"x": legacy_add(2, 2), "y": native_double(3)}))
    print("empty:", (yield []), (yield ()), (yield {}))
    try:
        yield [legacy_add(0, 0), legacy_fails("one item failed")]
    except LookupError as exc:
        print("an item's exception:", type(exc).__name__, exc)

    section("raise Return(v)")
    print("legacy, yield from:", (yield from legacy_returns_via_return(1)))
    print("plain, yield sub():", (yield plain_returns_via_return(2)))

    section("raise StopIteration(v) under PEP 479")
    print("legacy, yield from:", (yield from legacy_returns_via_stopiteration(1)))
    print("plain, yield sub():", (yield plain_returns_via_stopiteration(2)))
    print("legacy, as a task:", (yield from loop.create_task(legacy_returns_via_stopiteration(3))))

    section("bad yield: RuntimeError thrown into the coroutine")
    for bad in (42, "text", legacy_add):
        try:
            yield bad
        except RuntimeError as exc:
            message = str(exc)
            print(message.split(". A genloop task accepts:")[0])
            print("  lists what is accepted:", "concurrent.futures.Future" in message)

    section("exceptions propagate through the trampoline")
    try:
        yield from native_top()
    except ValueError as exc:
        print("caught", type(exc).__name__, exc)
    try:
        yield failed_soon(loop, KeyError("from a future"))
    except KeyError as exc:
        print("tornado-style yield of a failed future:", type(exc).__name__, exc.args[0])
    try:
        yield from failed_soon(loop, KeyError("yield from"))
    except KeyError as exc:
        print("yield from a failed future:", type(exc).__name__, exc.args[0])
    try:
        yield loop.create_task(native_fails("in a task"))
    except ValueError as exc:
        print("a failed task:", type(exc).__name__, exc)
    return "main returned"


def run_all(loop):
    """Run the program on ``loop`` (the case script creates and closes it)."""
    print(loop.run_until_complete(main(loop)))
    print("-- an exception reaches run_until_complete's caller")
    try:
        loop.run_until_complete(legacy_fails("top level"))
    except LookupError as exc:
        print("caught", type(exc).__name__, exc)
    print("done")
