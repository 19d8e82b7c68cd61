"""Faults and load over 127.0.0.1, each scenario run on the stock asyncio
loop, on genloop's loop and on the stock loop with genloop's task factory,
in the same test: whatever the stock loop does is what genloop's must do.

A scenario is a function of a fresh loop that returns what it observed.
:func:`on_each_loop` runs it on every kind of loop and compares the
outcomes, together with what each loop reported to its exception handler,
the tasks it left pending and the file descriptors it leaked (Linux: counted
in /proc/self/fd).  Every stream scenario checks the bytes that arrived
against those sent.  Misbehaving peers are in tests/faultpeers.py.
"""

import asyncio
import contextlib
import functools
import os
import signal
import socket
import sys
import threading

import pytest

import genloop
import soak
from childprocess import run_python
from conftest import make_loop
from faultpeers import (
    LOCALHOST,
    PEER_TIMEOUT,
    Peer,
    bytewise,
    digest,
    half_close,
    payload,
    read_then_reset,
    send_then_reset,
    send_then_stall,
    shrink_buffers,
    stall,
)

pytestmark = [
    pytest.mark.skipif(
        not os.path.isdir("/proc/self/fd"),
        reason="counts open file descriptors in /proc/self/fd (Linux)",
    ),
    pytest.mark.timeout(30),
]

#: The stock loop first: the reference the others are compared with.
KINDS = ("stock", "genloop", "stock+factory")

MB = 1024 * 1024

#: What awaiting a read or a drain gives once the peer reset the connection.
RESET = ("raised", "ConnectionResetError", "[Errno 104] Connection reset by peer")


# -- running a scenario on each loop -----------------------------------------------------


def fd_count():
    return len(os.listdir("/proc/self/fd"))


def _report(context):
    """An exception-handler report, without what differs between runs
    (addresses, line numbers)."""
    exception = context.get("exception")
    message = context["message"].split(" at ")[0]
    return message, None if exception is None else type(exception).__name__


def run_on(kind, scenario):
    """Run ``scenario(loop)`` on a fresh loop of ``kind``, current while it
    runs (3.6 and 3.7 attach the child watcher to the current loop)."""
    fds = fd_count()
    loop = make_loop(kind)
    reports = []
    loop.set_exception_handler(lambda _, context: reports.append(_report(context)))
    asyncio.set_event_loop(loop)
    try:
        outcome = scenario(loop)
        # Callbacks a close scheduled (connection_lost) run before counting.
        for _ in range(3):
            loop.run_until_complete(asyncio.sleep(0))
        pending = genloop.all_tasks(loop)
        for task in pending:
            task.cancel()
        loop.run_until_complete(asyncio.gather(*pending, return_exceptions=True))
    finally:
        asyncio.set_event_loop(None)
        loop.close()
    return {
        "outcome": outcome,
        "reports": reports,
        "pending tasks": len(pending),
        "fds leaked": fd_count() - fds,
    }


def on_each_loop(scenario):
    """The stock loop's outcome and reports, once every other kind of loop
    was seen to give the same, and none left a task or a descriptor behind."""
    runs = {kind: run_on(kind, scenario) for kind in KINDS}
    stock = runs["stock"]
    for kind in KINDS[1:]:
        assert runs[kind] == stock, "{} differs from the stock loop".format(kind)
    assert stock["pending tasks"] == 0 and stock["fds leaked"] == 0, stock
    return stock["outcome"], stock["reports"]


def complete(coroutine_function, *args):
    """The scenario that runs ``coroutine_function(loop, *args)`` to completion."""
    return lambda loop: loop.run_until_complete(coroutine_function(loop, *args))


async def outcome_of(awaitable):
    """What awaiting ``awaitable`` gave: a value, or an exception's type and text."""
    try:
        return "returned", await awaitable
    except Exception as exc:
        return "raised", type(exc).__name__, str(exc)


def caught(run, *args):
    """The name of the exception ``run(*args)`` raised, or None."""
    try:
        run(*args)
    except BaseException as exc:
        return type(exc).__name__
    return None


