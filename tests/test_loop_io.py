"""genloop.EventLoop's I/O surface: sockets, servers, streams, pipes,
subprocesses, signals, and faults, each checked to behave as on the stock
loop.  Loopback (127.0.0.1) only.

Fault scenarios run on genloop's loop and on a stock asyncio loop in the
same test, and their observed outcomes must be equal.
"""

import asyncio
import os
import selectors
import signal
import socket
import struct
import sys

import pytest

import genloop
from genloop import _versions

LOCALHOST = "127.0.0.1"


def run(loop, coro):
    return loop.run_until_complete(coro)


def on_both_loops(scenario):
    """Run ``scenario(loop)`` to completion on genloop's loop and on a stock
    loop; return both outcomes (a result or the exception's type and text)."""
    outcomes = []
    for make in (genloop.new_event_loop, asyncio.new_event_loop):
        loop = make()
        asyncio.set_event_loop(loop)
        try:
            outcomes.append(_outcome(loop, scenario))
        finally:
            asyncio.set_event_loop(None)
            loop.close()
    return outcomes


def _outcome(loop, scenario):
    try:
        return ("result", loop.run_until_complete(scenario(loop)))
    except Exception as exc:
        return ("raised", type(exc).__name__)


# -- sockets --------------------------------------------------------------------


def test_sock_methods_move_bytes_over_a_socket_pair(genloop_loop):
    left, right = socket.socketpair()
    left.setblocking(False)
    right.setblocking(False)

    async def exchange():
        await genloop_loop.sock_sendall(left, b"ping" * 1000)
        received = bytearray()
        while len(received) < 4000:
            received += await genloop_loop.sock_recv(right, 4096)
        await genloop_loop.sock_sendall(right, b"pong")
        if sys.version_info < (3, 7):  # no sock_recv_into yet
            return bytes(received) == b"ping" * 1000, await genloop_loop.sock_recv(left, 4)
        buffer = bytearray(4)
        count = await genloop_loop.sock_recv_into(left, buffer)
        return bytes(received) == b"ping" * 1000, bytes(buffer[:count])

    try:
        assert run(genloop_loop, exchange()) == (True, b"pong")
    finally:
        left.close()
        right.close()


def test_sock_connect_and_accept(genloop_loop):
    listener = socket.socket()
    listener.bind((LOCALHOST, 0))
    listener.listen(1)
    listener.setblocking(False)
    client = socket.socket()
    client.setblocking(False)

    async def connect():
        # ensure_future: on 3.6 the sock_* methods return futures.
        accepting = asyncio.ensure_future(genloop_loop.sock_accept(listener))
        await genloop_loop.sock_connect(client, listener.getsockname())
        server_side, address = await accepting
        with server_side:
            await genloop_loop.sock_sendall(server_side, b"hello")
            return await genloop_loop.sock_recv(client, 5), address == client.getsockname()

    try:
        assert run(genloop_loop, connect()) == (b"hello", True)
    finally:
        client.close()
        listener.close()


def test_readers_and_writers_are_called_and_removed(genloop_loop):
    left, right = socket.socketpair()
    calls = []

    def readable():
        calls.append(("read", right.recv(10)))
        assert genloop_loop.remove_reader(right)
        genloop_loop.stop()

    def writable():
        calls.append(("write",))
        assert genloop_loop.remove_writer(left)
        left.send(b"data")

    try:
        genloop_loop.add_reader(right, readable)
        genloop_loop.add_writer(left, writable)
        genloop_loop.run_forever()
        assert calls == [("write",), ("read", b"data")]
        assert not genloop_loop.remove_reader(right)
    finally:
        left.close()
        right.close()


def _readable_pair():
    left, right = socket.socketpair()
    left.send(b"x")
    return left, right


async def _failing_reader_report(loop, added_in_debug_mode):
    """What the exception handler gets when a reader's callback fails (a
    reader's handle is asyncio's own Handle)."""
    left, right = _readable_pair()
    reported = []
    loop.set_exception_handler(lambda loop, context: reported.append(context))

    def readable():
        loop.remove_reader(right)
        raise ValueError("bad byte")

    try:
        loop.set_debug(added_in_debug_mode)
        loop.add_reader(right, readable)
        loop.set_debug(False)
        await asyncio.sleep(0.01)
    finally:
        left.close()
        right.close()
    (context,) = reported
    return (
        context["message"].split(" at ")[0],
        type(context["exception"]).__name__,
        type(context["handle"]).__name__,
        sorted(context),
    )


