"""``raise StopIteration(value)`` in undecorated generator coroutines that
the loop runs as tasks (run_until_complete, create_task, gather): before
PEP 479 was enforced (3.7) this ended the generator with ``value``, and
the task's result was ``value``.

Covers: L24, L09, L10, L11
"""
import asyncio


def fetch(key):
    """Python 2-compatible generator coroutine: no ``return value``."""
    yield from asyncio.sleep(0)
    raise StopIteration(key.upper())


def fetch_nothing():
    yield from asyncio.sleep(0)
    raise StopIteration


loop = asyncio.get_event_loop()
print("run_until_complete:", loop.run_until_complete(fetch("a")))
task = loop.create_task(fetch("b"))
print("create_task:", loop.run_until_complete(task), task.exception())
print("gather:", loop.run_until_complete(asyncio.gather(fetch("c"), fetch("d"))))
print("a bare StopIteration:", loop.run_until_complete(fetch_nothing()))
loop.close()
