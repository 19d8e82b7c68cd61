"""genloop's benchmark suite: every workload on every runtime, each
measurement in a fresh process, reported against stock asyncio.

    python bench/run.py [--rounds N] [--only WORKLOAD ...] [--runtimes NAME ...]
                        [--quick] [--markdown] [--json FILE]

For each workload, each round runs every runtime once, each in a new
interpreter (``_worker.py``), the order of the runtimes rotating from round
to round so that drift hits them all alike.  A worker warms up on a small
run, then measures the CPU time (``time.process_time``) of one run.  The
report gives, per runtime, ops/s at the median CPU time, the spread of the
rounds ((max - min) / median), the ratio to ``asyncio`` and, for a legacy
runtime, the ratio to the same loop running ``async def`` (``genloop`` for
``genloop-legacy`` and ``genloop-run``, ``asyncio+factory`` for
``factory-legacy``); for ``spawn`` also the memory per live task.
Standard library only; a failing worker stops the run with its stderr and
a non-zero exit status.
"""

import argparse
import json
import os
import platform
import shlex
import statistics
import subprocess
import sys
import time

from workloads import BASELINE, RUNTIMES, WORKLOADS, genloop

WORKER = os.path.join(os.path.dirname(os.path.abspath(__file__)), "_worker.py")

#: The directory genloop is imported from.
GENLOOP_HOME = os.path.dirname(os.path.dirname(os.path.abspath(genloop.__file__)))

DEFAULT_ROUNDS = 5

#: ``--quick`` divides every size by this (and runs one round).
QUICK_DIVISOR = 20

#: A worker's warm-up run is this fraction of the measured one.
WARMUP_DIVISOR = 10

#: Tasks alive at once when measuring memory per live task (``--quick``: / 10).
MEMORY_TASKS = 10000

#: A worker still running after this many seconds has failed.
WORKER_TIMEOUT = 600

#: The legacy runtimes, each also compared with the same loop running
#: ``async def``: its native twin.
NATIVE_TWIN = {
    "genloop-legacy": "genloop",
    "genloop-run": "genloop",
    "factory-legacy": "asyncio+factory",
}


class WorkerFailed(Exception):
    """A worker exited non-zero, timed out or printed no result."""

    def __init__(self, command, problem, stderr):
        super().__init__("{}: {}\n{}".format(
            " ".join(shlex.quote(part) for part in command), problem, stderr.rstrip()))


def worker_command(runtime, *args):
    """The command of a worker for ``runtime`` with ``args``, and the
    variables its environment needs besides the current ones."""
    command = [sys.executable, WORKER] + [str(arg) for arg in args]
    if not runtime.genloop_run:
        return command, {}
    # genloop run from a source checkout finds the package beside bench/.
    path = os.pathsep.join(filter(None, [GENLOOP_HOME, os.environ.get("PYTHONPATH")]))
    return command[:1] + ["-m", "genloop", "run"] + command[1:], {"PYTHONPATH": path}


def run_worker(runtime, *args):
    """The JSON result a fresh worker process for ``runtime`` prints for ``args``."""
    command, environment = worker_command(runtime, *args)
    try:
        finished = subprocess.run(command, stdout=subprocess.PIPE, stderr=subprocess.PIPE,
                                  universal_newlines=True, timeout=WORKER_TIMEOUT,
                                  env=dict(os.environ, **environment))
    except subprocess.TimeoutExpired as timeout:
        # What the worker wrote before it was killed comes as bytes, if at all.
        raise WorkerFailed(command, "no result after {} s".format(WORKER_TIMEOUT),
                           (timeout.stderr or b"").decode(errors="replace"))
    if finished.returncode != 0:
        raise WorkerFailed(command, "exit status {}".format(finished.returncode),
                           finished.stderr)
    try:
        return json.loads(finished.stdout.strip().splitlines()[-1])
    except (IndexError, ValueError):
        raise WorkerFailed(command, "no JSON result in its output {!r}".format(finished.stdout),
                           finished.stderr)


