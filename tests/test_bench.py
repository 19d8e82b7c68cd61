"""The benchmark suite in bench/: every workload on every runtime installed
here, in-process at tiny sizes; the memory measurement and run.py in child
interpreters.  Nothing here is timed: the tests check that the suite runs,
counts and checks its work, and fails loudly.
"""

import gc
import importlib.util
import json
import os
import shutil
import sys
from pathlib import Path

import pytest
from childprocess import CHILD_TIMEOUT, run_python

BENCH = Path(__file__).resolve().parent.parent / "bench"


def load_workloads():
    """bench/workloads.py, imported by path (bench/ is not a package)."""
    spec = importlib.util.spec_from_file_location("bench_workloads", str(BENCH / "workloads.py"))
    module = importlib.util.module_from_spec(spec)
    spec.loader.exec_module(module)
    return module


workloads = load_workloads()

#: Sizes that make every workload split its work unevenly (with the smaller
#: task and batch counts the ``small_splits`` fixture sets).
TINY_SIZES = {
    "task_switch": 23,
    "chain": 3,
    "spawn": 17,
    "future_pingpong": 11,
    "call_soon": 250,
    "timers": 31,
    "gather": 11,
    "echo": 300,
}


#: Every runtime; an outside reference not installed here is skipped.
RUNTIMES = [
    pytest.param(runtime, id=runtime.name,
                 marks=pytest.mark.skipif(not runtime.installed(),
                                          reason="{} is not installed".format(runtime.requires)))
    for runtime in workloads.RUNTIMES
]


@pytest.fixture
def small_splits(monkeypatch):
    """Fewer tasks and smaller gathers, so that tiny sizes still split unevenly."""
    monkeypatch.setattr(workloads, "SWITCHING_TASKS", 5)
    monkeypatch.setattr(workloads, "GATHER_BATCH", 4)


def run_in_process(workload, runtime, size):
    """What the workload returned, after checking its loop reported no error
    and left no task behind (one destroyed while pending is reported)."""
    reported = []
    with runtime.fresh_loop() as loop:
        loop.set_exception_handler(lambda loop, context: reported.append(context))
        ops = loop.run_until_complete(workload.versions[runtime.style](loop, size))
    gc.collect()
    assert reported == []
    return ops


def test_every_workload_has_a_tiny_size():
    assert sorted(TINY_SIZES) == sorted(workload.name for workload in workloads.WORKLOADS)


@pytest.mark.parametrize("runtime", RUNTIMES)
@pytest.mark.parametrize("workload", workloads.WORKLOADS, ids=lambda workload: workload.name)
def test_a_workload_does_the_ops_it_was_asked_for(workload, runtime, small_splits):
    size = TINY_SIZES[workload.name]
    assert run_in_process(workload, runtime, size) == size


@pytest.mark.parametrize("runtime", RUNTIMES)
def test_echo_notices_a_wrong_reply(runtime, monkeypatch):
    monkeypatch.setattr(workloads.EchoServer, "data_received",
                        lambda server, data: server.transport.write(data[::-1]))
    with pytest.raises(AssertionError, match="echoes that differed"):
        run_in_process(workloads.find(workloads.WORKLOADS, "echo"), runtime, 3)


def test_shares_split_a_total_exactly():
    assert workloads.shares(11, 4) == [3, 3, 3, 2]
    assert workloads.shares(2, 4) == [1, 1, 0, 0]


def test_expect_raises_even_under_optimisation():
    with pytest.raises(AssertionError, match="ops: got 1, expected 2"):
        workloads.expect("ops", 1, 2)


def bench_command(args, environment=None, timeout=CHILD_TIMEOUT):
    return run_python([str(BENCH / args[0])] + list(args[1:]), cwd=BENCH.parent,
                      environment=environment, timeout=timeout)


@pytest.mark.parametrize("runtime", RUNTIMES)
def test_the_worker_measures_memory_per_live_task_or_says_why_not(runtime):
    outcome = bench_command(["_worker.py", "memory", runtime.name, "200"])
    assert outcome.status == 0, outcome.err
    result = json.loads(outcome.out)
    if "unavailable" in result:
        assert "tracemalloc" in result["unavailable"]
    else:
        assert result["bytes_per_task"] > 0


