"""Instructions per op, counted by valgrind's callgrind: a second opinion
on run.py's CPU times that the machine's noise does not move.

    python bench/instructions.py [--only WORKLOAD ...] [--runtimes NAME ...]
                                 [--divisor N] [--markdown] [--json FILE]

Each (workload, runtime) runs twice in a fresh worker under ``valgrind
--tool=callgrind``, with the same warm-up: at n ops (the workload's size
divided by ``--divisor``) and at 2n.  The difference in instructions,
divided by n, is what one op costs, with start-up and warm-up cancelled
out.  The hash seed is fixed, so set and dict layouts repeat: a count
does not depend on what else the machine is doing, and repeats to within
about 2% (twice in a row, to the instruction).

Instructions are not time: a cache miss or a mispredicted branch costs more
than an add, and the kernel's work (the echo workload's socket calls) is
not counted.  The ratios say how much work each runtime does per op; run.py
says how fast it goes.
"""

import os
import re
import shlex
import shutil
import subprocess
import sys

import run

#: Sizes are the workloads' run.py sizes divided by this (callgrind runs
#: code about 50 times slower).
DEFAULT_DIVISOR = 20

#: How callgrind reports the instructions it counted.
COLLECTED = re.compile(r"Collected\s*:\s*(\d+)")

VALGRIND = ["valgrind", "--tool=callgrind", "--callgrind-out-file=/dev/null"]

#: A fixed seed: set and dict layouts, and so the counts, repeat run to run.
ENVIRONMENT = {"PYTHONHASHSEED": "0"}


class NoCount(Exception):
    """A command under valgrind failed, or valgrind printed no count."""


def valgrind_missing():
    """Why instructions cannot be counted here, or None if they can."""
    if shutil.which(VALGRIND[0]) is None:
        return ("valgrind is not installed: it counts the instructions "
                "(Debian: apt-get install valgrind)")
    return None


def count(command, environment=None):
    """Instructions the interpreter command ``command`` runs, under callgrind,
    with ``environment``'s variables added to the current ones."""
    try:
        finished = subprocess.run(VALGRIND + command, stdout=subprocess.PIPE,
                                  stderr=subprocess.PIPE, universal_newlines=True,
                                  timeout=run.WORKER_TIMEOUT,
                                  env=dict(os.environ, **dict(ENVIRONMENT, **(environment or {}))))
    except subprocess.TimeoutExpired:
        raise NoCount("{}: no result after {} s".format(shown(command), run.WORKER_TIMEOUT))
    found = COLLECTED.search(finished.stderr)
    if finished.returncode != 0 or found is None:
        raise NoCount("{}: exit status {}, {}\n{}".format(
            shown(command), finished.returncode,
            "counted" if found else "no 'Collected :' line from valgrind",
            finished.stderr.rstrip()))
    return int(found.group(1))


def shown(command):
    return " ".join(shlex.quote(part) for part in command)


def worker_command(workload, runtime, size, warmup_size):
    """The command of a worker that measures ``size`` ops, and the variables
    its environment needs."""
    return run.worker_command(runtime, "measure", workload.name, runtime.name, size,
                              warmup_size)


def per_op(count_at_n, count_at_2n, n):
    """Instructions per op from the counts at n and 2n ops."""
    return (count_at_2n - count_at_n) / n


def counted(command_for, n):
    """The counts of the commands ``command_for(n)`` and ``command_for(2 * n)``
    (each a command and the variables its environment needs), and the
    instructions per op they give."""
    counts = [count(*command_for(size)) for size in (n, 2 * n)]
    return counts, per_op(counts[0], counts[1], n)


def measure(workload, runtimes, n):
    """Per runtime: instructions per op, and ops per million instructions
    with the ratios (higher is better, as for run.py's ops/s)."""
    warmup_size = max(2, n // run.WARMUP_DIVISOR)
    rows = {}
    for runtime in runtimes:
        counts, cost = counted(
            lambda size: worker_command(workload, runtime, size, warmup_size), n)
        rows[runtime.name] = {"instructions": counts, "instructions_per_op": cost,
                              "ops_per_million_instructions": 1e6 / cost}
    run.add_ratios(rows, "ops_per_million_instructions")
    return rows


ROW = "  {:<16} {:>16} {:>11} {:>11}"


def cells(rows, runtimes):
    return [[runtime.name, "{:,.0f}".format(rows[runtime.name]["instructions_per_op"])]
            + run.ratio_cells(rows[runtime.name]) for runtime in runtimes]


def print_markdown(report, tables):
    run.say()
    run.say("### {}, {}, {}: instructions per op".format(
        report["python"], report["machine"], report["date"]))
    run.say()
    run.say("`{}`, genloop {}".format(report["command"], report["genloop"]))
    run.say()
    run.say(run.markdown_row(["workload", "runtime", "instructions/op"] + run.RATIO_HEADINGS))
    run.say("|---|---|---:|---:|---:|")
    for name, table in tables:
        for row in table:
            run.say(run.markdown_row([name] + row))


def parse_arguments(argv):
    parser = run.selection_parser(__doc__.split("\n\n")[0])
    parser.add_argument("--divisor", type=int, default=DEFAULT_DIVISOR, metavar="N",
                        help="n is run.py's size divided by N (default {})".format(
                            DEFAULT_DIVISOR))
    args = parser.parse_args(argv)
    if args.divisor < 1:
        parser.error("--divisor must be at least 1")
    return args


def main(argv=None):
    if argv is None:
        argv = sys.argv[1:]
    args = parse_arguments(argv)
    problem = valgrind_missing()
    if problem:
        sys.stderr.write(problem + "\n")
        return 2
    chosen, runtimes, missing = run.selected(args)
    report = run.new_report(argv, runtimes, missing)
    report["divisor"] = args.divisor
    run.print_runtimes(report, runtimes, missing)
    run.say("instructions per op = (count at 2n ops - count at n ops) / n, each count one "
            "worker under callgrind")
    tables = []
    for workload in chosen:
        n = max(1, workload.size // args.divisor)
        run.say()
        run.say("{}: {:,} and {:,} ops; op = {}".format(workload.name, n, 2 * n,
                                                        workload.operation))
        try:
            rows = measure(workload, runtimes, n)
        except NoCount as failure:
            sys.stderr.write("worker failed: {}\n".format(failure))
            return 1
        report["workloads"][workload.name] = {"n": n, "runtimes": rows}
        table = cells(rows, runtimes)
        tables.append((workload.name, table))
        run.say(ROW.format("runtime", "instructions/op", *run.RATIO_HEADINGS))
        for row in table:
            run.say(ROW.format(*row))
    if args.markdown:
        print_markdown(report, tables)
    if args.json:
        run.write_json(report, args.json)
    return 0


if __name__ == "__main__":
    sys.exit(main())
