"""Run real legacy asyncio packages' own test suites: stock 3.6 against genloop.

The corpus (``corpus.json`` beside this file) lists packages of the Python
3.4-3.6 era, each as a pinned sdist checked by sha256.  For each package and
mode this script downloads the sdist into a cache, unpacks a fresh copy,
makes (once) a venv of that Python with the pinned test tools and
dependencies, and runs the package's own tests with pytest, unmodified:

- ``stock-3.6``: plain ``python -m pytest`` on CPython 3.6, the reference;
- ``genloop-3.12`` / ``genloop-3.13``: ``python -m genloop run -m pytest``,
  with genloop installed into the venv from this checkout at every run;
- ``stock-3.12`` / ``stock-3.13``: plain pytest again, for contrast.

A test counts for a package when it passes on stock 3.6; each other mode is
measured on those tests alone.  Every one of them that does not pass is put
under a cause from ``causes.py``; the headline leaves out the causes outside
a runtime's reach.  It uses only the standard library, so any of the
Pythons (3.6 included) can run it.
"""

import argparse
import hashlib
import json
import os
import re
import shutil
import signal
import subprocess
import sys
import tarfile
import tempfile
import time
import urllib.request
import xml.etree.ElementTree as ElementTree
from typing import Any, Dict, List, Optional, Sequence, Tuple

HERE = os.path.dirname(os.path.abspath(__file__))
sys.path.insert(0, HERE)

from causes import CAUSES, Cause, classify  # noqa: E402

CHECKOUT = os.path.dirname(os.path.dirname(HERE))
CORPUS = os.path.join(HERE, "corpus.json")
DEFAULT_CACHE = os.path.join(os.path.expanduser("~"), ".cache", "genloop", "packages")
REFERENCE = "stock-3.6"
MODES = ("stock-3.6", "genloop-3.12", "genloop-3.13", "stock-3.12", "stock-3.13")
SLICE_MODES = ("stock-3.6", "genloop-3.12")
#: pytest-timeout's limit for one test unless the package sets ``test_timeout``: a
#: hung test fails alone and the run goes on.
TEST_TIMEOUT = 60
#: How much of a failure's text the JSON keeps (the cause is decided on all of it).
EXCERPT = 1200

Package = Dict[str, Any]
Results = Dict[str, Dict[str, str]]


class RunnerError(Exception):
    """A problem of the runner's own (download, interpreter, venv): one clear line, exit 2."""


def log(message: str) -> None:
    print(message, file=sys.stderr, flush=True)


def parse_mode(mode: str) -> Tuple[str, str]:
    kind, _, version = mode.partition("-")
    if mode not in MODES:
        raise RunnerError("unknown mode %r (choose from %s)" % (mode, ", ".join(MODES)))
    return kind, version


def interpreter(corpus: Dict[str, Any], version: str) -> str:
    """The pyenv-installed CPython of that minor version that the corpus names."""
    full = corpus["pythons"][version]
    root = os.environ.get("PYENV_ROOT") or os.path.join(os.path.expanduser("~"), ".pyenv")
    if not os.environ.get("PYENV_ROOT") and shutil.which("pyenv"):
        root = subprocess.check_output(["pyenv", "root"], universal_newlines=True).strip()
    path = os.path.join(root, "versions", full, "bin", "python" + version)
    if not os.access(path, os.X_OK):
        raise RunnerError(
            "CPython %s is not installed: no %s (install it with `pyenv install %s`, "
            "or leave out the modes that need it with --mode)" % (full, path, full)
        )
    return path


def fetch_sdist(package: Package, cache: str) -> str:
    """The sdist's path in the cache, downloaded if absent; its sha256 is always checked."""
    directory = os.path.join(cache, "sdists")
    os.makedirs(directory, exist_ok=True)
    path = os.path.join(directory, package["url"].rsplit("/", 1)[1])
    if not os.path.exists(path):
        log("downloading %s" % package["url"])
        partial = path + ".part"
        try:
            with urllib.request.urlopen(package["url"], timeout=120) as response:
                with open(partial, "wb") as out:
                    shutil.copyfileobj(response, out)
        except OSError as exc:
            raise RunnerError("cannot download %s: %s" % (package["url"], exc))
        os.replace(partial, path)
    with open(path, "rb") as sdist:
        digest = hashlib.sha256(sdist.read()).hexdigest()
    if digest != package["sha256"]:
        os.remove(path)
        raise RunnerError(
            "sha256 mismatch for %s: got %s, the corpus pins %s (the file was removed; "
            "a second mismatch means the corpus entry is wrong)" % (path, digest, package["sha256"])
        )
    return path


