"""Migrating a tree: every file read and parsed, the call graph of all of
them decided, then each file rewritten and written (or diffed, or checked),
and what a scan still finds in it listed (:mod:`.remaining`).

The tree is what the paths given hold: each file given, and the ``.py``
files below each directory given, found as ``genloop scan`` finds them
(:mod:`genloop.scan.files`: ``.gitignore`` honoured, virtual environments
and symbolic links below a directory left out).  A file that cannot be
read, parsed or written is reported and left as it was; the others are
migrated all the same.
"""

import ast
import difflib
import io
import os
import warnings
from typing import Dict, List, NamedTuple, Optional, Sequence, TextIO, Tuple

import libcst as cst
from libcst.metadata import ScopeProvider

from ..scan.files import find_files
from .facts import ModuleFacts, collect
from .graph import decide
from .keywords import KeywordNames, hide_keyword_names, new_names
from .names import Resolver, module_name
from .ownapi import drop_genloop as drop_genloop_api
from .._progress import Progress
from .remaining import original_lines, remaining, scanned
from .report import Summary
from .rewriter import Rewriter
from .sources import Source, SourceError, encode, read_source, write_atomically

__all__ = ["migrate", "WRITE", "DIFF", "CHECK"]

# What is done with a file's new text.
WRITE = "write"
DIFF = "diff"
CHECK = "check"


class _Parsed(NamedTuple):
    source: Source
    hidden: KeywordNames
    wrapper: cst.MetadataWrapper
    resolver: Resolver


def migrate(paths: Sequence[str], mode: str, out: TextIO, err: TextIO,
            drop_genloop: bool = False) -> int:
    """Migrate ``paths``; the exit status (1: ``--check`` found changes).
    ``drop_genloop``: genloop's own API too (:mod:`.ownapi`)."""
    progress = Progress(err, "migrate: ")
    summary = Summary()
    files = _files(paths, summary)
    parsed: List[_Parsed] = []
    for done, path in enumerate(files, 1):
        progress.step("read", done, len(files))
        item = _parse(path, summary)
        if item is not None:
            parsed.append(item)
    summary.files = len(files)
    decisions = decide(_facts(parsed))
    summary.left.extend(decisions.left)
    renames = new_names(item.hidden.text for item in parsed)
    report = err if mode == DIFF else out
    for done, item in enumerate(parsed, 1):
        progress.step("rewrote", done, len(parsed))
        # (The scan reads the whole file again: only where a wait can be.)
        closed_waits = {
            (found.line, found.column)
            for found in scanned(item.source.text, item.source.path) if found.row == "L35"
        } if "wait_closed" in item.source.text else set()
        rewriter = Rewriter(item.source.path, item.resolver, decisions, item.hidden.keywords,
                            renames, closed_waits)
        text = item.wrapper.visit(rewriter).code
        summary.left.extend(rewriter.left)
        if drop_genloop:
            legacy_done = text
            text, own, left = drop_genloop_api(text, item.source.path)
            summary.own_api += own
            original = original_lines(item.source.text, legacy_done)
            summary.left.extend(entry._replace(line=original(entry.line)) for entry in left)
        changed = text != item.source.text
        failure = _check_compiles(item, text) if changed else None
        if failure is None and changed and mode == WRITE:
            failure = _write(item.source, text)
        if failure is not None:
            summary.failed.append("{}: {}".format(item.source.path, failure))
            continue
        summary.left.extend(remaining(
            item.source.path, item.source.text, text, decisions.left + rewriter.left
        ))
        if not changed:
            continue
        summary.review.extend(r for r in decisions.review if r.path == item.source.path)
        summary.review.extend(rewriter.review)
        summary.changed.append(item.source.path)
        summary.rewritten.update(rewriter.rewritten)
        if mode == DIFF:
            progress.erase()
            out.writelines(_diff(item.source, text))
    progress.erase()
    report.write(summary.text("changed" if mode == WRITE else "would change"))
    return 1 if mode == CHECK and summary.changed else 0


