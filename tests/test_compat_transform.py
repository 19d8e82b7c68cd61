"""How genloop compiles legacy modules (genloop.compat.transform and
genloop.compat.delegation): undecorated helper generators may ``yield from``
asyncio's coroutines and be awaited (row L11), while every other generator
stays exactly what Python makes it."""

import asyncio
import dis
import inspect
import json
import sys
import textwrap
import traceback
import types

import pytest
from conftest import HIDE_PYTHON_LEGACY_WARNINGS

import genloop
import genloop.compat
from genloop.compat.importhook import prepare_namespace
from genloop.compat.transform import compile_legacy

pytestmark = HIDE_PYTHON_LEGACY_WARNINGS


def load(source, filename="<legacy>"):
    """The namespace of module ``source`` compiled as the import hook does."""
    namespace = {"__name__": "legacy_module"}
    prepare_namespace(namespace)
    exec(compile_legacy(textwrap.dedent(source), filename), namespace)
    return namespace


def run(loop, awaitable):
    return loop.run_until_complete(awaitable)


DATA_GENERATORS = """
def chunks(parts):
    for part in parts:
        yield from part

def walk(tree):
    yield tree[0]
    for child in tree[1]:
        yield from walk(child)
"""


def test_data_generators_stay_what_python_makes_them():
    namespace = load(DATA_GENERATORS)
    plain = {}
    exec(textwrap.dedent(DATA_GENERATORS), plain)
    for name in ("chunks", "walk"):
        assert namespace[name].__code__.co_flags == plain[name].__code__.co_flags
    generator = namespace["chunks"]([[1, 2], (3,), "ab"])
    assert type(generator) is types.GeneratorType
    assert not inspect.isawaitable(generator)
    assert list(generator) == [1, 2, 3, "a", "b"]
    assert list(namespace["walk"]((1, [(2, []), (3, [(4, [])])]))) == [1, 2, 3, 4]


def test_a_data_generator_still_delegates_send_and_throw():
    namespace = load(
        """
        def inner():
            received = yield "first"
            try:
                yield received
            except KeyError:
                yield "caught"

        def outer():
            yield from inner()
        """
    )
    generator = namespace["outer"]()
    assert next(generator) == "first"
    assert generator.send("sent") == "sent"
    assert generator.throw(KeyError("k")) == "caught"


AWAITABLE_CLASSES = """
class Waiter:
    def __await__(self):
        yield from asyncio.sleep(0)
        return "awaited"

class Legacy:
    def __iter__(self):
        result = yield from asyncio.sleep(0, "iterated")
        return result

async def native():
    return await Waiter()

@asyncio.coroutine
def legacy():
    return (yield from Legacy())
"""


def test_a_generator_await_method_works_with_await(compat, loop):
    namespace = load("import asyncio\n" + AWAITABLE_CLASSES)
    assert run(loop, namespace["native"]()) == "awaited"


def test_a_generator_iter_method_works_with_yield_from(compat, loop):
    namespace = load("import asyncio\n" + AWAITABLE_CLASSES)
    assert run(loop, namespace["legacy"]()) == "iterated"


HELPERS = """
import asyncio

def pause(value):
    yield from asyncio.sleep(0)
    return value

@asyncio.coroutine
def legacy_caller():
    return (yield from pause("delegated"))

async def native_caller():
    return await pause("awaited")
"""


def test_L11_helpers_are_delegated_to_with_yield_from(compat, loop):
    assert run(loop, load(HELPERS)["legacy_caller"]()) == "delegated"


def test_L12_helpers_are_awaited_from_async_def(compat, loop):
    assert run(loop, load(HELPERS)["native_caller"]()) == "awaited"


@pytest.mark.parametrize("schedule", ["ensure_future", "create_task", "run_until_complete"])
def test_L11_helpers_run_as_tasks(compat, loop, schedule):
    helper = load(HELPERS)["pause"]
    if schedule == "ensure_future":
        awaitable = asyncio.ensure_future(helper("task"), loop=loop)
    elif schedule == "create_task":
        awaitable = loop.create_task(helper("task"))
    else:
        awaitable = helper("task")
    assert run(loop, awaitable) == "task"


def test_L11_helpers_are_not_awaitable_outside_an_await(compat):
    generator = load(HELPERS)["pause"]("never run")
    assert not inspect.isawaitable(generator)
    generator.close()


@pytest.mark.parametrize(
    "decoration",
    [
        "import asyncio\n@asyncio.coroutine",
        "import asyncio as aio\n@aio.coroutine",
        "from asyncio import coroutine\n@coroutine",
        "from asyncio import coroutine as legacy_coroutine\n@legacy_coroutine",
        "import types\n@types.coroutine",
        "import genloop\n@genloop.coroutine",
        # Imported in a block, as code that ran on trollius too did.
        "try:\n    import trollius as aio\nexcept ImportError:\n    import asyncio as aio\n"
        "@aio.coroutine",
        "if True:\n    from types import coroutine\nelse:\n    coroutine = None\n@coroutine",
    ],
)
def test_generators_a_flagging_decorator_makes_coroutines_are_left_alone(compat, loop, decoration):
    source = decoration + "\ndef decorated():\n    return (yield from asyncio.sleep(0, 'as is'))\n"
    namespace = load("import asyncio\n" + source)
    code = inspect.unwrap(namespace["decorated"]).__code__
    assert "__genloop_delegate__" not in code.co_names
    assert run(loop, namespace["decorated"]()) == "as is"


