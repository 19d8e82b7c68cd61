"""The legacy constructs a source shows, by row of genloop/compat/rows.py.

One walk of the syntax tree finds them, with the module's imports resolved
(:mod:`genloop.scan.names`: ``loop=`` is a legacy construct on
``asyncio.sleep`` whatever the module calls it, and on nothing else) and
its functions known by name (:mod:`genloop.scan.functions`).  Where a row
depends on what an object is at run time, the scan finds what the source
shows of it:

- a call of the module's own generator function made a task (L10),
  awaited (L12) or tested by ``asyncio.iscoroutine`` (L09), and its own
  decorated one by ``asyncio.iscoroutinefunction`` (L15);
- a literal list (or comprehension) of calls given to ``asyncio.wait``
  (L08), a call given to ``wait_for`` (L36), calls that are known to make
  futures left out;
- ``with (yield from x)`` for any object ``x`` that is no call, and
  ``yield from name`` where the module assigns ``name`` an asyncio lock
  (L06);
- ``yield from call()`` in an undecorated generator of a module that
  imports asyncio, trollius or genloop, unless the call makes a future,
  an iterator or a plain generator of the module (L11, as genloop's
  import hook adapts it);
- every value a legacy coroutine yields, ``yield From()``, ``raise
  Return()``, and ``x = yield call()`` of a coroutine in a generator
  (L13);
- ``except Exception`` and ``except TimeoutError`` around a generator's
  ``yield from`` (L21, L22; an ``async def`` may be written for the Python
  that changed them), and a try that catches both timeouts (L22);
- ``get_event_loop()``, ``Future()`` and ``ensure_future()`` or
  ``gather()`` of a coroutine at module level or in a plain function that
  runs the loop (L26, L27), asyncio's primitives made at import time
  (L31);
- an executor or a task factory the module makes or defines (L29, L32),
  a server the same function closed before ``wait_closed()`` (L35).

``genloop run --report`` finds the rest as the program runs, and
``genloop scan --merge`` puts both together.

The rows no scan finds (:data:`RUNTIME_ONLY`), and why:

- L14 ('yield from future'): it still works on every Python, and a future
  looks like any other operand of ``yield from``;
- L16 (types.coroutine on a generator function): it still works, and it is
  L01's own fix for a generator that must stay one;
- L17 (the 'was never yielded from' debug log): a log record of debug mode
  at run time; the ``CoroWrapper`` class behind it is a moved name, found
  as L19, the row ``genloop run`` reports its uses under;
- L33 (call_soon(generator function), cancel(msg), create_task(name=,
  context=)): constraints on newer APIs, not legacy code.
"""

import ast
import collections
import re
import sys
from typing import (
    DefaultDict, Dict, FrozenSet, Iterable, Iterator, List, NamedTuple, Optional, Set, Tuple, Union
)

from ..compat.functions import LOOP_TAKING_FUNCTIONS
from ..compat.legacy_syntax import Rewrite
from ..compat.primitives import LOCKS, TAKING_LOOP
from ..compat.stdlib import COLLECTIONS_ABC_ALIASES
from ..compat.transform import dotted_name
from .functions import (
    LEGACY, NATIVE, PLAIN, Functions, is_coroutine_decorator, is_legacy_decorator
)
from .names import Imports, asyncio_member, statement_names
from .source import Source

__all__ = ["Finding", "find_constructs", "RUNTIME_ONLY"]

#: The rows no scan finds (the module's docstring says why).
RUNTIME_ONLY = frozenset(["L14", "L16", "L17", "L33"])


class Finding(NamedTuple):
    """A legacy construct of row ``row`` from ``line``, ``column`` (from 0,
    in characters) to ``last_line``."""

    row: str
    line: int
    column: int
    last_line: int


def find_constructs(source: Source) -> List[Finding]:
    """Every legacy construct ``source`` shows, in the order of the source."""
    finder = _Finder(source)
    finder.visit(source.tree)
    finder.add_keyword_names(source.rewrites)
    return sorted(finder.found.values(), key=lambda found: (found.line, found.column, found.row))


