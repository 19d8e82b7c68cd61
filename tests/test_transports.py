"""genloop.transports: the socket and datagram transports of genloop's loop
receive into the loop's buffer, and a protocol sees what it sees on the
stock loop.

Each behaviour runs on genloop's loop and on asyncio's own ("stock"), with
the same expectation.
"""

import asyncio
import socket
import struct

import pytest

from genloop import transports

from conftest import make_loop

BOTH_LOOPS = pytest.mark.parametrize("kind", ["genloop", "stock"])

READS_INTO_LOOP_BUFFER = pytest.mark.skipif(
    not transports.READS_INTO_LOOP_BUFFER,
    reason="3.6's transport reads, handles errors and EOF in one method: genloop keeps it",
)


class Recorder(asyncio.Protocol):
    """Records what the transport hands it; ``lost`` gets connection_lost's argument."""

    def __init__(self, loop, fail_with=None):
        self.chunks = []
        self.events = []
        self.fail_with = fail_with
        self.lost = loop.create_future()
        self.transport = None

    def connection_made(self, transport):
        self.transport = transport

    def data_received(self, data):
        self.chunks.append(data)
        if self.fail_with is not None:
            raise self.fail_with

    def eof_received(self):
        self.events.append("eof")

    def connection_lost(self, exc):
        self.events.append("lost")
        self.lost.set_result(exc)

    def received(self):
        return b"".join(self.chunks)


@pytest.fixture
def tracemalloc():
    return pytest.importorskip(
        "tracemalloc", reason="this interpreter has no tracemalloc (PyPy) to trace allocations"
    )


@pytest.fixture
def reported():
    return []


@pytest.fixture
def any_loop(kind, reported):
    loop = make_loop(kind)
    loop.set_exception_handler(lambda loop, context: reported.append(context))
    yield loop
    loop.close()


@pytest.fixture
def peer_and_recorder(any_loop):
    """A socket whose other end is a transport of ``any_loop``, feeding a
    :class:`Recorder`; write to it with :func:`send`."""
    peer, ours = socket.socketpair()
    peer.setblocking(False)

    async def connect():
        _, protocol = await any_loop.create_connection(lambda: Recorder(any_loop), sock=ours)
        return protocol

    recorder = any_loop.run_until_complete(connect())
    yield peer, recorder
    recorder.transport.close()
    peer.close()
    any_loop.run_until_complete(asyncio.sleep(0))


def send(loop, peer, data):
    """Start writing ``data`` to ``peer``; the loop runs it while it receives."""
    asyncio.ensure_future(loop.sock_sendall(peer, data), loop=loop)


def receive(loop, recorder, size):
    """Run ``loop`` until ``recorder`` has ``size`` bytes."""

    async def until_received():
        while len(recorder.received()) < size:
            await asyncio.sleep(0.001)

    loop.run_until_complete(asyncio.wait_for(until_received(), 10))


@BOTH_LOOPS
def test_messages_arrive_whole_and_in_order_as_bytes(any_loop, peer_and_recorder):
    peer, recorder = peer_and_recorder
    messages = [bytes([index % 256]) * (1 + index * 997 % 70000) for index in range(60)]
    sent = b"".join(messages)
    for message in messages:
        send(any_loop, peer, message)
        receive(any_loop, recorder, sum(len(chunk) for chunk in recorder.chunks) + 1)
    receive(any_loop, recorder, len(sent))
    assert recorder.received() == sent
    assert {type(chunk) for chunk in recorder.chunks} == {bytes}
    # A chunk handed over is the protocol's: later reads do not change it.
    assert recorder.chunks[0] == messages[0][: len(recorder.chunks[0])]


@BOTH_LOOPS
def test_no_chunk_is_longer_than_the_transports_max_size(any_loop, peer_and_recorder):
    peer, recorder = peer_and_recorder
    recorder.transport.max_size = 100
    send(any_loop, peer, bytes(range(256)) * 40)
    receive(any_loop, recorder, 256 * 40)
    assert recorder.received() == bytes(range(256)) * 40
    assert max(len(chunk) for chunk in recorder.chunks) <= 100


@BOTH_LOOPS
def test_a_max_size_larger_than_the_default_is_honoured(any_loop, peer_and_recorder):
    peer, recorder = peer_and_recorder
    recorder.transport.max_size = 1024 * 1024
    send(any_loop, peer, b"x" * 300000)
    receive(any_loop, recorder, 300000)
    assert recorder.received() == b"x" * 300000
    assert recorder.events == []


