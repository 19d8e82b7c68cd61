"""What one module tells the call graph (:mod:`genloop.migrate.graph`):
its functions, what each one's yields delegate to, and how the module uses
the functions it calls.

For each ``def`` it records its kind (``async def``, a generator under a
coroutine decorator, an undecorated generator...), the constructs no
rewrite can carry over (why, and where), and the calls its ``yield from``,
``yield From(...)``, tornado-style ``yield sub()`` and ``await`` delegate
to, as absolute qualified names (:mod:`genloop.migrate.names`).  For each
call elsewhere it records the uses that decide what a generator is: iterated
as a plain generator (``for x in gen()``, ``list(gen())``, ``gen().send``)
or run as a coroutine (``ensure_future(gen())``, ``loop.create_task``,
``asyncio.wait([gen()])``...).
"""

from typing import List, NamedTuple, Optional, Set

import libcst as cst
from libcst.metadata import (
    ParentNodeProvider,
    PositionProvider,
    QualifiedNameProvider,
    ScopeProvider,
)

from ..compat.primitives import LOCKS
from .names import (
    COROUTINE_DECORATORS,
    FLAGGING_DECORATORS,
    FROM,
    HARMLESS_DECORATORS,
    RETURN,
    STOP_ITERATION,
    Resolver,
    asyncio_api,
    bound_values,
)
from .report import Left
from .yields import (
    FROM_YIELD, VALUE_YIELD, IsFrom, delegation, plain_value, unsupported, without_from,
)

__all__ = [
    "Where", "Function", "Edge", "Use", "ModuleFacts", "collect",
    "ASYNC", "DECORATED", "FLAGGED", "PLAIN", "OTHER", "ORDINARY",
    "FROM_YIELD", "VALUE_YIELD", "AWAIT", "ITERATED", "RUN",
]

# The kinds of function.
ASYNC = "async def"
DECORATED = "decorated coroutine"
FLAGGED = "types.coroutine generator"
PLAIN = "undecorated generator"
OTHER = "generator under another decorator"
ORDINARY = "function"

#: A delegation by ``await`` (the other two are in :mod:`.yields`).
AWAIT = "await"
# The uses of a call that decide what a generator is.
ITERATED = "iterated"
RUN = "run as a coroutine"

#: Builtins that iterate their argument.
_ITERATING = frozenset(
    "builtins." + name for name in (
        "list", "tuple", "set", "frozenset", "sorted", "next", "iter", "enumerate", "zip",
        "map", "filter", "sum", "min", "max", "any", "all", "dict", "reversed",
    )
)
#: Generator methods that drive it as a plain generator.
_DRIVING = frozenset(["send", "throw", "close", "__next__"])
#: asyncio APIs that run a coroutine given to them.
_RUNNING = frozenset([
    "ensure_future", "async", "create_task", "Task", "gather", "wait", "wait_for", "shield",
    "as_completed", "run", "run_coroutine_threadsafe",
])
#: Loop methods that run a coroutine given to them, whatever the loop's name.
_LOOP_RUNNING = frozenset(["create_task", "run_until_complete", "ensure_future"])
#: The primitives that ``yield from`` acquired (row L06).
_LOCKS = frozenset(cls.__name__ for cls in LOCKS)
#: Exceptions whose handler would catch a ``raise Return(v)``.
_CATCHING = frozenset(["builtins.Exception", "builtins.BaseException", STOP_ITERATION]) | RETURN


class Where(NamedTuple):
    path: str
    line: int


class Function(object):
    """One ``def``: what it is, and what stands in the way of rewriting it."""

    def __init__(self, where: Where, module: str, name: str, qualified: str, kind: str,
                 parameters: Set[str]) -> None:
        self.where = where
        self.module = module
        self.name = name
        self.qualified = qualified
        self.kind = kind
        self.parameters = parameters
        self.generator = False
        #: Constructs that no rewrite carries over: (line, why).
        self.problems: List[Left] = []
        #: Lines of tornado-style yields of plain values.
        self.plain_values: List[int] = []
        #: Lines of ``return <expression>`` (what a decorated plain function's
        #: decorator awaited).
        self.value_returns: List[int] = []
        #: Calls its ``yield from`` delegates to that resolve nowhere.
        self.unresolved: List[str] = []
        #: Whether the name is bound once in its scope (calls reach this def).
        self.bound_once = True

    def problem(self, line: int, why: str) -> None:
        self.problems.append(Left(self.where.path, line, "L01", self.name + "()", why))


class Edge(NamedTuple):
    """``caller`` delegates to ``target`` (a qualified name) by ``how``."""

    caller: Function
    target: str
    how: str
    line: int


class Use(NamedTuple):
    target: str
    how: str
    where: Where


class ModuleFacts(object):
    def __init__(self, path: str) -> None:
        self.path = path
        self.functions: List[Function] = []
        self.edges: List[Edge] = []
        self.uses: List[Use] = []
        #: Constructs of the module that no rewrite carries over.
        self.left: List[Left] = []


