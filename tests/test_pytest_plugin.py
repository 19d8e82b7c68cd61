"""genloop's pytest plugin (genloop/testing/pytest_plugin.py): each test
writes a small suite, runs it with pytest in this process, and asserts on
its outcomes and output.

The inner runs load the plugin by name (``-p``), as well as by its entry
point where genloop is installed with it; pytest-asyncio, where installed,
is left out of them but for the tests of the two plugins side by side,
which run pytest in a child process.
"""

import asyncio
import sys
import textwrap

import pytest

pytest_plugins = ["pytester"]

PLUGIN = "genloop.testing.pytest_plugin"

needs_contextvars = pytest.mark.skipif(sys.version_info < (3, 7), reason="contextvars are 3.7+")


#: Left out of every inner run: hypothesis's plugin, which imports
#: hypothesis anew in each (pytester restores ``sys.modules`` after a run).
QUIET = ["-p", "no:cacheprovider", "-p", "no:hypothesispytest"]


def run(pytester, *args, asyncio_plugin=False):
    """Run the suite in ``pytester.path`` with genloop's plugin (and
    pytest-asyncio's if ``asyncio_plugin``, in a child process: the loops
    it leaves to the garbage collector must not reach later tests)."""
    if asyncio_plugin:
        return pytester.runpytest_subprocess("-p", PLUGIN, *(QUIET + list(args)))
    return pytester.runpytest("-p", PLUGIN, *(QUIET + ["-p", "no:asyncio"] + list(args)))


def line(source, fragment):
    """The number of the line of ``source`` (as pytester writes it) that
    holds ``fragment``."""
    lines = textwrap.dedent(source).strip().splitlines()
    return next(number for number, text in enumerate(lines, 1) if fragment in text)


def passed_ids(result):
    """The ids of the tests that passed, in order, from ``-v`` output."""
    return [line.split()[0] for line in result.outlines if " PASSED" in line]


# -- which tests are genloop's ----------------------------------------------------

UNMARKED = {
    "test_unmarked": """
        import asyncio

        def test_sync():
            pass

        async def test_native():
            await asyncio.sleep(0)
        """,
    "test_unmarked_generator": """
        import asyncio

        def test_generator():
            yield from asyncio.ensure_future(asyncio.sleep(0))
        """,
}


def test_strict_mode_leaves_unmarked_tests_to_pytest(pytester):
    pytester.makepyfile(**UNMARKED)
    args = QUIET + ["-p", "no:asyncio", "--continue-on-collection-errors"]
    without = pytester.runpytest("-p", "no:" + PLUGIN, *args)
    with_plugin = pytester.runpytest("-p", PLUGIN, *args)
    assert with_plugin.parseoutcomes() == without.parseoutcomes()
    assert with_plugin.ret == without.ret


@pytest.mark.parametrize("how", ["ini", "option"])
def test_auto_mode_takes_every_coroutine_and_generator_test(pytester, how):
    pytester.makepyfile(**UNMARKED)
    if how == "ini":
        pytester.makeini("[pytest]\ngenloop_mode = auto\n")
        result = run(pytester)
    else:
        result = run(pytester, "--genloop-mode=auto")
    result.assert_outcomes(passed=3)


def test_tests_of_every_style_run_on_the_loop(pytester):
    pytester.makepyfile(
        test_styles="""
        import asyncio
        import pytest
        import genloop

        pytestmark = pytest.mark.genloop

        @genloop.coroutine
        def legacy_value(value):
            yield from asyncio.sleep(0)
            return value

        async def test_native():
            assert await legacy_value(1) == 1

        @genloop.coroutine
        def test_legacy():
            assert (yield from legacy_value(2)) == 2

        def test_plain_generator():
            yield from asyncio.ensure_future(asyncio.sleep(0))

        def test_tornado_style():
            assert (yield legacy_value(3)) == 3

        def test_trollius_style():
            value = yield genloop.From(legacy_value(4))
            assert value == 4

        def test_plain_function_with_the_loop(genloop_event_loop):
            assert not genloop_event_loop.is_running()
            assert genloop_event_loop.run_until_complete(legacy_value(5)) == 5

        class TestMethods:
            async def test_method(self):
                assert isinstance(self, TestMethods)

        @pytest.mark.parametrize("value", [6, 7])
        async def test_parametrized(value):
            assert await legacy_value(value) == value
        """
    )
    if hasattr(asyncio, "coroutine"):
        pytester.makepyfile(
            test_asyncio_coroutine="""
            import asyncio
            import pytest
            import warnings

            with warnings.catch_warnings():
                warnings.simplefilter("ignore", DeprecationWarning)

                @pytest.mark.genloop
                @asyncio.coroutine
                def test_asyncio_coroutine():
                    yield from asyncio.sleep(0)
            """
        )
    result = run(pytester)
    result.assert_outcomes(passed=9 + hasattr(asyncio, "coroutine"))


