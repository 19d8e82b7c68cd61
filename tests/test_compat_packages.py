"""compat/packages/run.py without the network: what it makes of migrate's
report, of a tiny tree migrated, and of runs' records (summaries, causes,
the markdown table, the floors), with a cache of fake results.
"""

import hashlib
import importlib.util
import io
import json
import os
import sys
import tarfile
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
rewritten with a check at run time (1), to review by hand:
  pkg/plugin.py:9: L01 Plugin.auth(): not a generator: it is awaited if it is, at run time
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
    assert report["review"] == [
        {"path": "pkg/plugin.py", "line": 9, "row": "L01", "what": "Plugin.auth()",
         "why": "not a generator: it is awaited if it is, at run time"}]
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


        def main():
            asyncio.get_event_loop().run_until_complete(pause(None))
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
        ("pkg/__init__.py", "L26")]
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


def corpus():
    with open(str(PACKAGES / "corpus.json")) as source:
        return json.load(source)


def named(packages, name):
    return next(p for p in packages["packages"] if p["name"] == name)


def test_hbmqtt_is_migrated_with_websockets_the_release_its_deps_pin():
    known = corpus()
    hbmqtt = named(known, "hbmqtt")
    assert "websockets==4.0.1" in hbmqtt["deps"]["all"] and hbmqtt["migrate_with_why"]
    for version in ("3.12", "3.13"):
        assert run.migrate_with(known, hbmqtt, version) == [named(known, "websockets")]
    assert run.migrate_with(known, named(known, "janus"), "3.12") == []


def two_packages(pin="dep==1.0", together=("dep",)):
    """A corpus of two: app, whose deps for 3.12 pin ``pin`` and which is migrated with
    ``together``, and dep 1.0."""
    return {"packages": [
        {"name": "app", "version": "2.0", "deps": {"all": ["six==1.11.0"], "3.12": [pin]},
         "migrate_with": list(together) if isinstance(together, tuple) else together},
        {"name": "dep", "version": "1.0", "deps": {}},
    ]}


def test_migrate_with_reads_the_pin_of_that_python_as_pip_compares_names():
    known = two_packages(pin="Dep [extra] == 1.0")
    assert run.migrate_with(known, named(known, "app"), "3.12") == [named(known, "dep")]
    with pytest.raises(run.RunnerError, match=r"app: migrate_with names dep, but its deps "
                       r"for 3\.13 do not pin it: .*\(add dep==1\.0 to deps\)"):
        run.migrate_with(known, named(known, "app"), "3.13")


@pytest.mark.parametrize("pin", ["dep==1.1", "dep>=1.0", "dep"])
def test_a_dependency_pinned_at_another_version_than_the_corpus_package_stops_the_runner(pin):
    known = two_packages(pin=pin)
    with pytest.raises(run.RunnerError) as raised:
        run.migrate_with(known, named(known, "app"), "3.12")
    assert str(raised.value).startswith(
        "app: its deps for 3.12 pin %s, but the corpus package dep is 1.0: " % pin)
    assert "(pin dep==1.0, or leave dep out of migrate_with)" in str(raised.value)


@pytest.mark.parametrize("together, message", [
    (("nowhere",), "migrate_with names nowhere, which is not a corpus package "
                   "(it has app, dep)"),
    (("app",), "migrate_with names app itself"),
    (("dep", "dep"), "migrate_with names dep twice"),
    ("dep", "migrate_with must be a list of corpus package names, not 'dep'"),
])
def test_migrate_with_names_other_corpus_packages_once(together, message):
    known = two_packages(together=together)
    with pytest.raises(run.RunnerError, match="^app: " + message.replace("(", r"\(")
                       .replace(")", r"\)")):
        run.migrate_with(known, named(known, "app"), "3.12")


def sdist(cache, name, version, files):
    """A tiny sdist in the cache, where fetch_sdist finds it, and its corpus entry."""
    directory = cache / "sdists"
    directory.mkdir(parents=True, exist_ok=True)
    path = directory / ("%s-%s.tar.gz" % (name, version))
    with tarfile.open(str(path), "w:gz") as archive:
        for relative, text in files.items():
            data = textwrap.dedent(text).encode()
            member = tarfile.TarInfo("%s-%s/%s" % (name, version, relative))
            member.size = len(data)
            archive.addfile(member, io.BytesIO(data))
    return {"name": name, "version": version, "url": "https://example.invalid/" + path.name,
            "sha256": hashlib.sha256(path.read_bytes()).hexdigest(), "tests": ["tests"],
            "timeout": 120}


