"""A one-line count of files done (``scanned 1200/5000 files``), on a
terminal only.

A large tree takes a while; on a terminal the count is redrawn in place (at
most ten times a second) and erased at the end.  Piped or redirected, the
stream gets only the tool's own lines: each goes through
:meth:`Progress.print`, which first erases the count so that the two never
share a line.
"""

import time
from typing import TextIO

__all__ = ["Progress"]

#: Seconds between two redraws of the count.
_INTERVAL = 0.1


class Progress(object):
    def __init__(self, stream: TextIO, prefix: str = "") -> None:
        self._stream = stream
        self._prefix = prefix
        self._shown = stream.isatty()
        self._width = 0
        self._drawn_at = 0.0

    def step(self, verb: str, done: int, total: int) -> None:
        """``done`` of ``total`` files went through the step ``verb``."""
        now = time.monotonic()
        if self._shown and (done == total or now - self._drawn_at >= _INTERVAL):
            self._drawn_at = now
            text = "{}{} {}/{} files".format(self._prefix, verb, done, total)
            self._stream.write("\r" + text.ljust(self._width))
            self._stream.flush()
            self._width = len(text)

    def print(self, message: str) -> None:
        """Write a line of its own (a warning)."""
        self.erase()
        self._stream.write(message + "\n")
        self._stream.flush()

    def erase(self) -> None:
        if self._width:
            self._stream.write("\r" + " " * self._width + "\r")
            self._stream.flush()
            self._width = 0