def unpack(sdist: str, destination: str) -> str:
    """A fresh copy of the sdist's tree: a run never sees files an earlier run left."""
    shutil.rmtree(destination, ignore_errors=True)
    os.makedirs(destination)
    with tarfile.open(sdist) as archive:
        for member in archive.getmembers():
            target = os.path.realpath(os.path.join(destination, member.name))
            if not target.startswith(os.path.realpath(destination) + os.sep):
                raise RunnerError("%s holds a path outside its tree: %s" % (sdist, member.name))
        # 3.12+ warns unless told how to filter; the check above does it on older ones.
        options = {"filter": "data"} if hasattr(tarfile, "data_filter") else {}
        archive.extractall(destination, **options)
    (top,) = os.listdir(destination)
    return os.path.join(destination, top)


def requirements(corpus: Dict[str, Any], package: Package, version: str) -> List[str]:
    deps = package.get("deps", {})
    return list(corpus["tools"][version]) + deps.get("all", []) + deps.get(version, [])


def pip(python: str, args: Sequence[str], what: str) -> None:
    command = [python, "-m", "pip", "--disable-pip-version-check", "-q"] + list(args)
    done = subprocess.run(
        command, stdout=subprocess.PIPE, stderr=subprocess.STDOUT, universal_newlines=True
    )
    if done.returncode:
        tail = "\n".join(done.stdout.strip().splitlines()[-15:])
        raise RunnerError("pip failed while %s:\n%s" % (what, tail))


def venv(corpus: Dict[str, Any], package: Package, version: str, cache: str) -> str:
    """The venv's python, made once per package and Python; remade when its pins change."""
    wanted = requirements(corpus, package, version)
    name = "%s-%s-py%s" % (package["name"], package["version"], version)
    where = os.path.join(cache, "venvs", name)
    python = os.path.join(where, "bin", "python")
    stamp = os.path.join(where, "corpus-requirements.txt")
    pinned = "\n".join(wanted) + "\n"
    if os.path.exists(stamp):
        with open(stamp) as existing:
            if existing.read() == pinned:
                return python
    log("making venv %s" % where)
    shutil.rmtree(where, ignore_errors=True)
    base = interpreter(corpus, version)
    made = subprocess.run([base, "-m", "venv", where], stderr=subprocess.PIPE,
                          universal_newlines=True)
    if made.returncode:
        raise RunnerError("cannot make a venv with %s: %s" % (base, made.stderr.strip()))
    # pip first, alone: the bundled pip of 3.6 predates the resolver the pins assume.
    pip(python, ["install", wanted[0]], "upgrading pip in " + where)
    pip(python, ["install"] + wanted[1:], "installing %s's pins in %s" % (package["name"], where))
    with open(stamp, "w") as out:
        out.write(pinned)
    return python


def prepare_genloop(python: str, kind: str) -> None:
    """genloop modes get the checkout as it is now, built by the venv's own pip; stock
    modes must not see genloop at all (no plugin, no import hook)."""
    if kind == "genloop":
        pip(python, ["install", "--no-deps", "--force-reinstall", CHECKOUT],
            "installing genloop from " + CHECKOUT)
    else:
        subprocess.run([python, "-m", "pip", "uninstall", "-q", "-y", "genloop"],
                       stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL)


