"""asyncio.Task.current_task() and asyncio.Task.all_tasks(), the class
methods 3.4-3.6 code used to find "the task I am running in" and to
list the loop's tasks.  Old semantics: all_tasks() also lists finished
tasks that are still referenced.

Covers: L07, L05, L01, L11
"""
import asyncio


def wait_for_it(event):
    yield from event.wait()


@asyncio.coroutine
def worker(event):
    me = asyncio.Task.current_task()
    yield from wait_for_it(event)
    return me


def from_a_callback(seen):
    seen.append(asyncio.Task.current_task())


@asyncio.coroutine
def main(loop):
    me = asyncio.Task.current_task()
    print("current_task() is a Task:", isinstance(me, asyncio.Task))
    print("current_task(loop=loop) is the same:", asyncio.Task.current_task(loop=loop) is me)

    event = asyncio.Event(loop=loop)
    task = loop.create_task(worker(event))
    yield from asyncio.sleep(0, loop=loop)
    tasks = asyncio.Task.all_tasks()
    print("all_tasks() is a set:", isinstance(tasks, set))
    print("lists the running task:", me in tasks)
    print("lists the pending worker:", task in tasks)
    print("all_tasks(loop=loop) too:", task in asyncio.Task.all_tasks(loop=loop))

    event.set()
    print("the worker saw itself:", (yield from task) is task)
    print("a finished task still referenced is listed:", task in asyncio.Task.all_tasks())

    seen = []
    loop.call_soon(from_a_callback, seen)
    yield from asyncio.sleep(0, loop=loop)
    print("in a plain callback:", seen)


loop = asyncio.get_event_loop()
print("outside the loop:", asyncio.Task.current_task(loop=loop))
main_task = loop.create_task(main(loop))
loop.run_until_complete(main_task)
print("after it ran, the main task is still listed:",
      main_task in asyncio.Task.all_tasks(loop=loop))
loop.close()
