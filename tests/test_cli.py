"""The ``genloop`` command (genloop/cli.py).

Each test runs ``python -m genloop`` in a child interpreter
(``sys.executable``, so under tox the installed package) on programs
written to the test's own temporary directory.
"""

import os
import sys
import textwrap

import pytest
from childprocess import run_python

import genloop
from genloop import _versions


def genloop_command(args, cwd):
    """Run ``python -m genloop ARGS`` in ``cwd``."""
    return run_python(["-m", "genloop"] + list(args), cwd)


def write_program(directory, name, source):
    path = directory / name
    path.write_text(textwrap.dedent(source))
    return path


def run_program(tmp_path, source, *args):
    """``genloop run`` a script made of ``source`` with ``args``."""
    script = write_program(tmp_path, "program.py", source)
    return genloop_command(["run", str(script)] + list(args), cwd=tmp_path)


def assert_no_launcher_frames(err):
    """genloop's own launcher and runpy stay out of the program's traceback."""
    assert os.path.join("genloop", "cli.py") not in err
    assert "runpy" not in err


SHOW_ARGV_AND_LOOP = """\
    import asyncio
    import sys

    import genloop

    loop = asyncio.get_event_loop()
    print(__name__)
    print(sys.argv)
    print(type(loop).__name__, isinstance(loop, genloop.EventLoop))
"""


def test_run_runs_a_script_as_main_with_its_argv_on_a_genloop_loop(tmp_path):
    script = write_program(tmp_path, "show.py", SHOW_ARGV_AND_LOOP)
    outcome = genloop_command(["run", str(script), "a", "b"], cwd=tmp_path)
    assert outcome.status == 0, outcome.err
    assert outcome.out.splitlines() == [
        "__main__",
        repr([str(script), "a", "b"]),
        "EventLoop True",
    ]


def test_run_prints_the_output_of_a_legacy_coroutine_program(tmp_path):
    outcome = run_program(
        tmp_path,
        """\
        import asyncio

        import genloop

        @genloop.coroutine
        def greet(name):
            yield from asyncio.sleep(0)
            return "hello " + name

        print(asyncio.get_event_loop().run_until_complete(greet("world")))
        """,
    )
    assert (outcome.status, outcome.out) == (0, "hello world\n"), outcome.err


@pytest.mark.parametrize(
    "source, status, err",
    [
        ("print('done')", 0, ""),
        ("import sys; sys.exit()", 0, ""),
        ("import sys; sys.exit(3)", 3, ""),
        ("import sys; sys.exit('fatal: no input')", 1, "fatal: no input\n"),
        (
            """\
            import asyncio, sys
            import genloop

            @genloop.coroutine
            def leave():
                yield from asyncio.sleep(0)
                sys.exit(3)

            loop = genloop.new_event_loop()
            loop.run_until_complete(leave())
            """,
            3,
            "",
        ),
        # -2 is -SIGINT: an exit status, never taken for an interrupt.
        ("import sys\nsys.exit(-2)\n", 254, ""),
    ],
    ids=[
        "normal end", "sys.exit()", "sys.exit(3)", "sys.exit(message)", "sys.exit in a task",
        "sys.exit(-2)",
    ],
)
def test_the_exit_status_is_the_programs(tmp_path, source, status, err):
    outcome = run_program(tmp_path, source)
    assert (outcome.status, outcome.err) == (status, err)


def test_an_uncaught_exception_exits_1_with_the_programs_traceback(tmp_path):
    outcome = run_program(
        tmp_path,
        """\
        import asyncio

        import genloop

        @genloop.coroutine
        def fail():
            yield from asyncio.sleep(0)
            raise ValueError("boom in the program")

        genloop.run(fail())
        """,
    )
    assert outcome.status == 1
    assert outcome.err.startswith("Traceback (most recent call last):\n"), outcome.err
    assert 'File "{}", line 8, in fail\n'.format(tmp_path / "program.py") in outcome.err
    assert outcome.err.endswith("ValueError: boom in the program\n")
    assert_no_launcher_frames(outcome.err)


