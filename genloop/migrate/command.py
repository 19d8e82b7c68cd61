"""The command line: ``genloop migrate [--diff | --check] [--drop-genloop] PATH...``.

Exit status: 0 when the migration is done (or there was nothing to do), 1
when ``--check`` finds files that would change, 2 when the command line
cannot be acted on (a missing path, libcst not installed), with one line
that says what to do.  Files that cannot be migrated are listed in the
report and change no status.

This module imports on every Python genloop supports; the migration
itself, which needs libcst, is imported only once libcst is known to be
there.
"""

import argparse
import os
import sys
from typing import List, NoReturn, Optional, Sequence

from .requirement import missing_libcst

__all__ = ["main", "EXIT_CHANGES", "EXIT_USAGE"]

EXIT_CHANGES = 1
EXIT_USAGE = 2

_USAGE = "genloop migrate [--diff | --check] [--drop-genloop] PATH..."


class _UsageError(Exception):
    pass


class _Parser(argparse.ArgumentParser):
    def error(self, message: str) -> NoReturn:
        raise _UsageError(message)


def _parser() -> argparse.ArgumentParser:
    parser = _Parser(
        prog="genloop migrate",
        usage=_USAGE,
        description="Rewrite legacy asyncio code (@asyncio.coroutine generators, yield from, "
        "loop= arguments, with (yield from lock), trollius and tornado yields, async and "
        "await as names...) as async def code that runs on stock asyncio, in place. "
        "Comments and formatting are kept; what cannot be rewritten safely is left as it "
        "was and listed.",
    )
    parser.add_argument("paths", nargs="+", metavar="PATH",
                        help="a Python file, or a directory of them (all migrated together)")
    mode = parser.add_mutually_exclusive_group()
    mode.add_argument("--diff", action="store_true",
                      help="write nothing; print the changes as a unified diff")
    mode.add_argument("--check", action="store_true",
                      help="write nothing; exit 1 if any file would change")
    parser.add_argument("--drop-genloop", action="store_true",
                        help="also rewrite genloop's own API (genloop.run, new_event_loop(), "
                        "Task, task_factory...) as asyncio's, so that the tree runs without "
                        "genloop")
    return parser


def main(argv: Optional[Sequence[str]] = None) -> int:
    arguments = list(sys.argv[1:] if argv is None else argv)
    try:
        options = _parser().parse_args(arguments)
    except _UsageError as error:
        return _usage("{}; usage: {}".format(error, _USAGE))
    except SystemExit as done:  # --help
        return done.code if isinstance(done.code, int) else 0
    missing = [path for path in options.paths if not os.path.lexists(path)]
    if missing:
        return _usage("no such file or directory: {}; give Python files or directories "
                      "to migrate".format(missing[0]))
    message = missing_libcst()
    if message is not None:
        return _usage(message)
    from .tree import CHECK, DIFF, WRITE, migrate

    mode = DIFF if options.diff else CHECK if options.check else WRITE
    paths: List[str] = options.paths
    return migrate(paths, mode, sys.stdout, sys.stderr, drop_genloop=options.drop_genloop)


def _usage(message: str) -> int:
    sys.stderr.write("genloop migrate: {}\n".format(message))
    return EXIT_USAGE
