"""compat/packages/run.py without the network: what it makes of migrate's
report, of a tiny tree migrated, and of runs' records (summaries, causes,
the markdown table, the floors), with a cache of fake results.
"""

import importlib.util
import json
import os
import sys
import textwrap
from pathlib import Path

import pytest

PACKAGES = Path(__file__).resolve().parent.parent / "compat" / "packages"


def load_runner():
    """compat/packages/run.py, imported by path (compat/packages/ is not a package)."""
    spec = importlib.util.spec_from_file_location("packages_run", str(PACKAGES / "run.py"))
    module = importlib.util.module_from_spec(spec)
    spec.loader.exec_module(module)
    return module


run = load_runner()

REPORT = """\
2 of 3 files changed, 1 not migrated
rewritten, by row:
  L01      4  asyncio.coroutine
  L05      2  the loop= argument
left as they were (2), to fix by hand:
  pkg/client.py:12: L01 Client.ping(): also decorated with retry(times=3,
                   delay=1), which migrate does not know (line 10)
  tests/test_x.py:7: L08 asyncio.wait(): outside a coroutine: make each coroutine a task of \
the loop by hand
not migrated:
  pkg/broken.py:3: cannot parse: invalid syntax; fix it, or leave the file out
"""


def test_migrate_report_is_read_with_every_section():
    report = run.read_migrate_report(REPORT)
    assert report["files"] == 3 and report["changed"] == 2
    assert report["rewritten"] == {"L01": 4, "L05": 2}
    assert report["left"] == [
        {"path": "pkg/client.py", "line": 12, "row": "L01", "what": "Client.ping()",
         "why": "also decorated with retry(times=3, delay=1), which migrate does not know "
                "(line 10)"},
        {"path": "tests/test_x.py", "line": 7, "row": "L08", "what": "asyncio.wait()",
         "why": "outside a coroutine: make each coroutine a task of the loop by hand"},
    ]
    assert report["failed"] == [
        "pkg/broken.py:3: cannot parse: invalid syntax; fix it, or leave the file out"]


def test_a_migrate_run_that_printed_no_report_stops_the_runner():
    with pytest.raises(run.RunnerError, match="printed no report"):
        run.read_migrate_report("Traceback (most recent call last):\n")


def test_migrate_rewrites_a_tree_with_its_tests_and_reports_what_it_left(tmp_path):
    pytest.importorskip("libcst", reason="genloop migrate needs libcst")
    tree = tmp_path / "pkg-1.0"
    (tree / "pkg").mkdir(parents=True)
    (tree / "tests").mkdir()
    (tree / "pkg" / "__init__.py").write_text(textwrap.dedent("""\
        import asyncio


        @asyncio.coroutine
        def pause(loop):
            yield from asyncio.sleep(0, loop=loop)


        def wrapped():
            return asyncio.coroutine(lambda: None)
        """))
    (tree / "tests" / "test_pkg.py").write_text(textwrap.dedent("""\
        import asyncio
        from pkg import pause


        @asyncio.coroutine
        def check(loop):
            yield from pause(loop)
        """))
    report = run.migrate(sys.executable, str(tree))
    assert report["changed"] == 2 and report["files"] == 2
    assert report["rewritten"] == {"L01": 2, "L05": 1}
    assert [(left["path"], left["row"]) for left in report["left"]] == [
        ("pkg/__init__.py", "L01")]
    assert "async def check(loop):\n    await pause(loop)" in \
        (tree / "tests" / "test_pkg.py").read_text()


def record(mode, outcomes, **extra):
    """A run's record as run_one keeps it: outcome and failure text per test."""
    results = {test: {"outcome": "passed" if text is None else "failed", "text": text or ""}
               for test, text in outcomes.items()}
    made = {"package": "janus", "version": "0.3.0", "mode": mode, "status": 0,
            "timed_out": False, "seconds": 1.0, "command": [], "results": results,
            "collection_errors": {}, "output_tail": ""}
    made.update(extra)
    return made


LEFT_DECORATOR = (
    "websockets/server.py:723: in <module>\n"
    "    @asyncio.coroutine\n"
    "E   AttributeError: module 'asyncio' has no attribute 'coroutine'"
)
MIGRATE_REPORT = {"files": 5, "changed": 3, "rewritten": {"L01": 30, "L05": 5},
                  "left": [{"path": "tests/test_a.py", "line": 5, "row": "L08",
                            "what": "asyncio.wait()", "why": "outside a coroutine"}],
                  "failed": [], "seconds": 2.0}


