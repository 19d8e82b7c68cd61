"""genloop.timers.TimerQueue: timers come out earliest first, ties in the
order they were pushed, cancelled ones never, and the counts stay right."""

import collections

from genloop.timers import MIN_TIMERS_TO_REBUILD, TimerQueue


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


def test_timers_come_out_earliest_first_and_ties_in_push_order():
    queue = TimerQueue()
    timers = {name: FakeTimer(name) for name in "abcde"}
    for when, name in [(3.0, "a"), (1.0, "b"), (3.0, "c"), (2.0, "d"), (3.0, "e")]:
        queue.push(when, timers[name])
    assert len(queue) == 5 and all(timer._scheduled for timer in timers.values())
    assert queue.earliest() == 1.0
    assert due(queue, 2.5) == ["b", "d"]
    assert due(queue, 3.5) == ["a", "c", "e"]
    assert len(queue) == 0 and queue.earliest() is None
    assert not any(timer._scheduled for timer in timers.values())


def test_cancelled_timers_are_dropped_at_the_head_and_never_come_out():
    queue = TimerQueue()
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


def test_a_mostly_cancelled_queue_is_rebuilt_at_once():
    queue = TimerQueue()
    timers = [FakeTimer(number) for number in range(2 * MIN_TIMERS_TO_REBUILD + 2)]
    for number, timer in enumerate(timers):
        queue.push(float(number), timer)
    for timer in timers[1::2] + timers[2:4]:
        timer.cancel(queue)
    assert queue.earliest() == 0.0
    kept = [timer.name for timer in timers if not timer._cancelled]
    assert (len(queue), queue.cancelled) == (len(kept), 0)
    assert due(queue, float(len(timers))) == kept


def test_clear_unschedules_every_timer():
    queue = TimerQueue()
    timers = [FakeTimer(name) for name in "xyz"]
    queue.push(1.0, timers[0])
    queue.push(1.0, timers[1])
    queue.push(5.0, timers[2])
    timers[2].cancel(queue)
    queue.clear()
    assert (len(queue), queue.cancelled, queue.earliest()) == (0, 0, None)
    assert not any(timer._scheduled for timer in timers)


def test_pending_lists_the_queued_timers_earliest_first():
    queue = TimerQueue()
    timers = {name: FakeTimer(name) for name in "abcd"}
    for when, name in [(3.0, "a"), (1.0, "b"), (3.0, "c"), (2.0, "d")]:
        queue.push(when, timers[name])
    timers["d"].cancel(queue)
    # Cancelled timers stay queued until they reach the head, as in asyncio.
    assert [timer.name for timer in queue.pending()] == ["b", "d", "a", "c"]
    assert len(queue) == 4  # a view: nothing is taken off the queue
