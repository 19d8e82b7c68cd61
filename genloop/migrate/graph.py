"""The cross-file call graph: which functions become ``async def``.

A generator under a coroutine decorator is a coroutine (row L01).  An
undecorated generator (row L11) is one too when its ``yield from``
delegates to a coroutine (asyncio's, a decorated one, an ``async def``) or
when a coroutine delegates to it, awaits it or runs it as a task.  Such
generators are converted together with the undecorated generators they
delegate to or are delegated to by (a group): an ``async def`` cannot be
``yield from``-ed by a plain generator, nor can ``await`` take one.

A group is left as it is, and listed, when one of its generators is also
used as a plain generator (iterated, ``list(gen())``, ``gen().send(...)``,
or yielding plain values) or holds a construct no rewrite carries over.  A
decorated coroutine is left when it holds such a construct, or when it
delegates to, or is delegated to by, a generator that stays one.  An
undecorated generator with no sign of being a coroutine stays a generator;
it is listed when its ``yield from`` calls something migrate cannot
resolve.

An ``__await__`` generator that only delegates (``yield from x``) cannot
delegate to asyncio's coroutines any more: its body becomes a nested
``async def``, whose coroutine's ``__await__()`` it returns, when a
decorated coroutine's would become an ``async def``.  So does the body of
an ``__iter__`` generator that only delegates, to coroutines among others
(what ``yield from obj`` awaited before ``__await__``); one that also
yields values is listed.

A plain function under a coroutine decorator, which awaited what the
function returned if that was awaitable, becomes an ``async def``: a
value it returns that is known to be awaitable (a call of a coroutine
function, of a class with ``__await__``, of asyncio's coroutines and
futures) is awaited, one known not to be (a literal, a call of a class
without ``__await__``...) is returned as it is, and any other is awaited
if it is awaitable, checked at run time, and listed for review.  An ``async
def`` under a coroutine decorator loses the decorator, which gave it back
as it was.
"""

import collections
from typing import DefaultDict, Dict, Iterable, List, Optional, Set, TypeVar

from .facts import (
    ASYNC, AWAIT, AWAITER, DECORATED, FLAGGED, FROM_YIELD, ITERATED, OTHER, PLAIN, PROTOCOL, RUN,
    Callee, Class, Edge, Function, ModuleFacts, Place, Returned, Where,
)
from .names import asyncio_api
from .report import Left

__all__ = ["Decisions", "decide"]

#: asyncio's coroutine functions, and its functions that make futures:
#: what a coroutine decorator awaited when a plain function returned it.
_AWAITABLE_API = frozenset([
    "sleep", "wait", "wait_for", "gather", "shield", "ensure_future", "async", "create_task",
    "Task", "Future", "wrap_future", "open_connection", "start_server",
    "open_unix_connection", "start_unix_server", "create_subprocess_exec",
    "create_subprocess_shell",
])
#: Builtins whose result is never awaitable.
_PLAIN_BUILTINS = frozenset("builtins." + name for name in (
    "str", "bytes", "bytearray", "int", "float", "complex", "bool", "dict", "list", "tuple",
    "set", "frozenset", "len", "repr", "ascii", "format", "isinstance", "issubclass", "hash",
    "id", "sorted", "abs", "round", "chr", "ord", "hex", "oct", "bin",
))
#: What a class's body defines that makes its instances awaitable.
_AWAITABLE_MEMBERS = frozenset(["__await__", "_asyncio_future_blocking"])


