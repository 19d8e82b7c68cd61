"""The benchmark's workloads, each written in three coroutine styles, and the
runtimes that run them.

Every workload has an ``async def`` version, a legacy ``@genloop.coroutine``
generator version (``yield from``) and a ``tornado.gen.coroutine`` version
(``yield``, defined only where tornado is installed).  Each takes
``(loop, size)``, does ``size`` operations, checks what it got (raising
AssertionError) and returns the number of operations done.  What no
coroutine style touches (callback chains, timers, the echo protocols) is
shared by the three versions, so they differ only where the styles force it.

Python 3.6 to 3.13 and PyPy 3: no ``asyncio.run``, and the loop is always
passed explicitly.  Everything a workload starts is awaited before it returns.
"""

import asyncio
import contextlib
import importlib
import os
import sys

try:
    import genloop
except ImportError:
    # Run from a source checkout: the package sits beside bench/.
    sys.path.insert(0, os.path.dirname(os.path.dirname(os.path.abspath(__file__))))
    import genloop

try:
    from tornado import gen
except ImportError:
    gen = None


def tornado_coroutine(function):
    """``tornado.gen.coroutine``, or None where tornado is not installed (the
    body only touches ``gen`` when it runs, so it may be defined anyway)."""
    return gen.coroutine(function) if gen is not None else None


def expect(what, got, wanted):
    """``got``, after checking it is ``wanted`` (``assert`` would vanish under ``-O``)."""
    if got != wanted:
        raise AssertionError("{}: got {!r}, expected {!r}".format(what, got, wanted))
    return got


def shares(total, parts):
    """``total`` split into ``parts`` whole numbers differing by at most one,
    so that a workload does exactly the operations it was asked for."""
    quotient, remainder = divmod(total, parts)
    return [quotient + 1] * remainder + [quotient] * (parts - remainder)


def triangle(count):
    """``0 + 1 + ... + (count - 1)``: what a workload's results must add up to."""
    return count * (count - 1) // 2


# -- task_switch ---------------------------------------------------------------

#: Tasks taking turns in ``task_switch``.
SWITCHING_TASKS = 1000


async def _switch(times):
    for _ in range(times):
        await asyncio.sleep(0)
    return times


@genloop.coroutine
def _legacy_switch(times):
    for _ in range(times):
        yield from asyncio.sleep(0)
    return times


@tornado_coroutine
def _tornado_switch(times):
    for _ in range(times):
        yield gen.moment
    return times


async def task_switch(loop, size):
    tasks = [loop.create_task(_switch(times)) for times in shares(size, SWITCHING_TASKS)]
    return expect("switches", sum(await asyncio.gather(*tasks)), size)


@genloop.coroutine
def legacy_task_switch(loop, size):
    tasks = [loop.create_task(_legacy_switch(times)) for times in shares(size, SWITCHING_TASKS)]
    return expect("switches", sum((yield from asyncio.gather(*tasks))), size)


@tornado_coroutine
def tornado_task_switch(loop, size):
    switched = yield [_tornado_switch(times) for times in shares(size, SWITCHING_TASKS)]
    return expect("switches", sum(switched), size)


# -- chain ---------------------------------------------------------------------

#: Calls below the top of one ``chain`` round trip.
CHAIN_DEPTH = 50


async def _link(depth):
    if depth == 0:
        await asyncio.sleep(0)
        return 1
    return await _link(depth - 1) + 1


@genloop.coroutine
def _legacy_link(depth):
    if depth == 0:
        yield from asyncio.sleep(0)
        return 1
    return (yield from _legacy_link(depth - 1)) + 1


@tornado_coroutine
def _tornado_link(depth):
    if depth == 0:
        yield gen.moment
        return 1
    links = yield _tornado_link(depth - 1)
    return links + 1


async def chain(loop, size):
    links = 0
    for _ in range(size):
        links += await _link(CHAIN_DEPTH)
    expect("links passed", links, size * (CHAIN_DEPTH + 1))
    return size


@genloop.coroutine
def legacy_chain(loop, size):
    links = 0
    for _ in range(size):
        links += yield from _legacy_link(CHAIN_DEPTH)
    expect("links passed", links, size * (CHAIN_DEPTH + 1))
    return size


