"""The imports a migrated module needs, and those it no longer does.

The rewrites may need ``import asyncio`` (``asyncio.gather``,
``asyncio.run``...) or ``import selectors``; each is added once, before the
module's first import (after its docstring and ``__future__`` imports when
it has none).  The names the rewrites made unused -- ``coroutine``,
``From`` and ``Return`` imported from asyncio, genloop or trollius -- are
dropped from their imports, since asyncio no longer has the first and
genloop is not needed to run the result.  A statement that goes takes its
comments to the statement after it.
"""

from typing import List, Optional, Sequence, Set, Tuple, Union

import libcst as cst

__all__ = [
    "Statement", "bound_module", "add_imports", "drop_unused", "without_statements", "used_names",
]

#: A statement of a module or block body.
Statement = Union[cst.SimpleStatementLine, cst.BaseCompoundStatement]

#: Imported names that only legacy coroutines use.
_LEGACY_NAMES = frozenset(["coroutine", "From", "Return"])
_LEGACY_MODULES = frozenset(
    ["asyncio", "asyncio.coroutines", "genloop", "genloop.coroutines", "trollius"]
)


def bound_module(module: cst.Module, name: str) -> Optional[str]:
    """The name ``import NAME [as X]`` binds at the module's top level (or
    in a top-level ``try``, as a fallback import does)."""
    statements: List[cst.CSTNode] = list(module.body)
    for statement in module.body:
        if isinstance(statement, cst.Try):
            statements.extend(statement.body.body)
    for line in statements:
        if not isinstance(line, cst.SimpleStatementLine):
            continue
        for small in line.body:
            if isinstance(small, cst.Import):
                for alias in small.names:
                    if _dotted(alias.name) == name:
                        return alias.evaluated_alias or name
    return None


def add_imports(module: cst.Module, names: Sequence[Tuple[str, Optional[str]]]) -> cst.Module:
    """``module`` with ``import NAME [as ALIAS]`` for each of ``names``."""
    if not names:
        return module
    body = list(module.body)
    position = _first_import(body)
    statements = [
        cst.SimpleStatementLine([cst.Import([cst.ImportAlias(
            cst.Name(name), asname=cst.AsName(cst.Name(alias)) if alias else None
        )])])
        for name, alias in names
    ]
    if position < len(body):
        # The new imports take the place, and the comments, of the first one.
        statements[0] = statements[0].with_changes(leading_lines=body[position].leading_lines)
        body[position] = body[position].with_changes(leading_lines=[])
    body[position:position] = statements
    return module.with_changes(body=body)


def _first_import(body: Sequence[Statement]) -> int:
    after_header = 0
    for index, statement in enumerate(body):
        if not isinstance(statement, cst.SimpleStatementLine):
            break
        small = statement.body[0]
        if isinstance(small, (cst.Import, cst.ImportFrom)) and not _is_future(small):
            return index
        if _is_future(small) or (index == 0 and _is_docstring(small)):
            after_header = index + 1
    return after_header


def _is_future(small: cst.BaseSmallStatement) -> bool:
    return isinstance(small, cst.ImportFrom) and _dotted(small.module) == "__future__"


def _is_docstring(small: cst.BaseSmallStatement) -> bool:
    return isinstance(small, cst.Expr) and isinstance(small.value, cst.BaseString)


def drop_unused(module: cst.Module) -> Tuple[cst.Module, int]:
    """``module`` without the legacy names it no longer uses, and how many went."""
    used = used_names(module)
    dropped = 0
    body = list(module.body)
    gone: Set[int] = set()
    for index, statement in enumerate(body):
        if not isinstance(statement, cst.SimpleStatementLine):
            continue
        smalls = []
        for small in statement.body:
            if isinstance(small, cst.ImportFrom) and _dotted(small.module) in _LEGACY_MODULES \
                    and not isinstance(small.names, cst.ImportStar):
                kept = [
                    alias for alias in small.names
                    if _dotted(alias.name) not in _LEGACY_NAMES
                    or (alias.evaluated_alias or _dotted(alias.name)) in used
                ]
                dropped += len(small.names) - len(kept)
                if not kept:
                    continue
                if len(kept) < len(small.names):
                    kept[-1] = kept[-1].with_changes(comma=cst.MaybeSentinel.DEFAULT)
                    small = small.with_changes(names=kept)
            smalls.append(small)
        if not smalls:
            gone.add(index)
        elif len(smalls) < len(statement.body):
            smalls[-1] = smalls[-1].with_changes(semicolon=cst.MaybeSentinel.DEFAULT)
            body[index] = statement.with_changes(body=smalls)
        else:
            body[index] = statement.with_changes(body=smalls)
    body, footer = without_statements(body, gone)
    return module.with_changes(body=body, footer=footer + list(module.footer)), dropped


def without_statements(body: Sequence[Statement], gone: Set[int]
                       ) -> Tuple[List[Statement], List[cst.EmptyLine]]:
    """``body`` without the statements at ``gone``; each leaves its
    comments (and, before the first statement left, its blank lines) to the
    statement after it.  The comments of the last statements, if they go,
    come back second, for the block's footer."""
    kept: List[Statement] = []
    carried: List[cst.EmptyLine] = []
    for index, statement in enumerate(body):
        if index in gone:
            lines = list(statement.leading_lines)
            if any(line.comment is not None for line in lines) or not carried:
                carried += lines
            continue
        if carried:
            own = list(statement.leading_lines)
            if own and not any(line.comment is not None for line in carried):
                carried = []
            statement = statement.with_changes(leading_lines=carried + own)
            carried = []
        kept.append(statement)
    return kept, [line for line in carried if line.comment is not None]


def used_names(module: cst.Module) -> Set[str]:
    """The names ``module`` uses outside its imports."""
    names: Set[str] = set()

    class Names(cst.CSTVisitor):
        def visit_Import(self, node: cst.Import) -> bool:
            return False

        def visit_ImportFrom(self, node: cst.ImportFrom) -> bool:
            return False

        def visit_Attribute(self, node: cst.Attribute) -> bool:
            # x.name uses x alone.
            node.value.visit(self)
            return False

        def visit_Name(self, node: cst.Name) -> None:
            names.add(node.value)

    module.visit(Names())
    return names


def _dotted(node: Optional[cst.BaseExpression]) -> str:
    if isinstance(node, cst.Name):
        return node.value
    if isinstance(node, cst.Attribute):
        return _dotted(node.value) + "." + node.attr.value
    return ""
