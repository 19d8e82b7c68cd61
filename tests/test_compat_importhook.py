"""genloop.compat's import hook: which modules it compiles, and where their
bytecode is cached (never where stock Python looks)."""

import asyncio
import importlib
import json
import os
import sys
import textwrap

import pytest

import genloop
import genloop.compat
from genloop.compat.importhook import EXCLUDE_VARIABLE, ImportHook

HELPER = textwrap.dedent(
    """\
    import asyncio

    def pause():
        yield from asyncio.sleep(0)
        return "paused"
    """
)


@pytest.fixture
def package(tmp_path, monkeypatch):
    """A package ``legacy_pkg`` with a module ``helpers`` on sys.path, and
    bytecode caching on; both forgotten after the test."""
    root = tmp_path / "legacy_pkg"
    root.mkdir()
    (root / "__init__.py").write_text("")
    (root / "helpers.py").write_text(HELPER)
    monkeypatch.syspath_prepend(str(tmp_path))
    monkeypatch.setattr(sys, "dont_write_bytecode", False)
    yield root
    for name in ("legacy_pkg", "legacy_pkg.helpers"):
        sys.modules.pop(name, None)
    importlib.invalidate_caches()


def cache_files(root):
    cache = root / "__pycache__"
    return sorted(os.listdir(str(cache))) if cache.exists() else []


def test_compiled_modules_are_cached_apart_from_pythons_own(compat, loop, package):
    from legacy_pkg import helpers

    assert loop.run_until_complete(helpers.pause()) == "paused"
    (own,) = [name for name in cache_files(package) if name.startswith("helpers.")]
    assert own == "helpers.{}.opt-genloop1.pyc".format(sys.implementation.cache_tag)
    assert helpers.__cached__ == importlib.util.cache_from_source(helpers.__file__)
    genloop.compat.uninstall()
    try:
        del sys.modules["legacy_pkg.helpers"]
        stock = importlib.import_module("legacy_pkg.helpers")
        assert "__genloop_delegate__" not in stock.pause.__code__.co_names
        assert "helpers.{}.pyc".format(sys.implementation.cache_tag) in cache_files(package)
    finally:
        genloop.compat.install()


def test_a_cached_module_is_read_back(compat, loop, package):
    importlib.import_module("legacy_pkg.helpers")
    del sys.modules["legacy_pkg.helpers"]
    own = [name for name in cache_files(package) if "genloop" in name]
    before = os.stat(str(package / "__pycache__" / own[0])).st_mtime_ns
    helpers = importlib.import_module("legacy_pkg.helpers")
    assert os.stat(str(package / "__pycache__" / own[0])).st_mtime_ns == before
    assert loop.run_until_complete(helpers.pause()) == "paused"


def test_a_package_whose_cache_cannot_be_written_still_loads(compat, loop, package):
    # As a read-only site-packages: no __pycache__ directory can be made
    # (a file stands in its place, which stops root as well).
    (package / "__pycache__").write_text("not a directory")
    from legacy_pkg import helpers

    assert loop.run_until_complete(helpers.pause()) == "paused"
    assert (package / "__pycache__").read_text() == "not a directory"


def test_a_package_opts_out_through_the_environment(package, monkeypatch):
    monkeypatch.setenv(EXCLUDE_VARIABLE, "other, legacy_pkg")
    with genloop.compat.installed():
        from legacy_pkg import helpers
    assert type(helpers.__loader__) is importlib.machinery.SourceFileLoader
    assert "__genloop_delegate__" not in helpers.pause.__code__.co_names


def test_the_standard_library_and_genloop_are_left_alone():
    hook = ImportHook()
    # Where each was installed from (an editable genloop is not on sys.path).
    for module in (json, genloop):
        where = os.path.dirname(os.path.dirname(module.__file__))
        spec = hook.find_spec(module.__name__, [where])
        assert type(spec.loader) is importlib.machinery.SourceFileLoader, module


def test_a_package_imported_before_the_hook_keeps_its_modules(package, loop):
    import legacy_pkg

    with genloop.compat.installed():
        from legacy_pkg import helpers

        assert sys.modules["legacy_pkg"] is legacy_pkg
        assert type(legacy_pkg.__loader__) is importlib.machinery.SourceFileLoader
        assert loop.run_until_complete(asyncio.ensure_future(helpers.pause())) == "paused"
