"""A pytest plugin for ``genloop run -m pytest``: test modules and conftest
files are compiled as genloop compiles legacy code, and pytest still
rewrites their asserts.

pytest loads test modules with its own import hook, placed before every
other finder, which compiles them itself.  While ``genloop.compat`` is
installed, this plugin puts a finder in front of pytest's: for each module
pytest would rewrite, it takes pytest's answer and loads the module with
genloop's loader, which hands the syntax tree to pytest's
``rewrite_asserts`` before compiling.  The result is cached under a tag of
its own that names the pytest version, as pytest's cache does.

``genloop run -m pytest`` loads the plugin (``-p genloop.compat.pytest_bridge``);
under ``--assert=plain`` pytest has no hook and genloop's import hook loads
the test modules as any other.
"""

import ast
import importlib.abc
import importlib.machinery
import sys
from typing import Any, Optional, Sequence

import pytest
from _pytest.assertion.rewrite import AssertionRewritingHook, rewrite_asserts

from . import is_installed
from .importhook import LegacySourceLoader
from .transform import compile_legacy

__all__ = ["pytest_load_initial_conftests", "pytest_unconfigure"]

_PYTEST_TAG = "pytest" + "".join(char for char in pytest.__version__ if char.isalnum())


class _LegacyTestLoader(LegacySourceLoader):
    """genloop's loader, with pytest's assertion rewriting."""

    cache_tag = LegacySourceLoader.cache_tag + _PYTEST_TAG

    def __init__(self, fullname: str, path: str, config: Any) -> None:
        super().__init__(fullname, path)
        self._config = config

    def source_to_code(  # type: ignore[override]  # as LegacySourceLoader's
        self, data: Any, path: Any, *, _optimize: int = -1
    ) -> Any:
        def rewrite(tree: ast.Module) -> None:
            rewrite_asserts(tree, data, path, self._config)

        return compile_legacy(data, path, then=rewrite)


class _LegacyTestFinder(importlib.abc.MetaPathFinder):
    """Asks pytest's hook, and loads what it would rewrite with genloop's
    loader."""

    def __init__(self, pytest_hook: AssertionRewritingHook, config: Any) -> None:
        self.pytest_hook = pytest_hook
        self._config = config

    def find_spec(
        self, fullname: str, path: Optional[Sequence[str]], target: Any = None
    ) -> Optional[importlib.machinery.ModuleSpec]:
        spec = self.pytest_hook.find_spec(fullname, path, target)
        if spec is None or spec.loader is not self.pytest_hook or spec.origin is None:
            return spec
        spec.loader = _LegacyTestLoader(fullname, spec.origin, self._config)
        return spec


@pytest.hookimpl(tryfirst=True)
def pytest_load_initial_conftests(early_config: Any) -> None:
    """Before the first conftest is imported, go in front of pytest's hook."""
    if not is_installed():
        return
    for index, finder in enumerate(sys.meta_path):
        if isinstance(finder, AssertionRewritingHook):
            sys.meta_path.insert(index, _LegacyTestFinder(finder, early_config))
            return


def pytest_unconfigure(config: Any) -> None:
    sys.meta_path[:] = [
        finder for finder in sys.meta_path if not isinstance(finder, _LegacyTestFinder)
    ]
