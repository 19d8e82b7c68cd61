"""genloop.compat: each legacy API row works again while installed, uses are
reported when asked, and uninstall() leaves asyncio exactly as it was.

Legacy code here is written as it was in 3.4-3.7 (``asyncio.coroutine``,
``loop=``, ``with (yield from lock)``...), so it only runs with the compat
layer installed; the ``compat`` fixture installs it for one test.
"""

import asyncio
import asyncio.base_events
import asyncio.coroutines
import asyncio.events
import collections
import collections.abc
import inspect
import concurrent.futures
import json
import re
import sys
import textwrap
import types
import unittest.mock
import warnings

import pytest
from conftest import HIDE_PYTHON_LEGACY_WARNINGS, VirtualClock

import genloop
import genloop.compat
from genloop import _versions
from genloop.compat.importhook import prepare_namespace
from genloop.compat.transform import compile_legacy

pytestmark = HIDE_PYTHON_LEGACY_WARNINGS

#: The modules and classes the compat layer may patch.
PATCHED_NAMESPACES = [
    asyncio,
    asyncio.coroutines,
    asyncio.tasks,
    asyncio.futures,
    asyncio.streams,
    asyncio.events,
    asyncio.events.BaseDefaultEventLoopPolicy,
    asyncio.base_events.BaseEventLoop,
    asyncio.Lock,
    asyncio.Condition,
    asyncio.Semaphore,
    asyncio.BoundedSemaphore,
    asyncio.Event,
    asyncio.Queue,
    asyncio.PriorityQueue,
    asyncio.LifoQueue,
    asyncio.base_events.Server,
    genloop.Task,
    collections,
]


def snapshot():
    return [dict(vars(namespace)) for namespace in PATCHED_NAMESPACES], list(sys.meta_path)


def legacy(source, name="main"):
    """A function of legacy ``source``, compiled as ``genloop run`` loads
    programs."""
    namespace = {"asyncio": asyncio}
    prepare_namespace(namespace)
    exec(compile_legacy(textwrap.dedent(source), "<legacy>"), namespace)
    return namespace[name]


def run(loop, coro):
    if not asyncio.isfuture(coro):
        coro = loop.create_task(coro)
    return loop.run_until_complete(coro)


# -- installing ---------------------------------------------------------------------


def test_uninstall_leaves_asyncio_exactly_as_before():
    before = snapshot()
    genloop.compat.install(warn=True)
    assert genloop.compat.is_installed()
    assert snapshot() != before
    genloop.compat.uninstall()
    after = snapshot()
    assert after[1] == before[1]
    for namespace, old, new in zip(PATCHED_NAMESPACES, before[0], after[0]):
        assert new.keys() == old.keys(), namespace
        assert all(new[key] is old[key] for key in old), namespace


def test_installing_twice_is_harmless_and_one_uninstall_undoes_it():
    before = snapshot()
    genloop.compat.install()
    genloop.compat.install()
    genloop.compat.uninstall()
    assert not genloop.compat.is_installed()
    assert [list(d) for d in snapshot()[0]] == [list(d) for d in before[0]]


def test_uninstalling_without_installing_says_what_to_do():
    with pytest.raises(RuntimeError, match="call genloop.compat.install"):
        genloop.compat.uninstall()


def test_installed_context_manager_restores_on_exit():
    before = snapshot()
    with genloop.compat.installed():
        assert genloop.compat.is_installed()
    assert not genloop.compat.is_installed()
    assert snapshot()[1] == before[1]


# -- the rows ------------------------------------------------------------------------


def test_L01_asyncio_coroutine_on_generators_and_plain_functions(compat, loop):
    @asyncio.coroutine
    def legacy_double(x):
        yield from asyncio.sleep(0)
        return 2 * x

    plain = asyncio.coroutine(lambda: "plain")
    assert asyncio.iscoroutinefunction(legacy_double)
    assert run(loop, legacy_double(4)) == 8
    assert run(loop, plain()) == "plain"


def test_L02_asyncio_async_schedules_a_task(compat, loop):
    async def main():
        return await getattr(asyncio, "async")(asyncio.sleep(0, result="scheduled"))

    assert run(loop, main()) == "scheduled"


