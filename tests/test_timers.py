"""The timer queue: timers come out earliest first, ties in the order they
were pushed, cancelled ones never, and the counts stay right.

Each test runs on genloop.timers.TimerQueue and, where genloop's core is
compiled, on its C version, the one a loop then uses.
"""

import collections
import random

import pytest

from genloop import loop as loop_module
from genloop.timers import MIN_TIMERS_TO_REBUILD, TimerQueue

QUEUE_CLASSES = [TimerQueue]
if loop_module._TimerQueue is not TimerQueue:
    QUEUE_CLASSES.append(loop_module._TimerQueue)

compiled_only = pytest.mark.skipif(
    len(QUEUE_CLASSES) == 1, reason="genloop's core is not compiled here"
)


@pytest.fixture(params=QUEUE_CLASSES, ids=lambda cls: cls.__module__)
def new_queue(request):
    return request.param


class FakeTimer(object):
    """The part of an asyncio TimerHandle the queue uses."""

    def __init__(self, name):
        self.name = name
        self._cancelled = False
        self._scheduled = False

    def cancel(self, queue):
        """What TimerHandle.cancel() does through the loop."""
        if not self._cancelled and self._scheduled:
            queue.cancelled += 1
        self._cancelled = True


def due(queue, end):
    ready = collections.deque()
    queue.pop_due(end, ready)
    return [timer.name for timer in ready]


def test_timers_come_out_earliest_first_and_ties_in_push_order(new_queue):
    queue = new_queue()
    timers = {name: FakeTimer(name) for name in "abcde"}
    for when, name in [(3.0, "a"), (1.0, "b"), (3.0, "c"), (2.0, "d"), (3.0, "e")]:
        queue.push(when, timers[name])
    assert len(queue) == 5 and all(timer._scheduled for timer in timers.values())
    assert queue.earliest() == 1.0
    assert due(queue, 2.5) == ["b", "d"]
    assert due(queue, 3.5) == ["a", "c", "e"]
    assert len(queue) == 0 and queue.earliest() is None
    assert not any(timer._scheduled for timer in timers.values())


def test_cancelled_timers_are_dropped_at_the_head_and_never_come_out(new_queue):
    queue = new_queue()
    first, second, third, later = map(FakeTimer, ("first", "second", "third", "later"))
    for timer in (first, second, third):
        queue.push(1.0, timer)  # one time, three timers
    queue.push(2.0, later)
    for timer in (first, second, third):
        timer.cancel(queue)
    assert queue.cancelled == 3
    assert queue.earliest() == 2.0  # the time whose timers are all cancelled is gone
    assert (len(queue), queue.cancelled) == (1, 0)
    assert not first._scheduled
    assert due(queue, 3.0) == ["later"]


def test_a_mostly_cancelled_queue_is_rebuilt_at_once(new_queue):
    queue = new_queue()
    timers = [FakeTimer(number) for number in range(2 * MIN_TIMERS_TO_REBUILD + 2)]
    for number, timer in enumerate(timers):
        queue.push(float(number), timer)
    for timer in timers[1::2] + timers[2:4]:
        timer.cancel(queue)
    assert queue.earliest() == 0.0
    kept = [timer.name for timer in timers if not timer._cancelled]
    assert (len(queue), queue.cancelled) == (len(kept), 0)
    assert due(queue, float(len(timers))) == kept


def test_clear_unschedules_every_timer(new_queue):
    queue = new_queue()
    timers = [FakeTimer(name) for name in "xyz"]
    queue.push(1.0, timers[0])
    queue.push(1.0, timers[1])
    queue.push(5.0, timers[2])
    timers[2].cancel(queue)
    queue.clear()
    assert (len(queue), queue.cancelled, queue.earliest()) == (0, 0, None)
    assert not any(timer._scheduled for timer in timers)


def test_pending_lists_the_queued_timers_earliest_first(new_queue):
    queue = new_queue()
    timers = {name: FakeTimer(name) for name in "abcd"}
    for when, name in [(3.0, "a"), (1.0, "b"), (3.0, "c"), (2.0, "d")]:
        queue.push(when, timers[name])
    timers["d"].cancel(queue)
    # Cancelled timers stay queued until they reach the head, as in asyncio.
    assert [timer.name for timer in queue.pending()] == ["b", "d", "a", "c"]
    assert len(queue) == 4  # a view: nothing is taken off the queue


@compiled_only
def test_both_queues_give_the_same_timers_in_the_same_order():
    """Differential: random due times with many ties, random cancels, popped
    a step at a time; every queue gives what the reference gives."""
    shuffle = random.Random(20261203)
    steps = []
    for queue_class in QUEUE_CLASSES:
        shuffle.seed(20261203)
        queue = queue_class()
        timers = []
        taken = []
        for round_number in range(30):
            for _ in range(shuffle.randrange(1, 40)):
                timer = FakeTimer(len(timers))
                timers.append(timer)
                queue.push(round_number + shuffle.randrange(20) / 4.0, timer)
            for timer in shuffle.sample(timers, len(timers) // 10):
                timer.cancel(queue)
            earliest = queue.earliest()
            taken.append((earliest, due(queue, round_number + 1.0), len(queue), queue.cancelled))
        taken.append([timer.name for timer in queue.pending()])
        steps.append(taken)
    assert all(taken == steps[0] for taken in steps[1:])
    assert sum(len(step[1]) for step in steps[0][:-1]) > 100


def test_a_queue_is_empty_and_counts_nothing_when_new(new_queue):
    queue = new_queue()
    assert (len(queue), queue.count, queue.cancelled, queue.earliest()) == (0, 0, 0, None)
    assert queue.pending() == []


@compiled_only
def test_the_compiled_queue_says_what_it_was_given_wrongly():
    queue = QUEUE_CLASSES[-1]()
    with pytest.raises(TypeError, match="due time must be a number .a loop.time.. value., not str"):
        queue.push("soon", FakeTimer("x"))
    with pytest.raises(TypeError, match=r"push\(when, timer\) takes 2 arguments \(1 given\)"):
        queue.push(1.0)
    with pytest.raises(TypeError, match=r"pop_due\(end, ready\) takes 2 arguments"):
        queue.pop_due(1.0)
    with pytest.raises(TypeError, match="takes no arguments"):
        QUEUE_CLASSES[-1](10)
    assert (len(queue), queue.count) == (0, 0)


@compiled_only
def test_the_compiled_queue_keeps_a_timer_pushed_while_it_drops_the_cancelled():
    """A timer whose _cancelled attribute pushes a timer when read: the
    queue is whole again, the new timer on it, once the rebuild is over."""
    queue = QUEUE_CLASSES[-1]()
    late = FakeTimer("late")

    class Pushing(FakeTimer):
        armed = False

        @property
        def _cancelled(self):
            if Pushing.armed:
                Pushing.armed = False
                queue.push(0.5, late)
            return self.__dict__.get("cancelled", False)

        @_cancelled.setter
        def _cancelled(self, value):
            self.__dict__["cancelled"] = value

    timers = [Pushing(number) for number in range(2 * MIN_TIMERS_TO_REBUILD + 2)]
    for number, timer in enumerate(timers):
        queue.push(float(number + 1), timer)
    for timer in timers[::2] + timers[1:4:2]:
        timer.cancel(queue)
    Pushing.armed = True
    assert queue.earliest() == 0.5
    assert not Pushing.armed
    kept = ["late"] + [timer.name for timer in timers if not timer._cancelled]
    assert (len(queue), queue.cancelled) == (len(kept), 0)
    assert due(queue, float(len(timers) + 1)) == kept