@pytest.mark.parametrize(
    "args",
    [["x", "y"], ["--flag", "x"], ["-m", "again"]],
    ids=["words", "option first", "another -m"],
)
def test_run_m_runs_a_module_from_the_working_directory_with_its_args(tmp_path, args):
    write_program(tmp_path, "greeter.py", "import sys\nprint(__name__, sys.argv[1:])\n")
    outcome = genloop_command(["run", "-m", "greeter"] + args, cwd=tmp_path)
    assert outcome.status == 0, outcome.err
    assert outcome.out == "__main__ {!r}\n".format(args)


@pytest.mark.parametrize(
    "args, message",
    [
        (["run", "missing.py"], "no such script: missing.py"),
        (["run", "a_directory"], "not a file: a_directory"),
        (["run", "-m", "nosuchmodule"], "no module named 'nosuchmodule'"),
    ],
    ids=["missing script", "directory", "missing module"],
)
def test_a_program_that_cannot_be_found_exits_2_with_a_message(tmp_path, args, message):
    (tmp_path / "a_directory").mkdir()
    outcome = genloop_command(args, cwd=tmp_path)
    assert outcome.status == 2
    assert outcome.err.startswith("genloop run: " + message), outcome.err
    assert "Traceback" not in outcome.err


def test_a_syntax_error_in_an_imported_module_shows_the_import(tmp_path):
    write_program(tmp_path, "helper.py", "def broken(:\n    pass\n")
    outcome = run_program(tmp_path, "import helper\n")
    assert outcome.status == 1
    assert "syntax error in {}".format(tmp_path / "helper.py") in outcome.err
    assert 'File "{}", line 1, in <module>'.format(tmp_path / "program.py") in outcome.err
    assert_no_launcher_frames(outcome.err)


def test_a_syntax_error_exits_1_with_a_message_and_no_genloop_traceback(tmp_path):
    outcome = run_program(tmp_path, "x = 1\ndef broken(:\n    pass\n")
    assert outcome.status == 1
    assert "syntax error in {}".format(tmp_path / "program.py") in outcome.err
    assert "SyntaxError" in outcome.err
    assert "Traceback" not in outcome.err
    assert_no_launcher_frames(outcome.err)


@pytest.mark.parametrize(
    "args, complaint",
    [([], "COMMAND"), (["run"], "give a SCRIPT to run, or -m MODULE")],
    ids=["no command", "run without a script"],
)
def test_a_command_line_without_a_program_exits_2_with_the_usage(tmp_path, args, complaint):
    outcome = genloop_command(args, cwd=tmp_path)
    assert outcome.status == 2
    assert outcome.err.startswith("usage: genloop")
    assert complaint in outcome.err


def test_migrate_is_a_command_of_genloop(tmp_path):
    """``genloop migrate`` is genloop.migrate's command line: with libcst it
    checks the file; without, it says which Python to run it with."""
    write_program(tmp_path, "app.py", """
        import asyncio

        @asyncio.coroutine
        def main():
            yield from asyncio.sleep(0)
    """)
    outcome = genloop_command(["migrate", "--check", "app.py"], cwd=tmp_path)
    try:
        import libcst  # noqa: F401
    except ImportError:
        assert (outcome.status, outcome.out) == (2, "")
        assert outcome.err.startswith("genloop migrate: libcst is needed")
    else:
        assert outcome.status == 1, outcome.err
        assert "1 of 1 file would change" in outcome.out
    assert "genloop migrate" in genloop_command(["--help"], cwd=tmp_path).out


def test_version_prints_the_package_version(tmp_path):
    outcome = genloop_command(["--version"], cwd=tmp_path)
    assert (outcome.status, outcome.out) == (0, "genloop {}\n".format(genloop.__version__))


@pytest.mark.parametrize("options, debug", [(["--debug"], True), ([], False)])
def test_debug_sets_the_loops_debug_mode(tmp_path, options, debug):
    script = write_program(
        tmp_path,
        "debug.py",
        """\
        import asyncio

        async def running_loop_debug():
            return asyncio.get_event_loop().get_debug()

        loop = asyncio.get_event_loop()
        print(loop.get_debug(), loop.run_until_complete(running_loop_debug()))
        """,
    )
    outcome = genloop_command(["run"] + options + [str(script)], cwd=tmp_path)
    assert outcome.status == 0, outcome.err
    assert outcome.out == "{0} {0}\n".format(debug)


