"""The results of several ``run.py --json`` files (one per Python) as the
Markdown tables of docs/speed.md: each runtime's ratio to stock asyncio, per
workload, one column per Python; or of several ``instructions.py --json``
files, the ratios with the instructions per op.

    python bench/summarize.py results-3.12.json results-3.13.json ...

Standard library only.
"""

import argparse
import json
import sys

from workloads import WORKLOADS

#: (runtime, what its cells compare, the key of the ratio in run.py's JSON).
TABLES = (
    ("genloop", "genloop's loop, `async def`, against stock asyncio", "vs_asyncio"),
    ("genloop-legacy", "`@genloop.coroutine` generators against `async def`, "
                       "both on genloop's loop", "vs_native"),
    ("genloop-run", "the same generators under `genloop run` against `async def`, "
                    "both on genloop's loop", "vs_native"),
    ("asyncio+factory", "the stock loop with `genloop.task_factory` against stock asyncio",
     "vs_asyncio"),
    ("factory-legacy", "`@genloop.coroutine` generators against `async def`, both on the "
                       "stock loop with `genloop.task_factory`", "vs_native"),
    ("uvloop", "uvloop (a reference) against stock asyncio", "vs_asyncio"),
    ("tornado", "tornado's `gen.coroutine` on the stock loop (a reference) against "
                "stock asyncio", "vs_asyncio"),
)


def load(paths):
    reports = []
    for path in paths:
        with open(path) as source:
            reports.append(json.load(source))
    return reports


def short_python(report):
    """``CPython 3.12.1`` from run.py's description of the interpreter."""
    return " ".join(report["python"].split()[:2])


def counts_instructions(report):
    """Whether ``report`` is instructions.py's (else it is run.py's)."""
    return "divisor" in report


def ratio_cell(row, key):
    """``1.58 ±35%``: the ratio, and the spread of the runtime's rounds; or
    ``1.58 (8,427)``: the ratio, and the runtime's instructions per op."""
    if row is None or row.get(key) is None:
        return "-"
    if "instructions_per_op" in row:
        return "{:.2f} ({:,.0f})".format(row[key], row["instructions_per_op"])
    return "{:.2f} ±{:.0f}%".format(row[key], 100 * row["spread"])


def memory_cell(report, runtime, key):
    memory = report.get("memory") or {}
    rows = memory.get("runtimes") or {}
    row = rows.get(runtime)
    if row is None or row.get(key) is None:
        return "n/a" if memory.get("unavailable") else "-"
    return "{:.2f} ({:,.0f} B)".format(row[key], row["bytes_per_task"])


def table(reports, runtime, key):
    lines = ["| workload | " + " | ".join(short_python(report) for report in reports) + " |",
             "|---|" + "---:|" * len(reports)]
    for workload in WORKLOADS:
        cells = [ratio_cell(report["workloads"].get(workload.name, {})
                            .get("runtimes", {}).get(runtime), key)
                 for report in reports]
        lines.append("| {} | {} |".format(workload.name, " | ".join(cells)))
    if not counts_instructions(reports[0]):
        cells = [memory_cell(report, runtime, key) for report in reports]
        lines.append("| memory per live task | {} |".format(" | ".join(cells)))
    return lines


def main(argv=None):
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("results", nargs="+", metavar="FILE", help="a run.py --json file")
    args = parser.parse_args(argv)
    reports = load(args.results)
    kinds = set(counts_instructions(report) for report in reports)
    if len(kinds) > 1:
        parser.error("give run.py files or instructions.py files, not both")
    cells = "ratio (instructions per op)" if kinds == {True} else "ratio, ±spread of its rounds"
    for runtime, caption, key in TABLES:
        if not any(runtime in workload["runtimes"] for report in reports
                   for workload in report["workloads"].values()):
            continue  # measured by none of the runs
        print("**{}** (`{}`): {}\n".format(caption, runtime, cells))
        print("\n".join(table(reports, runtime, key)))
        print()
    return 0


if __name__ == "__main__":
    sys.exit(main())
