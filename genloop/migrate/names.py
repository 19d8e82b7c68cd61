"""What a name in a migrated module refers to: the module a file is, and the
absolute qualified name of what an expression names, imports followed.

A function defined in the tree is known by its absolute qualified name
(``pkg.helpers.pause``, ``pkg.crawler.Crawler.work``): a call resolves to
it through the module's imports, relative ones included, or through
``self.name``/``cls.name`` in a method of the same class.  The asyncio API
is known whatever the module calls it (``import asyncio as aio``, ``from
asyncio import sleep``, ``asyncio.tasks.sleep``).
"""

import os
import re
from typing import Callable, Dict, FrozenSet, List, Optional

import libcst as cst

from ..compat.functions import LOOP_TAKING_FUNCTIONS
from ..compat.primitives import TAKING_LOOP

__all__ = [
    "module_name",
    "bound_values",
    "Resolver",
    "asyncio_api",
    "LOOP_DROPPED",
    "COROUTINE_DECORATORS",
    "FLAGGING_DECORATORS",
    "HARMLESS_DECORATORS",
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
#: Decorators that keep their meaning on an ``async def``.
HARMLESS_DECORATORS = frozenset(
    ["builtins.staticmethod", "builtins.classmethod", "abc.abstractmethod"]
)
#: trollius's ``yield From(x)`` and ``raise Return(v)`` (row L13).
FROM = frozenset(["trollius.From", "genloop.From", "genloop.coroutines.From"])
RETURN = frozenset(["trollius.Return", "genloop.Return", "genloop.coroutines.Return"])
STOP_ITERATION = "builtins.StopIteration"

#: asyncio's modules whose names the package exports.
_ASYNCIO_MODULES = frozenset([
    "base_events", "coroutines", "events", "exceptions", "futures", "locks", "queues",
    "streams", "subprocess", "tasks",
])


def bound_values(scope_of: Callable[[cst.CSTNode], object],
                 parent_of: Callable[[cst.CSTNode], Optional[cst.CSTNode]],
                 name: cst.Name) -> Optional[List[cst.BaseExpression]]:
    """What ``name`` may hold, as the code binds it where it is bound: each
    value assigned to it, each element of a display a ``for`` loop takes it
    from; None when one of its bindings is anything else (a parameter, an
    import, a ``for`` over something else...)."""
    scope = scope_of(name)
    assignments = getattr(scope, "assignments", None)
    if assignments is None or not assignments[name.value]:
        return None
    values: List[cst.BaseExpression] = []
    for assignment in assignments[name.value]:
        target = getattr(assignment, "node", None)
        owner = parent_of(target) if isinstance(target, cst.CSTNode) else None
        statement = parent_of(owner) if isinstance(owner, cst.AssignTarget) else None
        if isinstance(statement, cst.Assign):
            values.append(statement.value)
        elif isinstance(owner, cst.For) and owner.target is target and isinstance(
            owner.iter, (cst.List, cst.Tuple, cst.Set)
        ):
            values.extend(element.value for element in owner.iter.elements)
        else:
            return None
    return values


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

    def qualified(self, lookup: Lookup, node: cst.CSTNode) -> Optional[str]:
        """The one absolute name ``node`` refers to, or None."""
        names = lookup(node)
        if not isinstance(names, (set, frozenset)) or len(names) != 1:
            return None
        (name,) = names
        return self.unhidden(self._absolute(name.name, name.source.name))

    def unhidden(self, text: str) -> str:
        """``text`` with ``async``/``await`` where placeholders stand."""
        for placeholder, keyword in self._keywords.items():
            text = text.replace(placeholder, keyword)
        return text

    def local(self, qualified: str) -> str:
        """``Class.method`` for ``module.Class.method``."""
        prefix = self.module + "."
        return qualified[len(prefix):] if qualified.startswith(prefix) else qualified

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
