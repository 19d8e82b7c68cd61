"""Names a module lost, served again with each use reported.

Put back as plain attributes, the names would work, but no use of them
could be reported.  A module's ``__getattr__`` (PEP 562) runs at each
look-up of a name the module does not have, so each use of a lost name,
``module.Name`` or ``from module import Name``, reports its row at the line
that made it.  The names are never stored in the module: undoing the patch
removes the ``__getattr__``, and with it the names, along with any the
program assigned to the module meanwhile (which it did not have before).

Module ``__getattr__`` exists from 3.7; the names served here were lost in
3.10 or later.
"""

import sys
from typing import Any, Dict

from .patching import Patch
from .usage import legacy_use

__all__ = ["LostNames"]

#: The import machinery: ``from package import name`` first looks the name
#: up from there (``_handle_fromlist``), then from the importing line.
_IMPORT_MACHINERY = frozenset(["importlib._bootstrap", "_frozen_importlib"])


class LostNames(Patch):
    """``module.__getattr__`` serving ``values`` (name: value), those of
    the names the module does not have, each use reported as ``row_id``."""

    __slots__ = ("values", "row_id")

    def __init__(self, module: Any, row_id: str, values: Dict[str, Any]) -> None:
        super().__init__(module, "__getattr__", None)
        self.replacement = self.lookup
        self.values = {name: value for name, value in values.items() if name not in vars(module)}
        self.row_id = row_id

    def lookup(self, name: str) -> Any:
        """The module's ``__getattr__``."""
        try:
            value = self.values[name]
        except KeyError:
            return self._not_found(name)
        if sys._getframe(1).f_globals.get("__name__") not in _IMPORT_MACHINERY:
            legacy_use(self.row_id)
        return value

    def _not_found(self, name: str) -> Any:
        previous = self.original
        if callable(previous):  # the module's own __getattr__
            return previous(name)
        error = AttributeError(
            "module {!r} has no attribute {!r}".format(self.owner.__name__, name)
        )
        # What 3.10+ sets, for its "Did you mean" suggestions.
        error.name, error.obj = name, self.owner
        raise error

    def undo(self) -> None:
        super().undo()
        namespace = vars(self.owner)
        for name in self.values:
            namespace.pop(name, None)
