"""bench/charts.py: the charts of run.py's JSON results in docs/images, one
per Python.  The committed charts must be what charts.py makes of the
committed results; a chart has one bar per runtime and workload, as long as
its ratio to stock asyncio; a file that is not run.py's output is refused
with exit status 2 and a message that names it.
"""

import json
import xml.etree.ElementTree as ElementTree
from pathlib import Path

import pytest
from childprocess import run_python

CHECKOUT = Path(__file__).resolve().parent.parent
RESULTS = CHECKOUT / "bench" / "results"
IMAGES = CHECKOUT / "docs" / "images"

SVG = "{http://www.w3.org/2000/svg}"


def charts(args):
    return run_python([str(CHECKOUT / "bench" / "charts.py")] + [str(arg) for arg in args],
                      cwd=CHECKOUT)


def report(python, ratios, not_installed=()):
    """What run.py --json writes, for ``ratios``: {workload: {runtime: ratio
    of its ops/s to stock asyncio's}}."""
    workloads = {}
    for workload, row in ratios.items():
        runtimes = {"asyncio": {"ops_per_second": 1000.0, "vs_asyncio": 1.0}}
        for runtime, ratio in row.items():
            runtimes[runtime] = {"ops_per_second": 1000.0 * ratio, "vs_asyncio": ratio}
        workloads[workload] = {"size": 1000, "runtimes": runtimes}
    return {"python": python, "machine": "Linux x86_64, 2 CPUs", "date": "2026-01-02",
            "genloop": "0.1.0", "references": {"uvloop": "0.23.0"}, "rounds": 5,
            "quick": False, "not_installed": list(not_installed), "workloads": workloads}


def write(path, content):
    path.write_text(json.dumps(content))
    return path


@pytest.mark.skipif(not RESULTS.is_dir(), reason="bench/results/ is not in this tree")
def test_the_committed_charts_are_those_of_the_committed_results(tmp_path):
    results = sorted(RESULTS.glob("*.json"))
    assert results
    outcome = charts(results + ["--out", tmp_path])
    assert outcome.status == 0, outcome.err
    made = sorted(path.name for path in tmp_path.iterdir())
    assert made == sorted(path.name for path in IMAGES.glob("speed-*.svg"))
    for name in made:
        assert (tmp_path / name).read_bytes() == (IMAGES / name).read_bytes(), (
            "docs/images/{} is not the chart of bench/results: "
            "python bench/charts.py bench/results/*.json".format(name))


SYNTHETIC = {
    "task_switch": {"genloop": 1.6, "genloop-legacy": 1.5, "uvloop": 2.4},
    "spawn": {"genloop": 0.8, "genloop-legacy": 0.4, "uvloop": 1.2},
    "echo": {"genloop": 1.0, "genloop-legacy": 0.95, "uvloop": 3.1},
}


def synthetic_chart(tmp_path):
    """The chart of SYNTHETIC, parsed; tornado is listed as not installed."""
    source = write(tmp_path / "results.json",
                   report("CPython 3.12.1", SYNTHETIC, not_installed=["tornado"]))
    outcome = charts([source, "--out", tmp_path / "images"])
    assert outcome.status == 0, outcome.err
    assert outcome.out.splitlines() == [str(tmp_path / "images" / "speed-3.12.svg")]
    return ElementTree.parse(str(tmp_path / "images" / "speed-3.12.svg")).getroot()


