"""Charts of run.py's results: for each Python, every runtime's ops/s as a
multiple of stock asyncio's, per workload, as an SVG image.

    python bench/charts.py bench/results/3.12.json bench/results/3.13.json --out docs/images

writes ``docs/images/speed-3.12.svg`` and ``speed-3.13.svg`` (``speed-pypy3.9.svg``
for PyPy 3.9) from the files ``run.py --json`` writes.  summarize.py makes
tables of such files, every Python side by side, for docs/speed.md; a chart
shows one Python at a glance, for the README.

One chart per file: a group of horizontal bars per workload, in run.py's
order, one bar per runtime the file measured (a runtime listed as not
installed is absent), its ratio printed at its end, and a dashed line at
1.0, stock asyncio.  The title gives the Python, the date, the machine and
the versions the file records.

Standard library only, and deterministic: the same file gives the same
bytes (fixed decimals, nothing from the clock or the machine drawing the
chart), so a test can check that the committed charts are those of the
committed results.  The background is white, so the charts read alike on
light and dark pages.  A file that is not run.py's output is refused with a
one-line message and exit status 2.
"""

import argparse
import json
import math
import os
import re
import sys

from workloads import BASELINE, WORKLOADS

#: The runtimes charted, in the order of their bars, with their colours
#: (Okabe and Ito's palette, told apart with most kinds of colour blindness).
#: A runtime the file has not measured is left out; so is one not named here.
SERIES = (
    ("genloop", "#0072B2"),
    ("genloop-legacy", "#56B4E9"),
    ("genloop-run", "#D55E00"),
    ("asyncio+factory", "#009E73"),
    ("uvloop", "#E69F00"),
    ("tornado", "#CC79A7"),
)

DEFAULT_OUT = os.path.join(os.path.dirname(os.path.dirname(os.path.abspath(__file__))),
                           "docs", "images")

# Geometry, in pixels.  Text widths are estimated (the viewer picks the
# font): CHAR_WIDTH is generous for 12 px sans-serif.
WIDTH = 800
MARGIN = 16
AXIS_X = 136                 # the bars start here; workload names end left of it
LABEL_ROOM = 44              # right of the axis's end, for the last bar's ratio
LABEL_GAP, LABEL_WIDTH = 4, 26  # before a printed ratio; its width ("1.63", 10 px)
BAR, BAR_GAP, GROUP_GAP = 11, 2, 14
PLOT_TOP = 118
CHAR_WIDTH = 7

#: Tick steps to choose from; the first that needs at most MAX_TICKS ticks.
TICK_STEPS = (0.25, 0.5, 1, 2, 5, 10, 20, 50, 100)
MAX_TICKS = 8

INK, GREY, GRID, BAND, WHITE = "#222222", "#555555", "#dddddd", "#f4f4f4", "#ffffff"

#: ``CPython 3.12.1`` or ``PyPy 3.9.16 (PyPy 7.3.13)``: implementation, major, minor.
PYTHON = re.compile(r"(\w+) (\d+)\.(\d+)")


class NotResults(Exception):
    """A file that cannot be read as run.py's JSON output."""


def load(path):
    """The report in ``path``, checked; NotResults says what is wrong."""
    try:
        with open(path, encoding="utf-8") as source:
            report = json.load(source)
    except OSError as error:
        raise NotResults("{}: {}".format(path, error.strerror or error))
    except ValueError as error:
        raise NotResults("{}: not JSON ({})".format(path, error))
    problem = problem_with(report)
    if problem is not None:
        raise NotResults("{}: not the JSON of bench/run.py --json: {}".format(path, problem))
    return report


def problem_with(report):
    """What keeps ``report`` from being charted, or None."""
    if not isinstance(report, dict):
        return "not an object"
    for key in ("python", "date", "machine"):
        if not isinstance(report.get(key), str):
            return "no {!r}".format(key)
    if PYTHON.match(report["python"]) is None:
        return "'python' is {!r}, not like 'CPython 3.12.1'".format(report["python"])
    if "divisor" in report:
        return "instructions.py's counts, not run.py's times"
    workloads = report.get("workloads")
    if not isinstance(workloads, dict) or not workloads:
        return "no 'workloads'"
    for workload, measured in sorted(workloads.items()):
        runtimes = measured.get("runtimes") if isinstance(measured, dict) else None
        if not isinstance(runtimes, dict):
            return "no 'runtimes' in workload {!r}".format(workload)
        for runtime, row in sorted(runtimes.items()):
            ratio = row.get("vs_asyncio") if isinstance(row, dict) else None
            if not is_ratio(ratio):
                return "no 'vs_asyncio' ratio for {} in workload {!r}".format(runtime, workload)
    if not charted_runtimes(report):
        return "no runtime measured but {}".format(BASELINE)
    return None