@BOTH_LOOPS
def test_end_of_file_reaches_eof_received_then_connection_lost(any_loop, peer_and_recorder):
    peer, recorder = peer_and_recorder
    any_loop.run_until_complete(any_loop.sock_sendall(peer, b"last words"))
    peer.shutdown(socket.SHUT_WR)
    assert any_loop.run_until_complete(asyncio.wait_for(recorder.lost, 10)) is None
    assert recorder.received() == b"last words"
    assert recorder.events == ["eof", "lost"]


@READS_INTO_LOOP_BUFFER
@BOTH_LOOPS
def test_a_failing_data_received_is_a_fatal_error_of_the_transport(
    any_loop, peer_and_recorder, reported
):
    peer, recorder = peer_and_recorder
    recorder.fail_with = ValueError("bad frame")
    send(any_loop, peer, b"frame")
    lost = any_loop.run_until_complete(asyncio.wait_for(recorder.lost, 10))
    assert lost is recorder.fail_with
    assert [context["message"] for context in reported] == [
        "Fatal error: protocol.data_received() call failed."
    ]
    assert reported[0]["exception"] is recorder.fail_with
    assert reported[0]["transport"] is recorder.transport


@BOTH_LOOPS
def test_a_keyboard_interrupt_in_data_received_leaves_the_loop(any_loop, peer_and_recorder):
    peer, recorder = peer_and_recorder
    recorder.fail_with = KeyboardInterrupt()
    send(any_loop, peer, b"^C")
    with pytest.raises(KeyboardInterrupt):
        receive(any_loop, recorder, 2)
    recorder.fail_with = None
    assert recorder.received() == b"^C"


@pytest.mark.skipif(
    not transports.ensures_fd_free("_make_socket_transport"),
    reason="asyncio's loop checks the socket only where its own factory does (3.12+)",
)
@BOTH_LOOPS
def test_a_socket_an_open_transport_holds_gets_no_second_transport(any_loop, peer_and_recorder):
    peer, recorder = peer_and_recorder
    sock = socket.socket(fileno=recorder.transport.get_extra_info("socket").fileno())
    try:
        with pytest.raises(RuntimeError, match="is used by transport"):
            any_loop._make_socket_transport(sock, asyncio.Protocol())
    finally:
        sock.detach()


@READS_INTO_LOOP_BUFFER
def test_genloops_transport_is_its_own_where_it_reads_into_the_loop_buffer(genloop_loop):
    peer, ours = socket.socketpair()
    try:
        transport, _ = genloop_loop.run_until_complete(
            genloop_loop.create_connection(asyncio.Protocol, sock=ours)
        )
        assert type(transport) is transports.SocketTransport
        transport.close()
        genloop_loop.run_until_complete(asyncio.sleep(0))
    finally:
        peer.close()


class CountingSocket(socket.socket):
    """A socket that reads in methods of its own, and counts their calls."""

    reads = 0

    def recv(self, *args):
        CountingSocket.reads += 1
        return super().recv(*args)

    def recvfrom(self, *args):
        CountingSocket.reads += 1
        return super().recvfrom(*args)


@BOTH_LOOPS
def test_a_socket_that_reads_in_its_own_recv_is_read_with_it(any_loop, monkeypatch):
    monkeypatch.setattr(CountingSocket, "reads", 0)
    peer, ours = socket.socketpair()
    ours = CountingSocket(fileno=ours.detach())
    try:
        transport, recorder = any_loop.run_until_complete(
            any_loop.create_connection(lambda: Recorder(any_loop), sock=ours)
        )
        peer.sendall(b"hello")
        receive(any_loop, recorder, 5)
        transport.close()
        any_loop.run_until_complete(asyncio.sleep(0))
    finally:
        peer.close()
    assert recorder.received() == b"hello"
    assert CountingSocket.reads >= 1


