"""What one module tells the call graph (:mod:`genloop.migrate.graph`):
its functions, what each one's yields delegate to, and how the module uses
the functions it calls.

For each ``def`` it records its kind (``async def``, a generator under a
coroutine decorator, an undecorated generator...), the constructs no
rewrite can carry over (why, and where), the calls its ``yield from``,
``yield From(...)``, tornado-style ``yield sub()`` and ``await`` delegate
to, as absolute qualified names (:mod:`genloop.migrate.names`), and what
its ``return`` statements may give (a coroutine decorator awaited what a
plain function returned).  For each class, what decides whether its
instances are awaitable.  For each call elsewhere it records the uses that
decide what a generator is: iterated as a plain generator (``for x in
gen()``, ``list(gen())``, ``gen().send``) or run as a coroutine
(``ensure_future(gen())``, ``loop.create_task``, ``asyncio.wait([gen()])``...).
"""

from typing import List, NamedTuple, Optional, Sequence, Set, Tuple, Union

import libcst as cst
from libcst.metadata import (
    ParentNodeProvider,
    PositionProvider,
    QualifiedNameProvider,
    ScopeProvider,
)

from ..compat.primitives import LOCKS
from .coroutines import never_awaitable
from .names import (
    COROUTINE_DECORATORS,
    FLAGGING_DECORATORS,
    FROM,
    HARMLESS_DECORATORS,
    KEPT_DECORATORS,
    RETURN,
    STOP_ITERATION,
    Resolver,
    asyncio_api,
    bindings,
    bound_values,
    members,
)
from .report import Left, quoted
from .yields import (
    FROM_YIELD, VALUE_YIELD, IsFrom, delegation, plain_value, unsupported, without_from,
)

__all__ = [
    "Where", "Place", "Callee", "Returned", "Function", "Class", "Edge", "Use", "ModuleFacts",
    "collect",
    "ASYNC", "DECORATED", "FLAGGED", "PLAIN", "AWAITER", "PROTOCOL", "OTHER", "ORDINARY",
    "FROM_YIELD", "VALUE_YIELD", "AWAIT", "ITERATED", "RUN",
]

# The kinds of function.
ASYNC = "async def"
DECORATED = "decorated coroutine"
FLAGGED = "types.coroutine generator"
PLAIN = "undecorated generator"
#: An ``__await__`` generator that only delegates (``yield from x``).
AWAITER = "__await__ generator"
#: An ``__iter__`` generator, or an ``__await__`` that yields values itself:
#: the protocol calls it, and wants an iterator.
PROTOCOL = "generator the iterator protocol calls"
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
#: The methods whose generators a protocol wants, and the calls that give
#: an iterator (no awaitable) to delegate to.
_PROTOCOL_METHODS = frozenset(["__await__", "__iter__"])
_ITERATOR_CALLS = frozenset(["__await__", "__iter__", "iter"])
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


#: What a call may call: a qualified name, or the ``def`` (where it is) of
#: a name that several statements bind.
Callee = Union[str, Where]


class Returned(NamedTuple):
    """A ``return`` of a value that may be awaitable: where, what the calls
    whose results it returns may call (None: what the code does not say),
    and whether it may return a value never awaitable as well."""

    where: Where
    callees: Optional[List[Callee]]
    plain: bool


class Function(object):
    """One ``def``: what it is, and what stands in the way of rewriting it."""

    def __init__(self, where: Where, lines: Tuple[int, int], module: str, name: str,
                 qualified: str, kind: str, parameters: Set[str]) -> None:
        self.where = where
        #: Its first and last lines, decorators included.
        self.lines = lines
        self.module = module
        self.name = name
        self.qualified = qualified
        self.kind = kind
        self.parameters = parameters
        self.generator = False
        #: An ``async def`` under a coroutine decorator, which gave it back
        #: as it was.
        self.redundant_decorator = False
        #: Constructs that no rewrite carries over: (line, why).
        self.problems: List[Left] = []
        #: Lines of tornado-style yields of plain values.
        self.plain_values: List[int] = []
        #: Whether it yields values itself, or delegates to an iterator
        #: (``yield from x.__await__()``), as no coroutine does.
        self.iterates = False
        #: Its returns of values that may be awaitable (what a decorated
        #: plain function's decorator awaited).
        self.returns: List[Returned] = []
        #: Calls its ``yield from`` delegates to that resolve nowhere.
        self.unresolved: List[str] = []
        #: Whether the name is bound once in its scope (calls reach this def).
        self.bound_once = True

    def problem(self, line: int, why: str) -> None:
        self.problems.append(self.left(line, "L01", why))

    def left(self, line: int, row: str, why: str) -> Left:
        """The function listed as left as it was, with its lines."""
        return Left(self.where.path, line, row, self.name + "()", why, self.lines)


