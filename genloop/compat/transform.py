"""How genloop compiles a module of legacy code (its import hook and the
``__main__`` script of ``genloop run``).

Two changes, both at the syntax-tree level so that every line and column
stays the user's:

* the operands of ``yield from`` (in generators that no known coroutine
  decorator flags) and of ``await`` pass through the adapters of
  :mod:`genloop.compat.delegation` (row L11);
* a source that does not compile because it uses ``async``/``await`` as
  names is read as it was meant (:mod:`genloop.compat.legacy_syntax`, rows
  L02 and L03); the module then reports each such place every time it runs,
  so that a cached module is reported like a fresh one.  A source that still
  does not compile raises its original SyntaxError.
"""

import ast
import collections
import importlib.util
import sys
import types
import warnings
from typing import Any, Callable, Dict, Iterable, Iterator, List, Optional, Set, Tuple, Union

from .legacy_syntax import Rewrite, keyword_name_rewrites, read_keyword_names
from .usage import legacy_use_at

__all__ = ["compile_legacy", "NAMESPACE", "VERSION", "bound_names", "dotted_name", "has_yield"]

#: Changes whenever the compiled code changes: part of the cache file names.
VERSION = 1

_DELEGATE = "__genloop_delegate__"
_AWAITABLE = "__genloop_awaitable__"
_REPORT_SYNTAX = "__genloop_legacy_syntax__"

#: Modules whose ``coroutine`` decorator flags a generator, so that it may
#: ``yield from`` a native coroutine as it is.
_FLAGGING_MODULES = frozenset(["asyncio", "asyncio.coroutines", "types", "genloop"])

#: 3.6's words for row L03, a warning there rather than an error.
_L03_WARNING = "'async' and 'await' will become reserved keywords"


def compile_legacy(
    source: Union[bytes, str], path: str, then: Optional[Callable[[ast.Module], None]] = None
) -> types.CodeType:
    """The code of module ``source`` (bytes as read from ``path``, coding
    cookie and all), compiled as genloop runs legacy code; ``then`` may
    change the tree further (pytest's assertion rewriting)."""
    tree, rewrites = _parse(source, path)
    tree = _LegacyOperands(_flagging_decorators(tree), _ModuleFunctions(tree)).visit(tree)
    if rewrites:
        _insert_syntax_report(tree, rewrites)
    ast.fix_missing_locations(tree)
    if then is not None:
        then(tree)
    with warnings.catch_warnings():
        # PyPy warns again of the names it compiles: reported as rows already.
        warnings.filterwarnings("ignore", _L03_WARNING, DeprecationWarning)
        return compile(tree, path, "exec", dont_inherit=True)


def _parse(source: Union[bytes, str], path: str) -> Tuple[ast.Module, List[Rewrite]]:
    with warnings.catch_warnings(record=True) as caught:
        warnings.simplefilter("always")
        try:
            tree = ast.parse(source, path)
        except SyntaxError as error:
            legacy = read_keyword_names(_text(source), path)
            if legacy is None:
                raise error.with_traceback(None) from None
            return legacy
    rewrites: List[Rewrite] = []
    for warning in caught:
        if _L03_WARNING not in str(warning.message):
            warnings.warn_explicit(warning.message, warning.category, path, warning.lineno)
        elif not rewrites:
            rewrites = keyword_name_rewrites(_text(source), tree)
    return tree, rewrites


def _text(source: Union[bytes, str]) -> str:
    return importlib.util.decode_source(source) if isinstance(source, bytes) else source


def _flagging_decorators(tree: ast.Module) -> Tuple[Set[str], Set[str]]:
    """The names this module binds to a flagging ``coroutine`` decorator,
    and to the modules that have one."""
    functions: Set[str] = set()
    modules: Set[str] = set()
    for node in _module_level(tree.body):
        if isinstance(node, ast.ImportFrom) and node.module in _FLAGGING_MODULES:
            functions.update(
                alias.asname or alias.name for alias in node.names if alias.name == "coroutine"
            )
        elif isinstance(node, ast.Import):
            modules.update(
                alias.asname or alias.name for alias in node.names
                if alias.name in _FLAGGING_MODULES
            )
    return functions, modules


def _module_level(body: List[ast.stmt]) -> Iterator[ast.stmt]:
    """The statements of ``body`` and those nested in its ``if``, ``try`` and
    ``with`` blocks: what binds the module's names (``try: import asyncio``
    ``except ImportError: import trollius as asyncio``)."""
    for node in body:
        yield node
        if isinstance(node, (ast.FunctionDef, ast.AsyncFunctionDef, ast.ClassDef)):
            continue
        for field in ("body", "orelse", "finalbody"):
            nested = getattr(node, field, None)
            if isinstance(nested, list):
                yield from _module_level(nested)
        for handler in getattr(node, "handlers", ()):
            yield from _module_level(handler.body)


class _ModuleFunctions(object):
    """The undecorated generator functions and ``async def`` coroutine
    functions a module defines once and never binds again, anywhere: a call
    of one of them by name gives a plain generator or a native coroutine,
    which ``yield from`` or ``await`` (respectively) take as they are."""

    def __init__(self, tree: ast.Module) -> None:
        bindings = collections.Counter(bound_names(tree))
        self.generators: Set[str] = set()
        self.coroutines: Set[str] = set()
        for node in tree.body:
            if not isinstance(node, (ast.FunctionDef, ast.AsyncFunctionDef)):
                continue
            if node.decorator_list or bindings[node.name] != 1:
                continue
            yields = has_yield(node)
            if isinstance(node, ast.FunctionDef) and yields:
                self.generators.add(node.name)
            elif isinstance(node, ast.AsyncFunctionDef) and not yields:
                self.coroutines.add(node.name)

    @staticmethod
    def called(operand: ast.expr, names: Set[str]) -> bool:
        return (
            isinstance(operand, ast.Call)
            and isinstance(operand.func, ast.Name)
            and operand.func.id in names
        )