def test_L04_joinable_queue_is_a_queue(compat, loop):
    async def main():
        queue = asyncio.JoinableQueue()
        await queue.put(1)
        queue.get_nowait()
        queue.task_done()
        await queue.join()
        return isinstance(queue, asyncio.Queue)

    assert run(loop, main()) is True


def test_L05_loop_argument_on_functions_and_primitives(compat, loop):
    main = legacy(
        """
        @asyncio.coroutine
        def main(loop):
            lock = asyncio.Lock(loop=loop)
            queue = asyncio.Queue(loop=loop)
            event = asyncio.Event(loop=loop)
            bounded = asyncio.BoundedSemaphore(2, loop=loop)  # 3.10 passes loop to Semaphore
            yield from bounded.acquire()
            bounded.release()
            yield from asyncio.sleep(0, loop=loop)
            with (yield from lock):
                yield from queue.put("item")
            event.set()
            yield from asyncio.wait_for(event.wait(), 1, loop=loop)
            results = yield from asyncio.gather(queue.get(), asyncio.sleep(0, result=2), loop=loop)
            shielded = yield from asyncio.shield(asyncio.sleep(0, result=3), loop=loop)
            return results, shielded
        """
    )
    assert run(loop, main(loop)) == (["item", 2], 3)


@pytest.mark.parametrize("name", ["sleep", "wait", "wait_for", "open_connection"])
def test_L05_functions_taking_loop_are_still_coroutine_functions(compat, name):
    """asynctest's and unittest.mock's patch() ask asyncio (or inspect,
    from 3.12) whether what they replace is a coroutine function, to make a
    CoroutineMock or AsyncMock of it."""
    function = getattr(asyncio, name)
    assert asyncio.iscoroutinefunction(function)
    if sys.version_info >= (3, 12):
        assert inspect.iscoroutinefunction(function)
    with unittest.mock.patch("asyncio." + name) as patched:
        if sys.version_info >= (3, 8):
            assert isinstance(patched, unittest.mock.AsyncMock)
    assert not asyncio.iscoroutinefunction(asyncio.gather)


def test_L05_sleep_gives_one_turn_and_its_result_as_asyncios_does(compat, loop):
    turns = []

    async def take_turns(name, delay):
        for turn in range(3):
            turns.append((name, turn))
            assert await asyncio.sleep(delay, turn) == turn

    first, second = loop.create_task(take_turns("a", 0)), loop.create_task(take_turns("b", 0))
    loop.run_until_complete(asyncio.wait([first, second]))
    assert turns == [("a", 0), ("b", 0), ("a", 1), ("b", 1), ("a", 2), ("b", 2)]
    assert loop.run_until_complete(asyncio.sleep(-1, result="at once")) == "at once"
    started = loop.time()
    assert loop.run_until_complete(asyncio.sleep(0.02, result="later")) == "later"
    assert loop.time() - started >= 0.02 - loop._clock_resolution


def test_L05_gather_with_loop_outside_a_running_loop_schedules_on_that_loop(compat, loop):
    gathered = asyncio.gather(asyncio.sleep(0, result="a"), loop=loop)
    assert loop.run_until_complete(gathered) == ["a"]


@pytest.mark.skipif(
    not _versions.LOOP_ARGUMENT_REMOVED,
    reason="up to 3.9 loop= is asyncio's own (and sleep(0) never looks at it)",
)
def test_L05_a_loop_that_is_not_the_running_one_is_refused(compat, loop):
    other = asyncio.new_event_loop()

    async def main():
        await asyncio.sleep(0, loop=other)

    try:
        with pytest.raises(RuntimeError, match="drop the loop= argument"):
            run(loop, main())
    finally:
        other.close()


@pytest.mark.parametrize("primitive", ["Lock", "Condition", "Semaphore", "BoundedSemaphore"])
def test_L06_with_yield_from_and_with_await_take_the_lock(compat, loop, primitive):
    main = legacy(
        """
        def main(lock):
            with (yield from lock):
                inside = lock.locked()
            with (yield from lock):
                pass
            return inside, lock.locked()
        """
    )

    async def native(lock):
        with (await lock):
            return lock.locked()

    # Semaphore(1).locked() is True while it is held, like a Lock's.
    assert run(loop, main(getattr(asyncio, primitive)())) == (True, False)
    assert run(loop, native(getattr(asyncio, primitive)())) is True


