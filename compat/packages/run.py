"""Run real legacy asyncio packages' own test suites: stock 3.6 against genloop.

The corpus (``corpus.json`` beside this file) lists packages of the Python
3.4-3.6 era, each as a pinned sdist checked by sha256.  For each package and
mode this script downloads the sdist into a cache, unpacks a fresh copy,
makes (once) a venv of that Python with the pinned test tools and
dependencies, and runs the package's own tests with pytest, unmodified:

- ``stock-3.6``: plain ``python -m pytest`` on CPython 3.6, the reference;
- ``genloop-3.12`` / ``genloop-3.13``: ``python -m genloop run -m pytest``,
  with genloop installed into the venv from this checkout at every run;
- ``migrated-3.12`` / ``migrated-3.13``: the whole tree (package and tests
  together) rewritten by ``genloop migrate``, run from a venv of its own that
  has libcst, then plain pytest in the package's venv, without genloop: the
  way off genloop, measured against what passed under ``genloop run``; the corpus
  packages it names in ``migrate_with`` (legacy dependencies) are migrated beside
  it and put on ``PYTHONPATH`` after its tree, ahead of the releases installed;
- ``testing-3.12`` / ``testing-3.13``: for a suite written on asynctest
  (``asynctest_suite``), which fails from 3.11 on unittest's rewritten
  internals: its imports of asynctest moved to ``genloop.testing``, one line
  per module (``PORTED_IMPORTS``), then ``genloop run -m pytest`` as in the
  genloop modes;
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
MODES = ("stock-3.6", "genloop-3.12", "migrated-3.12", "testing-3.12", "genloop-3.13",
         "migrated-3.13", "testing-3.13", "stock-3.12", "stock-3.13")
SLICE_MODES = ("stock-3.6", "genloop-3.12")
#: How a test suite written on asynctest moves to genloop.testing (docs/testing.md,
#: "Coming from asynctest"): one import line per module, as a user edits it.
PORTED_IMPORTS = (
    (re.compile(r"^(\s*)import asynctest$"), r"\1from genloop import testing as asynctest"),
    (re.compile(r"^(\s*)from asynctest\.mock import "), r"\1from genloop.testing.mock import "),
    (re.compile(r"^(\s*)from asynctest import "), r"\1from genloop.testing import "),
)
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


def applies(package: Package, mode: str) -> bool:
    """Whether a mode is one of the package's: the testing modes are those of the suites
    written on asynctest (``asynctest_suite``)."""
    return parse_mode(mode)[0] != "testing" or bool(package.get("asynctest_suite"))


def port_to_genloop_testing(source: str, tests: Sequence[str]) -> List[Dict[str, Any]]:
    """The suite's imports of asynctest moved to genloop.testing, in place, under the
    package's test paths; each line changed (path, line, before, after)."""
    changed = []  # type: List[Dict[str, Any]]
    paths = []  # type: List[str]
    for test in tests:
        top = os.path.join(source, test)
        if os.path.isfile(top):
            paths.append(top)
        for directory, _, names in os.walk(top):
            paths.extend(os.path.join(directory, n) for n in sorted(names) if n.endswith(".py"))
    for path in sorted(paths):
        with open(path, encoding="utf-8") as module:
            lines = module.read().split("\n")
        edited = False
        for number, line in enumerate(lines, 1):
            for pattern, replacement in PORTED_IMPORTS:
                new = pattern.sub(replacement, line)
                if new != line:
                    changed.append({"path": os.path.relpath(path, source), "line": number,
                                    "before": line, "after": new})
                    lines[number - 1] = new
                    edited = True
                    break
        if edited:
            with open(path, "w", encoding="utf-8") as module:
                module.write("\n".join(lines))
    return changed


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


def distribution(name: str) -> str:
    """A distribution's name as pip compares them (PEP 503): case and ``-_.`` runs aside."""
    return re.sub(r"[-_.]+", "-", name).lower()


#: A requirement as the corpus writes them: a name, perhaps extras, then the specifier.
REQUIREMENT = re.compile(r"^\s*([A-Za-z0-9][A-Za-z0-9._-]*)\s*(?:\[[^\]]*\])?\s*(.*?)\s*$")


