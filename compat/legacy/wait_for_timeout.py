"""asyncio.wait_for() timing out on a legacy coroutine that is blocked in
an undecorated helper: the coroutine is cancelled, its cleanup runs, and
the caller gets asyncio.TimeoutError.

Covers: L05, L01, L11, realistic: wait_for timing out
"""
import asyncio


def read_reply(reply):
    """Undecorated helper blocked on a future nobody sets."""
    value = yield from reply
    return value


@asyncio.coroutine
def request(loop, log, finished):
    reply = asyncio.Future(loop=loop)
    log.append("request sent")
    try:
        return (yield from read_reply(reply))
    except asyncio.CancelledError:
        log.append("cancelled while waiting")
        raise
    finally:
        log.append("cleaned up; reply cancelled too: {}".format(reply.cancelled()))
        finished.set_result(None)


@asyncio.coroutine
def answer(value):
    yield from asyncio.sleep(0)
    return value


@asyncio.coroutine
def main(loop):
    log = []
    finished = asyncio.Future(loop=loop)
    try:
        yield from asyncio.wait_for(request(loop, log, finished), 0.05, loop=loop)
    except asyncio.TimeoutError as exc:
        print("wait_for:", type(exc).__name__)
    yield from finished
    for line in log:
        print(" ", line)

    print("in time:", (yield from asyncio.wait_for(answer("answer"), timeout=5, loop=loop)))
    print("no timeout:", (yield from asyncio.wait_for(answer("no limit"), None, loop=loop)))

    done_future = asyncio.Future(loop=loop)
    done_future.set_result("already done")
    print("a done future:", (yield from asyncio.wait_for(done_future, 0.05, loop=loop)))

    slow = asyncio.Future(loop=loop)
    try:
        yield from asyncio.wait_for(slow, 0.01, loop=loop)
    except asyncio.TimeoutError:
        print("a future that times out is cancelled:", slow.cancelled())


loop = asyncio.get_event_loop()
loop.run_until_complete(main(loop))
loop.close()