def _names_table() -> Dict[str, str]:
    table: Dict[str, str] = {}

    def add(row: str, owners: Iterable[str], members: Iterable[str]) -> None:
        table.update((owner + "." + member, row) for owner in owners for member in members)

    add("L01", ("asyncio", "asyncio.coroutines", "asyncio.tasks"), ["coroutine"])
    add("L02", ("asyncio", "asyncio.tasks"), ["async"])
    add("L04", ("asyncio", "asyncio.queues"), ["JoinableQueue"])
    tasks = ("asyncio.Task", "asyncio.tasks.Task", "genloop.Task", "genloop.tasks.Task")
    add("L07", tasks, ["current_task", "all_tasks"])
    add("L18", ("sys",), ["set_coroutine_wrapper", "get_coroutine_wrapper"])
    add("L19", ("asyncio.futures",), ["CancelledError", "TimeoutError", "InvalidStateError"])
    add("L19", ("asyncio.streams",), ["IncompleteReadError", "LimitOverrunError"])
    add("L19", ("asyncio",), ["selectors", "compat", "test_utils"])
    add("L19", ("asyncio.coroutines",), ["CoroWrapper", "_DEBUG"])
    add("L20", tasks[:2], ["_step", "_wakeup"])
    add("L28", ("asyncio", "asyncio.events", "asyncio.unix_events"), [
        "get_child_watcher", "set_child_watcher", "AbstractChildWatcher", "SafeChildWatcher",
        "FastChildWatcher", "MultiLoopChildWatcher", "ThreadedChildWatcher", "PidfdChildWatcher",
    ])
    add("L34", ("collections",), COLLECTIONS_ABC_ALIASES)
    return table


#: Names each use of which is a legacy construct, with their rows.
_LEGACY_NAMES = _names_table()
#: Modules asyncio dropped (L19): every name in them.
_DROPPED_MODULES = ("asyncio.compat.", "asyncio.test_utils.")

#: The asyncio functions and classes that took loop= (L05).
_TAKING_LOOP = frozenset(LOOP_TAKING_FUNCTIONS + ("JoinableQueue",)) | frozenset(
    cls.__name__ for cls in TAKING_LOOP
)
#: The primitives that, made at import time, are bound to a loop (L31).
_PRIMITIVES = frozenset(cls.__name__ for cls in TAKING_LOOP)
#: The primitives ``yield from`` and ``await`` took (L06).
_LOCKS = frozenset(cls.__name__ for cls in LOCKS)
#: Functions that make futures or tasks, never coroutines.
_FUTURE_MAKERS = frozenset([
    "ensure_future", "async", "create_task", "Task", "Future", "create_future", "gather",
    "shield", "wrap_future", "run_in_executor", "run_coroutine_threadsafe",
])
#: What gives an iterator, which a plain generator delegates to.
_ITERATORS = frozenset([
    "range", "iter", "zip", "map", "filter", "enumerate", "reversed", "sorted", "__iter__",
    "__await__",
])
#: asyncio's functions that make tasks of their awaitables (L10): of each
#: argument ("all"), of each item of the first ("each"), of the first.
_TASK_MAKERS = {
    "ensure_future": "first", "async": "first", "create_task": "first", "Task": "first",
    "wait_for": "first", "shield": "first", "run": "first", "run_coroutine_threadsafe": "first",
    "gather": "all", "wait": "each", "as_completed": "each",
}
#: Loop methods that make a task of their first argument (L10).
_LOOP_TASK_METHODS = frozenset(["create_task", "run_until_complete"])
#: Loop methods whose caller is outside the running loop (L26, L27).
_LOOP_RUNNERS = frozenset(["run_until_complete", "run_forever"])
#: asyncio's functions that make the loop when none runs and they are given
#: a coroutine (L27; ``Future()`` always does).
_IMPLICIT_LOOP = {"ensure_future": "first", "async": "first", "gather": "all"}
#: What makes a Server (L35).
_SERVER_MAKERS = frozenset(["start_server", "start_unix_server", "create_server",
                            "create_unix_server"])