def test_L06_a_lock_used_without_yield_from_says_what_to_write(compat, loop):
    # 3.6's own message starts the same way; genloop's adds what to write.
    with pytest.raises(RuntimeError, match='"yield from" should be used as context manager'):
        with asyncio.Lock():
            pass


def test_L07_task_current_task_and_all_tasks(compat, loop):
    async def finished():
        return None

    async def main():
        done = loop.create_task(finished())
        await done
        return asyncio.Task.current_task(), done, asyncio.Task.all_tasks()

    task = loop.create_task(main())
    current, done, every = run(loop, task)
    assert current is task
    assert {task, done} <= every  # done tasks too, as before 3.7
    assert isinstance(task, asyncio.Task) and isinstance(done, asyncio.Task)


def test_L08_coroutines_passed_to_wait(compat, loop):
    async def main():
        done, pending = await asyncio.wait([asyncio.sleep(0, result=1), asyncio.sleep(0)])
        return sorted(str(task.result()) for task in done), pending

    assert run(loop, main()) == (["1", "None"], set())


def test_L09_L10_generators_are_coroutines_again(compat):
    main = legacy(
        """
        def main():
            yield from asyncio.sleep(0)
            return "generator"
        """
    )
    stock = asyncio.new_event_loop()  # no genloop anywhere but the compat layer
    try:
        assert asyncio.iscoroutine(main())
        assert stock.run_until_complete(main()) == "generator"
        assert stock.run_until_complete(stock.create_task(main())) == "generator"
        assert stock.run_until_complete(asyncio.Task(main(), loop=stock)) == "generator"
        assert stock.run_until_complete(asyncio.gather(main(), loop=stock)) == ["generator"]
        assert stock.run_until_complete(asyncio.wait_for(main(), 1)) == "generator"
    finally:
        stock.close()


def test_L10_run_coroutine_threadsafe_takes_a_generator(compat, loop):
    import threading

    main = legacy(
        """
        def main():
            yield from asyncio.sleep(0)
            return "from a thread"
        """
    )
    results = []

    def submit():
        results.append(asyncio.run_coroutine_threadsafe(main(), loop).result(10))
        loop.call_soon_threadsafe(loop.stop)

    threading.Thread(target=submit).start()
    loop.run_forever()
    assert results == ["from a thread"]


def test_L11_undecorated_helpers_may_yield_from_asyncio_coroutines(compat, loop):
    main = legacy(
        """
        def helper():
            yield from asyncio.sleep(0)
            return "helped"

        @asyncio.coroutine
        def main():
            return (yield from helper())
        """
    )
    assert run(loop, main()) == "helped"


def test_L11_modules_imported_while_installed_delegate_to_coroutines(
    compat, loop, tmp_path, monkeypatch
):
    (tmp_path / "legacy_helpers.py").write_text(
        "import asyncio\n\ndef helper():\n    yield from asyncio.sleep(0)\n    return 'imported'\n"
    )
    monkeypatch.syspath_prepend(str(tmp_path))
    import legacy_helpers

    try:
        assert run(loop, legacy_helpers.helper()) == "imported"
    finally:
        del sys.modules["legacy_helpers"]


def test_L19_moved_names_import_from_their_old_places(compat):
    from asyncio import selectors
    from asyncio.futures import CancelledError, InvalidStateError, TimeoutError
    from asyncio.streams import IncompleteReadError

    assert CancelledError is asyncio.CancelledError
    assert TimeoutError is asyncio.TimeoutError
    assert InvalidStateError is asyncio.InvalidStateError
    assert IncompleteReadError is asyncio.IncompleteReadError
    assert selectors.DefaultSelector


def test_L26_get_event_loop_creates_the_main_threads_loop_silently(compat):
    asyncio.set_event_loop_policy(asyncio.DefaultEventLoopPolicy())
    try:
        loop = asyncio.get_event_loop()  # filterwarnings = error: no warning
        assert asyncio.get_event_loop() is loop
        loop.close()
    finally:
        asyncio.set_event_loop_policy(None)


class _InlineExecutor(concurrent.futures.Executor):
    """Not a thread pool: runs each call at once."""

    def submit(self, fn, *args, **kwargs):
        future = concurrent.futures.Future()
        future.set_result(fn(*args, **kwargs))
        return future