@BOTH_LOOPS
def test_a_socket_that_reads_in_its_own_recvfrom_is_read_with_it(any_loop, monkeypatch):
    monkeypatch.setattr(CountingSocket, "reads", 0)
    ours = CountingSocket(socket.AF_INET, socket.SOCK_DGRAM)
    ours.bind(("127.0.0.1", 0))
    peer = socket.socket(socket.AF_INET, socket.SOCK_DGRAM)
    try:
        transport, recorder = any_loop.run_until_complete(
            any_loop.create_datagram_endpoint(DatagramRecorder, sock=ours)
        )
        peer.sendto(b"hello", ours.getsockname())
        until(any_loop, lambda: recorder.datagrams)
        transport.close()
        any_loop.run_until_complete(asyncio.sleep(0))
    finally:
        peer.close()
    assert recorder.datagrams[0][0] == b"hello"
    assert CountingSocket.reads == 1


@READS_INTO_LOOP_BUFFER
@pytest.mark.parametrize("kind", ["genloop"])
def test_a_small_read_allocates_no_max_size_buffer(any_loop, peer_and_recorder, tracemalloc):
    """The loop's buffer is made at the first read; after it, reading a few
    bytes allocates what they need, not ``max_size`` (256 KiB) each time."""
    peer, recorder = peer_and_recorder
    send(any_loop, peer, b"first")
    receive(any_loop, recorder, 5)
    tracemalloc.start()
    try:
        for index in range(20):
            send(any_loop, peer, b"%02d" % index)
            receive(any_loop, recorder, 5 + 2 * (index + 1))
        peak = tracemalloc.get_traced_memory()[1]
    finally:
        tracemalloc.stop()
    assert recorder.received() == b"first" + b"".join(b"%02d" % index for index in range(20))
    assert peak < recorder.transport.max_size // 4


def test_the_loop_buffer_grows_to_the_largest_max_size_asked(genloop_loop):
    assert len(transports.read_buffer(genloop_loop, 10)) >= 10
    grown = transports.read_buffer(genloop_loop, 300000)
    assert len(grown) >= 300000
    assert transports.read_buffer(genloop_loop, 1000) is grown


# -- writing ------------------------------------------------------------------


def drain(loop, peer, size):
    """The ``size`` bytes ``peer`` receives, read while ``loop`` runs."""

    async def read_all():
        chunks = []
        while sum(map(len, chunks)) < size:
            chunks.append(await loop.sock_recv(peer, 1 << 20))
        return b"".join(chunks)

    return loop.run_until_complete(asyncio.wait_for(read_all(), 10))


@BOTH_LOOPS
@pytest.mark.parametrize("kind_of_data", [bytes, bytearray, memoryview])
def test_what_is_written_arrives_whatever_bytes_like_object_it_is(
    any_loop, peer_and_recorder, kind_of_data
):
    peer, recorder = peer_and_recorder
    for index in range(3):
        recorder.transport.write(kind_of_data(b"message %d;" % index))
    assert drain(any_loop, peer, 30) == b"message 0;message 1;message 2;"
    assert recorder.transport.get_write_buffer_size() == 0


@BOTH_LOOPS
def test_what_the_socket_cannot_take_at_once_is_buffered_and_sent_in_order(
    any_loop, peer_and_recorder
):
    peer, recorder = peer_and_recorder
    transport = recorder.transport
    transport.set_write_buffer_limits(high=64 << 20)
    chunks = [bytes([index]) * (1 << 20) for index in range(8)]
    for chunk in chunks:
        transport.write(chunk)
    # 8 MiB is more than a socket pair's buffers: the rest waits in the transport.
    assert transport.get_write_buffer_size() > 0
    transport.write(b"last")
    assert drain(any_loop, peer, 8 * (1 << 20) + 4) == b"".join(chunks) + b"last"
    any_loop.run_until_complete(asyncio.sleep(0))
    assert transport.get_write_buffer_size() == 0


class FlowRecorder(Recorder):
    """Records pause_writing and resume_writing too."""

    def pause_writing(self):
        self.events.append("paused")

    def resume_writing(self):
        self.events.append("resumed")


@BOTH_LOOPS
def test_a_write_the_socket_takes_only_part_of_pauses_the_protocol_then_resumes_it(any_loop):
    peer, ours = socket.socketpair()
    peer.setblocking(False)
    transport, recorder = any_loop.run_until_complete(
        any_loop.create_connection(lambda: FlowRecorder(any_loop), sock=ours)
    )
    try:
        data = bytes(range(256)) * 8192  # 2 MiB: more than a socket pair's buffers
        transport.write(data)
        assert recorder.events == ["paused"]
        assert 0 < transport.get_write_buffer_size() < len(data)
        assert drain(any_loop, peer, len(data)) == data
        any_loop.run_until_complete(asyncio.sleep(0))
        assert recorder.events == ["paused", "resumed"]
        assert transport.get_write_buffer_size() == 0
    finally:
        transport.close()
        peer.close()
        any_loop.run_until_complete(asyncio.sleep(0))


