"""asyncio.gather() of legacy coroutines with ``loop=``: the first error
propagates, return_exceptions=True collects errors as results, and
cancelling the gather cancels every child still running.

Covers: L05, L01, L10, L11
"""
import asyncio


def steps(n):
    for _ in range(n):
        yield from asyncio.sleep(0)


@asyncio.coroutine
def ok(value, n=1):
    yield from steps(n)
    return value


@asyncio.coroutine
def fail(exc, n=1):
    yield from steps(n)
    raise exc


@asyncio.coroutine
def forever(loop, log, name):
    try:
        yield from asyncio.Future(loop=loop)
    except asyncio.CancelledError:
        log.append(name + " cancelled")
        raise


@asyncio.coroutine
def main(loop):
    print("results in argument order:", (yield from asyncio.gather(
        ok("slow", 4), ok("fast", 1), ok("middle", 2), loop=loop)))

    try:
        yield from asyncio.gather(ok(1), fail(KeyError("missing")), loop=loop)
    except KeyError as exc:
        print("first error propagates:", type(exc).__name__, exc.args)

    results = yield from asyncio.gather(
        ok(1), fail(ValueError("bad")), fail(ZeroDivisionError("zero"), 2), ok(4),
        loop=loop, return_exceptions=True)
    print("return_exceptions=True:", [
        (type(r).__name__, r.args) if isinstance(r, Exception) else r for r in results])

    log = []
    children = [loop.create_task(forever(loop, log, name)) for name in ("a", "b")]
    outer = asyncio.gather(*children, loop=loop)
    yield from steps(1)
    outer.cancel()
    try:
        yield from outer
    except asyncio.CancelledError:
        print("awaiting the cancelled gather: CancelledError")
    yield from asyncio.wait(children, loop=loop)
    print("so are its children:", [child.cancelled() for child in children], sorted(log))


loop = asyncio.get_event_loop()
loop.run_until_complete(main(loop))
loop.close()
