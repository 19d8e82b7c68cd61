"""Run the running interpreter's ``test.test_asyncio`` suites against genloop.

    python tests/conformance/run.py [--module NAME ...] [--json FILE] [--stock]
                                    [--jobs N] [--timeout SECONDS] [--testloop KIND]
                                    [--show-failures]

Each module runs in its own process (``_worker.py``), ``--jobs`` at a time,
with genloop installed (``_genloop_env.py``) and genloop's classes in CPython's
parametrised families (``_families.py``); the tests listed in
``not_applicable.py`` are skipped with their reason.  ``--stock`` is the
control run: CPython's suite as it is, on the stock loop and Task, with no
not-applicable list.

At the end: a table per module (passed, failed, errors, skipped,
not-applicable), a total line, the interpreter; the exit status is 1 if a
test failed, erred, hung or a not-applicable entry is stale.  A Python
without ``test.test_asyncio`` (Debian's pypy3) prints why and exits 0 with
the status "skipped: no test package".
"""

import argparse
import json
import os
import platform
import subprocess
import sys
import tempfile
import threading
import time

HERE = os.path.dirname(os.path.abspath(__file__))
sys.path.insert(0, HERE)

import _worker  # noqa: E402

#: "replaced" counts CPython's classes that test a stock class where a
#: Genloop... class runs the same tests (category "replaced" in
#: not_applicable.py); "n/a" every other not-applicable test.
COLUMNS = ("passed", "failed", "errors", "skipped", "replaced", "n/a")
OUTCOME_COLUMN = {"passed": "passed", "failed": "failed", "error": "errors",
                  "skipped": "skipped", "na": "n/a"}

#: How often one module may be started again after a hang or a crash.
MAX_RESTARTS = 10


def interpreter():
    return "{} {}".format(platform.python_implementation(), platform.python_version())


def available_modules(ctx):
    directory = os.path.dirname(ctx.package.__file__)
    return sorted(
        name[:-3] for name in os.listdir(directory)
        if name.startswith("test_") and name.endswith(".py")
    )


class ModuleRun(object):
    """One module: its worker processes and the events they wrote."""

    def __init__(self, name, args, workdir):
        self.name = name
        self.args = args
        self.workdir = workdir
        self.results = {}       # test id -> (outcome, detail)
        self.na = {}            # test id -> reason
        self.stale = {}         # key -> reason
        self.hung = []          # test ids
        self.module_skipped = None
        self.log_tails = []
        self.seconds = 0.0

    def _worker_command(self, results_path, skip_path):
        command = [sys.executable, os.path.join(HERE, "_worker.py"), self.name,
                   "--results", results_path, "--timeout", str(self.args.timeout)]
        if self.args.stock:
            command.append("--stock")
        if self.args.testloop:
            command += ["--testloop", self.args.testloop]
        if self.args.compat:
            command.append("--compat")
        if skip_path:
            command += ["--skip-ids", skip_path]
        return command

    def run(self):
        started = time.monotonic()
        skip = set()
        for attempt in range(MAX_RESTARTS + 1):
            base = os.path.join(self.workdir, "{}.{}".format(self.name, attempt))
            skip_path = None
            if skip:
                skip_path = base + ".skip.json"
                with open(skip_path, "w") as stream:
                    json.dump(sorted(skip), stream)
            results_path = base + ".jsonl"
            log_path = base + ".log"
            open(results_path, "w").close()
            with open(log_path, "w") as log:
                process = subprocess.Popen(
                    self._worker_command(results_path, skip_path),
                    stdout=log, stderr=subprocess.STDOUT, stdin=subprocess.DEVNULL,
                    cwd=self.workdir)
                try:
                    code = process.wait(timeout=self.args.module_timeout)
                except subprocess.TimeoutExpired:
                    process.kill()
                    process.wait()
                    code = "killed after {}s".format(self.args.module_timeout)
            done, unfinished = self._read(results_path)
            if done:
                break
            with open(log_path, errors="replace") as stream:
                tail = stream.read()[-4000:]
            if unfinished is None:
                self.results["{} (worker)".format(self.name)] = (
                    "error", "worker exited ({}) outside a test:\n{}".format(code, tail))
                break
            hung = "Timeout (" in tail
            what = "hung: no result in {}s".format(self.args.timeout) if hung else \
                "crashed the worker (exit status {})".format(code)
            self.results[unfinished] = ("error", "{}\n{}".format(what, tail))
            if hung:
                self.hung.append(unfinished)
            skip.update(self.results)
            skip.update(self.na)
        self.seconds = time.monotonic() - started
        return self

    def _read(self, path):
        """Read a worker's events: (finished normally, the test that was
        running when it stopped or None)."""
        running = None
        done = False
        with open(path) as stream:
            for line in stream:
                try:
                    event = json.loads(line)
                except ValueError:
                    continue
                kind = event["e"]
                if kind == "start":
                    running = event["id"]
                elif kind == "end":
                    self.results[event["id"]] = (event["outcome"], event.get("detail", ""))
                    if event["id"] == running:
                        running = None
                elif kind == "na":
                    self.na[event["id"]] = event["reason"]
                elif kind == "stale":
                    self.stale[event["key"]] = event["reason"]
                elif kind == "module_skipped":
                    self.module_skipped = event["reason"]
                elif kind == "done":
                    done = True
        return done, running

    def counts(self):
        counts = dict.fromkeys(COLUMNS, 0)
        for outcome, _ in self.results.values():
            counts[OUTCOME_COLUMN[outcome]] += 1
        for reason in self.na.values():
            counts["replaced" if reason.startswith("replaced:") else "n/a"] += 1
        if self.module_skipped:
            counts["skipped"] += 1
        return counts

    def problems(self):
        return sorted((test_id, outcome, detail)
                      for test_id, (outcome, detail) in self.results.items()
                      if outcome in ("failed", "error"))