def migrate_with(corpus: Dict[str, Any], package: Package, version: str) -> List[Package]:
    """The corpus packages named by the package's ``migrate_with``: dependencies that are
    legacy code themselves, migrated with it in a migrated mode on that Python.

    Each must be another corpus package that the package's ``deps`` for that Python pin
    at exactly the corpus package's version: its sdist is what gets migrated, and the
    migrated copy shadows the release pip installed, so the two must be the same."""
    names = package.get("migrate_with", [])
    if not isinstance(names, list) or not all(isinstance(n, str) for n in names):
        raise RunnerError("%s: migrate_with must be a list of corpus package names, not %r"
                          % (package["name"], names))
    known = {distribution(p["name"]): p for p in corpus["packages"]}
    deps = package.get("deps", {})
    pins = {}  # type: Dict[str, str]
    for requirement in deps.get("all", []) + deps.get(version, []):
        parsed = REQUIREMENT.match(requirement)
        if parsed is not None:
            pins[distribution(parsed.group(1))] = parsed.group(2)
    chosen = []  # type: List[Package]
    for name in names:
        other = known.get(distribution(name))
        if other is None:
            raise RunnerError("%s: migrate_with names %s, which is not a corpus package (it has "
                              "%s)" % (package["name"], name, ", ".join(sorted(known))))
        if other is package or other in chosen:
            raise RunnerError("%s: migrate_with names %s %s" % (
                package["name"], name, "itself" if other is package else "twice"))
        pin = pins.get(distribution(name))
        wanted = "%s==%s" % (other["name"], other["version"])
        if pin is None:
            raise RunnerError(
                "%s: migrate_with names %s, but its deps for %s do not pin it: the migrated "
                "%s must shadow the same release installed (add %s to deps)"
                % (package["name"], name, version, other["name"], wanted))
        if pin.replace(" ", "") != "==" + other["version"]:
            raise RunnerError(
                "%s: its deps for %s pin %s%s, but the corpus package %s is %s: migrate_with "
                "migrates the corpus package's sdist, which must be the release the deps "
                "install (pin %s, or leave %s out of migrate_with)"
                % (package["name"], version, name, pin, other["name"], other["version"],
                   wanted, name))
        chosen.append(other)
    return chosen


def venv(corpus: Dict[str, Any], package: Package, version: str, cache: str) -> str:
    """The package's venv: its test tools and dependencies, never genloop's migrate tool."""
    name = "%s-%s" % (package["name"], package["version"])
    return make_venv(corpus, name, version, requirements(corpus, package, version), cache)


def make_venv(corpus: Dict[str, Any], name: str, version: str, wanted: List[str],
              cache: str) -> str:
    """The venv's python, made once per name and Python; remade when its pins change."""
    where = os.path.join(cache, "venvs", "%s-py%s" % (name, version))
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
    pip(python, ["install"] + wanted[1:], "installing %s's pins in %s" % (name, where))
    with open(stamp, "w") as out:
        out.write(pinned)
    return python


def install_checkout(python: str) -> None:
    """genloop as the checkout is now, built by that venv's own pip."""
    pip(python, ["install", "--no-deps", "--force-reinstall", CHECKOUT],
        "installing genloop from " + CHECKOUT)


def prepare_genloop(python: str, kind: str) -> None:
    """genloop modes get the checkout; stock and migrated modes must not see genloop at
    all (no plugin, no import hook, no compat module a migrated import could reach)."""
    if kind in ("genloop", "testing"):
        install_checkout(python)
    else:
        subprocess.run([python, "-m", "pip", "uninstall", "-q", "-y", "genloop"],
                       stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL)


def migrate_tool(corpus: Dict[str, Any], version: str, cache: str) -> str:
    """A venv of its own for ``genloop migrate`` (libcst and the checkout), on the Python
    the migrated code will run on: what a team does once, then drops genloop."""
    python = make_venv(corpus, "genloop-migrate", version, corpus["migrate_tools"][version],
                       cache)
    install_checkout(python)
    return python


