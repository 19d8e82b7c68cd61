"""Small asyncio programs as data, for the differential fuzzer (test_fuzz.py).

A *program* is a tuple of task bodies; task 0 is the root and every other
task is spawned by exactly one parent (a tree).  A body is a tuple of steps,
each a plain tuple, so a failing program can be pasted into ``@example``:

    ("sleep", n)            sleep n ticks (n == 0: ``asyncio.sleep(0)``)
    ("catch", n)            sleep n ticks; a CancelledError is caught and recorded
    ("raise",)              raise ValueError
    ("spawn", c)            create task c (a child of this task)
    ("await", c, mode)      await child c; its ValueError/TimeoutError is recorded
    ("gather", cs, re, mode)  gather children cs, return_exceptions=re
    ("wait_for", c, n)      wait_for(child c, timeout of n ticks)
    ("cancel", t, msg)      cancel task t (if spawned); msg only on 3.9+
    ("set", e) / ("wait", e)  set / wait for event e (0 or 1)
    ("lock", n)             acquire the lock, sleep n ticks, release it
    ("soon",) / ("later", n)  call_soon / call_later a callback that records

``mode`` says how a legacy generator waits for the future: ``yield from``,
``yield From(x)`` or a bare ``yield x``; ``async def`` code always awaits.

Both interpreters append the same events to a trace, in the order they
happen.  Time is virtual (VirtualClock) and every timer gets a deadline no
other timer has (see ``Run.delay``): asyncio leaves the order of timers due
at the same time undefined, and genloop (FIFO) and asyncio's heap differ.
"""

import asyncio
import sys

from hypothesis import strategies as st

import genloop
from conftest import VirtualClock

TICK = 0.01
#: Each timer's deadline is the tick grid plus its own multiple of EPS.
EPS = 1e-6
#: The driver gives the program this many ticks before cancelling what is left.
LIMIT_TICKS = 50
MAX_ROUNDS = 20

CANCEL_MSG = sys.version_info >= (3, 9)
MODES = ("from", "From", "bare")


# -- the strategy -----------------------------------------------------------

def _ticks():
    return st.integers(0, 3)


def _plain_steps(index, n_tasks):
    others = [t for t in range(n_tasks) if t != index]
    choices = [
        st.tuples(st.just("sleep"), _ticks()),
        st.tuples(st.just("catch"), _ticks()),
        st.just(("raise",)),
        st.tuples(st.just("set"), st.integers(0, 1)),
        st.tuples(st.just("wait"), st.integers(0, 1)),
        st.tuples(st.just("lock"), _ticks()),
        st.just(("soon",)),
        st.tuples(st.just("later"), _ticks()),
    ]
    if others:
        msg = st.booleans() if CANCEL_MSG else st.just(False)
        choices.append(st.tuples(st.just("cancel"), st.sampled_from(others), msg))
    return st.one_of(*choices)


@st.composite
def programs(draw, max_tasks=6):
    n_tasks = draw(st.integers(1, max_tasks))
    parents = [None] + [draw(st.integers(0, i - 1)) for i in range(1, n_tasks)]
    program = []
    for index in range(n_tasks):
        steps = draw(st.lists(_plain_steps(index, n_tasks), max_size=4))
        children = [c for c in range(n_tasks) if parents[c] == index]
        gathered = []
        for child in children:
            at = draw(st.integers(0, len(steps)))
            steps.insert(at, ("spawn", child))
            how = draw(st.sampled_from(("none", "await", "wait_for", "gather")))
            later = draw(st.integers(at + 1, len(steps)))
            if how == "await":
                steps.insert(later, ("await", child, draw(st.sampled_from(MODES))))
            elif how == "wait_for":
                steps.insert(later, ("wait_for", child, draw(_ticks())))
            elif how == "gather":
                gathered.append(child)
        if gathered:
            last_spawn = max(i for i, s in enumerate(steps)
                             if s[0] == "spawn" and s[1] in gathered)
            at = draw(st.integers(last_spawn + 1, len(steps)))
            steps.insert(at, ("gather", tuple(gathered), draw(st.booleans()),
                              draw(st.sampled_from(MODES))))
        program.append(tuple(steps))
    return tuple(program)