#: app's one test: what its run sees of PYTHONPATH and of dep.
SEEN = """\
    import json
    import os

    try:
        import dep
    except ImportError:
        dep = None


    def test_what_the_run_sees():
        with open("seen.json", "w") as out:
            json.dump({"path": os.environ["PYTHONPATH"].split(os.pathsep),
                       "dep": dep and os.path.dirname(os.path.dirname(dep.__file__)),
                       "migrated": dep and dep.MIGRATED}, out)
    """


def fake_tree_run(tmp_path, monkeypatch, pin="dep==1.0"):
    """A cache with app's and dep's sdists, and run.py with genloop's parts faked: the
    venv is this Python (genloop left alone), migrate marks each package it is run
    over; the tests run for real."""
    cache = tmp_path / "cache"
    app = sdist(cache, "app", "2.0", {"app/__init__.py": "MIGRATED = False\n",
                                      "tests/test_app.py": SEEN})
    app.update(deps={"3.12": [pin]}, migrate_with=["dep"])
    dep = sdist(cache, "dep", "1.0", {"dep/__init__.py": "MIGRATED = False\n"})
    migrated = []

    def migrate(tool, source):
        migrated.append(source)
        (top,) = [n for n in os.listdir(source) if n in ("app", "dep")]
        with open(os.path.join(source, top, "__init__.py"), "a") as module:
            module.write("MIGRATED = True\n")
        left = [{"path": top + "/__init__.py", "line": 1, "row": "L01", "what": "f()",
                 "why": "x"}] * (top == "dep")
        return {"files": 1, "changed": 1, "rewritten": {"L01": 3 if top == "app" else 5},
                "left": left, "failed": [], "seconds": 0.1}

    monkeypatch.setattr(run, "venv", lambda *args: sys.executable)
    monkeypatch.setattr(run, "prepare_genloop", lambda *args: None)
    monkeypatch.setattr(run, "migrate_tool", lambda *args: "the migrate venv's python")
    monkeypatch.setattr(run, "migrate", migrate)
    return {"packages": [app, dep]}, cache, migrated


def test_a_migrated_mode_migrates_the_dependency_beside_and_puts_it_after_the_tree(
        tmp_path, monkeypatch):
    known, cache, migrated = fake_tree_run(tmp_path, monkeypatch)
    made = run.run_one(known, named(known, "app"), "migrated-3.12", str(cache))
    source = str(cache / "work" / "migrated-3.12" / "app" / "app-2.0")
    beside = str(cache / "work" / "migrated-3.12" / "app-with" / "dep" / "dep-1.0")
    assert migrated == [source, beside]
    assert made["results"]["tests/test_app.py::test_what_the_run_sees"]["outcome"] == "passed"
    with open(os.path.join(source, "seen.json")) as seen:
        # The package's tree, then the migrated dependency: ahead of site-packages.
        assert json.load(seen) == {"path": [source, beside], "dep": beside, "migrated": True}
    assert made["migrate"]["rewritten"] == {"L01": 3} and made["migrate"]["left"] == []
    assert [(d["package"], d["version"], d["tree"], d["migrate"]["rewritten"])
            for d in made["migrated_with"]] == [("dep", "1.0", beside, {"L01": 5})]
    with open(run.result_path(str(cache), named(known, "app"), "migrated-3.12")) as stored:
        assert json.load(stored)["migrated_with"] == made["migrated_with"]


def test_other_modes_neither_migrate_nor_add_the_dependency(tmp_path, monkeypatch):
    known, cache, migrated = fake_tree_run(tmp_path, monkeypatch)
    made = run.run_one(known, named(known, "app"), "stock-3.12", str(cache))
    source = str(cache / "work" / "stock-3.12" / "app" / "app-2.0")
    assert migrated == [] and "migrated_with" not in made and "migrate" not in made
    assert not (cache / "work" / "stock-3.12" / "app-with").exists()
    with open(os.path.join(source, "seen.json")) as seen:
        assert json.load(seen) == {"path": [source], "dep": None, "migrated": None}


