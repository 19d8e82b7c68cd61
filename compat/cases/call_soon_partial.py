"""call_soon() with functools.partial carrying keyword arguments (asyncio
docs, Python 3.4: "Calls": "use functools.partial() to pass keywords to the
callback", and "Example: Hello World with call_soon()").

Covers: call_soon() takes positional arguments only, keywords go through
functools.partial; callbacks run first in first out; loop.stop() from a
callback lets the current batch of callbacks finish, then run_forever()
returns; callbacks scheduled meanwhile wait for the next run.
"""
import functools

import genloop


def hello_world(loop):
    print("Hello World")
    loop.stop()
    loop.call_soon(functools.partial(print, "next batch: runs when the loop runs again"))


loop = genloop.new_event_loop()
loop.call_soon(functools.partial(print, "Hello", flush=True))
loop.call_soon(functools.partial(print, "a", "b", "c", sep="-", end=" (sep='-')\n"))
loop.call_soon(hello_world, loop)
loop.call_soon(functools.partial(print, "same batch as stop(): still runs", flush=True))
loop.run_forever()
print("run_forever() returned")
loop.call_soon(loop.stop)
loop.run_forever()
loop.close()