def usable(loop):
    """Whether the loop still runs a coroutine to its end."""
    return loop.run_until_complete(asyncio.sleep(0, result="usable"))


def received(data, sent):
    """How ``data`` compares with what was ``sent`` (sha256)."""
    if digest(data) == digest(sent):
        return "all"
    if digest(data) == digest(sent[:len(data)]):
        return "a prefix"
    return "corrupted"


def address(server):
    return server.sockets[0].getsockname()


async def close_server(server):
    server.close()
    await server.wait_closed()


async def close_writer(writer):
    """Close a stream and wait until it is closed (3.7+: before, the harness
    lets connection_lost run).  A connection lost with an error raises it
    again here: each scenario has already looked at that error."""
    writer.close()
    if sys.version_info >= (3, 7):
        try:
            await writer.wait_closed()
        except ConnectionError:
            pass


class Recorder(asyncio.Protocol):
    """Keeps, in order, the calls a transport made that do not depend on
    how the bytes were cut up: made, paused, resumed, eof, lost."""

    def __init__(self, loop, on_pause=None):
        self.loop = loop
        self.events = []
        self.data = bytearray()
        self.made = loop.create_future()
        self.lost = loop.create_future()
        self._on_pause = on_pause
        self._resumed = None

    def connection_made(self, transport):
        self.transport = transport
        self.events.append("made")
        self.made.set_result(transport)

    def data_received(self, data):
        self.data += data

    def eof_received(self):
        self.events.append("eof")

    def pause_writing(self):
        self.events.append("paused")
        self._resumed = self.loop.create_future()
        if self._on_pause is not None:
            self._on_pause()

    def resume_writing(self):
        self.events.append("resumed")
        self._resumed.set_result(None)

    def connection_lost(self, exc):
        self.events.append("lost: {}".format(None if exc is None else type(exc).__name__))
        self.lost.set_result(None)

    async def writable(self):
        """Return once the transport takes more (not paused)."""
        if self._resumed is not None:
            await self._resumed


# -- resets ------------------------------------------------------------------------------


async def reset_under_a_stream_reader(loop):
    data = payload(256 * 1024, seed=1)
    peer = Peer.listening(loop, send_then_reset, data, 2)
    reader, writer = await asyncio.open_connection(*peer.address)
    got = await reader.readexactly(len(data))
    writer.write(b"ok")  # the peer resets once it has this
    await peer.future
    peer.join()
    read = await outcome_of(reader.read(100))
    writer.write(b"late")
    drain = await outcome_of(writer.drain())
    closing = writer.transport.is_closing()
    await close_writer(writer)
    return {"received": received(got, data), "read": read, "drain": drain, "closing": closing}


def test_a_peer_reset_after_its_data_fails_the_next_read_and_drain():
    outcome, reports = on_each_loop(complete(reset_under_a_stream_reader))
    assert outcome == {"received": "all", "read": RESET, "drain": RESET, "closing": True}
    assert reports == []


async def reset_under_a_protocol_writer(loop):
    data = payload(4 * MB, seed=2)
    protocol = Recorder(loop)
    server = await loop.create_server(lambda: protocol, LOCALHOST, 0)
    peer = Peer.connecting(loop, address(server), read_then_reset, 64 * 1024,
                           small_buffers=True)
    transport = await protocol.made
    shrink_buffers(transport.get_extra_info("socket"))
    transport.write(data)
    await protocol.lost
    got = await peer.future
    peer.join()
    await close_server(server)
    return {"peer got": (received(got, data), len(got)), "events": protocol.events}


def test_a_peer_reset_while_a_protocol_writes_loses_the_connection():
    outcome, reports = on_each_loop(complete(reset_under_a_protocol_writer))
    assert outcome == {
        "peer got": ("a prefix", 64 * 1024),
        "events": ["made", "paused", "lost: ConnectionResetError"],
    }
    assert reports == []


# -- half-close --------------------------------------------------------------------------