def test_a_failing_reader_is_reported_as_on_the_stock_loop():
    """In Handle._run's words."""
    genloop_outcome, stock_outcome = on_both_loops(
        lambda loop: _failing_reader_report(loop, added_in_debug_mode=False)
    )
    assert genloop_outcome == stock_outcome
    assert genloop_outcome[1][1:] == ("ValueError", "Handle", ["exception", "handle", "message"])


def test_a_reader_added_in_debug_mode_reports_where_it_was_added_after_debug_ends():
    genloop_outcome, stock_outcome = on_both_loops(
        lambda loop: _failing_reader_report(loop, added_in_debug_mode=True)
    )
    assert genloop_outcome == stock_outcome
    assert "source_traceback" in genloop_outcome[1][3]


def test_a_cancelled_reader_is_removed_at_its_next_event_as_on_the_stock_loop():
    async def cancelled_reader(loop):
        left, right = _readable_pair()
        try:
            loop.add_reader(right, print, "never")
            loop._selector.get_key(right).data[0].cancel()
            await asyncio.sleep(0.01)
            return right.fileno() in loop._selector.get_map()
        finally:
            left.close()
            right.close()

    genloop_outcome, stock_outcome = on_both_loops(cancelled_reader)
    assert genloop_outcome == stock_outcome == ("result", False)


class _CountingLoop(genloop.EventLoop):
    """Counts the calls of the methods a poll goes through."""

    def __init__(self, selector=None):
        super().__init__(selector)
        self.processed = 0

    def _process_events(self, event_list):
        self.processed += len(event_list)
        super()._process_events(event_list)


@pytest.mark.parametrize(
    "make_loop",
    [
        _CountingLoop,
        lambda: _CountingLoop(selectors.SelectSelector()),
    ],
    ids=["subclass", "select-selector"],
)
def test_a_loop_that_overrides_process_events_or_polls_otherwise_gets_its_own(make_loop):
    loop = make_loop()
    left, right = _readable_pair()
    read = []
    try:
        loop.add_reader(right, lambda: read.append(right.recv(10)) or loop.stop())
        loop.run_forever()
    finally:
        loop.remove_reader(right)
        left.close()
        right.close()
        loop.close()
    assert (read, loop.processed) == ([b"x"], 1)


def test_a_select_replaced_on_the_selector_is_called():
    loop = genloop.new_event_loop()
    calls = []
    select = loop._selector.select

    def counting_select(timeout=None):
        calls.append(timeout)
        return select(timeout)

    loop._selector.select = counting_select
    try:
        loop.run_until_complete(asyncio.sleep(0))
    finally:
        loop.close()
    assert calls


def test_a_run_once_replaced_on_the_loop_runs_every_iteration():
    loop = genloop.new_event_loop()
    iterations = []
    run_once = loop._run_once

    def counting_run_once():
        iterations.append(len(loop._ready))
        run_once()

    loop._run_once = counting_run_once
    try:
        loop.run_until_complete(asyncio.sleep(0))
        # The task's first step, its sleep(0) and end, run_until_complete's stop.
        assert len(iterations) == 3
        del loop._run_once
        loop.run_until_complete(asyncio.sleep(0))
    finally:
        loop.close()
    assert len(iterations) == 3


@pytest.mark.parametrize("make", [genloop.new_event_loop, asyncio.new_event_loop],
                         ids=["genloop", "stock"])
def test_every_file_descriptor_ready_at_once_is_handled_in_one_iteration(make):
    """More ready file descriptors than a poll's first buffer holds: the
    loop takes them all in one poll, as asyncio's (its select() asks for
    as many events as file descriptors are watched)."""
    loop = make()
    pairs = [_readable_pair() for _ in range(40)]
    read = []
    try:
        for _, right in pairs:
            loop.add_reader(right, lambda sock=right: read.append(sock.recv(10)))
        loop.call_soon(loop.stop)
        loop.run_forever()  # one iteration: the stop, then the 40 readers it found
    finally:
        for left, right in pairs:
            loop.remove_reader(right)
            left.close()
            right.close()
        loop.close()
    assert read == [b"x"] * 40