def test_run_py_reports_ops_and_ratios(tmp_path):
    report_file = tmp_path / "report.json"
    outcome = bench_command(["run.py", "--quick", "--rounds", "1", "--only", "task_switch",
                             "--runtimes", "asyncio", "genloop",
                             "--markdown", "--json", str(report_file)])
    assert outcome.status == 0, outcome.err
    table = outcome.out.split("task_switch: ", 1)[1].split("\n\n", 1)[0].splitlines()
    assert table[1].split() == ["runtime", "ops/s", "spread", "vs", "asyncio", "vs", "async", "def"]
    rows = {line.split()[0]: line.split()[1:] for line in table[2:]}
    assert sorted(rows) == ["asyncio", "genloop"]
    assert rows["asyncio"][-1] == "1.00"
    assert float(rows["genloop"][-1]) > 0
    assert "| task_switch | genloop |" in outcome.out
    report = json.loads(report_file.read_text())
    measured = report["workloads"]["task_switch"]["runtimes"]
    assert sorted(measured) == ["asyncio", "genloop"]
    assert measured["asyncio"]["vs_asyncio"] == 1.0
    # summarize.py turns such files into docs/speed.md's tables, a column each.
    summary = bench_command(["summarize.py", str(report_file), str(report_file)])
    assert summary.status == 0, summary.err
    genloop_table = summary.out.split("(`genloop`)", 1)[1].split("\n\n")[1].splitlines()
    python = " ".join(report["python"].split()[:2])
    assert genloop_table[0] == "| workload | {0} | {0} |".format(python)
    ratio = "{:.2f} ±{:.0f}%".format(measured["genloop"]["vs_asyncio"],
                                     100 * measured["genloop"]["spread"])
    assert "| task_switch | {0} | {0} |".format(ratio) in genloop_table
    assert "| chain | - | - |" in genloop_table  # not measured in that run


def fake_module_path(tmp_path, name, source):
    """PYTHONPATH with a module ``name`` of ``source`` shadowing any installed one."""
    (tmp_path / (name + ".py")).write_text(source)
    return {"PYTHONPATH": os.pathsep.join(
        [str(tmp_path)] + [part for part in [os.environ.get("PYTHONPATH")] if part])}


def test_run_py_lists_a_missing_reference_as_not_installed(tmp_path):
    environment = fake_module_path(tmp_path, "uvloop", "raise ImportError('not here')\n")
    report_file = tmp_path / "report.json"
    outcome = bench_command(["run.py", "--quick", "--only", "call_soon",
                             "--runtimes", "uvloop", "genloop", "genloop-legacy",
                             "--json", str(report_file)], environment)
    assert outcome.status == 0, outcome.err
    assert "not installed: uvloop" in outcome.out
    measured = json.loads(report_file.read_text())["workloads"]["call_soon"]["runtimes"]
    assert sorted(measured) == ["asyncio", "genloop", "genloop-legacy"]
    assert measured["genloop-legacy"]["vs_native"] > 0


def test_factory_legacy_is_compared_with_async_def_under_the_same_factory(tmp_path):
    report_file = tmp_path / "report.json"
    outcome = bench_command(["run.py", "--quick", "--only", "spawn",
                             "--runtimes", "factory-legacy", "--json", str(report_file)])
    assert outcome.status == 0, outcome.err
    measured = json.loads(report_file.read_text())["workloads"]["spawn"]["runtimes"]
    assert sorted(measured) == ["asyncio", "asyncio+factory", "factory-legacy"]
    rows = measured["factory-legacy"], measured["asyncio+factory"]
    assert rows[0]["vs_native"] == pytest.approx(
        rows[0]["ops_per_second"] / rows[1]["ops_per_second"])


def test_genloop_run_measures_legacy_code_under_genloop_run(tmp_path):
    """Its workers start under genloop run, where a legacy call makes a
    generator on every Python; genloop-legacy's make adapters from 3.12 on."""
    report_file = tmp_path / "report.json"
    outcome = bench_command(["run.py", "--quick", "--only", "chain",
                             "--runtimes", "genloop-legacy", "genloop-run",
                             "--json", str(report_file)])
    assert outcome.status == 0, outcome.err
    measured = json.loads(report_file.read_text())["workloads"]["chain"]["runtimes"]
    assert sorted(measured) == ["asyncio", "genloop", "genloop-legacy", "genloop-run"]
    assert measured["genloop-run"]["vs_native"] > 0
    assert "vs_native" not in measured["genloop"]
    made = bench_command(["_worker.py", "measure", "chain", "genloop-legacy", "2", "1"])
    assert made.status == 0, made.err
    expected = "generator" if sys.version_info < (3, 12) else "LegacyCoroutine"
    assert json.loads(made.out)["legacy_call_makes"] == expected
    under_run = run_python(["-m", "genloop", "run", "_worker.py",
                            "measure", "chain", "genloop-run", "2", "1"], cwd=BENCH)
    assert under_run.status == 0, under_run.err
    assert json.loads(under_run.out)["legacy_call_makes"] == "generator"