def _files(paths: Sequence[str], summary: Summary) -> List[str]:
    found: List[str] = []
    seen = set()

    def warn(path: str, message: str) -> None:
        summary.failed.append("{}: {}".format(path, message))

    for path in paths:
        if os.path.islink(path) and not os.path.isdir(path):
            warn(path, "a symbolic link, not followed: give the file it points to")
            continue
        for name in find_files(path, [], warn):
            real = os.path.realpath(name)
            if real not in seen:
                seen.add(real)
                found.append(name)
    return found


def _parse(path: str, summary: Summary) -> Optional[_Parsed]:
    try:
        source = read_source(path)
    except SourceError as error:
        summary.failed.append("{}: {}".format(path, error))
        return None
    hidden = hide_keyword_names(source.text)
    try:
        module = cst.parse_module(hidden.text)
    except cst.ParserSyntaxError as error:
        line, message = _syntax_error(hidden.text, path, error)
        summary.failed.append(
            "{}:{}: cannot parse: {}; fix it, or leave the file out".format(path, line, message)
        )
        return None
    wrapper = cst.MetadataWrapper(module, unsafe_skip_copy=True)
    resolver = Resolver(
        module_name(path), os.path.basename(path) == "__init__.py", hidden.keywords
    )
    return _Parsed(source, hidden, wrapper, resolver)


def _facts(parsed: Sequence[_Parsed]) -> List[ModuleFacts]:
    """What each module tells the call graph, once every resolver knows
    what the tree's modules import and re-export."""
    aliases: Dict[str, str] = {}
    for item in parsed:
        scope = item.wrapper.resolve(ScopeProvider).get(item.wrapper.module)
        aliases.update(item.resolver.exports(item.wrapper.module, scope))
    tree = frozenset(item.resolver.module.partition(".")[0] for item in parsed)
    for item in parsed:
        item.resolver.aliases = aliases
        item.resolver.tree = tree
    return [collect(item.wrapper, item.source.path, item.resolver) for item in parsed]


def _syntax_error(text: str, path: str, error: cst.ParserSyntaxError) -> Tuple[int, str]:
    """Where and what the syntax error is: as Python says it where Python
    refuses the source too (its line is the right one), else as libcst
    does."""
    with warnings.catch_warnings():
        warnings.simplefilter("ignore")
        try:
            ast.parse(text, path)
        except SyntaxError as refused:
            return refused.lineno or error.raw_line, refused.msg
    message = error.message.splitlines()[0] if error.message else "a syntax error"
    if message.startswith("parser error: error at "):
        message = message.split(": ", 2)[-1]
    return error.raw_line, message


def _check_compiles(item: _Parsed, text: str) -> Optional[str]:
    """None when the new text compiles, or when the original did not
    either on this Python (newer syntax); else what is wrong."""
    with warnings.catch_warnings():
        warnings.simplefilter("ignore")
        try:
            ast.parse(text, item.source.path)
        except SyntaxError as error:
            try:
                ast.parse(item.hidden.text, item.source.path)
            except SyntaxError:
                return None
            return "the rewrite does not compile (line {}: {}), so the file is left as it " \
                "was; please report it".format(error.lineno, error.msg)
    return None


def _write(source: Source, text: str) -> Optional[str]:
    try:
        write_atomically(source, encode(source, text))
    except SourceError as error:
        return str(error)
    except OSError as error:
        return "cannot write it: {}; not changed".format(error.strerror or error)
    return None


def _diff(source: Source, text: str) -> List[str]:
    lines = []
    for line in difflib.unified_diff(
        _lines(source.text), _lines(text), source.path, source.path
    ):
        lines.append(line if line.endswith("\n") else line + "\n\\ No newline at end of file\n")
    return lines


def _lines(text: str) -> List[str]:
    return io.StringIO(text).readlines()