class Answerer(Recorder):
    """Answers the digest of what it received once the peer half-closes;
    the transport stays open for the answer (``keep_open``, closed later)
    or closes itself after sending it."""

    def __init__(self, loop, keep_open):
        super().__init__(loop)
        self.keep_open = keep_open

    def eof_received(self):
        super().eof_received()
        self.transport.write(digest(self.data).encode())
        if self.keep_open:
            self.loop.call_soon(self.transport.close)
        return self.keep_open


async def half_closed_by_the_peer(loop, keep_open):
    data = payload(128 * 1024, seed=3)
    protocol = Answerer(loop, keep_open)
    server = await loop.create_server(lambda: protocol, LOCALHOST, 0)
    peer = Peer.connecting(loop, address(server), half_close, data)
    answer = await peer.future
    peer.join()
    await protocol.lost
    await close_server(server)
    return {"answer": answer == digest(data).encode(), "events": protocol.events}


@pytest.mark.parametrize("keep_open", [True, False], ids=["kept open", "closed by eof"])
def test_a_peer_half_close_reaches_eof_received_and_the_answer_gets_back(keep_open):
    outcome, reports = on_each_loop(complete(half_closed_by_the_peer, keep_open))
    assert outcome == {"answer": True, "events": ["made", "eof", "lost: None"]}
    assert reports == []


async def half_close_with_streams(loop):
    data = payload(128 * 1024, seed=4)
    peer = Peer.listening(loop, half_close, data)
    reader, writer = await asyncio.open_connection(*peer.address)
    got = await reader.read()
    at_eof = reader.at_eof()
    writer.write(digest(got).encode())
    writer.write_eof()
    answer = await peer.future
    peer.join()
    await close_writer(writer)
    return {"received": received(got, data), "at eof": at_eof,
            "answer": answer == digest(data).encode()}


def test_a_stream_reads_to_a_peer_half_close_and_still_writes():
    outcome, reports = on_each_loop(complete(half_close_with_streams))
    assert outcome == {"received": "all", "at eof": True, "answer": True}
    assert reports == []


# -- a peer that stops reading -----------------------------------------------------------


async def stalled_peer_under_a_protocol(loop):
    data = payload(4 * MB, seed=5)
    go = threading.Event()
    peer = Peer.listening(loop, stall, go, "read", small_buffers=True)
    protocol = Recorder(loop, on_pause=go.set)
    transport, _ = await loop.create_connection(lambda: protocol, *peer.address)
    shrink_buffers(transport.get_extra_info("socket"))
    transport.set_write_buffer_limits(high=64 * 1024)
    chunk = 16 * 1024
    for start in range(0, len(data), chunk):
        await protocol.writable()
        transport.write(data[start:start + chunk])
    transport.close()
    await protocol.lost
    got = await peer.future
    peer.join()
    events = protocol.events
    return {
        "paused": "paused" in events,
        "resumed as often": events.count("paused") == events.count("resumed"),
        "last": events[-1],
        "peer got": received(got, data),
    }


def test_a_stalled_peer_pauses_the_writing_protocol_until_it_reads_again():
    outcome, reports = on_each_loop(complete(stalled_peer_under_a_protocol))
    assert outcome == {"paused": True, "resumed as often": True, "last": "lost: None",
                       "peer got": "all"}
    assert reports == []


async def stalled_peer_under_a_stream_writer(loop, then):
    data = payload(4 * MB, seed=6)
    go = threading.Event()
    peer = Peer.listening(loop, stall, go, "reset" if then == "peer resets" else "read",
                          small_buffers=True)
    reader, writer = await asyncio.open_connection(*peer.address)
    shrink_buffers(writer.get_extra_info("socket"))
    writer.write(data)
    buffered = writer.transport.get_write_buffer_size() > 0
    draining = loop.create_task(outcome_of(writer.drain()))
    await asyncio.sleep(0)  # the drain waits before the peer moves
    if then == "own abort":
        writer.transport.abort()
    go.set()
    drain = await draining
    await close_writer(writer)
    got = await peer.future
    peer.join()
    return {"buffered": buffered, "drain": drain,
            "peer got": None if got is None else received(got, data)}