def test_a_failing_worker_fails_run_py_with_its_error(tmp_path):
    environment = fake_module_path(
        tmp_path, "uvloop",
        "__version__ = '0'\n"
        "def new_event_loop():\n"
        "    raise RuntimeError('this uvloop is broken on purpose')\n")
    outcome = bench_command(["run.py", "--quick", "--only", "call_soon",
                             "--runtimes", "uvloop"], environment)
    assert outcome.status != 0
    assert "worker failed" in outcome.err
    assert "RuntimeError: this uvloop is broken on purpose" in outcome.err


#: Python under valgrind starts in seconds (PyPy: tens of seconds).
VALGRIND_TIMEOUT = 300


@pytest.mark.skipif(shutil.which("valgrind") is None,
                    reason="valgrind is not installed (.ci/run installs it)")
def test_instructions_py_counts_instructions_per_op(tmp_path):
    report_file = tmp_path / "report.json"
    # asyncio alone (the baseline always runs): one runtime, two counts.
    outcome = bench_command(["instructions.py", "--only", "call_soon", "--runtimes", "asyncio",
                             "--divisor", "1000", "--json", str(report_file)],
                            timeout=VALGRIND_TIMEOUT)
    assert outcome.status == 0, outcome.err
    assert "call_soon: 300 and 600 ops" in outcome.out
    measured = json.loads(report_file.read_text())["workloads"]["call_soon"]
    row = measured["runtimes"]["asyncio"]
    at_n, at_2n = row["instructions"]
    assert at_2n > at_n > 0
    assert row["instructions_per_op"] == (at_2n - at_n) / measured["n"]
    assert row["vs_asyncio"] == 1.0
    assert "{:,.0f}".format(row["instructions_per_op"]) in outcome.out


def test_instructions_py_says_valgrind_is_missing(tmp_path):
    # PATH without valgrind; the worker's interpreter is found by its full path.
    outcome = bench_command(["instructions.py", "--only", "call_soon"],
                            {"PATH": str(tmp_path)})
    assert outcome.status == 2
    assert "valgrind is not installed" in outcome.err


ANATOMY_CHILDREN = [("spawn", name, phase) for name in ("asyncio", "genloop")
                    for phase in ("create", "run", "await")] + [
    ("chain", name, "-") for name in ("async def", "@genloop.coroutine", "types.coroutine")]


@pytest.mark.parametrize("kind, name, phase", ANATOMY_CHILDREN)
def test_anatomy_children_run_what_they_count(kind, name, phase):
    # The chain checks what each round trip returned; spawn leaves no task
    # behind ("destroyed but pending" would be on stderr).
    outcome = bench_command(["anatomy.py", "--child", kind, name, phase, "23"])
    assert outcome.status == 0, outcome.err
    assert outcome.err == ""


#: A stand-in for valgrind: runs the command and reports 1000 + 51 * 6 * N
#: instructions, N being the command's last argument.
FAKE_VALGRIND = """#!/bin/sh
shift 2
for last; do :; done
"$@" || exit $?
echo "==1== Collected : $((1000 + 306 * last))" >&2
"""


def test_anatomy_divides_the_counts_by_task_phase_and_by_level(tmp_path):
    fake = tmp_path / "valgrind"
    fake.write_text(FAKE_VALGRIND)
    fake.chmod(0o755)
    path = os.pathsep.join([str(tmp_path), os.environ.get("PATH", "")])
    outcome = bench_command(["anatomy.py", "--n", "3"], {"PATH": path})
    assert outcome.status == 0, outcome.err
    lines = outcome.out.splitlines()
    # Each phase's count includes the phases before it: only "create" adds.
    assert lines[0] == "spawn: instructions per task, by phase (3 and 6 tasks)"
    assert lines[1].split() == ["create", "run", "await", "all"]
    assert [line.split() for line in lines[2:4]] == [
        ["asyncio", "306", "0", "0", "306"], ["genloop", "306", "0", "0", "306"]]
    assert lines[4] == ("chain: instructions per level of a depth-50 chain "
                        "(3 and 6 round trips)")
    costs = {line[:22].strip(): line[22:].strip() for line in lines[5:]}
    assert costs == {"async def": "6", "@genloop.coroutine": "6", "types.coroutine": "6"}


