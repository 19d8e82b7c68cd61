"""genloop.compat: legacy asyncio code runs unmodified on every Python.

``install()`` restores, on the running Python, what later versions removed
or changed from the legacy asyncio API (the rows of the legacy API
inventory): ``asyncio.coroutine``, ``asyncio.async``, ``JoinableQueue``,
``loop=`` arguments, ``with (yield from lock)``, ``Task.current_task()``,
coroutines in ``asyncio.wait``, generators run as tasks, undecorated helper
generators that ``yield from`` asyncio's coroutines, moved names,
``get_event_loop()`` creating the loop, non-thread-pool default executors
and two-argument task factories.  Where an API still works as it did, it is
left alone.  ``uninstall()`` puts ``asyncio`` back exactly as it was.

    import genloop.compat
    genloop.compat.install(warn=True)   # or: with genloop.compat.installed():

``install(warn=True)`` reports each legacy call once per call site as a
:class:`genloop.LegacyAPIWarning`; ``install(report="legacy.txt")`` writes at
exit every legacy API that ran, with file, line and count, as text and JSON;
both include the legacy APIs left native on older Pythons (see
:mod:`genloop.compat.recording`).
"""

import contextlib
from typing import Iterator, List, Optional

from .. import _versions
from .._legacy import LegacyAPIWarning
from . import coroutines, event_loops, functions, names, primitives, recording, tasks, usage
from .codeflags import ImportHook
from .patching import Patch, apply, restore

__all__ = ["install", "uninstall", "installed", "is_installed", "LegacyAPIWarning"]


class _Installation(object):
    patches: List[Patch] = []
    #: Pass-through patches recording legacy APIs left native, while
    #: warnings or a report are asked for.
    recorders: List[Patch] = []
    hook: Optional[ImportHook] = None
    active = False


def _all_patches() -> List[Patch]:
    found: List[Patch] = []
    for row_module in (coroutines, functions, primitives, tasks, event_loops, names):
        found += row_module.patches()
    return found


def install(warn: bool = False, report: Optional[str] = None) -> None:
    """Restore the legacy asyncio API on this Python.

    Installing again only changes ``warn`` and ``report``.  ``warn`` reports
    each legacy call once per call site as a ``LegacyAPIWarning``;
    ``report`` is a path where the legacy APIs that ran are written at exit.
    """
    if not _Installation.active:
        _Installation.patches = apply(_all_patches())
        if _versions.STDLIB_COROUTINES_NATIVE:
            _Installation.hook = ImportHook()
            _Installation.hook.install()
        _Installation.active = True
    usage.configure(warn, report)
    _record_native_apis(usage.recording())


def _record_native_apis(on: bool) -> None:
    if on and not _Installation.recorders:
        _Installation.recorders = apply(recording.patches())
    elif not on and _Installation.recorders:
        restore(_Installation.recorders)
        _Installation.recorders = []


def uninstall() -> None:
    """Put asyncio back as it was before :func:`install`."""
    if not _Installation.active:
        raise RuntimeError(
            "genloop.compat is not installed: call genloop.compat.install() first "
            "(or use 'with genloop.compat.installed():')"
        )
    _record_native_apis(False)
    restore(_Installation.patches)
    if _Installation.hook is not None:
        _Installation.hook.uninstall()
    _Installation.patches, _Installation.hook = [], None
    _Installation.active = False
    usage.reset()


def is_installed() -> bool:
    return _Installation.active


@contextlib.contextmanager
def installed(warn: bool = False, report: Optional[str] = None) -> Iterator[None]:
    """The compat layer for the duration of a ``with`` block (and not beyond
    it unless it was installed before)."""
    was_installed = _Installation.active
    install(warn, report)
    try:
        yield
    finally:
        if not was_installed:
            uninstall()