@BOTH_LOOPS
def test_writing_nothing_sends_nothing(any_loop, peer_and_recorder):
    peer, recorder = peer_and_recorder
    recorder.transport.write(b"")
    recorder.transport.write(b"then something")
    assert drain(any_loop, peer, 14) == b"then something"


@BOTH_LOOPS
def test_a_write_of_text_or_after_write_eof_is_refused_with_asyncios_words(
    any_loop, peer_and_recorder
):
    _, recorder = peer_and_recorder
    with pytest.raises(TypeError, match="data argument must be a bytes-like object, not 'str'"):
        recorder.transport.write("text")
    recorder.transport.write_eof()
    with pytest.raises(RuntimeError, match="Cannot call write\\(\\) after write_eof\\(\\)"):
        recorder.transport.write(b"more")


@BOTH_LOOPS
def test_writes_after_the_transport_closed_are_dropped_and_counted(any_loop, peer_and_recorder):
    peer, recorder = peer_and_recorder
    recorder.transport.close()
    any_loop.run_until_complete(asyncio.wait_for(recorder.lost, 10))
    recorder.transport.write(b"too late")
    recorder.transport.write(b"still too late")
    assert recorder.transport._conn_lost == 3  # the close, then each write
    peer.setblocking(True)
    assert peer.recv(100) == b""


@BOTH_LOOPS
def test_a_failing_send_is_a_fatal_error_of_the_transport(any_loop, reported):
    """A send to a socket whose peer is gone fails with EPIPE: the
    transport closes with it, as asyncio's does (a broken pipe is not
    reported to the exception handler outside debug mode)."""
    peer, ours = socket.socketpair()
    transport, recorder = any_loop.run_until_complete(
        any_loop.create_connection(lambda: Recorder(any_loop), sock=ours)
    )
    peer.close()
    transport.write(b"to nobody")
    lost = any_loop.run_until_complete(asyncio.wait_for(recorder.lost, 10))
    assert isinstance(lost, BrokenPipeError)
    assert reported == []
    assert transport.is_closing()


@BOTH_LOOPS
def test_a_failing_read_closes_the_transport_with_its_error(any_loop):
    """A TCP reset: the read fails with ECONNRESET, and connection_lost
    gets that error, as on asyncio's transport."""
    listener = socket.socket()
    listener.bind(("127.0.0.1", 0))
    listener.listen(1)
    ours = socket.create_connection(listener.getsockname())
    peer, _ = listener.accept()
    listener.close()
    transport, recorder = any_loop.run_until_complete(
        any_loop.create_connection(lambda: Recorder(any_loop), sock=ours)
    )
    peer.setsockopt(socket.SOL_SOCKET, socket.SO_LINGER, struct.pack("ii", 1, 0))
    peer.sendall(b"before the reset")
    receive(any_loop, recorder, 16)
    peer.close()  # with a zero linger: a reset, not an end of file
    lost = any_loop.run_until_complete(asyncio.wait_for(recorder.lost, 10))
    assert isinstance(lost, ConnectionResetError)
    assert recorder.received() == b"before the reset"
    assert recorder.events == ["lost"]


class BufferRecorder(getattr(asyncio, "BufferedProtocol", asyncio.Protocol)):
    """A buffered protocol: the transport reads into its buffer."""

    def __init__(self, loop):
        self.buffer = bytearray(16)
        self.received = bytearray()
        self.lost = loop.create_future()

    def get_buffer(self, size_hint):
        return self.buffer

    def buffer_updated(self, size):
        self.received += self.buffer[:size]

    def connection_lost(self, exc):
        self.lost.set_result(exc)


@pytest.mark.skipif(
    not hasattr(asyncio, "BufferedProtocol"), reason="asyncio.BufferedProtocol is new in 3.7"
)
@BOTH_LOOPS
def test_a_buffered_protocol_is_read_into_its_own_buffer(any_loop):
    peer, ours = socket.socketpair()
    transport, recorder = any_loop.run_until_complete(
        any_loop.create_connection(lambda: BufferRecorder(any_loop), sock=ours)
    )
    peer.sendall(b"x" * 40 + b"end")
    until(any_loop, lambda: len(recorder.received) == 43)
    assert bytes(recorder.received) == b"x" * 40 + b"end"
    peer.close()
    assert any_loop.run_until_complete(asyncio.wait_for(recorder.lost, 10)) is None
    transport.close()