@pytest.mark.parametrize("then, drain, got", [
    ("peer reads", ("returned", None), "all"),
    ("peer resets", RESET, None),
    ("own abort", ("returned", None), "a prefix"),
])
def test_a_drain_waits_for_a_stalled_peer(then, drain, got):
    outcome, reports = on_each_loop(complete(stalled_peer_under_a_stream_writer, then))
    assert outcome == {"buffered": True, "drain": drain, "peer got": got}
    assert reports == []


# -- one byte at a time, and floods ------------------------------------------------------


async def one_byte_at_a_time(loop):
    data = payload(4096, seed=7)
    answer = payload(16 * 1024, seed=8)
    handled = loop.create_future()

    async def handle(reader, writer):
        got = await reader.read()
        writer.write(answer)
        await close_writer(writer)
        handled.set_result(got)

    server = await asyncio.start_server(handle, LOCALHOST, 0)
    peer = Peer.connecting(loop, address(server), bytewise, data)
    peer_got = await peer.future
    peer.join()
    got = await handled
    await close_server(server)
    return {"server got": received(got, data), "peer got": received(peer_got, answer)}


def test_a_peer_that_sends_and_reads_one_byte_at_a_time():
    outcome, reports = on_each_loop(complete(one_byte_at_a_time))
    assert outcome == {"server got": "all", "peer got": "all"}
    assert reports == []


@genloop.coroutine
def send_pieces(writer, data, sizes):
    """A legacy writer: many small writes of ``data``, one drain, EOF."""
    start = 0
    index = 0
    while start < len(data):
        size = sizes[index % len(sizes)]
        writer.write(data[start:start + size])
        start += size
        index += 1
    yield from writer.drain()
    writer.write_eof()
    return index


async def send_whole(writer, data):
    writer.write(data)
    await writer.drain()
    writer.write_eof()
    return 1


async def echo_to_eof(reader, writer):
    await soak.copy_to_eof(reader, writer)
    await close_writer(writer)


async def flooded_echo(loop, shape):
    handlers = []

    def on_connection(reader, writer):
        handlers.append(loop.create_task(echo_to_eof(reader, writer)))

    server = await asyncio.start_server(on_connection, LOCALHOST, 0)
    reader, writer = await asyncio.open_connection(*address(server))
    if shape == "one large write":
        data = payload(8 * MB, seed=9)
        send = send_whole(writer, data)
    else:
        data = payload(MB, seed=10)
        send = send_pieces(writer, data, list(range(1, 65)))
    sending = loop.create_task(send)
    echoed = await reader.read()
    writes = await sending
    await close_writer(writer)
    await asyncio.gather(*handlers)
    await close_server(server)
    return {"echoed": received(echoed, data), "writes": writes}


@pytest.mark.parametrize("shape, writes", [("one large write", 1), ("many small writes", 32279)])
def test_a_flood_is_echoed_intact(shape, writes):
    outcome, reports = on_each_loop(complete(flooded_echo, shape))
    assert outcome == {"echoed": "all", "writes": writes}
    assert reports == []


# -- closed under pending reads and writes -----------------------------------------------


async def closed_with_data_buffered(loop, how):
    data = payload(2 * MB, seed=11)
    go = threading.Event()
    peer = Peer.listening(loop, stall, go, "read", small_buffers=True)
    protocol = Recorder(loop)
    transport, _ = await loop.create_connection(lambda: protocol, *peer.address)
    shrink_buffers(transport.get_extra_info("socket"))
    transport.write(data)
    buffered = transport.get_write_buffer_size() > 0
    getattr(transport, how)()
    closing = transport.is_closing()
    go.set()
    await protocol.lost
    got = await peer.future
    peer.join()
    return {"buffered": buffered, "closing": closing, "peer got": received(got, data),
            "events": protocol.events}