def run_modules(names, args):
    workdir = tempfile.mkdtemp(prefix="genloop-conformance-")
    pending = list(names)
    finished = {}
    lock = threading.Lock()

    def work():
        while True:
            with lock:
                if not pending:
                    return
                name = pending.pop(0)
            run = ModuleRun(name, args, workdir).run()
            with lock:
                finished[name] = run
                counts = run.counts()
                print("  {:<28} {:>4} passed {:>3} failed {:>3} errors {:>4} skipped "
                      "{:>4} replaced {:>3} n/a  {:6.1f}s".format(
                          name, counts["passed"], counts["failed"], counts["errors"],
                          counts["skipped"], counts["replaced"], counts["n/a"],
                          run.seconds), flush=True)

    threads = [threading.Thread(target=work) for _ in range(max(1, args.jobs))]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join()
    return [finished[name] for name in names]


ROW = "| {:<26} | {:>6} | {:>6} | {:>6} | {:>7} | {:>8} | {:>5} | {:>7} |"


def table(runs, wall):
    lines = []
    header = ROW.format("module", "passed", "failed", "errors", "skipped", "replaced", "n/a",
                        "seconds")
    lines.append(header)
    lines.append("|" + "|".join("-" * len(cell) for cell in header.split("|")[1:-1]) + "|")
    totals = dict.fromkeys(COLUMNS, 0)
    for run in runs:
        counts = run.counts()
        for column in COLUMNS:
            totals[column] += counts[column]
        lines.append(ROW.format(run.name, *[counts[c] for c in COLUMNS],
                                "{:.1f}".format(run.seconds)))
    lines.append(ROW.format("**total**", *[totals[c] for c in COLUMNS], "{:.1f}".format(wall)))
    return lines, totals


def step_kind():
    """Which step genloop's tasks take in the workers, which inherit this
    environment: the compiled one or, with GENLOOP_PURE=1 or where it is
    not built, the pure-Python one."""
    import genloop
    return "C step" if genloop.COMPILED else "pure-Python step"


