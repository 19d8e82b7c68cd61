"""Differential fuzzing: small generated programs (fuzzprograms.py) give the
same event trace on stock asyncio as on genloop's engine and loop.

The reference is asyncio's own loop with asyncio's own tasks running the
``async def`` form.  Each program must give exactly the same trace:

- as ``async def`` on genloop's loop and on the stock loop with
  ``genloop.task_factory``;
- as legacy generators (``yield from``, ``yield From(x)``, bare ``yield``)
  on the same two loops.

Where the Python has eager tasks (3.12+), each program runs again with
them: the reference uses ``asyncio.eager_task_factory``, the four other
runs ``asyncio.create_eager_task_factory(genloop.Task)``.

Traces are compared unnormalised: every order in them is one asyncio
guarantees (FIFO ``call_soon``, timers in deadline order) because
fuzzprograms gives every timer a deadline of its own.  The only sorting is
fuzzprograms': the sets ``asyncio.wait`` returns, and the sub-exceptions of
an ExceptionGroup (each child's end is in the trace in order anyway).

``GENLOOP_FUZZ_EXAMPLES`` sets how many programs run (``tox -e fuzz``), and
how many objects the bad-yield test draws (at the end: not differential).
"""

import asyncio
import concurrent.futures
import inspect
import os

import pytest
from hypothesis import HealthCheck, example, given, settings
from hypothesis import strategies as st

import genloop
from conftest import LOOP_KINDS, make_loop
from fuzzprograms import programs, run_program

EXAMPLES = int(os.environ.get("GENLOOP_FUZZ_EXAMPLES", "25"))

ENGINES = [
    ("genloop", genloop.new_event_loop),
    ("stock+factory", lambda: _with_factory(asyncio.new_event_loop())),
]


def _with_factory(loop):
    loop.set_task_factory(genloop.task_factory)
    return loop


#: Eager tasks (3.12+).  genloop has no eager task factory of its own: its
#: Task takes ``eager_start=``, so asyncio's create_eager_task_factory()
#: makes one, as for any Task class (the conformance suite runs asyncio's
#: eager tests so).  Each program then also runs with that factory on both
#: loops, against stock asyncio with asyncio.eager_task_factory.
HAS_EAGER = hasattr(asyncio, "create_eager_task_factory")


def check_program(program):
    """The program's traces on every engine are stock asyncio's."""
    _check(program, eager=False)
    if HAS_EAGER:
        _check(program, eager=True)


def _check(program, eager):
    stock = asyncio.new_event_loop()
    if eager:
        stock.set_task_factory(asyncio.eager_task_factory)
    expected = run_program(program, stock)
    for name, make in ENGINES:
        for legacy in (False, True):
            loop = make()
            if eager:
                loop.set_task_factory(asyncio.create_eager_task_factory(genloop.Task))
            trace = run_program(program, loop, legacy=legacy)
            assert trace == expected, (name, "eager" if eager else "lazy",
                                       "legacy" if legacy else "async def")


# Regression programs: a child cancelled while its parent gathers it, and a
# cancellation caught by a task holding the lock while another waits for it.
# Seeds: a task cancelled while it awaits a shielded child, which goes on;
# a condition waiter cancelled once notified (3.13 hands the notification
# on to the next waiter, which a later cancel() reaches in a queue get).
@settings(max_examples=EXAMPLES, deadline=None, derandomize=True, database=None,
          suppress_health_check=list(HealthCheck))
@given(program=programs())
@example(program=(
    (("spawn", 1), ("spawn", 2), ("cancel", 1, True),
     ("gather", (1, 2), False, "From"), ("sleep", 1)),
    (("sleep", 2),),
    (("raise",),),
))
@example(program=(
    (("spawn", 1), ("lock", 2), ("wait_for", 1, 1), ("set", 0)),
    (("cancel", 0, False), ("lock", 1), ("wait", 0), ("soon",)),
))
@example(program=(
    (("spawn", 1), ("spawn", 2), ("shield", 1, "bare"), ("sleep", 3)),
    (("sleep", 2),),
    (("cancel", 0, True),),
))
@example(program=(
    (("spawn", 1), ("spawn", 2), ("cwait", "From")),
    (("sleep", 1), ("notify", 1), ("cancel", 0, False), ("sleep", 1), ("cancel", 2, False),
     ("put", 0, "from")),
    (("cwait", "bare"), ("get", 0, "From")),
))
def test_programs_give_the_same_trace_as_stock_asyncio(program):
    check_program(program)


@pytest.mark.parametrize("legacy", [False, True])
def test_a_program_trace_records_every_kind_of_event(legacy):
    program = (
        (("spawn", 1), ("soon",), ("later", 1), ("await", 1, "bare"), ("raise",)),
        (("catch", 1),),
    )
    loop = genloop.new_event_loop()
    trace = run_program(program, loop, legacy=legacy)
    kinds = {event[0] for event in trace}
    assert {"start", "step", "callback", "awaited", "result", "exception"} <= kinds


