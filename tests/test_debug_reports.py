"""Debug mode reports where each forgotten, failed or slow thing was made.

In debug mode every task, legacy generator, future and callback that is
left pending, never awaited, never retrieved, fails or is slow is reported
with the line that created it, as asyncio up to 3.10 did for
``@asyncio.coroutine`` generators, on every Python.  Creation tracebacks and
failure tracebacks start and end in the user's code: genloop's loop, engine
and command line add no frames to them (asyncio's C Task adds none either).
"""

import asyncio
import gc
import logging
import os
import subprocess
import sys
import textwrap
import warnings

import pytest

import genloop
from genloop import _versions
from genloop._frames import is_own_file

PATH = os.path.abspath(__file__).rstrip("c")
THIS_FILE = os.path.basename(PATH)


def here():
    """The caller's line number."""
    return sys._getframe(1).f_lineno


def collect():
    """Collect garbage and run its finalizers (PyPy runs them at the next
    collection)."""
    for _ in range(3):
        gc.collect()


def created_at(stack):
    return os.path.basename(stack[-1].filename), stack[-1].lineno


def own_frames(stack):
    return [frame for frame in stack if is_own_file(frame.filename)]


def check_creation(stack, line, loop):
    """``stack`` ends at ``line`` of this file; on genloop's loop it holds
    none of genloop's frames.  (The stock loop's own handles and futures
    are made under genloop's engine there, which it cannot leave out.)"""
    assert stack, "no creation traceback"
    assert created_at(stack) == (THIS_FILE, line)
    if isinstance(loop, genloop.EventLoop):
        assert own_frames(stack) == []


@pytest.fixture
def debug_loop(loop):
    loop.set_debug(True)
    return loop


async def fail():
    raise ValueError("lost")


@genloop.coroutine
def legacy_fail():
    yield from asyncio.sleep(0)
    raise ValueError("lost")


@genloop.coroutine
def legacy_wait_for(future):
    yield from future


async def native_wait_for(future):
    await future


def run_briefly(loop):
    loop.run_until_complete(asyncio.sleep(0.001))


@pytest.mark.parametrize("body", [fail, legacy_fail], ids=["async def", "legacy"])
def test_a_task_exception_never_retrieved_names_where_the_task_was_created(
    debug_loop, reported_errors, body
):
    task, line = debug_loop.create_task(body()), here()
    run_briefly(debug_loop)
    del task
    collect()
    [context] = reported_errors.take()
    assert context["message"] == "Task exception was never retrieved"
    check_creation(context["source_traceback"], line, debug_loop)
    assert "created at {}:{}".format(PATH, line) in repr(context["future"])


@pytest.mark.parametrize(
    "body", [native_wait_for, legacy_wait_for], ids=["async def", "legacy"]
)
def test_a_task_destroyed_pending_names_where_it_was_created(
    debug_loop, reported_errors, body
):
    task, line = debug_loop.create_task(body(debug_loop.create_future())), here()
    run_briefly(debug_loop)
    del task
    collect()
    [context] = reported_errors.take()
    assert context["message"] == "Task was destroyed but it is pending!"
    check_creation(context["source_traceback"], line, debug_loop)


def test_a_future_exception_never_retrieved_names_where_it_was_created(
    debug_loop, reported_errors
):
    future, line = debug_loop.create_future(), here()
    future.set_exception(OSError("lost"))
    del future
    collect()
    [context] = reported_errors.take()
    assert context["message"] == "Future exception was never retrieved"
    stack = context["source_traceback"]
    if isinstance(debug_loop, genloop.EventLoop):
        check_creation(stack, line, debug_loop)
    else:  # the stock loop's create_future frame ends it
        assert (THIS_FILE, line) in [(os.path.basename(f.filename), f.lineno) for f in stack]


def raise_key_error(*args):
    raise KeyError("callback")


def test_a_failed_callback_names_where_it_was_scheduled(debug_loop, reported_errors):
    handle, line = debug_loop.call_soon(raise_key_error), here()
    run_briefly(debug_loop)
    [context] = reported_errors.take()
    assert context["message"].startswith("Exception in callback raise_key_error()")
    check_creation(context["source_traceback"], line, debug_loop)
    assert context["handle"] is handle
    assert "created at {}:{}".format(PATH, line) in repr(handle)


def test_a_slow_callback_names_where_it_was_scheduled(debug_loop, clock, caplog):
    line = here() + 1
    debug_loop.call_soon(clock.advance, 1.0)
    with caplog.at_level(logging.WARNING, logger="asyncio"):
        run_briefly(debug_loop)
    reports = [r.getMessage() for r in caplog.records if "took" in r.getMessage()]
    assert len(reports) == 1, reports
    assert "created at {}:{}> took 1.000 seconds".format(PATH, line) in reports[0]


