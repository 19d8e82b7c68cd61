"""The asyncio API as later Pythons spell it (rows L02, L03, L04, L05, L07,
L08, L19): each rewrite is one call, attribute or import, given what it
resolves to (:mod:`genloop.migrate.names`).

- ``loop=`` goes from the functions and classes that dropped it in 3.10
  (L05), commas and line breaks kept as the remaining arguments had them;
- ``asyncio.async`` and ``getattr(asyncio, "async")`` become
  ``asyncio.ensure_future``, ``from asyncio import async`` imports
  ``ensure_future`` under the name its uses get (L02); ``x.async`` for an
  ``x`` from outside the tree becomes ``getattr(x, "async")``, listed;
- ``f(async=x)`` for a function outside the tree becomes
  ``f(**{"async": x})``: its parameter keeps its name (L03);
- ``Task.current_task()`` and ``Task.all_tasks()`` become
  ``asyncio.current_task()`` and ``asyncio.all_tasks()`` (L07);
- ``asyncio.JoinableQueue`` becomes ``asyncio.Queue`` (L04);
- ``asyncio.wait([f(), g()])``: each call in the list is wrapped in
  ``asyncio.ensure_future()`` (L08), which leaves futures as they are, and
  ``asyncio.wait(aws)`` waits for ``[asyncio.ensure_future(aw) for aw in
  aws]`` unless ``aws`` is a list of tasks made where it is assigned
  (in a coroutine: outside, no loop runs to make the tasks on);
- names imported from where they lived until 3.7/3.8 (L19) are imported
  from ``asyncio``; ``asyncio.selectors`` is the ``selectors`` module
  (``import asyncio.selectors as s`` included).
"""

from typing import List, Optional

import libcst as cst

__all__ = [
    "without_keyword", "keyword_as_string", "is_async_lookup", "each_ensured", "makes_task",
    "MOVED_FROM", "TASK_METHODS",
]

#: Names that left ``asyncio.futures`` (3.8) and ``asyncio.streams`` for
#: ``asyncio.exceptions``; the package exports them all.
MOVED_FROM = {
    "asyncio.futures": frozenset(["CancelledError", "TimeoutError", "InvalidStateError"]),
    "asyncio.streams": frozenset(["IncompleteReadError", "LimitOverrunError"]),
}
#: asyncio functions that make a task of a coroutine.
_TASK_MAKERS = frozenset(["ensure_future", "async", "create_task", "Task"])
#: ``Task``'s class methods and the functions that replace them.
TASK_METHODS = {"Task.current_task": "current_task", "Task.all_tasks": "all_tasks"}


def without_keyword(call: cst.Call, keyword: str) -> Optional[cst.Call]:
    """``call`` without its ``keyword=`` argument; None if it has none."""
    arguments = list(call.args)
    for index, argument in enumerate(arguments):
        if argument.keyword is not None and argument.keyword.value == keyword:
            break
    else:
        return None
    removed = arguments.pop(index)
    if index == len(arguments) and arguments:
        # The last one goes: the one before ends the list as it did.
        arguments[-1] = arguments[-1].with_changes(
            comma=removed.comma, whitespace_after_arg=removed.whitespace_after_arg
        )
    return call.with_changes(args=arguments)


def keyword_as_string(argument: cst.Arg, keyword: str) -> cst.Arg:
    """``async=x`` as ``**{"async": x}``, for a parameter that keeps its name."""
    entry = cst.DictElement(cst.SimpleString('"{}"'.format(keyword)), argument.value)
    return cst.Arg(cst.Dict([entry]), star="**", comma=argument.comma,
                   whitespace_after_arg=argument.whitespace_after_arg)


def is_async_lookup(call: cst.Call, getattr_name: Optional[str],
                    owner: Optional[str]) -> bool:
    """Whether ``call`` is ``getattr(asyncio, "async")`` (``getattr_name``
    and ``owner``: what its function and first argument resolve to)."""
    if getattr_name != "builtins.getattr" or owner != "asyncio" or len(call.args) != 2:
        return False
    name = call.args[1].value
    return isinstance(name, cst.SimpleString) and name.evaluated_value == "async"


def each_ensured(call: cst.Call, ensure_future: cst.BaseExpression, holds_tasks: bool
                 ) -> Optional[cst.Call]:
    """``asyncio.wait([f(), g()])`` with each call in
    ``asyncio.ensure_future()``, ``asyncio.wait(aws)`` with
    ``[asyncio.ensure_future(aw) for aw in aws]`` unless ``holds_tasks``
    says the name holds tasks only; None when nothing is to wrap."""
    if not call.args or call.args[0].keyword is not None or call.args[0].star:
        return None
    first = call.args[0].value
    if isinstance(first, (cst.List, cst.Tuple, cst.Set)):
        elements: List[cst.BaseElement] = []
        changed = False
        for element in first.elements:
            if isinstance(element, cst.Element) and _unwrapped_call(element.value):
                element = element.with_changes(value=_ensured(element.value, ensure_future))
                changed = True
            elements.append(element)
        if not changed:
            return None
        wrapped: cst.BaseExpression = first.with_changes(elements=elements)
    elif isinstance(first, (cst.ListComp, cst.SetComp)):
        if not _unwrapped_call(first.elt):
            return None
        wrapped = first.with_changes(elt=_ensured(first.elt, ensure_future))
    elif holds_tasks or isinstance(first, cst.BaseComp):
        return None
    else:
        each = cst.Name("aw")
        wrapped = cst.ListComp(_ensured(each, ensure_future), cst.CompFor(each, first))
    return call.with_changes(args=[call.args[0].with_changes(value=wrapped)] + list(call.args[1:]))


def _unwrapped_call(expression: cst.BaseExpression) -> bool:
    return isinstance(expression, cst.Call) and not (
        isinstance(expression.func, cst.Attribute)
        and expression.func.attr.value in ("ensure_future", "create_task")
    )


def makes_task(expression: cst.BaseExpression, api: Optional[str]) -> bool:
    """Whether ``expression`` (``api``: what its function resolves to in
    asyncio) is a call that makes a task."""
    if not isinstance(expression, cst.Call):
        return False
    func = expression.func
    return api in _TASK_MAKERS or (
        isinstance(func, cst.Attribute) and func.attr.value in ("create_task", "ensure_future")
    )


def _ensured(expression: cst.BaseExpression, ensure_future: cst.BaseExpression) -> cst.Call:
    return cst.Call(ensure_future, [cst.Arg(expression)])