def instructions_report(python, genloop_per_op):
    """An instructions.py --json report: asyncio at 10,000 instructions per op."""
    rows = {"asyncio": {"instructions_per_op": 10000.0, "vs_asyncio": 1.0},
            "genloop": {"instructions_per_op": genloop_per_op,
                        "vs_asyncio": 10000.0 / genloop_per_op}}
    return {"python": python, "divisor": 20,
            "workloads": {"task_switch": {"n": 7500, "runtimes": rows}}}


def test_summarize_py_tabulates_instruction_counts(tmp_path):
    paths = []
    for python, per_op in [("CPython 3.12.1", 8000.0), ("CPython 3.13.0", 12500.0)]:
        paths.append(tmp_path / (python + ".json"))
        paths[-1].write_text(json.dumps(instructions_report(python, per_op)))
    outcome = bench_command(["summarize.py"] + [str(path) for path in paths])
    assert outcome.status == 0, outcome.err
    genloop_table = outcome.out.split("(`genloop`): ratio (instructions per op)", 1)[1]
    lines = genloop_table.split("\n\n")[1].splitlines()
    assert lines[0] == "| workload | CPython 3.12.1 | CPython 3.13.0 |"
    assert "| task_switch | 1.25 (8,000) | 0.80 (12,500) |" in lines
    assert "| chain | - | - |" in lines
    assert not any(line.startswith("| memory") for line in lines)
    assert "(`uvloop`)" not in outcome.out  # counted by neither run


def test_summarize_py_refuses_to_mix_cpu_times_and_instructions(tmp_path):
    counted = tmp_path / "counted.json"
    counted.write_text(json.dumps(instructions_report("CPython 3.12.1", 8000.0)))
    timed = tmp_path / "timed.json"
    timed.write_text(json.dumps({"python": "CPython 3.12.1", "workloads": {}}))
    outcome = bench_command(["summarize.py", str(counted), str(timed)])
    assert outcome.status == 2
    assert "not both" in outcome.err


def test_import_hook_bench_measures_each_workload_both_ways(tmp_path):
    out = tmp_path / "import_hook.json"
    outcome = run_python(
        [str(BENCH / "import_hook.py"), "--rounds", "1", "--size", "3", "--json", str(out)],
        tmp_path,
    )
    assert outcome.status == 0, outcome.err
    results = json.loads(out.read_text())["results"]
    assert sorted(results) == sorted([
        "helper_chain", "helper_chain_across", "native_chain", "native_chain_across",
        "data_generator",
    ])
    for figures in results.values():
        assert figures["hook"] > 0 and figures["python"] > 0
        assert figures["ratio"] == figures["hook"] / figures["python"]


def test_migrate_bench_migrates_fresh_copies_and_counts_their_lines(tmp_path):
    pytest.importorskip("libcst", reason="genloop migrate needs libcst")
    tree = tmp_path / "app"
    tree.mkdir()
    legacy = ("import asyncio\n\n\n@asyncio.coroutine\ndef pause():\n"
              "    yield from asyncio.sleep(0)\n")
    (tree / "app.py").write_text(legacy)
    out = tmp_path / "migrate.json"
    outcome = bench_command(["migrate.py", "--rounds", "2", "--json", str(out), str(tree)])
    assert outcome.status == 0, outcome.err
    assert (tree / "app.py").read_text() == legacy
    report = json.loads(out.read_text())
    assert report["rounds"] == 2
    assert report["trees"]["app"]["files"] == 1 and report["trees"]["app"]["lines"] == 6
    assert report["trees"]["app"]["rewritten"] == 1 and report["trees"]["app"]["left"] == 0
    assert report["all"]["lines"] == 6 and report["all"]["seconds"] > 0
    assert "lines/s" in outcome.out


def test_migrate_bench_says_which_python_to_run_it_with_when_libcst_is_missing():
    try:
        import libcst  # noqa: F401
    except ImportError:
        pass
    else:
        pytest.skip("libcst is installed here")
    outcome = bench_command(["migrate.py", "--corpus", "compat"])
    assert outcome.status == 2
    assert "libcst is needed" in outcome.err
