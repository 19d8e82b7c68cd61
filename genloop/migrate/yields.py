"""What each ``yield`` of a legacy coroutine waits for, and the ``await``
that waits for the same (rows L01, L11, L13).

- ``yield from x`` and trollius's ``yield From(x)``: ``await x``;
- tornado's ``x = yield fut`` or ``yield sub()``: ``await fut``,
  ``await sub()``; a bare ``yield`` (or ``yield None``) gave way for one
  loop iteration: ``await asyncio.sleep(0)``;
- ``yield [a, b]`` and ``yield (a, b)``: ``await asyncio.gather(a, b)``, a
  list, as genloop's Task sends for both (``yield [f(x) for x in xs]``:
  ``asyncio.gather(*[...])``);
- ``yield {k: a, j: b}``: ``dict(zip((k, j), await asyncio.gather(a, b)))``;
  a name that is only ever assigned lists (or dicts) is gathered as one;
- ``yield executor.submit(...)`` (a concurrent future):
  ``await asyncio.wrap_future(executor.submit(...))``.

A yield of a plain value (a number, a string, a comparison...) waits for
nothing: the generator is not a coroutine, or not only one, and is left as
it is.  So is a yield whose wait no expression can say in the same order
(a dict comprehension, ``**`` in a dict, computed keys, a generator
expression).
"""

from typing import Callable, List, Optional, Tuple, Union

import libcst as cst

__all__ = [
    "IsFrom",
    "FROM_YIELD", "VALUE_YIELD", "LIST", "DICT", "delegation", "without_from", "plain_value",
    "unsupported", "holds", "awaiting", "parenthesized", "is_primary",
]

#: ``yield from x`` / ``yield From(x)``.
FROM_YIELD = "from"
#: ``yield x``, tornado-style (or a bare ``yield``).
VALUE_YIELD = "yield"

#: Whether a call is trollius's ``From(x)``.
IsFrom = Callable[[cst.Call], bool]

_LITERALS = (cst.BaseNumber, cst.BaseString, cst.Lambda, cst.Comparison, cst.BinaryOperation,
             cst.UnaryOperation, cst.BooleanOperation, cst.Set, cst.SetComp)
_PRIMARIES = (cst.Name, cst.Attribute, cst.Call, cst.Subscript, cst.BaseString, cst.BaseNumber,
              cst.List, cst.Dict, cst.Set, cst.BaseComp, cst.Ellipsis)


def delegation(node: cst.Yield, is_from: IsFrom) -> Tuple[str, Optional[cst.BaseExpression]]:
    """How ``node`` yields, and its operand (None for a bare yield)."""
    value = node.value
    if isinstance(value, cst.From):
        return FROM_YIELD, value.item
    if isinstance(value, cst.Call) and _from_operand(value, is_from) is not None:
        return FROM_YIELD, without_from(value, is_from)
    if isinstance(value, cst.Name) and value.value == "None":
        return VALUE_YIELD, None
    return VALUE_YIELD, value


def without_from(operand: cst.BaseExpression, is_from: IsFrom) -> cst.BaseExpression:
    """``x`` for ``From(x)``, ``From(From(x))``..."""
    inner = _from_operand(operand, is_from)
    while inner is not None:
        operand = inner
        inner = _from_operand(operand, is_from)
    return operand


def _from_operand(operand: cst.BaseExpression, is_from: IsFrom) -> Optional[cst.BaseExpression]:
    if (
        isinstance(operand, cst.Call) and is_from(operand) and len(operand.args) == 1
        and not operand.args[0].star and operand.args[0].keyword is None
    ):
        return operand.args[0].value
    return None


def plain_value(operand: Optional[cst.BaseExpression]) -> bool:
    """Whether a tornado-style yield of ``operand`` waits for nothing."""
    if operand is None:
        return False
    if isinstance(operand, _LITERALS):
        return True
    if isinstance(operand, cst.Name):
        return operand.value in ("True", "False")
    if isinstance(operand, (cst.List, cst.Tuple)):
        return any(plain_value(element.value) for element in operand.elements)
    if isinstance(operand, cst.Dict):
        return any(
            isinstance(element, cst.DictElement) and plain_value(element.value)
            for element in operand.elements
        )
    return False


def unsupported(operand: Optional[cst.BaseExpression]) -> Optional[str]:
    """Why no await says what a tornado-style yield of ``operand`` waits
    for, in the same order; None when one does."""
    if isinstance(operand, cst.DictComp):
        return "yields a dict comprehension (gather its values by hand)"
    if isinstance(operand, cst.GeneratorExp):
        return "yields a generator expression (a list of the awaitables was meant?)"
    if isinstance(operand, cst.Dict):
        for element in operand.elements:
            if not isinstance(element, cst.DictElement):
                return "yields a dict with ** entries (gather its values by hand)"
            if not isinstance(element.key, (cst.Name, cst.BaseString, cst.BaseNumber)):
                return "yields a dict whose keys are computed (gather its values by hand)"
    return None


#: What a name yielded tornado-style holds, when its bindings say so.
LIST = "list"
DICT = "dict"


def holds(values: Optional[List[cst.BaseExpression]]) -> Optional[str]:
    """:data:`LIST` or :data:`DICT` when every value a name may hold
    (:func:`genloop.migrate.names.bound_values`) is one; else None."""
    if not values:
        return None
    if all(isinstance(value, (cst.List, cst.Tuple, cst.ListComp)) for value in values):
        return LIST
    if all(isinstance(value, (cst.Dict, cst.DictComp)) for value in values):
        return DICT
    return None