def is_ratio(value):
    return (isinstance(value, (int, float)) and not isinstance(value, bool)
            and math.isfinite(value) and value >= 0)


def charted_runtimes(report):
    """``(name, colour)`` of each runtime of SERIES that ``report`` measured."""
    measured = set(name for workload in report["workloads"].values()
                   for name in workload["runtimes"])
    return [(name, colour) for name, colour in SERIES if name in measured]


def workload_names(report):
    """The workloads of ``report``: run.py's order, then any others by name."""
    order = {workload.name: index for index, workload in enumerate(WORKLOADS)}
    return sorted(report["workloads"], key=lambda name: (order.get(name, len(order)), name))


def file_name(report):
    """``speed-3.12.svg`` for CPython 3.12, ``speed-pypy3.9.svg`` for PyPy 3.9."""
    implementation, major, minor = PYTHON.match(report["python"]).groups()
    prefix = "" if implementation == "CPython" else implementation.lower()
    return "speed-{}{}.{}.svg".format(prefix, major, minor)


# -- drawing -------------------------------------------------------------------


def number(value):
    """A coordinate, to two decimals at most: the same float, the same text."""
    text = "{:.2f}".format(value).rstrip("0").rstrip(".")
    return "0" if text == "-0" else text


def escaped(text):
    return (text.replace("&", "&amp;").replace("<", "&lt;").replace(">", "&gt;")
            .replace('"', "&quot;"))


def written(attributes):
    """SVG attributes, in the order given; ``font_size`` is written ``font-size``."""
    return "".join(
        ' {}="{}"'.format(key.replace("_", "-"),
                          number(value) if isinstance(value, (int, float)) else escaped(value))
        for key, value in attributes.items())


def tag(name, text=None, **attributes):
    """One SVG element, empty or holding ``text``."""
    if text is None:
        return "<{}{}/>".format(name, written(attributes))
    return "<{0}{1}>{2}</{0}>".format(name, written(attributes), escaped(text))


def axis(largest):
    """The end of the ratio axis and its tick step; 1.0 is always on it."""
    largest = max(largest, 1.0)
    step = next((step for step in TICK_STEPS if largest / step <= MAX_TICKS), TICK_STEPS[-1])
    return math.ceil(largest / step) * step, step


def title_lines(report):
    """The chart's title, and the facts of the run under it."""
    title = "{}: ops/s against stock asyncio (higher is better)".format(report["python"])
    versions = ["genloop {}".format(report["genloop"])] if "genloop" in report else []
    versions += ["{} {}".format(name, version)
                 for name, version in sorted((report.get("references") or {}).items())]
    facts = [report["date"], report["machine"]]
    if isinstance(report.get("rounds"), int):
        facts.append("median CPU time of {} round{}".format(
            report["rounds"], "" if report["rounds"] == 1 else "s"))
    if report.get("quick"):
        facts.append("--quick (small sizes)")
    return title, "; ".join(facts + ([", ".join(versions)] if versions else []))


class Layout(object):
    """Where the parts of one report's chart go."""

    def __init__(self, report):
        self.series = charted_runtimes(report)
        self.names = workload_names(report)
        self.rows = {name: report["workloads"][name]["runtimes"] for name in self.names}
        self.group = len(self.series) * (BAR + BAR_GAP) - BAR_GAP
        self.bottom = self.group_top(len(self.names))
        self.height = self.bottom + 48
        self.end, self.step = axis(max(
            self.rows[name][runtime]["vs_asyncio"] for name in self.names
            for runtime, _ in self.series if runtime in self.rows[name]))
        self.scale = (WIDTH - MARGIN - LABEL_ROOM - AXIS_X) / self.end

    def group_top(self, index):
        """The top of the band of the ``index``-th workload."""
        return PLOT_TOP + index * (self.group + GROUP_GAP)

    def x(self, ratio):
        return AXIS_X + ratio * self.scale

    def ratio_x(self, ratio):
        """Where a bar's printed ratio starts: just after the bar, or after
        the dashed line at 1.0 where that line would cross it."""
        x, line = self.x(ratio) + LABEL_GAP, self.x(1)
        if x - LABEL_GAP < line < x + LABEL_WIDTH:
            return line + LABEL_GAP
        return x


