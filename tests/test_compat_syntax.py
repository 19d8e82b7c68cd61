"""``async`` and ``await`` used as names (rows L02, L03): modules genloop
compiles read them as the legacy code meant, at the user's lines and
columns, and report each place."""

import ast
import asyncio
import json
import textwrap
import traceback
import warnings

import pytest
from conftest import HIDE_PYTHON_LEGACY_WARNINGS

import genloop
import genloop.compat
from genloop.compat.importhook import prepare_namespace
from genloop.compat.legacy_syntax import Rewrite, read_keyword_names
from genloop.compat.transform import compile_legacy

pytestmark = HIDE_PYTHON_LEGACY_WARNINGS

NAMES = textwrap.dedent(
    """\
    import asyncio

    class Options(object):
        def __init__(self, async=False, await=None):
            self.async = async
            self.await = await

    def make(**settings):
        return Options(**settings)

    options = Options(async=True)
    keyword = make(async=True).async
    by_name = getattr(options, "async")
    ensure = asyncio.async

    async def native(value):
        await asyncio.sleep(0)
        return value
    """
)


def load(source, filename="names.py"):
    namespace = {"__name__": "names"}
    prepare_namespace(namespace)
    exec(compile_legacy(source, filename), namespace)
    return namespace


def test_names_reach_each_other_as_the_legacy_code_meant(compat, loop):
    namespace = load(NAMES)
    assert getattr(namespace["options"], "async") is True
    assert namespace["keyword"] is True
    assert namespace["by_name"] is True
    assert getattr(namespace["Options"](), "await") is None
    assert namespace["ensure"] is asyncio.ensure_future
    assert loop.run_until_complete(namespace["native"]("native")) == "native"


def test_rewrites_are_listed_at_their_line_and_column():
    _, rewrites = read_keyword_names(NAMES, "names.py")
    assert rewrites == [
        Rewrite("L03", 4, 23), Rewrite("L03", 4, 36),
        Rewrite("L03", 5, 13), Rewrite("L03", 5, 21),
        Rewrite("L03", 6, 13), Rewrite("L03", 6, 21),
        Rewrite("L03", 11, 18), Rewrite("L03", 12, 15), Rewrite("L03", 12, 27),
        Rewrite("L02", 14, 17),
    ]


def test_the_tree_keeps_every_line_and_column():
    tree, _ = read_keyword_names(NAMES, "names.py")
    lines = NAMES.splitlines()
    for node in ast.walk(tree):
        if isinstance(node, ast.Attribute) and node.attr in ("async", "await"):
            source_line = lines[node.lineno - 1]
            assert source_line[node.col_offset:].startswith(("self.", "make(", "options"))
        if isinstance(node, ast.Name) and node.id in ("async", "await"):
            assert lines[node.lineno - 1][node.col_offset:].startswith(node.id)


def test_tracebacks_point_at_the_users_source():
    source = "def fail(async=True):\n    raise ValueError(async)\n"
    namespace = load(source, "fails.py")
    with pytest.raises(ValueError) as failure:
        namespace["fail"]()
    frame = traceback.extract_tb(failure.value.__traceback__)[-1]
    assert (frame.filename, frame.lineno) == ("fails.py", 2)


def test_a_source_that_still_fails_raises_the_original_error():
    source = "async = 1\ndef broken(:\n    pass\n"
    with pytest.raises(SyntaxError) as raised:
        compile_legacy(source, "broken.py")
    with pytest.raises(SyntaxError) as original:
        with warnings.catch_warnings():
            warnings.simplefilter("ignore", DeprecationWarning)
            compile(source, "broken.py", "exec")
    assert (raised.value.msg, raised.value.lineno) == (original.value.msg, original.value.lineno)


def test_each_rewrite_is_a_legacy_api_warning_and_a_report_row(tmp_path):
    path = str(tmp_path / "legacy.txt")
    source = "import asyncio\nflag = dict(async=True)\nensure = asyncio.async\n"
    with warnings.catch_warnings(record=True) as records:
        warnings.simplefilter("always")
        with genloop.compat.installed(warn=True, report=path):
            load(source, "rewritten.py")
            load(source, "rewritten.py")  # a cached module reports again
    warned = sorted(
        (record.filename, record.lineno)
        for record in records
        if record.category is genloop.LegacyAPIWarning
    )
    assert warned == [("rewritten.py", 2), ("rewritten.py", 3)]
    with open(path + ".json") as as_json:
        sites = {(e["row"], e["file"], e["line"], e["count"]) for e in json.load(as_json)}
    assert sites == {("L03", "rewritten.py", 2, 2), ("L02", "rewritten.py", 3, 2)}


@pytest.mark.parametrize(
    "statement",
    [
        "async def f():\n    await g()\n",
        "async def f():\n    return [await x async for x in y]\n",
        "async def f():\n    async with a as b:\n        pass\n",
        "async def f():\n    await (yield)\n",
    ],
)
def test_keywords_used_as_keywords_are_not_rewritten(statement):
    assert read_keyword_names(statement, "modern.py") is None
