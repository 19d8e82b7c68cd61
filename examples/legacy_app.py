"""A small asyncio program as it was written for Python 3.4, next to one
``async def`` function added later, run unmodified with:

    genloop run examples/legacy_app.py

It uses what later Pythons removed: ``@asyncio.coroutine``, ``loop=``
arguments, ``with (yield from lock)``, ``asyncio.async``, an undecorated
helper generator that ``yield from``s ``asyncio.sleep``, and a module-level
``asyncio.get_event_loop()``.  Nothing here imports genloop.
"""
import asyncio

loop = asyncio.get_event_loop()
lock = asyncio.Lock(loop=loop)


def pause():
    # An undecorated helper: fine on 3.4, a TypeError from 3.7 without genloop.
    yield from asyncio.sleep(0.01, loop=loop)


@asyncio.coroutine
def handle_order(name, quantity, stock):
    with (yield from lock):
        yield from pause()
        stock[name] -= quantity
        return "{} x{} (left {})".format(name, quantity, stock[name])


async def report(stock):
    # Native code, written later, awaiting a legacy coroutine.
    await pause_native()
    return sorted(stock.items())


async def pause_native():
    await asyncio.sleep(0)


@asyncio.coroutine
def main():
    stock = {"apple": 10, "pear": 5}
    orders = [getattr(asyncio, "async")(handle_order(name, n, stock))
              for name, n in [("apple", 3), ("pear", 2), ("apple", 4)]]
    done = yield from asyncio.gather(*orders, loop=loop)
    for line in done:
        print(line)
    print("stock:", (yield from report(stock)))
    print("running on:", type(loop).__name__)


loop.run_until_complete(main())
loop.close()