#: trollius's ``yield From(x)`` and ``raise Return(v)`` (L13), as genloop serves them too.
_FROM = frozenset(["trollius.From", "genloop.From"])
_RETURN = frozenset(["trollius.Return", "genloop.Return", "tornado.gen.Return"])
_ASYNCIO_TIMEOUTS = frozenset([
    "asyncio.TimeoutError", "asyncio.futures.TimeoutError", "asyncio.exceptions.TimeoutError",
    "asyncio.tasks.TimeoutError",
])
_TASK_CLASSES = frozenset(["asyncio.Task", "asyncio.tasks.Task"])
#: Modules whose code has coroutines that a helper generator delegates to.
_COROUTINE_MODULES = frozenset(["asyncio", "trollius", "genloop"])
_DEFINITIONS = (ast.FunctionDef, ast.AsyncFunctionDef, ast.ClassDef)
#: Nodes whose body is a scope of its own.
_SCOPES = _DEFINITIONS + (ast.Lambda,)
#: Up to 3.7 a decorated definition starts at its first decorator.
_AT_FIRST_DECORATOR = sys.version_info < (3, 8)
_DEFINITION_START = re.compile(r"(\s*)(?:async\s+)?(?:def|class)\s")
#: The name before ``.async`` in ``asyncio.async``.
_OWNER = re.compile(r"([^\W\d]\w*)\s*\.\s*$")


def _legacy_name(name: str) -> Optional[str]:
    row = _LEGACY_NAMES.get(name)
    if row is None and name.startswith(_DROPPED_MODULES):
        return "L19"
    return row


class _Scope(NamedTuple):
    """Where code runs: the module's or a class's body, or a function.  A
    function that yields is a generator (unless it is ``native``): its
    yields tell, as they are walked."""

    kind: str  # "module", "class" or "function"
    node: ast.AST
    #: An ``async def`` function.
    native: bool = False
    #: Decorated as a legacy coroutine: the Task takes whatever it yields (L13).
    legacy: bool = False
    #: Decorated by some library's ``coroutine``: no plain helper (L11).
    decorated: bool = False

    def in_generator(self) -> bool:
        """Whether a ``yield`` here makes a generator (function)."""
        return self.kind == "function" and not self.native


