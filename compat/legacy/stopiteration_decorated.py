"""``raise StopIteration(value)`` as "return value" in an @asyncio.coroutine
generator, as code shared with Python 2 (trollius) wrote it.  On Python
3.5/3.6 asyncio.coroutine already applied types.coroutine, which puts these
generators under PEP 479: stock 3.6 gives the caller
``RuntimeError('generator raised StopIteration')``.  genloop's design
(inventory L24) recovers the value from that error's __cause__: the caller
and the task get "value".

Covers: L24, L01
"""
# expected output: by design (asyncio never returned a value this way from a
# decorated coroutine; genloop's Task and @coroutine do, from the generator
# that raised it).
import asyncio


@asyncio.coroutine
def legacy_result():
    yield from asyncio.sleep(0)
    raise StopIteration("value")


@asyncio.coroutine
def caller():
    try:
        value = yield from legacy_result()
    except RuntimeError as exc:
        cause = exc.__cause__
        print("caller got RuntimeError:", exc)
        print("its cause:", type(cause).__name__, cause.args)
    else:
        print("caller got a value:", value)


loop = asyncio.get_event_loop()
loop.run_until_complete(caller())
task = loop.create_task(legacy_result())
loop.run_until_complete(asyncio.wait([task], loop=loop))
error = task.exception()
if error is None:
    print("as a task: returned", task.result())
else:
    print("as a task:", type(error).__name__, error, "| cause:", type(error.__cause__).__name__)
loop.close()
