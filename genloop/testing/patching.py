"""``patch`` and ``create_autospec`` as asynctest made them, on every
Python: ``unittest.mock``'s, with three differences a suite written on
asynctest relies on.

* What ``patch`` puts in place by default is a :class:`CoroutineMock` when
  the patched object (or its ``spec``) is a coroutine function — ``async
  def`` or ``@coroutine`` — and genloop's :class:`MagicMock` otherwise.
  ``unittest.mock`` gives an ``AsyncMock`` from 3.8 (whose ``side_effect``
  runs at the await, not at the call, and whose calls a plain generator
  cannot ``yield from``) and a ``MagicMock`` that cannot be awaited before.
* ``@patch`` (and ``@patch.object``, ``@patch.multiple``, ``@patch.dict``)
  on a coroutine function — ``async def``, ``@coroutine`` or a plain
  generator function, each a test method :class:`TestCase` runs — keeps
  the patch in place until the coroutine ends (asynctest's ``scope=GLOBAL``,
  the only scope here).  ``unittest.mock`` does so for ``async def`` alone
  and from 3.8 only: before, and for generators, the patch is undone when
  the call returns the coroutine, before it runs.
* ``create_autospec`` (also ``patch(autospec=True)``) makes coroutine
  functions, and the coroutine methods of a class or object, into
  ``CoroutineMock`` (signature-checked), where ``unittest.mock`` makes
  ``AsyncMock`` from 3.8 and plain mocks before.

Everything else is ``unittest.mock``'s own code, the one of the running
Python: ``patch``, ``patch.object``, ``patch.multiple``, ``patch.dict``'s
class decorator and ``create_autospec`` are unittest.mock's functions run
with genloop's mock classes in place of unittest.mock's (a copy of each
function whose global names ``MagicMock``, ``AsyncMock``, ``_patch``...
point here), so their checks, errors and version differences are kept and
``unittest.mock`` itself is left untouched.  Not carried over from
asynctest: ``scope=LIMITED`` (a patch undone at each ``await``).
"""

import contextlib
import functools
import inspect
import types
import unittest.mock
from typing import Any, Callable, Dict, Iterator, Optional, Tuple

from .._seam import mark_coroutine_function
from .mocks import CoroutineMock, MagicMock, NonCallableMagicMock, is_coroutine_function
from .running import delegate_to

__all__ = ["create_autospec", "patch"]

_stock: Any = unittest.mock
DEFAULT: Any = unittest.mock.DEFAULT


def _rebound(function: Any, **names: Any) -> Any:
    """``function`` (of unittest.mock) with some of its global names
    pointing elsewhere."""
    namespace = dict(function.__globals__)
    namespace.update(names)
    copy = types.FunctionType(
        function.__code__,
        namespace,
        function.__name__,
        function.__defaults__,
        function.__closure__,
    )
    copy.__kwdefaults__ = function.__kwdefaults__
    copy.__qualname__ = function.__qualname__
    copy.__doc__ = function.__doc__
    copy.__module__ = __name__
    return copy


# -- create_autospec ---------------------------------------------------------------


def _mock_for_spec(*args: Any, **kwargs: Any) -> Any:
    """What create_autospec makes where unittest.mock makes a MagicMock:
    a CoroutineMock for a coroutine function (unittest.mock before 3.8
    knows none)."""
    spec = kwargs.get("spec", kwargs.get("spec_set"))
    if isinstance(spec, (types.FunctionType, types.MethodType)) and is_coroutine_function(spec):
        return CoroutineMock(*args, **kwargs)
    return MagicMock(*args, **kwargs)


#: The await assertions a signature-checked function forwards to its mock.
_AWAIT_ASSERTIONS = (
    "assert_awaited",
    "assert_awaited_once",
    "assert_awaited_with",
    "assert_awaited_once_with",
    "assert_any_await",
    "assert_has_awaits",
    "assert_not_awaited",
)


def create_autospec(
    spec: Any,
    spec_set: Any = False,
    instance: bool = False,
    _parent: Any = None,
    _name: Any = None,
    **kwargs: Any
) -> Any:
    """``unittest.mock.create_autospec``, coroutine functions made
    :class:`CoroutineMock` (see the module docstring)."""
    coroutine_function = is_coroutine_function(spec) and not isinstance(spec, type)
    if coroutine_function and instance:
        raise RuntimeError(
            "Instance can not be True when create_autospec is mocking a coroutine function"
        )
    mock = _stock_create_autospec(spec, spec_set, instance, _parent, _name, **kwargs)
    if coroutine_function and isinstance(mock, types.FunctionType):
        # The signature-checking function unittest.mock wraps the mock in.
        inner = getattr(mock, "mock")
        if not is_coroutine_function(mock):
            mark_coroutine_function(mock)
        for name in _AWAIT_ASSERTIONS:
            if not hasattr(mock, name) or not hasattr(getattr(mock, name), "__wrapped__"):
                setattr(mock, name, functools.wraps(getattr(inner, name))(_forward(inner, name)))
    return mock


