"""One module's rewrite, in one pass of libcst over it, with the decisions
made for the whole tree (:mod:`genloop.migrate.graph`).

Each kind of node is rewritten by the module of its concept: functions and
their yields (:mod:`.coroutines`, :mod:`.yields`), asyncio API calls,
attributes and imports (:mod:`.calls`), the entry point (:mod:`.entry`),
imports added or dropped (:mod:`.imports`).  Every rewrite is counted under
its row of the legacy API inventory.
"""

import asyncio
import collections
from typing import Counter, Dict, List, Optional, Sequence, Set, Tuple, Union

import libcst as cst
from libcst.metadata import (
    ParentNodeProvider,
    PositionProvider,
    QualifiedNameProvider,
    ScopeProvider,
)

from .calls import (
    MOVED_FROM, TASK_METHODS, each_ensured, is_async_lookup, keyword_as_string, makes_task,
    without_keyword,
)
from .coroutines import async_def, async_with, awaited_return, awaiter_def, returning
from .entry import EntryPoint, Lookups, apply_entry_points, find_entry_points
from .facts import Place, Where
from .graph import Decisions
from .imports import add_imports, bound_module, drop_unused
from .names import (
    COROUTINE_DECORATORS, FROM, LOOP_DROPPED, RETURN, STOP_ITERATION, Resolver, asyncio_api,
    bound_values, members,
)
from .report import Left, quoted
from .standins import (
    ACQUIRED, AS_COROUTINE_FUNCTION, AWAIT_IF_AWAITABLE, CORO_WRAPPER, WAIT_CLOSED,
    with_stand_ins,
)
from .yields import FROM_YIELD, awaiting, delegation, holds, parenthesized

__all__ = ["Rewriter"]

#: Where an await must keep its parentheses: as the object of a primary.
_PRIMARY_PARENTS = (cst.Attribute, cst.Subscript, cst.Call)
#: What owns ``asyncio.async``.
_ASYNCIO = "asyncio"
#: A rewritten ``def``, and what may come with it.
_Definition = Union[cst.FunctionDef, cst.FlattenSentinel[cst.BaseStatement]]