def test_marks_on_a_class_or_module_the_closest_winning(pytester):
    pytester.makepyfile(
        test_marks="""
        import asyncio
        import pytest

        pytestmark = pytest.mark.genloop(timeout=0.2)

        async def test_module_limit():
            await asyncio.sleep(5)

        @pytest.mark.genloop(timeout=None)
        async def test_own_limit():
            await asyncio.sleep(0.3)

        @pytest.mark.genloop(loop="asyncio")
        class TestOnAsyncio:
            async def test_loop(self, genloop_loop_kind):
                assert genloop_loop_kind == "asyncio"
        """
    )
    result = run(pytester)
    result.assert_outcomes(passed=2, failed=1)
    result.stdout.fnmatch_lines(["*test_module_limit did not finish within 0.2 s (real time)*"])


def test_a_bad_mark_fails_the_collection(pytester):
    pytester.makepyfile(
        test_bad_mark="""
        import pytest

        @pytest.mark.genloop(lop="asyncio", timeout=-1, clock="sundial")
        async def test_it():
            pass
        """
    )
    result = run(pytester)
    result.assert_outcomes(errors=1)
    result.stdout.fnmatch_lines(
        [
            "*test_it: @pytest.mark.genloop: unknown arguments [[]'lop'[]]*clock='sundial'*"
            "timeout=-1: real seconds (above 0), or None"
        ]
    )


def test_a_bad_option_is_a_usage_error(pytester):
    pytester.makepyfile(test_nothing="def test_nothing():\n    pass\n")
    result = run(pytester, "-o", "genloop_mode=sometimes")
    assert result.ret == pytest.ExitCode.USAGE_ERROR
    result.stderr.fnmatch_lines(["*genloop_mode = sometimes: strict or auto*"])


# -- the loops ---------------------------------------------------------------------

LOOP_KINDS = """
import asyncio
import pytest
import genloop

pytestmark = pytest.mark.genloop

async def test_kind(genloop_event_loop, genloop_loop_kind):
    loop = asyncio.get_event_loop()
    assert loop is genloop_event_loop and loop.get_debug()
    assert isinstance(loop, genloop.EventLoop) == (genloop_loop_kind == "genloop")
    assert isinstance(asyncio.ensure_future(asyncio.sleep(0)), genloop.Task)

def test_generator(genloop_loop_kind):
    yield from asyncio.ensure_future(asyncio.sleep(0))
"""


def test_genloops_loop_by_default_and_asyncios_on_request(pytester):
    pytester.makepyfile(test_kinds=LOOP_KINDS)
    run(pytester).assert_outcomes(passed=2)
    run(pytester, "--genloop-loop=asyncio").assert_outcomes(passed=2)
    pytester.makeini("[pytest]\ngenloop_loop = asyncio\n")
    run(pytester).assert_outcomes(passed=2)


def test_both_runs_each_test_on_each_loop_one_loop_after_the_other(pytester):
    pytester.makepyfile(test_kinds=LOOP_KINDS)
    result = run(pytester, "--genloop-loop=both", "-v")
    result.assert_outcomes(passed=4)
    assert passed_ids(result) == [
        "test_kinds.py::test_kind[genloop]",
        "test_kinds.py::test_generator[genloop]",
        "test_kinds.py::test_kind[asyncio]",
        "test_kinds.py::test_generator[asyncio]",
    ]


# -- fixtures ------------------------------------------------------------------------


