"""Virtual time for a selector event loop: an hour of ``asyncio.sleep``
passes in an instant, and timers fire in deadline order at their own time.

:class:`VirtualClock` replaces the loop's ``time()`` and wraps the poll of
its selector.  Both loops poll with a timeout that says what they wait for:
zero while callbacks are ready or timers are due, the time left to the
earliest timer when only timers are pending, no timeout when nothing is.
Given a timeout above zero the loop is idle — every task waits — and the
clock:

1. polls for I/O without blocking (or for ``autojump_threshold`` real
   seconds, see below); ready I/O is returned and the clock stays put;
2. otherwise jumps to the earliest timer, or to the end of an
   :meth:`VirtualClock.elapse` span if that comes first, and returns no
   events: the loop then runs what is due at the new time.

When no timer is pending the loop blocks on I/O as it always does: virtual
time only passes while timers wait.

I/O pending *and* a timer waiting: I/O wins when it is ready at the poll.
Data between two sockets of the process (a socketpair, a server and its
client on 127.0.0.1) is ready as soon as it is written, so such tests keep
their order.  A peer in another thread or process, or work in an executor
thread, needs real time: while it works the loop looks idle and the clock
jumps, firing timeouts early.  ``autojump_threshold`` is that allowance:
the loop waits that many real seconds for I/O before each jump (default
0: deterministic, no wall time spent).  ``autojump_threshold=None`` never
jumps by itself: time moves only by :meth:`~VirtualClock.advance` and
:meth:`~VirtualClock.elapse` (asynctest's ``ClockedTestCase``), and an idle
loop with a timer pending waits for I/O without a timeout.

Works on genloop's loop and on asyncio's selector loop (with or without
genloop's task factory): the private access this needs (the loop's
selector) is in ``genloop/_seam.py``.  Uninstalling gives the loop back its
own clock; timers still scheduled keep their virtual deadlines, so install
on a fresh loop and uninstall at its end.
"""

import asyncio
import heapq
import itertools
import math
from typing import Any, List, Optional, Tuple

from .. import _seam

__all__ = ["VirtualClock"]

_MISSING = object()


