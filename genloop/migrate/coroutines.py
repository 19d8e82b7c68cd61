"""A function that becomes an ``async def`` (rows L01, L06, L11, L13, L24):
what changes besides its yields (:mod:`genloop.migrate.yields`).

- the coroutine decorator goes, its comments stay where they were (on an
  ``async def`` it returned the function as it was: it just goes);
- a plain function under the decorator, which awaited what the function
  returned when that was awaitable: ``return f()`` becomes ``return await
  f()`` where ``f()`` is known to be awaitable, and stays where what it
  returns never is (:func:`never_awaitable`);
- an ``__await__`` generator must still return an iterator: its body
  becomes a nested ``async def``, whose coroutine's ``__await__()`` it
  returns;
- ``raise Return(v)`` (trollius, genloop) and ``raise StopIteration(v)``
  become ``return v``;
- ``with (yield from lock):`` becomes ``async with lock:``; ``with (yield
  from make())``, where the awaited call gives the context manager,
  becomes ``with (await make()):``.
"""

import re
from typing import Callable, List, Sequence

import libcst as cst

from .yields import is_primary, parenthesized

__all__ = [
    "async_def", "awaiter_def", "returning", "awaited_return", "never_awaitable", "async_with",
]

#: Expressions whose value no await takes, whatever their operands.
_NEVER_AWAITABLE = (
    cst.BaseNumber, cst.BaseString, cst.Comparison, cst.BinaryOperation, cst.UnaryOperation,
    cst.Lambda, cst.List, cst.Tuple, cst.Dict, cst.Set, cst.ListComp, cst.SetComp,
    cst.DictComp, cst.Ellipsis,
)


def async_def(node: cst.FunctionDef, coroutine_decorators: Sequence[bool]) -> cst.FunctionDef:
    """``node`` as an ``async def``, without the decorators flagged in
    ``coroutine_decorators`` (one flag per decorator)."""
    kept: List[cst.Decorator] = []
    #: Lines of dropped decorators (their comments), for what comes next.
    pending: List[cst.EmptyLine] = []
    for decorator, dropped in zip(node.decorators, coroutine_decorators):
        lines = pending + list(decorator.leading_lines)
        if dropped:
            comment = decorator.trailing_whitespace.comment
            pending = lines + ([cst.EmptyLine(comment=comment)] if comment is not None else [])
        else:
            kept.append(decorator.with_changes(leading_lines=lines))
            pending = []
    leading = list(node.leading_lines)
    after = pending + list(node.lines_after_decorators)
    if not kept:
        leading, after = leading + after, []
    return node.with_changes(
        asynchronous=node.asynchronous or cst.Asynchronous(),
        decorators=kept,
        leading_lines=leading,
        lines_after_decorators=after,
    )


def awaiter_def(node: cst.FunctionDef) -> cst.FunctionDef:
    """``def __await__(self):`` with its body in ``async def awaited():``
    (a name the function does not use) and ``return
    awaited().__await__()``."""
    code = cst.Module([]).code_for_node(node)
    name = "awaited"
    while re.search(r"\b{}\b".format(name), code):
        name += "_"
    indented = node.body
    if isinstance(indented, cst.SimpleStatementSuite):
        indented = cst.IndentedBlock([cst.SimpleStatementLine(indented.body)])
    assert isinstance(indented, cst.IndentedBlock)
    coroutine = cst.FunctionDef(
        cst.Name(name), cst.Parameters(), indented.with_changes(header=cst.TrailingWhitespace()),
        asynchronous=cst.Asynchronous(),
    )
    returned = cst.SimpleStatementLine([cst.Return(cst.Call(
        cst.Attribute(cst.Call(cst.Name(name)), cst.Name("__await__"))
    ))])
    return node.with_changes(body=cst.IndentedBlock(
        [coroutine, returned], header=indented.header, indent=indented.indent,
    ))


def returning(node: cst.Raise, arguments: Sequence[cst.Arg]) -> cst.Return:
    """``return`` with what ``raise Return(*arguments)`` gave the caller."""
    values = [argument.value for argument in arguments]
    if not values:
        return cst.Return(value=None, semicolon=node.semicolon)
    if len(values) == 1:
        value: cst.BaseExpression = values[0]
    else:
        value = cst.Tuple([cst.Element(v) for v in values], lpar=[], rpar=[])
    return cst.Return(
        value=value, whitespace_after_return=node.whitespace_after_raise,
        semicolon=node.semicolon,
    )


def awaited_return(node: cst.Return) -> cst.Return:
    """``return await x`` for ``return x``."""
    assert node.value is not None
    return node.with_changes(value=cst.Await(node.value if is_primary(node.value) else
                                             parenthesized(node.value)))


def never_awaitable(expression: cst.BaseExpression,
                    plain_name: Callable[[cst.Name], bool] = lambda name: False) -> bool:
    """Whether ``expression`` (a literal, a constant, an operation, a
    display...) never gives an awaitable: what a coroutine decorator gave
    back as it was.  ``plain_name`` says it of a name other than a
    constant."""
    if isinstance(expression, cst.Name):
        return expression.value in ("None", "True", "False") or plain_name(expression)
    if isinstance(expression, cst.BooleanOperation):
        return never_awaitable(expression.left, plain_name) and never_awaitable(
            expression.right, plain_name
        )
    if isinstance(expression, cst.IfExp):
        return never_awaitable(expression.body, plain_name) and never_awaitable(
            expression.orelse, plain_name
        )
    return isinstance(expression, _NEVER_AWAITABLE)


def async_with(node: cst.With) -> cst.With:
    """``with await lock:`` as ``async with lock:``; a context manager
    that an awaited call gives stays in a plain ``with``."""
    item = node.items[0]
    awaited = item.item
    assert isinstance(awaited, cst.Await)
    if isinstance(awaited.expression, cst.Call):
        return node.with_changes(items=[item.with_changes(item=_parenthesized(awaited))])
    return node.with_changes(
        asynchronous=cst.Asynchronous(),
        items=[item.with_changes(item=awaited.expression.with_changes(lpar=[], rpar=[]))],
        # 'with (await lock):' may parse as parenthesized items.
        lpar=cst.MaybeSentinel.DEFAULT,
        rpar=cst.MaybeSentinel.DEFAULT,
    )


def _parenthesized(expression: cst.Await) -> cst.Await:
    return expression if expression.lpar else expression.with_changes(
        lpar=[cst.LeftParen()], rpar=[cst.RightParen()]
    )
