"""What a name in a migrated module refers to: the module a file is, and the
absolute qualified name of what an expression names, imports followed.

A function defined in the tree is known by its absolute qualified name
(``pkg.helpers.pause``, ``pkg.crawler.Crawler.work``): a call resolves to
it through the module's imports, relative ones included, or through
``self.name``/``cls.name`` in a method of the same class.  The asyncio API
is known whatever the module calls it (``import asyncio as aio``, ``from
asyncio import sleep``, ``asyncio.tasks.sleep``), through a module of the
tree that re-exports it (``from pkg import asyncio``:
:meth:`Resolver.exports`), and under ``try: import asyncio`` / ``except
ImportError: import trollius as asyncio``, whose two names are one API.
Only a dotted name names something: ``f().x`` and ``f()`` do not.
"""

import os
import re
from typing import (
    Callable, Collection, Dict, FrozenSet, Iterable, Iterator, List, Optional, Sequence, Set,
    Tuple, Union,
)

import libcst as cst
from libcst.metadata import ImportAssignment

from ..compat.functions import LOOP_TAKING_FUNCTIONS
from ..compat.primitives import TAKING_LOOP

__all__ = [
    "module_name",
    "bindings",
    "bound_values",
    "members",
    "Resolver",
    "asyncio_api",
    "LOOP_DROPPED",
    "COROUTINE_DECORATORS",
    "FLAGGING_DECORATORS",
    "HARMLESS_DECORATORS",
    "KEPT_DECORATORS",
    "FROM",
    "RETURN",
    "STOP_ITERATION",
]

#: The asyncio functions and classes whose loop= 3.10 removed (row L05).
LOOP_DROPPED: FrozenSet[str] = frozenset(
    list(LOOP_TAKING_FUNCTIONS) + [cls.__name__ for cls in TAKING_LOOP]
)

#: The decorators that make a generator function a legacy coroutine (row L01).
COROUTINE_DECORATORS = frozenset(
    "{}.coroutine".format(module)
    for module in ("asyncio", "asyncio.coroutines", "genloop", "genloop.coroutines",
                   "trollius", "trollius.coroutines")
)
#: A generator that types.coroutine flags stays one (row L16): it may await
#: and be awaited as it is.
FLAGGING_DECORATORS = frozenset(["types.coroutine"])
#: Decorators that keep their meaning on an ``async def``, and under which a
#: generator is still an undecorated helper (row L11).
HARMLESS_DECORATORS = frozenset(
    ["builtins.staticmethod", "builtins.classmethod", "abc.abstractmethod"]
)
#: The decorators a coroutine decorator may sit under: those, and
#: ``property``, whose getter gives the coroutine to await either way (a
#: generator under ``property`` alone stays one: its uses are no calls).
KEPT_DECORATORS = HARMLESS_DECORATORS | frozenset(["builtins.property"])
#: trollius's ``yield From(x)`` and ``raise Return(v)`` (row L13).
FROM = frozenset(["trollius.From", "genloop.From", "genloop.coroutines.From"])
RETURN = frozenset(["trollius.Return", "genloop.Return", "genloop.coroutines.Return"])
STOP_ITERATION = "builtins.StopIteration"

#: asyncio's modules whose names the package exports.
_ASYNCIO_MODULES = frozenset([
    "base_events", "coroutines", "events", "exceptions", "futures", "locks", "queues",
    "streams", "subprocess", "tasks",
])


def bindings(assignments: Collection[object],
             parent_of: Callable[[cst.CSTNode], Optional[cst.CSTNode]]
             ) -> Optional[List[cst.CSTNode]]:
    """What a name may hold, as the code binds it where it is bound
    (``assignments``: its bindings, as libcst's scopes give them): each
    value assigned to it, each element of a display a ``for`` loop takes it
    from, each ``def`` or ``class`` of that name, each ``*args`` or
    ``**kwargs`` parameter (a tuple, a dict); None when one of its bindings
    is anything else (another parameter, an import, a ``for`` over
    something else...)."""
    if not assignments:
        return None
    values: List[cst.CSTNode] = []
    for assignment in assignments:
        target = getattr(assignment, "node", None)
        owner = parent_of(target) if isinstance(target, cst.CSTNode) else None
        statement = parent_of(owner) if isinstance(owner, cst.AssignTarget) else None
        if isinstance(statement, cst.Assign):
            values.append(statement.value)
        elif isinstance(owner, cst.For) and owner.target is target and isinstance(
            owner.iter, (cst.List, cst.Tuple, cst.Set)
        ):
            values.extend(element.value for element in owner.iter.elements)
        elif isinstance(target, (cst.FunctionDef, cst.ClassDef)) or (
            isinstance(target, cst.Param) and isinstance(owner, cst.Parameters)
            and target in (owner.star_arg, owner.star_kwarg)
        ):
            values.append(target)
        else:
            return None
    return values


