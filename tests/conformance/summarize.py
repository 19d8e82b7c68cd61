"""Combine the ``--json`` files of several ``run.py`` runs (one per Python)
into the Markdown tables of docs/conformance.md.

    python tests/conformance/summarize.py results/*.json

One table of totals per Python, then one row per module with
passed/failed+errors/skipped/not-applicable for each Python ("-" where that
Python has no such module; a module that skips itself, e.g. Windows only,
counts one skip).
"""

import json
import sys


def _label(summary):
    return summary["python"].replace("CPython ", "").rsplit(".", 1)[0] \
        if summary["python"].startswith("CPython") else summary["python"]


def main(paths):
    summaries = []
    for path in paths:
        with open(path) as stream:
            summaries.append(json.load(stream))
    print("| Python | status | passed | failed | errors | skipped | replaced | n/a | seconds |")
    print("|---|---|---:|---:|---:|---:|---:|---:|---:|")
    for summary in summaries:
        totals = summary.get("totals")
        if totals is None:
            print("| {} | {} | | | | | | | |".format(summary["python"], summary["status"]))
            continue
        print("| {} | {} | {} | {} | {} | {} | {} | {} | {:.0f} |".format(
            summary["python"], summary["status"], totals["passed"], totals["failed"],
            totals["errors"], totals["skipped"], totals["replaced"], totals["n/a"],
            summary["wall_seconds"]))
    ran = [summary for summary in summaries if "modules" in summary]
    modules = sorted({name for summary in ran for name in summary["modules"]})
    print()
    print("passed / failed+errors / skipped / not applicable (replaced classes not counted)")
    print()
    print("| module | " + " | ".join(_label(summary) for summary in ran) + " |")
    print("|---|" + "---|" * len(ran))
    for name in modules:
        cells = []
        for summary in ran:
            counts = summary["modules"].get(name)
            if counts is None:
                cells.append("-")
            else:
                cells.append("{}/{}/{}/{}".format(
                    counts["passed"], counts["failed"] + counts["errors"],
                    counts["skipped"], counts["n/a"]))
        print("| {} | {} |".format(name, " | ".join(cells)))
    return 0


if __name__ == "__main__":
    sys.exit(main(sys.argv[1:]))