def heading(report, layout):
    """The title, the facts of the run and the legend: a swatch and a name
    per runtime, in a row."""
    title, facts = title_lines(report)
    parts = [tag("text", title, x=MARGIN, y=28, font_size=16, font_weight="bold"),
             tag("text", facts, x=MARGIN, y=50, fill=GREY)]
    x = AXIS_X
    for name, colour in layout.series:
        parts.append(tag("rect", x=x, y=70, width=12, height=12, fill=colour))
        parts.append(tag("text", name, x=x + 17, y=80))
        x += 17 + CHAR_WIDTH * len(name) + 18
    return parts


def grid(layout):
    """Every other workload's band shaded, the ticks and the ratio axis."""
    parts = [tag("rect", x=MARGIN, y=layout.group_top(index), width=WIDTH - 2 * MARGIN,
                 height=layout.group + GROUP_GAP, fill=BAND)
             for index in range(1, len(layout.names), 2)]
    for index in range(int(round(layout.end / layout.step)) + 1):
        x = layout.x(index * layout.step)
        parts.append(tag("line", x1=x, y1=PLOT_TOP, x2=x, y2=layout.bottom, stroke=GRID))
        parts.append(tag("text", "{:g}".format(index * layout.step), x=x, y=layout.bottom + 16,
                         text_anchor="middle", fill=GREY))
    parts.append(tag("line", x1=AXIS_X, y1=PLOT_TOP, x2=AXIS_X, y2=layout.bottom, stroke=GREY))
    parts.append(tag("text", "ops/s as a multiple of stock asyncio's", x=layout.x(layout.end / 2),
                     y=layout.bottom + 36, text_anchor="middle", fill=GREY))
    return parts


def bars(layout):
    """The workloads' names and bars, and the ratios printed at the bars' ends."""
    shapes, ratios = [], []
    for index, name in enumerate(layout.names):
        top = layout.group_top(index) + GROUP_GAP / 2
        shapes.append(tag("text", name, x=AXIS_X - 8, y=top + layout.group / 2 + 4,
                          text_anchor="end"))
        for slot, (runtime, colour) in enumerate(layout.series):
            row = layout.rows[name].get(runtime)
            if row is None:
                continue
            y = top + slot * (BAR + BAR_GAP)
            ratio = row["vs_asyncio"]
            shapes.append(tag("rect", x=AXIS_X, y=y, width=ratio * layout.scale, height=BAR,
                              fill=colour, data_workload=name, data_runtime=runtime))
            ratios.append(tag("text", "{:.2f}".format(ratio), x=layout.ratio_x(ratio),
                              y=y + BAR - 2, font_size=10))
    return shapes, ratios


def baseline(layout):
    """The dashed line at 1.0, stock asyncio, over the bars."""
    x = layout.x(1)
    return [tag("line", x1=x, y1=PLOT_TOP - 8, x2=x, y2=layout.bottom, stroke=INK,
                stroke_width=1.5, stroke_dasharray="5 3"),
            tag("text", "stock " + BASELINE, x=x, y=PLOT_TOP - 12, text_anchor="middle")]


def render(report):
    """The SVG text of ``report``'s chart."""
    layout = Layout(report)
    shapes, ratios = bars(layout)
    opening = "<svg{}>".format(written(dict(
        xmlns="http://www.w3.org/2000/svg", width=WIDTH, height=layout.height,
        viewBox="0 0 {} {}".format(WIDTH, number(layout.height)), role="img",
        font_family="Helvetica, Arial, sans-serif", font_size=12, fill=INK)))
    return "\n".join(
        [opening, tag("title", title_lines(report)[0]),
         tag("rect", width=WIDTH, height=layout.height, fill=WHITE)]
        + heading(report, layout) + grid(layout) + shapes + baseline(layout) + ratios
        + ["</svg>", ""])


# -- the command ---------------------------------------------------------------


def main(argv=None):
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("results", nargs="+", metavar="FILE", help="a run.py --json file")
    parser.add_argument("--out", metavar="DIR", default=DEFAULT_OUT,
                        help="where to write the charts (default: docs/images)")
    args = parser.parse_args(argv)
    charts = {}
    try:
        for path in args.results:
            report = load(path)
            name = file_name(report)
            if name in charts:
                raise NotResults("{}: a second file for {} ({})".format(
                    path, report["python"], name))
            charts[name] = render(report)
    except NotResults as problem:
        sys.stderr.write("{}: error: {}\n".format(parser.prog, problem))
        return 2
    os.makedirs(args.out, exist_ok=True)
    for name, svg in sorted(charts.items()):
        path = os.path.join(args.out, name)
        with open(path, "w", encoding="utf-8", newline="\n") as output:
            output.write(svg)
        print(path)
    return 0


if __name__ == "__main__":
    sys.exit(main())