def test_L29_a_default_executor_that_is_not_a_thread_pool(compat, loop):
    loop.set_default_executor(_InlineExecutor())
    assert run(loop, loop.run_in_executor(None, sum, [1, 2])) == 3


@pytest.mark.skipif(not _versions.HAS_TASK_CONTEXT_ARG, reason="context= is passed from 3.11")
def test_L32_two_argument_task_factory_with_context(compat, genloop_loop):
    import contextvars

    made = []

    def factory(loop, coro):
        made.append(coro)
        return genloop.Task(coro, loop=loop)

    genloop_loop.set_task_factory(factory)
    assert genloop_loop.get_task_factory() is factory
    variable = contextvars.ContextVar("variable")
    context = contextvars.copy_context()
    context.run(variable.set, "in context")

    async def read():
        return variable.get("unset")

    task = genloop_loop.create_task(read(), context=context)
    assert run(genloop_loop, task) == "in context"
    assert len(made) == 1


# -- reporting -----------------------------------------------------------------------


async def native_sleep():
    await asyncio.sleep(0)


def test_warn_reports_each_call_site_once_at_the_users_line(loop):
    with genloop.compat.installed(warn=True):
        with pytest.warns(genloop.LegacyAPIWarning) as records:
            for _ in range(3):
                asyncio.coroutine(lambda: None); line = sys._getframe().f_lineno  # noqa: E702
    legacy = [r for r in records if r.category is genloop.LegacyAPIWarning]
    assert len(legacy) == 1
    record = legacy[0]
    assert record.filename == __file__ and record.lineno == line
    assert "L01" in str(record.message) and "3.11" in str(record.message)
    assert "'async def' and 'await'" in str(record.message)


def test_without_warn_nothing_is_reported(compat, loop):
    with warnings.catch_warnings():
        warnings.simplefilter("error", genloop.LegacyAPIWarning)
        run(loop, asyncio.coroutine(native_sleep)())


def test_report_lists_every_legacy_api_that_ran_as_text_and_json(loop, tmp_path):
    path = str(tmp_path / "legacy.txt")
    with genloop.compat.installed(report=path):
        for _ in range(2):
            asyncio.coroutine(native_sleep)
        asyncio.Task.all_tasks(loop)
    # Written when the layer is uninstalled (or at exit).
    with open(path + ".json") as as_json:
        entries = json.load(as_json)
    rows = {(entry["row"], entry["count"]) for entry in entries}
    assert rows == {("L01", 2), ("L07", 1)}
    assert all(entry["file"] == __file__ for entry in entries)
    with open(path) as text:
        assert "L01 asyncio.coroutine x2" in text.read()


#: Legacy calls to APIs that some supported Pythons still have (so the
#: compat layer leaves them native there): each must be reported on every
#: Python.  asyncio.Queue() is not legacy, although 3.6-3.9's Queue passes
#: loop= to an Event internally.
STILL_NATIVE_SOMEWHERE = """
def main(loop):
    lock = asyncio.Lock(loop=loop)
    queue = asyncio.Queue()
    yield from asyncio.sleep(0, loop=loop)
    with (yield from lock):
        yield from queue.put(1)
    yield from asyncio.wait([asyncio.sleep(0)])
    yield from asyncio.wait(iter([asyncio.sleep(0)]))
    yield from getattr(asyncio, "async")(asyncio.sleep(0))
    return (yield from native_await(lock))

async def native_await(lock):
    with (await lock):
        return lock.locked()

async def drive(loop):  # awaited, not run as a task (that is row L10)
    return await main(loop)
"""

#: What the program above reports: (row, line in the program) per call site.
STILL_NATIVE_SITES = {
    ("L05", 3), ("L05", 5), ("L06", 6), ("L08", 8), ("L08", 9), ("L02", 10), ("L06", 14),
}


def run_still_native_program(loop):
    drive = legacy(STILL_NATIVE_SOMEWHERE, "drive")
    assert run(loop, drive(loop)) is True
    loop.set_default_executor(_InlineExecutor()); return sys._getframe().f_lineno  # noqa: E702


