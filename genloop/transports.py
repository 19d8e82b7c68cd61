"""The socket and datagram transports of genloop's loop: asyncio's,
reading into a buffer their loop keeps.

asyncio's transports read with ``sock.recv(max_size)`` and
``sock.recvfrom(max_size)``, which make a new ``max_size`` (256 KiB) bytes
object for every read and shrink it to what arrived.  An allocation that
large is above the C allocator's mmap threshold until that threshold has
risen (glibc raises it once such a block is freed whole, as at the first
end of file a process reads): each read then costs three more system
calls (mmap, mremap, munmap) and the page faults of fresh memory, however
few bytes came.  genloop's transports receive into one buffer per loop
instead (``recv_into``, ``recvfrom_into``) and hand the protocol a
``bytes`` copy of what arrived: the same bytes, at most ``max_size`` of
them per ``data_received`` or ``datagram_received`` call.

Only a socket of the class ``socket.socket`` itself gets genloop's
transport: a subclass may read in its own ``recv`` or ``recvfrom``, which
asyncio's transport calls (websockets 4's tests count those calls), and
keeps asyncio's.

Where the core is compiled, the socket transport's reads and the first
try of its write are C (``genloop/_transports.c``): they call ``recv()``
and ``send()`` on the socket's file descriptor themselves.

Everything else is asyncio's ``_SelectorSocketTransport`` and
``_SelectorDatagramTransport``: writing, flow control, closing, EOF,
buffered protocols (``get_buffer`` already reads into the protocol's
buffer) and ``set_protocol``.  On 3.6, whose socket transport reads,
handles errors and EOF in one method, genloop's loop keeps asyncio's
socket transport unchanged.
"""

import socket
from asyncio import selector_events
from typing import Any

from . import _compiled, _seam, _versions

__all__ = [
    "SocketTransport", "DatagramTransport", "READS_INTO_LOOP_BUFFER", "ensures_fd_free",
    "reads_plainly",
]

#: Whether asyncio's socket transport hands a plain protocol's reads to a
#: method of their own, which :class:`SocketTransport` replaces (3.7+); the
#: datagram transport's reads are always one method.
READS_INTO_LOOP_BUFFER = _versions.TRANSPORT_READS_IN_STEPS


def ensures_fd_free(name: str) -> bool:
    """Whether asyncio's transport factory ``name`` first refuses a socket
    that an open transport still holds (3.12+); genloop's then does the
    same.  Read from the factory's code, since patch releases differ."""
    factory = getattr(selector_events.BaseSelectorEventLoop, name)
    return "_ensure_fd_no_transport" in factory.__code__.co_names


def reads_plainly(sock: Any) -> bool:
    """Whether ``sock`` reads with the socket module's own methods, which
    genloop's transports may call in asyncio's stead."""
    return type(sock) is socket.socket


def read_buffer(loop: Any, size: int) -> memoryview:
    """``loop``'s read buffer, made or grown to hold at least ``size`` bytes."""
    buffer: memoryview = loop._read_buffer
    if len(buffer) < size:
        buffer = loop._read_buffer = memoryview(bytearray(size))
    return buffer


class SocketTransport(selector_events._SelectorSocketTransport):  # type: ignore[name-defined,misc]
    """asyncio's socket transport, receiving into its loop's buffer."""

    def _read_ready__data_received(self) -> None:
        if self._conn_lost:
            return
        size = self.max_size
        buffer = read_buffer(self._loop, size)
        try:
            received = self._sock.recv_into(buffer, size)
        except (BlockingIOError, InterruptedError):
            return
        except BaseException as exc:
            if _seam.callback_error_propagates(exc):
                raise
            self._fatal_error(exc, "Fatal read error on socket transport")
            return
        if not received:
            self._read_ready__on_eof()
            return
        try:
            self._protocol.data_received(bytes(buffer[:received]))
        except BaseException as exc:
            if _seam.callback_error_propagates(exc):
                raise
            self._fatal_error(exc, "Fatal error: protocol.data_received() call failed.")


class DatagramTransport(
    selector_events._SelectorDatagramTransport  # type: ignore[name-defined,misc]
):
    """asyncio's datagram transport, receiving into its loop's buffer."""

    def _read_ready(self) -> None:
        if self._conn_lost:
            return
        size = self.max_size
        buffer = read_buffer(self._loop, size)
        try:
            received, address = self._sock.recvfrom_into(buffer, size)
        except (BlockingIOError, InterruptedError):
            pass
        except OSError as exc:
            self._protocol.error_received(exc)
        except BaseException as exc:
            if _seam.callback_error_propagates(exc):
                raise
            self._fatal_error(exc, "Fatal read error on datagram transport")
        else:
            self._protocol.datagram_received(bytes(buffer[:received]), address)


_speedups = _compiled.speedups()
if _speedups is not None and READS_INTO_LOOP_BUFFER:
    # The reads and the write in C; the pure read and asyncio's write stay
    # the reference, and take what the C versions hand them.
    (
        SocketTransport._read_ready,
        SocketTransport._read_ready__data_received,  # type: ignore[method-assign]
        SocketTransport.write,
    ) = _speedups.transport_core(
        SocketTransport, socket.socket, _seam.callback_error_propagates
    )