def bound_names(tree: ast.Module) -> Iterator[str]:
    """Every name the module binds, in any scope."""
    for node in ast.walk(tree):
        if isinstance(node, ast.Name) and not isinstance(node.ctx, ast.Load):
            yield node.id
        elif isinstance(node, (ast.FunctionDef, ast.AsyncFunctionDef, ast.ClassDef)):
            yield node.name
        elif isinstance(node, ast.arg):
            yield node.arg
        elif isinstance(node, ast.alias):
            yield (node.asname or node.name).partition(".")[0]
        elif isinstance(node, ast.ExceptHandler) and node.name:
            yield node.name
        elif isinstance(node, (ast.Global, ast.Nonlocal)):
            yield from node.names


def has_yield(function: ast.AST) -> bool:
    """Whether ``function``'s own body (not a nested one) yields."""
    pending = list(ast.iter_child_nodes(function))
    while pending:
        node = pending.pop()
        if isinstance(node, (ast.Yield, ast.YieldFrom)):
            return True
        if not isinstance(node, (ast.FunctionDef, ast.AsyncFunctionDef, ast.Lambda,
                                 ast.ClassDef)):
            pending.extend(ast.iter_child_nodes(node))
    return False


class _LegacyOperands(ast.NodeTransformer):
    """Passes the operands of ``yield from`` and ``await`` through genloop's
    adapters, except in generators a flagging decorator makes coroutines and
    for calls of the module's own functions that need none."""

    def __init__(
        self, decorators: Tuple[Set[str], Set[str]], functions: _ModuleFunctions
    ) -> None:
        self._functions, self._modules = decorators
        self._module_functions = functions
        #: For each enclosing function: whether its 'yield from' is adapted.
        self._adapting: List[bool] = []

    def visit_FunctionDef(self, node: ast.FunctionDef) -> ast.AST:
        return self._visit_function(node, not any(map(self._flags, node.decorator_list)))

    def visit_AsyncFunctionDef(self, node: ast.AsyncFunctionDef) -> ast.AST:
        return self._visit_function(node, False)

    def visit_Lambda(self, node: ast.Lambda) -> ast.AST:
        return self._visit_function(node, True)

    def _visit_function(self, node: ast.AST, adapting: bool) -> ast.AST:
        self._adapting.append(adapting)
        try:
            return self.generic_visit(node)
        finally:
            self._adapting.pop()

    def visit_YieldFrom(self, node: ast.YieldFrom) -> ast.AST:
        self.generic_visit(node)
        if not self._adapting or not self._adapting[-1]:
            return node
        if not self._module_functions.called(node.value, self._module_functions.generators):
            node.value = _call(_DELEGATE, node.value)
        return node

    def visit_Await(self, node: ast.Await) -> ast.AST:
        self.generic_visit(node)
        if not self._module_functions.called(node.value, self._module_functions.coroutines):
            node.value = _call(_AWAITABLE, node.value)
        return node

    def _flags(self, decorator: ast.expr) -> bool:
        if isinstance(decorator, ast.Name):
            return decorator.id in self._functions
        if not isinstance(decorator, ast.Attribute) or decorator.attr != "coroutine":
            return False
        return dotted_name(decorator.value) in self._modules


def dotted_name(node: ast.expr) -> Optional[str]:
    if isinstance(node, ast.Name):
        return node.id
    if isinstance(node, ast.Attribute):
        base = dotted_name(node.value)
        return None if base is None else base + "." + node.attr
    return None


def _call(function: str, argument: ast.expr) -> ast.Call:
    """``function(argument)``, where ``argument`` stood."""
    call = ast.Call(func=ast.Name(id=function, ctx=ast.Load()), args=[argument], keywords=[])
    return ast.copy_location(call, argument)


def _insert_syntax_report(tree: ast.Module, rewrites: List[Rewrite]) -> None:
    """Make the module report ``rewrites`` as it runs, after its docstring
    and ``__future__`` imports."""
    arguments = ast.Tuple(elts=[_constants(rewrite) for rewrite in rewrites], ctx=ast.Load())
    call = ast.Call(
        func=ast.Name(id=_REPORT_SYNTAX, ctx=ast.Load()), args=[arguments], keywords=[]
    )
    line = rewrites[0].line
    statement = ast.Expr(value=call, lineno=line, col_offset=0, end_lineno=line,
                         end_col_offset=0)
    position = 0 if ast.get_docstring(tree, clean=False) is None else 1
    while position < len(tree.body) and _is_future_import(tree.body[position]):
        position += 1
    tree.body.insert(position, statement)


def _constants(values: Tuple[Any, ...]) -> ast.expr:
    return ast.Tuple(elts=[ast.Constant(value=value) for value in values], ctx=ast.Load())


def _is_future_import(node: ast.stmt) -> bool:
    return isinstance(node, ast.ImportFrom) and node.module == "__future__"


def report_legacy_syntax(rewrites: Iterable[Tuple[str, int, int]]) -> None:
    """What a module read by :mod:`~genloop.compat.legacy_syntax` calls as
    it runs: each rewrite is a use of its row, at its line."""
    frame = sys._getframe(1)
    for row, line, _ in rewrites:
        legacy_use_at(row, frame.f_code.co_filename, line, frame.f_globals)


#: The names compiled code refers to, put in a module's globals before it runs.
NAMESPACE: Dict[str, Any] = {_REPORT_SYNTAX: report_legacy_syntax}
