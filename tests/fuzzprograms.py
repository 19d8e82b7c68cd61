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
    ("wait_tasks", cs, when, n, mode)
                            ``asyncio.wait(children cs, return_when=when,
                            timeout=n ticks)`` (n None: no timeout); done and
                            pending are recorded as sorted child indices
    ("shield", c, mode)     await ``asyncio.shield(child c)``
    ("group", cs, n)        3.11+: create children cs in an ``asyncio.TaskGroup``
                            whose body then sleeps n ticks (None: not at all);
                            an ExceptionGroup is recorded with its
                            sub-exceptions sorted
    ("timeout", n, m)       3.11+: sleep m ticks in ``asyncio.timeout(n ticks)``;
                            TimeoutError is recorded
    ("cancel", t, msg)      cancel task t (if spawned); msg only on 3.9+
    ("set", e) / ("wait", e)  set / wait for event e (0 or 1)
    ("lock", n)             acquire the lock, sleep n ticks, release it
    ("sem", s, n, mode)     the same with semaphore s (0: value 1, 1: value 2)
    ("put", q, mode) / ("get", q, mode)
                            put a value of its own in queue q (0: unbounded,
                            1: maxsize 1) / get one and record it; both may block
    ("put_nowait", q) / ("get_nowait", q)
                            the same without blocking; QueueFull / QueueEmpty
                            is recorded
    ("cwait", mode)         ``async with cond: await cond.wait()``
    ("notify", n)           ``async with cond: cond.notify(n)``; n None:
                            ``cond.notify_all()``
    ("soon",) / ("later", n) / ("at", n)
                            call_soon / call_later / call_at a callback that records

