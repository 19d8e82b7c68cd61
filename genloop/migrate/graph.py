"""The cross-file call graph: which generator functions become ``async def``.

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
"""

import collections
from typing import DefaultDict, Dict, Iterable, List, Optional, Set

from .facts import (
    ASYNC, AWAIT, DECORATED, FLAGGED, FROM_YIELD, ITERATED, OTHER, PLAIN, RUN, Edge,
    Function, ModuleFacts, Where,
)
from .names import asyncio_api
from .report import Left

__all__ = ["Decisions", "decide"]


class Decisions(object):
    """What the rewriter of every file needs to know of the whole tree."""

    def __init__(self, functions: Dict[str, Function]) -> None:
        self._functions = functions
        #: The functions to convert, and the row each conversion counts under.
        self.converted: Dict[Where, str] = {}
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
    functions = _by_name(f for module in modules for f in module.functions)
    decisions = Decisions(functions)
    groups = _Groups(functions, [edge for module in modules for edge in module.edges])
    for module in modules:
        for use in module.uses:
            function = functions.get(use.target)
            if function is not None:
                groups.used(function, use.how, use.where)
    for root, members in groups.members.items():
        _decide_group(groups, root, members, decisions)
    for function in functions.values():
        if function.kind == DECORATED:
            _decide_decorated(groups, function, decisions)
    for module in modules:
        decisions.left.extend(module.left)
    return decisions


def _by_name(functions: Iterable[Function]) -> Dict[str, Function]:
    """Functions by qualified name; a name defined twice reaches neither."""
    found: Dict[str, Function] = {}
    twice: Set[str] = set()
    for function in functions:
        if function.qualified in found:
            twice.add(function.qualified)
        found[function.qualified] = function
    return {
        name: function for name, function in found.items()
        if name not in twice and function.bound_once
    }


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
            if caller.kind != PLAIN or edge.how != FROM_YIELD:
                return
            if asyncio_api(edge.target):
                self.coroutine[caller.where].append(
                    "yields from {}() at {}".format(edge.target, at)
                )
            elif not edge.target.startswith((caller.module + ".", "builtins.")):
                # Imported from outside the tree: a coroutine or a generator?
                caller.unresolved.append(edge.target + "()")
            return
        self.callees[caller.where].append(callee)
        if edge.how == FROM_YIELD and caller.kind in (PLAIN, OTHER):
            self.delegators[callee.where].append(caller)
        if caller.kind == PLAIN and callee.kind == PLAIN:
            self._parent[self.root(caller.where)] = self.root(callee.where)
        elif caller.kind == PLAIN and edge.how == FROM_YIELD and callee.kind in (
            DECORATED, ASYNC, FLAGGED
        ):
            self.coroutine[caller.where].append(
                "yields from {}(), a coroutine, at {}".format(callee.name, at)
            )
        elif callee.kind == PLAIN and caller.kind in (DECORATED, ASYNC):
            self.coroutine[callee.where].append(
                "{} by {}() at {}".format(
                    "awaited" if edge.how == AWAIT else "yielded from", caller.name, at
                )
            )
        elif callee.kind == PLAIN and caller.kind == OTHER and edge.how == FROM_YIELD:
            self.plain[callee.where].append(
                "yielded from by {}() at {}, a generator under another decorator".format(
                    caller.name, at
                )
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
            decisions.left.append(Left(function.where.path, function.where.line, "L11",
                                       function.name + "()", why))
        elif function.unresolved:
            decisions.left.append(Left(
                function.where.path, function.where.line, "L11", function.name + "()",
                "yields from {}, which migrate cannot resolve: if that is a coroutine, make "
                "this an 'async def' by hand".format(function.unresolved[0]),
            ))


def _decide_decorated(groups: _Groups, function: Function, decisions: Decisions) -> None:
    why = _blocker(groups, function, decisions)
    if why is None:
        decisions.converted[function.where] = "L01"
    else:
        decisions.left.append(
            Left(function.where.path, function.where.line, "L01", function.name + "()", why)
        )


def _blocker(groups: _Groups, function: Function, decisions: Decisions) -> Optional[str]:
    """Why a decorated coroutine cannot become an ``async def``, or None."""
    if function.problems:
        problem = function.problems[0]
        return "{} (line {})".format(problem.why, problem.line)
    if function.plain_values:
        return "yields a plain value at line {}, which no await takes".format(
            function.plain_values[0]
        )
    if groups.iterated[function.where]:
        return "iterated as a plain generator at " + groups.iterated[function.where][0]
    for callee in groups.callees[function.where]:
        if callee.kind == OTHER or (
            callee.kind == PLAIN and callee.where not in decisions.converted
        ):
            return "delegates to {}(), which stays a generator".format(callee.name)
    for caller in groups.delegators[function.where]:
        if caller.where not in decisions.converted:
            return "yielded from by {}(), which stays a generator".format(caller.name)
    return None
