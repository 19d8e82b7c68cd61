"""Undecorated helper generators that ``yield from`` a coroutine (row L11).

Since 3.7 asyncio's own coroutines (``asyncio.sleep``, ``Lock.acquire``,
``StreamReader.read``...) are ``async def``, and a generator may only
``yield from`` one if its code carries the ``CO_ITERABLE_COROUTINE`` flag,
which ``@asyncio.coroutine`` (``types.coroutine``) used to set.  Legacy code
often left helpers undecorated.  Python checks the flag of the running code,
so it has to be set before the helper runs: genloop sets it, at load time,
on every generator that contains a ``yield from``, in the modules loaded
while the compat layer is installed (and in the program ``genloop run``
starts).  The standard library is left alone.
"""

import dis
import importlib.abc
import importlib.machinery
import inspect
import sys
import sysconfig
import types
from typing import Any, Optional, Sequence, Tuple

from .. import _versions

__all__ = ["flag_generators", "ImportHook"]

_YIELD_FROM = dis.opmap["GET_YIELD_FROM_ITER"]
_STDLIB = sysconfig.get_paths()["stdlib"]


def flag_generators(code: types.CodeType) -> types.CodeType:
    """``code`` with every generator inside it that uses ``yield from``
    flagged as an iterable coroutine (what ``types.coroutine`` does)."""
    constants = tuple(
        flag_generators(const) if isinstance(const, types.CodeType) else const
        for const in code.co_consts
    )
    flags = code.co_flags
    if flags & inspect.CO_GENERATOR and _uses_yield_from(code):
        flags |= inspect.CO_ITERABLE_COROUTINE
    if flags == code.co_flags and constants == code.co_consts:
        return code
    return _replace(code, flags, constants)


def _uses_yield_from(code: types.CodeType) -> bool:
    return any(instruction.opcode == _YIELD_FROM for instruction in dis.get_instructions(code))


if _versions.HAS_CODE_REPLACE:

    def _replace(code: types.CodeType, flags: int, constants: Tuple[Any, ...]) -> types.CodeType:
        return code.replace(co_flags=flags, co_consts=constants)

else:

    def _replace(code: types.CodeType, flags: int, constants: Tuple[Any, ...]) -> types.CodeType:
        """3.7's CodeType constructor (3.6 never needs the flag)."""
        make_code: Any = types.CodeType
        return make_code(  # type: ignore[no-any-return]
            code.co_argcount, code.co_kwonlyargcount, code.co_nlocals, code.co_stacksize,
            flags, code.co_code, constants, code.co_names, code.co_varnames,
            code.co_filename, code.co_name, code.co_firstlineno, code.co_lnotab,
            code.co_freevars, code.co_cellvars,
        )


class _FlaggingLoader(importlib.machinery.SourceFileLoader):
    """A source loader whose modules get :func:`flag_generators`."""

    def get_code(self, fullname: str) -> Any:
        code = super().get_code(fullname)
        return None if code is None else flag_generators(code)


class ImportHook(importlib.abc.MetaPathFinder):
    """Finds modules as the standard path finder does and loads those outside
    the standard library with :class:`_FlaggingLoader`."""

    def find_spec(
        self, fullname: str, path: Optional[Sequence[str]], target: Any = None
    ) -> Optional[importlib.machinery.ModuleSpec]:
        spec = importlib.machinery.PathFinder.find_spec(fullname, path, target)
        if spec is None or type(spec.loader) is not importlib.machinery.SourceFileLoader:
            return spec
        origin = spec.origin or ""
        if origin.startswith(_STDLIB) and "site-packages" not in origin:
            return spec
        spec.loader = _FlaggingLoader(fullname, origin)
        return spec

    def install(self) -> None:
        """Go just before the standard path finder, after the finders of
        built-in and frozen modules."""
        finders = sys.meta_path
        position = finders.index(importlib.machinery.PathFinder)
        finders.insert(position, self)

    def uninstall(self) -> None:
        if self in sys.meta_path:
            sys.meta_path.remove(self)
