"""genloop.compat: legacy asyncio code runs unmodified on every Python.

``install()`` restores, on the running Python, what later versions removed
or changed from the legacy asyncio API (the rows of the legacy API
inventory): ``asyncio.coroutine``, ``asyncio.async``, ``JoinableQueue``,
``loop=`` arguments, ``with (yield from lock)``, ``Task.current_task()``,
coroutines in ``asyncio.wait``, generators run as tasks, undecorated helper
generators that ``yield from`` asyncio's coroutines, moved names,
``get_event_loop()`` creating the loop, non-thread-pool default executors,
two-argument task factories, 3.11's ``Server.wait_closed()`` and
``wait_for()``, and the ``collections`` aliases of ``collections.abc``
(unless ``stdlib_aliases=False``).  Where an API still works as it did, it
is left alone.  ``uninstall()`` puts ``asyncio`` back exactly as it was.

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

from .._legacy import LegacyAPIWarning, Observer
from . import (
    coroutines,
    engine_uses,
    event_loops,
    functions,
    names,
    primitives,
    recording,
    stdlib,
    tasks,
    usage,
)
from .importhook import ImportHook
from .patching import Patch, apply, restore

__all__ = ["install", "uninstall", "installed", "is_installed", "LegacyAPIWarning"]


class _Installation(object):
    patches: List[Patch] = []
    #: Pass-through patches recording legacy APIs left native, while
    #: warnings or a report are asked for.
    recorders: List[Patch] = []
    #: The standard library's lost aliases, unless install() was told not to.
    stdlib_aliases: List[Patch] = []
    hook: Optional[ImportHook] = None
    active = False


def _all_patches() -> List[Patch]:
    found: List[Patch] = []
    for row_module in (coroutines, functions, primitives, tasks, event_loops, names):
        found += row_module.patches()
    return found


def install(
    warn: bool = False, report: Optional[str] = None, stdlib_aliases: bool = True
) -> None:
    """Restore the legacy asyncio API on this Python.

    Installing again only changes ``warn``, ``report`` and
    ``stdlib_aliases``.  ``warn`` reports each legacy call once per call
    site as a ``LegacyAPIWarning``; ``report`` is a path where the legacy
    APIs that ran are written at exit; ``stdlib_aliases`` restores the
    standard-library names legacy code imports that have an exact modern
    equivalent (``collections.Mapping``...; see :mod:`genloop.compat.stdlib`).
    """
    if not _Installation.active:
        _Installation.patches = apply(_all_patches())
        _Installation.hook = ImportHook()
        _Installation.hook.install()
        _Installation.active = True
    usage.configure(warn, report)
    _record_native_apis(usage.recording())
    _restore_stdlib_aliases(stdlib_aliases)


def _restore_stdlib_aliases(on: bool) -> None:
    if on and not _Installation.stdlib_aliases:
        _Installation.stdlib_aliases = apply(stdlib.patches())
    elif not on and _Installation.stdlib_aliases:
        restore(_Installation.stdlib_aliases)
        _Installation.stdlib_aliases = []


def _record_native_apis(on: bool) -> None:
    """Record the legacy APIs left native, and what the engine runs."""
    Observer.note = engine_uses.note if on else None
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
    _restore_stdlib_aliases(False)
    restore(_Installation.patches)
    if _Installation.hook is not None:
        _Installation.hook.uninstall()
    _Installation.patches, _Installation.hook = [], None
    _Installation.active = False
    usage.reset()


def is_installed() -> bool:
    return _Installation.active


@contextlib.contextmanager
def installed(
    warn: bool = False, report: Optional[str] = None, stdlib_aliases: bool = True
) -> Iterator[None]:
    """The compat layer for the duration of a ``with`` block (and not beyond
    it unless it was installed before)."""
    was_installed = _Installation.active
    install(warn, report, stdlib_aliases)
    try:
        yield
    finally:
        if not was_installed:
            uninstall()
