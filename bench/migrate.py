"""How fast ``genloop migrate`` rewrites real legacy code.

The trees are the seven sdists of compat/packages/corpus.json (downloaded
once into compat/packages/run.py's cache, checked by sha256), or with
``--corpus compat`` the project's own compat/legacy and compat/cases (no
network), or the paths given.  Each round migrates a fresh copy of every
tree in place, one tree at a time and each as one program, as
compat/packages/run.py does; a warm-up migration of the first tree comes
first, so that no round pays for imports.  Figures: per tree, the median CPU
time of the rounds, lines per second and seconds per 1000 lines (lines: of
the files migrate reads); the totals add the medians up.

    python bench/migrate.py [--rounds 3] [--corpus packages|compat] [--json PATH] [PATH...]

It needs libcst (``pip install genloop[migrate]``, CPython 3.9+).
"""

import argparse
import contextlib
import gc
import importlib.util
import io
import json
import os
import shutil
import statistics
import sys
import tempfile
import time
from typing import Callable, Dict, List, NamedTuple, Optional, Sequence

CHECKOUT = os.path.dirname(os.path.dirname(os.path.abspath(__file__)))
try:
    import genloop  # noqa: F401
except ImportError:
    sys.path.insert(0, CHECKOUT)
from genloop.migrate import main as migrate_main  # noqa: E402
from genloop.migrate.requirement import missing_libcst  # noqa: E402
from genloop.scan.files import find_files  # noqa: E402


def load_runner():
    """compat/packages/run.py, for its pinned downloads and its reading of migrate's report."""
    path = os.path.join(CHECKOUT, "compat", "packages", "run.py")
    spec = importlib.util.spec_from_file_location("packages_run", path)
    module = importlib.util.module_from_spec(spec)
    spec.loader.exec_module(module)
    return module


runner = load_runner()


class Tree(NamedTuple):
    """A tree to migrate: its name, and how to lay a fresh copy of it in a directory
    (which returns the copy's path)."""

    name: str
    lay: Callable[[str], str]


def package_trees(cache: str) -> List[Tree]:
    with open(runner.CORPUS) as corpus:
        packages = json.load(corpus)["packages"]
    trees = []
    for package in packages:
        sdist = runner.fetch_sdist(package, cache)
        trees.append(Tree("%s-%s" % (package["name"], package["version"]),
                          lambda where, sdist=sdist: runner.unpack(sdist, where)))
    return trees


def copied_trees(paths: Sequence[str]) -> List[Tree]:
    def lay(path: str, where: str) -> str:
        copy = os.path.join(where, os.path.basename(os.path.normpath(path)))
        (shutil.copytree if os.path.isdir(path) else shutil.copy)(path, copy)
        return copy

    return [Tree(os.path.basename(os.path.normpath(p)), lambda where, p=p: lay(p, where))
            for p in paths]


def lines_of(tree: str) -> Dict[str, int]:
    """The files migrate reads in ``tree`` and their lines, counted."""
    counted = {"files": 0, "lines": 0}
    for path in find_files(tree, [], lambda path, message: None):
        with open(path, "rb") as source:
            counted["lines"] += len(source.read().splitlines())
        counted["files"] += 1
    return counted


def migrate_once(tree: Tree, scratch: str) -> Dict[str, object]:
    """Migrate a fresh copy of ``tree``: its size, CPU seconds and what migrate reported."""
    where = tempfile.mkdtemp(dir=scratch)
    try:
        copy = tree.lay(where)
        measured = dict(lines_of(copy))  # type: Dict[str, object]
        report = io.StringIO()
        gc.collect()
        started = time.process_time()
        with contextlib.redirect_stdout(report), contextlib.redirect_stderr(io.StringIO()):
            status = migrate_main([copy])
        measured["seconds"] = time.process_time() - started
    finally:
        shutil.rmtree(where)
    if status != 0:
        raise SystemExit("genloop migrate exited %d on %s:\n%s" % (status, tree.name,
                                                                   report.getvalue()))
    migrated = runner.read_migrate_report(report.getvalue())
    measured.update(rewritten=sum(migrated["rewritten"].values()), left=len(migrated["left"]))
    return measured


def main(argv: Optional[Sequence[str]] = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("paths", nargs="*", metavar="PATH",
                        help="trees to migrate (default: the corpus)")
    parser.add_argument("--corpus", choices=("packages", "compat"), default="packages",
                        help="packages: the seven sdists of compat/packages (default); "
                        "compat: compat/legacy and compat/cases")
    parser.add_argument("--rounds", type=int, default=3)
    parser.add_argument("--cache", default=os.environ.get("GENLOOP_PACKAGES_CACHE",
                                                          runner.DEFAULT_CACHE),
                        help="where the sdists are kept (run.py's cache)")
    parser.add_argument("--json", metavar="PATH")
    options = parser.parse_args(argv)
    missing = missing_libcst()
    if missing is not None:
        print("bench/migrate.py: " + missing, file=sys.stderr)
        return 2
    if options.paths:
        trees = copied_trees(options.paths)
    elif options.corpus == "compat":
        trees = copied_trees([os.path.join(CHECKOUT, "compat", name)
                              for name in ("legacy", "cases")])
    else:
        try:
            trees = package_trees(options.cache)
        except runner.RunnerError as error:
            print("bench/migrate.py: %s (--corpus compat needs no network)" % error,
                  file=sys.stderr)
            return 2
    with tempfile.TemporaryDirectory() as scratch:
        migrate_once(trees[0], scratch)
        rounds = {tree.name: [] for tree in trees}  # type: Dict[str, List[Dict[str, object]]]
        for _ in range(options.rounds):
            for tree in trees:
                rounds[tree.name].append(migrate_once(tree, scratch))
    results = {}
    for name, measured in rounds.items():
        result = dict(measured[0])
        result["seconds"] = statistics.median(m["seconds"] for m in measured)
        results[name] = result
    totals = {key: sum(r[key] for r in results.values())
              for key in ("files", "lines", "seconds", "rewritten", "left")}
    print("genloop migrate on %s %s, libcst %s: CPU-time medians of %d round%s" % (
        sys.implementation.name, sys.version.split()[0], libcst_version(), options.rounds,
        "" if options.rounds == 1 else "s"))
    print("%-20s %6s %7s %10s %8s %8s %8s %8s" % (
        "tree", "files", "lines", "rewritten", "left", "seconds", "lines/s", "s/kline"))
    for name, result in sorted(results.items()) + [("all", totals)]:
        print("%-20s %6d %7d %10d %8d %8.2f %8.0f %8.3f" % (
            name, result["files"], result["lines"], result["rewritten"], result["left"],
            result["seconds"], rate(result), per_thousand(result)))
    if options.json:
        with open(options.json, "w") as out:
            json.dump({"python": sys.version.split()[0], "libcst": libcst_version(),
                       "rounds": options.rounds, "trees": results, "all": totals}, out,
                      indent=2)
    return 0


def rate(result: Dict[str, float]) -> float:
    return result["lines"] / result["seconds"] if result["seconds"] else float("inf")


def per_thousand(result: Dict[str, float]) -> float:
    return 1000.0 * result["seconds"] / result["lines"] if result["lines"] else 0.0


def libcst_version() -> str:
    from importlib.metadata import version

    return version("libcst")


if __name__ == "__main__":
    sys.exit(main())