def bound_values(scope_of: Callable[[cst.CSTNode], object],
                 parent_of: Callable[[cst.CSTNode], Optional[cst.CSTNode]],
                 name: cst.Name) -> Optional[List[cst.BaseExpression]]:
    """The values :func:`bindings` finds for ``name`` in its own scope;
    None when a ``def``, a ``class`` or a parameter binds it there too."""
    assignments = getattr(scope_of(name), "assignments", None)
    found = bindings(assignments[name.value], parent_of) if assignments is not None else None
    if found is None:
        return None
    values = [value for value in found if isinstance(value, cst.BaseExpression)]
    return values if len(values) == len(found) else None


def members(block: cst.BaseSuite) -> Set[str]:
    """The names a class's body binds: its ``def``s, classes and assignments."""
    found: Set[str] = set()
    for statement in block.body:
        if isinstance(statement, (cst.FunctionDef, cst.ClassDef)):
            found.add(statement.name.value)
        elif isinstance(statement, cst.SimpleStatementLine):
            for small in statement.body:
                targets = small.targets if isinstance(small, cst.Assign) else []
                found.update(
                    target.target.value for target in targets
                    if isinstance(target.target, cst.Name)
                )
    return found


def module_name(path: str) -> str:
    """The module ``path`` is imported as: its directories up to the first
    one without ``__init__.py``."""
    directory, filename = os.path.split(os.path.abspath(path))
    stem = os.path.splitext(filename)[0]
    parts = [] if stem == "__init__" else [stem]
    while os.path.isfile(os.path.join(directory, "__init__.py")):
        directory, package = os.path.split(directory)
        parts.insert(0, package)
    return ".".join(parts) or stem


def asyncio_api(qualified: Optional[str]) -> Optional[str]:
    """``sleep`` for ``asyncio.sleep`` or ``asyncio.tasks.sleep``, else None."""
    if qualified is None or not qualified.startswith("asyncio."):
        return None
    parts = qualified.split(".")[1:]
    if len(parts) > 1 and parts[0] in _ASYNCIO_MODULES:
        parts = parts[1:]
    return ".".join(parts)


#: The metadata lookup (QualifiedNameProvider) of the visitor using a resolver.
Lookup = Callable[[cst.CSTNode], object]

#: ``Class.method.<locals>.self.name``: what libcst calls ``self.name`` in a method.
_RECEIVER = re.compile(r"^(.+)\.[^.]+\.<locals>\.(?:self|cls)\.([^.<>]+)$")