def test_a_version_mismatch_stops_a_migrated_mode_before_migrating(tmp_path, monkeypatch):
    known, cache, migrated = fake_tree_run(tmp_path, monkeypatch, pin="dep==0.9")
    with pytest.raises(run.RunnerError, match="pin dep==0.9, but the corpus package dep is 1.0"):
        run.run_one(known, named(known, "app"), "migrated-3.12", str(cache))
    assert migrated == []


def test_what_migrate_did_to_a_dependency_is_reported_apart():
    records = fake_records()
    report = {"files": 34, "changed": 8, "rewritten": {"L01": 50, "L05": 4},
              "left": MIGRATE_REPORT["left"] * 2, "failed": [], "seconds": 7.0}
    records[("janus", "migrated-3.12")]["migrated_with"] = [
        {"package": "websockets", "version": "4.0.1", "tree": "/x", "migrate": report}]
    modes = ["stock-3.6", "genloop-3.12", "migrated-3.12"]
    summary = run.summarize(janus(), modes, records)
    result = summary["packages"][0]["modes"]["migrated-3.12"]
    assert (result["rewritten"], result["left"]) == (35, 1)
    assert summary["totals"]["migrated-3.12"]["rewritten"] == 35
    assert [(d["package"], d["rewritten"], d["left"]) for d in result["migrated_with"]] == [
        ("websockets", 54, 2)]
    text = run.markdown(summary, modes)
    assert "| janus 0.3.0 | 4 | 3 / 75.0% | 2 / 50.0% | 35 | 1 |" in text
    assert "  - with it, its dependency websockets 4.0.1, migrated apart (not counted in the " \
        "table): 8 of 34 files changed; rewritten 54, left 2" in text
    assert "left 1; with websockets 4.0.1 migrated too (rewrote 54, left 2)" in run.plain(
        summary, modes)


def test_what_stops_hbmqtt_migrated_with_its_dependency_is_named():
    mock = "E       TypeError: object MagicMock can't be used in 'await' expression"
    assert run.classify(mock, "t", "migrated").id == "mock-not-awaitable"
    assert run.classify(mock, "t", "genloop").id == "unclassified"
    hang = ">       self.loop.run_until_complete(server.wait_closed())\n" \
        "E           Failed: Timeout >10.0s"
    assert run.classify(hang, "t", "migrated").id == "server-wait-closed-migrated"
    assert run.classify(hang, "t", "genloop").id == "server-wait-closed"


# The testing modes: a suite written on asynctest, moved to genloop.testing.


def test_an_asynctest_suite_moves_to_genloop_testing_by_its_import_lines(tmp_path):
    tests = tmp_path / "tests"
    (tests / "sub").mkdir(parents=True)
    (tests / "test_a.py").write_text(
        "import asyncio\nimport asynctest\n\n\nclass T(asynctest.TestCase):\n"
        "    def test(self):\n        import asynctest\n")
    (tests / "sub" / "test_b.py").write_text(
        "from asynctest import TestCase, mock\nfrom asynctest.mock import patch\n"
        "import asynctest_helpers\n")
    (tmp_path / "outside.py").write_text("import asynctest\n")
    changed = run.port_to_genloop_testing(str(tmp_path), ["tests"])
    assert [(c["path"], c["line"], c["after"]) for c in changed] == [
        (os.path.join("tests", "sub", "test_b.py"), 1,
         "from genloop.testing import TestCase, mock"),
        (os.path.join("tests", "sub", "test_b.py"), 2, "from genloop.testing.mock import patch"),
        (os.path.join("tests", "test_a.py"), 2, "from genloop import testing as asynctest"),
        (os.path.join("tests", "test_a.py"), 7, "        from genloop import testing as asynctest"),
    ]
    assert (tests / "sub" / "test_b.py").read_text().endswith("import asynctest_helpers\n")
    assert (tmp_path / "outside.py").read_text() == "import asynctest\n"