class VirtualClock(object):
    """A loop clock that moves only when the loop is idle or when told to.

    ``start`` is the first reading of ``loop.time()``;
    ``autojump_threshold`` the real seconds to wait for I/O before a jump
    (None: never jump by itself).  Use from the loop's thread::

        with VirtualClock().install(loop) as clock:
            loop.run_until_complete(asyncio.sleep(3600))  # at once
            assert loop.time() == 3600
    """

    def __init__(self, start: float = 0.0, autojump_threshold: Optional[float] = 0.0) -> None:
        if autojump_threshold is not None and not autojump_threshold >= 0:
            raise ValueError(
                "autojump_threshold is real seconds (0 or more), or None never to "
                "jump; got {!r}".format(autojump_threshold)
            )
        self._now = float(start)
        self.autojump_threshold = autojump_threshold
        self._loop: Any = None
        self._selector: Any = None
        self._real_select: Any = None
        self._saved: Tuple[Any, Any] = (_MISSING, _MISSING)
        #: Pending elapse() spans: (end, order, future), earliest first.
        self._spans: List[Tuple[float, int, "asyncio.Future[None]"]] = []
        self._order = itertools.count()

    def __repr__(self) -> str:
        return "<VirtualClock time={!r} autojump_threshold={!r}{}>".format(
            self._now, self.autojump_threshold, "" if self._loop is None else " installed"
        )

    @property
    def loop(self) -> Optional[asyncio.AbstractEventLoop]:
        """The loop the clock is installed on, or None."""
        return self._loop  # type: ignore[no-any-return]

    def time(self) -> float:
        """The loop's time: what ``loop.time()`` returns while installed."""
        return self._now

    def advance(self, seconds: float) -> None:
        """Move the clock ``seconds`` ahead at once.  Timers due by then
        fire at the loop's next iteration, all at the new time, earliest
        first; :meth:`elapse` runs each at its own time instead.  (Called
        from a callback, it makes that callback look slow to debug mode.)"""
        if not seconds >= 0:
            raise ValueError("a clock cannot go back in time: advance({!r})".format(seconds))
        self._now += seconds

    def elapse(self, seconds: float) -> "asyncio.Future[None]":
        """A future, to await (or ``yield from``), done once ``seconds`` of
        virtual time have passed and the loop is idle: every timer due in
        that span ran at its deadline, in deadline order, and so did what
        they scheduled.  Time passes this way also with
        ``autojump_threshold=None``."""
        if self._loop is None:
            raise RuntimeError("elapse() needs the clock installed on a loop: clock.install(loop)")
        if not seconds >= 0:
            raise ValueError("a clock cannot go back in time: elapse({!r})".format(seconds))
        done: "asyncio.Future[None]" = self._loop.create_future()
        heapq.heappush(self._spans, (self._now + seconds, next(self._order), done))
        return done

    # -- installing -----------------------------------------------------------

    def install(self, loop: asyncio.AbstractEventLoop) -> "VirtualClock":
        """Drive ``loop``'s time from now on; returns the clock, which as a
        context manager uninstalls itself on exit."""
        if self._loop is not None:
            raise RuntimeError("this clock is already installed on {!r}".format(self._loop))
        if not isinstance(loop, asyncio.SelectorEventLoop):
            raise TypeError(
                "VirtualClock needs a selector event loop (genloop's or asyncio's "
                "SelectorEventLoop), got {!r}".format(loop)
            )
        if loop.is_closed():
            raise RuntimeError("cannot install a clock on a closed loop")
        if isinstance(getattr(loop.time, "__self__", None), VirtualClock):
            raise RuntimeError("{!r} already runs on a virtual clock".format(loop))
        selector = _seam.loop_selector(loop)
        self._saved = (vars(loop).get("time", _MISSING), vars(selector).get("select", _MISSING))
        self._real_select = selector.select
        setattr(loop, "time", self.time)
        setattr(selector, "select", self._select)
        self._loop, self._selector = loop, selector
        return self

    def uninstall(self) -> None:
        """Give the loop back its own clock and poll; pending
        :meth:`elapse` futures are cancelled.  Does nothing if not installed."""
        loop, selector = self._loop, self._selector
        if loop is None:
            return
        for saved, (owner, name) in zip(self._saved, ((loop, "time"), (selector, "select"))):
            if saved is _MISSING:
                delattr(owner, name)
            else:
                setattr(owner, name, saved)
        self._loop = self._selector = self._real_select = None
        spans, self._spans = self._spans, []
        if not loop.is_closed():
            for _, _, done in spans:
                done.cancel()

    def __enter__(self) -> "VirtualClock":
        if self._loop is None:
            raise RuntimeError("use 'with clock.install(loop):'")
        return self

    def __exit__(self, *exc_info: Any) -> None:
        self.uninstall()

    # -- the poll -------------------------------------------------------------

    def _select(self, timeout: Optional[float] = None) -> Any:
        if timeout is not None and timeout <= 0:
            return self._real_select(timeout)  # callbacks ready or timers due
        # Idle: nothing runs until I/O arrives or the next timer is due.
        target = self._next_stop(timeout)
        if target is None:
            return self._real_select(None)  # no timer: wait for I/O as the loop would
        if target <= self._now or self.autojump_threshold is None:
            grace = 0.0
        else:
            grace = self.autojump_threshold
        events = self._real_select(grace)
        if not events:
            self._arrive(target)
        return events

    def _next_stop(self, timeout: Optional[float]) -> Optional[float]:
        """Where the idle loop's clock goes next, or None to wait for I/O."""
        spans = self._spans
        while spans and spans[0][2].done():
            heapq.heappop(spans)  # cancelled by its waiter
        span_end = spans[0][0] if spans else math.inf
        if timeout is None or (self.autojump_threshold is None and not spans):
            return None if not spans else span_end
        return min(self._now + timeout, span_end)

    def _arrive(self, target: float) -> None:
        """Jump to ``target``; at a span's end already reached, the loop was
        idle since the jump there (what was due ran): end the span."""
        if target > self._now:
            self._now = target
            return
        spans = self._spans
        while spans and spans[0][0] <= self._now:
            _, _, done = heapq.heappop(spans)
            if not done.done():
                done.set_result(None)