def test_an_unstarted_legacy_coroutine_names_where_it_was_made(debug_loop, caplog, monkeypatch):
    # Debug coroutines come from functions decorated in debug mode.
    monkeypatch.setenv("PYTHONASYNCIODEBUG", "1")

    @genloop.coroutine
    def legacy_fail():
        yield from asyncio.sleep(0)
        raise ValueError("lost")

    async def forget():
        legacy_fail()
        return here() - 1

    with caplog.at_level(logging.ERROR, logger="asyncio"):
        line = debug_loop.run_until_complete(forget())
        collect()
    [report] = [r.getMessage() for r in caplog.records if "never yielded from" in r.getMessage()]
    created = 'File "{}", line {}, in forget'.format(PATH, line)
    assert report.rstrip().splitlines()[-2].strip() == created
    if isinstance(debug_loop, genloop.EventLoop):
        assert "genloop" + os.sep not in report


def test_a_native_coroutine_never_awaited_names_where_it_was_made(genloop_loop, caplog):
    """3.7+ reports it with its origin (a RuntimeWarning); 3.6 as asyncio's
    debug mode did there, through its coroutine wrapper."""
    genloop_loop.set_debug(True)

    async def forget():
        fail()
        return here() - 1

    with warnings.catch_warnings(record=True) as caught, caplog.at_level(
        logging.ERROR, logger="asyncio"
    ):
        warnings.simplefilter("always")
        line = genloop_loop.run_until_complete(forget())
        collect()
    reports = [str(w.message) for w in caught if "never awaited" in str(w.message)]
    reports += [r.getMessage() for r in caplog.records if "never yielded" in r.getMessage()]
    assert reports, "not reported"
    site = 'File "{}", line {}, in forget'.format(PATH, line)
    assert any(site in report for report in reports), reports


# -- outside debug mode: what a failed callback's report shows ----------------


def test_a_failed_callbacks_traceback_starts_in_the_callback(genloop_loop, reported_errors):
    """(asyncio's loop runs them through Handle._run, whose frame leads.)"""
    loop = genloop_loop
    loop.call_soon(raise_key_error)
    loop.call_later(0.001, raise_key_error, 1)
    future = loop.create_future()
    future.add_done_callback(raise_key_error)
    future.set_result(7)
    run_briefly(loop)
    contexts = reported_errors.take()
    assert len(contexts) == 3
    for context in contexts:
        tb = context["exception"].__traceback__
        while tb.tb_frame.f_code.co_name == "run" and tb.tb_next is not None:
            tb = tb.tb_next  # PyPy's Context.run, written in Python
        assert tb.tb_frame.f_code is raise_key_error.__code__


def test_callbacks_are_shown_with_asyncios_names(loop):
    handle = loop.call_soon(raise_key_error)
    timer = loop.call_later(10, raise_key_error)
    assert repr(handle).startswith("<Handle raise_key_error() at ")
    assert repr(timer).startswith("<TimerHandle when=")
    handle.cancel()
    timer.cancel()
    assert repr(handle) == "<Handle cancelled>"


# -- under genloop run --------------------------------------------------------

PROGRAM = """\
import asyncio, gc

async def fail():
    raise ValueError("lost")

async def main():
    task = asyncio.get_event_loop().create_task(fail())
    await asyncio.sleep(0.01)
    del task
    gc.collect()

loop = asyncio.new_event_loop()
loop.run_until_complete(main())
loop.close()
"""


def test_a_program_under_genloop_run_debug_reads_as_under_python(tmp_path):
    """The creation traceback starts at the program's first line: no
    launcher, runpy or genloop frames above it."""
    script = tmp_path / "program.py"
    script.write_text(textwrap.dedent(PROGRAM))
    env = dict(os.environ, PYTHONASYNCIODEBUG="1")
    done = subprocess.run(
        [sys.executable, "-m", "genloop", "run", "--debug", str(script)],
        stdout=subprocess.PIPE, stderr=subprocess.PIPE, universal_newlines=True,
        env=env, cwd=str(tmp_path), timeout=60,
    )
    assert done.returncode == 0, done.stderr
    lines = done.stderr.splitlines()
    start = lines.index("source_traceback: Object created at (most recent call last):")
    frames = [line.strip() for line in lines[start + 1:] if line.startswith('  File "')]
    frames = [frame for frame in frames if "_contextvars" not in frame]  # PyPy's
    assert frames[:2] == [
        'File "{}", line 13, in <module>'.format(script),
        'File "{}", line 7, in main'.format(script),
    ]
    assert "genloop" + os.sep not in done.stderr
    assert ("name=" in done.stderr) is _versions.HAS_TASK_NAMES