def test_a_program_may_warn_from_main(tmp_path):
    """__main__ has a loader, as under "python script.py": 3.12's warnings
    refuse module globals without one."""
    outcome = run_program(tmp_path, "import warnings\nwarnings.warn('careful', UserWarning)\n")
    assert outcome.status == 0, outcome.err
    assert "UserWarning: careful" in outcome.err


LEGACY_PACKAGE_MAIN = """\
    import asyncio
    {install}
    queue = asyncio.JoinableQueue()
    print("ran")
"""


@pytest.mark.parametrize(
    "command, install",
    [
        (["-m", "genloop", "run", "--warn-legacy", "-m", "legacy_pkg"], ""),
        (["-m", "legacy_pkg"], "import genloop.compat; genloop.compat.install(warn=True)"),
    ],
    ids=["genloop run -m", "python -m, compat installed in-process"],
)
def test_warn_legacy_names_the_line_of_a_package_run_with_m(tmp_path, command, install):
    """The __main__ of a package run with -m has the loader of
    ``package.__main__``, which refuses the name "__main__": the warning
    still shows the line, and the program runs on."""
    package = tmp_path / "legacy_pkg"
    package.mkdir()
    write_program(package, "__init__.py", "")
    write_program(package, "__main__.py", LEGACY_PACKAGE_MAIN.format(install=install))
    outcome = run_python(command, cwd=tmp_path)
    assert outcome.status == 0, outcome.err
    assert outcome.out == "ran\n"
    assert "__main__.py:3: LegacyAPIWarning: asyncio.JoinableQueue (legacy asyncio API L04)" \
        in outcome.err, outcome.err
    assert "queue = asyncio.JoinableQueue()" in outcome.err
    assert "ImportError" not in outcome.err


LEGACY_POOL_PROGRAM = """\
    import asyncio
    import multiprocessing
    import sys


    @asyncio.coroutine
    def legacy_square(x):
        yield from asyncio.sleep(0)
        return x * x


    def work(x):
        loop = asyncio.get_event_loop()
        return type(loop).__module__, loop.run_until_complete(legacy_square(x))


    if __name__ == "__main__":
        context = multiprocessing.get_context(sys.argv[1])
        with context.Pool(2) as pool:
            print(pool.map_async(work, [1, 2, 3]).get(timeout=20))
"""

START_METHODS = [
    pytest.param(method, marks=pytest.mark.skipif(
        method not in __import__("multiprocessing").get_all_start_methods(),
        reason="no {} start method here".format(method),
    ))
    for method in ("spawn", "forkserver")
]


@pytest.mark.parametrize("start_method", START_METHODS)
@pytest.mark.parametrize("how", ["script", "-m"])
def test_a_pools_spawned_children_run_legacy_code_on_genloop(tmp_path, start_method, how):
    """spawn and forkserver children import __main__ afresh: they get the
    compat layer and genloop's loop, as the parent did."""
    write_program(tmp_path, "pool_program.py", LEGACY_POOL_PROGRAM)
    target = ["pool_program.py"] if how == "script" else ["-m", "pool_program"]
    outcome = genloop_command(["run"] + target + [start_method], cwd=tmp_path)
    assert outcome.status == 0, outcome.err
    assert outcome.out == "{!r}\n".format([("genloop.loop", n * n) for n in (1, 2, 3)])
    assert outcome.err == ""


def test_the_console_script_is_installed_beside_the_interpreter(tmp_path):
    script = os.path.join(os.path.dirname(sys.executable), "genloop")
    if not os.path.exists(script):
        pytest.skip("genloop is not installed here (a source checkout): no console script")
    outcome = run_python([script, "--version"], cwd=tmp_path)
    assert outcome.out.strip() == "genloop " + genloop.__version__


USES_COLLECTIONS_MAPPING = """\
    import collections
    import collections.abc

    print(getattr(collections, "Mapping", None) is collections.abc.Mapping)
"""