@pytest.mark.parametrize("make", [genloop.new_event_loop, asyncio.new_event_loop],
                         ids=["genloop", "stock"])
def test_a_time_replaced_on_the_loop_decides_which_timers_are_due(make):
    loop = make()
    ran = []
    loop.time = lambda: 1000.0
    try:
        loop.call_at(999.0, ran.append, "due")
        loop.call_at(1000.5, ran.append, "not yet")
        loop.call_soon(loop.stop)
        loop.run_forever()
    finally:
        loop.close()
    assert ran == ["due"]


class _Alarm(Exception):
    pass


def _raise_alarm(signum, frame):
    raise _Alarm()


@pytest.mark.parametrize("make", [genloop.new_event_loop, asyncio.new_event_loop],
                         ids=["genloop", "stock"])
def test_a_python_signal_handler_that_raises_interrupts_a_waiting_loop(make):
    """A signal during the wait for I/O runs its Python handler at once,
    and what it raises leaves run_until_complete, as on the stock loop."""
    loop = make()
    previous = signal.signal(signal.SIGALRM, _raise_alarm)
    try:
        signal.setitimer(signal.ITIMER_REAL, 0.05)
        with pytest.raises(_Alarm):
            loop.run_until_complete(asyncio.sleep(30))
    finally:
        signal.setitimer(signal.ITIMER_REAL, 0)
        signal.signal(signal.SIGALRM, previous)
        loop.close()


# -- servers and streams ----------------------------------------------------------


async def _echo(reader, writer):
    while True:
        line = await reader.readline()
        if not line:
            break
        writer.write(line.upper())
        await writer.drain()
    writer.close()


@genloop.coroutine
def _legacy_client(host, port, lines):
    """A 3.4-style stream client: yield from everywhere."""
    reader, writer = yield from asyncio.open_connection(host, port)
    answers = []
    for line in lines:
        writer.write(line + b"\n")
        yield from writer.drain()
        answers.append((yield from reader.readline()).strip())
    yield from _hang_up(reader, writer)
    return answers


@genloop.coroutine
def _hang_up(reader, writer):
    """Close a client's side once the server has closed its own (EOF), so
    that no transport is left open when the test's loop closes."""
    writer.write_eof()
    yield from reader.read()
    writer.close()


def test_stream_server_and_legacy_client_over_tcp(genloop_loop):
    async def main():
        server = await asyncio.start_server(_echo, LOCALHOST, 0)
        port = server.sockets[0].getsockname()[1]
        try:
            return await _legacy_client(LOCALHOST, port, [b"one", b"two"])
        finally:
            server.close()
            await server.wait_closed()

    assert run(genloop_loop, main()) == [b"ONE", b"TWO"]


def test_unix_stream_server(genloop_loop, tmp_path):
    path = str(tmp_path / "echo.sock")

    async def main():
        server = await asyncio.start_unix_server(_echo, path)
        try:
            reader, writer = await asyncio.open_unix_connection(path)
            writer.write(b"unix\n")
            answer = await reader.readline()
            await _hang_up(reader, writer)
            return answer
        finally:
            server.close()
            await server.wait_closed()

    assert run(genloop_loop, main()) == b"UNIX\n"


@pytest.mark.skipif(sys.version_info < (3, 7), reason="Server.start_serving is 3.7+")
def test_server_starts_serving_on_demand_and_closes(genloop_loop):
    async def main():
        server = await genloop_loop.create_server(asyncio.Protocol, LOCALHOST, 0,
                                                  start_serving=False)
        before = server.is_serving()
        await server.start_serving()
        during = server.is_serving()
        server.close()
        await server.wait_closed()
        return before, during, server.is_serving()

    assert run(genloop_loop, main()) == (False, True, False)


class _EchoDatagram(asyncio.DatagramProtocol):
    def connection_made(self, transport):
        self.transport = transport

    def datagram_received(self, data, address):
        self.transport.sendto(data[::-1], address)


class _Collect(asyncio.DatagramProtocol):
    def __init__(self, future):
        self.future = future

    def datagram_received(self, data, address):
        self.future.set_result(data)


