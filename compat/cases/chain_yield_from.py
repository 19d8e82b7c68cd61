"""Chain coroutines with @coroutine and yield from (asyncio docs, Python
3.4: "Example: Chain coroutines"); prints what chain_async.py prints.

Covers: @coroutine generators calling each other with 'yield from';
'return value' from a generator coroutine; yield from asyncio.sleep().
"""
import asyncio

import genloop


@genloop.coroutine
def compute(x, y):
    print("Compute %s + %s ..." % (x, y))
    yield from asyncio.sleep(0.1)
    return x + y


@genloop.coroutine
def print_sum(x, y):
    result = yield from compute(x, y)
    print("%s + %s = %s" % (x, y, result))


loop = genloop.new_event_loop()
loop.run_until_complete(print_sum(1, 2))
loop.close()