# -- datagrams ----------------------------------------------------------------


class DatagramRecorder(asyncio.DatagramProtocol):
    """Records the datagrams and errors its transport hands it."""

    def __init__(self):
        self.datagrams = []
        self.errors = []
        self.transport = None

    def connection_made(self, transport):
        self.transport = transport

    def datagram_received(self, data, address):
        self.datagrams.append((data, address))

    def error_received(self, exc):
        self.errors.append(type(exc).__name__)


@pytest.fixture
def udp_pair(any_loop):
    """A UDP socket and a recorder's endpoint of ``any_loop`` bound to 127.0.0.1."""
    peer = socket.socket(socket.AF_INET, socket.SOCK_DGRAM)
    peer.bind(("127.0.0.1", 0))
    transport, recorder = any_loop.run_until_complete(
        any_loop.create_datagram_endpoint(DatagramRecorder, local_addr=("127.0.0.1", 0))
    )
    yield peer, recorder
    transport.close()
    peer.close()
    any_loop.run_until_complete(asyncio.sleep(0))


def until(loop, condition):
    async def wait():
        while not condition():
            await asyncio.sleep(0.001)

    loop.run_until_complete(asyncio.wait_for(wait(), 10))


@BOTH_LOOPS
def test_datagrams_arrive_whole_as_bytes_with_their_sender(any_loop, udp_pair):
    peer, recorder = udp_pair
    address = recorder.transport.get_extra_info("sockname")
    sent = [bytes([index]) * (1 + index * 331) for index in range(40)]
    for count, datagram in enumerate(sent, 1):  # one at a time: UDP may drop what overflows
        peer.sendto(datagram, address)
        until(any_loop, lambda: len(recorder.datagrams) == count)
    assert [data for data, _ in recorder.datagrams] == sent
    assert {type(data) for data, _ in recorder.datagrams} == {bytes}
    assert {sender for _, sender in recorder.datagrams} == {peer.getsockname()}


@BOTH_LOOPS
def test_a_datagram_longer_than_max_size_is_cut_to_it(any_loop, udp_pair):
    peer, recorder = udp_pair
    recorder.transport.max_size = 10
    peer.sendto(b"0123456789abcdef", recorder.transport.get_extra_info("sockname"))
    until(any_loop, lambda: recorder.datagrams)
    assert recorder.datagrams[0][0] == b"0123456789"


@BOTH_LOOPS
def test_a_refused_datagram_reaches_error_received(any_loop):
    closed = socket.socket(socket.AF_INET, socket.SOCK_DGRAM)
    closed.bind(("127.0.0.1", 0))
    port = closed.getsockname()[1]
    closed.close()
    transport, recorder = any_loop.run_until_complete(
        any_loop.create_datagram_endpoint(DatagramRecorder, remote_addr=("127.0.0.1", port))
    )
    try:
        transport.sendto(b"anyone?")
        until(any_loop, lambda: recorder.errors)
        assert recorder.errors == ["ConnectionRefusedError"]
    finally:
        transport.close()
        any_loop.run_until_complete(asyncio.sleep(0))


def test_genloops_datagram_transport_is_its_own(genloop_loop):
    transport, _ = genloop_loop.run_until_complete(
        genloop_loop.create_datagram_endpoint(DatagramRecorder, local_addr=("127.0.0.1", 0))
    )
    try:
        assert type(transport) is transports.DatagramTransport
    finally:
        transport.close()
        genloop_loop.run_until_complete(asyncio.sleep(0))


@pytest.mark.parametrize("kind", ["genloop"])
def test_a_small_datagram_allocates_no_max_size_buffer(any_loop, udp_pair, tracemalloc):
    peer, recorder = udp_pair
    address = recorder.transport.get_extra_info("sockname")
    peer.sendto(b"first", address)
    until(any_loop, lambda: recorder.datagrams)
    tracemalloc.start()
    try:
        for index in range(20):
            peer.sendto(b"%02d" % index, address)
            until(any_loop, lambda: len(recorder.datagrams) == index + 2)
        peak = tracemalloc.get_traced_memory()[1]
    finally:
        tracemalloc.stop()
    assert peak < recorder.transport.max_size // 4