def test_udp_endpoints_exchange_datagrams(genloop_loop):
    async def main():
        server, _ = await genloop_loop.create_datagram_endpoint(
            _EchoDatagram, local_addr=(LOCALHOST, 0)
        )
        answer = genloop_loop.create_future()
        client, _ = await genloop_loop.create_datagram_endpoint(
            lambda: _Collect(answer), remote_addr=server.get_extra_info("sockname")
        )
        client.sendto(b"datagram")
        try:
            return await asyncio.wait_for(answer, 10)
        finally:
            client.close()
            server.close()

    assert run(genloop_loop, main()) == b"margatad"


def test_getaddrinfo_resolves_loopback(genloop_loop):
    infos = run(genloop_loop, genloop_loop.getaddrinfo(LOCALHOST, 80, type=socket.SOCK_STREAM))
    assert infos and infos[0][4][0] == LOCALHOST


# -- pipes, subprocesses, signals -------------------------------------------------------


def test_read_and_write_pipes(genloop_loop):
    read_fd, write_fd = os.pipe()

    async def main():
        reader = asyncio.StreamReader()
        read_transport, _ = await genloop_loop.connect_read_pipe(
            lambda: asyncio.StreamReaderProtocol(reader), os.fdopen(read_fd, "rb", 0)
        )
        write_transport, _ = await genloop_loop.connect_write_pipe(
            asyncio.Protocol, os.fdopen(write_fd, "wb", 0)
        )
        write_transport.write(b"through the pipe")
        write_transport.close()
        data = await reader.read()
        read_transport.close()
        return data

    assert run(genloop_loop, main()) == b"through the pipe"


def test_subprocess_output_and_exit_status(genloop_loop):
    async def main():
        process = await asyncio.create_subprocess_exec(
            sys.executable, "-c", "import sys; print('child'); sys.exit(3)",
            stdout=asyncio.subprocess.PIPE,
        )
        out, _ = await process.communicate()
        return out.strip(), process.returncode

    assert run(genloop_loop, main()) == (b"child", 3)


def test_a_subprocess_that_dies_reports_the_signal_as_on_the_stock_loop():
    async def killed(loop):
        process = await asyncio.create_subprocess_exec(
            sys.executable, "-c", "import time; time.sleep(30)"
        )
        process.kill()
        return await process.wait()

    genloop_outcome, stock_outcome = on_both_loops(killed)
    assert genloop_outcome == stock_outcome == ("result", -signal.SIGKILL)


def test_a_signal_during_run_forever_runs_its_handler(genloop_loop):
    received = []

    def on_signal(name):
        received.append(name)
        genloop_loop.stop()

    genloop_loop.add_signal_handler(signal.SIGUSR1, on_signal, "SIGUSR1")
    try:
        genloop_loop.call_later(0.01, os.kill, os.getpid(), signal.SIGUSR1)
        genloop_loop.run_forever()
    finally:
        assert genloop_loop.remove_signal_handler(signal.SIGUSR1)
    assert received == ["SIGUSR1"]


# -- faults -------------------------------------------------------------------------------


def test_a_peer_reset_is_seen_as_on_the_stock_loop():
    async def reset_by_peer(loop):
        accepted = loop.create_future()

        def on_connection(reader, writer):
            accepted.set_result(writer)

        server = await asyncio.start_server(on_connection, LOCALHOST, 0)
        try:
            reader, writer = await asyncio.open_connection(*server.sockets[0].getsockname())
            server_writer = await accepted
            # Linger 0: closing sends RST instead of FIN.
            server_writer.get_extra_info("socket").setsockopt(
                socket.SOL_SOCKET, socket.SO_LINGER, struct.pack("ii", 1, 0)
            )
            server_writer.transport.abort()
            try:
                return await reader.read(100)
            finally:
                writer.close()
        finally:
            server.close()
            await server.wait_closed()

    genloop_outcome, stock_outcome = on_both_loops(reset_by_peer)
    assert genloop_outcome == stock_outcome


