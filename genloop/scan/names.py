"""What a module's names stand for, as its imports say.

A legacy construct is a use of an asyncio name however the module reached
it: ``asyncio.sleep``, ``from asyncio import sleep``, ``import asyncio as
aio``.  Every import of the module counts, wherever it stands (in a
``try``, in a function), and a name imported twice (``import asyncio``,
then ``import trollius as asyncio`` where that fails) stands for both.  A
name the module never binds is a builtin.
"""

import ast
import collections
from typing import Counter, DefaultDict, FrozenSet, Iterator, List, Optional, Tuple

from ..compat.transform import bound_names

__all__ = ["Imports", "statement_names", "asyncio_member"]


class Imports(object):
    """The dotted names each name of a module was imported as."""

    def __init__(self, tree: ast.Module, nodes: List[ast.AST]) -> None:
        """``nodes``: every node of ``tree``."""
        self._tree = tree
        self._imported: DefaultDict[str, List[str]] = collections.defaultdict(list)
        for node in nodes:
            for local, qualified in _bindings(node):
                self._imported[local].append(qualified)
        self._bindings: Optional[Counter[str]] = None

    @property
    def bindings(self) -> Counter[str]:
        """How many times the module binds each name, in any scope (counted
        when first asked for)."""
        if self._bindings is None:
            self._bindings = collections.Counter(bound_names(self._tree))
        return self._bindings

    def qualified(self, node: ast.AST) -> List[str]:
        """The dotted names that ``node``, a name or an attribute of one,
        stands for (none when its first name was not imported)."""
        if isinstance(node, ast.Name):
            return self.of_name(node.id)
        if isinstance(node, ast.Attribute):
            return [base + "." + node.attr for base in self.qualified(node.value)]
        return []

    def of_name(self, name: str) -> List[str]:
        """The dotted names that the name ``name`` stands for."""
        return self._imported.get(name, [])

    def is_builtin(self, node: ast.AST, name: str) -> bool:
        """Whether ``node`` is the builtin ``name`` (no binding hides it)."""
        return isinstance(node, ast.Name) and node.id == name and name not in self.bindings

    def imports_any(self, modules: FrozenSet[str]) -> bool:
        """Whether the module imports anything from one of ``modules``."""
        return any(
            qualified.partition(".")[0] in modules
            for names in self._imported.values()
            for qualified in names
        )


def _bindings(node: ast.AST) -> Iterator[Tuple[str, str]]:
    """The names an import statement binds, each with its dotted name."""
    if isinstance(node, ast.Import):
        for alias in node.names:
            if alias.asname:
                yield alias.asname, alias.name
            else:
                top = alias.name.partition(".")[0]
                yield top, top
    elif isinstance(node, ast.ImportFrom) and node.module and not node.level:
        for alias in node.names:
            if alias.name != "*":
                yield alias.asname or alias.name, node.module + "." + alias.name


def statement_names(node: ast.AST) -> List[str]:
    """The dotted names an import statement reaches: each module it
    imports, and each name it takes from one."""
    if isinstance(node, ast.Import):
        return [alias.name for alias in node.names]
    if isinstance(node, ast.ImportFrom) and node.module and not node.level:
        return [node.module] + [node.module + "." + alias.name for alias in node.names]
    return []


def asyncio_member(qualified: List[str]) -> Optional[str]:
    """The asyncio name among ``qualified``, without its module:
    ``sleep`` for ``asyncio.sleep`` or ``asyncio.tasks.sleep``."""
    for name in qualified:
        parts = name.split(".")
        if parts[0] == "asyncio" and (len(parts) == 2 or (len(parts) == 3 and parts[1].islower())):
            return parts[-1]
    return None