class _Finder(ast.NodeVisitor):
    """The walk: each ``visit_`` method checks the rows its node may be."""

    def __init__(self, source: Source) -> None:
        self._lines = source.lines
        nodes = list(ast.walk(source.tree))
        self._imports = Imports(source.tree, nodes)
        self._functions = Functions(source.tree, self._imports)
        assigned = _assigned_calls(nodes)
        self._locks = frozenset(
            name for name, calls in assigned.items()
            if any(self._member(call) in _LOCKS for call in calls)
        )
        self._servers = _followed(frozenset(
            name for name, calls in assigned.items()
            if any(_callee(call) in _SERVER_MAKERS for call in calls)
        ), _assigned_names(nodes))
        self._assigned = assigned
        self._has_coroutines = self._imports.imports_any(_COROUTINE_MODULES)
        self._scopes = [_Scope("module", source.tree)]
        #: The ids of the yields that are statements (their value unused).
        self._statement_yields: Set[int] = set()
        self.found: Dict[Tuple[str, int, int], Finding] = {}

    # Where each finding is.

    def _add(self, row: str, node: ast.AST) -> None:
        line: int = getattr(node, "lineno")
        column = _characters(self._lines, line, getattr(node, "col_offset"))
        if isinstance(node, _DEFINITIONS) and node.decorator_list and _AT_FIRST_DECORATOR:
            line, column = self._definition_start(line, column)
        self._add_at(row, line, column, _last_line(node) if isinstance(node, ast.expr) else line)

    def _definition_start(self, line: int, column: int) -> Tuple[int, int]:
        """Where 3.8 and later say a decorated definition starts: at its
        ``def`` or ``class``, after the decorators."""
        for index in range(line - 1, len(self._lines)):
            start = _DEFINITION_START.match(self._lines[index])
            if start is not None:
                return index + 1, start.end(1)
        return line, column

    def _add_at(self, row: str, line: int, column: int, last_line: int) -> None:
        self.found.setdefault((row, line, column), Finding(row, line, column, last_line))

    def add_keyword_names(self, rewrites: List[Rewrite]) -> None:
        """Rows L02 and L03 from the places where legacy_syntax read
        ``async`` or ``await`` as a name: ``X.async`` with ``X`` the
        asyncio module, under any name, is L02 at ``X``; an L03 on a line
        with an L02 is that L02's name."""
        names = []
        for rewrite in rewrites:
            text = self._lines[rewrite.line - 1] if rewrite.line <= len(self._lines) else ""
            owner = _OWNER.search(text[:rewrite.column])
            if owner is not None and (
                rewrite.row == "L02" or "asyncio" in self._imports.of_name(owner.group(1))
            ):
                self._add_at("L02", rewrite.line, owner.start(1), rewrite.line)
            else:
                names.append(rewrite)
        asyncio_async = set(found.line for found in self.found.values() if found.row == "L02")
        for rewrite in names:
            if rewrite.line not in asyncio_async:
                self._add_at(rewrite.row, rewrite.line, rewrite.column, rewrite.line)

    # Scopes.

    def _within(self, scope: _Scope, body: Iterable[ast.AST]) -> None:
        self._scopes.append(scope)
        for node in body:
            self.visit(node)
        self._scopes.pop()

    def _kind(self, node: Optional[ast.expr]) -> Optional[str]:
        """What ``node`` is, if it calls one of the module's functions, or
        names what the module only ever assigns such calls to."""
        scopes = [scope.node for scope in self._scopes]
        if node is None or isinstance(node, ast.Call):
            return self._functions.kind_of_call(node, scopes)
        calls = self._assigned.get(dotted_name(node) or "", [])
        kinds = set(self._functions.kind_of_call(call, scopes) for call in calls)
        return kinds.pop() if len(kinds) == 1 else None

    def _member(self, call: ast.Call) -> Optional[str]:
        return asyncio_member(self._imports.qualified(call.func))

    def _outside_loop(self) -> bool:
        """Whether code runs outside the running loop: at import time, or
        in a plain function that runs the loop."""
        scope = self._scopes[-1]
        if scope.kind != "function":
            return True
        function = scope.node
        return (
            isinstance(function, ast.FunctionDef)
            and not self._functions.yields(function)
            and _runs_loop(function)
        )

    def _at_import_time(self) -> bool:
        return all(scope.kind != "function" for scope in self._scopes)

    def visit_FunctionDef(self, node: ast.FunctionDef) -> None:
        self._function(node)

    def visit_AsyncFunctionDef(self, node: ast.AsyncFunctionDef) -> None:
        self._function(node)

    def _function(self, node: Union[ast.FunctionDef, ast.AsyncFunctionDef]) -> None:
        for decorator in node.decorator_list:
            self.visit(decorator)
        self.visit(node.args)
        if node.returns is not None:
            self.visit(node.returns)
        native = isinstance(node, ast.AsyncFunctionDef)
        legacy = any(is_legacy_decorator(self._imports, item) for item in node.decorator_list)
        if node.name == "__aiter__" and (native or legacy):
            self._add("L23", node)
        if node.name in ("_step", "_wakeup") and self._in_task_subclass():
            self._add("L20", node)
        scope = _Scope(
            "function",
            node,
            native=native,
            legacy=legacy,
            decorated=any(map(is_coroutine_decorator, node.decorator_list)),
        )
        self._within(scope, node.body)

    def _in_task_subclass(self) -> bool:
        scope = self._scopes[-1]
        return isinstance(scope.node, ast.ClassDef) and any(
            name in _TASK_CLASSES
            for base in scope.node.bases
            for name in self._imports.qualified(base)
        )

    def visit_Lambda(self, node: ast.Lambda) -> None:
        self.visit(node.args)
        self._within(_Scope("function", node), [node.body])

    def visit_ClassDef(self, node: ast.ClassDef) -> None:
        for outer in node.decorator_list + node.bases + [item.value for item in node.keywords]:
            self.visit(outer)
        self._within(_Scope("class", node), node.body)

    # Names: L01, L02, L04, L07, L18, L19, L20, L28, L34.

    def visit_Import(self, node: ast.Import) -> None:
        self._import(node)

    def visit_ImportFrom(self, node: ast.ImportFrom) -> None:
        self._import(node)

    def _import(self, node: ast.stmt) -> None:
        for name in statement_names(node):
            row = _legacy_name(name)
            if row is not None:
                self._add(row, node)

    def visit_Name(self, node: ast.Name) -> None:
        if isinstance(node.ctx, ast.Load):
            self._reference(node)

    def visit_Attribute(self, node: ast.Attribute) -> None:
        self._reference(node)
        self.generic_visit(node)

    def _reference(self, node: ast.expr) -> None:
        for name in self._imports.qualified(node):
            row = _legacy_name(name)
            if row is not None:
                self._add(row, node)

    # Calls.

    def visit_Call(self, node: ast.Call) -> None:
        member = self._member(node)
        if member is not None:
            self._asyncio_call(node, member)
        if isinstance(node.func, ast.Attribute):
            self._method_call(node, node.func)
        if self._imports.is_builtin(node.func, "getattr") and len(node.args) >= 2:
            owner, name = node.args[:2]
            if "asyncio" in self._imports.qualified(owner) and _string(name) == "async":
                self._add("L02", node)
        self.generic_visit(node)

    def _asyncio_call(self, node: ast.Call, member: str) -> None:
        keywords = set(keyword.arg for keyword in node.keywords)
        first = _first_argument(node)
        if member in _TAKING_LOOP and "loop" in keywords:
            self._add("L05", node)
        if member == "wait" and any(map(_is_coroutine_call, _items(first))):
            self._add("L08", node)
        if member in _TASK_MAKERS and any(
            self._kind(awaitable) == PLAIN for awaitable in _awaitables(node, _TASK_MAKERS[member])
        ):
            self._add("L10", node)
        if member == "iscoroutine" and self._kind(first) in (PLAIN, LEGACY):
            self._add("L09", node)
        if member == "iscoroutinefunction" and isinstance(first, ast.Name):
            if self._functions.module.kind.get(first.id) == LEGACY:
                self._add("L15", node)
        if member == "get_event_loop" and self._outside_loop():
            self._add("L26", node)
        if "loop" not in keywords and self._outside_loop() and (
            member == "Future"
            or any(map(_is_coroutine_call, _awaitables(node, _IMPLICIT_LOOP.get(member, ""))))
        ):
            self._add("L27", node)
        if member in _PRIMITIVES and self._at_import_time():
            self._add("L31", node)
        if member == "wait_for" and _is_coroutine_call(first) and len(node.args) >= 2:
            if not _is_constant(node.args[1], (None,)):
                self._add("L36", node)

    def _method_call(self, node: ast.Call, function: ast.Attribute) -> None:
        method = function.attr
        first = _first_argument(node)
        if method in _LOOP_TASK_METHODS and self._kind(first) == PLAIN:
            self._add("L10", node)
        if method == "throw" and len(node.args) >= 2 and not _has_starred(node.args):
            self._add("L25", node)
        if method == "set_default_executor" and first is not None:
            if self._not_a_thread_pool(first):
                self._add("L29", node)
        if method == "create_datagram_endpoint" and any(
            keyword.arg == "reuse_address" and not _is_constant(keyword.value, (None, False))
            for keyword in node.keywords
        ):
            self._add("L30", node)
        if method == "set_task_factory" and first is not None:
            if self._takes_no_keywords(first):
                self._add("L32", node)
        if method == "wait_closed" and self._server_closed_before(node, function.value):
            self._add("L35", node)

    def _not_a_thread_pool(self, executor: ast.expr) -> bool:
        made_by = (
            [executor] if isinstance(executor, ast.Call)
            else self._assigned.get(dotted_name(executor) or "", [])
        )
        return bool(made_by) and not any(map(self._is_thread_pool, made_by))

    def _is_thread_pool(self, call: ast.Call) -> bool:
        name = dotted_name(call.func) or ""
        cls = self._functions.classes.get(name)
        bases = [dotted_name(base) or "" for base in cls.bases] if cls is not None else []
        return any(each.endswith("ThreadPoolExecutor") for each in [name] + bases)

    def _takes_no_keywords(self, factory: ast.expr) -> bool:
        if isinstance(factory, ast.Lambda):
            return factory.args.kwarg is None
        if isinstance(factory, ast.Name):
            definition = self._functions.module.definitions.get(factory.id)
            return definition is not None and definition.args.kwarg is None
        return False

    def _server_closed_before(self, node: ast.Call, receiver: ast.expr) -> bool:
        """L35: ``server.wait_closed()`` after ``server.close()`` in the same
        function, ``server`` a Server."""
        server = dotted_name(receiver)
        if server is None or server not in self._servers:
            return False
        return any(
            isinstance(other, ast.Call)
            and isinstance(other.func, ast.Attribute)
            and other.func.attr == "close"
            and dotted_name(other.func.value) == server
            and other.lineno <= node.lineno
            for other in _own_nodes(ast.iter_child_nodes(self._scopes[-1].node))
        )

    # Yields, awaits and with: L06, L11, L12, L13.

    def visit_Expr(self, node: ast.Expr) -> None:
        if isinstance(node.value, ast.Yield):
            self._statement_yields.add(id(node.value))
        self.generic_visit(node)

    def visit_Yield(self, node: ast.Yield) -> None:
        scope = self._scopes[-1]
        if node.value is not None and scope.in_generator() and (
            self._is_from(node.value)
            or scope.legacy
            or (
                self._has_coroutines
                and id(node) not in self._statement_yields
                and self._is_request(node.value)
            )
        ):
            self._add("L13", node)
        self.generic_visit(node)

    def _is_from(self, node: ast.expr) -> bool:
        return isinstance(node, ast.Call) and any(
            name in _FROM for name in self._imports.qualified(node.func)
        )

    def _is_request(self, node: ast.expr) -> bool:
        """Whether a generator yields ``node`` to its Task, tornado style:
        a call of a coroutine function, or a collection of them."""
        if isinstance(node, (ast.List, ast.Tuple, ast.Set)):
            return any(map(self._is_request, node.elts))
        if isinstance(node, ast.Dict):
            return any(map(self._is_request, node.values))
        if isinstance(node, (ast.ListComp, ast.SetComp, ast.GeneratorExp)):
            return self._is_request(node.elt)
        return isinstance(node, ast.Call) and (
            self._kind(node) in (LEGACY, NATIVE) or self._member(node) is not None
        )

    def visit_YieldFrom(self, node: ast.YieldFrom) -> None:
        operand = node.value
        if dotted_name(operand) in self._locks:
            self._add("L06", node)
        scope = self._scopes[-1]
        if (
            scope.in_generator()
            and not scope.decorated
            and self._has_coroutines
            and isinstance(operand, ast.Call)
            and self._kind(operand) != PLAIN
            and _callee(operand) not in _FUTURE_MAKERS | _ITERATORS
        ):
            self._add("L11", node)
        self.generic_visit(node)

    def visit_Await(self, node: ast.Await) -> None:
        if dotted_name(node.value) in self._locks:
            self._add("L06", node)
        if self._kind(node.value) == PLAIN:
            self._add("L12", node)
        self.generic_visit(node)

    def visit_With(self, node: ast.With) -> None:
        self._with(node)

    def visit_AsyncWith(self, node: ast.AsyncWith) -> None:
        self._with(node)

    def _with(self, node: Union[ast.With, ast.AsyncWith]) -> None:
        for item in node.items:
            if self._takes_a_lock(item.context_expr):
                self._add("L06", item.context_expr)
        self.generic_visit(node)

    def _takes_a_lock(self, node: ast.expr) -> bool:
        """``(yield from lock)``, ``(await lock)``, ``(yield From(lock))``:
        a context manager that an object (no call) gives."""
        if isinstance(node, (ast.YieldFrom, ast.Await)):
            return not isinstance(node.value, ast.Call)
        if isinstance(node, ast.Yield) and isinstance(node.value, ast.Call):
            taken = _first_argument(node.value)
            return self._is_from(node.value) and taken is not None and not isinstance(
                taken, ast.Call
            )
        return False

    # Raise and try: L13, L21, L22, L24.

    def visit_Raise(self, node: ast.Raise) -> None:
        scope = self._scopes[-1]
        if node.exc is not None:
            raised = node.exc.func if isinstance(node.exc, ast.Call) else node.exc
            if any(name in _RETURN for name in self._imports.qualified(raised)):
                self._add("L13", node)
            if (
                isinstance(scope.node, ast.FunctionDef)
                and self._imports.is_builtin(raised, "StopIteration")
                and self._functions.yields(scope.node)
            ):
                self._add("L24", node)
        self.generic_visit(node)

    def visit_Try(self, node: ast.Try) -> None:
        self._try(node)

    def visit_TryStar(self, node: "ast.TryStar") -> None:
        self._try(node)

    def _try(self, node: Union[ast.Try, "ast.TryStar"]) -> None:
        # In a generator the code is legacy by construction; an 'async def'
        # may be written for the Python that changed the exceptions.
        legacy_wait = self._scopes[-1].in_generator() and any(
            isinstance(each, ast.YieldFrom) for each in _own_nodes(node.body)
        )
        if legacy_wait:
            self._cancellation_caught(node)
        self._timeouts(node, legacy_wait)
        self.generic_visit(node)

    def _cancellation_caught(self, node: Union[ast.Try, "ast.TryStar"]) -> None:
        """L21: the first handler that caught CancelledError up to 3.7 is an
        ``except Exception``."""
        for handler in node.handlers:
            caught = _caught(handler)
            names = [dotted_name(each) or "" for each in caught]
            if handler.type is None or any(name.endswith("CancelledError") for name in names):
                return
            if any(self._imports.is_builtin(each, "Exception") for each in caught):
                self._add("L21", handler)
                return

    def _timeouts(self, node: Union[ast.Try, "ast.TryStar"], legacy_wait: bool) -> None:
        """L22: ``except TimeoutError`` (the builtin) around a generator's
        ``yield from``, or in the same try as ``except asyncio.TimeoutError``:
        from 3.11 both catch the same."""
        builtin: Optional[ast.ExceptHandler] = None
        asyncio_timeout = False
        for handler in node.handlers:
            for each in _caught(handler):
                names = self._imports.qualified(each)
                if builtin is None and (
                    self._imports.is_builtin(each, "TimeoutError") or "socket.timeout" in names
                ):
                    builtin = handler
                asyncio_timeout |= any(name in _ASYNCIO_TIMEOUTS for name in names)
        if builtin is not None and (legacy_wait or asyncio_timeout):
            self._add("L22", builtin)