@tornado_coroutine
def tornado_chain(loop, size):
    links = 0
    for _ in range(size):
        links += yield _tornado_link(CHAIN_DEPTH)
    expect("links passed", links, size * (CHAIN_DEPTH + 1))
    return size


# -- spawn ---------------------------------------------------------------------


async def _identity(value):
    return value


@genloop.coroutine
def _legacy_identity(value):
    return value
    yield  # never reached: it makes this a generator, as legacy coroutines are


@tornado_coroutine
def _tornado_identity(value):
    return value
    yield  # never reached: it makes this a generator, as tornado's coroutines are


async def spawn(loop, size):
    tasks = [loop.create_task(_identity(value)) for value in range(size)]
    total = 0
    for task in tasks:
        total += await task
    expect("sum of the tasks' results", total, triangle(size))
    return size


@genloop.coroutine
def legacy_spawn(loop, size):
    tasks = [loop.create_task(_legacy_identity(value)) for value in range(size)]
    total = 0
    for task in tasks:
        total += yield from task
    expect("sum of the tasks' results", total, triangle(size))
    return size


@tornado_coroutine
def tornado_spawn(loop, size):
    # A tornado coroutine has no task: calling it runs it to its first yield.
    futures = [_tornado_identity(value) for value in range(size)]
    total = 0
    for future in futures:
        total += yield future
    expect("sum of the coroutines' results", total, triangle(size))
    return size


async def wait_for(future):
    return await future


@genloop.coroutine
def legacy_wait_for(future):
    return (yield from future)


@tornado_coroutine
def tornado_wait_for(future):
    result = yield future
    return result


# -- future_pingpong -----------------------------------------------------------