def test_report_lists_legacy_apis_this_python_still_has(loop, tmp_path):
    path = str(tmp_path / "legacy.txt")
    with genloop.compat.installed(report=path):
        executor_line = run_still_native_program(loop)
    with open(path + ".json") as as_json:
        entries = json.load(as_json)
    sites = {
        (entry["row"], entry["line"])
        for entry in entries
        # main is undecorated, and awaited: rows L11 and L12 beside the rest.
        if entry["file"] == "<legacy>" and entry["row"] not in ("L11", "L12")
    }
    assert sites == STILL_NATIVE_SITES
    assert [(e["row"], e["file"], e["line"]) for e in entries if e["file"] != "<legacy>"] == [
        ("L29", __file__, executor_line)
    ]
    assert all(entry["count"] == 1 for entry in entries)


def test_warn_replaces_pythons_own_warnings_by_legacy_api_warnings(loop):
    with warnings.catch_warnings(record=True) as records:
        warnings.resetwarnings()
        warnings.simplefilter("always")
        with genloop.compat.installed(warn=True):
            executor_line = run_still_native_program(loop)
    warned = [
        (re.search(r"\b(L\d\d)\b", str(record.message)).group(1), record.filename, record.lineno)
        for record in records
        if record.category is genloop.LegacyAPIWarning
    ]
    sites = {site for site in warned if site[0] not in ("L11", "L12")}  # as above
    assert sites == {(row, "<legacy>", line) for row, line in STILL_NATIVE_SITES} | {
        ("L29", __file__, executor_line)
    }
    others = [str(r.message) for r in records if r.category is not genloop.LegacyAPIWarning]
    assert others == []


def test_recording_wrappers_go_when_warn_and_report_are_off(loop):
    before = snapshot()
    genloop.compat.install()
    without = snapshot()
    genloop.compat.install(warn=True)
    genloop.compat.install()
    assert [list(d) for d in snapshot()[0]] == [list(d) for d in without[0]]
    assert all(
        new[key] is old[key] for new, old in zip(snapshot()[0], without[0]) for key in old
    )
    genloop.compat.uninstall()
    assert all(new[key] is old[key] for new, old in zip(snapshot()[0], before[0]) for key in old)


def test_compat_does_not_change_native_code(compat, loop):
    async def native():
        await asyncio.sleep(0)
        return "native"

    coro = native()
    assert type(coro) is types.CoroutineType
    assert asyncio.iscoroutine(coro)
    assert run(loop, coro) == "native"


def test_L07_subclasses_of_asyncio_task_check_instances_as_usual(compat, loop):
    class TracedTask(asyncio.Task):
        pass

    async def job():
        return 1

    plain = loop.create_task(job())
    traced = TracedTask(job(), loop=loop)
    loop.run_until_complete(asyncio.gather(plain, traced))
    assert isinstance(plain, asyncio.Task) and isinstance(traced, asyncio.Task)
    assert not isinstance(plain, TracedTask) and isinstance(traced, TracedTask)
    assert issubclass(TracedTask, asyncio.Task) and not issubclass(genloop.Task, TracedTask)


def test_L08_the_same_coroutine_twice_in_wait_runs_once(compat, loop):
    async def once():
        return "ran"

    async def main():
        coro = once()
        done, _ = await asyncio.wait([coro, coro])
        return [task.result() for task in done]

    assert run(loop, main()) == ["ran"]


def test_L09_a_generator_expression_is_no_coroutine(compat, loop):
    """asyncio.wait takes a generator expression of tasks (3.12+ relies on
    iscoroutine() saying False for it)."""

    async def value(number):
        return number

    async def main():
        done, _ = await asyncio.wait(
            [loop.create_task(value(n)) for n in range(3)]
            if sys.version_info < (3, 12)
            else (loop.create_task(value(n)) for n in range(3))
        )
        return sorted(task.result() for task in done)

    if not _versions.ASYNCIO_ACCEPTS_GENERATORS:
        # Up to 3.11 asyncio itself says True for any generator.
        assert not asyncio.iscoroutine(n for n in range(3))
    assert run(loop, main()) == [0, 1, 2]


def test_L05_a_future_of_another_loop_than_loop_argument_is_refused(compat, loop):
    other = asyncio.new_event_loop()
    try:
        foreign = other.create_future()
        with pytest.raises(ValueError):  # each Python words it its own way
            asyncio.gather(foreign, loop=loop)
    finally:
        other.close()


# -- legacy idioms of real packages (issue 12, point 3) -----------------------------