def test_a_chart_has_a_bar_per_runtime_and_workload_as_long_as_its_ratio(tmp_path):
    svg = synthetic_chart(tmp_path)
    bars = [rect for rect in svg.iter(SVG + "rect") if "data-runtime" in rect.attrib]
    found = [(bar.get("data-workload"), bar.get("data-runtime")) for bar in bars]
    # run.py's order of workloads, SERIES's of runtimes; no bar for the baseline.
    assert found == [(workload, runtime) for workload in ("task_switch", "spawn", "echo")
                     for runtime in ("genloop", "genloop-legacy", "uvloop")]
    scales = [float(bar.get("width")) / SYNTHETIC[workload][runtime]
              for bar, (workload, runtime) in zip(bars, found)]
    assert max(scales) - min(scales) < 0.001 * min(scales)
    assert len(set(bar.get("x") for bar in bars)) == 1
    texts = [text.text for text in svg.iter(SVG + "text")]
    for row in SYNTHETIC.values():
        for ratio in row.values():
            assert "{:.2f}".format(ratio) in texts
    # The dashed line at 1.0, on the bars' scale, and its label.
    origin = float(bars[0].get("x"))
    [line] = [line for line in svg.iter(SVG + "line") if line.get("stroke-dasharray")]
    assert float(line.get("x1")) == pytest.approx(origin + scales[0], abs=0.01)
    assert "stock asyncio" in texts


def test_a_chart_names_the_python_and_the_run_and_only_runtimes_measured(tmp_path):
    svg = synthetic_chart(tmp_path)
    title = svg.find(SVG + "title").text
    assert title.startswith("CPython 3.12.1: ")
    texts = [text.text for text in svg.iter(SVG + "text")]
    assert [text for text in texts if "2026-01-02" in text] == [
        "2026-01-02; Linux x86_64, 2 CPUs; median CPU time of 5 rounds; "
        "genloop 0.1.0, uvloop 0.23.0"]
    assert [text for text in texts if text in ("genloop", "genloop-legacy", "uvloop")] == [
        "genloop", "genloop-legacy", "uvloop"]  # the legend
    assert "tornado" not in texts and "asyncio+factory" not in texts
    # Light and dark pages alike: a white background under everything.
    background = svg.find(SVG + "rect")
    assert (background.get("width"), background.get("height"), background.get("fill")) == (
        svg.get("width"), svg.get("height"), "#ffffff")


def test_each_python_gets_its_own_chart(tmp_path):
    sources = [write(tmp_path / "{}.json".format(index), report(python, SYNTHETIC))
               for index, python in enumerate(["CPython 3.13.0", "PyPy 3.9.16 (PyPy 7.3.13)"])]
    outcome = charts(sources + ["--out", tmp_path / "images"])
    assert outcome.status == 0, outcome.err
    assert sorted(path.name for path in (tmp_path / "images").iterdir()) == [
        "speed-3.13.svg", "speed-pypy3.9.svg"]


def without_a_ratio():
    content = report("CPython 3.12.1", SYNTHETIC)
    del content["workloads"]["echo"]["runtimes"]["genloop"]["vs_asyncio"]
    return content


NOT_RESULTS = {
    "missing": None,
    "not JSON": "{not json",
    "not an object": [1, 2],
    "another tool's JSON": {"results": {"helper_chain": {"ratio": 1.2}}},
    "instruction counts": dict(report("CPython 3.12.1", SYNTHETIC), divisor=20),
    "a ratio missing": without_a_ratio(),
    "only the baseline": report("CPython 3.12.1", {"echo": {}}),
}


@pytest.mark.parametrize("content", NOT_RESULTS.values(), ids=list(NOT_RESULTS))
def test_a_file_that_is_not_run_py_output_is_refused_by_name(tmp_path, content):
    good = write(tmp_path / "good.json", report("CPython 3.12.1", SYNTHETIC))
    bad = tmp_path / "bad.json"
    if isinstance(content, str):
        bad.write_text(content)
    elif content is not None:
        write(bad, content)
    outcome = charts([good, bad, "--out", tmp_path / "images"])
    assert outcome.status == 2
    assert outcome.err.startswith("charts.py: error: {}: ".format(bad))
    assert len(outcome.err.splitlines()) == 1
    assert not (tmp_path / "images").exists()  # not even the good file's chart


def test_two_files_for_one_python_are_refused(tmp_path):
    sources = [write(tmp_path / "{}.json".format(index), report("CPython 3.12.1", SYNTHETIC))
               for index in range(2)]
    outcome = charts(sources + ["--out", tmp_path / "images"])
    assert outcome.status == 2
    assert "{}: a second file for CPython 3.12.1".format(sources[1]) in outcome.err