``mode`` says how a legacy generator waits for a future or a coroutine:
``yield from``, ``yield From(x)`` or a bare ``yield x`` (a coroutine yielded
is pushed and run by genloop's engine, PEP 342 style); ``async def`` code
always awaits.  The legacy form takes the condition's lock with ``yield
from cond.acquire()`` and releases it in ``finally`` (``with (yield from
cond)`` is gone from 3.9).  ``asyncio.TaskGroup`` and ``asyncio.timeout()``
are asynchronous context managers, which a generator cannot enter with
``async with``: the legacy form spells the statement out
(``_legacy_async_with``), calling ``__aenter__``/``__aexit__`` and ``yield
from``-ing the native coroutines they return (``@genloop.coroutine``
generators may), so the body of the block is still the generator's own code.

Both interpreters append the same events to a trace, in the order they
happen.  Time is virtual (VirtualClock) and every timer gets a deadline no
other timer has (see ``Run.deadline``): asyncio leaves the order of timers
due at the same time undefined, and genloop (FIFO) and asyncio's heap differ.
"""

import asyncio
import builtins
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
#: asyncio.TaskGroup and asyncio.timeout() came with 3.11.
HAS_TASK_GROUP = hasattr(asyncio, "TaskGroup")
HAS_TIMEOUT = hasattr(asyncio, "timeout")
#: What a TaskGroup raises (3.11+); isinstance(x, ()) is always False.
EXCEPTION_GROUPS = getattr(builtins, "BaseExceptionGroup", ())
MODES = ("from", "From", "bare")
RETURN_WHEN = ("ALL_COMPLETED", "FIRST_COMPLETED", "FIRST_EXCEPTION")

#: How a parent may wait for a child it created ("none": it does not).
CHILD_WAITS = ("none", "await", "wait_for", "gather", "wait_tasks", "shield") + (
    ("group",) if HAS_TASK_GROUP else ())


# -- the strategy -----------------------------------------------------------

def _ticks():
    return st.integers(0, 3)


def _step(kind, *parts):
    return st.tuples(st.just(kind), *parts)


def _plain_steps(index, n_tasks):
    others = [t for t in range(n_tasks) if t != index]
    modes = st.sampled_from(MODES)
    # Steps that may wait for ever, drawn as one choice: a program that
    # blocks until the driver's limit cancels everything tells less.
    blocking = st.sampled_from([
        _step("wait", st.integers(0, 1)),
        _step("get", st.integers(0, 1), modes),
        _step("cwait", modes),
    ]).flatmap(lambda strategy: strategy)
    choices = [
        _step("sleep", _ticks()),
        _step("catch", _ticks()),
        st.just(("raise",)),
        _step("set", st.integers(0, 1)),
        blocking,
        _step("lock", _ticks()),
        _step("sem", st.integers(0, 1), _ticks(), modes),
        _step("put", st.integers(0, 1), modes),
        _step("put_nowait", st.integers(0, 1)),
        _step("get_nowait", st.integers(0, 1)),
        _step("notify", st.sampled_from((1, 2, None))),
        st.just(("soon",)),
        _step("later", _ticks()),
        _step("at", _ticks()),
    ]
    if HAS_TIMEOUT:
        choices.append(_step("timeout", _ticks(), _ticks()))
    if others:
        msg = st.booleans() if CANCEL_MSG else st.just(False)
        choices.append(_step("cancel", st.sampled_from(others), msg))
    return st.one_of(*choices)


@st.composite
def programs(draw, max_tasks=6):
    n_tasks = draw(st.integers(1, max_tasks))
    parents = [None] + [draw(st.integers(0, i - 1)) for i in range(1, n_tasks)]
    program = []
    for index in range(n_tasks):
        steps = draw(st.lists(_plain_steps(index, n_tasks), max_size=4))
        children = [c for c in range(n_tasks) if parents[c] == index]
        together = {"gather": [], "wait_tasks": [], "group": []}
        for child in children:
            how = draw(st.sampled_from(CHILD_WAITS))
            if how == "group":
                together["group"].append(child)
                continue
            at = draw(st.integers(0, len(steps)))
            steps.insert(at, ("spawn", child))
            later = draw(st.integers(at + 1, len(steps)))
            if how in ("await", "shield"):
                steps.insert(later, (how, child, draw(st.sampled_from(MODES))))
            elif how == "wait_for":
                steps.insert(later, ("wait_for", child, draw(_ticks())))
            elif how in together:
                together[how].append(child)
        for how in ("gather", "wait_tasks"):
            waited = tuple(together[how])
            if not waited:
                continue
            last_spawn = max(i for i, s in enumerate(steps)
                             if s[0] == "spawn" and s[1] in waited)
            at = draw(st.integers(last_spawn + 1, len(steps)))
            if how == "gather":
                step = ("gather", waited, draw(st.booleans()), draw(st.sampled_from(MODES)))
            else:
                step = ("wait_tasks", waited, draw(st.sampled_from(RETURN_WHEN)),
                        draw(st.one_of(st.none(), _ticks())), draw(st.sampled_from(MODES)))
            steps.insert(at, step)
        if together["group"]:
            at = draw(st.integers(0, len(steps)))
            steps.insert(at, ("group", tuple(together["group"]),
                              draw(st.one_of(st.none(), _ticks()))))
        program.append(tuple(steps))
    return tuple(program)


# -- running a program ------------------------------------------------------

def describe(exc):
    """What a trace records of an exception: its class name and args; for an
    exception group, its message and its sub-exceptions, sorted: the order
    in which the children failed is in the trace already (their
    "exception" events)."""
    if isinstance(exc, EXCEPTION_GROUPS):
        return (type(exc).__name__, exc.message,
                tuple(sorted(describe(sub) for sub in exc.exceptions)))
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

    def deadline(self, ticks):
        """The time ``ticks`` ticks after the current tick, plus an offset
        no other timer of this run has."""
        self.timers += 1
        now = self.loop.time()
        tick = int(round((now - self.base) / TICK))
        return self.base + (tick + ticks) * TICK + self.timers * EPS

    def delay(self, ticks):
        """The delay from now to a new ``deadline(ticks)``."""
        return self.deadline(ticks) - self.loop.time()

    def sleep(self, ticks):
        return asyncio.sleep(self.delay(ticks) if ticks else 0)

    def spawn(self, index, create=None):
        """Start task ``index`` with ``create`` (default: the loop's
        create_task)."""
        coro = (legacy_task if self.legacy else async_task)(self, index)
        try:
            task = (create or self.loop.create_task)(coro)
        except RuntimeError:
            # A TaskGroup refuses a task once a child failed (with eager
            # tasks that can be at once); 3.11 and early 3.12 releases
            # leave the coroutine unclosed.
            coro.close()
            raise
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

    def indices(self, tasks):
        """The sorted indices of ``tasks`` (a set asyncio.wait returned)."""
        return tuple(sorted(i for i, task in self.tasks.items() if task in tasks))

    def callback(self, index, i):
        self.trace.append(("callback", index, i))

    def act(self, index, i, step):
        """A step that never waits: the same in both interpreters."""
        kind = step[0]
        if kind == "raise":
            raise ValueError("t{}.{}".format(index, i))
        elif kind == "spawn":
            self.spawn(step[1])
        elif kind == "cancel":
            self.cancel(index, i, step[1], step[2])
        elif kind == "set":
            self.events[step[1]].set()
        elif kind == "put_nowait":
            try:
                self.queues[step[1]].put_nowait(_queued(index, i))
            except asyncio.QueueFull:
                self.trace.append(("put", index, i, "QueueFull"))
            else:
                self.trace.append(("put", index, i, "ok"))
        elif kind == "get_nowait":
            try:
                value = self.queues[step[1]].get_nowait()
            except asyncio.QueueEmpty:
                value = "QueueEmpty"
            self.trace.append(("got", index, i, value))
        elif kind == "soon":
            self.loop.call_soon(self.callback, index, i)
        elif kind == "later":
            self.loop.call_later(self.delay(step[1]), self.callback, index, i)
        else:
            self.loop.call_at(self.deadline(step[1]), self.callback, index, i)

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

    def notify(self, count):
        if count is None:
            self.cond.notify_all()
        else:
            self.cond.notify(count)

    async def driver(self):
        # Created here: before 3.10 they bind to the current loop at creation.
        self.events = (asyncio.Event(), asyncio.Event())
        self.lock = asyncio.Lock()
        self.semaphores = (asyncio.Semaphore(1), asyncio.Semaphore(2))
        self.queues = (asyncio.Queue(), asyncio.Queue(maxsize=1))
        self.cond = asyncio.Condition()
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
        # Let every call_later/call_at (at most 3 ticks) fire.
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


def _queued(index, i):
    """The value step ``i`` of task ``index`` puts in a queue."""
    return "q{}.{}".format(index, i)


def _record_wait(run, index, i, ok, value):
    run.trace.append(("awaited", index, i, "ok" if ok else "error", value))


def _child_wait(run, step):
    """What a step waiting for children awaits, and the legacy ``mode``
    for it (wait_for has none: ``yield from``)."""
    kind = step[0]
    if kind == "await":
        return run.tasks[step[1]], step[2]
    if kind == "shield":
        return asyncio.shield(run.tasks[step[1]]), step[2]
    if kind == "gather":
        return asyncio.gather(*[run.tasks[c] for c in step[1]],
                              return_exceptions=step[2]), step[3]
    if kind == "wait_tasks":
        timeout = None if step[3] is None else run.delay(step[3])
        return asyncio.wait([run.tasks[c] for c in step[1]], timeout=timeout,
                            return_when=step[2]), step[4]
    return asyncio.wait_for(run.tasks[step[1]], run.delay(step[2])), "from"


def _values(run, kind, value):
    """What a trace records of a child wait's value: gather's exceptions
    described, asyncio.wait's sets of tasks as child indices."""
    if kind == "wait_tasks":
        return tuple(run.indices(tasks) for tasks in value)
    if isinstance(value, list):
        return [describe(v) if isinstance(v, BaseException) else v for v in value]
    return value


CHILD_STEPS = frozenset(("await", "shield", "gather", "wait_tasks", "wait_for"))


class _InCreationOrder(dict):
    """A set of tasks (as TaskGroup uses it) that iterates in the order the
    tasks were added."""

    def add(self, task):
        self[task] = None

    def discard(self, task):
        self.pop(task, None)


def _task_group():
    """An ``asyncio.TaskGroup`` that cancels its tasks in creation order.

    A group that aborts cancels the tasks it has left by iterating a set of
    them: in an order by address, which asyncio does not define and which
    changes from run to run.  The set (``_tasks``, 3.11 to 3.13) is
    replaced by one in creation order, the same in every run."""
    group = asyncio.TaskGroup()
    assert type(group._tasks) is set, "TaskGroup keeps its tasks otherwise"
    group._tasks = _InCreationOrder()
    return group


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
        await run.sleep(step[1])
    elif kind == "catch":
        try:
            await run.sleep(step[1])
        except asyncio.CancelledError:
            run.trace.append(("caught", index, i))
    elif kind in CHILD_STEPS:
        try:
            value = await _child_wait(run, step)[0]
        except asyncio.CancelledError:
            raise
        except Exception as exc:
            _record_wait(run, index, i, False, describe(exc))
        else:
            _record_wait(run, index, i, True, _values(run, kind, value))
    elif kind in ("group", "timeout"):
        try:
            await _async_block(run, step)
        except asyncio.CancelledError:
            raise
        except Exception as exc:
            _record_wait(run, index, i, False, describe(exc))
        else:
            _record_wait(run, index, i, True, None)
    elif kind == "wait":
        await run.events[step[1]].wait()
    elif kind == "lock":
        await run.lock.acquire()
        try:
            await run.sleep(step[1])
        finally:
            run.lock.release()
    elif kind == "sem":
        semaphore = run.semaphores[step[1]]
        await semaphore.acquire()
        try:
            await run.sleep(step[2])
        finally:
            semaphore.release()
    elif kind == "put":
        await run.queues[step[1]].put(_queued(index, i))
        run.trace.append(("put", index, i, "ok"))
    elif kind == "get":
        run.trace.append(("got", index, i, await run.queues[step[1]].get()))
    elif kind == "cwait":
        async with run.cond:
            await run.cond.wait()
    elif kind == "notify":
        async with run.cond:
            run.notify(step[1])
    else:
        run.act(index, i, step)


async def _async_block(run, step):
    """The body of a group or timeout step, in ``async with``."""
    if step[0] == "group":
        async with _task_group() as group:
            for child in step[1]:
                run.spawn(child, group.create_task)
            if step[2] is not None:
                await run.sleep(step[2])
    else:
        async with asyncio.timeout(run.delay(step[1])):
            await run.sleep(step[2])


# -- legacy generators ------------------------------------------------------

@genloop.coroutine
def legacy_task(run, index):
    run.trace.append(("start", index))
    for i, step in enumerate(run.program[index]):
        run.trace.append(("step", index, i))
        yield from legacy_step(run, index, i, step)
    return ("ret", index)


@genloop.coroutine
def _legacy_wait(awaitable, mode):
    if mode == "From":
        value = yield genloop.From(awaitable)
    elif mode == "bare":
        value = yield awaitable
    else:
        value = yield from awaitable
    return value


@genloop.coroutine
def legacy_step(run, index, i, step):
    kind = step[0]
    if kind == "sleep":
        yield from run.sleep(step[1])
    elif kind == "catch":
        try:
            yield from run.sleep(step[1])
        except asyncio.CancelledError:
            run.trace.append(("caught", index, i))
    elif kind in CHILD_STEPS:
        try:
            value = yield from _legacy_wait(*_child_wait(run, step))
        except asyncio.CancelledError:
            raise
        except Exception as exc:
            _record_wait(run, index, i, False, describe(exc))
        else:
            _record_wait(run, index, i, True, _values(run, kind, value))
    elif kind in ("group", "timeout"):
        try:
            yield from _legacy_block(run, step)
        except asyncio.CancelledError:
            raise
        except Exception as exc:
            _record_wait(run, index, i, False, describe(exc))
        else:
            _record_wait(run, index, i, True, None)
    elif kind == "wait":
        yield from run.events[step[1]].wait()
    elif kind == "lock":
        yield from run.lock.acquire()
        try:
            yield from run.sleep(step[1])
        finally:
            run.lock.release()
    elif kind == "sem":
        semaphore = run.semaphores[step[1]]
        yield from _legacy_wait(semaphore.acquire(), step[3])
        try:
            yield from run.sleep(step[2])
        finally:
            semaphore.release()
    elif kind == "put":
        yield from _legacy_wait(run.queues[step[1]].put(_queued(index, i)), step[2])
        run.trace.append(("put", index, i, "ok"))
    elif kind == "get":
        value = yield from _legacy_wait(run.queues[step[1]].get(), step[2])
        run.trace.append(("got", index, i, value))
    elif kind == "cwait":
        yield from _legacy_wait(run.cond.acquire(), step[1])
        try:
            yield from _legacy_wait(run.cond.wait(), step[1])
        finally:
            run.cond.release()
    elif kind == "notify":
        yield from run.cond.acquire()
        try:
            run.notify(step[1])
        finally:
            run.cond.release()
    else:
        run.act(index, i, step)


@genloop.coroutine
def _legacy_async_with(manager, body):
    """``async with manager as entered: yield from body(entered)``, spelt
    out as PEP 492 defines the statement."""
    entered = yield from manager.__aenter__()
    try:
        yield from body(entered)
    except BaseException as exc:
        if not (yield from manager.__aexit__(type(exc), exc, exc.__traceback__)):
            raise
    else:
        yield from manager.__aexit__(None, None, None)


def _legacy_block(run, step):
    """The body of a group or timeout step, through _legacy_async_with."""
    if step[0] == "group":
        @genloop.coroutine
        def body(group):
            for child in step[1]:
                run.spawn(child, group.create_task)
            if step[2] is not None:
                yield from run.sleep(step[2])
        return _legacy_async_with(_task_group(), body)

    @genloop.coroutine
    def body(_):
        yield from run.sleep(step[2])
    return _legacy_async_with(asyncio.timeout(run.delay(step[1])), body)