def migrate(tool: str, source: str) -> Dict[str, Any]:
    """``genloop migrate .`` over the whole unpacked tree, so that the package and its
    tests are read as one program; what it reported, as data."""
    started = time.time()
    done = subprocess.run([tool, "-m", "genloop", "migrate", "."], cwd=source, env=clean_env(),
                          stdout=subprocess.PIPE, stderr=subprocess.PIPE,
                          universal_newlines=True)
    if done.returncode:
        raise RunnerError("genloop migrate exited %d in %s:\n%s" % (
            done.returncode, source, (done.stderr or done.stdout).strip()[-2000:]))
    return dict(read_migrate_report(done.stdout), seconds=round(time.time() - started, 1))


MIGRATE_HEAD = re.compile(r"^(\d+) of (\d+) files? changed")
MIGRATE_SECTIONS = (("rewritten", "rewritten, by row:"),
                    ("review", "rewritten with a check at run time ("),
                    ("left", "left as they were ("), ("failed", "not migrated:"))
#: A construct left as it was: ``path:line: row what: why``.
MIGRATE_LEFT = re.compile(r"^  (\S.*?):(\d+): (\S+) (.+?): (.*)$")


def read_migrate_report(text: str) -> Dict[str, Any]:
    """Files changed, constructs rewritten by row, those rewritten with a check at run
    time for a person to review and those left (each with its file, line, row, what and
    why), and the files not migrated, from migrate's closing report.

    A reason that quotes code spanning lines (a decorator's arguments) goes on over the
    next lines: those are joined to the entry they continue."""
    lines = text.splitlines()
    head = MIGRATE_HEAD.match(lines[0]) if lines else None
    if head is None:
        raise RunnerError("genloop migrate printed no report:\n%s" % text[-2000:])
    report = {"files": int(head.group(2)), "changed": int(head.group(1)), "rewritten": {},
              "review": [], "left": [], "failed": []}  # type: Dict[str, Any]
    section = None
    for line in lines[1:]:
        heading = next((key for key, start in MIGRATE_SECTIONS if line.startswith(start)), None)
        left = MIGRATE_LEFT.match(line)
        if heading is not None:
            section = heading
        elif section == "rewritten":
            row, count = line.split()[:2]
            report["rewritten"][row] = int(count)
        elif section in ("review", "left") and left is not None:
            path, number, row, what, why = left.groups()
            report[section].append({"path": path, "line": int(number), "row": row,
                                    "what": what, "why": why})
        elif section in ("review", "left") and report[section]:
            report[section][-1]["why"] += " " + line.strip()
        elif section == "failed":
            report["failed"].append(line.strip())
        else:
            raise RunnerError("cannot read this line of migrate's report: %r" % line)
    return report


def clean_env(**settings: str) -> Dict[str, str]:
    """This process's environment without its Python and pytest settings, plus ``settings``."""
    env = {k: v for k, v in os.environ.items() if not k.startswith(("PYTHON", "PYTEST"))}
    env.update(settings)
    return env


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