def _last_line(node: ast.AST) -> int:
    """The last line of an expression (up to 3.7, the last line of a node
    in it)."""
    end: Optional[int] = getattr(node, "end_lineno", None)
    return end or max(getattr(each, "lineno", 0) for each in ast.walk(node))


def _characters(lines: List[str], line: int, offset: int) -> int:
    """A syntax tree's column (UTF-8 bytes) in characters."""
    text = lines[line - 1] if 0 < line <= len(lines) else ""
    return len(text.encode("utf-8")[:offset].decode("utf-8", "ignore"))


def _own_nodes(nodes: Iterable[ast.AST]) -> Iterator[ast.AST]:
    """``nodes`` and what they hold, not looking into nested scopes."""
    for node in nodes:
        yield node
        if not isinstance(node, _SCOPES):
            yield from _own_nodes(ast.iter_child_nodes(node))


def _runs_loop(function: ast.AST) -> bool:
    return any(
        isinstance(node, ast.Call) and _callee(node) in _LOOP_RUNNERS
        for node in _own_nodes(ast.iter_child_nodes(function))
    )


def _assigned_calls(nodes: List[ast.AST]) -> DefaultDict[str, List[ast.Call]]:
    """For each name or attribute (``lock``, ``self.lock``), the calls
    whose results the module (``nodes``, all of its nodes) assigns to it."""
    found: DefaultDict[str, List[ast.Call]] = collections.defaultdict(list)
    for node in nodes:
        if isinstance(node, ast.Assign):
            targets, value = node.targets, node.value
        elif isinstance(node, ast.AnnAssign) and node.value is not None:
            targets, value = [node.target], node.value
        else:
            continue
        call = _made_by(value)
        if call is None:
            continue
        for target in targets:
            name = dotted_name(target)
            if name is not None:
                found[name].append(call)
    return found