@pytest.mark.parametrize("how, got, events", [
    ("close", "all", ["made", "paused", "resumed", "lost: None"]),
    ("abort", "a prefix", ["made", "paused", "lost: None"]),
])
def test_a_transport_closed_with_data_buffered_flushes_it_or_drops_it(how, got, events):
    outcome, reports = on_each_loop(complete(closed_with_data_buffered, how))
    assert outcome == {"buffered": True, "closing": True, "peer got": got, "events": events}
    assert reports == []


async def pending_read_when_closed(loop, closer):
    go = threading.Event()
    peer = Peer.listening(loop, send_then_stall, b"abc", go,
                          "reset" if closer == "peer resets" else "close")
    reader, writer = await asyncio.open_connection(*peer.address)
    first = await reader.readexactly(1)
    reading = loop.create_task(outcome_of(reader.readexactly(10)))
    await asyncio.sleep(0)  # the read waits, with "bc" buffered, before the close
    if closer == "own close":
        writer.close()
    elif closer == "own abort":
        writer.transport.abort()
    go.set()
    read = await reading
    await peer.future
    peer.join()
    await close_writer(writer)
    return {"first": first, "read": read}


INCOMPLETE = ("raised", "IncompleteReadError", "2 bytes read on a total of 10 expected bytes")


@pytest.mark.parametrize("closer, read", [
    ("own close", INCOMPLETE),
    ("own abort", INCOMPLETE),
    ("peer closes", INCOMPLETE),
    ("peer resets", RESET),
])
def test_a_stream_read_pending_when_the_connection_closes(closer, read):
    outcome, reports = on_each_loop(complete(pending_read_when_closed, closer))
    assert outcome == {"first": b"a", "read": read}
    assert reports == []


# -- a killed subprocess -----------------------------------------------------------------

#: Writes 256 KiB, then sleeps without reading its stdin.
CHILD = (
    "import sys, time\n"
    "sys.stdout.buffer.write(bytes(range(256)) * 1024)\n"
    "sys.stdout.flush()\n"
    "time.sleep(60)\n"
)


async def killed_child(loop):
    sent = bytes(range(256)) * 1024
    process = await asyncio.create_subprocess_exec(
        sys.executable, "-c", CHILD,
        stdin=asyncio.subprocess.PIPE, stdout=asyncio.subprocess.PIPE,
    )
    out = await process.stdout.readexactly(len(sent))
    rest = loop.create_task(outcome_of(process.stdout.read()))
    process.stdin.write(payload(MB, seed=12))  # more than the pipe holds
    draining = loop.create_task(outcome_of(process.stdin.drain()))
    await asyncio.sleep(0)  # the read and the drain wait before the kill
    process.kill()
    returncode = await process.wait()
    outcome = {
        "out": received(out, sent),
        "rest": await rest,
        "drain": await draining,
        "returncode": returncode,
        "stdin closing": process.stdin.transport.is_closing(),
    }
    if sys.version_info >= (3, 8):  # 3.7's stdin has no wait_closed() that works
        outcome["stdin closed"] = await outcome_of(process.stdin.wait_closed())
    return outcome


def test_a_killed_subprocess_ends_its_pending_pipe_reads_and_writes():
    outcome, reports = on_each_loop(complete(killed_child))
    broken_pipe = ("raised", "BrokenPipeError", "")
    expected = {
        "out": "all",
        "rest": ("returned", b""),
        "drain": broken_pipe,
        "returncode": -signal.SIGKILL,
        "stdin closing": True,
    }
    if sys.version_info >= (3, 8):
        expected["stdin closed"] = broken_pipe
    assert outcome == expected
    assert reports == []


# -- signals -----------------------------------------------------------------------------


@contextlib.contextmanager
def dispositions_kept(*signals):
    """Put back the signal handlers the process had, whatever the test did
    (removing a loop's handler leaves SIG_DFL)."""
    kept = [(number, signal.getsignal(number)) for number in signals]
    try:
        yield
    finally:
        for number, handler in kept:
            signal.signal(number, handler)