@pytest.mark.parametrize("mock_class", [unittest.mock.Mock, unittest.mock.MagicMock])
def test_L01_a_plain_function_returning_a_mock_gives_the_mock_back(compat, loop, mock_class):
    """3.4-3.10 waited for the result only if its class was a future's
    (``isfuture()``) or an awaitable's: a mock, which has every attribute,
    came back as it was (asynctest's CoroutineMock relies on it)."""
    value = mock_class()
    returns_mock = asyncio.coroutine(lambda: value)
    main = legacy(
        """
        def main(function):
            return (yield from function())
        """
    )

    async def native(function):
        return await function()

    assert run(loop, returns_mock()) is value
    assert run(loop, main(returns_mock)) is value
    assert run(loop, native(returns_mock)) is value


async def value_of(value):
    return value


def test_L08_coroutines_passed_to_wait_before_the_loop_runs(compat, loop):
    for kwargs in ({}, {"loop": loop}):
        waiting = asyncio.wait([value_of(1), value_of(2)], **kwargs)
        done, pending = loop.run_until_complete(waiting)
        assert sorted(task.result() for task in done) == [1, 2] and pending == set()


def test_L05_gather_of_the_same_coroutine_twice_gives_its_result_twice(compat, loop):
    async def once():
        await asyncio.sleep(0)
        return "result"

    coro = once()
    assert loop.run_until_complete(asyncio.gather(coro, coro, loop=loop)) == ["result"] * 2

    async def main():
        coro = once()
        return await asyncio.gather(coro, coro, loop=loop)

    assert run(loop, main()) == ["result"] * 2


@pytest.mark.parametrize("loop_argument", [False, True], ids=["no loop=", "loop="])
def test_L01_generators_of_decorated_functions_run_in_gather_and_wait_on_any_loop(
    compat, loop_argument
):
    """Under the compat layer they are generators, as asyncio.coroutine made
    them, taken as they are by asyncio's functions, on the stock loop too
    (where asyncio's Task is the compat layer's)."""

    @asyncio.coroutine
    def value_of(x):
        yield from asyncio.sleep(0)
        return x

    for new_loop in (asyncio.new_event_loop, genloop.new_event_loop):
        loop = new_loop()
        asyncio.set_event_loop(loop)  # what they run on without loop=
        try:
            kwargs = {"loop": loop} if loop_argument else {}
            coro = value_of(1)
            gathered = asyncio.gather(coro, value_of(2), coro, **kwargs)
            assert loop.run_until_complete(gathered) == [1, 2, 1]
            done, _ = loop.run_until_complete(asyncio.wait([value_of(3)], **kwargs))
            assert [task.result() for task in done] == [3]
        finally:
            asyncio.set_event_loop(None)
            loop.close()


def test_L06_a_spent_with_yield_from_lock_cannot_be_entered_again(compat, loop):
    """Up to 3.8 entering it again raised AttributeError (at the end of the
    block; genloop's, before it), and the lock was not released twice."""
    main = legacy(
        """
        def main(semaphore):
            held = yield from semaphore
            with held:
                pass
            try:
                with held:
                    pass
            except AttributeError:
                return "refused", semaphore.locked()
            return "entered again", semaphore.locked()
        """
    )
    semaphore = asyncio.Semaphore(1)
    assert run(loop, main(semaphore)) == ("refused", False)
    assert run(loop, semaphore.acquire()) is True and semaphore.locked()


@pytest.mark.parametrize("primitive", ["Lock", "Condition", "Semaphore", "BoundedSemaphore"])
def test_L06_a_lock_used_without_yield_from_raises_pythons_own_error(compat, loop, primitive):
    with pytest.raises(RuntimeError) as raised:
        with getattr(asyncio, primitive)():
            pass
    assert str(raised.value) == '"yield from" should be used as context manager expression'