def main(argv=None):
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--module", action="append", default=[],
                        help="a module to run (test_tasks or tasks); repeatable")
    parser.add_argument("--json", help="write the results as JSON to this file")
    parser.add_argument("--stock", action="store_true",
                        help="control run: the stock loop and Task, no not-applicable list")
    parser.add_argument("--jobs", type=int, default=os.cpu_count() or 1,
                        help="modules run in parallel (default: the CPU count)")
    parser.add_argument("--timeout", type=float, default=30.0,
                        help="seconds one test may take before it counts as hung")
    parser.add_argument("--module-timeout", type=float, default=600.0,
                        help="seconds one module's worker may take in all")
    parser.add_argument("--testloop", choices=("genloop", "factory"),
                        help="what test_utils.new_test_loop() makes: genloop's loop with "
                             "virtual time (the default), or the stock TestLoop with "
                             "genloop's task factory (to tell a scheduler failure from a "
                             "Task failure)")
    parser.add_argument("--compat", action="store_true",
                        help="install genloop.compat in every worker: the legacy API "
                        "must not change what these tests see (entries with [compat])")
    parser.add_argument("--show-failures", action="store_true",
                        help="print the traceback of every failure")
    args = parser.parse_args(argv)

    mode = "stock loop and Task (control)" if args.stock else "genloop, " + step_kind()
    if args.compat:
        mode += " with genloop.compat"
    started = time.monotonic()
    ctx, why = _worker.locate()
    if ctx is None:
        print("conformance: skipped on {}: {}".format(interpreter(), why))
        summary = {"python": interpreter(), "mode": mode,
                   "status": "skipped: no test package", "reason": why}
        if args.json:
            with open(args.json, "w") as stream:
                json.dump(summary, stream, indent=1)
        print("summary: skipped: no test package (0 tests ran)")
        return 0

    available = available_modules(ctx)
    names = []
    for name in args.module or available:
        name = name if name.startswith("test_") else "test_" + name
        if name not in available:
            parser.error("{} has no test.test_asyncio.{}".format(interpreter(), name))
        names.append(name)

    print("conformance: {} on {} ({} modules, {} jobs)".format(
        mode, interpreter(), len(names), args.jobs), flush=True)
    runs = run_modules(names, args)
    wall = time.monotonic() - started

    lines, totals = table(runs, wall)
    problems = [(run.name, problem) for run in runs for problem in run.problems()]
    stale = sorted((key, reason) for run in runs for key, reason in run.stale.items())
    hung = sorted(test_id for run in runs for test_id in run.hung)

    print()
    print("{} — {}".format(interpreter(), mode))
    print("\n".join(lines))
    for name, (test_id, outcome, detail) in problems:
        print("{}: {}".format(outcome.upper(), test_id))
        if args.show_failures:
            print("    " + detail.replace("\n", "\n    "))
    for test_id in hung:
        print("HUNG: {}".format(test_id))
    for key, reason in stale:
        print("STALE not-applicable entry (matches no test here): {!r}".format(key))
    for run in runs:
        if run.module_skipped:
            print("module {} skipped itself: {}".format(run.name, run.module_skipped))
    ok = not problems and not stale
    status = "passed" if ok else "failed"
    print("summary: {}: {passed} passed, {failed} failed, {errors} errors, {skipped} skipped, "
          "{replaced} replaced, {na} not applicable in {wall:.0f}s".format(
              status, na=totals["n/a"], wall=wall, **totals))

    if args.json:
        summary = {
            "python": interpreter(),
            "mode": mode,
            "status": status,
            "wall_seconds": round(wall, 1),
            "totals": totals,
            "modules": {run.name: dict(run.counts(), seconds=round(run.seconds, 1),
                                       module_skipped=run.module_skipped)
                        for run in runs},
            "problems": [{"module": name, "id": test_id, "outcome": outcome,
                          "detail": detail}
                         for name, (test_id, outcome, detail) in problems],
            "hung": hung,
            "stale": [key for key, _ in stale],
            "not_applicable": {test_id: reason for run in runs
                               for test_id, reason in run.na.items()},
            "skipped": {test_id: detail for run in runs
                        for test_id, (outcome, detail) in run.results.items()
                        if outcome == "skipped"},
        }
        with open(args.json, "w") as stream:
            json.dump(summary, stream, indent=1, sort_keys=True)
    return 0 if ok else 1


if __name__ == "__main__":
    sys.exit(main())