def signals_during_run_forever(busy, loop):
    """Three signals in a burst, sent while the loop waits for I/O or while
    a task keeps it busy (it never waits)."""
    received_signals = []

    def on_usr1():
        received_signals.append("SIGUSR1")
        raise ValueError("a failing signal handler")

    def on_usr2(name):
        received_signals.append(name)
        if not busy:
            loop.stop()

    def burst():
        for number in (signal.SIGUSR1, signal.SIGUSR1, signal.SIGUSR2):
            os.kill(os.getpid(), number)

    async def spin():
        deadline = loop.time() + PEER_TIMEOUT
        while "SIGUSR2" not in received_signals and loop.time() < deadline:
            await asyncio.sleep(0)

    with dispositions_kept(signal.SIGUSR1, signal.SIGUSR2):
        loop.add_signal_handler(signal.SIGUSR1, on_usr1)
        loop.add_signal_handler(signal.SIGUSR2, on_usr2, "SIGUSR2")
        loop.call_later(0.01, burst)
        if busy:
            loop.run_until_complete(spin())
        else:
            hang_guard = loop.call_later(PEER_TIMEOUT, loop.stop)
            loop.run_forever()
            hang_guard.cancel()
        removed = [loop.remove_signal_handler(number)
                   for number in (signal.SIGUSR1, signal.SIGUSR2, signal.SIGUSR1)]
    return {"received": received_signals, "removed": removed}


@pytest.mark.parametrize("busy", [False, True], ids=["idle loop", "busy loop"])
def test_signals_during_run_forever_run_their_handlers_in_order(busy):
    outcome, reports = on_each_loop(functools.partial(signals_during_run_forever, busy))
    assert outcome == {"received": ["SIGUSR1", "SIGUSR1", "SIGUSR2"],
                       "removed": [True, True, False]}
    handler = "signals_during_run_forever.<locals>.on_usr1()"
    assert reports == [("Exception in callback " + handler, "ValueError")] * 2


def interrupted_while_waiting(loop):
    """SIGINT, with Python's default handler, sent to the main thread while
    the loop waits for I/O with nothing to do.  Without a wakeup fd a signal
    that lands just before the wait only interrupts the next one: a timer
    ends each wait within 10 ms."""
    waiting = threading.Event()
    main_thread = threading.get_ident()
    ticker = []

    def interrupt():
        if waiting.wait(PEER_TIMEOUT):
            signal.pthread_kill(main_thread, signal.SIGINT)

    def tick():
        ticker[:] = [loop.call_later(0.01, tick)]

    with dispositions_kept(signal.SIGINT):
        signal.signal(signal.SIGINT, signal.default_int_handler)
        thread = threading.Thread(target=interrupt)
        thread.start()
        loop.call_soon(waiting.set)
        tick()
        hang_guard = loop.call_later(PEER_TIMEOUT, loop.stop)
        try:
            loop.run_forever()
            raised = None
        except KeyboardInterrupt:
            raised = "KeyboardInterrupt"
        thread.join()
    hang_guard.cancel()
    ticker[0].cancel()
    return {"raised": raised, "running": loop.is_running(), "afterwards": usable(loop)}


def test_sigint_while_the_loop_waits_leaves_run_forever_and_the_loop_usable():
    outcome, reports = on_each_loop(interrupted_while_waiting)
    assert outcome == {"raised": "KeyboardInterrupt", "running": False, "afterwards": "usable"}
    assert reports == []


# -- KeyboardInterrupt and SystemExit ----------------------------------------------------


def interrupted_callbacks(exception, scheduler, loop):
    """Four callbacks in a row, the second raising ``exception``; then
    run_forever() again, which must run what was left."""
    ran = []

    def interrupt():
        ran.append("raise")
        raise exception("from a callback")

    delays = iter([0.001, 0.002, 0.003, 0.004])
    for call in [(ran.append, "before"), (interrupt,), (ran.append, "after"), (loop.stop,)]:
        if scheduler == "call_soon":
            loop.call_soon(*call)
        else:
            loop.call_later(next(delays), *call)
    raised = caught(loop.run_forever)
    running = loop.is_running()
    ran.append("again")
    return {"raised": raised, "running": running, "again": caught(loop.run_forever),
            "afterwards": usable(loop), "ran": ran}


