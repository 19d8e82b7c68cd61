"""genloop.run(), new_event_loop(), EventLoopPolicy and install()
(genloop/runners.py): the ways in to genloop's loop."""

import asyncio
import os
import signal
import warnings

import pytest

import genloop


async def native_main():
    await asyncio.sleep(0)
    return "native"


@genloop.coroutine
def legacy_main():
    yield from asyncio.sleep(0)
    return "legacy"


def plain_generator_main():
    inner = yield legacy_main()
    return "plain generator after " + inner


@genloop.coroutine
def failing_main():
    yield from asyncio.sleep(0)
    raise ValueError("boom")


async def running_loop_and_current_loop():
    return asyncio.get_event_loop(), asyncio.get_event_loop_policy().get_event_loop()


async def loop_debug():
    return asyncio.get_event_loop().get_debug()


@pytest.fixture
def restore_default_policy():
    """Put asyncio's own policy (and no current loop) back after the test."""
    yield
    asyncio.set_event_loop_policy(None)


@pytest.mark.parametrize(
    "main, expected",
    [
        (native_main, "native"),
        (legacy_main, "legacy"),
        (plain_generator_main, "plain generator after legacy"),
    ],
    ids=["async def", "genloop.coroutine", "plain generator"],
)
def test_run_returns_what_main_returns(main, expected):
    assert genloop.run(main()) == expected


def test_run_closes_its_loop_and_leaves_no_current_loop():
    """Like asyncio.run: the loop is current while main runs, and afterwards
    no loop is current, not even the one that was before."""
    before = asyncio.new_event_loop()
    asyncio.set_event_loop(before)
    try:
        running, current = genloop.run(running_loop_and_current_loop())
    finally:
        before.close()
    assert isinstance(running, genloop.EventLoop)
    assert current is running
    assert running.is_closed()
    with pytest.raises(RuntimeError):
        asyncio.get_event_loop_policy().get_event_loop()


def test_run_raises_what_main_raises():
    with pytest.raises(ValueError, match="boom"):
        genloop.run(failing_main())


@pytest.mark.parametrize("debug", [True, False])
def test_run_debug_sets_the_loops_debug_mode(debug):
    assert genloop.run(loop_debug(), debug=debug) is debug


def test_run_cancels_the_tasks_main_left_running():
    trace = []

    @genloop.coroutine
    def straggler():
        try:
            yield from asyncio.sleep(3600)
        except asyncio.CancelledError:
            trace.append("cancelled")
            raise
        finally:
            trace.append("finally")

    async def main():
        task = asyncio.ensure_future(straggler())
        await asyncio.sleep(0)
        return task

    task = genloop.run(main())
    assert trace == ["cancelled", "finally"]
    assert task.cancelled()


def test_run_finalises_async_generators_left_suspended():
    trace, generators = [], []

    async def ticker():
        try:
            yield "tick"
            yield "tock"
        finally:
            trace.append("finally")

    async def main():
        ticks = ticker()
        generators.append(ticks)  # alive after main: only run() can close it
        return await ticks.__anext__()

    assert genloop.run(main()) == "tick"
    assert trace == ["finally"]


@pytest.mark.parametrize(
    "not_a_coroutine", [native_main, legacy_main, 42], ids=["async def", "legacy", "int"]
)
def test_run_of_a_non_coroutine_says_to_call_it(not_a_coroutine):
    with pytest.raises(ValueError, match=r"genloop\.run\(main\(\)\)") as raised:
        genloop.run(not_a_coroutine)
    assert repr(not_a_coroutine) in str(raised.value)


def test_run_refuses_to_start_inside_a_running_loop():
    async def main():
        inner = native_main()
        try:
            genloop.run(inner)
        except RuntimeError as error:
            return str(error)
        finally:
            inner.close()
        return "no error"

    assert "cannot be called from a running event loop" in genloop.run(main())


@pytest.mark.parametrize(
    "make_loop",
    [genloop.new_event_loop, lambda: genloop.EventLoopPolicy().new_event_loop()],
    ids=["new_event_loop", "EventLoopPolicy"],
)
def test_new_loops_are_genloop_loops(make_loop):
    loop = make_loop()
    try:
        assert isinstance(loop, genloop.EventLoop)
        assert loop.run_until_complete(legacy_main()) == "legacy"
    finally:
        loop.close()


def test_install_makes_asyncio_create_genloop_loops(restore_default_policy):
    genloop.install()
    created = asyncio.new_event_loop()
    created.close()
    with warnings.catch_warnings():
        # Legacy code's implicit loop: deprecated in 3.12+ (and 3.10.0-3.10.8),
        # and exactly what install() is for.
        warnings.simplefilter("ignore", DeprecationWarning)
        implicit = asyncio.get_event_loop()
    implicit.close()
    assert isinstance(created, genloop.EventLoop)
    assert isinstance(implicit, genloop.EventLoop)


@pytest.fixture
def sigint_raises_keyboard_interrupt():
    """Python's own SIGINT handler for the test, however the suite was
    started (in the background, SIGINT is inherited ignored)."""
    previous = signal.signal(signal.SIGINT, signal.default_int_handler)
    try:
        yield
    finally:
        signal.signal(signal.SIGINT, previous)


def test_ctrl_c_ends_run_with_keyboard_interrupt(sigint_raises_keyboard_interrupt):
    """On 3.11+ (asyncio.Runner) Ctrl-C first cancels main, as asyncio.run()
    does; before, it interrupts the loop directly."""
    seen = []

    async def interrupted_main():
        os.kill(os.getpid(), signal.SIGINT)
        try:
            await asyncio.sleep(10)
        except asyncio.CancelledError:
            seen.append("main cancelled")
            raise

    with pytest.raises(KeyboardInterrupt):
        genloop.run(interrupted_main())
    if genloop._versions.HAS_RUNNER:
        assert seen == ["main cancelled"]


@pytest.mark.skipif(
    not genloop._versions.HAS_LOOP_FACTORY, reason="asyncio.run(loop_factory=) is 3.12+"
)
def test_asyncio_run_with_genloop_as_loop_factory():
    async def main():
        return type(asyncio.get_running_loop()), type(asyncio.current_task())

    assert asyncio.run(main(), loop_factory=genloop.new_event_loop) == (
        genloop.EventLoop,
        genloop.Task,
    )


@pytest.mark.skipif(not genloop._versions.HAS_RUNNER, reason="asyncio.Runner is 3.11+")
def test_asyncio_runner_with_genloop_as_loop_factory_runs_legacy_coroutines():
    with asyncio.Runner(loop_factory=genloop.new_event_loop) as runner:
        assert runner.run(legacy_main()) == "legacy"
        assert runner.run(native_main()) == "native"
        assert isinstance(runner.get_loop(), genloop.EventLoop)
