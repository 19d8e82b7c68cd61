"""Hello World with a coroutine (asyncio docs, Python 3.4: "Example: Hello
World coroutine"), on genloop's loop.

Covers: @coroutine on a generator function; run_until_complete() with a
legacy coroutine object; loop.close().
"""
import asyncio

import genloop


@genloop.coroutine
def hello_world():
    # The 3.4 example's coroutine did not wait for anything; this one gives
    # the loop one turn first so that it is a real generator.
    yield from asyncio.sleep(0)
    print("Hello World!")


loop = genloop.new_event_loop()
# Blocking call which returns when the hello_world() coroutine is done
loop.run_until_complete(hello_world())
loop.close()