def test_a_testing_mode_runs_the_ported_suite_under_genloop_run(tmp_path, monkeypatch):
    cache = tmp_path / "cache"
    suite = sdist(cache, "suite", "1.0", {"tests/test_s.py": """\
        import asynctest


        def test_ported():
            assert asynctest.__name__ == "genloop.testing"
        """})
    suite["asynctest_suite"] = True
    commands = []
    real_run_tests = run.run_tests

    def run_tests(python, kind, *args, **kwargs):
        made = real_run_tests(python, "stock", *args, **kwargs)
        commands.append(kind)
        return made

    monkeypatch.setattr(run, "venv", lambda *args: sys.executable)
    monkeypatch.setattr(run, "prepare_genloop", lambda *args: None)
    monkeypatch.setattr(run, "run_tests", run_tests)
    made = run.run_one({"packages": [suite]}, suite, "testing-3.12", str(cache))
    assert commands == ["testing"]
    assert made["results"]["tests/test_s.py::test_ported"]["outcome"] == "passed"
    assert [(c["path"], c["line"]) for c in made["ported"]] == [
        (os.path.join("tests", "test_s.py"), 1)]


def test_a_suite_marked_asynctest_without_its_imports_stops_the_runner(tmp_path, monkeypatch):
    cache = tmp_path / "cache"
    suite = sdist(cache, "suite", "1.0", {"tests/test_s.py": "def test():\n    pass\n"})
    suite["asynctest_suite"] = True
    monkeypatch.setattr(run, "venv", lambda *args: sys.executable)
    monkeypatch.setattr(run, "prepare_genloop", lambda *args: None)
    with pytest.raises(run.RunnerError, match="no import of asynctest was found under tests"):
        run.run_one({"packages": [suite]}, suite, "testing-3.12", str(cache))


def test_the_testing_modes_are_those_of_suites_written_on_asynctest():
    packages = corpus()["packages"]
    assert sorted(p["name"] for p in packages if run.applies(p, "testing-3.13")) == [
        "aiocometd", "aiokatcp"]
    assert all(run.applies(p, "genloop-3.13") for p in packages)
    tests = ["tests/test_a.py::test_%d" % n for n in range(2)]
    outcome = "AttributeError: '_Outcome' object has no attribute 'errors'"
    records = {
        ("janus", "stock-3.6"): record("stock-3.6", dict.fromkeys(tests)),
        ("janus", "genloop-3.12"): record("genloop-3.12", dict.fromkeys(tests)),
        ("aiokatcp", "stock-3.6"): record("stock-3.6", dict.fromkeys(tests)),
        ("aiokatcp", "genloop-3.12"): record("genloop-3.12", dict(
            dict.fromkeys(tests[:1]), **{tests[1]: outcome})),
        ("aiokatcp", "testing-3.12"): record("testing-3.12", dict.fromkeys(tests)),
    }
    chosen = [named(corpus(), "janus"), named(corpus(), "aiokatcp")]
    modes = ["stock-3.6", "genloop-3.12", "testing-3.12"]
    summary = run.summarize(chosen, modes, records)
    assert "testing-3.12" not in summary["packages"][0]["modes"]
    assert summary["totals"]["testing-3.12"]["passed"] == 2
    assert summary["totals"]["testing-3.12"]["reference_passed"] == 2
    text = run.markdown(summary, modes)
    assert "| janus 0.3.0 | 2 | 2 / 100.0% | — |" in text
    assert "| aiokatcp 0.4.4 | 2 | 1 / 100.0% | 2 / 100.0% |" in text


def test_what_stops_the_asynctest_suites_is_named():
    installed = (
        "../venvs/aiokatcp-0.4.4-py3.12/lib/python3.12/site-packages/asynctest/mock.py:389: "
        "in _AwaitEvent\n    @asyncio.coroutine\n"
        "E   AttributeError: module 'asyncio' has no attribute 'coroutine'.")
    aiohttp = (
        "../venvs/x/lib/python3.12/site-packages/aiohttp/helpers.py:98: in <module>\n"
        "    old_debug = coroutines._DEBUG  # type: ignore\n"
        "E   AttributeError: module 'asyncio.coroutines' has no attribute '_DEBUG'")
    logged = ("E   AssertionError: Regex didn't match: b'^#log info 123456789\\\\.0' not found "
              "in b'#log info 1796188513.8980584 _aiokatcp.test.test_logger'")
    assert run.classify(installed, "t", "migrated").id == "asynctest-installed"
    assert run.classify(aiohttp, "t", "migrated").id == "legacy-dependency"
    assert run.classify(aiohttp, "t", "stock").id == "coroutines-debug"
    assert run.classify(logged, "a/test_server.py::T::test_log_level", "testing").id == (
        "logging-time-ns")
    assert run.classify(logged, "a/test_server.py::T::test_other", "testing").id == (
        "unclassified")