def node_id(case: ElementTree.Element, source: str) -> str:
    """pytest's node id from a junit (xunit1) testcase: file, class path, name.

    The module comes from the classname, whose longest prefix that names a file
    of the tree is the module: the ``file`` attribute names where a method was
    defined, which for an inherited test is another module than the class's."""
    parts = (case.get("classname") or "").split(".")
    for cut in range(len(parts), 0, -1):
        path = "/".join(parts[:cut]) + ".py"
        if os.path.isfile(os.path.join(source, path)):
            return "::".join([path] + parts[cut:] + [case.get("name") or ""])
    return "::".join([case.get("file") or "", case.get("classname") or "", case.get("name") or ""])


def read_junit(path: str, source: str) -> Tuple[Results, Dict[str, str]]:
    """Per test: outcome and failure text; and the files that failed to be collected."""
    results = {}  # type: Results
    broken = {}  # type: Dict[str, str]
    for case in ElementTree.parse(path).getroot().iter("testcase"):
        problems = [child for child in case if child.tag in ("failure", "error")]
        text = "\n".join((p.get("message") or "") + "\n" + (p.text or "") for p in problems)
        if not case.get("classname"):
            # A collection error: a testcase named after the module, with no class.
            broken[case.get("file") or (case.get("name") or "").replace(".", "/") + ".py"] = text
            continue
        if problems:
            outcome = "failed"
        elif any(child.tag == "skipped" for child in case):
            outcome = "skipped"
        else:
            outcome = "passed"
        entry = results.setdefault(node_id(case, source), {"outcome": outcome, "text": text})
        if outcome == "failed":
            # A test failing in teardown after passing appears twice: failed wins.
            entry.update(outcome="failed", text=(entry["text"] + "\n" + text).strip())
    return results, broken


#: pytest -v's line for a finished test: what is left of a run killed at its time limit.
VERBOSE_LINE = re.compile(r"^(\S+::\S+(?: \S+\])?) (PASSED|FAILED|ERROR|SKIPPED|XFAIL|XPASS)\b",
                          re.MULTILINE)


def read_verbose(output: str) -> Results:
    """Outcomes from pytest -v's lines when no junit file was written (a killed run)."""
    results = {}  # type: Results
    for test, outcome in VERBOSE_LINE.findall(output):
        kind = {"PASSED": "passed", "XPASS": "passed", "SKIPPED": "skipped"}.get(outcome, "failed")
        results[test] = {"outcome": kind, "text": "%s (run killed: no traceback kept)" % outcome}
    return results


def run_tests(python: str, kind: str, package: Package, source: str, junit: str) -> Dict[str, Any]:
    command = [python, "-m", "pytest"]
    if kind == "genloop":
        command = [python, "-m", "genloop", "run", "-m", "pytest"]
    command += [
        "-p", "no:cacheprovider", "-o", "junit_family=xunit1", "--junitxml", junit,
        "--timeout", str(package.get("test_timeout", TEST_TIMEOUT)), "-v", "-rN",
        # One module that fails to import must not hide the results of the others.
        "--continue-on-collection-errors",
    ] + package.get("pytest_args", []) + package["tests"]
    env = {k: v for k, v in os.environ.items() if not k.startswith(("PYTHON", "PYTEST"))}
    env.update(PYTHONPATH=source, PYTHONDONTWRITEBYTECODE="1", PYTHONUNBUFFERED="1")
    started = time.time()
    with tempfile.TemporaryFile() as output:
        process = subprocess.Popen(command, cwd=source, env=env, stdout=output,
                                   stderr=subprocess.STDOUT, start_new_session=True)
        try:
            status = process.wait(timeout=package.get("timeout", 600))
            timed_out = False
        except subprocess.TimeoutExpired:
            os.killpg(process.pid, signal.SIGKILL)
            status = process.wait()
            timed_out = True
        output.seek(0)
        text = output.read().decode("utf-8", "replace")
    return {"command": command, "status": status, "timed_out": timed_out,
            "seconds": round(time.time() - started, 1), "output": text}