def collect(wrapper: cst.MetadataWrapper, path: str, resolver: Resolver) -> ModuleFacts:
    collector = _Collector(path, resolver)
    wrapper.visit(collector)
    return collector.facts


class _Collector(cst.CSTVisitor):
    METADATA_DEPENDENCIES = (
        PositionProvider, QualifiedNameProvider, ParentNodeProvider, ScopeProvider
    )

    def __init__(self, path: str, resolver: Resolver) -> None:
        super().__init__()
        self.facts = ModuleFacts(path)
        self._resolver = resolver
        #: The enclosing functions, innermost last (None for a lambda).
        self._functions: List[Optional[Function]] = []

    # Where things are.

    def _line(self, node: cst.CSTNode) -> int:
        return self.get_metadata(PositionProvider, node).start.line

    def _qualified(self, node: cst.CSTNode) -> Optional[str]:
        return self._resolver.qualified(
            lambda n: self.get_metadata(QualifiedNameProvider, n, None), node
        )

    def _parent(self, node: cst.CSTNode) -> Optional[cst.CSTNode]:
        return self.get_metadata(ParentNodeProvider, node, None)

    def _current(self) -> Optional[Function]:
        return self._functions[-1] if self._functions else None

    # Functions.

    def visit_FunctionDef(self, node: cst.FunctionDef) -> None:
        qualified = self._qualified(node.name) or node.name.value
        decorators = [self._qualified(d.decorator) or "?" for d in node.decorators]
        kind = ASYNC if node.asynchronous else _kind(decorators)
        parameters = {
            self._resolver.unhidden(param.name.value) for param in _parameters(node.params)
        }
        function = Function(
            Where(self.facts.path, self._line(node)), self._resolver.module,
            self._resolver.local(qualified), qualified, kind, parameters,
        )
        scope = self.get_metadata(ScopeProvider, node, None)
        if scope is not None and len(scope.assignments[node.name.value]) != 1:
            function.bound_once = False
        if kind == DECORATED:
            for decorator, name in zip(node.decorators, decorators):
                if name not in COROUTINE_DECORATORS | HARMLESS_DECORATORS:
                    function.problem(
                        self._line(decorator),
                        "also decorated with {}, which migrate does not know".format(
                            cst.Module([]).code_for_node(decorator.decorator)
                        ),
                    )
        self.facts.functions.append(function)
        self._functions.append(function)

    def leave_FunctionDef(self, original_node: cst.FunctionDef) -> None:
        function = self._functions.pop()
        assert function is not None
        if function.kind == OTHER and not function.generator:
            function.kind = ORDINARY
        elif function.kind == PLAIN and not function.generator:
            function.kind = ORDINARY
        elif function.kind == DECORATED and not function.generator:
            for line in function.value_returns:
                function.problem(
                    line,
                    "not a generator: its decorator awaited what it returns, which "
                    "'async def' would not",
                )

    def visit_Lambda(self, node: cst.Lambda) -> None:
        self._functions.append(None)

    def leave_Lambda(self, original_node: cst.Lambda) -> None:
        self._functions.pop()

    def visit_Return(self, node: cst.Return) -> None:
        function = self._current()
        if function is not None and node.value is not None and not plain_value(node.value):
            function.value_returns.append(self._line(node))

    # What yields delegate to.

    def visit_Yield(self, node: cst.Yield) -> None:
        function = self._current()
        if function is None:
            return
        function.generator = True
        how, operand = delegation(node, self._is_from)
        line = self._line(node)
        if how == FROM_YIELD and self._is_lock(operand) and not isinstance(
            self._parent(node), cst.WithItem
        ):
            function.problem(
                line,
                "'yield from lock' outside 'with' gives a context manager that no await "
                "gives: use 'await lock.acquire()' and 'lock.release()'",
            )
        if how == VALUE_YIELD:
            values = self._bound_values(operand) or ([operand] if operand is not None else [])
            if any(plain_value(value) for value in values):
                function.plain_values.append(line)
            reason = unsupported(operand)
            if reason is not None:
                function.problem(line, reason)
        for call in _calls(operand, self._is_from):
            self._delegates(function, call, how, line)

    def _bound_values(self, operand: Optional[cst.BaseExpression]
                      ) -> Optional[List[cst.BaseExpression]]:
        if not isinstance(operand, cst.Name):
            return None
        return bound_values(
            lambda n: self.get_metadata(ScopeProvider, n, None), self._parent, operand
        )

    def _is_lock(self, operand: Optional[cst.BaseExpression]) -> bool:
        """Whether ``operand`` is a name bound to an asyncio lock."""
        return any(
            isinstance(value, cst.Call) and asyncio_api(self._qualified(value.func)) in _LOCKS
            for value in self._bound_values(operand) or ()
        )

    def visit_Await(self, node: cst.Await) -> None:
        function = self._current()
        if function is not None and isinstance(node.expression, cst.Call):
            self._delegates(function, node.expression, AWAIT, self._line(node))

    def _is_from(self, call: cst.Call) -> bool:
        return self._qualified(call.func) in FROM

    def _delegates(self, function: Function, call: cst.Call, how: str, line: int) -> None:
        target = self._qualified(call.func)
        if target is None:
            if how == FROM_YIELD and not isinstance(call.func, cst.Attribute):
                function.unresolved.append(cst.Module([]).code_for_node(call.func) + "()")
            return
        self.facts.edges.append(Edge(function, target, how, line))

    def visit_With(self, node: cst.With) -> None:
        function = self._current()
        waits = [item for item in node.items if isinstance(item.item, (cst.Yield, cst.Await))]
        if function is not None and waits and len(node.items) > 1:
            function.problem(
                self._line(node),
                "'with' mixes a (yield from ...) with other context managers",
            )

    def visit_Raise(self, node: cst.Raise) -> None:
        function = self._current()
        if function is None or node.exc is None:
            return
        raised = node.exc.func if isinstance(node.exc, cst.Call) else node.exc
        if self._qualified(raised) not in RETURN | {STOP_ITERATION}:
            return
        if self._caught(node):
            function.problem(
                self._line(node),
                "raises {} inside a try whose handler would catch it".format(
                    cst.Module([]).code_for_node(raised)
                ),
            )

    def _caught(self, node: cst.CSTNode) -> bool:
        """Whether a handler of an enclosing ``try`` (in the same function)
        catches what ``node`` raises."""
        child, parent = node, self._parent(node)
        while parent is not None and not isinstance(parent, (cst.FunctionDef, cst.Lambda)):
            if isinstance(parent, cst.Try) and child is parent.body:
                for handler in parent.handlers:
                    if handler.type is None or any(
                        self._qualified(caught) in _CATCHING for caught in _types(handler.type)
                    ):
                        return True
            child, parent = parent, self._parent(parent)
        return False

    # How calls are used.

    def visit_Call(self, node: cst.Call) -> None:
        target = self._qualified(node.func)
        if target is None:
            return
        if target in COROUTINE_DECORATORS:
            self.facts.left.append(Left(
                self.facts.path, self._line(node), "L01", target + "(...)",
                "called, not a decorator: make what it wraps an 'async def' by hand",
            ))
            return
        how = self._use(node)
        if how is not None:
            self.facts.uses.append(Use(target, how, Where(self.facts.path, self._line(node))))

    def _use(self, call: cst.Call) -> Optional[str]:
        parent = self._parent(call)
        if isinstance(parent, (cst.For, cst.CompFor)) and parent.iter is call:
            return ITERATED
        if isinstance(parent, cst.Attribute) and parent.attr.value in _DRIVING:
            return ITERATED
        if isinstance(parent, cst.Element):
            display = self._parent(parent)
            parent = self._parent(display) if isinstance(display, (cst.List, cst.Tuple)) else None
        if not isinstance(parent, cst.Arg):
            return None
        outer = self._parent(parent)
        if not isinstance(outer, cst.Call):
            return None
        name = self._qualified(outer.func)
        if name in _ITERATING and parent.value is call:
            return ITERATED
        if asyncio_api(name) in _RUNNING or name == "genloop.run":
            return RUN
        if isinstance(outer.func, cst.Attribute) and outer.func.attr.value in _LOOP_RUNNING:
            return RUN
        return None