@pytest.mark.parametrize("exception", [KeyboardInterrupt, SystemExit])
@pytest.mark.parametrize("scheduler", ["call_soon", "call_later"])
def test_keyboard_interrupt_and_system_exit_in_a_callback_leave_run_forever(exception, scheduler):
    outcome, reports = on_each_loop(functools.partial(interrupted_callbacks, exception, scheduler))
    assert outcome == {"raised": exception.__name__, "running": False, "again": None,
                       "afterwards": "usable", "ran": ["before", "raise", "again", "after"]}
    assert reports == []


def interrupted_task(exception, background, loop):
    """A task raising ``exception``: the one run_until_complete() runs, or
    another one beside it (``background``), which must finish afterwards."""
    ran = []

    async def raising():
        ran.append("task")
        await asyncio.sleep(0)
        ran.append("raise")
        raise exception("from a task")

    async def main():
        await asyncio.sleep(0.01)
        ran.append("main")
        return "main done"

    failing = loop.create_task(raising())
    awaited = loop.create_task(main()) if background else failing
    outcome = {
        "raised": caught(loop.run_until_complete, awaited),
        "running": loop.is_running(),
        "failed task": type(failing.exception()).__name__ if failing.done() else None,
    }
    if background:
        outcome["main"] = loop.run_until_complete(awaited)
    return dict(outcome, afterwards=usable(loop), ran=ran)


@pytest.mark.parametrize("exception", [KeyboardInterrupt, SystemExit])
@pytest.mark.parametrize("background, expected", [
    (False, {"ran": ["task", "raise"]}),
    (True, {"main": "main done", "ran": ["task", "raise", "main"]}),
], ids=["the task run", "a task beside it"])
def test_keyboard_interrupt_and_system_exit_in_a_task_leave_run_until_complete(
    exception, background, expected
):
    outcome, reports = on_each_loop(functools.partial(interrupted_task, exception, background))
    assert outcome == dict(expected, raised=exception.__name__, running=False,
                           afterwards="usable", **{"failed task": exception.__name__})
    assert reports == []


class Interrupting(asyncio.Protocol):
    """Raises ``exception`` from the first data it receives."""

    def __init__(self, exception, ran):
        self.exception = exception
        self.ran = ran

    def data_received(self, data):
        self.ran.append(data.decode())
        raise self.exception("from data_received")


def interrupted_in_a_protocol(exception, loop):
    """``exception`` from data_received(): it leaves run_forever(), and the
    transport stays open."""
    ran = []
    left, right = socket.socketpair()
    with right:
        transport, _ = loop.run_until_complete(
            loop.create_unix_connection(lambda: Interrupting(exception, ran), None, sock=left)
        )
        right.sendall(b"data")
        hang_guard = loop.call_later(PEER_TIMEOUT, loop.stop)
        outcome = {"raised": caught(loop.run_forever), "closing": transport.is_closing()}
        hang_guard.cancel()
        transport.close()
    outcome["afterwards"] = usable(loop)
    outcome["ran"] = ran
    return outcome


@pytest.mark.parametrize("exception", [KeyboardInterrupt, SystemExit])
def test_keyboard_interrupt_and_system_exit_in_data_received_leave_the_loop(exception):
    outcome, reports = on_each_loop(functools.partial(interrupted_in_a_protocol, exception))
    assert outcome == {"raised": exception.__name__, "closing": False, "afterwards": "usable",
                       "ran": ["data"]}
    assert reports == []


class Abort(BaseException):
    """Neither an Exception nor KeyboardInterrupt or SystemExit."""


def aborted_task(loop):
    async def abort():
        await asyncio.sleep(0)
        raise Abort

    task = loop.create_task(abort())
    outcome = {
        "raised": caught(loop.run_until_complete, task),
        "afterwards": caught(loop.run_until_complete, asyncio.sleep(0)),
    }
    # Retrieved: else the task's collection, whenever it comes, reports it.
    outcome["task ended with"] = type(task.exception()).__name__
    return outcome