class Decisions(object):
    """What the rewriter of every file needs to know of the whole tree."""

    def __init__(self, functions: Dict[str, Function], every: List[Function],
                 classes: Dict[str, Class]) -> None:
        self._functions = functions
        self._by_where = {function.where: function for function in every}
        self._classes = classes
        #: The functions to convert, and the row each conversion counts under.
        self.converted: Dict[Where, str] = {}
        #: The returns that become ``return await``.
        self.awaited: Set[Where] = set()
        #: The ``yield from lock`` outside a ``with``, which become
        #: ``await _acquired(lock)``.
        self.acquisitions: Set[Place] = set()
        #: The returns of values awaited if they are awaitable, at run time.
        self.checked: Set[Where] = set()
        #: The rewrites that keep a check at run time, for a person to review.
        self.review: List[Left] = []
        #: The ``__await__`` generators whose bodies become coroutines'.
        self.awaiters: Set[Where] = set()
        self.left: List[Left] = []
        self._short_names: DefaultDict[str, Set[str]] = collections.defaultdict(set)
        for function in functions.values():
            self._short_names[function.qualified.rpartition(".")[2]] |= function.parameters

    def is_coroutine_function(self, qualified: Optional[str]) -> bool:
        """Whether calling ``qualified`` gives a native coroutine once migrated."""
        function = self._functions.get(qualified or "")
        return function is not None and (
            function.kind == ASYNC or function.where in self.converted
        )

    def awaitable(self, returned: Returned) -> Optional[bool]:
        """Whether what ``returned`` returns is awaitable, None when that
        is not known."""
        if returned.callees is None:
            return None
        found = set(self._awaits(callee) for callee in returned.callees)
        if returned.plain:
            found.add(False)
        return found.pop() if len(found) == 1 else None

    def _awaits(self, callee: Callee) -> Optional[bool]:
        function = self._by_where.get(callee) if isinstance(callee, Where) else (
            self._functions.get(callee)
        )
        if function is not None:
            awaitable = function.kind in (ASYNC, DECORATED, FLAGGED) or (
                function.where in self.converted
            )
            return True if awaitable else None
        if isinstance(callee, Where):
            return None
        if asyncio_api(callee) in _AWAITABLE_API:
            return True
        if callee.startswith("builtins."):
            return False if callee in _PLAIN_BUILTINS else None
        return self._instances_await(callee, set())

    def _instances_await(self, name: Optional[str], seen: Set[str]) -> Optional[bool]:
        """Whether the instances of class ``name`` are awaitable: from its
        body and its bases', which must all be known."""
        if name is not None and name.startswith("builtins."):
            return False
        cls = self._classes.get(name or "")
        if cls is None or cls.qualified in seen:
            return None
        seen.add(cls.qualified)
        if cls.members & _AWAITABLE_MEMBERS:
            return True
        bases = [self._instances_await(base, seen) for base in cls.bases]
        if True in bases:
            return True
        return False if None not in bases else None

    def takes_keyword(self, target: Optional[str], called: str, keyword: str) -> bool:
        """Whether a call of ``target`` (``called`` its last name) reaches a
        parameter ``keyword`` defined in the tree: the function's own when
        the call resolves to one, else any function of that name's."""
        for name in (target, target + ".__init__") if target else ():
            function = self._functions.get(name)
            if function is not None:
                return keyword in function.parameters
        return keyword in self._short_names.get(called, set())


def decide(modules: Iterable[ModuleFacts]) -> Decisions:
    modules = list(modules)
    every = [f for module in modules for f in module.functions]
    functions = _by_name(every)
    classes = _unique([cls.qualified for module in modules for cls in module.classes],
                      [cls for module in modules for cls in module.classes])
    decisions = Decisions(functions, every, classes)
    groups = _Groups(functions, [edge for module in modules for edge in module.edges])
    for module in modules:
        for use in module.uses:
            function = functions.get(use.target)
            if function is not None:
                groups.used(function, use.how, use.where)
    for root, members in groups.members.items():
        _decide_group(groups, root, members, decisions)
    for function in every:
        if _awaiter(groups, function) and _decide_decorated(groups, function, decisions, "L11"):
            decisions.awaiters.add(function.where)
    for function in every:
        if function.kind == DECORATED and function.generator:
            _decide_decorated(groups, function, decisions, "L01")
    for function in every:
        if function.kind == DECORATED and not function.generator:
            _decide_plain(function, decisions)
        elif function.redundant_decorator:
            decisions.converted[function.where] = "L01"
        elif function.kind == PROTOCOL and function.iterates and groups.coroutine[
            function.where
        ]:
            decisions.left.append(function.left(
                function.where.line, "L11",
                "{}, but the iterator protocol calls it: it stays a generator, which cannot "
                "yield from a coroutine".format(groups.coroutine[function.where][0]),
            ))
    for module in modules:
        decisions.left.extend(module.left)
        decisions.acquisitions |= module.acquisitions
    return decisions


