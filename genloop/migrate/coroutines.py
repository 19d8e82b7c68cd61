"""A generator function that becomes an ``async def`` (rows L01, L06, L11,
L13, L24): what changes besides its yields (:mod:`genloop.migrate.yields`).

- the coroutine decorator goes, its comments stay where they were;
- ``raise Return(v)`` (trollius, genloop) and ``raise StopIteration(v)``
  become ``return v``;
- ``with (yield from lock):`` becomes ``async with lock:``; ``with (yield
  from make())``, where the awaited call gives the context manager,
  becomes ``with (await make()):``.
"""

from typing import List, Sequence

import libcst as cst

__all__ = ["async_def", "returning", "async_with"]


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
        asynchronous=cst.Asynchronous(),
        decorators=kept,
        leading_lines=leading,
        lines_after_decorators=after,
    )


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