def run_tests(python: str, kind: str, package: Package, source: str, junit: str,
              after: Sequence[str] = ()) -> Dict[str, Any]:
    """The package's tests from ``source``, with ``source`` first on ``PYTHONPATH`` and the
    trees in ``after`` (the migrated dependencies) next, before the venv's site-packages."""
    command = [python, "-m", "pytest"]
    if kind in ("genloop", "testing"):
        command = [python, "-m", "genloop", "run", "-m", "pytest"]
    command += [
        "-p", "no:cacheprovider", "-o", "junit_family=xunit1", "--junitxml", junit,
        "--timeout", str(package.get("test_timeout", TEST_TIMEOUT)), "-v", "-rN",
        # One module that fails to import must not hide the results of the others.
        "--continue-on-collection-errors",
    ] + package.get("pytest_args", []) + package["tests"]
    env = clean_env(PYTHONPATH=os.pathsep.join([source] + list(after)),
                    PYTHONDONTWRITEBYTECODE="1", PYTHONUNBUFFERED="1")
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
    migration = None
    together = []  # type: List[Dict[str, Any]]
    trees = []  # type: List[str]
    if kind == "migrated":
        others = [(other, fetch_sdist(other, cache))
                  for other in migrate_with(corpus, package, version)]
        tool = migrate_tool(corpus, version, cache)
        log("migrating %s %s with genloop migrate on %s" % (package["name"], package["version"],
                                                            version))
        migration = migrate(tool, source)
        for other, other_sdist in others:
            # Beside the package's copy, not in it: migrate reports on it apart, and the
            # package's own tree stays what the table counts.
            tree = unpack(other_sdist, os.path.join(cache, "work", mode,
                                                    package["name"] + "-with", other["name"]))
            log("migrating %s's dependency %s %s with it" % (package["name"], other["name"],
                                                             other["version"]))
            together.append({"package": other["name"], "version": other["version"],
                             "tree": tree, "migrate": migrate(tool, tree)})
            trees.append(tree)
    ported = None
    if kind == "testing":
        ported = port_to_genloop_testing(source, package["tests"])
        if not ported:
            raise RunnerError("%s is marked asynctest_suite, but no import of asynctest was "
                              "found under %s" % (package["name"], ", ".join(package["tests"])))
    junit = os.path.join(cache, "work", mode, package["name"] + ".xml")
    if os.path.exists(junit):
        os.remove(junit)
    log("running %s %s: %s" % (package["name"], package["version"], mode))
    run = run_tests(python, kind, package, source, junit, trees)
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
    if migration is not None:
        record["migrate"] = migration
        record["migrated_with"] = together
    if ported is not None:
        record["ported"] = ported
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
    kind = parse_mode(record["mode"])[0]
    failures = {}  # type: Dict[str, List[Dict[str, str]]]
    passed = 0
    for test in passing:
        entry = record["results"].get(test)
        if entry is not None and entry["outcome"] == "passed":
            passed += 1
            continue
        text = failure_text(test, record)
        cause = classify(text, test, kind)
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


def stored_record(corpus: Dict[str, Any], package: Package, mode: str, cache: str,
                  report_only: bool) -> Dict[str, Any]:
    """The cached result of a package in a mode, else (unless only reporting) a run now."""
    stored = result_path(cache, package, mode)
    if os.path.exists(stored):
        with open(stored) as existing:
            return json.load(existing)
    if report_only:
        raise RunnerError("no result in the cache for %s under %s: run it first"
                          % (package["name"], mode))
    return run_one(corpus, package, mode, cache)


def counterpart(mode: str) -> Optional[str]:
    """The genloop mode a migrated mode answers to: the same Python under ``genloop run``."""
    kind, version = parse_mode(mode)
    return "genloop-" + version if kind == "migrated" else None


def compared_modes(modes: Sequence[str]) -> List[str]:
    """The modes a summary of ``modes`` reads: the reference, and each migrated mode's
    genloop counterpart, too."""
    needed = [REFERENCE] + [m for m in modes if m != REFERENCE]
    needed += [c for c in map(counterpart, modes) if c is not None and c not in needed]
    return needed


def passed(record: Dict[str, Any], test: str) -> bool:
    return record["results"].get(test, {}).get("outcome") == "passed"


def against_genloop(reference: Dict[str, Any], genloop: Dict[str, Any],
                    migrated: Dict[str, Any]) -> Dict[str, Any]:
    """What a migration promises: the tests that passed under ``genloop run`` pass once
    migrated, on the same Python without genloop."""
    counted = [t for t in reference["results"] if passed(reference, t) and passed(genloop, t)]
    return {"genloop_mode": genloop["mode"], "genloop_passed": len(counted),
            "kept": sum(1 for t in counted if passed(migrated, t))}


def dependency(together: Dict[str, Any]) -> Dict[str, Any]:
    """A dependency migrated with the package, for the summary: counted apart from the
    package's own ``rewritten`` and ``left``."""
    report = together["migrate"]
    return {"package": together["package"], "version": together["version"], "migrate": report,
            "rewritten": sum(report["rewritten"].values()), "left": len(report["left"])}


