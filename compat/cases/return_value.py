"""A coroutine returning a value after a sleep; its callers print it
(asyncio docs, Python 3.4: "Coroutines" / "Future with run_until_complete").

Covers: 'return value' from a @coroutine generator; the value reaching a
'yield from' caller and run_until_complete()'s caller; yield from
asyncio.sleep(delay).
"""
import asyncio

import genloop


@genloop.coroutine
def slow_operation(x, y):
    yield from asyncio.sleep(0.05)
    return x * y


@genloop.coroutine
def main():
    product = yield from slow_operation(6, 7)
    print("slow_operation(6, 7) returned", product)
    return "main is done"


loop = genloop.new_event_loop()
print("run_until_complete returned", repr(loop.run_until_complete(main())))
print("and again:", loop.run_until_complete(slow_operation(2, 21)))
loop.close()
