"""The legacy constructs genloop's engine runs without a shim are reported
at the user's line while uses are recorded (genloop/compat/engine_uses.py):
tornado and trollius yields (L13), ``raise StopIteration(v)`` (L24) and
generators run as tasks (L10)."""

import json

from conftest import HIDE_PYTHON_LEGACY_WARNINGS

import genloop
import genloop.compat
from genloop.compat.importhook import prepare_namespace
from genloop.compat.transform import compile_legacy

pytestmark = HIDE_PYTHON_LEGACY_WARNINGS

PROGRAM = """\
import asyncio
from genloop import From, Return

def sub():
    yield
    return 2

@asyncio.coroutine
def main(loop):
    future = loop.create_future()
    loop.call_soon(future.set_result, 1)
    a = yield future
    b = yield sub()
    c = yield [sub(), sub()]
    d = yield {"key": sub()}
    e = yield From(asyncio.sleep(0, 5))
    f = yield from legacy_return()
    g = yield from stop_iteration_return()
    h = yield loop.create_task(sub())
    return a, b, c, d, e, f, g, h

@asyncio.coroutine
def legacy_return():
    yield
    raise Return(6)

@asyncio.coroutine
def stop_iteration_return():
    yield
    raise StopIteration(7)

def run(loop):
    return loop.run_until_complete(main(loop))
"""

#: (row, line) of each construct above.
EXPECTED = {
    ("L13", 12), ("L13", 13), ("L13", 14), ("L13", 15), ("L13", 16),
    ("L10", 19), ("L13", 19), ("L13", 25), ("L24", 30),
}


def run_recorded(loop, path):
    namespace = {"__name__": "engine_program"}
    prepare_namespace(namespace)
    with genloop.compat.installed(report=path):
        exec(compile_legacy(PROGRAM, "program.py"), namespace)
        result = namespace["run"](loop)
    with open(path + ".json") as as_json:
        return result, json.load(as_json)


def test_the_engines_legacy_constructs_are_reported_at_their_lines(loop, tmp_path):
    result, entries = run_recorded(loop, str(tmp_path / "legacy.txt"))
    assert result == (1, 2, [2, 2], {"key": 2}, 5, 6, 7, 2)
    sites = {
        (entry["row"], entry["line"])
        for entry in entries
        if entry["file"] == "program.py" and entry["row"] in ("L10", "L13", "L24")
    }
    assert sites == EXPECTED


def test_the_engine_is_observed_only_while_uses_are_recorded(tmp_path):
    from genloop._legacy import Observer

    assert Observer.note is None
    with genloop.compat.installed():
        assert Observer.note is None
        genloop.compat.install(warn=True)
        assert Observer.note is not None
        genloop.compat.install()
        assert Observer.note is None
    with genloop.compat.installed(report=str(tmp_path / "legacy.txt")):
        assert Observer.note is not None
    assert Observer.note is None
