"""Recording the legacy APIs a program really uses.

Every shim calls :func:`legacy_use` with its inventory row.  Depending on
how ``genloop.compat`` was installed, that warns once per call site (a
:class:`genloop.LegacyAPIWarning` pointing at the user's line) and/or counts
the use for the report written at exit, as text and as JSON.
"""

import atexit
import collections
import dis
import json
import linecache
import sys
import warnings
from typing import Any, Counter, Dict, Iterator, List, Optional, Set, Tuple

from .. import _seam, _versions
from .._legacy import LegacyAPIWarning
from .rows import ROWS

__all__ = [
    "legacy_use",
    "legacy_use_at",
    "legacy_use_by_caller",
    "configure",
    "recording",
    "write_report",
    "report_lines",
    "row_fields",
    "row_text",
    "hide_python_legacy_warnings",
]

_Site = Tuple[str, str, int]  # (row, filename, line)


class _State(object):
    warn = False
    report_path: Optional[str] = None
    warned: Set[_Site] = set()
    counts: Counter[_Site] = collections.Counter()
    #: The warnings filters the current configuration added.
    filters: List[Any] = []


def configure(warn: bool, report_path: Optional[str]) -> None:
    """Set what :func:`legacy_use` does; called by ``compat.install()``."""
    _State.warn = warn
    if report_path is not None and _State.report_path is None:
        atexit.register(write_report)
    _State.report_path = report_path
    _set_filters()


def recording() -> bool:
    """Whether legacy uses are warned about or reported."""
    return _State.warn or _State.report_path is not None


def reset() -> None:
    """Write the report if one was asked for, then forget every use
    (``compat.uninstall()``)."""
    try:
        write_report()
    finally:
        _State.warn, _State.report_path = False, None
        _set_filters()
        _State.warned = set()
        _State.counts = collections.Counter()


#: What Python itself says of the legacy APIs it still has, but deprecates
#: (3.6-3.10); the compat layer leaves those APIs, and their words, alone.
PYTHON_LEGACY_WARNINGS = (
    r'"@coroutine" decorator is deprecated',
    r"The loop argument is deprecated",
    r"The explicit passing of coroutine objects to asyncio\.wait\(\) is deprecated",
    r"'with \(yield from lock\)' is deprecated",
    r"'with await lock' is deprecated",
    r"Using the default executor that is not an instance of ThreadPoolExecutor",
    r"asyncio\.async\(\) function is deprecated",
    r"Task\.(current_task|all_tasks)\(\) is deprecated",
)


def hide_python_legacy_warnings() -> None:
    """Hide Python's own deprecation warnings of the legacy APIs (what
    ``genloop run`` does unless ``--warn-legacy``: an unmodified program
    runs as quietly as on 3.6)."""
    for message, category in _python_legacy_warnings():
        warnings.filterwarnings("ignore", message=message, category=category)


def _python_legacy_warnings() -> Iterator[Tuple[str, type]]:
    for message in PYTHON_LEGACY_WARNINGS:
        for category in (DeprecationWarning, PendingDeprecationWarning):
            yield message, category


def _set_filters() -> None:
    """Show LegacyAPIWarning while warn=True (Python hides
    DeprecationWarning subclasses outside __main__, and on 3.6 there too);
    while recording, genloop's warning and report take the place of
    Python's own warnings for the same calls, which would point at the
    recording shims rather than at the user's line."""
    filters: Any = warnings.filters
    filters[:] = [entry for entry in filters if not any(entry is own for own in _State.filters)]
    _State.filters = []
    if recording():
        for message, category in _python_legacy_warnings():
            _add_filter("ignore", message, category)
    if _State.warn:
        _add_filter("default", "", LegacyAPIWarning)
    _seam.filters_mutated()


def _add_filter(action: Any, message: str, category: type) -> None:
    warnings.filterwarnings(action, message=message, category=category)
    _State.filters.append(warnings.filters[0])


def legacy_use(row_id: str) -> None:
    """Note that the code calling the shim used row ``row_id``: the first
    frame up the stack outside asyncio and genloop is the call site."""
    if not recording():
        return
    frame = sys._getframe(1)
    while frame.f_back is not None and _is_library(frame.f_globals.get("__name__", "")):
        frame = frame.f_back
    legacy_use_at(row_id, frame.f_code.co_filename, _line(frame), frame.f_globals)


def legacy_use_at(row_id: str, filename: str, line: int, module_globals: Dict[str, Any]) -> None:
    """Note a use of row ``row_id`` at a given place of the module whose
    globals are ``module_globals``."""
    if not recording():
        return
    site = (row_id, filename, line)
    _State.counts[site] += 1
    if _State.warn and site not in _State.warned:
        _State.warned.add(site)
        _cache_source(site[1], module_globals)
        # Attributed, and filtered, as warnings.warn(stacklevel=...) would be
        # (code run by exec() may have no __name__: an explicit module=None
        # would hide the warning, so the filename stands for the module).
        warnings.warn_explicit(
            LegacyAPIWarning(warning_text(row_id)),
            LegacyAPIWarning,
            site[1],
            site[2],
            module=module_globals.get("__name__") or site[1],
            registry=module_globals.setdefault("__warningregistry__", {}),
        )