def awaiting(how: str, operand: Optional[cst.BaseExpression], asyncio_name: str,
             is_from: IsFrom, held: Optional[str]) -> Tuple[cst.BaseExpression, bool]:
    """The await expression for a yield (unparenthesized), and whether it
    names asyncio; ``held`` says what a name given as ``operand`` holds."""
    if how == FROM_YIELD and operand is not None:
        return _await(operand), False
    if operand is None:
        return _await(_call(asyncio_name, "sleep", [cst.Arg(cst.Integer("0"))])), True
    if isinstance(operand, (cst.List, cst.Tuple)):
        arguments = _arguments(operand, asyncio_name, is_from)
        return _await(_call(asyncio_name, "gather", arguments)), True
    if isinstance(operand, cst.ListComp) or held == LIST:
        return _await(_call(asyncio_name, "gather", [cst.Arg(operand, star="*")])), True
    if isinstance(operand, cst.Dict):
        return _dict_of_results(operand, asyncio_name, is_from), True
    if held == DICT:
        return _dict_by_name(operand, asyncio_name), True
    return _awaitable(operand, asyncio_name, is_from)


def _awaitable(operand: cst.BaseExpression, asyncio_name: str, is_from: IsFrom
               ) -> Tuple[cst.BaseExpression, bool]:
    """The await of one awaitable yielded tornado-style."""
    awaitable, names_asyncio = _waitable(operand, asyncio_name, is_from)
    return _await(awaitable), names_asyncio


def _waitable(operand: cst.BaseExpression, asyncio_name: str, is_from: IsFrom
              ) -> Tuple[cst.BaseExpression, bool]:
    """What asyncio waits for in place of ``operand``: without trollius's
    ``From``, a concurrent future wrapped."""
    operand = without_from(operand, is_from)
    if _is_submit(operand):
        return _call(asyncio_name, "wrap_future", [cst.Arg(operand)]), True
    return operand, False


def is_primary(expression: cst.BaseExpression) -> bool:
    """Whether ``expression`` may stand as ``await``'s operand as it is."""
    return bool(expression.lpar) or isinstance(expression, _PRIMARIES)


def parenthesized(expression: cst.BaseExpression) -> cst.BaseExpression:
    if expression.lpar:
        return expression
    return expression.with_changes(lpar=[cst.LeftParen()], rpar=[cst.RightParen()])


def _await(operand: cst.BaseExpression) -> cst.Await:
    return cst.Await(operand if is_primary(operand) else parenthesized(operand))


def _call(module: str, function: str, arguments: List[cst.Arg]) -> cst.Call:
    return cst.Call(cst.Attribute(cst.Name(module), cst.Name(function)), arguments)


def _arguments(display: Union[cst.List, cst.Tuple], asyncio_name: str, is_from: IsFrom
               ) -> List[cst.Arg]:
    """The elements of a list or tuple display as call arguments, commas
    and line breaks kept."""
    arguments = []
    for element in display.elements:
        if isinstance(element, cst.StarredElement):
            arguments.append(cst.Arg(element.value, star="*", comma=element.comma))
        else:
            value = _waitable(element.value, asyncio_name, is_from)[0]
            arguments.append(cst.Arg(value, comma=element.comma))
    if arguments and isinstance(arguments[-1].comma, cst.Comma) and len(arguments) == 1:
        # (a,) is a tuple of one; gather(a,) is just gather(a).
        arguments[-1] = arguments[-1].with_changes(comma=cst.MaybeSentinel.DEFAULT)
    return arguments


def _dict_of_results(display: cst.Dict, asyncio_name: str, is_from: IsFrom
                     ) -> cst.BaseExpression:
    keys = []
    values = []
    for element in display.elements:
        assert isinstance(element, cst.DictElement)
        keys.append(cst.Element(element.key))
        values.append(cst.Arg(_waitable(element.value, asyncio_name, is_from)[0]))
    if len(keys) == 1:
        keys[0] = keys[0].with_changes(comma=cst.Comma())
    key_tuple = cst.Tuple(keys, lpar=[cst.LeftParen()], rpar=[cst.RightParen()])
    results = _await(_call(asyncio_name, "gather", values))
    zipped = cst.Call(cst.Name("zip"), [cst.Arg(key_tuple), cst.Arg(results)])
    return cst.Call(cst.Name("dict"), [cst.Arg(zipped)])


def _dict_by_name(name: cst.BaseExpression, asyncio_name: str) -> cst.BaseExpression:
    """``dict(zip(d.keys(), await asyncio.gather(*d.values())))``."""
    keys = cst.Call(cst.Attribute(name, cst.Name("keys")))
    values = cst.Call(cst.Attribute(name, cst.Name("values")))
    results = _await(_call(asyncio_name, "gather", [cst.Arg(values, star="*")]))
    zipped = cst.Call(cst.Name("zip"), [cst.Arg(keys), cst.Arg(results)])
    return cst.Call(cst.Name("dict"), [cst.Arg(zipped)])


def _is_submit(operand: cst.BaseExpression) -> bool:
    return (
        isinstance(operand, cst.Call)
        and isinstance(operand.func, cst.Attribute)
        and operand.func.attr.value == "submit"
    )