def first_inboxes(loop, size):
    """(inbox, values to receive) of the two players.  The first inbox already
    holds value 0 and the second player's inbox, the reply address."""
    first, second = loop.create_future(), loop.create_future()
    first.set_result((0, second))
    return [(first, (size + 1) // 2), (second, size // 2)]


async def _player(loop, inbox, receives):
    value = None
    for _ in range(receives):
        value, reply_to = await inbox
        inbox = loop.create_future()
        reply_to.set_result((value + 1, inbox))
    return value


@genloop.coroutine
def _legacy_player(loop, inbox, receives):
    value = None
    for _ in range(receives):
        value, reply_to = yield from inbox
        inbox = loop.create_future()
        reply_to.set_result((value + 1, inbox))
    return value


@tornado_coroutine
def _tornado_player(loop, inbox, receives):
    value = None
    for _ in range(receives):
        value, reply_to = yield inbox
        inbox = loop.create_future()
        reply_to.set_result((value + 1, inbox))
    return value


async def future_pingpong(loop, size):
    players = [loop.create_task(_player(loop, inbox, receives))
               for inbox, receives in first_inboxes(loop, size)]
    expect("last value received", max(await asyncio.gather(*players)), size - 1)
    return size


@genloop.coroutine
def legacy_future_pingpong(loop, size):
    players = [loop.create_task(_legacy_player(loop, inbox, receives))
               for inbox, receives in first_inboxes(loop, size)]
    expect("last value received", max((yield from asyncio.gather(*players))), size - 1)
    return size


@tornado_coroutine
def tornado_future_pingpong(loop, size):
    last_values = yield [_tornado_player(loop, inbox, receives)
                         for inbox, receives in first_inboxes(loop, size)]
    expect("last value received", max(last_values), size - 1)
    return size


# -- call_soon -----------------------------------------------------------------

#: Self-rescheduling callbacks in flight at once in ``call_soon``.
CALLBACKS_IN_FLIGHT = 100


def relay_callbacks(loop, size):
    """Run ``size`` callbacks, CALLBACKS_IN_FLIGHT at a time, each scheduling
    the next with ``loop.call_soon``; the future returned gets how many ran."""
    done = loop.create_future()
    in_flight = min(CALLBACKS_IN_FLIGHT, size)
    scheduled = in_flight
    ran = 0

    def callback():
        nonlocal scheduled, ran
        ran += 1
        if scheduled < size:
            scheduled += 1
            loop.call_soon(callback)
        elif ran == size:
            done.set_result(ran)

    for _ in range(in_flight):
        loop.call_soon(callback)
    return done


async def call_soon(loop, size):
    return expect("callbacks run", await relay_callbacks(loop, size), size)


@genloop.coroutine
def legacy_call_soon(loop, size):
    return expect("callbacks run", (yield from relay_callbacks(loop, size)), size)


@tornado_coroutine
def tornado_call_soon(loop, size):
    ran = yield relay_callbacks(loop, size)
    return expect("callbacks run", ran, size)


# -- timers --------------------------------------------------------------------

#: Timers are spread over this many microseconds ahead (0 to 1 ms).
TIMER_SPREAD_US = 1000


def start_timers(loop, size):
    """Schedule ``size`` ``call_later`` timers 0 to 1 ms ahead and cancel every
    other one.  The future returned gets (timers fired, sum of their indexes)
    once as many have fired as were left."""
    done = loop.create_future()
    left = (size + 1) // 2
    fired = [0, 0]

    def fire(index):
        fired[0] += 1
        fired[1] += index
        if fired[0] == left:
            done.set_result(tuple(fired))

    timers = [loop.call_later((index % TIMER_SPREAD_US) * 1e-6, fire, index)
              for index in range(size)]
    for timer in timers[1::2]:
        timer.cancel()
    return done


def check_timers(fired, size):
    """``size``, after checking that exactly the uncancelled (even) timers fired."""
    left = (size + 1) // 2
    expect("(timers fired, sum of their indexes)", fired, (left, 2 * triangle(left)))
    return size


async def timers(loop, size):
    return check_timers(await start_timers(loop, size), size)


@genloop.coroutine
def legacy_timers(loop, size):
    return check_timers((yield from start_timers(loop, size)), size)


@tornado_coroutine
def tornado_timers(loop, size):
    fired = yield start_timers(loop, size)
    return check_timers(fired, size)


# -- gather --------------------------------------------------------------------

#: Coroutines handed to one ``gather`` call.
GATHER_BATCH = 10000


def gather_batches(size):
    """The sizes of the gather calls that make ``size`` coroutines, and the
    sum their results must come to."""
    batches = [GATHER_BATCH] * (size // GATHER_BATCH)
    if size % GATHER_BATCH:
        batches.append(size % GATHER_BATCH)
    return batches, sum(triangle(batch) for batch in batches)


async def _after_a_turn(value):
    await asyncio.sleep(0)
    return value


@genloop.coroutine
def _legacy_after_a_turn(value):
    yield from asyncio.sleep(0)
    return value


@tornado_coroutine
def _tornado_after_a_turn(value):
    yield gen.moment
    return value


async def gather(loop, size):
    batches, expected = gather_batches(size)
    total = 0
    for batch in batches:
        total += sum(await asyncio.gather(*[_after_a_turn(value) for value in range(batch)]))
    expect("sum of the gathered results", total, expected)
    return size


@genloop.coroutine
def legacy_gather(loop, size):
    batches, expected = gather_batches(size)
    total = 0
    for batch in batches:
        results = yield from asyncio.gather(*[_legacy_after_a_turn(value)
                                              for value in range(batch)])
        total += sum(results)
    expect("sum of the gathered results", total, expected)
    return size


@tornado_coroutine
def tornado_gather(loop, size):
    batches, expected = gather_batches(size)
    total = 0
    for batch in batches:
        results = yield [_tornado_after_a_turn(value) for value in range(batch)]
        total += sum(results)
    expect("sum of the gathered results", total, expected)
    return size


# -- echo ----------------------------------------------------------------------

#: The only address the echo workload uses.
LOOPBACK = "127.0.0.1"

#: Distinct 64-byte messages, sent in turn, so a wrong echo cannot pass.
ECHO_MESSAGES = [bytes((first + offset) % 256 for offset in range(64)) for first in range(256)]


class EchoServer(asyncio.Protocol):
    """Writes back whatever it receives; ``closed`` gets connection_lost's argument."""

    def __init__(self, closed):
        self.closed = closed
        self.transport = None

    def connection_made(self, transport):
        self.transport = transport

    def data_received(self, data):
        self.transport.write(data)

    def connection_lost(self, exc):
        self.closed.set_result(exc)


class EchoClient(asyncio.Protocol):
    """One request at a time: the future ``request`` returns gets the reply
    once as many bytes have come back as were sent."""

    def __init__(self, loop):
        self.loop = loop
        self.closed = loop.create_future()
        self.transport = None
        self._received = bytearray()
        self._reply = None
        self._reply_size = 0

    def connection_made(self, transport):
        self.transport = transport

    def request(self, message):
        self._reply = self.loop.create_future()
        self._reply_size = len(message)
        self.transport.write(message)
        return self._reply

    def data_received(self, data):
        self._received += data
        if len(self._received) >= self._reply_size:
            self._reply.set_result(bytes(self._received))
            del self._received[:]

    def connection_lost(self, exc):
        self.closed.set_result(exc)


class EchoConnection(object):
    """A loopback echo server and one client connected to it.  Opening and
    closing happen once per measurement, so every style uses these
    ``async def`` methods; the round trips are the styled part."""

    def __init__(self, loop):
        self.loop = loop
        self.server_closed = loop.create_future()
        self.server = None
        self.client = None

    async def open(self):
        self.server = await self.loop.create_server(
            lambda: EchoServer(self.server_closed), LOOPBACK, 0)
        port = self.server.sockets[0].getsockname()[1]
        _, self.client = await self.loop.create_connection(
            lambda: EchoClient(self.loop), LOOPBACK, port)
        return self.client

    async def close(self):
        self.client.transport.close()
        expect("client's connection_lost argument", await self.client.closed, None)
        expect("server's connection_lost argument", await self.server_closed, None)
        self.server.close()
        await self.server.wait_closed()


def check_echoes(wrong, size):
    """``size``, after checking no reply differed from its message (checked
    after closing, so that a wrong reply leaves nothing open)."""
    expect("echoes that differed from the message sent", wrong, 0)
    return size


async def echo(loop, size):
    connection = EchoConnection(loop)
    client = await connection.open()
    wrong = 0
    for index in range(size):
        message = ECHO_MESSAGES[index % len(ECHO_MESSAGES)]
        wrong += await client.request(message) != message
    await connection.close()
    return check_echoes(wrong, size)


@genloop.coroutine
def legacy_echo(loop, size):
    connection = EchoConnection(loop)
    client = yield from connection.open()
    wrong = 0
    for index in range(size):
        message = ECHO_MESSAGES[index % len(ECHO_MESSAGES)]
        wrong += (yield from client.request(message)) != message
    yield from connection.close()
    return check_echoes(wrong, size)


@tornado_coroutine
def tornado_echo(loop, size):
    connection = EchoConnection(loop)
    client = yield connection.open()
    wrong = 0
    for index in range(size):
        message = ECHO_MESSAGES[index % len(ECHO_MESSAGES)]
        echoed = yield client.request(message)
        wrong += echoed != message
    yield connection.close()
    return check_echoes(wrong, size)


# -- the table of workloads ----------------------------------------------------

NATIVE, LEGACY, TORNADO = "async def", "@genloop.coroutine", "tornado.gen.coroutine"


class Workload(object):
    """A workload: its coroutine function for each style, the size of one
    measurement (in operations) and what one operation is."""

    def __init__(self, name, size, operation, native, legacy, tornado):
        self.name = name
        self.size = size
        self.operation = operation
        self.versions = {NATIVE: native, LEGACY: legacy, TORNADO: tornado}


#: In the order they run and are reported.  Sizes make one measurement take
#: 0.2 to 0.6 s of CPU with stock asyncio on CPython 3.12.
WORKLOADS = [
    Workload("task_switch", 150000,
             "one of {:,} tasks giving the loop a turn with sleep(0)".format(SWITCHING_TASKS),
             task_switch, legacy_task_switch, tornado_task_switch),
    Workload("chain", 20000,
             "a round trip down a chain of {} awaits / yield froms, "
             "suspending once at the bottom".format(CHAIN_DEPTH),
             chain, legacy_chain, tornado_chain),
    Workload("spawn", 100000,
             "a task created, run and awaited (all created before the first runs)",
             spawn, legacy_spawn, tornado_spawn),
    Workload("future_pingpong", 60000,
             "a value passed between two tasks through a new future",
             future_pingpong, legacy_future_pingpong, tornado_future_pingpong),
    Workload("call_soon", 300000,
             "a callback run, {} in flight, each scheduling the next".format(
                 CALLBACKS_IN_FLIGHT),
             call_soon, legacy_call_soon, tornado_call_soon),
    Workload("timers", 100000,
             "a call_later timer 0-1 ms ahead, every other one cancelled",
             timers, legacy_timers, tornado_timers),
    Workload("gather", 30000,
             "a coroutine (sleep(0), then return) in a gather of {:,}".format(GATHER_BATCH),
             gather, legacy_gather, tornado_gather),
    Workload("echo", 10000,
             "a 64-byte round trip over one TCP connection to {}".format(LOOPBACK),
             echo, legacy_echo, tornado_echo),
]

#: A task blocked awaiting a future, by style: what memory per live task measures.
WAIT_FOR = {NATIVE: wait_for, LEGACY: legacy_wait_for, TORNADO: tornado_wait_for}


# -- runtimes ------------------------------------------------------------------


def stock_loop_with_genloop_tasks():
    loop = asyncio.new_event_loop()
    loop.set_task_factory(genloop.task_factory)
    return loop


def uvloop_loop():
    return importlib.import_module("uvloop").new_event_loop()


class Runtime(object):
    """A loop to make and the style of workload it runs.

    ``requires`` names the module an outside reference needs; ``current``
    says the loop must be asyncio's current loop while it runs (tornado
    finds its IOLoop through it); ``genloop_run`` says its workers run
    under ``genloop run``, as unmodified legacy code does.
    """

    def __init__(self, name, style, new_loop, summary, requires=None, current=False,
                 genloop_run=False):
        self.name = name
        self.style = style
        self.new_loop = new_loop
        self.summary = summary
        self.requires = requires
        self.current = current
        self.genloop_run = genloop_run

    def version(self):
        """The outside reference's version, None for the core runtimes; raises
        ImportError where it is not installed."""
        if self.requires is None:
            return None
        module = importlib.import_module(self.requires)
        return getattr(module, "__version__", None) or getattr(module, "version", "?")

    def installed(self):
        try:
            self.version()
        except ImportError:
            return False
        return True

    @contextlib.contextmanager
    def fresh_loop(self):
        """A new loop, closed (and no longer current) afterwards."""
        loop = self.new_loop()
        if self.current:
            asyncio.set_event_loop(loop)
        try:
            yield loop
        finally:
            if self.current:
                asyncio.set_event_loop(None)
            loop.close()


#: The name of the baseline every ratio is taken against.
BASELINE = "asyncio"

RUNTIMES = [
    Runtime(BASELINE, NATIVE, asyncio.new_event_loop,
            "stock loop, async def, asyncio's Task (the C one on CPython)"),
    Runtime("genloop", NATIVE, genloop.new_event_loop,
            "genloop.new_event_loop(), async def"),
    Runtime("genloop-legacy", LEGACY, genloop.new_event_loop,
            "genloop.new_event_loop(), @genloop.coroutine generators"),
    Runtime("genloop-run", LEGACY, genloop.new_event_loop,
            "the same generators under genloop run (the compat layer installed)",
            genloop_run=True),
    Runtime("asyncio+factory", NATIVE, stock_loop_with_genloop_tasks,
            "stock loop with loop.set_task_factory(genloop.task_factory), async def"),
    Runtime("factory-legacy", LEGACY, stock_loop_with_genloop_tasks,
            "the same stock loop and factory, @genloop.coroutine generators"),
    Runtime("uvloop", NATIVE, uvloop_loop,
            "uvloop.new_event_loop(), async def", requires="uvloop"),
    Runtime("tornado", TORNADO, asyncio.new_event_loop,
            "tornado.gen.coroutine generators on the stock loop",
            requires="tornado", current=True),
]


def find(items, name):
    """The workload or runtime called ``name``."""
    for item in items:
        if item.name == name:
            return item
    raise KeyError(name)