def test_other_decorators_do_not_stop_the_adaptation(compat, loop):
    namespace = load(
        """
        import asyncio, functools

        def tornado_like(generator_function):
            return generator_function

        @tornado_like
        def helper():
            return (yield from asyncio.sleep(0, "adapted"))
        """
    )
    assert "__genloop_delegate__" in namespace["helper"].__code__.co_names
    assert run(loop, namespace["helper"]()) == "adapted"


def test_tracebacks_point_at_the_users_lines(compat, loop):
    source = textwrap.dedent(
        """
        import asyncio

        def helper():
            yield from asyncio.sleep(0)
            yield from failing()

        async def failing():
            raise ValueError("here")
        """
    )
    namespace = load(source, "legacy_file.py")
    with pytest.raises(ValueError) as failure:
        run(loop, namespace["helper"]())
    frames = [
        frame
        for frame in traceback.extract_tb(failure.value.__traceback__)
        if frame.filename == "legacy_file.py"
    ]
    assert [(frame.name, frame.lineno) for frame in frames] == [("helper", 6), ("failing", 9)]
    if sys.version_info >= (3, 11):  # tracebacks have columns from 3.11
        assert (frames[0].colno, frames[0].end_colno) == (4, 24)


def test_the_report_names_undecorated_helpers_at_their_line(loop, tmp_path):
    path = str(tmp_path / "legacy.txt")
    with genloop.compat.installed(report=path):
        namespace = load(HELPERS, "helpers.py")
        run(loop, namespace["legacy_caller"]())
        run(loop, namespace["native_caller"]())
    with open(path + ".json") as as_json:
        sites = {(entry["row"], entry["file"], entry["line"]) for entry in json.load(as_json)}
    # pause() yields from asyncio.sleep (line 5, L11), native_caller awaits
    # it (line 13, L12); the decorated legacy_caller is row L01.
    assert {site for site in sites if site[0] in ("L11", "L12")} == {
        ("L11", "helpers.py", 5), ("L12", "helpers.py", 13)
    }


def test_a_source_that_does_not_compile_raises_its_own_syntax_error():
    source = "def broken(:\n    pass\n"
    with pytest.raises(SyntaxError) as expected:
        compile(source, "broken.py", "exec")
    with pytest.raises(SyntaxError) as raised:
        compile_legacy(source.encode(), "broken.py")
    assert (raised.value.msg, raised.value.lineno, raised.value.offset) == (
        expected.value.msg, expected.value.lineno, expected.value.offset
    )


def test_coding_cookies_and_crlf_line_endings(compat, loop):
    source = (
        "# -*- coding: latin-1 -*-\r\n"
        "import asyncio\r\n"
        "def helper():\r\n"
        "    yield from asyncio.sleep(0)\r\n"
        "    return '\xe9t\xe9'\r\n"
    ).encode("latin-1")
    namespace = {}
    prepare_namespace(namespace)
    exec(compile_legacy(source, "latin.py"), namespace)
    assert run(loop, namespace["helper"]()) == "\xe9t\xe9"


def adapted_operands(function):
    """The adapters ``function`` calls, one entry per call site."""
    return sorted(
        instruction.argval
        for instruction in dis.get_instructions(function)
        if instruction.argval in ("__genloop_delegate__", "__genloop_awaitable__")
    )


def test_calls_of_the_modules_own_functions_by_name_need_no_adapter(compat, loop):
    namespace = load(
        """
        import asyncio

        def helper(depth):
            if depth:
                return (yield from helper(depth - 1))
            return (yield from asyncio.sleep(0, "bottom"))

        async def native(depth):
            if depth:
                return await native(depth - 1)
            return await asyncio.sleep(0, "bottom")
        """
    )
    # Only the calls that could be coroutines keep an adapter.
    assert adapted_operands(namespace["helper"]) == ["__genloop_delegate__"]
    assert adapted_operands(namespace["native"]) == ["__genloop_awaitable__"]
    assert run(loop, namespace["helper"](3)) == "bottom"
    assert run(loop, namespace["native"](3)) == "bottom"


def test_a_name_a_function_binds_again_keeps_its_adapters(compat, loop):
    namespace = load(
        """
        import asyncio

        def helper():
            yield

        def shadowed(helper):
            return (yield from helper())
        """
    )
    assert adapted_operands(namespace["shadowed"]) == ["__genloop_delegate__"]
    assert run(loop, namespace["shadowed"](lambda: asyncio.sleep(0, "argument"))) == "argument"


def test_a_name_bound_twice_keeps_its_adapters(compat, loop):
    namespace = load(
        """
        import asyncio

        def helper():
            return (yield from asyncio.sleep(0, "first"))

        def caller():
            return (yield from helper())

        async def native():
            return "native"

        helper = asyncio.coroutine(helper)
        """
    )
    assert adapted_operands(namespace["caller"]) == ["__genloop_delegate__"]
    assert run(loop, namespace["caller"]()) == "first"
