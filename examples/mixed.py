"""A legacy ``@coroutine`` program and native ``async def`` code on one loop.

The legacy half is written as asyncio code of the Python 3.4 era was:
``yield from``, tornado-style ``result = yield future``, trollius-style
``From``/``Return``, helper generators without a decorator.  The native half
awaits the legacy coroutines and the other way round.  The program runs on
genloop's own loop, then on the stock asyncio loop with genloop's task
factory, and prints the same results both times.
"""

import asyncio
import concurrent.futures

import genloop


@genloop.coroutine
def fetch_price(item):
    """Legacy: a decorated generator that waits with ``yield from``."""
    yield from asyncio.sleep(0.01)
    return {"apple": 3, "pear": 5}.get(item, 0)


def total_price(items):
    """Legacy: an undecorated helper; ``yield sub()`` runs ``sub`` in place."""
    total = 0
    for item in items:
        total += yield fetch_price(item)
    raise genloop.Return(total)


async def native_order(items):
    """Native: awaits a legacy coroutine and gathers mixed ones."""
    total = await genloop.coroutine(total_price)(items)
    prices = await asyncio.gather(fetch_price("apple"), native_discount())
    return total, prices


async def native_discount():
    await asyncio.sleep(0)
    return -1


@genloop.coroutine
def legacy_main():
    """Legacy: drives the native code and uses every legacy yield."""
    order = yield from native_order(["apple", "pear"])
    loop = asyncio.get_event_loop()
    future = loop.create_future()
    loop.call_soon(future.set_result, "paid")
    status = yield future  # tornado style: the result comes back
    both = yield [fetch_price("pear"), native_discount()]
    by_name = yield {"apple": fetch_price("apple")}
    trollius = yield genloop.From(fetch_price("pear"))
    with concurrent.futures.ThreadPoolExecutor(1) as pool:
        from_thread = yield pool.submit(sum, [1, 2, 3])
    return order, status, both, by_name, trollius, from_thread


def main():
    print("genloop loop:      ", genloop.run(legacy_main()))
    loop = asyncio.new_event_loop()
    loop.set_task_factory(genloop.task_factory)
    try:
        print("stock loop+factory:", loop.run_until_complete(legacy_main()))
    finally:
        loop.close()


if __name__ == "__main__":
    main()
