"""Reading a file to migrate and writing it back, as it was in all but the
rewrites.

A source is decoded as Python decodes it (PEP 263 coding cookie, UTF-8
BOM) but without newline translation, so CRLF and mixed line ends come
back as they were, and it is encoded back with the same encoding and BOM.
A write goes to a temporary file in the same directory, flushed to disk,
given the original's mode, then moved over the original in one
``os.replace``: a crash leaves the old file or the new one, never half of
either.  A file that changed on disk since it was read is not written.
"""

import codecs
import os
import stat
import tempfile
from typing import NamedTuple, Tuple

from .._sourcefile import SourceFileError, read_source_file

__all__ = ["Source", "SourceError", "read_source", "encode", "write_atomically"]


class SourceError(Exception):
    """A file that is left as it is; the message says why and what to do."""


class Source(NamedTuple):
    path: str
    #: The bytes as read, to check that nothing changed them before the write.
    data: bytes
    text: str
    encoding: str
    #: (size, mtime_ns, mode) when it was read.
    status: Tuple[int, int, int]


def read_source(path: str) -> Source:
    try:
        read = read_source_file(path, "migrate it")
    except SourceFileError as error:
        raise SourceError(str(error))
    return Source(path, read.data, read.text, read.encoding, _status(read.status))


def _status(status: os.stat_result) -> Tuple[int, int, int]:
    return (status.st_size, status.st_mtime_ns, stat.S_IMODE(status.st_mode))


def encode(source: Source, text: str) -> bytes:
    """``text`` in the file's own encoding (``utf-8-sig`` writes the BOM back)."""
    return codecs.encode(text, source.encoding)


def write_atomically(source: Source, data: bytes) -> None:
    """Replace the file with ``data``, unless it changed since it was read."""
    directory = os.path.dirname(os.path.abspath(source.path))
    # No write bit counts even for root, whom os.access lets write anything.
    if not source.status[2] & 0o222 or not os.access(source.path, os.W_OK):
        raise SourceError("read-only: not changed; make it writable and run again")
    if not os.access(directory, os.W_OK):
        raise SourceError(
            "its directory is read-only, so it cannot be replaced at once: not changed; make "
            "the directory writable and run again"
        )
    _check_unchanged(source)
    handle, temporary = tempfile.mkstemp(
        prefix="." + os.path.basename(source.path) + ".", suffix=".migrating", dir=directory
    )
    try:
        with os.fdopen(handle, "wb") as output:
            output.write(data)
            output.flush()
            os.fsync(output.fileno())
        os.chmod(temporary, source.status[2])
        _check_unchanged(source)
        os.replace(temporary, source.path)
    except BaseException:
        os.unlink(temporary)
        raise
    _sync_directory(directory)


def _check_unchanged(source: Source) -> None:
    try:
        status = os.stat(source.path)
        with open(source.path, "rb") as current:
            data = current.read()
    except OSError as error:
        raise SourceError(
            "cannot read it again before writing: {}; not changed".format(
                error.strerror or error
            )
        )
    if _status(status) != source.status or data != source.data:
        raise SourceError(
            "changed on disk while it was being migrated: not overwritten; run genloop "
            "migrate again"
        )


def _sync_directory(directory: str) -> None:
    """Make the rename itself durable (POSIX; a no-op where directories
    cannot be opened)."""
    try:
        handle = os.open(directory, os.O_RDONLY)
    except OSError:
        return
    try:
        os.fsync(handle)
    except OSError:
        pass
    finally:
        os.close(handle)