def _awaiter(groups: "_Groups", function: Function) -> bool:
    """Whether ``function`` is an ``__await__`` generator that delegates, or
    an ``__iter__`` one that delegates to coroutines."""
    return function.kind == AWAITER or (
        function.kind == PROTOCOL and not function.iterates
        and bool(groups.coroutine[function.where])
    )


def _by_name(functions: List[Function]) -> Dict[str, Function]:
    """Functions by qualified name; a name defined twice reaches neither."""
    found = _unique([function.qualified for function in functions], functions)
    return {name: function for name, function in found.items() if function.bound_once}


_Defined = TypeVar("_Defined")


def _unique(names: List[str], items: List[_Defined]) -> Dict[str, _Defined]:
    """``items`` by their ``names``, but those of a name given twice."""
    found: Dict[str, _Defined] = {}
    twice: Set[str] = set()
    for name, item in zip(names, items):
        if name in found:
            twice.add(name)
        found[name] = item
    return {name: item for name, item in found.items() if name not in twice}


def _where(where: Where) -> str:
    return "{}:{}".format(*where)


class _Groups(object):
    """Undecorated generators joined by delegation, and what each group is
    used as."""

    def __init__(self, functions: Dict[str, Function], edges: List[Edge]) -> None:
        self._parent: Dict[Where, Where] = {}
        self.coroutine: DefaultDict[Where, List[str]] = collections.defaultdict(list)
        self.plain: DefaultDict[Where, List[str]] = collections.defaultdict(list)
        #: Delegations out of each function, to functions of the tree.
        self.callees: DefaultDict[Where, List[Function]] = collections.defaultdict(list)
        #: The generators that ``yield from`` each function.
        self.delegators: DefaultDict[Where, List[Function]] = collections.defaultdict(list)
        self.iterated: DefaultDict[Where, List[str]] = collections.defaultdict(list)
        for function in functions.values():
            if function.kind == PLAIN:
                self._parent[function.where] = function.where
                for line in function.plain_values:
                    self.plain[function.where].append(
                        "yields a plain value at line {}".format(line)
                    )
        for edge in edges:
            self._edge(edge, functions.get(edge.target))
        self.members: DefaultDict[Where, List[Function]] = collections.defaultdict(list)
        for function in functions.values():
            if function.kind == PLAIN:
                self.members[self.root(function.where)].append(function)

    def root(self, where: Where) -> Where:
        while self._parent[where] != where:
            self._parent[where] = self._parent[self._parent[where]]
            where = self._parent[where]
        return where

    def _edge(self, edge: Edge, callee: Optional[Function]) -> None:
        caller = edge.caller
        at = "{}:{}".format(caller.where.path, edge.line)
        if callee is None:
            if caller.kind not in (PLAIN, PROTOCOL) or edge.how != FROM_YIELD:
                return
            if asyncio_api(edge.target):
                self.coroutine[caller.where].append(
                    "yields from {}() at {}".format(edge.target, at)
                )
            elif caller.kind == PLAIN and not edge.target.startswith(
                (caller.module + ".", "builtins.")
            ):
                # Imported from outside the tree: a coroutine or a generator?
                caller.unresolved.append(edge.target + "()")
            return
        self.callees[caller.where].append(callee)
        if edge.how == FROM_YIELD and caller.kind in (PLAIN, AWAITER, PROTOCOL, OTHER):
            self.delegators[callee.where].append(caller)
        if caller.kind == PLAIN and callee.kind == PLAIN:
            self._parent[self.root(caller.where)] = self.root(callee.where)
        elif caller.kind in (PLAIN, PROTOCOL) and edge.how == FROM_YIELD and callee.kind in (
            DECORATED, ASYNC, FLAGGED
        ):
            self.coroutine[caller.where].append(
                "yields from {}(), a coroutine, at {}".format(callee.name, at)
            )
        elif callee.kind == PLAIN and caller.kind in (DECORATED, ASYNC, AWAITER):
            self.coroutine[callee.where].append(
                "{} by {}() at {}".format(
                    "awaited" if edge.how == AWAIT else "yielded from", caller.name, at
                )
            )
        elif callee.kind == PLAIN and caller.kind in (OTHER, PROTOCOL) and (
            edge.how == FROM_YIELD
        ):
            self.plain[callee.where].append(
                "yielded from by {}() at {}, a {}".format(caller.name, at, caller.kind)
            )

    def used(self, function: Function, how: str, where: Where) -> None:
        if how == ITERATED:
            self.iterated[function.where].append(_where(where))
        if function.kind != PLAIN:
            return
        if how == ITERATED:
            self.plain[function.where].append("iterated as a plain generator at " + _where(where))
        elif how == RUN:
            self.coroutine[function.where].append("run as a coroutine at " + _where(where))


