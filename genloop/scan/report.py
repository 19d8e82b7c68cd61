"""What ``genloop scan`` prints: the sites found, as text or as JSON.

Each site names its row in the words of ``genloop run --report``
(:func:`genloop.compat.usage.row_fields` and ``row_text``), so that a
scan, a run's report and the documentation's inventory never disagree.  The text
groups the sites by file, with each file's count per row; ``file:line:
column:`` opens each site's line, as compilers write it, so that editors
and terminals can jump to it.
"""

import collections
import json
from typing import Dict, List, NamedTuple, Optional, Sequence, Tuple

from ..compat.usage import row_fields, row_text

__all__ = ["Site", "Scan", "text_report", "json_report"]


class Site(NamedTuple):
    """A construct of row ``row`` in ``file``, at ``line`` and ``column``
    (from 1), spanning lines up to ``last_line``; ``code`` is its line."""

    file: str
    line: int
    column: int
    row: str
    code: str
    last_line: int


class Scan(NamedTuple):
    """A scan's outcome: its sites in order, whether a merged run reached
    each (None without a run), the files read, the files skipped and why,
    and the run report merged."""

    sites: List[Site]
    reached: List[Optional[bool]]
    files_scanned: int
    skipped: List[Tuple[str, str]]
    merged: Optional[str]


def json_report(scan: Scan) -> str:
    sites = [
        dict(
            row_fields(site.row),
            file=site.file,
            line=site.line,
            column=site.column,
            code=site.code,
            reached=reached,
        )
        for site, reached in zip(scan.sites, scan.reached)
    ]
    document = {
        "files_scanned": scan.files_scanned,
        "sites": sites,
        "skipped": [{"file": path, "reason": reason} for path, reason in scan.skipped],
        "merged": scan.merged,
    }
    return json.dumps(document, indent=2) + "\n"


def text_report(scan: Scan) -> str:
    by_file: Dict[str, List[Tuple[Site, Optional[bool]]]] = collections.OrderedDict()
    for site, reached in zip(scan.sites, scan.reached):
        by_file.setdefault(site.file, []).append((site, reached))
    if not scan.sites:
        return "No legacy asyncio APIs found ({} file{} scanned)\n".format(
            scan.files_scanned, _plural(scan.files_scanned)
        )
    lines = [
        "Legacy asyncio APIs found ({} site{} in {} of {} file{} scanned)".format(
            len(scan.sites), _plural(len(scan.sites)), len(by_file), scan.files_scanned,
            _plural(scan.files_scanned),
        )
    ]
    for filename, sites in by_file.items():
        lines += ["", "{} ({})".format(filename, _counts([site for site, _ in sites]))]
        for site, reached in sites:
            mark = " [reached by the run]" if reached else ""
            lines.append("  {}:{}:{}: {}{}".format(
                site.file, site.line, site.column, row_text(row_fields(site.row)), mark
            ))
            lines.append("      " + site.code)
    lines += ["", "By row: " + _counts(scan.sites)]
    if scan.merged is not None:
        lines.append("The run in {} reached {} of these {} sites".format(
            scan.merged, sum(1 for reached in scan.reached if reached), len(scan.sites)
        ))
    return "\n".join(lines) + "\n"


def _counts(sites: Sequence[Site]) -> str:
    """``L01 x2, L05 x1``: how many sites of each row, by row."""
    counts = collections.Counter(site.row for site in sites)
    return ", ".join("{} x{}".format(row, counts[row]) for row in sorted(counts))


def _plural(count: int) -> str:
    return "" if count == 1 else "s"