def summarize(packages: List[Package], modes: List[str],
              records: Dict[Tuple[str, str], Dict[str, Any]]) -> Dict[str, Any]:
    rows = []
    for package in packages:
        reference = records[(package["name"], REFERENCE)]
        row = {"package": package["name"], "version": package["version"],
               "reference_passed": sum(1 for t in reference["results"] if passed(reference, t)),
               "modes": {}}  # type: Dict[str, Any]
        for mode in modes:
            if mode == REFERENCE or not applies(package, mode):
                continue
            record = records[(package["name"], mode)]
            result = row["modes"][mode] = compare(reference, record)
            genloop = counterpart(mode)
            if genloop is not None:
                report = record["migrate"]
                result.update(against_genloop(reference, records[(package["name"], genloop)],
                                              record),
                              migrate=report, rewritten=sum(report["rewritten"].values()),
                              left=len(report["left"]),
                              migrated_with=list(map(dependency,
                                                     record.get("migrated_with", []))))
        rows.append(row)
    totals = {}
    for mode in modes:
        if mode == REFERENCE:
            continue
        results = [r["modes"][mode] for r in rows if mode in r["modes"]]
        done = sum(r["passed"] for r in results)
        within = sum(r["within_reach"] for r in results)
        totals[mode] = {
            "reference_passed": sum(r["reference_passed"] for r in results),
            "passed": done, "within_reach": within,
            "rate": round(100.0 * done / within, 1) if within else None,
        }
        if counterpart(mode) is not None:
            totals[mode].update(
                genloop_mode=counterpart(mode),
                **{key: sum(r[key] for r in results)
                   for key in ("genloop_passed", "kept", "rewritten", "left")})
    return {"packages": rows, "totals": totals,
            "causes": [{"id": c.id, "where": c.where, "description": c.description,
                        "reason": c.reason, "kinds": list(c.kinds)} for c in CAUSES]}


def markdown(summary: Dict[str, Any], modes: List[str]) -> str:
    """The README's table, what migrate did and left, and every failure under its cause."""
    others = [m for m in modes if m != REFERENCE]
    migrated = [m for m in others if counterpart(m) is not None]
    extra = ["rewritten", "left"] if migrated else []
    lines = ["| package | passing on stock 3.6 | " + " | ".join(others + extra) + " |",
             "|---|---:|" + "---:|" * len(others + extra)]
    for row in summary["packages"]:
        cells = [cell(row["modes"][m]) if m in row["modes"] else "—" for m in others]
        cells += [constructs([row["modes"][m] for m in migrated], key) for key in extra]
        lines.append("| %s %s | %d | %s |" % (row["package"], row["version"],
                                              row["reference_passed"], " | ".join(cells)))
    totals = [cell(summary["totals"][m]) for m in others]
    totals += [constructs([summary["totals"][m] for m in migrated], key) for key in extra]
    total = sum(r["reference_passed"] for r in summary["packages"])
    lines.append("| **all** | **%d** | %s |" % (total, " | ".join("**%s**" % t for t in totals)))
    lines += ["", "Each cell: passed of the tests that pass on stock 3.6, then (after the "
              "slash) the percentage of those within a runtime's reach, leaving out the "
              "causes marked outside."]
    if migrated:
        lines[-1] += (" `rewritten` and `left`: the constructs `genloop migrate` rewrote in "
                      "the package's tree (its tests included), and those it left as they "
                      "were for a person to fix.")
        lines.append("")
        for mode in migrated:
            total = summary["totals"][mode]
            lines.append("- %s: %d of the %d tests that pass under %s pass on the migrated "
                         "tree." % (mode, total["kept"], total["genloop_passed"],
                                    total["genloop_mode"]))
        lines += migrate_sections(summary, migrated[0])
    for mode in others:
        groups = {}  # type: Dict[str, List[Tuple[str, Dict[str, str]]]]
        for row in summary["packages"]:
            for cause_id, failures in row["modes"].get(mode, {"failures": {}})["failures"].items():
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


def constructs(results: List[Dict[str, Any]], key: str) -> str:
    """Constructs rewritten or left: one figure, or one per migrated mode if they differ."""
    counts = [result[key] for result in results]
    return " / ".join(str(c) for c in (counts[:1] if len(set(counts)) == 1 else counts))