def test_another_base_exception_in_a_task_leaves_the_loop_usable():
    outcome, reports = on_each_loop(aborted_task)
    assert outcome == {"raised": "Abort", "afterwards": None, "task ended with": "Abort"}
    assert reports == []


# -- call_soon_threadsafe from many threads ----------------------------------------------

THREADS = 8
CALLS = 1000
#: Real seconds the loop waits for every call: what is measured is that
#: each arrives once and in order, not how fast (a loaded machine is slow).
DELIVERY_DEADLINE = 90


def threadsafe_calls(loop):
    """THREADS threads each make CALLS tagged calls while a task keeps the
    loop busy; returns which were delivered, and whether in each thread's
    order."""
    delivered = []
    start = threading.Event()

    def send(thread):
        start.wait(PEER_TIMEOUT)
        for sequence in range(CALLS):
            loop.call_soon_threadsafe(delivered.append, (thread, sequence))

    async def busy():
        deadline = loop.time() + DELIVERY_DEADLINE
        start.set()
        while len(delivered) < THREADS * CALLS and loop.time() < deadline:
            await asyncio.sleep(0)

    threads = [threading.Thread(target=send, args=(number,)) for number in range(THREADS)]
    for thread in threads:
        thread.start()
    loop.run_until_complete(busy())
    for thread in threads:
        thread.join()
    return {
        "delivered": len(delivered),
        "distinct": len(set(delivered)),
        "in order": all(
            [sequence for thread, sequence in delivered if thread == number] == list(range(CALLS))
            for number in range(THREADS)
        ),
    }


@pytest.mark.timeout(3 * DELIVERY_DEADLINE + 30)
def test_call_soon_threadsafe_from_many_threads_delivers_every_call_in_order():
    outcome, reports = on_each_loop(threadsafe_calls)
    assert outcome == {"delivered": THREADS * CALLS, "distinct": THREADS * CALLS,
                       "in order": True}
    assert reports == []


# -- the soak program (tests/soak.py) ---------------------------------------------------


def soak_summary(rss_mib, fds_end, errors=()):
    """What soak.py sums up of a run, as far as its verdict reads it."""
    growth = soak.rss_growth([mib * MB for mib in rss_mib])
    return {"rss MiB": {"growth": None if growth is None else growth / MB},
            "fds": {"start": 6, "end": fds_end}, "errors": list(errors)}


def test_the_soak_calls_flat_what_only_grows_during_warm_up():
    warming_up = [10, 20, 30, 40, 50, 50, 51, 50, 50, 51, 50, 50, 50, 50, 51, 50]
    assert soak.verdict(soak_summary(warming_up, fds_end=6), bound_mib=4) == []


def test_the_soak_fails_steady_growth_leaked_fds_and_errors():
    growing = list(range(16))
    assert soak.verdict(soak_summary(growing, fds_end=7, errors=["an echo came back short"]),
                        bound_mib=4) == [
        "error: an echo came back short",
        "RSS grew 8.0 MiB (bound 4 MiB)",
        "6 fds open at the start, 7 at the end",
    ]
    assert soak.verdict(soak_summary([1, 2, 3], fds_end=6), bound_mib=4) == [
        "too few RSS samples to judge"
    ]


def test_a_short_soak_of_each_loop_runs_every_operation():
    # A few seconds are all warm-up: the RSS bound is lifted, fds still count.
    result = run_python(["soak.py", "--loop", "all", "--seconds", "3", "--rss-bound-mb", "1000"],
                        cwd=os.path.dirname(os.path.abspath(__file__)))
    assert result.status == 0, result.out + result.err
    names = ("connections", "tasks", "timers fired", "verdict")
    rows = {name: line[len(name):].split() for line in result.out.splitlines()
            for name in names if line.startswith(name + " ")}
    assert rows.pop("verdict") == ["flat"] * 3
    assert sorted(rows) == ["connections", "tasks", "timers fired"]
    assert all(len(counts) == 3 and all(int(count) > 0 for count in counts)
               for counts in rows.values()), rows