def _assigned_names(nodes: List[ast.AST]) -> DefaultDict[str, Set[str]]:
    """For each name or attribute, the names whose value the module assigns
    to it, through the same steps as :func:`_made_by` (``server =
    loop.run_until_complete(making)``, ``making`` a ``start_server()``)."""
    found: DefaultDict[str, Set[str]] = collections.defaultdict(set)
    for node in nodes:
        if not isinstance(node, ast.Assign):
            continue
        value = node.value
        while True:
            if isinstance(value, (ast.Await, ast.YieldFrom)) and value.value is not None:
                value = value.value
            elif isinstance(value, ast.Call) and _callee(value) == "run_until_complete" and (
                value.args
            ):
                value = value.args[0]
            else:
                break
        source = dotted_name(value)
        if source is None or isinstance(value, ast.Call):
            continue
        for target in node.targets:
            name = dotted_name(target)
            if name is not None:
                found[name].add(source)
    return found


def _followed(names: FrozenSet[str], sources: DefaultDict[str, Set[str]]) -> FrozenSet[str]:
    """``names`` and every name assigned from one of them, however far."""
    found = set(names)
    while True:
        more = {name for name, assigned in sources.items() if assigned & found} - found
        if not more:
            return frozenset(found)
        found |= more


def _made_by(value: ast.expr) -> Optional[ast.Call]:
    """The call whose result ``value`` is, through ``yield from``,
    ``await``, ``yield From()`` and ``loop.run_until_complete()``."""
    while True:
        if isinstance(value, (ast.Await, ast.YieldFrom, ast.Yield)) and value.value is not None:
            value = value.value
        elif isinstance(value, ast.Call) and _callee(value) in ("run_until_complete", "From"):
            if not value.args:
                return None
            value = value.args[0]
        else:
            return value if isinstance(value, ast.Call) else None


