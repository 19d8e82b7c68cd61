"""The script's entry point (row L26): ``loop = asyncio.get_event_loop()``
then ``loop.run_until_complete(main())`` (then, maybe, ``loop.close()``),
at module level or under ``if __name__ == "__main__":``, becomes
``asyncio.run(main())`` where that does the same:

- ``main`` is a coroutine function of the tree once migrated (asyncio.run
  takes a coroutine, not a legacy generator nor a future);
- ``loop`` is used nowhere else: not given to ``main()``, not reached from
  a function, not run twice;
- no module-level code touches the loop (``ensure_future``, ``Future()``,
  ``gather``... before it runs would be on another loop than asyncio.run's).

Otherwise the statements stay, under a comment that says why.
"""

import re
from typing import Callable, List, NamedTuple, Optional, Sequence, Tuple

import libcst as cst

from .imports import Statement, without_statements
from .report import quoted

__all__ = ["EntryPoint", "find_entry_points", "apply_entry_points", "MARK"]

#: The comment that says why the loop stays (and that it was looked at).
MARK = "# genloop migrate:"

#: asyncio functions that bind work to the loop where they are called.
_USING_THE_LOOP = frozenset([
    "get_event_loop", "set_event_loop", "new_event_loop", "ensure_future", "async",
    "gather", "Future", "Task", "shield", "wait", "wait_for", "sleep", "as_completed",
    "run_coroutine_threadsafe", "create_task", "get_running_loop", "current_task", "all_tasks",
])


class EntryPoint(NamedTuple):
    """Where the pattern is (the block: a module-level ``if``'s index, or
    none), its first statement's index and length, and why it stays (None
    when it becomes ``asyncio.run``)."""

    block: Tuple[int, ...]
    position: int
    length: int
    loop: str
    line: int
    why: Optional[str]


class Lookups(NamedTuple):
    """What the analysis reads of the module's metadata."""

    #: What an expression's function resolves to, as asyncio's name ("sleep"), or None.
    asyncio_api: Callable[[cst.BaseExpression], Optional[str]]
    line: Callable[[cst.CSTNode], int]
    #: The lines where a module-level name is bound or used, but at ``nodes``.
    other_uses: Callable[[cst.Name, Sequence[cst.CSTNode]], List[int]]
    #: Whether a call runs a coroutine function of the tree once migrated.
    is_coroutine_call: Callable[[cst.Call], bool]


def find_entry_points(module: cst.Module, lookups: Lookups) -> List[EntryPoint]:
    found = []
    for block, body in _blocks(module):
        for index in range(len(body) - 1):
            entry = _entry_point(body, block, index, lookups, module)
            if entry is not None:
                found.append(entry)
    return found


def _blocks(module: cst.Module) -> List[Tuple[Tuple[int, ...], Sequence[Statement]]]:
    blocks: List[Tuple[Tuple[int, ...], Sequence[Statement]]] = [((), module.body)]
    for index, statement in enumerate(module.body):
        if isinstance(statement, cst.If) and _is_main_test(statement.test) and isinstance(
            statement.body, cst.IndentedBlock
        ):
            blocks.append(((index,), _statements(statement.body)))
    return blocks


def _statements(block: cst.IndentedBlock) -> List[Statement]:
    """A block's statements, typed as a module's are."""
    return [
        s for s in block.body
        if isinstance(s, (cst.SimpleStatementLine, cst.BaseCompoundStatement))
    ]


def _is_main_test(test: cst.BaseExpression) -> bool:
    code = cst.Module([]).code_for_node(test).replace("'", '"')
    return code in ('__name__ == "__main__"', '"__main__" == __name__')


def _entry_point(body: Sequence[Statement], block: Tuple[int, ...], index: int,
                 lookups: Lookups, module: cst.Module) -> Optional[EntryPoint]:
    loop = _loop_assignment(body[index], lookups)
    if loop is None:
        return None
    run = _run_until_complete(body[index + 1], loop.value)
    if run is None:
        return None
    closing = _closing(body[index + 2], loop.value) if index + 2 < len(body) else None
    length = 2 if closing is None else 3
    receivers: List[cst.CSTNode] = [loop, run.func.value]  # type: ignore[attr-defined]
    if closing is not None:
        receivers.append(closing.func.value)  # type: ignore[attr-defined]
    why = None
    others = lookups.other_uses(loop, receivers)
    argument = run.args[0].value if len(run.args) == 1 and not run.args[0].keyword else None
    if others:
        why = "'{}' is also used elsewhere (line {})".format(loop.value, others[0])
    elif not (isinstance(argument, cst.Call) and lookups.is_coroutine_call(argument)):
        why = "{} is not a call of a coroutine function of the tree".format(
            quoted(argument) if argument is not None else "its argument"
        )
    else:
        early = _loop_used_early(module, lookups, body[index])
        if early is not None:
            why = "asyncio.{}() at line {} uses the loop before it runs".format(*early)
    return EntryPoint(block, index, length, loop.value, lookups.line(body[index]), why)


def _loop_assignment(statement: Statement, lookups: Lookups) -> Optional[cst.Name]:
    small = _only(statement)
    if not isinstance(small, cst.Assign) or len(small.targets) != 1:
        return None
    target = small.targets[0].target
    value = small.value
    if (
        isinstance(target, cst.Name) and isinstance(value, cst.Call) and not value.args
        and lookups.asyncio_api(value.func) == "get_event_loop"
    ):
        return target
    return None