def _forward(mock: Any, name: str) -> Callable[..., Any]:
    def forward(*args: Any, **kwargs: Any) -> Any:
        return getattr(mock, name)(*args, **kwargs)

    return forward


_stock_create_autospec = _rebound(
    unittest.mock.create_autospec,
    MagicMock=_mock_for_spec,
    NonCallableMagicMock=NonCallableMagicMock,
    AsyncMock=CoroutineMock,
    create_autospec=create_autospec,
)


# -- decorating coroutine functions --------------------------------------------------


@contextlib.contextmanager
def _patched_arguments(
    patchings: Any, args: Tuple[Any, ...], kwargs: Dict[str, Any]
) -> Iterator[Tuple[Tuple[Any, ...], Dict[str, Any]]]:
    """Start ``patchings`` (stopped on leaving, last first); the call's
    arguments with the mocks they made, as unittest.mock passes them."""
    extra = []
    with contextlib.ExitStack() as stack:
        for patching in patchings:
            made = stack.enter_context(patching)
            if getattr(patching, "attribute_name", None) is not None:
                kwargs.update(made)
            elif getattr(patching, "new", None) is DEFAULT:
                extra.append(made)
        yield args + tuple(extra), kwargs


def _decorate_coroutine_function(function: Any, patching: Any) -> Optional[Any]:
    """``function`` patched by ``patching`` for as long as each of its
    coroutines runs; None when ``function`` makes no coroutine."""
    patched: Any
    if inspect.iscoroutinefunction(function) and inspect.isfunction(function):

        async def patched(*args: Any, **kwargs: Any) -> Any:
            with _patched_arguments(patched.patchings, args, kwargs) as (args, kwargs):
                return await function(*args, **kwargs)

    elif inspect.isgeneratorfunction(function) or is_coroutine_function(function):

        def patched(*args: Any, **kwargs: Any) -> Any:
            with _patched_arguments(patched.patchings, args, kwargs) as (args, kwargs):
                return (yield from delegate_to(function(*args, **kwargs)))

    else:
        return None
    functools.update_wrapper(patched, function)
    if is_coroutine_function(function) and not is_coroutine_function(patched):
        mark_coroutine_function(patched)
    patched.patchings = [patching]
    return patched


# -- patch -------------------------------------------------------------------------


class _patch(unittest.mock._patch):  # type: ignore[type-arg]
    """unittest.mock's patcher, making genloop's mocks and keeping its
    patches for as long as a decorated coroutine runs."""

    def __enter__(self) -> Any:
        new_callable = self.new_callable
        if self.new is DEFAULT and self.autospec is None and new_callable is None:
            # unittest.mock only sees async def functions (3.8+): choose
            # CoroutineMock for @coroutine ones too, and on every Python.
            spec = self.spec_set if self.spec_set not in (None, False) else self.spec
            if spec in (None, False, True):
                self.target = self.getter()
                spec, _ = self.get_original()
            if is_coroutine_function(spec):
                self.new_callable = CoroutineMock
        try:
            return _stock_enter(self)
        finally:
            self.new_callable = new_callable

    def copy(self) -> Any:
        copy = super().copy()
        copy.__class__ = type(self)
        return copy

    def __call__(self, function: Any) -> Any:
        if isinstance(function, type):
            return self.decorate_class(function)
        return self.decorate_callable(function)

    def decorate_callable(self, function: Any) -> Any:
        return _decorated(function, self, super().decorate_callable)


def _decorated(function: Any, patcher: Any, stock: Callable[[Any], Any]) -> Any:
    """``function`` under ``patcher``: added to the patches of a function
    already decorated, kept patched while a coroutine it makes runs, else
    decorated as unittest.mock does (``stock``)."""
    if hasattr(function, "patchings"):
        function.patchings.append(patcher)
        return function
    patched = _decorate_coroutine_function(function, patcher)
    return stock(function) if patched is None else patched


_stock_enter = _rebound(
    unittest.mock._patch.__enter__,
    MagicMock=MagicMock,
    NonCallableMagicMock=NonCallableMagicMock,
    AsyncMock=CoroutineMock,
    create_autospec=create_autospec,
)


class _patch_dict(unittest.mock._patch_dict):
    """unittest.mock's ``patch.dict``, keeping its patch for as long as a
    decorated coroutine runs."""

    def __call__(self, function: Any) -> Any:
        if isinstance(function, type):
            return self.decorate_class(function)
        return _decorated(function, self, super().__call__)

    decorate_class = _rebound(unittest.mock._patch_dict.decorate_class, _patch_dict=None)


_patch_dict.decorate_class.__globals__["_patch_dict"] = _patch_dict

patch: Any = _rebound(unittest.mock.patch, _patch=_patch)
patch.object = _rebound(_stock._patch_object, _patch=_patch)
patch.multiple = _rebound(_stock._patch_multiple, _patch=_patch)
patch.dict = _patch_dict
patch.stopall = _stock._patch_stopall
patch.TEST_PREFIX = unittest.mock.patch.TEST_PREFIX
