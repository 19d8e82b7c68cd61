"""The ``genloop`` command: ``genloop run script.py [args...]`` and
``genloop run -m package.module [args...]``.

``genloop run`` runs an unmodified legacy program as ``__main__``: it
installs :mod:`genloop.compat`, makes genloop's loop asyncio's default (so
that a module-level ``asyncio.get_event_loop()`` returns it), and gives the
program its own ``sys.argv``; the program's exit status becomes the
command's.  With ``--asyncio-loop`` the program keeps the stock loop, with
genloop's task factory on every loop it creates.
"""

import argparse
import asyncio
import builtins
import importlib.machinery
import importlib.util
import os
import signal
import sys
import traceback
import types
from typing import Any, List, Optional, Sequence, Tuple

from . import __version__, _children, _seam, _versions, compat, migrate, scan
from ._frames import is_own_file
from .compat.importhook import prepare_namespace
from .compat.transform import compile_legacy
from .compat.usage import hide_python_legacy_warnings
from .runners import EventLoopPolicy
from .tasks import task_factory

__all__ = ["main"]

#: Exit status for "genloop could not start the program" (as Python's own).
EXIT_USAGE = 2

#: Options of ``run`` that take a value (to find where ``-m MODULE`` is).
_OPTIONS_WITH_VALUE = frozenset(["--report"])

#: ``genloop run -m pytest`` compiles test modules as genloop compiles
#: legacy code, pytest's assertion rewriting included (compat/pytest_bridge.py).
_PYTEST_MODULES = frozenset(["pytest", "py.test"])


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
        description="Run a script (or, with -m, a module) as __main__ with the legacy "
        "asyncio API restored (genloop.compat) and genloop's event loop as asyncio's "
        "default loop.",
    )
    run.add_argument("-m", dest="module", metavar="MODULE", help="run a module, as python -m")
    run.add_argument(
        "--debug", action="store_true", help="asyncio debug mode (as PYTHONASYNCIODEBUG=1)"
    )
    run.add_argument(
        "--warn-legacy",
        action="store_true",
        help="report each legacy asyncio call once per call site (LegacyAPIWarning)",
    )
    run.add_argument(
        "--report",
        metavar="FILE",
        help="at exit, write the legacy asyncio APIs that ran to FILE (and FILE.json)",
    )
    run.add_argument(
        "--asyncio-loop",
        action="store_true",
        help="keep asyncio's own loop; install only the legacy API and genloop's tasks",
    )
    run.add_argument(
        "--no-stdlib-aliases",
        dest="stdlib_aliases",
        action="store_false",
        help="leave out the standard-library aliases Python removed (collections.Mapping...)",
    )
    run.add_argument("target", nargs="?", metavar="SCRIPT", help="the script to run")
    run.add_argument("args", nargs=argparse.REMAINDER, help="the program's own arguments")
    scan.add_arguments(commands.add_parser(
        "scan",
        help="list the legacy asyncio constructs in source files, by inventory row",
        description="List every legacy asyncio construct that Python files show, with its "
        "row of the legacy API inventory and its modern replacement, without running them.",
    ))
    # Listed here; its own parser reads its arguments (see main()).
    commands.add_parser(
        "migrate", add_help=False,
        help="rewrite legacy asyncio code as async def code for stock asyncio "
        "(genloop migrate --help)",
    )
    return parser