# -- running a program ------------------------------------------------------

def describe(exc):
    """What a trace records of an exception: its class name and args."""
    return (type(exc).__name__, exc.args)


class Run(object):
    """One run of one program on one loop; ``trace`` is the result."""

    def __init__(self, program, loop, legacy):
        self.program = program
        self.loop = loop
        self.legacy = legacy
        self.trace = []
        self.tasks = {}
        self.timers = 0
        self.clock = VirtualClock(loop)
        self.base = self.clock.now
        loop.set_exception_handler(self._loop_error)

    def _loop_error(self, loop, context):
        self.trace.append(("loop-error", context.get("message")))

    def delay(self, ticks):
        """The delay to a deadline ``ticks`` ticks after the current tick,
        plus an offset no other timer of this run has."""
        self.timers += 1
        now = self.loop.time()
        tick = int(round((now - self.base) / TICK))
        deadline = self.base + (tick + ticks) * TICK + self.timers * EPS
        return deadline - now

    def spawn(self, index):
        body = legacy_task if self.legacy else async_task
        task = self.loop.create_task(body(self, index))
        task.add_done_callback(lambda t: self._done(index, t))
        self.tasks[index] = task
        return task

    def _done(self, index, task):
        if task.cancelled():
            try:
                task.result()
            except asyncio.CancelledError as exc:
                self.trace.append(("cancelled", index, exc.args))
        elif task.exception() is not None:
            self.trace.append(("exception", index, describe(task.exception())))
        else:
            self.trace.append(("result", index, task.result()))

    def callback(self, index, i):
        self.trace.append(("callback", index, i))

    def cancel(self, index, i, target, msg):
        task = self.tasks.get(target)
        if task is None:
            self.trace.append(("cancel", index, target, None))
            return
        if msg and CANCEL_MSG:
            done = task.cancel("m{}.{}".format(index, i))
        else:
            done = task.cancel()
        self.trace.append(("cancel", index, target, done))

    def schedule(self, index, i, step):
        if step[0] == "soon":
            self.loop.call_soon(self.callback, index, i)
        else:
            self.loop.call_later(self.delay(step[1]), self.callback, index, i)

    async def driver(self):
        # Created here: before 3.10 they bind to the current loop at creation.
        self.events = (asyncio.Event(), asyncio.Event())
        self.lock = asyncio.Lock()
        self.spawn(0)
        for _ in range(MAX_ROUNDS):
            pending = [self.tasks[i] for i in sorted(self.tasks)
                       if not self.tasks[i].done()]
            if not pending:
                break
            _, left = await asyncio.wait(pending, timeout=self.delay(LIMIT_TICKS))
            if left:
                self.trace.append(("limit",))
                for i in sorted(self.tasks):
                    self.tasks[i].cancel()
        else:
            self.trace.append(("gave up",))
        # Let every call_later (at most 3 ticks) fire.
        await asyncio.sleep(self.delay(5))


def run_program(program, loop, legacy=False):
    """Run ``program`` to its end on ``loop`` (then closed); the trace."""
    run = Run(program, loop, legacy)
    asyncio.set_event_loop(loop)
    try:
        loop.run_until_complete(run.driver())
    finally:
        asyncio.set_event_loop(None)
        loop.close()
    return run.trace


def _record_wait(run, index, i, ok, value):
    run.trace.append(("awaited", index, i, "ok" if ok else "error", value))


# -- async def --------------------------------------------------------------

async def async_task(run, index):
    run.trace.append(("start", index))
    for i, step in enumerate(run.program[index]):
        run.trace.append(("step", index, i))
        await async_step(run, index, i, step)
    return ("ret", index)


