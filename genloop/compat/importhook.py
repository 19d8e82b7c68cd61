"""The import hook of ``genloop.compat``: modules outside the standard
library are compiled by :func:`genloop.compat.transform.compile_legacy`.

The hook finds modules exactly as the standard path finder does and only
changes how a source file becomes code.  Compiled code is cached beside
Python's own, under a name of its own (``mod.cpython-312.opt-genloop1.pyc``):
stock Python never reads genloop's cache, nor genloop Python's.  Where the
cache cannot be written (a read-only site-packages) the module is compiled
at each run, as Python itself does.

A package opts out with ``GENLOOP_HOOK_EXCLUDE=name,other`` (top-level
package names) in the environment: its modules load as Python loads them.
"""

import importlib.abc
import importlib.machinery
import importlib.util
import os
import sys
import sysconfig
from typing import Any, FrozenSet, Iterable, Optional, Sequence

from .delegation import NAMESPACE as _DELEGATION_NAMES
from .transform import NAMESPACE as _TRANSFORM_NAMES
from .transform import VERSION, compile_legacy

__all__ = ["ImportHook", "LegacySourceLoader", "prepare_namespace", "EXCLUDE_VARIABLE"]

#: The environment variable naming the packages the hook leaves alone.
EXCLUDE_VARIABLE = "GENLOOP_HOOK_EXCLUDE"

_STDLIB = sysconfig.get_paths()["stdlib"]

#: The optimization tag of genloop's cache files (letters and digits only).
_CACHE_TAG = "genloop{}{}".format(VERSION, "o{}".format(sys.flags.optimize) * bool(
    sys.flags.optimize))


def prepare_namespace(namespace: Any) -> None:
    """Give a module's globals the names its compiled code refers to."""
    namespace.update(_DELEGATION_NAMES)
    namespace.update(_TRANSFORM_NAMES)


class LegacySourceLoader(importlib.machinery.SourceFileLoader):
    """A source loader that compiles with :func:`compile_legacy` and keeps
    its bytecode in genloop's own cache files."""

    #: The optimization tag of this loader's cache files.
    cache_tag = _CACHE_TAG

    # typeshed has a static method; SourceLoader calls it on the loader.
    def source_to_code(  # type: ignore[override]
        self, data: Any, path: Any, *, _optimize: int = -1
    ) -> Any:
        return compile_legacy(data, path)

    def exec_module(self, module: Any) -> None:
        prepare_namespace(module.__dict__)
        super().exec_module(module)

    # SourceLoader.get_code reads and writes the cache at the path Python's
    # own cache_from_source() gives: redirect exactly that path.
    def get_data(self, path: str) -> bytes:
        return super().get_data(self._own_cache(path))

    def set_data(self, path: str, data: Any, *, _mode: int = 0o666) -> None:
        super().set_data(self._own_cache(path), data, _mode=_mode)

    def _own_cache(self, path: str) -> str:
        if path == importlib.util.cache_from_source(self.path):
            return importlib.util.cache_from_source(self.path, optimization=self.cache_tag)
        return path


class ImportHook(importlib.abc.MetaPathFinder):
    """Finds modules as the standard path finder does and loads the source
    files outside the standard library (and outside the excluded packages)
    with genloop's loader."""

    def __init__(self, exclude: Iterable[str] = ()) -> None:
        from_environment = os.environ.get(EXCLUDE_VARIABLE, "").split(",")
        self.exclude: FrozenSet[str] = frozenset(
            name.strip() for name in list(exclude) + from_environment if name.strip()
        )

    def find_spec(
        self, fullname: str, path: Optional[Sequence[str]], target: Any = None
    ) -> Optional[importlib.machinery.ModuleSpec]:
        spec = importlib.machinery.PathFinder.find_spec(fullname, path, target)
        if spec is None or type(spec.loader) is not importlib.machinery.SourceFileLoader:
            return spec
        origin = spec.origin or ""
        if origin.startswith(_STDLIB) and "site-packages" not in origin:
            return spec
        if fullname.partition(".")[0] in self.exclude | {"genloop"}:
            return spec
        spec.loader = LegacySourceLoader(fullname, origin)
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