def _decide_group(groups: _Groups, root: Where, members: List[Function],
                  decisions: Decisions) -> None:
    coroutine = [why for f in members for why in groups.coroutine[f.where]]
    plain = [why for f in members for why in groups.plain[f.where]]
    problems = [left for f in members for left in f.problems]
    if coroutine and not plain and not problems:
        for function in members:
            decisions.converted[function.where] = "L11"
        return
    for function in members:
        if coroutine:
            why = "a coroutine ({}) but also {}".format(coroutine[0], plain[0]) if plain else (
                "a coroutine ({}) but {} cannot be rewritten: {}".format(
                    coroutine[0], problems[0].what, problems[0].why
                )
            )
            decisions.left.append(function.left(function.where.line, "L11", why))
        elif function.unresolved:
            decisions.left.append(function.left(
                function.where.line, "L11",
                "yields from {}, which migrate cannot resolve: if that is a coroutine, make "
                "this an 'async def' by hand".format(function.unresolved[0]),
            ))


def _decide_decorated(groups: _Groups, function: Function, decisions: Decisions, row: str
                      ) -> bool:
    """Whether a decorated coroutine, or an ``__await__`` generator, is
    converted (counted under ``row``); else it is listed."""
    why = _problem(function) or _blocker(groups, function, decisions)
    if why is None:
        decisions.converted[function.where] = row
    else:
        decisions.left.append(function.left(function.where.line, row, why))
    return why is None


def _decide_plain(function: Function, decisions: Decisions) -> None:
    """A plain function under a coroutine decorator: converted.  What a
    return gives is awaited where it is known to be awaitable, returned as
    it is where it is known not to be, and otherwise awaited if it is, as
    the decorator did, by a check at run time (listed for review)."""
    why = _problem(function)
    if why is not None:
        decisions.left.append(function.left(function.where.line, "L01", why))
        return
    decisions.converted[function.where] = "L01"
    for returned in function.returns:
        awaitable = decisions.awaitable(returned)
        if awaitable:
            decisions.awaited.add(returned.where)
        elif awaitable is None:
            decisions.checked.add(returned.where)
            decisions.review.append(function.left(
                returned.where.line, "L01",
                "not a generator: its decorator awaited what it returned when that was "
                "awaitable, which migrate cannot tell here: awaited if it is, checked at run "
                "time",
            ))


def _problem(function: Function) -> Optional[str]:
    """The first construct of ``function`` that no rewrite carries over."""
    if not function.problems:
        return None
    problem = function.problems[0]
    return "{} (line {})".format(problem.why, problem.line)


def _blocker(groups: _Groups, function: Function, decisions: Decisions) -> Optional[str]:
    """Why a decorated coroutine (or an ``__await__`` generator) cannot
    become a coroutine, or None."""
    if function.plain_values:
        return "yields a plain value at line {}, which no await takes".format(
            function.plain_values[0]
        )
    if groups.iterated[function.where]:
        return "iterated as a plain generator at " + groups.iterated[function.where][0]
    for callee in groups.callees[function.where]:
        if callee.kind in (OTHER, PROTOCOL, AWAITER) or (
            callee.kind == PLAIN and callee.where not in decisions.converted
        ):
            return "delegates to {}(), which stays a generator".format(callee.name)
    for caller in groups.delegators[function.where]:
        if caller.where not in decisions.converted:
            return "yielded from by {}(), which stays a generator".format(caller.name)
    return None
