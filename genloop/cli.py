"""The ``genloop`` command: ``genloop run script.py [args...]``.

``genloop run`` runs a program as ``__main__`` with genloop's loop as the
default event loop, so that ``asyncio.get_event_loop()``, ``asyncio.run()``
and ``loop.run_until_complete()`` in unmodified code all step their tasks
with genloop's engine.  The program gets its own ``sys.argv`` and its exit
status becomes the command's.
"""

import argparse
import asyncio
import importlib.util
import os
import runpy
import sys
import traceback
from typing import List, Optional, Sequence, Tuple

from . import __version__
from .runners import EventLoopPolicy

__all__ = ["main"]

#: Exit status for "genloop could not start the program" (as Python's own).
EXIT_USAGE = 2


def _parser() -> argparse.ArgumentParser:
    parser = argparse.ArgumentParser(
        prog="genloop",
        description="Run legacy and native asyncio programs on genloop's event loop.",
    )
    parser.add_argument("--version", action="version", version="genloop " + __version__)
    commands = parser.add_subparsers(dest="command", metavar="COMMAND")
    run = commands.add_parser(
        "run",
        help="run a script or module as __main__ on genloop's loop",
        description="Run a script (or, with -m, a module) as __main__ with "
        "genloop's event loop as asyncio's default loop.",
    )
    run.add_argument("-m", dest="module", metavar="MODULE", help="run a module, as python -m")
    run.add_argument(
        "--debug", action="store_true", help="asyncio debug mode (as PYTHONASYNCIODEBUG=1)"
    )
    run.add_argument("target", nargs="?", metavar="SCRIPT", help="the script to run")
    run.add_argument("args", nargs=argparse.REMAINDER, help="the program's own arguments")
    return parser


def main(argv: Optional[Sequence[str]] = None) -> int:
    """Entry point of the ``genloop`` console script; returns the exit status."""
    parser = _parser()
    own_args, module_args = _split_module_args(list(sys.argv[1:] if argv is None else argv))
    options = parser.parse_args(own_args)
    if options.command != "run":
        parser.print_help(sys.stderr)
        return EXIT_USAGE
    if options.module is not None:
        return _run(options.module, module_args, is_module=True, debug=options.debug)
    if options.target is None:
        parser.error("run: give a SCRIPT to run, or -m MODULE")
    return _run(options.target, options.args, is_module=False, debug=options.debug)


def _split_module_args(argv: List[str]) -> Tuple[List[str], List[str]]:
    """Split ``run [options] -m MODULE args...`` after MODULE: as with
    ``python -m``, every word after it is the program's, options included."""
    if not argv or argv[0] != "run":
        return argv, []
    for index, word in enumerate(argv[1:], start=1):
        if word == "-m":
            return argv[: index + 2], argv[index + 2:]
        if word.startswith("-m"):
            return argv[: index + 1], argv[index + 1:]
        if not word.startswith("-"):
            break
    return argv, []


def _run(target: str, args: List[str], *, is_module: bool, debug: bool) -> int:
    problem = _find_module_problem(target) if is_module else _find_script_problem(target)
    if problem is not None:
        sys.stderr.write("genloop run: {}\n".format(problem))
        return EXIT_USAGE
    if debug:
        os.environ["PYTHONASYNCIODEBUG"] = "1"
    asyncio.set_event_loop_policy(EventLoopPolicy())
    saved_argv = sys.argv[:]
    saved_path = sys.path[:]
    sys.argv = [target] + args
    try:
        if is_module:
            sys.path.insert(0, os.getcwd())
            runpy.run_module(target, run_name="__main__", alter_sys=True)
        else:
            sys.path.insert(0, os.path.dirname(os.path.abspath(target)))
            runpy.run_path(target, run_name="__main__")
    except SystemExit as exit_:
        return _exit_status(exit_.code)
    except SyntaxError as exc:
        sys.stderr.write("genloop run: syntax error in {}\n".format(exc.filename or target))
        _print_user_traceback(exc)
        return 1
    except BaseException as exc:  # the program failed: report it as Python would
        _print_user_traceback(exc)
        return 1
    finally:
        sys.argv = saved_argv
        sys.path[:] = saved_path
        asyncio.set_event_loop_policy(None)
    return 0


def _find_script_problem(path: str) -> Optional[str]:
    if not os.path.exists(path):
        return "no such script: {}".format(path)
    if not os.path.isfile(path):
        return "not a file: {} (to run a package, use -m)".format(path)
    return None


def _find_module_problem(name: str) -> Optional[str]:
    sys.path.insert(0, os.getcwd())
    try:
        found = importlib.util.find_spec(name) is not None
    except ImportError as exc:
        return "cannot find module {!r}: {}".format(name, exc)
    finally:
        del sys.path[0]
    return None if found else "no module named {!r}".format(name)


def _exit_status(code: object) -> int:
    """``sys.exit(code)`` semantics: None is 0, an int is itself, anything
    else is printed and gives 1."""
    if code is None:
        return 0
    if isinstance(code, int):
        return code
    sys.stderr.write("{}\n".format(code))
    return 1


def _print_user_traceback(exc: BaseException) -> None:
    """Print ``exc`` as Python would, without the frames of this module and
    of runpy above the user's program."""
    tb = exc.__traceback__
    while tb is not None and _is_launcher_frame(tb.tb_frame.f_code.co_filename):
        tb = tb.tb_next
    traceback.print_exception(type(exc), exc, tb)


def _is_launcher_frame(filename: str) -> bool:
    return filename in (__file__, runpy.__file__) or filename.startswith("<frozen runpy")