def main(argv: Optional[Sequence[str]] = None) -> int:
    """Entry point of the ``genloop`` console script; returns the exit status."""
    arguments = list(sys.argv[1:] if argv is None else argv)
    if arguments[:1] == ["migrate"]:
        return migrate.main(arguments[1:])
    parser = _parser()
    own_args, module_args = _split_module_args(arguments)
    options = parser.parse_args(own_args)
    if options.command == "scan":
        return scan.run(options)
    if options.command != "run":
        parser.print_help(sys.stderr)
        return EXIT_USAGE
    if options.module is not None:
        target, args, is_module = options.module, module_args, True
        if target in _PYTEST_MODULES:
            args = ["-p", "genloop.compat.pytest_bridge"] + args
    elif options.target is not None:
        target, args, is_module = options.target, options.args, False
    else:
        parser.error("run: give a SCRIPT to run, or -m MODULE")
    problem = _find_module_problem(target) if is_module else _find_script_problem(target)
    if problem is not None:
        sys.stderr.write("genloop run: {}\n".format(problem))
        return EXIT_USAGE
    if options.report is not None:
        problem = _find_report_problem(options.report)
        if problem is not None:
            sys.stderr.write("genloop run: {}\n".format(problem))
            return EXIT_USAGE
    if options.debug:
        os.environ["PYTHONASYNCIODEBUG"] = "1"
    compat.install(
        warn=options.warn_legacy, report=options.report, stdlib_aliases=options.stdlib_aliases
    )
    if not options.warn_legacy:
        hide_python_legacy_warnings()
    policy = _StockLoopWithGenloopTasks() if options.asyncio_loop else EventLoopPolicy()
    asyncio.set_event_loop_policy(policy)
    _children.follow(options.warn_legacy, type(policy), _load_child_main)
    interrupted = False
    try:
        status = _run(target, args, is_module)
    except _ProgramInterrupted:
        interrupted = True
    finally:
        _children.unfollow()
        # The policy stays: the program's loops live on, as under python,
        # until the interpreter ends (collected now, a loop the program
        # never closed would say so: "unclosed event loop").
        _uninstall_compat(options.report)
    if interrupted:
        return _end_as_interrupted()
    return status


class _ProgramInterrupted(Exception):
    """The program ended by KeyboardInterrupt (its traceback is printed)."""


def _uninstall_compat(report: Optional[str]) -> None:
    """Uninstall the compat layer, which writes the report: a report that
    cannot be written is one line, and never the program's exit status."""
    try:
        compat.uninstall()
    except OSError as exc:
        sys.stderr.write(
            "genloop run: could not write the report to {}: {}\n".format(
                report, exc.strerror or exc
            )
        )


def _end_as_interrupted() -> int:
    """End as CPython ends on an uncaught KeyboardInterrupt: from 3.8 exit
    handlers run, output is flushed, then the process kills itself with
    SIGINT under the default handler, so that shells and CI see an
    interrupt (status 130), not a failure; before 3.8, status 1.  The
    status returned is for where a process cannot signal itself."""
    if not _versions.KEYBOARD_INTERRUPT_EXITS_BY_SIGNAL:
        return 1
    _seam.run_exit_handlers()
    for stream in (sys.stdout, sys.stderr):
        try:
            stream.flush()
        except (OSError, ValueError):
            pass
    if hasattr(os, "kill"):
        signal.signal(signal.SIGINT, signal.SIG_DFL)
        os.kill(os.getpid(), signal.SIGINT)
    return 128 + signal.SIGINT


class _StockLoopWithGenloopTasks(asyncio.DefaultEventLoopPolicy):
    """asyncio's own loops, each stepping its tasks with genloop's engine."""

    def new_event_loop(self) -> asyncio.AbstractEventLoop:
        loop = super().new_event_loop()
        loop.set_task_factory(task_factory)
        return loop


def _split_module_args(argv: List[str]) -> Tuple[List[str], List[str]]:
    """Split ``run [options] -m MODULE args...`` after MODULE: as with
    ``python -m``, every word after it is the program's, options included."""
    if not argv or argv[0] != "run":
        return argv, []
    index = 1
    while index < len(argv):
        word = argv[index]
        if word == "-m":
            return argv[: index + 2], argv[index + 2:]
        if word.startswith("-m"):
            return argv[: index + 1], argv[index + 1:]
        if not word.startswith("-"):
            break
        index += 2 if word in _OPTIONS_WITH_VALUE else 1
    return argv, []


def _find_script_problem(path: str) -> Optional[str]:
    if not os.path.exists(path):
        return "no such script: {}".format(path)
    if not os.path.isfile(path):
        return "not a file: {} (to run a package, use -m)".format(path)
    return None


