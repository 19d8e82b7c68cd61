"""Reading one file for a scan: its text and its syntax tree.

The text is decoded as Python decodes source (PEP 263 coding cookie, UTF-8
BOM, any line ends).  The tree comes from the running Python's parser; a
source that uses ``async``/``await`` as names, which no Python from 3.7
parses, is read by :mod:`genloop.compat.legacy_syntax` as genloop runs it,
and so is such a source on 3.6, which parses it with a warning: on every
Python the places come back as rewrites (rows L02 and L03).  A file that
cannot be read, decoded or parsed raises :class:`Unscannable`, whose
message says why and what to do.
"""

import ast
import sys
import warnings
from typing import List, NamedTuple, Tuple

from .. import _versions
from .._sourcefile import SourceFileError, read_source_file
from ..compat.legacy_syntax import Rewrite, keyword_name_rewrites, read_keyword_names
from .newer_syntax import newest_construct

__all__ = ["Source", "Unscannable", "read_source"]

#: 3.6 reads ``async``/``await`` as names itself (with a DeprecationWarning).
_KEYWORDS_ARE_NAMES = sys.version_info < (3, 7)


class Source(NamedTuple):
    """A file's lines (no line ends), syntax tree, and the places where it
    uses ``async``/``await`` as names."""

    lines: List[str]
    tree: ast.Module
    rewrites: List[Rewrite]


class Unscannable(Exception):
    """A file the scan skips; the message says why and what to do."""


def read_source(path: str) -> Source:
    try:
        read = read_source_file(path, "scan it")
    except SourceFileError as error:
        raise Unscannable(str(error))
    # Python's own reading: any line end is a newline.
    text = read.text.replace("\r\n", "\n").replace("\r", "\n")
    tree, rewrites = _parse(text, path)
    return Source(text.split("\n"), tree, rewrites)


def _parse(text: str, path: str) -> Tuple[ast.Module, List[Rewrite]]:
    with warnings.catch_warnings():
        # The scanned code's own warnings (invalid escapes...) are not the scan's.
        warnings.simplefilter("ignore")
        try:
            tree = ast.parse(text, path)
        except SyntaxError as error:
            legacy = read_keyword_names(text, path)
            if legacy is None:
                raise Unscannable(_parse_failure(text, error))
            return legacy
        except (RecursionError, MemoryError):
            raise Unscannable(
                "too deeply nested for the parser of Python {}".format(_versions.PYTHON)
            )
    if _KEYWORDS_ARE_NAMES and ("async" in text or "await" in text):
        return tree, keyword_name_rewrites(text, tree)
    return tree, []


def _parse_failure(text: str, error: SyntaxError) -> str:
    """Why a source does not parse, and what to do: scan it with a newer
    Python when it is written for one, else fix it or leave it out."""
    newest = newest_construct(text)
    if newest is not None and newest.version > sys.version_info[:2]:
        needed = "{}.{}".format(*newest.version)
        return (
            "cannot parse with Python {}; run genloop scan with Python >= {} "
            "(line {} has {})".format(_versions.PYTHON, needed, newest.line, newest.what)
        )
    return (
        "line {}: cannot parse: {}; fix the syntax error or leave the file out with "
        "--exclude".format(error.lineno, error.msg)
    )