class Resolver(object):
    """Absolute qualified names in one module."""

    def __init__(self, module: str, is_package: bool, keywords: Dict[str, str]) -> None:
        self.module = module
        self._package = module if is_package else module.rpartition(".")[0]
        #: Placeholder names back to the ``async``/``await`` they stand for.
        self._keywords = keywords
        #: What the modules of the tree import, by the name they bind
        #: (:meth:`exports`), and the first names of the tree's modules.
        self.aliases: Dict[str, str] = {}
        self.tree: FrozenSet[str] = frozenset()

    def qualified(self, lookup: Lookup, node: cst.CSTNode) -> Optional[str]:
        """The one absolute name ``node`` refers to, or None."""
        if not _dotted(node):
            return None
        names = lookup(node)
        if not isinstance(names, (set, frozenset)):
            return None
        found = _one(self._absolute(name.name, name.source.name) for name in names)
        return self._followed(self.unhidden(found)) if found is not None else None

    def unhidden(self, text: str) -> str:
        """``text`` with ``async``/``await`` where placeholders stand."""
        for placeholder, keyword in self._keywords.items():
            text = text.replace(placeholder, keyword)
        return text

    def local(self, qualified: str) -> str:
        """``Class.method`` for ``module.Class.method``."""
        prefix = self.module + "."
        return qualified[len(prefix):] if qualified.startswith(prefix) else qualified

    def outside(self, qualified: str) -> bool:
        """Whether ``qualified`` names something of no module of the tree."""
        return qualified.partition(".")[0] not in self.tree

    def exports(self, module: cst.Module, scope: object) -> Dict[str, str]:
        """What the module's top-level imports bind that nothing else binds
        there (``scope``: its global scope), as the names another module
        imports them by: ``{"pkg.asyncio": "asyncio"}`` for ``import
        asyncio`` in ``pkg/__init__.py``."""
        assignments = getattr(scope, "assignments", None)
        if assignments is None:
            return {}
        found: Dict[str, Set[str]] = {}
        for node in _top_level_imports(module.body):
            for name, target in self._imported(node):
                found.setdefault(name, set()).add(target)
        exported = {}
        for name, targets in found.items():
            one = _one(targets)
            bound = self.module + "." + name
            if one is not None and one != bound and all(
                isinstance(assignment, ImportAssignment) for assignment in assignments[name]
            ):
                exported[self.unhidden(bound)] = self.unhidden(one)
        return exported

    def _imported(self, node: Union[cst.Import, cst.ImportFrom]) -> Iterator[Tuple[str, str]]:
        """What an import binds: each name, and the absolute name it stands for."""
        if isinstance(node, cst.Import):
            for alias in node.names:
                dotted = _code(alias.name)
                bound = alias.evaluated_alias or dotted.partition(".")[0]
                yield bound, dotted if alias.asname else bound
            return
        if isinstance(node.names, cst.ImportStar):
            return
        dots = "." * len(node.relative)
        base = dots + _code(node.module) + "." if node.module is not None else dots
        for alias in node.names:
            name = _code(alias.name)
            yield alias.evaluated_alias or name, self._absolute(base + name, "IMPORT")

    def _followed(self, name: str) -> str:
        """``name`` through the imports of the tree's modules:
        ``asyncio.sleep`` for ``pkg.asyncio.sleep`` when ``pkg`` imports
        asyncio."""
        seen: Set[str] = set()
        while self.aliases and name not in seen:
            seen.add(name)
            parts = name.split(".")
            for cut in range(len(parts), 0, -1):
                target = self.aliases.get(".".join(parts[:cut]))
                if target is not None:
                    name = ".".join([target] + parts[cut:])
                    break
        return name

    def _absolute(self, name: str, source: str) -> str:
        if source == "LOCAL":
            method = _RECEIVER.match(name)
            if method is not None:
                # self.name in a method: the class's own attribute.
                name = method.group(1) + "." + method.group(2)
            return self.module + "." + name
        if source != "IMPORT" or not name.startswith("."):
            return name
        level = len(name) - len(name.lstrip("."))
        package = self._package.split(".") if self._package else []
        base = package[: len(package) - level + 1]
        return ".".join(base + [name[level:]])


def _top_level_imports(body: Sequence[cst.CSTNode]
                       ) -> Iterator[Union[cst.Import, cst.ImportFrom]]:
    """The imports a module runs as it loads: in its body, and in the
    ``try`` and ``if`` blocks there."""
    for statement in body:
        if isinstance(statement, cst.SimpleStatementLine):
            for small in statement.body:
                if isinstance(small, (cst.Import, cst.ImportFrom)):
                    yield small
        elif isinstance(statement, (cst.Try, cst.If)):
            for block in _blocks(statement):
                yield from _top_level_imports(block.body)


def _blocks(statement: Union[cst.Try, cst.If]) -> List[cst.BaseSuite]:
    """The blocks of a ``try`` or an ``if`` (its ``elif``s included)."""
    if isinstance(statement, cst.If):
        orelse = statement.orelse
        if isinstance(orelse, cst.If):
            return [statement.body] + _blocks(orelse)
        return [statement.body] + ([orelse.body] if orelse is not None else [])
    blocks = [statement.body] + [handler.body for handler in statement.handlers]
    return blocks + [each.body for each in (statement.orelse, statement.finalbody) if each]


def _one(names: Iterable[str]) -> Optional[str]:
    """The one name of ``names``, or None.  ``asyncio.sleep`` for both
    ``asyncio.sleep`` and ``trollius.sleep``: a module that falls back on
    trollius where asyncio is missing uses one API under both names."""
    found = set(names)
    if len(found) > 1:
        found = {_asyncio_for_trollius(name) for name in found}
    return found.pop() if len(found) == 1 else None


def _asyncio_for_trollius(name: str) -> str:
    head, dot, rest = name.partition(".")
    return "asyncio" + dot + rest if head == "trollius" else name


def _dotted(node: cst.CSTNode) -> bool:
    """Whether ``node`` is a name, or names joined by dots."""
    while isinstance(node, cst.Attribute):
        node = node.value
    return isinstance(node, cst.Name)


def _code(node: cst.CSTNode) -> str:
    return cst.Module([]).code_for_node(node)