def _find_report_problem(path: str) -> Optional[str]:
    """Why the report (``path`` and ``path.json``) could not be written
    at exit, found by opening both for writing now; None if it can be."""
    for name in (path, path + ".json"):
        existed = os.path.exists(name)
        try:
            with open(name, "a"):
                pass
        except OSError as exc:
            return "cannot write the report to {}: {}".format(name, exc.strerror or exc)
        if not existed:
            try:
                os.remove(name)
            except OSError:
                pass
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


def _run(target: str, args: List[str], is_module: bool) -> int:
    """Run the program as ``__main__``; its exit status."""
    saved_argv, saved_path = sys.argv[:], sys.path[:]
    try:
        if is_module:
            sys.path.insert(0, os.getcwd())
            code, main_module = _module_code(target)
        else:
            sys.path.insert(0, os.path.dirname(os.path.abspath(target)))
            code, main_module = _script_code(target)
        sys.argv = [main_module.__file__ or target] + args
        _exec_as_main(code, main_module)
    except SystemExit as exit_:
        return _exit_status(exit_.code)
    except KeyboardInterrupt as exc:  # Ctrl-C: the traceback, then as Python ends
        _print_user_traceback(exc)
        raise _ProgramInterrupted() from None
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
    return 0


def _script_code(path: str) -> Tuple[types.CodeType, types.ModuleType]:
    with open(path, "rb") as source:
        code = compile_legacy(source.read(), path)
    module = types.ModuleType("__main__")
    module.__file__ = path
    # What "python script.py" gives __main__ (warnings look for a loader).
    module.__loader__ = importlib.machinery.SourceFileLoader("__main__", path)
    return code, module


def _module_code(name: str) -> Tuple[Any, types.ModuleType]:
    """The code of module ``name`` (of ``name.__main__`` for a package),
    loaded through the compat layer's import hook."""
    spec = importlib.util.find_spec(name)
    if spec is not None and spec.submodule_search_locations is not None:
        spec = importlib.util.find_spec(name + ".__main__")
    if spec is None or spec.loader is None:
        raise ImportError("no code to run in module {!r}".format(name))
    code = spec.loader.get_code(spec.name)  # type: ignore[attr-defined]
    module = types.ModuleType("__main__")
    module.__file__ = spec.origin
    module.__spec__ = spec
    module.__loader__ = spec.loader
    module.__package__ = spec.parent
    return code, module


def _load_child_main(target: str, is_module: bool) -> types.ModuleType:
    """In a spawn or forkserver child (genloop/_children.py): the program's
    main module loaded as ``genloop run`` loads it, run as ``__mp_main__``
    (so its ``if __name__ == "__main__":`` part does not run again)."""
    code, module = _module_code(target) if is_module else _script_code(target)
    module.__name__ = "__mp_main__"
    _exec_as_main(code, module)
    return module


def _exec_as_main(code: Any, module: types.ModuleType) -> None:
    module.__builtins__ = builtins  # type: ignore[attr-defined]
    prepare_namespace(module.__dict__)
    saved_main = sys.modules["__main__"]
    sys.modules["__main__"] = module
    try:
        exec(code, module.__dict__)
    finally:
        sys.modules["__main__"] = saved_main


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
    """Print ``exc`` as Python would, without genloop's own frames."""
    report = traceback.TracebackException(type(exc), exc, exc.__traceback__)
    seen = set()
    current: Optional[traceback.TracebackException] = report
    while current is not None and id(current) not in seen:
        seen.add(id(current))
        current.stack = traceback.StackSummary.from_list(
            [frame for frame in current.stack if not is_own_file(frame.filename)]
        )
        if not current.stack:
            # No "Traceback" header over nothing (3.6 and 3.7 look here).
            current.exc_traceback = None  # type: ignore[attr-defined]
        current = current.__cause__ or current.__context__
    sys.stderr.write("".join(report.format()))