def _stock_trace(program):
    return run_program(program, asyncio.new_event_loop())


def test_the_steps_record_what_they_saw():
    """Traces that agree must also say something: what asyncio.wait, shield
    and the queue gave, checked on stock asyncio."""
    trace = _stock_trace((
        (("spawn", 1), ("spawn", 2), ("wait_tasks", (1, 2), "FIRST_EXCEPTION", None, "bare"),
         ("put_nowait", 1), ("put_nowait", 1), ("get_nowait", 1), ("get_nowait", 1),
         ("shield", 2, "From"), ("at", 1)),
        (("raise",),),
        (("sleep", 1),),
    ))
    assert ("awaited", 0, 2, "ok", ((1,), (2,))) in trace
    assert [event for event in trace if event[0] in ("put", "got")] == [
        ("put", 0, 3, "ok"), ("put", 0, 4, "QueueFull"),
        ("got", 0, 5, "q0.3"), ("got", 0, 6, "QueueEmpty"),
    ]
    assert ("awaited", 0, 7, "ok", ("ret", 2)) in trace
    assert trace[-1] == ("callback", 0, 8)


@pytest.mark.skipif(not hasattr(asyncio, "TaskGroup"), reason="TaskGroup, timeout() are 3.11+")
def test_a_group_and_a_timeout_record_their_errors():
    trace = _stock_trace((
        (("group", (1, 2), 1), ("timeout", 1, 2)),
        (("sleep", 0), ("raise",)),
        (("raise",),),
    ))
    group = ("ExceptionGroup", "unhandled errors in a TaskGroup",
             (("ValueError", ("t1.1",)), ("ValueError", ("t2.0",))))
    assert ("awaited", 0, 0, "error", group) in trace
    assert ("awaited", 0, 1, "error", ("TimeoutError", ())) in trace


@pytest.mark.skipif(not hasattr(asyncio, "TaskGroup"), reason="TaskGroup is 3.11+")
def test_a_group_cancels_what_it_has_left_in_one_order():
    """A failing child makes the group cancel three sleeping ones: asyncio
    picks them from a set, fuzzprograms makes that creation order."""
    check_program((
        (("group", (1, 2, 3, 4), None),),
        (("sleep", 3),), (("catch", 3), ("sleep", 0)), (("sleep", 3),),
        (("sleep", 1), ("raise",)),
    ))


# A task cancelled while it runs whose coroutine then returns: stock 3.6 and
# 3.7 end it with the exception CancelledError() (task.cancelled() is False),
# 3.8+ end it cancelled; genloop does as the running Python.  Found by this
# fuzzer.
CANCELLED_BEFORE_RETURN = (
    (("spawn", 1), ("await", 1, "from")),
    (("cancel", 0, False),),
)


def test_a_task_cancelled_just_before_it_returns():
    check_program(CANCELLED_BEFORE_RETURN)


# -- bad yields ---------------------------------------------------------------
#
# Not differential: stock asyncio refuses what a coroutine yields in its own
# words.  A legacy coroutine yields an object that no row of genloop's yield
# table accepts, alone, wrapped in From() or somewhere in a list, tuple or
# dict (nested ones included) among items that would be accepted.  The
# coroutine gets a RuntimeError naming the object, and nothing it held was
# started or waited for: test_tasks.py tests the flat cases one by one.

#: Refused anywhere.  A set of futures: only lists, tuples and dicts are
#: waited for.
BAD_LEAVES = ("int", "str", "object", "coroutine function", "set")
#: Accepted in a list, tuple or dict: none may be started when it is refused.
GOOD_LEAVES = ("future", "coroutine", "legacy coroutine", "generator",
               "awaitable", "concurrent future")
#: Where the refused yield comes from: the task's own generator, one it runs
#: with ``yield from`` or pushed with ``yield sub()``, or a generator an
#: ``async def`` task awaits.
WHERE = ("task", "yield from", "pushed", "awaited")


def _good_items():
    leaf = st.tuples(st.just("leaf"), st.sampled_from(GOOD_LEAVES))
    return st.one_of(leaf, st.tuples(st.just("From"), leaf))


@st.composite
def bad_yields(draw, depth=2):
    """A recipe (nested tuples) for an object the yield table refuses."""
    shapes = ("leaf", "From", "list", "tuple", "dict") if depth else ("leaf",)
    shape = draw(st.sampled_from(shapes))
    if shape == "leaf":
        return ("leaf", draw(st.sampled_from(BAD_LEAVES)))
    if shape == "From":
        return ("From", draw(bad_yields(depth - 1)))
    items = draw(st.lists(_good_items(), max_size=2))
    items.insert(draw(st.integers(0, len(items))), draw(bad_yields(depth - 1)))
    return (shape, tuple(items))