def _only(statement: Statement) -> Optional[cst.BaseSmallStatement]:
    if isinstance(statement, cst.SimpleStatementLine) and len(statement.body) == 1:
        return statement.body[0]
    return None


def _run_until_complete(statement: Statement, loop: str) -> Optional[cst.Call]:
    """The one ``loop.run_until_complete(...)`` of the statement."""
    if _only(statement) is None:
        return None
    calls: List[cst.Call] = []

    class Calls(cst.CSTVisitor):
        def visit_Call(self, node: cst.Call) -> None:
            if _is_method(node, loop, "run_until_complete"):
                calls.append(node)

    statement.visit(Calls())
    return calls[0] if len(calls) == 1 else None


def _closing(statement: Statement, loop: str) -> Optional[cst.Call]:
    """The statement's ``loop.close()``, if that is all it is."""
    small = _only(statement)
    if (
        isinstance(small, cst.Expr) and isinstance(small.value, cst.Call)
        and not small.value.args and _is_method(small.value, loop, "close")
    ):
        return small.value
    return None


def _is_method(call: cst.Call, owner: str, method: str) -> bool:
    func = call.func
    return (
        isinstance(func, cst.Attribute) and func.attr.value == method
        and isinstance(func.value, cst.Name) and func.value.value == owner
    )


def _loop_used_early(module: cst.Module, lookups: Lookups, assignment: Statement
                     ) -> Optional[Tuple[str, int]]:
    """The first module-level asyncio call (outside functions) that binds
    work to a loop, but the pattern's own."""
    found: List[Tuple[str, int]] = []

    class Calls(cst.CSTVisitor):
        def visit_FunctionDef(self, node: cst.FunctionDef) -> bool:
            return False

        def visit_Lambda(self, node: cst.Lambda) -> bool:
            return False

        def visit_SimpleStatementLine(self, node: cst.SimpleStatementLine) -> bool:
            return node is not assignment

        def visit_Call(self, node: cst.Call) -> None:
            api = lookups.asyncio_api(node.func)
            if api in _USING_THE_LOOP:
                found.append((api or "", lookups.line(node)))

    module.visit(Calls())
    return found[0] if found else None


def apply_entry_points(module: cst.Module, entries: Sequence[EntryPoint], asyncio_name: str
                       ) -> Tuple[cst.Module, int]:
    """``module`` (as rewritten) with each entry point made ``asyncio.run``
    or commented; and how many became ``asyncio.run``."""
    done = 0
    for entry in sorted(entries, key=lambda e: (e.block, e.position), reverse=True):
        body = _body(module, entry.block)
        footer: List[cst.EmptyLine] = []
        if entry.why is None:
            body, footer = _as_run(body, entry, asyncio_name)
            done += 1
        else:
            body = _commented(body, entry)
        module = _with_body(module, entry.block, body, footer)
    return module, done


def _body(module: cst.Module, block: Tuple[int, ...]) -> List[Statement]:
    if not block:
        return list(module.body)
    statement = module.body[block[0]]
    assert isinstance(statement, cst.If) and isinstance(statement.body, cst.IndentedBlock)
    return _statements(statement.body)


def _with_body(module: cst.Module, block: Tuple[int, ...], body: List[Statement],
               footer: List[cst.EmptyLine]) -> cst.Module:
    """``module`` with ``body`` for the block, and ``footer`` (the comments
    of statements that went at its end) before the block's own footer."""
    if not block:
        return module.with_changes(body=body, footer=footer + list(module.footer))
    statement = module.body[block[0]]
    assert isinstance(statement, cst.If) and isinstance(statement.body, cst.IndentedBlock)
    indented = statement.body
    changed = statement.with_changes(
        body=indented.with_changes(body=body, footer=footer + list(indented.footer))
    )
    return module.with_changes(
        body=list(module.body[:block[0]]) + [changed] + list(module.body[block[0] + 1:])
    )


def _as_run(body: List[Statement], entry: EntryPoint, asyncio_name: str
            ) -> Tuple[List[Statement], List[cst.EmptyLine]]:
    loop = entry.loop

    class Run(cst.CSTTransformer):
        def leave_Call(self, original_node: cst.Call, updated_node: cst.Call
                       ) -> cst.BaseExpression:
            if _is_method(updated_node, loop, "run_until_complete"):
                func = cst.Attribute(cst.Name(asyncio_name), cst.Name("run"))
                return updated_node.with_changes(func=func)
            return updated_node

    run_at = entry.position + 1
    body[run_at] = body[run_at].visit(Run())  # type: ignore[assignment]
    gone = {entry.position} | ({entry.position + 2} if entry.length == 3 else set())
    return without_statements(body, gone)


def _commented(body: List[Statement], entry: EntryPoint) -> List[Statement]:
    statement = body[entry.position]
    lines = list(statement.leading_lines)
    if any(line.comment is not None and line.comment.value.startswith(MARK) for line in lines):
        return body
    # Without the line number, which the next edit would make wrong.
    why = re.sub(r" \(line \d+\)| at line \d+", "", entry.why or "")
    comment = cst.Comment("{} kept, as asyncio.run() would differ: {}".format(MARK, why))
    body[entry.position] = statement.with_changes(leading_lines=lines + [cst.EmptyLine(
        comment=comment
    )])
    return body
