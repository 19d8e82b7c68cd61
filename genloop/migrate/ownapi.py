"""genloop's own API rewritten as asyncio's (``genloop migrate
--drop-genloop``), so that a migrated tree runs without genloop.

Code written against genloop while it was migrating (``genloop.run``,
``genloop.new_event_loop()``, ``genloop.Task``...) gets asyncio's function
or class of the same use: the stock loop, the stock tasks.  A statement
that only made genloop's tasks or loop the default (``genloop.install()``,
``loop.set_task_factory(genloop.task_factory)``) goes, its comments left
to the statement after it.  Imports of genloop that nothing uses any more
go.  Whatever else of genloop is used (``genloop.testing``,
``LegacyAPIWarning``...) has no asyncio counterpart: it is listed.

It runs on a module the legacy rewrites are done with, as a pass of its
own: they leave ``genloop.From``, ``Return`` and ``coroutine`` unused.
"""

from typing import Dict, List, Optional, Sequence, Set, Tuple, Union

import libcst as cst
from libcst.metadata import ParentNodeProvider, PositionProvider, QualifiedNameProvider

from .imports import Statement, add_imports, bound_module, used_names, without_statements
from .report import Left

__all__ = ["drop_genloop", "EQUIVALENTS"]

#: genloop's names and asyncio's name for the same use.
EQUIVALENTS: Dict[str, str] = {
    "run": "run",
    "new_event_loop": "new_event_loop",
    "EventLoop": "SelectorEventLoop",
    "EventLoopPolicy": "DefaultEventLoopPolicy",
    "Task": "Task",
    "current_task": "current_task",
    "all_tasks": "all_tasks",
    "iscoroutine": "iscoroutine",
    "iscoroutinefunction": "iscoroutinefunction",
}
#: What the listing of a use without an equivalent counts under.
ROW = "genloop"


def drop_genloop(text: str, path: str) -> Tuple[str, int, List[Left]]:
    """``text`` with genloop's API as asyncio's: the new text, how many
    uses were rewritten, and the uses left (listed)."""
    module = cst.parse_module(text)
    wrapper = cst.MetadataWrapper(module, unsafe_skip_copy=True)
    rewriter = _OwnAPI(path)
    module = wrapper.visit(rewriter)
    if not rewriter.count:
        return text, 0, rewriter.left
    if rewriter.needs_asyncio:
        # Before genloop's imports go: it takes the place of the first.
        module = add_imports(module, [("asyncio", None)])
    module = _without_unused_imports(module)
    return module.code, rewriter.count, rewriter.left