def run_one(corpus: Dict[str, Any], package: Package, mode: str, cache: str) -> Dict[str, Any]:
    """Run one package in one mode; the result is also kept in the cache for later reports."""
    kind, version = parse_mode(mode)
    sdist = fetch_sdist(package, cache)
    python = venv(corpus, package, version, cache)
    prepare_genloop(python, kind)
    source = unpack(sdist, os.path.join(cache, "work", mode, package["name"]))
    junit = os.path.join(cache, "work", mode, package["name"] + ".xml")
    if os.path.exists(junit):
        os.remove(junit)
    log("running %s %s: %s" % (package["name"], package["version"], mode))
    run = run_tests(python, kind, package, source, junit)
    if os.path.exists(junit):
        results, broken = read_junit(junit, source)
    else:
        results, broken = read_verbose(run["output"]), {}
    record = {
        "package": package["name"], "version": package["version"], "mode": mode,
        "status": run["status"], "timed_out": run["timed_out"], "seconds": run["seconds"],
        "command": run["command"], "results": results, "collection_errors": broken,
        "output_tail": tail(run["output"]),
    }
    store = result_path(cache, package, mode)
    os.makedirs(os.path.dirname(store), exist_ok=True)
    with open(store, "w") as out:
        json.dump(record, out, indent=1)
    return record


def tail(output: str) -> str:
    """The end of what pytest printed, without -v's one line per test."""
    return "\n".join(line for line in output.splitlines()
                     if not VERBOSE_LINE.match(line))[-4000:]


def result_path(cache: str, package: Package, mode: str) -> str:
    name = "%s-%s.json" % (package["name"], package["version"])
    return os.path.join(cache, "results", mode, name)


def failure_text(test: str, record: Dict[str, Any]) -> str:
    """Why a reference-passing test did not pass: its own failure, its file's collection
    error, or what the whole run printed (a crash, a timeout, a conftest that did not load)."""
    entry = record["results"].get(test)
    if entry is not None:
        if entry["outcome"] == "skipped":
            return "skipped: " + entry["text"]
        return entry["text"]
    path = test.split("::", 1)[0]
    if path in record["collection_errors"]:
        return record["collection_errors"][path]
    if record["timed_out"]:
        return "run timed out after %ss\n%s" % (record["seconds"], record["output_tail"])
    return "not run (pytest exit status %s)\n%s" % (record["status"], record["output_tail"])


def compare(reference: Dict[str, Any], record: Dict[str, Any]) -> Dict[str, Any]:
    """How many reference-passing tests pass in this mode, and the rest by cause."""
    passing = sorted(t for t, r in reference["results"].items() if r["outcome"] == "passed")
    failures = {}  # type: Dict[str, List[Dict[str, str]]]
    passed = 0
    for test in passing:
        entry = record["results"].get(test)
        if entry is not None and entry["outcome"] == "passed":
            passed += 1
            continue
        text = failure_text(test, record)
        cause = classify(text, test)
        failures.setdefault(cause.id, []).append({"test": test, "text": excerpt(text, cause)})
    outside = sum(len(v) for k, v in failures.items() if by_id(k).where == "outside")
    within = len(passing) - outside
    return {
        "reference_passed": len(passing), "passed": passed, "outside": outside,
        "within_reach": within,
        "rate": round(100.0 * passed / within, 1) if within else None,
        "failures": failures,
    }


def by_id(cause_id: str) -> Cause:
    return next(c for c in CAUSES if c.id == cause_id)


