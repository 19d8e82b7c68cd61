"""The timers of genloop's loop, earliest first.

asyncio keeps its ``TimerHandle``s in one heap ordered by
``TimerHandle.__lt__``, a Python method: each push or pop compares about
log2(n) times in Python.  :class:`TimerQueue` keeps a heap of the due times
themselves, floats that ``heapq`` compares in C, and a dict from each time
to the timers due then, in the order they were scheduled (so timers due at
the same time fire in scheduling order, which asyncio's heap does not
promise).  Where genloop's core is compiled, a loop's queue is its C
version (``genloop/_speedups.c``): a heap of (time, push order, timer)
entries whose times are C doubles.

Cancelling a timer only counts (``TimerHandle.cancel()`` calls the loop's
``_timer_handle_cancelled``): cancelled timers are dropped when they reach
the head, or all at once when more than half of a large queue is cancelled.
"""

import heapq
from typing import Any, Dict, List, Optional

__all__ = ["TimerQueue"]

#: Drop every cancelled timer at once when the queue holds more than this
#: many timers and more than half of them are cancelled.
MIN_TIMERS_TO_REBUILD = 100


class TimerQueue(object):
    """Scheduled timers (asyncio ``TimerHandle``s, genloop's own included)."""

    __slots__ = ("times", "_due_at", "count", "cancelled")

    def __init__(self) -> None:
        #: A heap of the distinct times at which timers are due (the loop
        #: calls earliest() only when it is not empty).
        self.times: List[float] = []
        #: The timer due at each time, or a list of them in scheduling order.
        self._due_at: Dict[float, Any] = {}
        #: How many timers are queued, cancelled ones included.
        self.count = 0
        #: How many of the queued timers are cancelled.
        self.cancelled = 0

    def __len__(self) -> int:
        return self.count

    def push(self, when: float, timer: Any) -> None:
        """Queue ``timer``, due at ``when``."""
        due_at = self._due_at
        held = due_at.get(when)
        if held is None:
            due_at[when] = timer
            heapq.heappush(self.times, when)
        elif held.__class__ is list:
            held.append(timer)
        else:
            due_at[when] = [held, timer]
        self.count += 1
        timer._scheduled = True

    def earliest(self) -> Optional[float]:
        """When the first timer not cancelled is due (None: no timer),
        dropping the cancelled timers ahead of it."""
        if self.cancelled * 2 > self.count > MIN_TIMERS_TO_REBUILD:
            self._drop_cancelled()
        times = self.times
        due_at = self._due_at
        while times:
            when = times[0]
            held = due_at[when]
            if held.__class__ is list:
                if not all(timer._cancelled for timer in held):
                    return when
            elif not held._cancelled:
                return when
            heapq.heappop(times)
            self._release(due_at.pop(when), None)
        return None

    def pop_due(self, end: float, ready: Any) -> None:
        """Append the timers due before ``end`` to ``ready``, earliest
        first; cancelled ones are dropped."""
        times = self.times
        due_at = self._due_at
        while times and times[0] < end:
            self._release(due_at.pop(heapq.heappop(times)), ready)

    def pending(self) -> List[Any]:
        """The timers on the queue, earliest first (a new list)."""
        due_at = self._due_at
        return [
            timer
            for when in sorted(self.times)
            for timer in (due_at[when] if due_at[when].__class__ is list else [due_at[when]])
        ]

    def clear(self) -> None:
        """Forget every timer (the loop is closing)."""
        for held in self._due_at.values():
            self._release(held, None)
        self.times = []
        self._due_at = {}

    def _release(self, held: Any, ready: Any) -> None:
        """Take ``held`` (a timer or a list of them) off the queue; those not
        cancelled go to ``ready`` unless it is None."""
        for timer in held if held.__class__ is list else (held,):
            timer._scheduled = False
            self.count -= 1
            if timer._cancelled:
                self.cancelled -= 1
            elif ready is not None:
                ready.append(timer)

    def _drop_cancelled(self) -> None:
        kept: Dict[float, Any] = {}
        for when, held in self._due_at.items():
            timers = held if held.__class__ is list else [held]
            live = [timer for timer in timers if not timer._cancelled]
            for timer in timers:
                if timer._cancelled:
                    timer._scheduled = False
            if live:
                kept[when] = live if len(live) > 1 else live[0]
        self.count -= self.cancelled
        self.cancelled = 0
        self._due_at = kept
        self.times = list(kept)
        heapq.heapify(self.times)
