"""A codebase half-way through its migration (3.5-3.7 era): new code in
``async def`` awaits old @asyncio.coroutine code and the other way round,
both sides share one Lock (``async with`` / ``with (yield from lock)``)
and one Queue, and everything still passes ``loop=``.

Covers: L01, L05, L06, L08, L11, L15, mixed with async def
"""
import asyncio


def legacy_pause(loop):
    yield from asyncio.sleep(0, loop=loop)


@asyncio.coroutine
def legacy_fetch(loop, key):
    yield from legacy_pause(loop)
    return "legacy:" + key


async def native_fetch(loop, key):
    await asyncio.sleep(0, loop=loop)
    return "native:" + key


@asyncio.coroutine
def legacy_calls_native(loop):
    value = yield from native_fetch(loop, "from legacy")
    return value


async def native_calls_legacy(loop):
    return await legacy_fetch(loop, "from native")


@asyncio.coroutine
def legacy_writer(loop, lock, log, name):
    with (yield from lock):
        log.append(name + " start")
        yield from legacy_pause(loop)
        log.append(name + " end")


async def native_writer(lock, log, name):
    async with lock:
        log.append(name + " start")
        await asyncio.sleep(0)
        log.append(name + " end")


class AsyncLines(object):
    """An async iterator whose __anext__ is a legacy coroutine."""

    def __init__(self, queue):
        self.queue = queue

    def __aiter__(self):
        return self

    @asyncio.coroutine
    def __anext__(self):
        line = yield from self.queue.get()
        if line is None:
            raise StopAsyncIteration
        return line


async def read_all(queue):
    return [line async for line in AsyncLines(queue)]


@asyncio.coroutine
def feed(queue, lines):
    for line in lines + [None]:
        yield from queue.put(line)


@asyncio.coroutine
def main(loop):
    print((yield from legacy_calls_native(loop)))
    print((yield from native_calls_legacy(loop)))
    print("gather of both kinds:", (yield from asyncio.gather(
        legacy_fetch(loop, "a"), native_fetch(loop, "b"), loop=loop)))
    print("iscoroutinefunction:", asyncio.iscoroutinefunction(legacy_fetch),
          asyncio.iscoroutinefunction(native_fetch))

    lock = asyncio.Lock(loop=loop)
    log = []
    writers = [legacy_writer(loop, lock, log, "old"), native_writer(lock, log, "new"),
               legacy_writer(loop, lock, log, "old2")]
    yield from asyncio.wait(writers, loop=loop)
    pairs = sorted((log[i], log[i + 1]) for i in range(0, len(log), 2))
    print("one writer at a time:", pairs)

    queue = asyncio.Queue(maxsize=1, loop=loop)
    lines, _ = yield from asyncio.gather(read_all(queue), feed(queue, ["x", "y", "z"]), loop=loop)
    print("async for over a legacy __anext__:", lines)


loop = asyncio.get_event_loop()
loop.run_until_complete(main(loop))
loop.close()
