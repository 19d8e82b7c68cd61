"""What a module's functions are, by name, for the rows about generators
and coroutines.

A call ``name(...)`` of a function defined once in the module, or in the
body of a function the call is in, or ``self.name(...)`` of a method
defined once in the class, gives:

- a plain generator, for an undecorated generator function: asyncio
  refuses it as a task from 3.12 (L10), ``await`` always refuses it (L12),
  and a plain generator may ``yield from`` it (no L11) -- at module level,
  the functions genloop's import hook leaves alone
  (:mod:`genloop.compat.transform`);
- a legacy coroutine, for a generator function decorated by asyncio's,
  trollius's or genloop's ``coroutine``: a generator all the same (L09),
  run by a Task that takes every value it yields as a request (L13);
- a native coroutine, for an undecorated ``async def`` function.
"""

import ast
import collections
from typing import Callable, Dict, List, Optional, Union

from ..compat.transform import dotted_name, has_yield
from .names import Imports

__all__ = [
    "Functions", "Kinds", "PLAIN", "LEGACY", "NATIVE", "is_legacy_decorator",
    "is_coroutine_decorator",
]

PLAIN = "plain generator"
LEGACY = "legacy coroutine"
NATIVE = "native coroutine"

_Definition = Union[ast.FunctionDef, ast.AsyncFunctionDef]
_DEFINITIONS = (ast.FunctionDef, ast.AsyncFunctionDef)

#: Decorators whose generators a Task runs, yields and all.
_LEGACY_DECORATORS = frozenset([
    "asyncio.coroutine",
    "asyncio.coroutines.coroutine",
    "asyncio.tasks.coroutine",
    "trollius.coroutine",
    "genloop.coroutine",
])


class Kinds(object):
    """The functions of one namespace (a module or a class body) that are
    defined once, and the kind of each that has one."""

    def __init__(self) -> None:
        self.definitions: Dict[str, _Definition] = {}
        self.kind: Dict[str, str] = {}


class Functions(object):
    """The module's functions, and each class's methods, each found when
    first asked for (most modules of a tree need none of them)."""

    def __init__(self, tree: ast.Module, imports: Imports) -> None:
        self._tree = tree
        self._imports = imports
        self._yields: Dict[_Definition, bool] = {}
        self._module: Optional[Kinds] = None
        #: The functions defined in a class's or a function's body.
        self._namespaces: Dict[ast.AST, Kinds] = {}
        self.classes: Dict[str, ast.ClassDef] = {
            node.name: node for node in tree.body if isinstance(node, ast.ClassDef)
        }

    @property
    def module(self) -> Kinds:
        if self._module is None:
            bindings = self._imports.bindings
            self._module = self._kinds(self._tree.body, lambda name: bindings[name] == 1)
        return self._module

    def yields(self, function: _Definition) -> bool:
        """Whether ``function``'s own body yields."""
        if function not in self._yields:
            self._yields[function] = has_yield(function)
        return self._yields[function]

    def kind_of_call(self, node: Optional[ast.AST], scopes: List[ast.AST]) -> Optional[str]:
        """What a call ``node`` gives, if it calls by name a function that
        the module or one of the functions of ``scopes`` (the definitions
        the call is in, outermost first) defines, or as ``self.name()`` a
        method of the innermost class."""
        if not isinstance(node, ast.Call):
            return None
        function = node.func
        functions = [scope for scope in scopes if isinstance(scope, _DEFINITIONS)]
        if isinstance(function, ast.Name):
            for scope in reversed(functions):
                namespace = self._namespace(scope)
                if function.id in namespace.definitions:
                    return namespace.kind.get(function.id)
            return self.module.kind.get(function.id)
        classes = [scope for scope in scopes if isinstance(scope, ast.ClassDef)]
        if (
            classes
            and isinstance(function, ast.Attribute)
            and isinstance(function.value, ast.Name)
            and function.value.id in ("self", "cls")
        ):
            return self._namespace(classes[-1]).kind.get(function.attr)
        return None

    def _namespace(self, owner: Union[ast.ClassDef, _Definition]) -> Kinds:
        if owner not in self._namespaces:
            names = collections.Counter(
                node.name for node in owner.body if isinstance(node, _DEFINITIONS)
            )
            self._namespaces[owner] = self._kinds(owner.body, lambda name: names[name] == 1)
        return self._namespaces[owner]

    def _kinds(self, body: List[ast.stmt], once: Callable[[str], bool]) -> Kinds:
        kinds = Kinds()
        for node in body:
            if not isinstance(node, _DEFINITIONS) or not once(node.name):
                continue
            kinds.definitions[node.name] = node
            decorators = node.decorator_list
            yields = self.yields(node)
            if isinstance(node, ast.AsyncFunctionDef):
                if not decorators and not yields:
                    kinds.kind[node.name] = NATIVE
            elif yields and not decorators:
                kinds.kind[node.name] = PLAIN
            elif yields and any(is_legacy_decorator(self._imports, each) for each in decorators):
                kinds.kind[node.name] = LEGACY
        return kinds


def is_legacy_decorator(imports: Imports, decorator: ast.expr) -> bool:
    """Whether ``decorator`` makes its generator a legacy coroutine."""
    return any(name in _LEGACY_DECORATORS for name in imports.qualified(decorator))


def is_coroutine_decorator(decorator: ast.expr) -> bool:
    """Whether ``decorator`` is some library's ``coroutine`` (tornado's,
    a project's own): its generator is no plain helper."""
    name = dotted_name(decorator)
    return name is not None and name.rpartition(".")[2] == "coroutine"
