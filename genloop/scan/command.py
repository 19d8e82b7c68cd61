"""``genloop scan PATH...``: its options, and the scan they ask for.

Exit status: 1 when a site is found (among the rows ``--select`` and
``--ignore`` leave), 0 when none is, 2 when the command line cannot be
acted on (a path that does not exist, an unknown row, a run report that
cannot be read), with a line that says what to do.  Files that cannot be
scanned are warned about on stderr and skipped; they change no status.
"""

import argparse
import os
import sys
from typing import Iterable, List, Optional, Set, Tuple

from ..compat.rows import ROWS
from .detect import find_constructs
from .files import Warn, find_files
from .merge import RunSites, UnreadableReport
from .._progress import Progress
from .report import Scan, Site, json_report, text_report
from .source import Unscannable, read_source

__all__ = ["add_arguments", "run", "EXIT_FOUND", "EXIT_USAGE"]

EXIT_FOUND = 1
EXIT_USAGE = 2


def add_arguments(parser: argparse.ArgumentParser) -> None:
    parser.epilog = (
        "Exit status: 1 when a site is found, 0 when none is, 2 when the command line is "
        "wrong. Files that cannot be read or parsed are skipped with a warning."
    )
    parser.add_argument(
        "paths", nargs="+", metavar="PATH",
        help="a Python file, or a directory to scan for .py files (recursively)",
    )
    parser.add_argument("--json", action="store_true", help="write the report as JSON")
    parser.add_argument(
        "--select", metavar="ROWS", action="append", default=[],
        help="report only these rows (comma-separated: L01,L05)",
    )
    parser.add_argument(
        "--ignore", metavar="ROWS", action="append", default=[],
        help="leave out these rows (comma-separated: L19)",
    )
    parser.add_argument(
        "--exclude", metavar="GLOB", action="append", default=[],
        help="leave out the paths GLOB matches (.gitignore syntax, from each PATH); "
        "repeatable",
    )
    parser.add_argument(
        "--merge", metavar="REPORT.json",
        help="mark the sites that a run reached: the JSON file of 'genloop run --report'",
    )


class _UsageError(Exception):
    """A command line the scan cannot act on; the message says what to do."""


def run(options: argparse.Namespace) -> int:
    """Scan as ``options`` ask; the exit status."""
    try:
        rows = _chosen_rows(options.select, options.ignore)
        _check_paths(options.paths)
        run_sites = RunSites(options.merge) if options.merge is not None else None
    except (_UsageError, UnreadableReport) as error:
        sys.stderr.write("genloop scan: {}\n".format(error))
        return EXIT_USAGE
    progress = Progress(sys.stderr)
    skipped: List[Tuple[str, str]] = []

    def skip(path: str, reason: str) -> None:
        skipped.append((path, reason))
        progress.print("genloop scan: skipped {}: {}".format(path, reason))

    files = list(dict.fromkeys(
        found for path in options.paths for found in find_files(path, options.exclude, skip)
    ))
    sites, scanned = _scan_files(files, rows, progress, skip)
    reached = [
        run_sites.reached(site.file, site.line, site.last_line) if run_sites else None
        for site in sites
    ]
    scan = Scan(sites, reached, scanned, skipped, run_sites.path if run_sites else None)
    sys.stdout.write(json_report(scan) if options.json else text_report(scan))
    return EXIT_FOUND if sites else 0


def _scan_files(
    files: List[str], rows: Set[str], progress: Progress, skip: Warn
) -> Tuple[List[Site], int]:
    """The sites of ``files``, and how many files could be scanned."""
    sites: List[Site] = []
    scanned = 0
    for done, path in enumerate(files, 1):
        try:
            sites += _scan_file(path, rows)
            scanned += 1
        except Unscannable as error:
            skip(path, str(error))
        progress.step("scanned", done, len(files))
    progress.erase()
    return sites, scanned


def _scan_file(path: str, rows: Set[str]) -> List[Site]:
    source = read_source(path)
    try:
        found = find_constructs(source)
    except RecursionError:
        raise Unscannable("too deeply nested to scan")
    return [
        Site(path, each.line, each.column + 1, each.row, _code(source.lines, each.line),
             each.last_line)
        for each in found
        if each.row in rows
    ]


def _code(lines: List[str], line: int) -> str:
    return lines[line - 1].strip() if 0 < line <= len(lines) else ""


def _chosen_rows(select: List[str], ignore: List[str]) -> Set[str]:
    chosen = _row_ids(select, "--select") if select else set(ROWS)
    return chosen - _row_ids(ignore, "--ignore") if ignore else chosen


def _row_ids(values: Iterable[str], option: str) -> Set[str]:
    ids = set(word.strip().upper() for value in values for word in value.split(","))
    ids.discard("")
    unknown = sorted(ids - set(ROWS))
    if unknown:
        raise _UsageError(
            "unknown row {} in {}: rows are L01 to L36 (the legacy API inventory, "
            "docs/legacy-code.md); give them comma-separated, as {} L01,L05".format(
                ", ".join(unknown), option, option
            )
        )
    if not ids:
        raise _UsageError("{} names no row; give row ids, as {} L01,L05".format(option, option))
    return ids


def _check_paths(paths: List[str]) -> None:
    missing: Optional[str] = next((path for path in paths if not os.path.exists(path)), None)
    if missing is not None:
        raise _UsageError(
            "no such file or directory: {}; give Python files, or directories "
            "that hold them".format(missing)
        )