def test_run_restores_the_collections_aliases_unless_told_not_to(tmp_path):
    script = write_program(tmp_path, "aliases.py", USES_COLLECTIONS_MAPPING)
    restored = genloop_command(["run", str(script)], cwd=tmp_path)
    assert restored.status == 0, restored.err
    assert restored.out.splitlines() == ["True"]
    left_out = genloop_command(["run", "--no-stdlib-aliases", str(script)], cwd=tmp_path)
    assert left_out.status == 0, left_out.err
    # Up to 3.9 Python has them itself.
    assert left_out.out.splitlines() == [str(not _versions.COLLECTIONS_ABC_ALIASES_REMOVED)]


# -- issue 13: genloop run ends as python would ---------------------------------

NEVER_CLOSES_ITS_LOOP = """\
    import asyncio
    import logging

    logging.basicConfig(level=logging.DEBUG, format="%(levelname)s %(message)s")

    async def main():
        await asyncio.sleep(0)

    def start():
        loop = asyncio.new_event_loop()
        asyncio.set_event_loop(loop)
        loop.run_until_complete(main())

    start()
    print("done")
"""


@pytest.mark.parametrize("debug", [False, True], ids=["normal", "debug"])
def test_a_loop_never_closed_is_as_quiet_at_exit_as_under_python(tmp_path, debug):
    """The program's loop outlives ``genloop run`` as it outlives a script
    run by python: no "unclosed event loop" while the interpreter still runs."""
    script = write_program(tmp_path, "program.py", NEVER_CLOSES_ITS_LOOP)
    environment = {"PYTHONASYNCIODEBUG": "1"} if debug else {}
    options = ["--debug"] if debug else []
    python = run_python(["-W", "default", str(script)], tmp_path, environment)
    ours = run_python(
        ["-W", "default", "-m", "genloop", "run"] + options + [str(script)], tmp_path
    )
    assert (ours.status, ours.out, ours.err) == (python.status, python.out, python.err)


@pytest.mark.parametrize("where", ["missing folder", "a directory", "/proc"])
def test_a_report_path_that_cannot_be_written_stops_before_the_program(tmp_path, where):
    report = {
        "missing folder": str(tmp_path / "missing" / "legacy.txt"),
        "a directory": str(tmp_path),
        "/proc": "/proc/genloop-report.txt",
    }[where]
    script = write_program(tmp_path, "program.py", 'print("ran")\n')
    outcome = genloop_command(["run", "--report", report, str(script)], cwd=tmp_path)
    assert (outcome.status, outcome.out) == (2, "")
    assert outcome.err.startswith("genloop run: cannot write the report to ")
    assert outcome.err.count("\n") == 1, outcome.err


def test_a_report_that_fails_at_exit_keeps_the_programs_exit_status(tmp_path):
    folder = tmp_path / "reports"
    folder.mkdir()
    script = write_program(
        tmp_path,
        "program.py",
        """\
        import shutil
        import sys

        shutil.rmtree({!r})
        sys.exit(3)
        """.format(str(folder)),
    )
    outcome = genloop_command(
        ["run", "--report", str(folder / "legacy.txt"), str(script)], cwd=tmp_path
    )
    assert outcome.status == 3
    assert outcome.err.startswith("genloop run: could not write the report to ")
    assert outcome.err.count("\n") == 1, outcome.err


#: Interrupted as by Ctrl-C, whatever SIGINT handling the test inherited.
INTERRUPTED = """\
    import os
    import signal
    import time

    signal.signal(signal.SIGINT, signal.default_int_handler)

    def wait():
        os.kill(os.getpid(), signal.SIGINT)
        time.sleep(5)

    wait()
"""


def test_ctrl_c_ends_the_run_as_it_ends_python(tmp_path):
    """The traceback, then death by SIGINT (3.8+; before, status 1), as
    python itself ends on an uncaught KeyboardInterrupt."""
    script = write_program(tmp_path, "program.py", INTERRUPTED)
    python = run_python([str(script)], tmp_path)
    ours = genloop_command(["run", str(script)], cwd=tmp_path)
    assert (ours.status, ours.out, ours.err) == (python.status, python.out, python.err)
    assert ours.err.endswith("KeyboardInterrupt\n")
    if _versions.KEYBOARD_INTERRUPT_EXITS_BY_SIGNAL:
        import signal

        assert ours.status == -signal.SIGINT