def fake_records():
    tests = ["tests/test_a.py::test_%d" % n for n in range(4)]
    return {
        ("janus", "stock-3.6"): record("stock-3.6", dict.fromkeys(tests)),
        ("janus", "genloop-3.12"): record("genloop-3.12", dict(
            dict.fromkeys(tests[:3]), **{tests[3]: "Failed: Timeout >"})),
        ("janus", "migrated-3.12"): record("migrated-3.12", {
            tests[0]: None, tests[1]: LEFT_DECORATOR, tests[2]: "boom", tests[3]: None},
            migrate=MIGRATE_REPORT),
    }


def janus():
    with open(str(PACKAGES / "corpus.json")) as corpus:
        return [p for p in json.load(corpus)["packages"] if p["name"] == "janus"]


def test_a_migrated_mode_is_measured_against_genloop_run_on_the_same_python():
    summary = run.summarize(janus(), ["stock-3.6", "migrated-3.12"], fake_records())
    result = summary["packages"][0]["modes"]["migrated-3.12"]
    assert (result["passed"], result["genloop_passed"], result["kept"]) == (2, 3, 1)
    assert (result["rewritten"], result["left"]) == (35, 1)
    assert sorted(result["failures"]) == ["migrate-left", "unclassified"]
    totals = summary["totals"]["migrated-3.12"]
    assert (totals["genloop_mode"], totals["kept"], totals["rewritten"]) == (
        "genloop-3.12", 1, 35)


def test_causes_of_migrated_code_are_not_those_of_the_code_as_released():
    missing = "E   AttributeError: module 'asyncio' has no attribute 'coroutine'"
    assert run.classify(missing, "t", "stock").id == "asyncio-coroutine"
    assert run.classify(missing, "t", "migrated").id == "unclassified"
    assert run.classify(LEFT_DECORATOR, "t", "migrated").id == "migrate-left"
    assert run.classify(LEFT_DECORATOR, "t", "genloop").id == "asyncio-coroutine"


def test_the_markdown_table_has_what_migrate_rewrote_and_left():
    modes = ["stock-3.6", "genloop-3.12", "migrated-3.12"]
    text = run.markdown(run.summarize(janus(), modes, fake_records()), modes)
    assert text.splitlines()[0] == (
        "| package | passing on stock 3.6 | genloop-3.12 | migrated-3.12 | rewritten | left |")
    assert "| janus 0.3.0 | 4 | 3 / 75.0% | 2 / 50.0% | 35 | 1 |" in text
    assert "- migrated-3.12: 1 of the 3 tests that pass under genloop-3.12 pass" in text
    assert "  - left: `tests/test_a.py:5` L08 asyncio.wait(): outside a coroutine" in text
    assert "- **migrate-left** (by hand, 1)" in text


def test_a_report_reads_the_genloop_counterpart_from_the_cache(tmp_path, capsys):
    (package,) = janus()
    for (_, mode), made in fake_records().items():
        stored = run.result_path(str(tmp_path), package, mode)
        os.makedirs(os.path.dirname(stored))
        with open(stored, "w") as out:
            json.dump(made, out)
    # The floor of janus under migrated-3.12 (95%) is not met: exit status 1.
    assert run.main(["--report", "--package", "janus", "--mode", "migrated-3.12",
                     "--cache", str(tmp_path)]) == 1
    out = capsys.readouterr().out
    assert "janus      migrated-3.12    2 of    4 pass (50.0% within reach); migrate-left " \
        "1, unclassified 1; 1 of the 3 passing under genloop-3.12; migrate rewrote 35, " \
        "left 1" in out


def test_a_report_without_the_counterpart_in_the_cache_says_so(tmp_path):
    (package,) = janus()
    for mode in ("stock-3.6", "migrated-3.12"):
        stored = run.result_path(str(tmp_path), package, mode)
        os.makedirs(os.path.dirname(stored))
        with open(stored, "w") as out:
            json.dump(fake_records()[("janus", mode)], out)
    with pytest.raises(run.RunnerError, match="janus under genloop-3.12: run it first"):
        run.main(["--report", "--package", "janus", "--mode", "migrated-3.12",
                  "--cache", str(tmp_path)])