def rotated(items, shift):
    shift %= len(items)
    return items[shift:] + items[:shift]


def measure_rounds(workload, runtimes, size, rounds):
    """Each runtime's CPU seconds, one per round, by runtime name."""
    cpu_seconds = {runtime.name: [] for runtime in runtimes}
    warmup_size = max(2, size // WARMUP_DIVISOR)
    for round_index in range(rounds):
        for runtime in rotated(runtimes, round_index):
            result = run_worker(runtime, "measure", workload.name, runtime.name, size,
                                warmup_size)
            cpu_seconds[runtime.name].append(result["cpu_seconds"])
    return cpu_seconds


def ratio(values, name, reference):
    """``values[name] / values[reference]``, or None where either is missing."""
    if values.get(name) is None or values.get(reference) is None:
        return None
    return values[name] / values[reference]


def summarize(cpu_seconds, size):
    """Per runtime: ops/s at the median CPU time, the spread and the ratios."""
    rows = {}
    for name, seconds in cpu_seconds.items():
        median = statistics.median(seconds)
        rows[name] = {"cpu_seconds": seconds, "median_cpu_seconds": median,
                      "ops_per_second": size / median,
                      "spread": (max(seconds) - min(seconds)) / median}
    add_ratios(rows, "ops_per_second")
    return rows


def add_ratios(rows, key):
    """``vs_asyncio`` for every row; ``vs_native`` for the legacy runtimes."""
    values = {name: row[key] for name, row in rows.items()}
    for name, row in rows.items():
        row["vs_asyncio"] = ratio(values, name, BASELINE)
        if name in NATIVE_TWIN:
            row["vs_native"] = ratio(values, name, NATIVE_TWIN[name])


def measure_memory(runtimes, tasks):
    """Bytes per live task by runtime name, or the reason none could be measured."""
    rows = {}
    for runtime in runtimes:
        result = run_worker(runtime, "memory", runtime.name, tasks)
        if "unavailable" in result:
            return None, result["unavailable"]
        rows[runtime.name] = {"bytes_per_task": result["bytes_per_task"]}
    add_ratios(rows, "bytes_per_task")
    return rows, None


# -- output --------------------------------------------------------------------


def say(text=""):
    print(text.rstrip())
    sys.stdout.flush()


def python_description():
    implementation = platform.python_implementation()
    text = "{} {}".format(implementation, platform.python_version())
    if implementation == "PyPy":
        text += " (PyPy {})".format(".".join(str(part) for part in sys.pypy_version_info[:3]))
    return text


def machine_description():
    return "{} {}, {} CPUs".format(platform.system(), platform.machine(), os.cpu_count())


def format_ratio(value):
    return "" if value is None else "{:.2f}".format(value)


def ratio_cells(row):
    return [format_ratio(row["vs_asyncio"]), format_ratio(row.get("vs_native"))]


def ops_cells(rows, runtimes, rounds):
    """Per runtime, as text: name, ops/s, spread (none from one round), ratios."""
    return [[runtime.name, "{:,.0f}".format(rows[runtime.name]["ops_per_second"]),
             "±{:.1%}".format(rows[runtime.name]["spread"]) if rounds > 1 else "-"]
            + ratio_cells(rows[runtime.name]) for runtime in runtimes]


def memory_cells(rows, runtimes):
    """Per runtime, as text: name, bytes per live task, ratios."""
    return [[runtime.name, "{:,.0f}".format(rows[runtime.name]["bytes_per_task"])]
            + ratio_cells(rows[runtime.name]) for runtime in runtimes]


RATIO_HEADINGS = ["vs " + BASELINE, "vs async def"]
ROW = "  {:<16} {:>14} {:>8} {:>11} {:>11}"


def print_ops(cells):
    say(ROW.format("runtime", "ops/s", "spread", *RATIO_HEADINGS))
    for row in cells:
        say(ROW.format(*row))


def print_memory(memory, cells):
    say("  memory per live task ({:,} tasks each awaiting one future, traced by "
        "tracemalloc):".format(memory["tasks"]))
    if memory["unavailable"]:
        say("  unavailable: " + memory["unavailable"])
        return
    for name, size, vs_baseline, vs_reference in cells:
        say(ROW.format(name, size + " B", "", vs_baseline, vs_reference))


def markdown_row(cells):
    return "| " + " | ".join(cells) + " |"


def print_markdown(report, tables):
    """``tables``: the text cells of each workload, and of the memory measurement."""
    say()
    say("### {}, {}, {}".format(report["python"], report["machine"], report["date"]))
    say()
    say("`{}`: {} round(s), genloop {}{}".format(
        report["command"], report["rounds"], report["genloop"],
        "".join(", {} {}".format(name, version)
                for name, version in sorted(report["references"].items()))))
    say()
    say(markdown_row(["workload", "runtime", "ops/s", "spread"] + RATIO_HEADINGS))
    say("|---|---|---:|---:|---:|---:|")
    for name, cells in tables["ops"]:
        for row in cells:
            say(markdown_row([name] + row))
    memory = report.get("memory")
    if memory is None:
        return
    say()
    if memory["unavailable"]:
        say("Memory per live task: unavailable ({}).".format(memory["unavailable"]))
        return
    say(markdown_row(["runtime", "bytes per live task ({:,} tasks)".format(memory["tasks"])]
                     + RATIO_HEADINGS))
    say("|---|---:|---:|---:|")
    for row in tables["memory"]:
        say(markdown_row(row))


# -- the command ---------------------------------------------------------------


def selection_parser(description):
    """An argument parser with what every bench command takes: which
    workloads and runtimes, and Markdown and JSON output."""
    workload_names = [workload.name for workload in WORKLOADS]
    runtime_names = [runtime.name for runtime in RUNTIMES]
    parser = argparse.ArgumentParser(
        description=description,
        epilog="workloads: {}; runtimes: {}".format(
            ", ".join(workload_names), ", ".join(runtime_names)))
    parser.add_argument("--only", nargs="+", choices=workload_names, metavar="WORKLOAD",
                        help="run only these workloads")
    parser.add_argument("--runtimes", nargs="+", choices=runtime_names, metavar="NAME",
                        help="run only these runtimes ({}, the baseline, always runs, "
                             "and a legacy runtime's twin running async def with it: {})".format(
                                 BASELINE, ", ".join(
                                     "{} with {}".format(twin, legacy)
                                     for legacy, twin in NATIVE_TWIN.items())))
    parser.add_argument("--markdown", action="store_true",
                        help="also print the results as Markdown tables")
    parser.add_argument("--json", metavar="FILE", help="also write the results to FILE")
    return parser


def selected(args):
    """The workloads and the installed runtimes ``args`` select, and the
    names of the selected runtimes not installed here."""
    wanted = [runtime for runtime in RUNTIMES
              if args.runtimes is None or runtime.name in implied(args.runtimes)]
    runtimes = [runtime for runtime in wanted if runtime.installed()]
    missing = [runtime.name for runtime in wanted if not runtime.installed()]
    chosen = [workload for workload in WORKLOADS if not args.only or workload.name in args.only]
    return chosen, runtimes, missing


def genloop_description():
    """genloop's version, and which step its tasks take: the compiled one, or
    the pure-Python one (GENLOOP_PURE=1, or where it is not built)."""
    step = "C step" if genloop.COMPILED else "pure-Python step"
    return "{}, {}".format(genloop.__version__, step)


def new_report(argv, runtimes, missing):
    """What a report records of the run itself: Python, machine, versions, command."""
    return {
        "python": python_description(), "executable": sys.executable,
        "machine": machine_description(), "genloop": genloop_description(),
        "references": {runtime.name: runtime.version() for runtime in runtimes
                       if runtime.requires is not None},
        "date": time.strftime("%Y-%m-%d"),
        "command": " ".join(shlex.quote(part) for part in
                            [os.path.basename(sys.executable), sys.argv[0]] + argv),
        "not_installed": missing,
        "workloads": {},
    }


def write_json(report, path):
    with open(path, "w") as output:
        json.dump(report, output, indent=2, sort_keys=True)
        output.write("\n")


def parse_arguments(argv):
    parser = selection_parser(__doc__.split("\n\n")[0])
    parser.add_argument("--rounds", type=int, metavar="N",
                        help="measurements per workload and runtime, alternated "
                             "(default {}; 1 with --quick)".format(DEFAULT_ROUNDS))
    parser.add_argument("--quick", action="store_true",
                        help="sizes divided by {} and one round: a smoke "
                             "run".format(QUICK_DIVISOR))
    args = parser.parse_args(argv)
    if args.rounds is None:
        args.rounds = 1 if args.quick else DEFAULT_ROUNDS
    if args.rounds < 1:
        parser.error("--rounds must be at least 1")
    return args


def print_runtimes(report, runtimes, missing):
    say("{} ({}), genloop {}, {}".format(report["python"], report["executable"],
                                         report["genloop"], report["machine"]))
    for runtime in runtimes:
        version = report["references"].get(runtime.name)
        say("  {:<16} {}{}".format(runtime.name, runtime.summary,
                                   " ({} {})".format(runtime.requires, version) if version else ""))
    if missing:
        say("  not installed: {} (pip install -r bench/requirements.txt)".format(
            ", ".join(missing)))


def print_setup(report, runtimes, missing):
    print_runtimes(report, runtimes, missing)
    say("{} round(s); each measurement a fresh process: a warm-up run, then the CPU time "
        "of one run; ops/s at the median, spread = (max - min) / median".format(report["rounds"]))


def run_workloads(report, chosen, runtimes, quick):
    """Measure, print and record each workload; the text cells of the tables."""
    tables = {"ops": [], "memory": None}
    for workload in chosen:
        size = workload.size // QUICK_DIVISOR if quick else workload.size
        say()
        say("{}: {:,} ops; op = {}".format(workload.name, size, workload.operation))
        rows = summarize(measure_rounds(workload, runtimes, size, report["rounds"]), size)
        report["workloads"][workload.name] = {"size": size, "runtimes": rows}
        cells = ops_cells(rows, runtimes, report["rounds"])
        tables["ops"].append((workload.name, cells))
        print_ops(cells)
        if workload.name == "spawn":
            tasks = MEMORY_TASKS // 10 if quick else MEMORY_TASKS
            rows, unavailable = measure_memory(runtimes, tasks)
            report["memory"] = {"tasks": tasks, "runtimes": rows, "unavailable": unavailable}
            tables["memory"] = memory_cells(rows, runtimes) if rows else None
            print_memory(report["memory"], tables["memory"])
    return tables


def implied(names):
    """The runtimes named, with what their ratios are taken against."""
    names = [BASELINE] + names
    return names + [NATIVE_TWIN[name] for name in names if name in NATIVE_TWIN]


def main(argv=None):
    if argv is None:
        argv = sys.argv[1:]
    args = parse_arguments(argv)
    chosen, runtimes, missing = selected(args)
    report = new_report(argv, runtimes, missing)
    report.update(rounds=args.rounds, quick=args.quick)
    print_setup(report, runtimes, missing)
    try:
        tables = run_workloads(report, chosen, runtimes, args.quick)
    except WorkerFailed as failure:
        sys.stderr.write("worker failed: {}\n".format(failure))
        return 1
    if args.markdown:
        print_markdown(report, tables)
    if args.json:
        write_json(report, args.json)
    return 0


if __name__ == "__main__":
    sys.exit(main())