def excerpt(text: str, cause: Cause) -> str:
    """The part of a failure a reader needs: around the cause's match, else the tail."""
    match = cause.pattern.search(text) if cause.pattern is not None else None
    if match is None:
        return text[-EXCERPT:]
    start = max(0, match.start() - EXCERPT // 2)
    return text[start:start + EXCERPT]


def reference_record(corpus: Dict[str, Any], package: Package, cache: str,
                     records: Dict[Tuple[str, str], Dict[str, Any]]) -> Dict[str, Any]:
    """This invocation's stock-3.6 run, else the cached one, else a run made now."""
    key = (package["name"], REFERENCE)
    if key not in records:
        stored = result_path(cache, package, REFERENCE)
        if os.path.exists(stored):
            with open(stored) as existing:
                records[key] = json.load(existing)
        else:
            records[key] = run_one(corpus, package, REFERENCE, cache)
    return records[key]


def summarize(corpus: Dict[str, Any], packages: List[Package], modes: List[str], cache: str,
              records: Dict[Tuple[str, str], Dict[str, Any]]) -> Dict[str, Any]:
    rows = []
    for package in packages:
        reference = reference_record(corpus, package, cache, records)
        row = {"package": package["name"], "version": package["version"],
               "reference_passed": sum(1 for r in reference["results"].values()
                                       if r["outcome"] == "passed"),
               "modes": {}}  # type: Dict[str, Any]
        for mode in modes:
            if mode != REFERENCE:
                row["modes"][mode] = compare(reference, records[(package["name"], mode)])
        rows.append(row)
    totals = {}
    for mode in modes:
        if mode == REFERENCE:
            continue
        passed = sum(r["modes"][mode]["passed"] for r in rows)
        within = sum(r["modes"][mode]["within_reach"] for r in rows)
        totals[mode] = {
            "reference_passed": sum(r["reference_passed"] for r in rows),
            "passed": passed, "within_reach": within,
            "rate": round(100.0 * passed / within, 1) if within else None,
        }
    return {"packages": rows, "totals": totals,
            "causes": [{"id": c.id, "where": c.where, "description": c.description,
                        "reason": c.reason} for c in CAUSES]}


def markdown(summary: Dict[str, Any], modes: List[str]) -> str:
    """The README's table, and every failure under its cause."""
    others = [m for m in modes if m != REFERENCE]
    lines = ["| package | passing on stock 3.6 | " + " | ".join(others) + " |",
             "|---|---:|" + "---:|" * len(others)]
    for row in summary["packages"]:
        cells = [cell(row["modes"][m]) for m in others]
        lines.append("| %s %s | %d | %s |" % (row["package"], row["version"],
                                              row["reference_passed"], " | ".join(cells)))
    totals = [cell(summary["totals"][m]) for m in others]
    total = sum(r["reference_passed"] for r in summary["packages"])
    lines.append("| **all** | **%d** | %s |" % (total, " | ".join("**%s**" % t for t in totals)))
    lines += ["", "Each cell: passed of the tests that pass on stock 3.6, then (after the "
              "slash) the percentage of those within a runtime's reach, leaving out the "
              "causes marked outside."]
    for mode in others:
        groups = {}  # type: Dict[str, List[Tuple[str, Dict[str, str]]]]
        for row in summary["packages"]:
            for cause_id, failures in row["modes"][mode]["failures"].items():
                groups.setdefault(cause_id, []).extend((row["package"], f) for f in failures)
        if not groups:
            continue
        lines += ["", "### Failures under %s" % mode, ""]
        for cause_id in sorted(groups, key=lambda c: (by_id(c).where, -len(groups[c]))):
            cause = by_id(cause_id)
            lines.append("- **%s** (%s, %d): %s" % (cause.id, cause.where, len(groups[cause_id]),
                                                    cause.description))
            for package, failure in groups[cause_id][:3]:
                lines.append("  - `%s: %s`" % (package, failure["test"]))
            if len(groups[cause_id]) > 3:
                lines.append("  - and %d more" % (len(groups[cause_id]) - 3))
    return "\n".join(lines) + "\n"


def cell(result: Dict[str, Any]) -> str:
    rate = "n/a" if result["rate"] is None else "%.1f%%" % result["rate"]
    return "%d / %s" % (result["passed"], rate)


def check_floors(corpus: Dict[str, Any], summary: Dict[str, Any]) -> List[str]:
    """What makes the exit status non-zero: a reference run with no passing test, or a
    genloop mode under the floor the corpus sets from measured results."""
    problems = []
    for row in summary["packages"]:
        if not row["reference_passed"]:
            problems.append("%s: no test passed on %s" % (row["package"], REFERENCE))
        floors = corpus.get("floors", {}).get(row["package"], {})
        for mode, result in row["modes"].items():
            floor = floors.get(mode)
            if floor is not None and (result["rate"] or 0.0) < floor:
                problems.append("%s under %s: %s%% of the tests within reach pass, the floor "
                                "is %s%%" % (row["package"], mode, result["rate"], floor))
    return problems


def arguments(argv: Optional[Sequence[str]]) -> argparse.Namespace:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--package", action="append", metavar="NAME",
                        help="run this package only (repeatable; default: all)")
    parser.add_argument("--mode", action="append", choices=MODES,
                        help="run this mode only (repeatable; default: all)")
    parser.add_argument("--slice", action="store_true",
                        help="the CI slice: the packages marked slice, %s only"
                        % " and ".join(SLICE_MODES))
    parser.add_argument("--cache", default=os.environ.get("GENLOOP_PACKAGES_CACHE", DEFAULT_CACHE),
                        help="downloads, venvs and results (default: $GENLOOP_PACKAGES_CACHE "
                        "or %(default)s)")
    parser.add_argument("--report", action="store_true",
                        help="run nothing: report from the results kept in the cache")
    parser.add_argument("--json", metavar="FILE", help="write the summary as JSON to FILE")
    parser.add_argument("--markdown", action="store_true",
                        help="print the table and the failures by cause as markdown")
    return parser.parse_args(argv)