class _OwnAPI(cst.CSTTransformer):
    METADATA_DEPENDENCIES = (QualifiedNameProvider, PositionProvider, ParentNodeProvider)

    def __init__(self, path: str) -> None:
        super().__init__()
        self._path = path
        self.count = 0
        self.left: List[Left] = []
        self.needs_asyncio = False
        self._asyncio = "asyncio"
        self._in_import = 0
        #: The statements that go (their updated nodes, by id): the nodes
        #: are kept, so that no other node gets the id of one freed.
        self._dropped: Dict[int, cst.SimpleStatementLine] = {}

    def _genloop_name(self, node: cst.CSTNode) -> Optional[str]:
        """What of genloop ``node`` names (``run`` for ``genloop.run``)."""
        names = self.get_metadata(QualifiedNameProvider, node, set())
        found = {name.name for name in names if name.name.startswith("genloop.")}
        return found.pop()[len("genloop."):] if len(found) == 1 else None

    def visit_Module(self, node: cst.Module) -> None:
        self._asyncio = bound_module(node, "asyncio") or "asyncio"
        self.needs_asyncio = bound_module(node, "asyncio") is None

    def visit_Import(self, node: cst.Import) -> None:
        self._in_import += 1

    def leave_Import(self, original_node: cst.Import, updated_node: cst.Import) -> cst.Import:
        self._in_import -= 1
        return updated_node

    def visit_ImportFrom(self, node: cst.ImportFrom) -> None:
        self._in_import += 1

    def leave_ImportFrom(self, original_node: cst.ImportFrom, updated_node: cst.ImportFrom
                         ) -> cst.ImportFrom:
        self._in_import -= 1
        return updated_node

    def leave_SimpleStatementLine(self, original_node: cst.SimpleStatementLine,
                                  updated_node: cst.SimpleStatementLine
                                  ) -> cst.SimpleStatementLine:
        if len(original_node.body) == 1 and self._only_sets_a_default(original_node.body[0]):
            self.count += 1
            self._dropped[id(updated_node)] = updated_node
        return updated_node

    def _only_sets_a_default(self, small: cst.BaseSmallStatement) -> bool:
        """``genloop.install()`` or ``loop.set_task_factory(genloop.task_factory)``."""
        call = small.value if isinstance(small, cst.Expr) else None
        if not isinstance(call, cst.Call):
            return False
        if self._genloop_name(call.func) == "install":
            return True
        return (
            isinstance(call.func, cst.Attribute) and call.func.attr.value == "set_task_factory"
            and len(call.args) == 1
            and self._genloop_name(call.args[0].value) == "task_factory"
        )

    def leave_Attribute(self, original_node: cst.Attribute, updated_node: cst.Attribute
                        ) -> cst.BaseExpression:
        return self._used(original_node, updated_node)

    def leave_Name(self, original_node: cst.Name, updated_node: cst.Name
                   ) -> cst.BaseExpression:
        parent = self.get_metadata(ParentNodeProvider, original_node, None)
        if isinstance(parent, cst.Attribute):
            # Its attribute is the use (genloop.run), or it is an attribute's name.
            return updated_node
        return self._used(original_node, updated_node)

    def _used(self, original: Union[cst.Attribute, cst.Name], updated: cst.BaseExpression
              ) -> cst.BaseExpression:
        name = None if self._in_import else self._genloop_name(original)
        if name is None or self._in_dropped(original):
            return updated
        parent = self.get_metadata(ParentNodeProvider, original, None)
        if isinstance(parent, cst.Attribute) and parent.value is original:
            # genloop.testing.TestCase: its own whole name is the use.
            return updated
        if name in EQUIVALENTS:
            self.count += 1
            return cst.Attribute(cst.Name(self._asyncio), cst.Name(EQUIVALENTS[name]))
        line = self.get_metadata(PositionProvider, original).start.line
        self.left.append(Left(
            self._path, line, ROW, "genloop." + name,
            "asyncio has no equivalent: this module still needs genloop",
        ))
        return updated

    def _in_dropped(self, node: cst.CSTNode) -> bool:
        parent = self.get_metadata(ParentNodeProvider, node, None)
        while parent is not None and not isinstance(parent, cst.SimpleStatementLine):
            parent = self.get_metadata(ParentNodeProvider, parent, None)
        return parent is not None and len(parent.body) == 1 and self._only_sets_a_default(
            parent.body[0]
        )

    def leave_IndentedBlock(self, original_node: cst.IndentedBlock,
                            updated_node: cst.IndentedBlock) -> cst.IndentedBlock:
        body, footer = self._kept(updated_node.body)
        if not body:
            body = [cst.SimpleStatementLine([cst.Pass()])]
        return updated_node.with_changes(body=body, footer=footer + list(updated_node.footer))

    def leave_Module(self, original_node: cst.Module, updated_node: cst.Module) -> cst.Module:
        body, footer = self._kept(updated_node.body)
        return updated_node.with_changes(body=body, footer=footer + list(updated_node.footer))

    def _kept(self, body: Sequence[cst.BaseStatement]
              ) -> Tuple[List[Statement], List[cst.EmptyLine]]:
        statements = [
            s for s in body if isinstance(s, (cst.SimpleStatementLine, cst.BaseCompoundStatement))
        ]
        gone = {
            index for index, s in enumerate(statements) if self._dropped.get(id(s)) is s
        }
        return without_statements(statements, gone)


def _without_unused_imports(module: cst.Module) -> cst.Module:
    """``module`` without its imports of genloop that nothing uses now."""
    used = used_names(module)
    body = list(module.body)
    gone: Set[int] = set()
    for index, statement in enumerate(body):
        if not isinstance(statement, cst.SimpleStatementLine) or len(statement.body) != 1:
            continue
        small = statement.body[0]
        if isinstance(small, cst.Import):
            aliases: Sequence[cst.ImportAlias] = small.names
            names = [alias for alias in aliases
                     if not _of_genloop(alias.name) or _bound(alias) in used]
        elif isinstance(small, cst.ImportFrom) and not isinstance(small.names, cst.ImportStar) \
                and small.module is not None and _of_genloop(small.module):
            aliases = small.names
            names = [alias for alias in aliases if _bound(alias) in used]
        else:
            continue
        if not names:
            gone.add(index)
        elif len(names) < len(aliases):
            names[-1] = names[-1].with_changes(comma=cst.MaybeSentinel.DEFAULT)
            body[index] = statement.with_changes(body=[small.with_changes(names=names)])
    body, footer = without_statements(body, gone)
    return module.with_changes(body=body, footer=footer + list(module.footer))


def _of_genloop(name: cst.BaseExpression) -> bool:
    text = cst.Module([]).code_for_node(name)
    return text == "genloop" or text.startswith("genloop.")


def _bound(alias: cst.ImportAlias) -> str:
    """The name an import alias binds (``genloop`` for ``import genloop.testing``)."""
    if alias.asname is not None:
        return alias.evaluated_alias or ""
    return cst.Module([]).code_for_node(alias.name).partition(".")[0]
