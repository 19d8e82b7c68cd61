"""Reading a Python source file for genloop's tools (``scan``, ``migrate``).

The text is decoded as Python decodes source (PEP 263 coding line, UTF-8
BOM) but without newline translation, so that a tool that writes it back
keeps CRLF and mixed line ends.  A file that cannot be read, is binary, or
cannot be decoded raises :class:`SourceFileError`, whose message says why
and what to do.
"""

import codecs
import io
import os
import tokenize
from typing import NamedTuple

__all__ = ["SourceFile", "SourceFileError", "read_source_file"]


class SourceFileError(Exception):
    """A file a tool leaves alone; the message says why and what to do."""


class SourceFile(NamedTuple):
    #: The bytes as read (a writer checks that nothing changed them since).
    data: bytes
    encoding: str
    text: str
    status: os.stat_result


def read_source_file(path: str, purpose: str) -> SourceFile:
    """Read ``path``; ``purpose`` ("scan it") ends the advice of an error."""
    try:
        status = os.stat(path)
        with open(path, "rb") as source_file:
            data = source_file.read()
    except OSError as error:
        raise SourceFileError(
            "cannot read it: {}; make it readable to {}".format(error.strerror or error, purpose)
        )
    if b"\0" in data:
        raise SourceFileError("a binary file (it holds NUL bytes), not Python source")
    try:
        encoding, _ = tokenize.detect_encoding(io.BytesIO(data).readline)
        text = codecs.decode(data, encoding)
    except (SyntaxError, UnicodeDecodeError, LookupError) as error:
        raise SourceFileError(
            "cannot decode it ({}); give it a PEP 263 coding line or save it as "
            "UTF-8".format(error)
        )
    return SourceFile(data, encoding, text, status)