class Rewriter(cst.CSTTransformer):
    METADATA_DEPENDENCIES = (
        PositionProvider, QualifiedNameProvider, ParentNodeProvider, ScopeProvider
    )

    def __init__(self, path: str, resolver: Resolver, decisions: Decisions,
                 keywords: Dict[str, str], renames: Dict[str, str],
                 closed_waits: Set[Tuple[int, int]]) -> None:
        super().__init__()
        self._path = path
        #: Where ``server.wait_closed()`` follows ``server.close()`` (line,
        #: column), as genloop scan finds it (row L35).
        self._closed_waits = closed_waits
        #: Rewrites that keep the old behaviour, for a person to review.
        self.review: List[Left] = []
        self._resolver = resolver
        self._decisions = decisions
        #: Placeholder names and the keyword each stands for, and new names.
        self._keywords = keywords
        self._renames = renames
        self.rewritten: Counter[str] = collections.Counter()
        self.left: List[Left] = []
        #: For each enclosing function: (converted here, async once migrated).
        self._functions: List[Tuple[bool, bool]] = []
        self._in_import = 0
        self._asyncio = "asyncio"
        self._needs: List[Tuple[str, Optional[str]]] = []
        self._entries: List[EntryPoint] = []
        #: How the module spells trollius's From (``From``, ``trollius.From``).
        self._from_spellings: Set[str] = set()
        #: The stand-ins (:mod:`.standins`) the rewritten module calls.
        self._stand_ins: Set[str] = set()
        #: The modules the module imports by their own name.
        self._bound: Set[str] = set()

    # Lookups.

    def _qualified(self, node: cst.CSTNode) -> Optional[str]:
        return self._resolver.qualified(
            lambda n: self.get_metadata(QualifiedNameProvider, n, None), node
        )

    def _line(self, node: cst.CSTNode) -> int:
        return self.get_metadata(PositionProvider, node).start.line

    def _converting(self) -> bool:
        return bool(self._functions) and self._functions[-1][0]

    def _asyncio_name(self) -> cst.Name:
        if ("asyncio", None) not in self._needs:
            self._needs.append(("asyncio", None))
        return cst.Name(self._asyncio)

    # The module.

    def visit_Module(self, node: cst.Module) -> None:
        bound = bound_module(node, "asyncio")
        self._asyncio = bound or "asyncio"
        self._bound = {"asyncio"} if bound else set()
        if bound_module(node, "selectors") == "selectors":
            self._bound.add("selectors")
        lookups = Lookups(
            lambda expression: asyncio_api(self._qualified(expression)),
            self._line,
            self._other_uses,
            lambda call: self._decisions.is_coroutine_function(self._qualified(call.func)),
        )
        self._entries = find_entry_points(node, lookups)
        for entry in self._entries:
            if entry.why is not None:
                self.left.append(Left(self._path, entry.line, "L26",
                                      entry.loop + ".run_until_complete()", entry.why))

    def _other_uses(self, name: cst.Name, known: Sequence[cst.CSTNode]) -> List[int]:
        scope = self.get_metadata(ScopeProvider, name, None)
        if scope is None:
            return [0]
        nodes: List[cst.CSTNode] = []
        for assignment in scope.assignments[name.value]:
            nodes.append(getattr(assignment, "node", name))
            nodes.extend(access.node for access in assignment.references)
        return sorted(
            self._line(node) for node in nodes
            if not any(node is ours for ours in known) and node is not None
        )

    def leave_Module(self, original_node: cst.Module, updated_node: cst.Module) -> cst.Module:
        module, runs = apply_entry_points(updated_node, self._entries, self._asyncio)
        if runs:
            self.rewritten["L26"] += runs
            self._asyncio_name()
        module, _ = drop_unused(module)
        module = with_stand_ins(module, self._stand_ins)
        return add_imports(module, [need for need in self._needs if need[0] not in self._bound])

    # Functions.

    def visit_FunctionDef(self, node: cst.FunctionDef) -> None:
        converted = Where(self._path, self._line(node)) in self._decisions.converted
        self._functions.append((converted, converted or node.asynchronous is not None))

    def leave_FunctionDef(self, original_node: cst.FunctionDef, updated_node: cst.FunctionDef
                          ) -> _Definition:
        converted, _ = self._functions.pop()
        if not converted:
            return updated_node
        where = Where(self._path, self._line(original_node))
        self.rewritten[self._decisions.converted[where]] += 1
        if where in self._decisions.awaiters:
            return self._awaiter(original_node, awaiter_def(updated_node))
        flags = [self._qualified(d.decorator) in COROUTINE_DECORATORS
                 for d in original_node.decorators]
        return async_def(updated_node, flags)

    def _awaiter(self, original: cst.FunctionDef, node: cst.FunctionDef) -> _Definition:
        """An ``__iter__`` that gives what ``yield from obj`` awaited is
        ``__await__`` too, as ``await obj`` needs, when its class has none."""
        block = self.get_metadata(ParentNodeProvider, original, None)
        if original.name.value != "__iter__" or not isinstance(block, cst.IndentedBlock) or (
            "__await__" in members(block)
        ):
            return node
        alias = cst.SimpleStatementLine([cst.Assign(
            [cst.AssignTarget(cst.Name("__await__"))], cst.Name("__iter__")
        )])
        return cst.FlattenSentinel([node, alias])

    def visit_Lambda(self, node: cst.Lambda) -> None:
        self._functions.append((False, False))

    def leave_Lambda(self, original_node: cst.Lambda, updated_node: cst.Lambda) -> cst.Lambda:
        self._functions.pop()
        return updated_node

    def leave_Yield(self, original_node: cst.Yield, updated_node: cst.Yield
                    ) -> cst.BaseExpression:
        if not self._converting():
            return updated_node
        how, operand = delegation(updated_node, self._is_from)
        start = self.get_metadata(PositionProvider, original_node).start
        if Place(self._path, start.line, start.column) in self._decisions.acquisitions:
            # 'guard = yield from lock': the lock held, and what releases it.
            assert operand is not None
            self._stand_ins.add(ACQUIRED)
            return self._parentheses(original_node, updated_node, cst.Await(
                cst.Call(cst.Name(ACQUIRED), [cst.Arg(operand)])
            ))
        if how != FROM_YIELD or not isinstance(updated_node.value, cst.From):
            self.rewritten["L13"] += 1
        value = original_node.value
        held = holds(self._bound_values(value if isinstance(value, cst.Name) else None))
        expression, names_asyncio = awaiting(how, operand, self._asyncio, self._is_from, held)
        if names_asyncio:
            self._asyncio_name()
        return self._parentheses(original_node, updated_node, expression)

    def visit_Call(self, node: cst.Call) -> None:
        if self._qualified(node.func) in FROM:
            self._from_spellings.add(cst.Module([]).code_for_node(node.func))

    def _is_from(self, call: cst.Call) -> bool:
        """Whether a (rewritten) call is trollius's ``From(x)``: its
        function is spelt as one that resolves to it."""
        return cst.Module([]).code_for_node(call.func) in self._from_spellings

    def _bound_values(self, operand: Optional[cst.BaseExpression]
                      ) -> Optional[List[cst.BaseExpression]]:
        if not isinstance(operand, cst.Name):
            return None
        return bound_values(
            lambda n: self.get_metadata(ScopeProvider, n, None),
            lambda n: self.get_metadata(ParentNodeProvider, n, None), operand,
        )

    def _parentheses(self, original: cst.Yield, updated: cst.Yield,
                     expression: cst.BaseExpression) -> cst.BaseExpression:
        """The await with the yield's parentheses where they are needed or
        hold a line break or a comment."""
        parent = self.get_metadata(ParentNodeProvider, original, None)
        if isinstance(parent, _PRIMARY_PARENTS) and not (
            isinstance(parent, cst.Call) and parent.func is not original
        ):
            return parenthesized(expression)
        simple = all(
            isinstance(paren.whitespace_after, cst.SimpleWhitespace) for paren in updated.lpar
        ) and all(
            isinstance(paren.whitespace_before, cst.SimpleWhitespace) for paren in updated.rpar
        )
        if simple or not updated.lpar:
            return expression
        return expression.with_changes(lpar=updated.lpar, rpar=updated.rpar)

    def leave_Return(self, original_node: cst.Return, updated_node: cst.Return) -> cst.Return:
        if not self._converting():
            return updated_node
        where = Where(self._path, self._line(original_node))
        if where in self._decisions.awaited:
            return awaited_return(updated_node)
        if where in self._decisions.checked and updated_node.value is not None:
            self._stand_ins.add(AWAIT_IF_AWAITABLE)
            return awaited_return(updated_node.with_changes(
                value=cst.Call(cst.Name(AWAIT_IF_AWAITABLE), [cst.Arg(updated_node.value)])
            ))
        return updated_node

    def leave_Raise(self, original_node: cst.Raise, updated_node: cst.Raise
                    ) -> Union[cst.Raise, cst.Return]:
        exc = original_node.exc
        if not self._converting() or exc is None:
            return updated_node
        raised = self._qualified(exc.func if isinstance(exc, cst.Call) else exc)
        if raised not in RETURN and raised != STOP_ITERATION:
            return updated_node
        arguments: Sequence[cst.Arg] = []
        if isinstance(updated_node.exc, cst.Call):
            arguments = updated_node.exc.args
            if any(argument.keyword is not None or argument.star for argument in arguments):
                return updated_node
        self.rewritten["L24" if raised == STOP_ITERATION else "L13"] += 1
        return returning(updated_node, arguments)

    def leave_With(self, original_node: cst.With, updated_node: cst.With) -> cst.With:
        if not self._functions or not self._functions[-1][1] or updated_node.asynchronous:
            return updated_node
        if len(updated_node.items) != 1 or not isinstance(updated_node.items[0].item, cst.Await):
            return updated_node
        rewritten = async_with(updated_node)
        if rewritten.asynchronous is not None:
            self.rewritten["L06"] += 1
        return rewritten

    # The asyncio API.

    def visit_Import(self, node: cst.Import) -> None:
        self._in_import += 1

    def leave_Import(self, original_node: cst.Import, updated_node: cst.Import) -> cst.Import:
        """``import asyncio.selectors as x`` imports the selectors module
        itself; ``import asyncio.selectors`` binds what it bound, asyncio
        (its uses become ``selectors``'s)."""
        self._in_import -= 1
        aliases = []
        for alias in updated_node.names:
            if cst.Module([]).code_for_node(alias.name) == "asyncio.selectors":
                self.rewritten["L19"] += 1
                module = "selectors" if alias.asname else "asyncio"
                alias = alias.with_changes(
                    name=cst.Name(module),
                    asname=None if alias.evaluated_alias == module else alias.asname,
                )
                if alias.asname is None:
                    self._bound.add(module)
            aliases.append(alias)
        return updated_node.with_changes(names=aliases)

    def visit_ImportFrom(self, node: cst.ImportFrom) -> None:
        self._in_import += 1

    def leave_ImportFrom(self, original_node: cst.ImportFrom, updated_node: cst.ImportFrom
                         ) -> Union[cst.ImportFrom, cst.Import]:
        self._in_import -= 1
        module = cst.Module([]).code_for_node(updated_node.module) if updated_node.module else ""
        if isinstance(updated_node.names, cst.ImportStar):
            return updated_node
        names = [alias.name.value for alias in updated_node.names
                 if isinstance(alias.name, cst.Name)]
        if module in MOVED_FROM and set(names) & MOVED_FROM[module] and all(
            hasattr(asyncio, name) for name in names
        ):
            self.rewritten["L19"] += 1
            return updated_node.with_changes(module=cst.Name("asyncio"))
        if not _is_asyncio(module) or updated_node.relative:
            return updated_node
        return self._asyncio_import(original_node, updated_node)

    def _asyncio_import(self, original: cst.ImportFrom, node: cst.ImportFrom
                        ) -> Union[cst.ImportFrom, cst.Import]:
        assert not isinstance(original.names, cst.ImportStar)
        assert not isinstance(node.names, cst.ImportStar)
        aliases = []
        for before, alias in zip(original.names, node.names):
            name = alias.name.value if isinstance(alias.name, cst.Name) else ""
            if isinstance(before.name, cst.Name) and self._keywords.get(
                before.name.value
            ) == "async":
                # The name it binds is renamed across the tree, as its uses are.
                self.rewritten["L02"] += 1
                alias = alias.with_changes(
                    name=cst.Name("ensure_future"),
                    asname=alias.asname or cst.AsName(cst.Name(self._renames["async"])),
                )
            elif name == "JoinableQueue":
                self.rewritten["L04"] += 1
                alias = alias.with_changes(
                    name=cst.Name("Queue"),
                    asname=alias.asname or cst.AsName(cst.Name("JoinableQueue")),
                )
            elif name == "selectors":
                self.rewritten["L19"] += 1
                self._needs.append(("selectors", alias.evaluated_alias))
                continue
            aliases.append(alias)
        if not aliases:
            # Only the selectors module was imported: its own import stands here.
            module, asname = self._needs.pop()
            self._bound.add(module)
            return cst.Import([cst.ImportAlias(
                cst.Name(module), asname=cst.AsName(cst.Name(asname)) if asname else None
            )], semicolon=node.semicolon)
        aliases[-1] = aliases[-1].with_changes(comma=node.names[-1].comma)
        return node.with_changes(names=aliases)

    def leave_Attribute(self, original_node: cst.Attribute, updated_node: cst.Attribute
                        ) -> cst.BaseExpression:
        if self._in_import:
            return updated_node
        target = self._qualified(original_node)
        api = asyncio_api(target)
        owner = self._keyword_owner(original_node)
        if owner == _ASYNCIO:
            self.rewritten["L02"] += 1
            return updated_node.with_changes(attr=cst.Name("ensure_future"))
        if owner is not None:
            return self._kept_attribute(original_node, updated_node, owner)
        if api in TASK_METHODS:
            self.rewritten["L07"] += 1
            return cst.Attribute(self._asyncio_name(), cst.Name(TASK_METHODS[api]))
        if api == "JoinableQueue":
            self.rewritten["L04"] += 1
            return updated_node.with_changes(attr=cst.Name("Queue"))
        module, _, name = (target or "").rpartition(".")
        if name in MOVED_FROM.get(module, ()):
            self.rewritten["L19"] += 1
            return cst.Attribute(self._asyncio_name(), cst.Name(name))
        if target == "asyncio.coroutines.CoroWrapper":
            self.rewritten["L19"] += 1
            self._stand_ins.add(CORO_WRAPPER)
            return cst.Name(CORO_WRAPPER)
        if target == "asyncio.selectors":
            self.rewritten["L19"] += 1
            if ("selectors", None) not in self._needs:
                self._needs.append(("selectors", None))
            return cst.Name("selectors")
        return updated_node

    def _keyword_owner(self, attribute: cst.Attribute) -> Optional[str]:
        """For ``x.async`` (or ``x.await``): :data:`_ASYNCIO` when it is
        ``asyncio.async``, what ``x`` names when that is outside the tree
        (the attribute keeps its name), None when the attribute is renamed
        with the tree's own."""
        keyword = self._keywords.get(attribute.attr.value)
        if keyword is None:
            return None
        if keyword == "async" and asyncio_api(self._qualified(attribute)) == "async":
            return _ASYNCIO
        owner = self._qualified(attribute.value)
        return owner if owner is not None and self._resolver.outside(owner) else None

    def _kept_attribute(self, original: cst.Attribute, updated: cst.Attribute, owner: str
                        ) -> cst.Call:
        """``getattr(x, "async")`` for ``x.async``, ``x`` from outside the
        tree: its attribute keeps its name; listed, as ``x`` may no longer
        have it."""
        keyword = self._keywords[original.attr.value]
        receiver = quoted(updated.value)
        self.left.append(Left(
            self._path, self._line(original), "L03", "{}.{}".format(receiver, keyword),
            "an attribute of {}, which is outside the tree: kept its name as "
            'getattr({}, "{}"); check that {} still has it'.format(
                owner, receiver, keyword, owner
            ),
        ))
        return cst.Call(cst.Name("getattr"), [
            cst.Arg(updated.value.with_changes(lpar=[], rpar=[])),
            cst.Arg(cst.SimpleString('"{}"'.format(keyword))),
        ])

    def leave_Name(self, original_node: cst.Name, updated_node: cst.Name) -> cst.Name:
        keyword = self._keywords.get(original_node.value)
        if keyword is None:
            return updated_node
        parent = self.get_metadata(ParentNodeProvider, original_node, None)
        if isinstance(parent, cst.Attribute) and parent.attr is original_node and (
            self._keyword_owner(parent) is not None
        ):
            # leave_Attribute rewrites it.
            return updated_node
        if isinstance(parent, cst.ImportAlias) and parent.name is original_node and (
            self._from_asyncio(parent)
        ):
            # _asyncio_import imports ensure_future in its place.
            return updated_node
        self.rewritten["L03"] += 1
        return updated_node.with_changes(value=self._renames[keyword])

    def _from_asyncio(self, alias: cst.ImportAlias) -> bool:
        statement = self.get_metadata(ParentNodeProvider, alias, None)
        return isinstance(statement, cst.ImportFrom) and not statement.relative and (
            statement.module is not None
            and _is_asyncio(cst.Module([]).code_for_node(statement.module))
        )

    def leave_Call(self, original_node: cst.Call, updated_node: cst.Call
                   ) -> cst.BaseExpression:
        target = self._qualified(original_node.func)
        api = asyncio_api(target)
        start = self.get_metadata(PositionProvider, original_node).start
        if (start.line, start.column) in self._closed_waits and isinstance(
            updated_node.func, cst.Attribute
        ):
            return self._wait_closed_as_before(original_node, updated_node.func.value)
        if target in COROUTINE_DECORATORS:
            self.rewritten["L01"] += 1
            self._stand_ins.add(AS_COROUTINE_FUNCTION)
            return updated_node.with_changes(func=cst.Name(AS_COROUTINE_FUNCTION))
        if original_node.args and is_async_lookup(
            original_node, target, self._qualified(original_node.args[0].value)
        ):
            self.rewritten["L02"] += 1
            return cst.Attribute(updated_node.args[0].value, cst.Name("ensure_future"))
        call = self._keyword_arguments(original_node, updated_node, target)
        dropped = without_keyword(call, "loop")
        if dropped is not None and (
            api in LOOP_DROPPED or api == "JoinableQueue" or self._drops_loop(original_node.func)
        ):
            self.rewritten["L05"] += 1
            call = dropped
        if api == "wait":
            ensure_future = cst.Attribute(cst.Name(self._asyncio), cst.Name("ensure_future"))
            ensured = each_ensured(call, ensure_future, self._holds_tasks(original_node))
            if ensured is not None and not (self._functions and self._functions[-1][1]):
                # Outside a coroutine there is no running loop to make tasks on.
                self.left.append(Left(
                    self._path, self._line(original_node), "L08", "asyncio.wait()",
                    "outside a coroutine: make each coroutine a task of the loop by hand",
                ))
            elif ensured is not None:
                self.rewritten["L08"] += 1
                self._asyncio_name()
                call = ensured
        return call

    def _wait_closed_as_before(self, original: cst.Call, server: cst.BaseExpression
                               ) -> cst.Call:
        """``_wait_closed(server)`` for ``server.wait_closed()`` after
        ``server.close()``: it returned at once up to 3.11, where 3.12's
        waits for every connection to end."""
        self.rewritten["L35"] += 1
        self._stand_ins.add(WAIT_CLOSED)
        self.review.append(Left(
            self._path, self._line(original), "L35", quoted(original),
            "after close(), it returned at once up to 3.11 and waits for every connection "
            "from 3.12: _wait_closed() keeps returning at once; to wait for the connections, "
            "close them, then await wait_closed()",
        ))
        return cst.Call(cst.Name(WAIT_CLOSED), [cst.Arg(server)])

    def _drops_loop(self, func: cst.BaseExpression) -> bool:
        """Whether a name called holds only asyncio classes and functions
        whose ``loop=`` went (``for kind in (asyncio.Lock, asyncio.Event):
        kind(loop=loop)``)."""
        if not isinstance(func, cst.Name):
            return False
        values = self._bound_values(func)
        return bool(values) and all(
            asyncio_api(self._qualified(value)) in LOOP_DROPPED for value in values or ()
        )

    def _holds_tasks(self, call: cst.Call) -> bool:
        """Whether the name given to ``asyncio.wait`` only ever holds a
        list of tasks made where it is assigned (an empty list is filled
        elsewhere, with what is not known)."""
        values = self._bound_values(call.args[0].value) if call.args else None
        if not values:
            return False
        for value in values:
            if isinstance(value, cst.ListComp):
                elements = [value.elt]
            elif isinstance(value, (cst.List, cst.Tuple)):
                elements = [element.value for element in value.elements]
            else:
                return False
            if not elements or not all(self._makes_task(element) for element in elements):
                return False
        return True

    def _makes_task(self, expression: cst.BaseExpression) -> bool:
        api = asyncio_api(self._qualified(expression.func)) if isinstance(
            expression, cst.Call
        ) else None
        return makes_task(expression, api)

    def _keyword_arguments(self, original: cst.Call, call: cst.Call, target: Optional[str]
                           ) -> cst.Call:
        """``async=`` given to a function outside the tree keeps its name."""
        arguments = list(call.args)
        func = original.func
        called = func.attr.value if isinstance(func, cst.Attribute) else (
            func.value if isinstance(func, cst.Name) else ""
        )
        changed = False
        for index, argument in enumerate(original.args):
            keyword = self._keywords.get(argument.keyword.value) if argument.keyword else None
            if keyword is not None and not self._decisions.takes_keyword(target, called, keyword):
                arguments[index] = keyword_as_string(arguments[index], keyword)
                changed = True
        return call.with_changes(args=arguments) if changed else call


def _is_asyncio(module: str) -> bool:
    """Whether ``module`` is asyncio or one of its modules."""
    return module == "asyncio" or module.startswith("asyncio.")
