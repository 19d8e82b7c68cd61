"""asyncio.as_completed() over legacy coroutines: handle each answer as it
arrives, and give up on the slow ones after a timeout.

Covers: L05, L01, L10, L11, realistic: as_completed
"""
import asyncio


def steps(n):
    """Undecorated helper: n loop iterations (so the order is exact)."""
    for _ in range(n):
        yield from asyncio.sleep(0)


@asyncio.coroutine
def lookup(name, cost):
    yield from steps(cost)
    return "{} ({} steps)".format(name, cost)


@asyncio.coroutine
def broken(cost):
    yield from steps(cost)
    raise LookupError("no such host")


@asyncio.coroutine
def main(loop):
    jobs = [lookup("slow", 5), lookup("fast", 1), lookup("medium", 3)]
    for number, next_done in enumerate(asyncio.as_completed(jobs, loop=loop), 1):
        answer = yield from next_done
        print(number, answer)

    jobs = [lookup("ok", 1), broken(2), lookup("late", 4)]
    for next_done in asyncio.as_completed(jobs, loop=loop):
        try:
            print("got", (yield from next_done))
        except LookupError as exc:
            print("failed:", exc)

    never = asyncio.Future(loop=loop)
    jobs = [lookup("in time", 2), never]
    received = []
    try:
        for next_done in asyncio.as_completed(jobs, timeout=0.05, loop=loop):
            received.append((yield from next_done))
    except asyncio.TimeoutError:
        print("timed out after", received)
    print("the slow future was left pending:", not never.done())
    never.cancel()


loop = asyncio.get_event_loop()
loop.run_until_complete(main(loop))
loop.close()
