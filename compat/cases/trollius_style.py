"""A trollius-era program: code written to run on Python 2 (trollius) and
Python 3 (asyncio) alike, as libraries did around 2014-2016.

Covers: ``yield From(x)`` for every wait, ``raise Return(v)`` for every
return (Python 2 generators could not ``return v``), ``six`` for the
Python 2/3 differences, a coroutine calling another with ``yield From``,
and a fan-out with ``asyncio.wait``.
"""
import asyncio

import six

import genloop
from genloop import From, Return


@genloop.coroutine
def fetch(name, delay):
    yield From(asyncio.sleep(delay))
    raise Return(six.text_type("{}:{}").format(name, len(name)))


@genloop.coroutine
def fetch_all(names):
    loop = asyncio.get_event_loop()
    tasks = [loop.create_task(fetch(name, 0.01 * index)) for index, name in enumerate(names)]
    done, pending = yield From(asyncio.wait(tasks))
    results = sorted(task.result() for task in done)
    raise Return((results, len(pending)))


@genloop.coroutine
def main():
    results, still_pending = yield From(fetch_all(["alpha", "beta", "gamma"]))
    for number, result in zip(six.moves.range(1, 10), results):
        six.print_(number, result, isinstance(result, six.string_types))
    six.print_("pending:", still_pending)


loop = genloop.new_event_loop()
asyncio.set_event_loop(loop)
loop.run_until_complete(main())
asyncio.set_event_loop(None)
loop.close()
