"""The report of ``genloop run --report`` (genloop/compat/usage.py): the
same sites on every Python, grouped by file, then line."""

import json
import textwrap

from childprocess import run_python

#: A legacy program whose every legacy call is on a line of its own.  Each
#: use is reported on every Python, whether that Python still has the API
#: (recorded on its way through) or genloop restores it.
PROGRAM = """\
    import asyncio

    import helpers

    loop = asyncio.get_event_loop()
    queue = asyncio.JoinableQueue(loop=loop)


    def plain(x):
        yield
        return x


    @asyncio.coroutine
    def main():
        results = yield from asyncio.gather(plain(1), helpers.legacy(2), loop=loop)
        results.append((yield from asyncio.shield(plain(3), loop=loop)))
        print(results)


    loop.run_until_complete(main())
"""

HELPERS = """\
    import asyncio


    @asyncio.coroutine
    def legacy(x):
        yield from asyncio.sleep(0, loop=asyncio.get_event_loop())
        return x
"""

#: (file, line, row, count), in the report's order: by file, then line.
EXPECTED_SITES = [
    ("helpers.py", 4, "L01", 1),
    ("helpers.py", 6, "L05", 1),
    ("program.py", 5, "L26", 1),
    ("program.py", 6, "L04", 1),
    ("program.py", 6, "L05", 1),
    ("program.py", 14, "L01", 1),
    ("program.py", 16, "L05", 1),
    ("program.py", 16, "L10", 1),
    ("program.py", 17, "L05", 1),
    ("program.py", 17, "L10", 1),
]


def run_with_report(tmp_path):
    (tmp_path / "program.py").write_text(textwrap.dedent(PROGRAM))
    (tmp_path / "helpers.py").write_text(textwrap.dedent(HELPERS))
    report = tmp_path / "legacy.txt"
    outcome = run_python(
        ["-m", "genloop", "run", "--report", str(report), "program.py"], cwd=tmp_path
    )
    assert outcome.status == 0, outcome.err
    assert outcome.out == "[1, 2, 3]\n"
    return report


def test_the_report_names_the_same_sites_on_every_python_by_file_then_line(tmp_path):
    report = run_with_report(tmp_path)
    with open(str(report) + ".json") as as_json:
        entries = json.load(as_json)
    sites = [
        (entry["file"].rpartition("/")[2], entry["line"], entry["row"], entry["count"])
        for entry in entries
    ]
    assert sites == EXPECTED_SITES


def test_the_text_report_has_a_heading_per_file_and_a_line_per_site(tmp_path):
    report = run_with_report(tmp_path)
    lines = report.read_text().splitlines()
    assert lines[0] == "Legacy asyncio APIs used (10 call sites in 2 files)"
    helpers = str(tmp_path / "helpers.py")
    assert lines[1:5] == [
        "",
        helpers,
        "  4: L01 asyncio.coroutine x1 (broke in 3.11; instead: 'async def' and 'await' "
        "(types.coroutine for a generator that must stay one))",
        "  6: L05 the loop= argument x1 (broke in 3.10; instead: drop the argument "
        "(the running loop is used))",
    ]
    assert lines[5:7] == ["", "program.py"]
    assert [line.split(":")[0] for line in lines[7:]] == [
        "  5", "  6", "  6", "  14", "  16", "  16", "  17", "  17"
    ]
