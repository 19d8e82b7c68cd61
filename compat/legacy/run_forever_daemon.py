"""A 3.4-style daemon: tasks scheduled with asyncio.async() on the loop from
get_event_loop(), then ``loop.run_forever()`` until a task calls
``loop.stop()``; a periodic job re-armed with call_later; pending tasks
cancelled and drained with run_until_complete before close().

Covers: L02, L07, L26, L27, L01, L05, L11
"""
import asyncio

spawn = getattr(asyncio, "async")


def tick(loop):
    yield from asyncio.sleep(0.01, loop=loop)


@asyncio.coroutine
def heartbeat(loop, beats):
    while True:
        yield from tick(loop)
        beats.append(len(beats) + 1)


@asyncio.coroutine
def job(loop, results, name, rounds):
    for _ in range(rounds):
        yield from asyncio.sleep(0, loop=loop)
    results.append(name)


@asyncio.coroutine
def supervisor(loop, results, beats):
    jobs = [spawn(job(loop, results, name, n)) for name, n in (("b", 2), ("a", 1), ("c", 3))]
    yield from asyncio.wait(jobs, loop=loop)
    while len(beats) < 3:
        yield from tick(loop)
    results.append("supervisor done")
    loop.stop()


def rearm(loop, calls, remaining):
    calls.append(remaining)
    if remaining > 1:
        loop.call_later(0.005, rearm, loop, calls, remaining - 1)


loop = asyncio.get_event_loop()
results, beats, calls = [], [], []
beat = spawn(heartbeat(loop, beats))
spawn(supervisor(loop, results, beats))
loop.call_soon(rearm, loop, calls, 4)
loop.run_forever()
print("stopped by a task:", results)
print("heartbeats before the stop: at least 3:", len(beats) >= 3)
print("periodic callback counted down:", calls)
print("heartbeat still pending:", not beat.done())
beat.cancel()
pending = [task for task in asyncio.Task.all_tasks(loop=loop) if not task.done()]
loop.run_until_complete(asyncio.gather(*pending, loop=loop, return_exceptions=True))
print("after draining, cancelled:", beat.cancelled())
loop.close()