def migrate_sections(summary: Dict[str, Any], mode: str) -> List[str]:
    """Per package, what migrate rewrote by row and what it left, with why."""
    lines = ["", "### What genloop migrate did (%s)" % mode, ""]
    for row in summary["packages"]:
        report = row["modes"][mode]["migrate"]
        rows = ", ".join("%s %d" % item for item in sorted(report["rewritten"].items()))
        lines.append("- %s: %d of %d files changed in %ss; rewritten: %s" % (
            row["package"], report["changed"], report["files"], report["seconds"],
            rows or "nothing"))
        for review in report.get("review", []):
            lines.append("  - to review: `%(path)s:%(line)d` %(row)s %(what)s: %(why)s" % review)
        for left in report["left"]:
            lines.append("  - left: `%(path)s:%(line)d` %(row)s %(what)s: %(why)s" % left)
        for failed in report["failed"]:
            lines.append("  - not migrated: %s" % failed)
        for together in row["modes"][mode].get("migrated_with", []):
            other = together["migrate"]
            lines.append("  - with it, its dependency %s %s, migrated apart (not counted in "
                         "the table): %d of %d files changed; rewritten %d, left %d" % (
                             together["package"], together["version"], other["changed"],
                             other["files"], together["rewritten"], together["left"]))
    return lines


def cell(result: Dict[str, Any]) -> str:
    rate = "n/a" if result["rate"] is None else "%.1f%%" % result["rate"]
    return "%d / %s" % (result["passed"], rate)


def check_floors(corpus: Dict[str, Any], summary: Dict[str, Any]) -> List[str]:
    """What makes the exit status non-zero: a reference run with no passing test, or a
    genloop or migrated mode under the floor the corpus sets from measured results."""
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
    if len(modes) > 1:
        # Not the packages none of the modes asked for is one of (the testing modes).
        packages = [p for p in packages if any(applies(p, m) for m in modes if m != REFERENCE)]
    os.makedirs(args.cache, exist_ok=True)
    records = {}  # type: Dict[Tuple[str, str], Dict[str, Any]]
    if not args.report:
        wanted = [m for m in modes if m in (args.mode or modes)]
        for version in sorted({parse_mode(m)[1] for m in wanted}):
            interpreter(corpus, version)
        for package in packages:
            for mode in wanted:
                kind, version = parse_mode(mode)
                if kind == "migrated":
                    # A corpus mistake stops the run before hours of others, not after.
                    migrate_with(corpus, package, version)
        for package in packages:
            for mode in wanted:
                if applies(package, mode):
                    records[(package["name"], mode)] = run_one(corpus, package, mode, args.cache)
    for package in packages:
        for mode in compared_modes(modes):
            if (package["name"], mode) not in records and applies(package, mode):
                records[(package["name"], mode)] = stored_record(corpus, package, mode,
                                                                 args.cache, args.report)
    summary = summarize(packages, modes, records)
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
            lines.append("%-10s %-13s %4d of %4d pass (%s within reach)%s%s" % (
                row["package"], mode, result["passed"], row["reference_passed"],
                "n/a" if result["rate"] is None else "%.1f%%" % result["rate"],
                "; " + causes if causes else "", migrated_note(result)))
    for mode in modes:
        if mode in summary["totals"]:
            total = summary["totals"][mode]
            lines.append("all        %-13s %4d of %4d pass (%s within reach)%s" % (
                mode, total["passed"], total["reference_passed"],
                "n/a" if total["rate"] is None else "%.1f%%" % total["rate"],
                migrated_note(total)))
    return "\n".join(lines)


def migrated_note(result: Dict[str, Any]) -> str:
    """A migrated mode's promise kept or not, and what migrate rewrote and left."""
    if "kept" not in result:
        return ""
    return "; %d of the %d passing under %s; migrate rewrote %d, left %d%s" % (
        result["kept"], result["genloop_passed"], result["genloop_mode"], result["rewritten"],
        result["left"], "".join("; with %(package)s %(version)s migrated too (rewrote "
                                "%(rewritten)d, left %(left)d)" % d
                                for d in result.get("migrated_with", [])))


if __name__ == "__main__":
    try:
        sys.exit(main())
    except RunnerError as error:
        log("compat/packages/run.py: " + str(error))
        sys.exit(2)
    except KeyboardInterrupt:
        sys.exit(130)
