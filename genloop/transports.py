"""The socket transport of genloop's loop: asyncio's, reading into a buffer
its loop keeps.

asyncio's socket transport reads with ``sock.recv(max_size)``, which makes
a new ``max_size`` (256 KiB) bytes object for every read and shrinks it to
what arrived.  An allocation that large is above the C allocator's mmap
threshold: each read costs three more system calls (mmap, mremap, munmap)
and the page faults of fresh memory, however few bytes came.
:class:`SocketTransport` receives into one buffer per loop instead
(``recv_into``) and hands the protocol a ``bytes`` copy of what arrived:
the same bytes, at most ``max_size`` of them per ``data_received`` call.

Everything else is asyncio's ``_SelectorSocketTransport``: writing, flow
control, closing, EOF, buffered protocols (``get_buffer`` already reads
into the protocol's buffer) and ``set_protocol``.  On 3.6, whose transport
reads, handles errors and EOF in one method, genloop's loop keeps
asyncio's transport unchanged.
"""

from asyncio import selector_events
from typing import Any

from . import _seam, _versions

__all__ = ["SocketTransport", "READS_INTO_LOOP_BUFFER", "ENSURES_FD_FREE"]

#: Whether asyncio's transport hands a plain protocol's reads to a method of
#: their own, which :class:`SocketTransport` replaces (3.7+).
READS_INTO_LOOP_BUFFER = _versions.TRANSPORT_READS_IN_STEPS

#: Whether asyncio's loop refuses to make a transport for a socket that an
#: open transport still holds; genloop's loop then does the same.  Read
#: from asyncio's own factory, since patch releases differ.
_ASYNCIO_FACTORY: Any = selector_events.BaseSelectorEventLoop._make_socket_transport  # type: ignore
ENSURES_FD_FREE = "_ensure_fd_no_transport" in _ASYNCIO_FACTORY.__code__.co_names


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
        buffer = self._loop._read_buffer
        if len(buffer) < size:
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
