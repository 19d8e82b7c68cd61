"""Differential fuzzing: small generated programs (fuzzprograms.py) give the
same event trace on stock asyncio as on genloop's engine and loop.

The reference is asyncio's own loop with asyncio's own tasks running the
``async def`` form.  Each program must give exactly the same trace:

- as ``async def`` on genloop's loop and on the stock loop with
  ``genloop.task_factory``;
- as legacy generators (``yield from``, ``yield From(x)``, bare ``yield``)
  on the same two loops.

Traces are compared unnormalised: every order in them is one asyncio
guarantees (FIFO ``call_soon``, timers in deadline order) because
fuzzprograms gives every timer a deadline of its own.

``GENLOOP_FUZZ_EXAMPLES`` sets how many programs run (``tox -e fuzz``).
"""

import asyncio
import os

import pytest
from hypothesis import HealthCheck, example, given, settings

import genloop
from fuzzprograms import programs, run_program

EXAMPLES = int(os.environ.get("GENLOOP_FUZZ_EXAMPLES", "25"))

ENGINES = [
    ("genloop", genloop.new_event_loop),
    ("stock+factory", lambda: _with_factory(asyncio.new_event_loop())),
]


def _with_factory(loop):
    loop.set_task_factory(genloop.task_factory)
    return loop


def check_program(program):
    expected = run_program(program, asyncio.new_event_loop())
    for name, make in ENGINES:
        for legacy in (False, True):
            trace = run_program(program, make(), legacy=legacy)
            assert trace == expected, (name, "legacy" if legacy else "async def")


# Regression programs: a child cancelled while its parent gathers it, and a
# cancellation caught by a task holding the lock while another waits for it.
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
