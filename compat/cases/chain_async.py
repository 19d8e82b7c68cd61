"""Chain coroutines with async def / await (asyncio docs, Python 3.5:
"Example: Chain coroutines"), on genloop's loop.

Covers: native coroutines awaiting native coroutines and asyncio.sleep();
run_until_complete() with an async def coroutine.
"""
import asyncio

import genloop


async def compute(x, y):
    print("Compute %s + %s ..." % (x, y))
    await asyncio.sleep(0.1)
    return x + y


async def print_sum(x, y):
    result = await compute(x, y)
    print("%s + %s = %s" % (x, y, result))


loop = genloop.new_event_loop()
loop.run_until_complete(print_sum(1, 2))
loop.close()