async def async_step(run, index, i, step):
    kind = step[0]
    if kind == "sleep":
        await asyncio.sleep(run.delay(step[1]) if step[1] else 0)
    elif kind == "catch":
        try:
            await asyncio.sleep(run.delay(step[1]) if step[1] else 0)
        except asyncio.CancelledError:
            run.trace.append(("caught", index, i))
    elif kind == "raise":
        raise ValueError("t{}.{}".format(index, i))
    elif kind == "spawn":
        run.spawn(step[1])
    elif kind in ("await", "gather", "wait_for"):
        if kind == "await":
            awaitable = run.tasks[step[1]]
        elif kind == "gather":
            awaitable = asyncio.gather(*[run.tasks[c] for c in step[1]],
                                       return_exceptions=step[2])
        else:
            awaitable = asyncio.wait_for(run.tasks[step[1]], run.delay(step[2]))
        try:
            value = await awaitable
        except asyncio.CancelledError:
            raise
        except Exception as exc:
            _record_wait(run, index, i, False, describe(exc))
        else:
            _record_wait(run, index, i, True, _values(value))
    elif kind == "cancel":
        run.cancel(index, i, step[1], step[2])
    elif kind == "set":
        run.events[step[1]].set()
    elif kind == "wait":
        await run.events[step[1]].wait()
    elif kind == "lock":
        await run.lock.acquire()
        try:
            await asyncio.sleep(run.delay(step[1]) if step[1] else 0)
        finally:
            run.lock.release()
    else:
        run.schedule(index, i, step)


def _values(value):
    """gather's results, exceptions described so that traces compare."""
    if isinstance(value, list):
        return [describe(v) if isinstance(v, BaseException) else v for v in value]
    return value


# -- legacy generators ------------------------------------------------------

@genloop.coroutine
def legacy_task(run, index):
    run.trace.append(("start", index))
    for i, step in enumerate(run.program[index]):
        run.trace.append(("step", index, i))
        yield from legacy_step(run, index, i, step)
    return ("ret", index)


@genloop.coroutine
def _legacy_wait(future, mode):
    if mode == "From":
        value = yield genloop.From(future)
    elif mode == "bare":
        value = yield future
    else:
        value = yield from future
    return value


@genloop.coroutine
def legacy_step(run, index, i, step):
    kind = step[0]
    if kind == "sleep":
        yield from asyncio.sleep(run.delay(step[1]) if step[1] else 0)
    elif kind == "catch":
        try:
            yield from asyncio.sleep(run.delay(step[1]) if step[1] else 0)
        except asyncio.CancelledError:
            run.trace.append(("caught", index, i))
    elif kind == "raise":
        raise ValueError("t{}.{}".format(index, i))
    elif kind == "spawn":
        run.spawn(step[1])
    elif kind in ("await", "gather", "wait_for"):
        try:
            if kind == "await":
                value = yield from _legacy_wait(run.tasks[step[1]], step[2])
            elif kind == "gather":
                future = asyncio.gather(*[run.tasks[c] for c in step[1]],
                                        return_exceptions=step[2])
                value = yield from _legacy_wait(future, step[3])
            else:
                value = yield from asyncio.wait_for(run.tasks[step[1]],
                                                    run.delay(step[2]))
        except asyncio.CancelledError:
            raise
        except Exception as exc:
            _record_wait(run, index, i, False, describe(exc))
        else:
            _record_wait(run, index, i, True, _values(value))
    elif kind == "cancel":
        run.cancel(index, i, step[1], step[2])
    elif kind == "set":
        run.events[step[1]].set()
    elif kind == "wait":
        yield from run.events[step[1]].wait()
    elif kind == "lock":
        yield from run.lock.acquire()
        try:
            yield from asyncio.sleep(run.delay(step[1]) if step[1] else 0)
        finally:
            run.lock.release()
    else:
        run.schedule(index, i, step)