def _cache_source(filename: str, module_globals: Dict[str, Any]) -> None:
    """Let the warning show the call site's line, also for source that is
    no file (a zip import): linecache asks the module's loader and skips a
    loader that refuses.  warn_explicit(module_globals=) asks it itself and
    lets the refusal escape, and the ``__main__`` of ``python -m package``
    (or ``genloop run -m package``) has the loader of ``package.__main__``,
    which refuses the name ``__main__``."""
    linecache.getlines(filename, module_globals)


def _line(frame: Any) -> int:
    """The line ``frame`` runs, as 3.11 counts it: a decorator applied to
    a function or class is at its own ``@`` line on every Python."""
    line: int = frame.f_lineno
    if not _versions.DECORATOR_CALLED_AT_DEF_LINE:
        return line
    filename = frame.f_code.co_filename
    text = linecache.getline(filename, line, frame.f_globals).strip()
    if not text.startswith(("def ", "async def ", "class ")):
        return line
    decorators: List[int] = []
    above = line - 1
    while above > 0 and linecache.getline(filename, above, frame.f_globals).lstrip()[:1] == "@":
        decorators.insert(0, above)
        above -= 1
    # The decorators still to apply, outermost last, follow this call.
    still_to_apply = 0
    for instruction in dis.get_instructions(frame.f_code):
        if instruction.offset <= frame.f_lasti:
            continue
        if instruction.opname.startswith("STORE"):
            break
        still_to_apply += instruction.opname == "CALL_FUNCTION"
    index = len(decorators) - 1 - still_to_apply
    return decorators[index] if 0 <= index < len(decorators) else line


def legacy_use_by_caller(row_id: str) -> None:
    """:func:`legacy_use`, only when the shim's direct caller is outside
    asyncio and genloop (up to 3.9 asyncio itself passes ``loop=`` to its
    own functions and primitives).  A compat shim that passes the user's
    arguments on (``JoinableQueue(loop=)`` to ``Queue``) is no caller: the
    code that called the shim is."""
    if not recording():
        return
    caller = sys._getframe(2)
    while caller.f_back is not None and _is_shim(caller.f_globals.get("__name__", "")):
        caller = caller.f_back
    if not _is_library(caller.f_globals.get("__name__", "")):
        legacy_use(row_id)


#: The modules of the compat layer's shims ("genloop.compat.").
_SHIM_PREFIX = __name__.rpartition(".")[0] + "."


def _is_shim(module: str) -> bool:
    return module.startswith(_SHIM_PREFIX)


def _is_library(module: str) -> bool:
    return module.partition(".")[0] in ("asyncio", "genloop")


def warning_text(row_id: str) -> str:
    row = ROWS[row_id]
    return "{} (legacy asyncio API {}) broke in Python {}; instead: {}".format(
        row.api, row.id, row.broken_in, row.replacement
    )


def row_fields(row_id: str) -> Dict[str, Any]:
    """A row as reports name it (``genloop run --report`` and ``genloop
    scan``, text and JSON): its id and API, when it broke, the fix."""
    row = ROWS[row_id]
    return {
        "row": row.id,
        "api": row.api,
        "broken_in": row.broken_in,
        "replacement": row.replacement,
    }


def row_text(entry: Dict[str, Any]) -> str:
    """The words of a report entry's row in a text report (with a run's
    count of its uses, where the entry has one)."""
    count = " x{}".format(entry["count"]) if "count" in entry else ""
    return "{} {}{} (broke in {}; instead: {})".format(
        entry["row"], entry["api"], count, entry["broken_in"], entry["replacement"]
    )


def report_lines() -> List[Dict[str, Any]]:
    """The uses recorded so far, one entry per row and call site, by file,
    then line, then row."""
    return [
        dict(row_fields(row_id), file=filename, line=line, count=count)
        for (row_id, filename, line), count in sorted(
            _State.counts.items(), key=lambda item: (item[0][1], item[0][2], item[0][0])
        )
    ]


def write_report() -> None:
    """Write the report: text to the report path, JSON to the same path
    with ``.json`` added."""
    path = _State.report_path
    if path is None:
        return
    entries = report_lines()
    files = sorted(set(entry["file"] for entry in entries))
    with open(path, "w") as text:
        text.write(
            "Legacy asyncio APIs used ({} call sites in {} file{})\n".format(
                len(entries), len(files), "" if len(files) == 1 else "s"
            )
        )
        for filename in files:
            text.write("\n{}\n".format(filename))
            for entry in entries:
                if entry["file"] == filename:
                    text.write("  {}: {}\n".format(entry["line"], row_text(entry)))
    with open(path + ".json", "w") as as_json:
        json.dump(entries, as_json, indent=2)