def test_L19_coroutine_debug_names_legacy_libraries_import(compat, loop):
    coroutines = asyncio.coroutines
    # aiohttp's helpers: no debug wrapper around a coroutine that may never run.
    old_debug = coroutines._DEBUG
    coroutines._DEBUG = False
    coroutines._DEBUG = old_debug
    assert old_debug in (True, False)
    marked = types.SimpleNamespace(_is_coroutine=coroutines._is_coroutine)  # asynctest's mocks
    assert asyncio.iscoroutinefunction(marked)

    class CountingWrapper(coroutines.CoroWrapper):  # subclassed to watch the steps
        sends = 0

        def send(self, value):
            CountingWrapper.sends += 1
            return super().send(value)

    main = legacy(
        """
        def main():
            yield from asyncio.sleep(0)
            return "wrapped"
        """
    )
    wrapper = CountingWrapper(main(), main)
    assert asyncio.iscoroutine(wrapper) and wrapper.func is main
    assert run(loop, wrapper) == "wrapped"
    assert CountingWrapper.sends >= 2


@pytest.mark.skipif(
    not _versions.CORO_WRAPPER_REMOVED,
    reason="asyncio's own CoroWrapper: genloop's debug coroutines are not instances of it",
)
def test_L19_a_debug_mode_legacy_coroutine_is_a_coro_wrapper(compat, loop, monkeypatch):
    """asynctest silences the "never yielded from" log of a coroutine it
    never runs: ``if isinstance(coro, CoroWrapper): coro.gen = None``."""
    monkeypatch.setenv("PYTHONASYNCIODEBUG", "1")  # decorated in debug mode

    @asyncio.coroutine
    def never_run():
        yield from asyncio.sleep(0)

    async def main():
        coro = never_run()
        if isinstance(coro, asyncio.coroutines.CoroWrapper):
            coro.gen = None
            return True
        return False

    loop.set_debug(True)
    assert run(loop, main()) is True  # and the loop reported nothing


def test_L07_genloop_task_has_the_class_methods_too(compat, loop):
    async def main():
        return genloop.Task.current_task(), genloop.Task.all_tasks()

    task = loop.create_task(main())
    current, every = run(loop, task)
    assert current is task and task in every


def test_report_names_restored_names_and_genloop_task_class_methods(loop, tmp_path):
    path = str(tmp_path / "legacy.txt")
    with genloop.compat.installed(report=path):
        genloop.Task.all_tasks(loop); line = sys._getframe().f_lineno  # noqa: E702
        if _versions.CORO_WRAPPER_REMOVED:
            asyncio.coroutines.CoroWrapper, asyncio.coroutines._DEBUG  # noqa: B018
    with open(path + ".json") as as_json:
        entries = json.load(as_json)
    expected = {("L07", line, 1)}
    if _versions.CORO_WRAPPER_REMOVED:
        expected.add(("L19", line + 2, 2))
    assert {(entry["row"], entry["line"], entry["count"]) for entry in entries} == expected


# -- behaviour restored (what 3.11 did) ---------------------------------------------


LEGACY_SHUTDOWN = """
def shutdown(server):
    server.close()
    yield from server.wait_closed()
    return "closed"
"""


def check_wait_closed_returns_once_the_server_is_closed(loop):
    """Up to 3.11 ``wait_closed()`` on a closed server returned at once; from
    3.12 it waits for every connection, and old shutdown code hangs."""
    VirtualClock(loop)
    shutdown = legacy(LEGACY_SHUTDOWN, "shutdown")

    async def main():
        accepted, handled = loop.create_future(), loop.create_future()

        async def handle(reader, writer):
            accepted.set_result(None)
            await reader.read()  # until the client closes
            writer.close()
            handled.set_result(None)

        server = await asyncio.start_server(handle, "127.0.0.1", 0)
        port = server.sockets[0].getsockname()[1]
        _, client = await asyncio.open_connection("127.0.0.1", port)
        await accepted
        try:
            return await asyncio.wait_for(shutdown(server), 10)  # virtual seconds
        finally:
            client.close()
            await handled

    assert run(loop, main()) == "closed"


def test_L35_server_wait_closed_returns_once_the_server_is_closed(compat, loop):
    check_wait_closed_returns_once_the_server_is_closed(loop)


def test_L35_server_wait_closed_on_the_stock_loop(compat, stock_loop):
    check_wait_closed_returns_once_the_server_is_closed(stock_loop)


