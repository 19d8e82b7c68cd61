"""Misbehaving TCP peers for the fault tests (tests/test_faults.py).

A peer is plain blocking-socket code run in a thread, so that what it does
to the connection (reset it, half-close it, stop reading, read one byte at
a time) does not depend on the event loop under test.  Its result, or the
exception it raised, comes back to the loop as a future.  Every socket has
a timeout: a peer waiting for something that never comes fails instead of
hanging the test.
"""

import hashlib
import random
import socket
import struct
import threading

LOCALHOST = "127.0.0.1"

#: Seconds a peer waits on its socket or on the test before it gives up.
PEER_TIMEOUT = 20

#: A receive buffer small enough that a few megabytes sent to a peer that
#: does not read fill the kernel's buffers and stay in the transport's.
SMALL_BUFFER = 32 * 1024


def digest(data):
    return hashlib.sha256(data).hexdigest()


def payload(size, seed=0):
    """``size`` random bytes, the same for the same seed on every Python: a
    chunk shifted, dropped or repeated changes the digest."""
    return random.Random(seed).getrandbits(size * 8).to_bytes(size, "little")


def reset(sock):
    """Close with linger 0: the kernel sends RST instead of FIN and drops
    whatever it had not sent yet."""
    sock.setsockopt(socket.SOL_SOCKET, socket.SO_LINGER, struct.pack("ii", 1, 0))
    sock.close()


def shrink_buffers(sock):
    """Small kernel buffers on ``sock``: before connect or listen for the
    receive window to be small too, after connect for the send buffer."""
    sock.setsockopt(socket.SOL_SOCKET, socket.SO_RCVBUF, SMALL_BUFFER)
    sock.setsockopt(socket.SOL_SOCKET, socket.SO_SNDBUF, SMALL_BUFFER)


def recv_exactly(sock, count):
    data = bytearray()
    while len(data) < count:
        chunk = sock.recv(min(count - len(data), 65536))
        if not chunk:
            raise EOFError("peer got {} of {} bytes".format(len(data), count))
        data += chunk
    return bytes(data)


def recv_to_eof(sock, size=65536):
    data = bytearray()
    while True:
        chunk = sock.recv(size)
        if not chunk:
            return bytes(data)
        data += chunk


class Peer(object):
    """Runs ``script(sock, *args)`` in a thread on one connection: accepted
    on a listening socket of its own (:meth:`listening`, the loop side
    connects to ``address``) or made to the loop's server
    (:meth:`connecting`).  ``future`` (a future of ``loop``) gets what the
    script returns or raises; the script owns the socket and closes it,
    or resets it."""

    def __init__(self, loop, script, args, small_buffers):
        self.future = loop.create_future()
        self._loop = loop
        self._script = script
        self._args = args
        self._small_buffers = small_buffers
        self._thread = None
        self.address = None

    @classmethod
    def listening(cls, loop, script, *args, small_buffers=False):
        peer = cls(loop, script, args, small_buffers)
        listener = socket.socket()
        if small_buffers:
            shrink_buffers(listener)
        listener.bind((LOCALHOST, 0))
        listener.listen(1)
        listener.settimeout(PEER_TIMEOUT)
        peer.address = listener.getsockname()
        peer._start(peer._accept, listener)
        return peer

    @classmethod
    def connecting(cls, loop, address, script, *args, small_buffers=False):
        peer = cls(loop, script, args, small_buffers)
        peer.address = address
        peer._start(peer._connect)
        return peer

    def _start(self, target, *args):
        self._thread = threading.Thread(target=self._run, args=(target,) + args)
        self._thread.daemon = True
        self._thread.start()

    def _accept(self, listener):
        with listener:
            sock, _ = listener.accept()
        return sock

    def _connect(self):
        sock = socket.socket()
        if self._small_buffers:
            shrink_buffers(sock)
        sock.settimeout(PEER_TIMEOUT)
        sock.connect(self.address)
        return sock

    def _run(self, make_socket, *args):
        try:
            sock = make_socket(*args)
            sock.settimeout(PEER_TIMEOUT)
            result = self._script(sock, *self._args)
        except Exception as exc:
            self._loop.call_soon_threadsafe(_settle, self.future, None, exc)
        else:
            self._loop.call_soon_threadsafe(_settle, self.future, result, None)

    def join(self):
        """Wait for the thread (after ``future`` is done: at once)."""
        self._thread.join(PEER_TIMEOUT)


def _settle(future, result, exc):
    if future.done():
        return
    if exc is None:
        future.set_result(result)
    else:
        future.set_exception(exc)


# -- scripts: what a peer does with its connection -------------------------------


def send_then_reset(sock, data, ack_size):
    """Send ``data``; once the other side acknowledges it (``ack_size``
    bytes), reset the connection: nothing sent is lost, and the reset
    reaches a reader with an empty buffer."""
    sock.sendall(data)
    recv_exactly(sock, ack_size)
    reset(sock)


def read_then_reset(sock, count):
    """Read ``count`` bytes, then reset while the other side is still
    writing; returns what was read."""
    data = recv_exactly(sock, count)
    reset(sock)
    return data


def half_close(sock, data):
    """Send ``data`` and shut down the sending side (the other side sees
    EOF); then read the answer to EOF."""
    with sock:
        sock.sendall(data)
        sock.shutdown(socket.SHUT_WR)
        return recv_to_eof(sock)


def bytewise(sock, data):
    """Send ``data`` one byte per segment, then read the answer one byte
    per ``recv``, to EOF."""
    with sock:
        sock.setsockopt(socket.IPPROTO_TCP, socket.TCP_NODELAY, 1)
        for index in range(len(data)):
            sock.sendall(data[index:index + 1])
        sock.shutdown(socket.SHUT_WR)
        return recv_to_eof(sock, 1)


def stall(sock, go, finish):
    """Read nothing until the test sets ``go`` (a ``threading.Event``);
    then ``finish``: read to EOF (returns the bytes), or reset."""
    if not go.wait(PEER_TIMEOUT):
        sock.close()
        raise TimeoutError("the test never released the stalled peer")
    if finish == "reset":
        reset(sock)
        return None
    with sock:
        return recv_to_eof(sock)


def send_then_stall(sock, data, go, finish):
    """Send ``data``, then keep the connection open without a word until
    ``go`` is set; then ``finish``: close it, or reset it."""
    sock.sendall(data)
    if not go.wait(PEER_TIMEOUT):
        sock.close()
        raise TimeoutError("the test never released the silent peer")
    if finish == "reset":
        reset(sock)
    else:
        sock.close()