def _kind(decorators: List[str]) -> str:
    if any(name in COROUTINE_DECORATORS for name in decorators):
        return DECORATED
    if any(name in FLAGGING_DECORATORS for name in decorators):
        return FLAGGED
    if all(name in HARMLESS_DECORATORS for name in decorators):
        return PLAIN
    return OTHER


def _parameters(params: cst.Parameters) -> List[cst.Param]:
    found = list(params.posonly_params) + list(params.params) + list(params.kwonly_params)
    for star in (params.star_arg, params.star_kwarg):
        if isinstance(star, cst.Param):
            found.append(star)
    return found


def _calls(operand: Optional[cst.BaseExpression], is_from: IsFrom) -> List[cst.Call]:
    """The calls a yield of ``operand`` waits for."""
    if isinstance(operand, (cst.List, cst.Tuple)):
        waited = [element.value for element in operand.elements]
    elif isinstance(operand, cst.Dict):
        waited = [e.value for e in operand.elements if isinstance(e, cst.DictElement)]
    elif isinstance(operand, cst.ListComp):
        waited = [operand.elt]
    elif operand is not None:
        waited = [operand]
    else:
        waited = []
    waited = [without_from(expression, is_from) for expression in waited]
    return [expression for expression in waited if isinstance(expression, cst.Call)]


def _types(expression: cst.BaseExpression) -> List[cst.BaseExpression]:
    if isinstance(expression, cst.Tuple):
        return [element.value for element in expression.elements]
    return [expression]