class Class(NamedTuple):
    """One ``class``: its qualified name, its bases' (None: unknown), and
    the names its body binds."""

    qualified: str
    bases: List[Optional[str]]
    members: Set[str]


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


class Place(NamedTuple):
    """Where a node starts."""

    path: str
    line: int
    column: int


class ModuleFacts(object):
    def __init__(self, path: str) -> None:
        self.path = path
        #: The ``yield from lock`` outside a ``with`` (what it gives is held).
        self.acquisitions: Set[Place] = set()
        self.functions: List[Function] = []
        self.classes: List[Class] = []
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
        position = self.get_metadata(PositionProvider, node)
        first = self._line(node.decorators[0]) if node.decorators else position.start.line
        function = Function(
            Where(self.facts.path, position.start.line), (first, position.end.line),
            self._resolver.module, self._resolver.local(qualified), qualified, kind, parameters,
        )
        scope = self.get_metadata(ScopeProvider, node, None)
        if scope is not None and len(scope.assignments[node.name.value]) != 1:
            function.bound_once = False
        if kind == DECORATED:
            for decorator in self._unknown_decorators(node.decorators, decorators):
                function.problem(
                    self._line(decorator),
                    "also decorated with {}, which migrate does not know".format(
                        quoted(decorator.decorator)
                    ),
                )
        elif kind == ASYNC and COROUTINE_DECORATORS.intersection(decorators):
            why = self._decorating(list(zip(node.decorators, decorators)))
            if why is None:
                function.redundant_decorator = True
            else:
                self.facts.left.append(function.left(function.where.line, "L01", why))
        self.facts.functions.append(function)
        self._functions.append(function)

    def _unknown_decorators(self, nodes: Sequence[cst.Decorator], names: List[str]
                            ) -> List[cst.Decorator]:
        """The decorators of a decorated coroutine that keep it from being
        rewritten.  Under the coroutine decorator: all but those that give
        back what they decorate (``staticmethod``, ``functools.wraps(f)``...).
        Over it, which were given a coroutine function and still are: those
        defined outside the tree, whose use of it is unknown (``lru_cache``
        would keep a coroutine object to await again)."""
        unknown = []
        over = True
        for decorator, name in zip(nodes, names):
            if name in COROUTINE_DECORATORS:
                over = False
            elif over and (name in KEPT_DECORATORS or self._in_tree(decorator)):
                continue
            elif not over and (name in KEPT_DECORATORS or self._is_wraps(decorator)):
                continue
            else:
                unknown.append(decorator)
        return unknown

    def _in_tree(self, decorator: cst.Decorator) -> bool:
        """Whether a decorator (or what a decorator call calls) is defined
        at the top of a module of the tree."""
        func = decorator.decorator
        name = self._qualified(func.func if isinstance(func, cst.Call) else func)
        return name is not None and not self._resolver.outside(name) and "<locals>" not in name

    def _is_wraps(self, decorator: cst.Decorator) -> bool:
        call = decorator.decorator
        return isinstance(call, cst.Call) and self._qualified(call.func) == "functools.wraps"

    def _decorating(self, decorators: List[Tuple[cst.Decorator, str]]) -> Optional[str]:
        """Why an ``async def``'s coroutine decorator cannot just go: it
        gave back what it decorated as it was only when that was the
        ``async def`` itself; None when it can."""
        under: Optional[cst.Decorator] = None
        for decorator, name in reversed(decorators):
            if name not in COROUTINE_DECORATORS:
                under = under or decorator
            elif under is not None:
                return "decorates what {} returns, which migrate does not know (line {})".format(
                    quoted(under.decorator), self._line(decorator)
                )
        return None

    def leave_FunctionDef(self, original_node: cst.FunctionDef) -> None:
        function = self._functions.pop()
        assert function is not None
        if function.kind in (OTHER, PLAIN) and not function.generator:
            function.kind = ORDINARY
        method = function.name.rpartition(".")[2]
        if function.kind == PLAIN and method in _PROTOCOL_METHODS:
            function.kind = AWAITER if method == "__await__" and not function.iterates else (
                PROTOCOL
            )

    def visit_ClassDef(self, node: cst.ClassDef) -> None:
        self.facts.classes.append(Class(
            self._qualified(node.name) or node.name.value,
            [self._qualified(base.value) for base in node.bases if not base.keyword],
            members(node.body),
        ))

    def visit_Lambda(self, node: cst.Lambda) -> None:
        self._functions.append(None)

    def leave_Lambda(self, original_node: cst.Lambda) -> None:
        self._functions.pop()

    def visit_Return(self, node: cst.Return) -> None:
        function = self._current()
        value = node.value
        if function is None or value is None or never_awaitable(value, self._plain_name):
            return
        callees, plain = self._returned(value)
        function.returns.append(
            Returned(Where(self.facts.path, self._line(node)), callees, plain)
        )

    def _returned(self, value: cst.BaseExpression) -> Tuple[Optional[List[Callee]], bool]:
        """What the calls whose results ``value`` may be call (None: not
        known), and whether it may be a value never awaitable too."""
        if isinstance(value, cst.Call):
            return self._callees(value.func), False
        bound = self._bindings(value)
        if bound is None:
            return None, False
        callees: List[Callee] = []
        plain = False
        for each in bound:
            if isinstance(each, cst.Call):
                found = self._callees(each.func)
                if found is None:
                    return None, False
                callees.extend(found)
            elif isinstance(each, cst.BaseExpression) and not never_awaitable(each):
                return None, False
            else:
                plain = True
        return callees, plain

    def _plain_name(self, name: cst.Name) -> bool:
        """Whether each binding of ``name`` holds what is never awaitable (a
        function, a class and ``*args`` are not either)."""
        bound = self._bindings(name)
        return bound is not None and all(
            never_awaitable(each) if isinstance(each, cst.BaseExpression) else True
            for each in bound
        )

    def _bindings(self, value: cst.BaseExpression) -> Optional[List[cst.CSTNode]]:
        """What a name may hold, where it is bound, in its scope or an
        enclosing one (:func:`~genloop.migrate.names.bindings`)."""
        scope = self.get_metadata(ScopeProvider, value, None)
        if not isinstance(value, cst.Name) or scope is None:
            return None
        return bindings(scope[value.value], self._parent)

    def _callees(self, func: cst.BaseExpression) -> Optional[List[Callee]]:
        """What a call of ``func`` may call: each ``def``, ``class`` or
        dotted name a name is bound to where it is bound (``def serve`` in
        one branch, ``serve = Serve`` in another), else what ``func``
        names; None when that is not known."""
        bound = self._bindings(func)
        if bound is not None:
            return self._bound_callees(bound)
        target = self._qualified(func)
        return [target] if target is not None else None

    def _bound_callees(self, bound: List[cst.CSTNode]) -> Optional[List[Callee]]:
        callees: List[Callee] = []
        for value in bound:
            if isinstance(value, cst.FunctionDef):
                callees.append(Where(self.facts.path, self._line(value)))
                continue
            name = self._qualified(value.name if isinstance(value, cst.ClassDef) else value)
            if name is None:
                return None
            callees.append(name)
        return callees

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
            start = self.get_metadata(PositionProvider, node).start
            self.facts.acquisitions.add(Place(self.facts.path, start.line, start.column))
        if how == VALUE_YIELD or _gives_iterator(operand):
            function.iterates = True
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
                function.unresolved.append(quoted(call.func) + "()")
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
                    quoted(raised)
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


def _gives_iterator(operand: Optional[cst.BaseExpression]) -> bool:
    """Whether ``operand`` is ``x.__await__()``, ``x.__iter__()`` or ``iter(x)``."""
    func = operand.func if isinstance(operand, cst.Call) else None
    name = func.attr if isinstance(func, cst.Attribute) else func
    return isinstance(name, cst.Name) and name.value in _ITERATOR_CALLS


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
