"""``exhaust_callbacks(loop)``: asynctest's helper that lets a test run
what is ready on the loop before it checks the outcome.

``await exhaust_callbacks(loop)`` (or ``yield from``) returns once the
loop has no callback ready to run: each pass lets the loop run one
iteration, so the callbacks those callbacks schedule with ``call_soon``
run too, and so do the tasks they wake.  Timers (``call_later``,
``call_at``, ``asyncio.sleep(n)``) are not waited for; on a virtual clock,
``ClockedTestCase.advance()`` is what lets their time come.  It is a
legacy coroutine, as asynctest's was, so a plain generator test can
``yield from`` it.
"""

import asyncio
from typing import Any, Generator

from .. import _seam
from ..coroutines import coroutine
from .running import delegate_to

__all__ = ["exhaust_callbacks"]


@coroutine
def exhaust_callbacks(loop: asyncio.AbstractEventLoop) -> Generator[Any, Any, None]:
    """Run ``loop`` (the running loop) until no callback is ready."""
    while _seam.ready_callbacks(loop):
        yield from delegate_to(asyncio.sleep(0))