def _callee(call: ast.expr) -> Optional[str]:
    """The last name of what ``call`` calls."""
    if not isinstance(call, ast.Call):
        return None
    if isinstance(call.func, ast.Attribute):
        return call.func.attr
    if isinstance(call.func, ast.Name):
        return call.func.id
    return None


def _first_argument(call: ast.Call) -> Optional[ast.expr]:
    if call.args and not isinstance(call.args[0], ast.Starred):
        return call.args[0]
    return None


def _has_starred(arguments: List[ast.expr]) -> bool:
    return any(isinstance(argument, ast.Starred) for argument in arguments)


def _items(node: Optional[ast.expr]) -> List[ast.expr]:
    """What a literal collection, or a comprehension, holds."""
    if isinstance(node, (ast.List, ast.Tuple, ast.Set)):
        items: List[ast.expr] = []
        for element in node.elts:
            items += _items(element.value) if isinstance(element, ast.Starred) else [element]
        return items
    if isinstance(node, (ast.ListComp, ast.SetComp, ast.GeneratorExp)):
        return [node.elt]
    return []


def _awaitables(call: ast.Call, which: str) -> List[ast.expr]:
    """The awaitables a call is given: ``which`` is as in _TASK_MAKERS
    (none for another word)."""
    if which == "all":
        found: List[ast.expr] = []
        for argument in call.args:
            found += _items(argument.value) if isinstance(argument, ast.Starred) else [argument]
        return found
    first = _first_argument(call)
    if which == "each":
        return _items(first)
    return [first] if first is not None and which == "first" else []


def _is_coroutine_call(node: Optional[ast.expr]) -> bool:
    """Whether ``node`` is a call that is not known to make a future."""
    return isinstance(node, ast.Call) and _callee(node) not in _FUTURE_MAKERS


def _caught(handler: ast.ExceptHandler) -> List[ast.expr]:
    """The exception classes an ``except`` clause names."""
    if handler.type is None:
        return []
    if isinstance(handler.type, ast.Tuple):
        return list(handler.type.elts)
    return [handler.type]


def _constant(node: ast.expr) -> Tuple[bool, object]:
    """Whether ``node`` is a literal, and its value (the node types of
    3.6 and 3.7 included)."""
    kind = type(node).__name__
    if kind in ("Constant", "NameConstant"):
        return True, getattr(node, "value")
    if kind in ("Num", "Str"):
        return True, getattr(node, kind[0].lower())
    return False, None


def _is_constant(node: ast.expr, values: Tuple[object, ...]) -> bool:
    known, value = _constant(node)
    return known and any(value is each for each in values)


def _string(node: ast.expr) -> Optional[str]:
    known, value = _constant(node)
    return value if known and isinstance(value, str) else None
