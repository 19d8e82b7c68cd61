"""A two-argument task factory, ``factory(loop, coro)``, as 3.4.4-3.10 code
wrote them (tracing, Task subclasses), seeing every task the loop makes:
run_until_complete, create_task, ensure_future, gather, wait and shield.

Covers: L32, L05, L07, L08, L01, L11
"""
import asyncio


class TracedTask(asyncio.Task):
    """A Task subclass that remembers its number."""


created = []


def traced_factory(loop, coro):
    task = TracedTask(coro, loop=loop)
    created.append(task)
    return task


def hop():
    yield from asyncio.sleep(0)


@asyncio.coroutine
def job(value):
    yield from hop()
    return value


@asyncio.coroutine
def main(loop):
    me = asyncio.Task.current_task(loop=loop)
    print("the main task came from the factory:", isinstance(me, TracedTask), me in created)
    made = [loop.create_task(job("create_task")), asyncio.ensure_future(job("ensure_future"))]
    for task in made:
        print((yield from task), type(task).__name__)
    print("gather:", (yield from asyncio.gather(job(1), job(2), loop=loop)))
    done, _ = yield from asyncio.wait([job("wait")], loop=loop)
    print("wait:", [task.result() for task in done], type(next(iter(done))).__name__)
    print("shield:", (yield from asyncio.shield(job("shield"), loop=loop)))
    print("tasks made by the factory:", len(created))
    print("all TracedTask:", all(type(task) is TracedTask for task in created))


loop = asyncio.get_event_loop()
loop.set_task_factory(traced_factory)
print("get_task_factory():", loop.get_task_factory() is traced_factory)
loop.run_until_complete(main(loop))
loop.set_task_factory(None)
task = loop.create_task(job("plain"))
loop.run_until_complete(task)
print("after set_task_factory(None):", task.result(), isinstance(task, TracedTask), len(created))
loop.close()
