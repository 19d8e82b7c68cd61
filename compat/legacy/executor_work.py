"""Blocking work moved off the loop from legacy coroutines:
loop.run_in_executor with the default executor and with an explicit
ThreadPoolExecutor, functools.partial for keyword arguments,
asyncio.wrap_future on a concurrent.futures.Future, and exceptions
coming back from the worker thread.

Covers: L01, L05, L11, realistic: run_in_executor
"""
import asyncio
import concurrent.futures
import functools
import hashlib
import time


def checksum(data, rounds=1):
    """Blocking work: a few rounds of SHA-1."""
    time.sleep(0.01)
    for _ in range(rounds):
        data = hashlib.sha1(data).hexdigest().encode()
    return data.decode()[:12]


def refuse(reason):
    raise PermissionError(reason)


def off_the_loop(loop, executor, fn, *args):
    """Undecorated helper around run_in_executor."""
    return (yield from loop.run_in_executor(executor, fn, *args))


@asyncio.coroutine
def main(loop):
    print("default executor:", (yield from off_the_loop(loop, None, checksum, b"abc")))
    with concurrent.futures.ThreadPoolExecutor(max_workers=3) as pool:
        jobs = [off_the_loop(loop, pool, checksum, word) for word in (b"x", b"y", b"z")]
        print("a pool of three:", (yield from asyncio.gather(*jobs, loop=loop)))
        rounds = functools.partial(checksum, b"abc", rounds=3)
        print("partial with keywords:", (yield from loop.run_in_executor(pool, rounds)))
        submitted = pool.submit(checksum, b"submitted")
        print("wrap_future:", (yield from asyncio.wrap_future(submitted, loop=loop)))
        try:
            yield from loop.run_in_executor(pool, refuse, "no access")
        except PermissionError as exc:
            print("the worker's exception:", type(exc).__name__, exc.args)
    done, _ = yield from asyncio.wait(
        [loop.run_in_executor(None, checksum, bytes([n])) for n in range(4)], loop=loop)
    print("asyncio.wait on executor futures:", len(done), all(f.exception() is None for f in done))


loop = asyncio.get_event_loop()
loop.run_until_complete(main(loop))
loop.close()