def test_fixtures_of_every_style_set_up_and_torn_down_on_the_tests_loop(pytester):
    pytester.makepyfile(
        test_fixtures="""
        import asyncio
        import pytest
        import genloop

        EVENTS = []

        @pytest.fixture
        async def native():
            return asyncio.get_event_loop()

        @pytest.fixture
        @genloop.coroutine
        def legacy(native):
            yield from asyncio.sleep(0)
            return native

        @pytest.fixture
        async def resource(legacy):
            EVENTS.append("set up")
            yield legacy
            await asyncio.sleep(0)
            EVENTS.append(("torn down", asyncio.get_event_loop() is legacy))

        @pytest.fixture
        def plain(resource):
            yield resource
            EVENTS.append("plain torn down")

        @pytest.mark.genloop
        async def test_uses_them(plain, genloop_event_loop):
            assert plain is genloop_event_loop

        @pytest.mark.genloop
        def test_generator_too(resource):
            yield from asyncio.ensure_future(asyncio.sleep(0))
            assert resource is asyncio.get_event_loop()

        def test_order():
            assert EVENTS == [
                "set up", "plain torn down", ("torn down", True),
                "set up", ("torn down", True),
            ]
        """
    )
    run(pytester).assert_outcomes(passed=3)


def test_fixture_methods_and_autouse_fixtures(pytester):
    pytester.makepyfile(
        test_methods="""
        import asyncio
        import pytest

        SEEN = []

        @pytest.fixture(autouse=True)
        async def first():
            SEEN.append(asyncio.get_event_loop())

        @pytest.mark.genloop
        class TestClass:
            @pytest.fixture
            async def me(self):
                await asyncio.sleep(0)
                return self

            async def test_bound(self, me, genloop_event_loop):
                assert me is self
                assert SEEN[-1] is genloop_event_loop
        """
    )
    run(pytester).assert_outcomes(passed=1)


@needs_contextvars
def test_a_context_variable_set_in_a_fixture_is_seen_by_the_test(pytester):
    pytester.makepyfile(
        test_context="""
        import contextvars
        import pytest

        REQUEST_ID = contextvars.ContextVar("request_id")

        @pytest.fixture
        async def request_id():
            REQUEST_ID.set(42)

        @pytest.mark.genloop
        async def test_it(request_id):
            assert REQUEST_ID.get() == 42
        """
    )
    run(pytester).assert_outcomes(passed=1)


SHARED_SERVER = """
import asyncio
import pytest
import genloop

def note(event):
    kind = "genloop" if isinstance(asyncio.get_event_loop(), genloop.EventLoop) else "asyncio"
    with open("events.txt", "a") as events:
        events.write(event + " on " + kind + "\\n")

@pytest.fixture(scope="session")
async def server():
    async def echo(reader, writer):
        writer.write(await reader.readline())
        writer.close()
    server = await asyncio.start_server(echo, "127.0.0.1", 0)
    note("up")
    yield server.sockets[0].getsockname()[1]
    server.close()
    await server.wait_closed()
    note("down")

@pytest.fixture(scope="module")
async def port(server):
    return server
"""

SHARED_TESTS = """
import asyncio
import pytest

pytestmark = pytest.mark.genloop

async def test_echo(port):
    reader, writer = await asyncio.open_connection("127.0.0.1", port)
    writer.write(b"ping\\n")
    assert await reader.readline() == b"ping\\n"
    writer.close()

async def test_own_loop():
    await asyncio.sleep(0)
"""


def test_wider_fixtures_live_on_the_sessions_loop_with_the_tests_that_use_them(pytester):
    pytester.makeconftest(SHARED_SERVER)
    pytester.makepyfile(test_one=SHARED_TESTS, test_two=SHARED_TESTS)
    run(pytester).assert_outcomes(passed=4)
    assert (pytester.path / "events.txt").read_text().split("\n") == [
        "up on genloop",
        "down on genloop",
        "",
    ]


def test_with_both_loops_the_wider_fixtures_are_made_once_on_each(pytester):
    pytester.makeconftest(SHARED_SERVER)
    pytester.makepyfile(test_one=SHARED_TESTS, test_two=SHARED_TESTS)
    run(pytester, "--genloop-loop=both").assert_outcomes(passed=8)
    assert (pytester.path / "events.txt").read_text().split("\n") == [
        "up on genloop",
        "down on genloop",
        "up on asyncio",
        "down on asyncio",
        "",
    ]