def check_wait_for_runs_the_coroutine_as_a_task(loop):
    """Up to 3.11 ``wait_for(coro, timeout)`` made the coroutine a task, which
    ran after what was already scheduled; 3.12 runs it inline, at once."""
    helper = legacy(
        """
        def helper(order):
            order.append("generator")
            yield from asyncio.sleep(0)
            return genloop.current_task()
        """,
        "helper",
    )
    helper.__globals__["genloop"] = genloop

    async def native(order):
        order.append("coroutine")
        return genloop.current_task()

    async def main(coroutine_function):
        order = []
        outer = genloop.current_task()
        loop.call_soon(order.append, "callback")
        inner = await asyncio.wait_for(coroutine_function(order), 10)
        return order, inner is not outer

    assert run(loop, main(native)) == (["callback", "coroutine"], True)
    assert run(loop, main(helper)) == (["callback", "generator"], True)


def test_L36_wait_for_runs_the_coroutine_as_a_task(compat, loop):
    check_wait_for_runs_the_coroutine_as_a_task(loop)


def test_L36_wait_for_on_the_stock_loop(compat, stock_loop):
    check_wait_for_runs_the_coroutine_as_a_task(stock_loop)


@pytest.mark.skipif(
    not _versions.WAIT_FOR_RUNS_COROUTINES_INLINE, reason="wait_for makes the task itself"
)
def test_report_names_changed_behaviour_where_it_was_restored(loop, tmp_path):
    path = str(tmp_path / "legacy.txt")
    with genloop.compat.installed(report=path):
        waiting = asyncio.wait_for(value_of(1), 1); line = sys._getframe().f_lineno  # noqa: E702
        loop.run_until_complete(waiting)
        loop.run_until_complete(asyncio.wait_for(value_of(2), None))  # inline up to 3.11 too
    with open(path + ".json") as as_json:
        entries = json.load(as_json)
    assert [(entry["row"], entry["line"]) for entry in entries] == [("L36", line)]


# -- standard-library names (row L34) ------------------------------------------------

#: What ``collections`` served of ``collections.abc`` up to 3.9.
OLD_COLLECTIONS_ABC_ALIASES = [
    "Awaitable", "Coroutine", "AsyncIterable", "AsyncIterator", "AsyncGenerator", "Hashable",
    "Iterable", "Iterator", "Generator", "Reversible", "Sized", "Container", "Callable",
    "Collection", "Set", "MutableSet", "Mapping", "MutableMapping", "MappingView", "KeysView",
    "ItemsView", "ValuesView", "Sequence", "MutableSequence", "ByteString",
]

USES_COLLECTIONS_ALIASES = """
from collections import Mapping
import collections

def main(value):
    return isinstance(value, collections.MutableMapping), isinstance(value, Mapping)
"""

#: 3.7-3.9 serve the aliases themselves, with this warning.
PYTHONS_ALIAS_WARNING = "ignore:Using or importing the ABCs:DeprecationWarning"


@pytest.mark.filterwarnings(PYTHONS_ALIAS_WARNING)
def test_L34_collections_abc_aliases(compat):
    for name in OLD_COLLECTIONS_ABC_ALIASES:
        if hasattr(collections.abc, name):  # ByteString is gone from 3.14
            assert getattr(collections, name) is getattr(collections.abc, name), name
    assert legacy(USES_COLLECTIONS_ALIASES)({}) == (True, True)
    with pytest.raises(AttributeError, match="module 'collections' has no attribute 'Nothing'"):
        collections.Nothing  # noqa: B018


@pytest.mark.skipif(
    not _versions.COLLECTIONS_ABC_ALIASES_REMOVED, reason="Python itself has the aliases"
)
def test_L34_aliases_go_with_uninstall_and_stay_off_with_stdlib_aliases_false(tmp_path):
    path = str(tmp_path / "legacy.txt")
    with genloop.compat.installed(report=path):
        main = legacy(USES_COLLECTIONS_ALIASES)
        main({})
        main([])
        collections.Mapping = collections.abc.Mapping  # code that assigns them too
    with open(path + ".json") as as_json:
        entries = json.load(as_json)
    assert [(e["row"], e["file"], e["line"], e["count"]) for e in entries] == [
        ("L34", "<legacy>", 2, 1), ("L34", "<legacy>", 6, 2),
    ]
    assert not hasattr(collections, "Mapping")
    with genloop.compat.installed(stdlib_aliases=False):
        assert not hasattr(collections, "Mapping")
        genloop.compat.install(stdlib_aliases=True)  # installing again switches them
        assert collections.Mapping is collections.abc.Mapping
    assert not hasattr(collections, "Mapping")
