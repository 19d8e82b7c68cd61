"""The loops the tests and async fixtures of a pytest session run on (see
:mod:`genloop.testing.pytest_plugin`): a :class:`Run` for each test, on a
loop of its own or on the :class:`SharedLoop`, the loop of the async
fixtures of a scope wider than a test — which must live as long as they
do, and be the loop of the tests that use them, for what they made (a
server, a connection) to work there.
"""

import asyncio
import inspect
from typing import Any, Callable, Coroutine, Dict, Generator, List, Optional, Union

from .._context import copy_context
from ..coroutines import iscoroutinefunction
from ..runners import new_event_loop
from .clock import VirtualClock
from .loops import IsolatedLoop, cancel_all, stock_event_loop
from .running import call_on_loop, run_on_loop

__all__ = ["LOOPS", "Run", "SharedLoop", "is_async_fixture", "new_loop", "set_up_fixture"]

#: The loops a test may run on, by the names the plugin's options use:
#: genloop's, and asyncio's selector loop with genloop's tasks.
LOOPS: Dict[str, Callable[[], asyncio.AbstractEventLoop]] = {
    "genloop": new_event_loop,
    "asyncio": stock_event_loop,
}


def new_loop(kind: str) -> asyncio.AbstractEventLoop:
    """A new loop of ``kind``, in debug mode: reports of what a test left
    then say where each thing was made."""
    loop = LOOPS[kind]()
    loop.set_debug(True)
    return loop


class Run(object):
    """One test on its loop: the loop current and watched (see
    :class:`~genloop.testing.IsolatedLoop`; ``owned``: made for the test,
    and closed after it), the test's ``contextvars`` context, its time
    limit and its clock."""

    def __init__(
        self,
        item: Any,
        loop: asyncio.AbstractEventLoop,
        *,
        owned: bool,
        checks: List[str],
        timeout: Optional[float],
        clock: Optional[VirtualClock]
    ) -> None:
        #: The test (its pytest item).
        self.item = item
        self.loop = loop
        self.timeout = timeout
        self.clock = clock
        self.context = copy_context()
        self.isolated = IsolatedLoop(loop, owned=owned, checks=checks, clock=clock, timeout=timeout)

    def call(self, function: Callable[[], Any]) -> Any:
        """Call a part of the test, and run what it returns on the loop."""
        __tracebackhide__ = True  # pytest shows the test's frames, not these
        return call_on_loop(self.loop, function, timeout=self.timeout, context=self.context)

    def run(self, awaitable: Any, name: str, context: Any) -> Any:
        __tracebackhide__ = True
        return run_on_loop(self.loop, awaitable, timeout=self.timeout, context=context, name=name)

    def finish(self) -> List[str]:
        """What the test left (see :meth:`IsolatedLoop.finish`); on a loop
        the test does not own, its pending tasks are then cancelled."""
        found = self.isolated.finish()
        if not self.isolated.owned and not self.loop.is_closed():
            pending = [task for task in self.isolated.watch.new_tasks() if not task.done()]
            if pending:
                self.run(cancel_all(pending), "cancelling the tasks the test left", None)
        return found


class SharedLoop(object):
    """A loop of ``kind`` for the fixtures of a scope wider than a test,
    and the tests that use them."""

    def __init__(self, kind: str, timeout: Optional[float]) -> None:
        self.kind = kind
        self.timeout = timeout
        self.loop = new_loop(kind)
        #: Tear down the fixtures made on the loop and still set up.
        self.enders: List[Callable[[], None]] = []

    def run(self, awaitable: Any, name: str, context: Any) -> Any:
        """Run ``awaitable`` on the loop, current meanwhile."""
        __tracebackhide__ = True
        current = None if self.loop.is_closed() else IsolatedLoop(self.loop, owned=False, checks=())
        try:
            return run_on_loop(
                self.loop, awaitable, timeout=self.timeout, context=context, name=name
            )
        finally:
            if current is not None:
                current.release()

    def close(self) -> None:
        """Tear down the fixtures made on the loop, last made first; then
        wind the loop down and close it."""
        try:
            for end in reversed(list(self.enders)):
                end()
        finally:
            if not self.loop.is_closed():
                IsolatedLoop(self.loop, checks=(), timeout=self.timeout).release()


def is_async_fixture(function: Any) -> bool:
    """Whether the fixture function ``function`` is an ``async def``
    function, an async generator function or a ``@coroutine``."""
    return inspect.isasyncgenfunction(function) or iscoroutinefunction(function)


def set_up_fixture(
    on: Union[Run, SharedLoop],
    call: Callable[[], Any],
    name: str,
    context: Any,
    add_finalizer: Callable[[Callable[[], Any]], None],
) -> Any:
    """Call an async fixture function (``call``) in ``context``, run what
    it returns on ``on``'s loop, and return the fixture's value; an async
    generator's tear-down goes to ``add_finalizer``."""
    __tracebackhide__ = True
    made = context.run(call)
    if not inspect.isasyncgen(made):
        return on.run(made, name, context)
    try:
        value = on.run(_Step(made), name + " (set-up)", context)
    except StopAsyncIteration:
        raise ValueError("{} did not yield a value".format(name)) from None
    add_finalizer(lambda: _tear_down(on, made, name, context))
    return value


def _tear_down(on: Union[Run, SharedLoop], generator: Any, name: str, context: Any) -> None:
    __tracebackhide__ = True
    try:
        on.run(_Step(generator), name + " (tear-down)", context)
    except StopAsyncIteration:
        return
    on.run(generator.aclose(), name + " (tear-down)", context)
    raise RuntimeError("{} yielded more than once: a fixture yields its value once".format(name))


class _Step(Coroutine[Any, Any, Any]):
    """One step of an async generator (to its next ``yield``, or its end:
    ``StopAsyncIteration``) as a coroutine whose frame is the generator's:
    a task's stack then goes through the generator, and a fixture stuck
    there is reported at its own line."""

    def __init__(self, generator: Any) -> None:
        self.generator = generator
        self._step = generator.__anext__()

    @property
    def cr_frame(self) -> Any:
        return self.generator.ag_frame

    @property
    def cr_await(self) -> Any:
        return self.generator.ag_await

    def send(self, value: Any) -> Any:
        return self._step.send(value)

    def throw(self, *exc_info: Any) -> Any:
        return self._step.throw(*exc_info)

    def close(self) -> None:
        self._step.close()

    def __await__(self) -> Generator[Any, None, Any]:
        return self._step.__await__()  # type: ignore[no-any-return]