ON_THE_SESSIONS_LOOP = """
import asyncio
import pytest
import genloop

pytestmark = pytest.mark.genloop

async def test_leaves_a_task(port):
    asyncio.ensure_future(asyncio.sleep(3600))

async def test_next(port):
    assert genloop.all_tasks() == {genloop.current_task()}

@pytest.mark.genloop(clock="virtual")
async def test_virtual_time(port):
    pass
"""


def test_a_test_on_the_sessions_loop_is_checked_and_its_tasks_cancelled(pytester):
    pytester.makeconftest(SHARED_SERVER)
    pytester.makepyfile(test_shared=ON_THE_SESSIONS_LOOP)
    result = run(pytester)
    result.assert_outcomes(passed=2, errors=2)
    result.stdout.fnmatch_lines(
        [
            "*test_leaves_a_task left this on its event loop:",
            "- task still pending: <Task pending *sleep()*",
            "*made at *test_shared.py:{} in test_leaves_a_task".format(
                line(ON_THE_SESSIONS_LOOP, "sleep(3600)")
            ),
            "*clock='virtual' needs a loop of the test's own*it uses server, port, *",
        ],
        consecutive=False,
    )


# -- time limits and bad input ---------------------------------------------------------

STUCK = """
import asyncio
import pytest

pytestmark = pytest.mark.genloop(timeout=0.3)

async def test_stuck():
    await asyncio.Event().wait()

async def test_next():
    await asyncio.sleep(0)
"""


def test_a_stuck_test_fails_naming_its_line_and_the_next_one_passes(pytester):
    pytester.makepyfile(test_stuck=STUCK)
    result = run(pytester)
    result.assert_outcomes(passed=1, failed=1)
    result.stdout.fnmatch_lines(
        [
            "*DeadlineExceeded: test_stuck did not finish within 0.3 s (real time): "
            "stuck at *test_stuck.py:{} in test_stuck".format(line(STUCK, "Event().wait()")),
            "*await asyncio.Event().wait()",
        ]
    )


FIXTURE_STUCK = """
import asyncio
import pytest
import genloop

pytestmark = pytest.mark.genloop(timeout=0.3)

@pytest.fixture
@genloop.coroutine
def never():
    yield from asyncio.get_event_loop().create_future()

@pytest.fixture
async def never_torn_down():
    yield
    await asyncio.Event().wait()

async def test_set_up(never):
    pass

async def test_tear_down(never_torn_down):
    pass

async def test_next():
    await asyncio.sleep(0)
"""


def test_a_fixture_that_never_finishes_fails_naming_its_line(pytester):
    pytester.makepyfile(test_fixture_stuck=FIXTURE_STUCK)
    result = run(pytester)
    result.assert_outcomes(passed=2, errors=2)
    result.stdout.fnmatch_lines(
        [
            "*fixture 'never' did not finish within 0.3 s (real time): stuck at "
            "*test_fixture_stuck.py:{} in never".format(line(FIXTURE_STUCK, "create_future()")),
            "*fixture 'never_torn_down' (tear-down) did not finish within 0.3 s (real time): "
            "stuck at *test_fixture_stuck.py:{} in never_torn_down".format(
                line(FIXTURE_STUCK, "Event().wait()")
            ),
        ],
        consecutive=False,
    )


BLOCKS = """
import asyncio
import time
import pytest

pytestmark = pytest.mark.genloop(timeout=0.3)

async def test_blocks():
    await asyncio.sleep(0)
    time.sleep(30)

def test_busy():
    while True:
        yield

def test_busier():
    while True: pass
    yield

async def test_next():
    await asyncio.sleep(0)
"""