def main(argv: Optional[Sequence[str]] = None) -> int:
    args = arguments(argv)
    with open(CORPUS) as source:
        corpus = json.load(source)
    known = {p["name"]: p for p in corpus["packages"]}
    unknown = sorted(set(args.package or ()) - set(known))
    if unknown:
        raise RunnerError("not in the corpus: %s (it has %s)" % (", ".join(unknown),
                                                                 ", ".join(sorted(known))))
    packages = [p for p in corpus["packages"]
                if (p["name"] in args.package if args.package else not args.slice or p["slice"])]
    modes = list(args.mode or (SLICE_MODES if args.slice else MODES))
    if REFERENCE not in modes:
        modes.insert(0, REFERENCE)
    os.makedirs(args.cache, exist_ok=True)
    records = {}  # type: Dict[Tuple[str, str], Dict[str, Any]]
    if args.report:
        for package in packages:
            for mode in modes:
                stored = result_path(args.cache, package, mode)
                if not os.path.exists(stored):
                    raise RunnerError("no result in the cache for %s under %s: run it first"
                                      % (package["name"], mode))
                with open(stored) as existing:
                    records[(package["name"], mode)] = json.load(existing)
    else:
        wanted = [m for m in modes if m in (args.mode or modes)]
        for version in sorted({parse_mode(m)[1] for m in wanted}):
            interpreter(corpus, version)
        for package in packages:
            for mode in wanted:
                records[(package["name"], mode)] = run_one(corpus, package, mode, args.cache)
    summary = summarize(corpus, packages, modes, args.cache, records)
    if args.json:
        os.makedirs(os.path.dirname(os.path.abspath(args.json)), exist_ok=True)
        with open(args.json, "w") as out:
            json.dump(summary, out, indent=1)
    print(markdown(summary, modes) if args.markdown else plain(summary, modes))
    problems = check_floors(corpus, summary)
    for problem in problems:
        log("FAIL: " + problem)
    return 1 if problems else 0


def plain(summary: Dict[str, Any], modes: List[str]) -> str:
    """One line per package and mode, then the totals: what a terminal or CI log shows."""
    lines = []
    for row in summary["packages"]:
        for mode, result in row["modes"].items():
            causes = ", ".join("%s %d" % (k, len(v)) for k, v in sorted(result["failures"].items()))
            lines.append("%-10s %-13s %4d of %4d pass (%s within reach)%s" % (
                row["package"], mode, result["passed"], row["reference_passed"],
                "n/a" if result["rate"] is None else "%.1f%%" % result["rate"],
                "; " + causes if causes else ""))
    for mode in modes:
        if mode in summary["totals"]:
            total = summary["totals"][mode]
            lines.append("all        %-13s %4d of %4d pass (%s within reach)" % (
                mode, total["passed"], total["reference_passed"],
                "n/a" if total["rate"] is None else "%.1f%%" % total["rate"]))
    return "\n".join(lines)


if __name__ == "__main__":
    try:
        sys.exit(main())
    except RunnerError as error:
        log("compat/packages/run.py: " + str(error))
        sys.exit(2)
    except KeyboardInterrupt:
        sys.exit(130)