def test_a_peer_close_is_seen_between_callbacks_as_on_the_stock_loop():
    """Each iteration polls for I/O while sockets are watched, as asyncio's
    does: a peer's end of file reaches its reader before a chain of ten
    task steps that started with the close ends (a client that set its
    error in a done callback raised the wrong one when the chain won)."""
    async def close_during_a_chain(loop):
        accepted = loop.create_future()
        server = await asyncio.start_server(
            lambda reader, writer: accepted.set_result((reader, writer)), LOCALHOST, 0
        )
        try:
            reader, writer = await asyncio.open_connection(*server.sockets[0].getsockname())
            remote_reader, remote_writer = await accepted
            order = []

            async def read_to_the_end():
                await remote_reader.read()
                order.append("end of file")

            async def chain():
                for _ in range(10):
                    await asyncio.sleep(0)
                order.append("chain")

            reading = asyncio.ensure_future(read_to_the_end())
            await asyncio.sleep(0)
            writer.close()
            await asyncio.gather(reading, chain())
            remote_writer.close()
            return order
        finally:
            server.close()
            await server.wait_closed()

    genloop_outcome, stock_outcome = on_both_loops(close_during_a_chain)
    assert stock_outcome == ("result", ["end of file", "chain"])
    assert genloop_outcome == stock_outcome


def test_a_socket_closed_under_a_pending_read_behaves_as_on_the_stock_loop():
    async def closed_under_read(loop):
        left, right = socket.socketpair()
        left.setblocking(False)
        reading = asyncio.ensure_future(loop.sock_recv(left, 10))
        await asyncio.sleep(0)
        loop.remove_reader(left.fileno())
        left.close()
        right.close()
        done, pending = await asyncio.wait([reading], timeout=0.1)
        for task in pending:
            task.cancel()
        return len(done), len(pending)

    genloop_outcome, stock_outcome = on_both_loops(closed_under_read)
    assert genloop_outcome == stock_outcome


def test_keyboard_interrupt_in_a_callback_leaves_run_forever_and_the_loop_usable(genloop_loop):
    def interrupt():
        raise KeyboardInterrupt

    genloop_loop.call_soon(interrupt)
    with pytest.raises(KeyboardInterrupt):
        genloop_loop.run_forever()
    assert not genloop_loop.is_running()
    assert run(genloop_loop, asyncio.sleep(0, result="still usable")) == "still usable"


def test_a_call_from_the_wrong_thread_in_debug_mode_raises_as_asyncio_does(genloop_loop):
    import threading

    genloop_loop.set_debug(True)
    errors = []

    def from_thread():
        try:
            genloop_loop.call_soon(lambda: None)
        except RuntimeError as exc:
            errors.append(str(exc))
        genloop_loop.call_soon_threadsafe(genloop_loop.stop)

    genloop_loop.call_soon(threading.Thread(target=from_thread).start)
    genloop_loop.run_forever()
    assert len(errors) == 1 and "thread" in errors[0]


# -- the high-level APIs --------------------------------------------------------------------


@pytest.mark.skipif(not _versions.HAS_SHUTDOWN_DEFAULT_EXECUTOR, reason="asyncio.to_thread is 3.9+")
def test_to_thread_and_shutdown_default_executor(genloop_loop):
    async def main():
        value = await asyncio.to_thread(sum, [1, 2, 3])
        await genloop_loop.shutdown_default_executor()
        return value

    assert run(genloop_loop, main()) == 6


@pytest.mark.skipif(not _versions.HAS_CANCELLING, reason="TaskGroup is 3.11+")
def test_task_group_with_legacy_and_native_children(genloop_loop):
    @genloop.coroutine
    def legacy_child():
        yield from asyncio.sleep(0)
        return "legacy"

    async def native_child():
        await asyncio.sleep(0)
        return "native"

    async def main():
        async with asyncio.TaskGroup() as group:
            tasks = [group.create_task(legacy_child()), group.create_task(native_child())]
        return [task.result() for task in tasks]

    assert run(genloop_loop, main()) == ["legacy", "native"]


def test_async_generators_are_finalised_by_shutdown_asyncgens(genloop_loop):
    finalised = []

    async def numbers():
        try:
            yield 1
            yield 2
        finally:
            finalised.append(True)

    async def main():
        generator = numbers()
        first = await generator.__anext__()
        return first, generator  # left unfinished on purpose

    first, generator = run(genloop_loop, main())
    run(genloop_loop, genloop_loop.shutdown_asyncgens())
    assert first == 1 and finalised == [True]
    del generator