def test_a_test_that_blocks_the_loop_is_interrupted_at_its_line(pytester):
    pytester.makepyfile(test_blocks=BLOCKS)
    result = run(pytester)
    result.assert_outcomes(passed=1, failed=3)
    result.stdout.fnmatch_lines(
        [
            "*test_blocks did not finish within 0.3 s (real time): blocked the loop's thread "
            "at *test_blocks.py:{} in test_blocks".format(line(BLOCKS, "time.sleep(30)")),
            "*time.sleep(30)",
            # A task that yields now and then is cancelled as any other.
            "*test_busy did not finish within 0.3 s (real time): stuck at "
            "*test_blocks.py:{} in test_busy".format(line(BLOCKS, "        yield")),
            "*test_busier did not finish within 0.3 s (real time): blocked the loop's thread "
            "at *test_blocks.py:{} in test_busier".format(line(BLOCKS, "while True: pass")),
        ],
        consecutive=False,
    )


def test_a_bad_yield_fails_the_test_at_its_line(pytester):
    pytester.makepyfile(
        test_bad_yield="""
        import pytest

        @pytest.mark.genloop
        def test_yields_a_number():
            yield 42
        """
    )
    result = run(pytester)
    result.assert_outcomes(failed=1)
    result.stdout.fnmatch_lines([">*yield 42", "E*RuntimeError: Task got bad yield: 42.*"])


def test_closing_or_unsetting_the_loop_leaves_the_next_test_clean(pytester):
    pytester.makepyfile(
        test_loop_abuse="""
        import asyncio
        import pytest

        pytestmark = pytest.mark.genloop

        async def test_closes_its_running_loop():
            asyncio.get_event_loop().close()

        def test_closes_its_loop(genloop_event_loop):
            genloop_event_loop.close()

        async def test_unsets_the_loop():
            asyncio.set_event_loop(None)

        async def test_next(genloop_event_loop):
            assert asyncio.get_event_loop_policy().get_event_loop() is genloop_event_loop
        """
    )
    result = run(pytester)
    result.assert_outcomes(passed=3, failed=1, errors=1)
    result.stdout.fnmatch_lines(
        [
            "*test_closes_its_loop left this on its event loop:",
            "- the event loop was closed before the test ended*",
            ">*asyncio.get_event_loop().close()",
            "E*RuntimeError: Cannot close a running event loop",
        ],
        consecutive=False,
    )


# -- what a test leaves behind ------------------------------------------------------------

LEFTOVERS = """
import asyncio
import pytest

pytestmark = pytest.mark.genloop

async def test_leaves_a_task():
    asyncio.ensure_future(asyncio.sleep(3600))

async def test_leaves_a_timer():
    asyncio.get_event_loop().call_later(3600, print)

async def test_leaves_an_exception():
    async def fails():
        raise ValueError("nobody looks")
    asyncio.ensure_future(fails())
    await asyncio.sleep(0)

async def test_leaves_a_server_listening():
    await asyncio.start_server(lambda reader, writer: None, "127.0.0.1", 0)

async def test_next():
    await asyncio.sleep(0)
"""


def test_what_a_test_leaves_fails_it_naming_where_it_was_made(pytester):
    pytester.makepyfile(test_leftovers=LEFTOVERS)
    result = run(pytester, "-W", "error")
    result.assert_outcomes(passed=5, errors=4)
    result.stdout.fnmatch_lines(
        [
            "*ERROR at teardown of test_leaves_a_task*",
            "*test_leaves_a_task left this on its event loop:",
            "- task still pending: *",
            "*made at *test_leftovers.py:{} in test_leaves_a_task".format(
                line(LEFTOVERS, "sleep(3600)")
            ),
            "*ERROR at teardown of test_leaves_a_timer*",
            "- timer still scheduled: *",
            "*ERROR at teardown of test_leaves_an_exception*",
            "*ValueError: nobody looks",
            "*ERROR at teardown of test_leaves_a_server_listening*",
            "- file descriptor * still watched for reading by *",
            "*made at *test_leftovers.py:{} in test_leaves_a_server_listening".format(
                line(LEFTOVERS, "start_server")
            ),
        ],
        consecutive=False,
    )
    assert "ResourceWarning" not in result.stdout.str()


def test_fail_on_turns_checks_off(pytester):
    pytester.makepyfile(
        test_lenient="""
        import asyncio
        import pytest

        @pytest.mark.genloop(fail_on={"pending_tasks": False, "active_handles": False})
        async def test_leaves_a_task():
            asyncio.ensure_future(asyncio.sleep(3600))
        """
    )
    run(pytester).assert_outcomes(passed=1)


# -- virtual time --------------------------------------------------------------------------


