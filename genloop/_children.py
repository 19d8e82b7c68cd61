"""Children of a ``genloop run`` program run under genloop too.

A child made by multiprocessing's spawn or forkserver start method is a
fresh interpreter: it imports the program's ``__main__`` again (as
``__mp_main__``, so that functions pickled by reference can be found), and
stock Python would import legacy code without the compat layer and fail
(``module 'asyncio' has no attribute 'coroutine'``).  A forked child needs
nothing: it inherits the parent's state.

The rule: while :func:`follow` is on, the data that multiprocessing sends
each new child (``multiprocessing.spawn.get_preparation_data()``) carries
one more entry, a :class:`_ChildSetup`.  The child unpickles that data
before it prepares anything, and unpickling the entry calls
:func:`_enter_child`, which, before ``__main__`` is imported:

- installs :mod:`genloop.compat`, warning as the parent does (the report
  file is the parent's alone: a child writing it would overwrite it);
- sets the parent's event-loop policy (genloop's loop, or the stock loop
  with genloop's tasks);
- has multiprocessing import ``__main__`` the way ``genloop run`` does
  (the import hook's rewrites and flags), through the parent's own loader.

The policy class and the loader are passed by reference (pickled as
names), so this module does not depend on the command line that uses it.
"""

import asyncio
import os
import sys
import types
from typing import Any, Callable, Dict, Optional

from . import _seam, compat
from .compat.usage import hide_python_legacy_warnings

__all__ = ["follow", "unfollow"]

#: ``load_main(target, is_module)``: the program's main module, run as
#: ``__mp_main__`` (``target`` a script path, or a module name with -m).
MainLoader = Callable[[str, bool], types.ModuleType]


class _ChildSetup(object):
    """The entry added to a child's preparation data: unpickled, it sets
    the child up (pickle calls ``_enter_child(*arguments)``)."""

    def __init__(self, warn: bool, policy: type, load_main: MainLoader) -> None:
        self.arguments = (warn, policy, load_main)

    def __reduce__(self) -> Any:
        return _enter_child, self.arguments


class _State:
    #: The parent's get_preparation_data() while follow() is on.
    original: Optional[Callable[..., Dict[str, Any]]] = None


#: The key of the entry in the preparation data (prepare() skips keys it
#: does not know).
SETUP_KEY = "genloop"


def follow(warn: bool, policy: type, load_main: MainLoader) -> None:
    """Make the spawn and forkserver children started from now on run
    under genloop, as set up by ``genloop run``."""
    spawn = _seam.multiprocessing_spawn()
    unfollow()
    original: Callable[..., Dict[str, Any]] = spawn.get_preparation_data
    setup = _ChildSetup(warn, policy, load_main)

    def get_preparation_data(name: str) -> Dict[str, Any]:
        data = original(name)
        data[SETUP_KEY] = setup
        return data

    _State.original = original
    spawn.get_preparation_data = get_preparation_data


def unfollow() -> None:
    """Children started from now on are stock Python again."""
    if _State.original is not None:
        _seam.multiprocessing_spawn().get_preparation_data = _State.original
        _State.original = None


def _enter_child(warn: bool, policy: type, load_main: MainLoader) -> None:
    """In the child, before ``__main__`` is imported: genloop as in the parent."""
    compat.install(warn=warn)
    if not warn:
        hide_python_legacy_warnings()
    asyncio.set_event_loop_policy(policy())
    spawn = _seam.multiprocessing_spawn()
    for kind, name in _seam.SPAWN_MAIN_FIXUPS.items():
        setattr(spawn, name, _fixup_main(getattr(spawn, name), load_main, kind == "name"))
    # A later child of this child is set up in the same way.
    follow(warn, policy, load_main)


def _fixup_main(
    original: Callable[[str], None], load_main: MainLoader, is_module: bool
) -> Callable[[str], None]:
    """multiprocessing's import of the child's ``__main__`` (from a path or
    a module name), made by ``load_main``; where multiprocessing imports
    nothing (``__main__`` is already the program, or a package's
    ``__main__`` that runs only as the main program), it still decides."""

    def fixup(target: str) -> None:
        current = sys.modules["__main__"]
        if is_module:
            already = getattr(current.__spec__, "name", None) == target
            skipped = target == "__main__" or target.endswith(".__main__")
        else:
            already = getattr(current, "__file__", None) == target
            skipped = os.path.splitext(os.path.basename(target))[0] == "ipython"
        if already or skipped:
            original(target)
            return
        _seam.multiprocessing_spawn().old_main_modules.append(current)
        main = load_main(target, is_module)
        sys.modules["__main__"] = sys.modules["__mp_main__"] = main

    return fixup