async def _native():
    return "never"


@genloop.coroutine
def _legacy():
    yield from asyncio.sleep(0)


def _plain():
    yield


class _Awaitable(object):
    awaited = False

    def __await__(self):
        self.awaited = True
        return _plain()


class Made(object):
    """The objects built from one recipe, kept to check that none of them
    was started or waited for."""

    def __init__(self, loop):
        self.loop = loop
        self.futures = []
        self.generators = []
        self.coroutines = []
        self.awaitables = []
        self.concurrent = []

    def build(self, recipe):
        shape, content = recipe
        if shape == "leaf":
            return self._leaf(content)
        if shape == "From":
            return genloop.From(self.build(content))
        items = [self.build(item) for item in content]
        if shape == "dict":
            return {"k{}".format(n): item for n, item in enumerate(items)}
        return tuple(items) if shape == "tuple" else items

    def _leaf(self, kind):
        made = {"int": lambda: 1, "str": lambda: "x", "object": object,
                "coroutine function": lambda: _native}.get(kind)
        if made is not None:
            return made()
        if kind in ("future", "set"):
            self.futures.append(self.loop.create_future())
            return self.futures[-1] if kind == "future" else {self.futures[-1]}
        if kind in ("legacy coroutine", "generator"):
            made = _legacy() if kind == "legacy coroutine" else _plain()
            self.generators.append(made)
        elif kind == "coroutine":
            made = _native()
            self.coroutines.append(made)
        elif kind == "awaitable":
            made = _Awaitable()
            self.awaitables.append(made)
        else:
            made = concurrent.futures.Future()
            self.concurrent.append(made)
        return made

    def touched(self):
        """What was started or waited for.  (Waiting adds a done callback:
        the private lists of callbacks tell.)"""
        return (
            [f for f in self.futures if f.done() or f._callbacks]
            + [g for g in self.generators
               if inspect.getgeneratorstate(getattr(g, "gen", g)) != inspect.GEN_CREATED]
            + [c for c in self.coroutines
               if inspect.getcoroutinestate(c) != inspect.CORO_CREATED]
            + [a for a in self.awaitables if a.awaited]
            + [f for f in self.concurrent if f._done_callbacks]
        )

    def close(self):
        for coro in self.generators + self.coroutines:
            coro.close()


def _unwrapped(yielded):
    """What the engine looks at: From() is transparent."""
    while isinstance(yielded, genloop.From):
        yielded = yielded.value
    return yielded


def _bad_yield_task(made, recipe, where, refused):
    """A coroutine for a task that yields what ``recipe`` makes, from
    ``where``; the RuntimeError it gets goes to ``refused``, with the repr
    of the object the engine saw."""

    @genloop.coroutine
    def yielder():
        yielded = made.build(recipe)
        try:
            yield yielded
        except RuntimeError as exc:
            # The repr of a coroutine changes once it is closed.
            refused.append((repr(_unwrapped(yielded)), exc))
        # A turn in which a task made of a refused item would run.
        yield from asyncio.sleep(0)
        return "went on"

    @genloop.coroutine
    def through_yield_from():
        return (yield from yielder())

    @genloop.coroutine
    def pushed():
        return (yield yielder())

    async def awaited():
        return await yielder()

    outer = {"task": yielder, "yield from": through_yield_from,
             "pushed": pushed, "awaited": awaited}[where]
    return outer()


@pytest.mark.parametrize("kind", LOOP_KINDS)
@settings(max_examples=EXAMPLES, deadline=None, derandomize=True, database=None,
          suppress_health_check=list(HealthCheck))
@given(recipe=bad_yields(), where=st.sampled_from(WHERE))
@example(recipe=("list", (("list", (("leaf", "future"), ("leaf", "int"))),)), where="task")
@example(recipe=("tuple", (("leaf", "coroutine"), ("leaf", "int"))), where="pushed")
@example(recipe=("dict", (("leaf", "str"),)), where="awaited")
def test_a_bad_yield_anywhere_is_refused_before_anything_starts(kind, recipe, where):
    loop = make_loop(kind)
    errors = []
    loop.set_exception_handler(lambda loop, context: errors.append(context))
    made = Made(loop)
    refused = []
    try:
        task = loop.create_task(_bad_yield_task(made, recipe, where, refused))
        assert loop.run_until_complete(task) == "went on"
        assert genloop.all_tasks(loop) == set()
        assert made.touched() == []
    finally:
        made.close()
        loop.close()
    [(shown, exc)] = refused
    assert type(exc) is RuntimeError
    message = str(exc)
    assert message.startswith("Task got bad yield: " + shown)
    assert "A genloop task accepts" in message
    assert errors == []