def test_virtual_time_passes_at_once(pytester):
    pytester.makepyfile(
        test_clock="""
        import asyncio
        import pytest
        import genloop

        @pytest.mark.genloop(clock="virtual")
        async def test_an_hour(genloop_clock):
            loop = asyncio.get_event_loop()
            await asyncio.sleep(3600)
            assert loop.time() == 3600
            fired = []
            loop.call_later(10, fired.append, True)
            await genloop_clock.elapse(10)
            assert fired == [True] and loop.time() == 3610

        @pytest.mark.genloop(clock="virtual")
        @genloop.coroutine
        def test_legacy_wait_for():
            with pytest.raises(asyncio.TimeoutError):
                yield from asyncio.wait_for(asyncio.Event().wait(), 60)

        @pytest.mark.genloop
        async def test_real_time(genloop_clock):
            pass
        """
    )
    result = run(pytester, "--durations=0")
    result.assert_outcomes(passed=2, errors=1)
    result.stdout.fnmatch_lines(
        ["*genloop_clock is the clock of a test marked @pytest.mark.genloop(clock='virtual')*"]
    )


# -- next to pytest-asyncio, and installed by its entry point -------------------------------


def asyncio_plugin_args():
    """pytest-asyncio, if installed, and the options it wants to run quietly."""
    pytest_asyncio = pytest.importorskip("pytest_asyncio")
    version = tuple(int(part) for part in pytest_asyncio.__version__.split(".")[:2])
    quiet = ["-o", "asyncio_default_fixture_loop_scope=function"] if version >= (0, 23) else []
    return version, quiet


def test_pytest_asyncio_keeps_the_tests_marked_asyncio(pytester):
    _, args = asyncio_plugin_args()
    pytester.makepyfile(
        test_side_by_side="""
        import asyncio
        import pytest
        import pytest_asyncio
        import genloop

        asyncio_fixture = getattr(pytest_asyncio, "fixture", pytest.fixture)

        @asyncio_fixture
        async def theirs():
            return asyncio.get_event_loop()

        @pytest.fixture
        async def ours():
            return asyncio.get_event_loop()

        @pytest.mark.asyncio
        async def test_theirs(theirs):
            assert theirs is asyncio.get_event_loop()
            assert not isinstance(theirs, genloop.EventLoop)

        @pytest.mark.genloop
        async def test_ours(ours, genloop_event_loop):
            assert ours is genloop_event_loop

        @pytest.mark.genloop
        def test_generator():
            yield from asyncio.ensure_future(asyncio.sleep(0))
        """
    )
    run(pytester, *args, asyncio_plugin=True).assert_outcomes(passed=3)


def test_pytest_asyncios_auto_mode_keeps_every_async_def_test(pytester):
    version, args = asyncio_plugin_args()
    if version < (0, 17):
        pytest.skip("pytest-asyncio {}.{} has no auto mode".format(*version))
    pytester.makepyfile(
        test_auto="""
        import asyncio
        import genloop

        async def test_native_is_theirs():
            assert not isinstance(asyncio.get_event_loop(), genloop.EventLoop)

        def test_generator_is_ours():
            yield from asyncio.ensure_future(asyncio.sleep(0))
            assert isinstance(asyncio.get_event_loop(), genloop.EventLoop)
        """
    )
    result = run(
        pytester, "-o", "asyncio_mode=auto", "--genloop-mode=auto", *args, asyncio_plugin=True
    )
    result.assert_outcomes(passed=2)


def test_loaded_by_entry_point_and_by_name_it_is_registered_once(pytester):
    pytester.makepyfile(
        test_registered="""
        import genloop.testing.pytest_plugin as plugin

        def test_once(pytestconfig):
            manager = pytestconfig.pluginmanager
            assert manager.get_plugin("genloop.testing.pytest_plugin") is plugin
            assert [p for p in manager.get_plugins() if p is plugin] == [plugin]
        """
    )
    by_entry_point = pytester.runpytest("-p", "no:asyncio", *QUIET)
    if by_entry_point.parseoutcomes() != {"passed": 1}:
        pytest.skip("genloop is installed here without its entry point (pip install -e .)")
    run(pytester).assert_outcomes(passed=1)
