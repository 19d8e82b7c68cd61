"""The compiled step (genloop/_speedups.c) and the switch back to the pure one.

The whole suite runs on both steps (tox's ``-pure`` environments set
``GENLOOP_PURE=1``); these tests check the switch itself, and run one
program that walks every row of the step's yield table on both steps in
the same run, to compare what each prints.
"""

import asyncio
import collections
import functools
import importlib.util
import inspect
import textwrap
import types

import pytest

import genloop
from genloop import _compiled, _versions, transports
from genloop.handles import Timer
from genloop.tasks import Task

from childprocess import run_python

PURE = _compiled.pure_requested()

BUILT = importlib.util.find_spec("genloop._speedups") is not None

needs_compiled_step = pytest.mark.skipif(
    not BUILT or PURE,
    reason="the compiled step is not in use here: it is built on CPython 3.10+ with a C "
    "compiler at hand, and GENLOOP_PURE=1 turns it off",
)

#: A program that takes each path of the step and prints what it saw.
PROGRAM = textwrap.dedent(
    """
    import asyncio
    import concurrent.futures
    import sys

    import genloop

    def plain():
        yield
        return "plain generator"

    @genloop.coroutine
    def tornado_style(loop):
        fut = loop.create_future()
        loop.call_soon(fut.set_result, "tornado future")
        first = yield fut
        second = yield plain()
        both = yield [asyncio.sleep(0, "a"), asyncio.sleep(0, "b")]
        done = loop.create_future()
        done.set_result("done future")
        third = yield done
        raise genloop.Return((first, second, both, third))

    @genloop.coroutine
    def legacy_return():
        yield genloop.From(asyncio.sleep(0))
        raise StopIteration("stop as return")

    @genloop.coroutine
    def bad_yield():
        yield 42

    async def fails():
        await asyncio.sleep(0)
        raise ValueError("failed")

    async def cancelled(loop):
        await loop.create_future()

    def trampoline_failure():
        try:
            yield fails()
        except ValueError as error:
            return "caught " + str(error)

    async def main():
        loop = asyncio.get_event_loop()
        print(await genloop.Task(tornado_style(loop), loop=loop))
        print(await genloop.Task(legacy_return(), loop=loop))
        print(await genloop.Task(trampoline_failure(), loop=loop))
        with concurrent.futures.ThreadPoolExecutor(1) as pool:
            print(await genloop.Task((lambda: (yield pool.submit(len, "four")))(), loop=loop))
        try:
            await genloop.Task(bad_yield(), loop=loop)
        except RuntimeError as error:
            print(str(error).split(".")[0])
        task = loop.create_task(cancelled(loop))
        await asyncio.sleep(0)
        task.cancel(*["the message"] if sys.version_info >= (3, 9) else [])
        try:
            await task
        except asyncio.CancelledError as error:
            print("cancelled", task.cancelled(), error.args)
        try:
            await loop.create_task(fails())
        except ValueError as error:
            # The pure step's frame shows where it read the failed task's
            # result, the pure await's where it was awaited, the pure
            # result()'s where it raised; the C ones have no frame.
            frames = [tb.tb_frame.f_code.co_name for tb in _tracebacks(error)
                      if tb.tb_frame.f_code.co_name not in ("_wakeup", "__await__", "result")]
            print("failed", error, frames)

    def _tracebacks(error):
        tb = error.__traceback__
        while tb is not None:
            yield tb
            tb = tb.tb_next

    print("compiled:", genloop.COMPILED)
    genloop.run(main())
    """
)


def run_on_both_steps(tmp_path, name, source):
    """The outcomes of the program ``source`` on the pure step and on the
    default one (compiled where it is built), each run to success."""
    script = tmp_path / name
    script.write_text(source)
    outcomes = [run_python([str(script)], tmp_path, {"GENLOOP_PURE": pure})
                for pure in ("1", "")]
    for outcome in outcomes:
        assert outcome.status == 0, outcome.err
    return outcomes


def test_genloop_pure_gives_the_pure_step(tmp_path):
    script = tmp_path / "which.py"
    script.write_text(
        "import types, genloop\n"
        "print(genloop.COMPILED, isinstance(genloop.Task._wakeup, types.FunctionType))\n"
    )
    outcome = run_python([str(script)], tmp_path, {"GENLOOP_PURE": "1"})
    assert outcome.status == 0, outcome.err
    assert outcome.out == "False True\n"


@needs_compiled_step
def test_the_compiled_step_is_the_tasks_method_and_wake_up_callback():
    assert genloop.COMPILED is True
    assert not isinstance(Task._wakeup, types.FunctionType)
    assert Task.__call__ is Task._wakeup
    assert type(Task._wakeup).__name__ == "method_descriptor"


@needs_compiled_step
def test_the_factory_and_the_finalizer_are_compiled_too():
    assert type(genloop.task_factory).__name__ == "builtin_function_or_method"
    assert genloop.task_factory.__module__ == "genloop.tasks"
    assert str(inspect.signature(genloop.task_factory)) == "(loop, coro, **kwargs)"
    assert type(Task.__dict__["__del__"]).__name__ == "method_descriptor"
    assert type(Task.__dict__["set_name"]).__name__ == "method_descriptor"
    assert type(Task.__dict__["result"]).__name__ == "method_descriptor"
    assert type(Task.__dict__["exception"]).__name__ == "method_descriptor"


@needs_compiled_step
def test_the_slot_installers_say_what_they_need():
    from genloop import _speedups

    with pytest.raises(TypeError, match="direct_slots\\(\\) needs a class, got 42"):
        _speedups.direct_slots(42)
    with pytest.raises(TypeError, match="adds only __slots__ to a C base, got <class 'object'>"):
        _speedups.traverse(object, ())
    with pytest.raises(TypeError, match="traverse\\(Task, tuple of the untracked slots' names\\)"):
        _speedups.traverse(Task)
    with pytest.raises(TypeError, match="name_setter\\(\\) needs the Task class, got 42"):
        _speedups.name_setter(42)


@needs_compiled_step
def test_the_loops_call_soon_and_ready_queue_are_compiled():
    from genloop import loop as loop_module

    assert type(genloop.EventLoop.__dict__["call_soon"]).__name__ == "method_descriptor"
    assert str(inspect.signature(genloop.EventLoop.call_soon)) == (
        "(self, callback, /, *args, context=None)"
    )
    signatures = {
        "call_at": "(self, when, callback, /, *args, context=None)",
        "call_later": "(self, delay, callback, /, *args, context=None)",
    }
    for name, signature in signatures.items():
        assert type(genloop.EventLoop.__dict__[name]).__name__ == "method_descriptor"
        assert str(inspect.signature(getattr(genloop.EventLoop, name))) == signature
    assert type(Timer.__dict__["cancel"]).__name__ == "method_descriptor"
    assert type(loop_module._run_ready).__name__ == "builtin_function_or_method"
    with pytest.raises(TypeError, match="run_ready\\(ready deque, how many of its handles"):
        loop_module._run_ready(collections.deque())
    assert type(loop_module._run_until_stopped).__name__ == "builtin_function_or_method"
    stock = asyncio.new_event_loop()
    try:
        with pytest.raises(TypeError, match="runs a genloop.EventLoop, not <"):
            loop_module._run_until_stopped(stock)
    finally:
        stock.close()


@needs_compiled_step
def test_the_loop_core_installer_says_what_it_needs():
    from genloop import _speedups

    with pytest.raises(TypeError, match="loop_core\\(EventLoop, call_soon, Task, Callback, "):
        _speedups.loop_core(genloop.EventLoop)
    with pytest.raises(TypeError, match="is not a __slots__ member"):
        _speedups.loop_core(object, print, Task, *[Task] * 3, print, print)
    with pytest.raises(TypeError, match="timer_core\\(EventLoop, call_at, call_later, "):
        _speedups.timer_core(genloop.EventLoop)
    with pytest.raises(TypeError, match="object'>._timer_queue is not a __slots__ member"):
        _speedups.timer_core(object, print, print, print, 100)
    with pytest.raises(TypeError, match="run_core\\(EventLoop, _run_once, MAXIMUM_SELECT_"):
        _speedups.run_core(genloop.EventLoop)
    with pytest.raises(TypeError, match="object'>._stopping is not a __slots__ member"):
        _speedups.run_core(object, print, 86400, 64)
    with pytest.raises(TypeError, match="io_core\\(EpollSelector, select.epoll, "):
        _speedups.io_core(object)
    with pytest.raises(TypeError, match="PythonSocket'>.fileno is not the select module's C"):
        _speedups.io_core(object, PythonSocket, object, 1, 2, 1, 4)


def test_a_debug_loop_and_a_closed_one_take_the_pure_call_soon():
    loop = genloop.new_event_loop()
    try:
        loop.set_debug(True)
        handle = loop.call_soon(print)
        assert handle._source_traceback  # made by asyncio.Handle in debug mode
        handle.cancel()
        loop.set_debug(False)
        assert loop.call_soon(print)._source_traceback is None
    finally:
        loop.close()
    for schedule in (loop.call_soon, functools.partial(loop.call_later, 1)):
        with pytest.raises(RuntimeError, match="Event loop is closed"):
            schedule(print)


@needs_compiled_step
def test_the_compiled_new_refuses_a_class_that_is_no_future():
    coro = _nothing()
    expected = "Task._new\\(\\) needs a subclass of .*Future, got <class 'int'>"
    with pytest.raises(TypeError, match=expected):
        Task._new.__func__(int, coro, None, None, None)
    coro.close()


@needs_compiled_step
def test_the_compiled_step_says_what_a_wrong_call_lacks():
    loop = genloop.new_event_loop()
    try:
        task = loop.create_task(_nothing())
        with pytest.raises(TypeError) as raised:
            task._wakeup(None, None)
        assert "takes the future it waited for (or nothing, after a plain reschedule), " \
            "got 2 arguments" in str(raised.value)
        with pytest.raises(TypeError, match="takes no keyword arguments"):
            task(future=None)
        loop.run_until_complete(task)
    finally:
        loop.close()


async def _nothing():
    pass


def test_both_steps_take_every_path_of_the_yield_table_alike(tmp_path):
    pure, default = run_on_both_steps(tmp_path, "paths.py", PROGRAM)
    assert pure.out.startswith("compiled: False\n")
    assert default.out.startswith("compiled: {}\n".format(BUILT))
    expected = [
        "('tornado future', 'plain generator', ['a', 'b'], 'done future')",
        "stop as return",
        "caught failed",
        "4",
        "Task got bad yield: 42",
    ]
    assert pure.out.splitlines()[1:6] == expected
    assert pure.out.splitlines()[1:] == default.out.splitlines()[1:]


#: Where @genloop.coroutine's calls make LegacyCoroutine adapters.
makes_adapters = pytest.mark.skipif(
    not _versions.HAS_MARK_COROUTINE_FUNCTION,
    reason="the LegacyCoroutine adapter is made on 3.12+ only, where stock asyncio refuses "
    "generators",
)


#: A program with legacy coroutine functions where stock asyncio refuses
#: generators (3.12+, genloop.compat not installed): their calls make
#: LegacyCoroutine objects, through the compiled function where it is built.
LEGACY_FUNCTIONS = textwrap.dedent(
    '''
    import asyncio
    import inspect
    import pickle
    import re

    import genloop

    @genloop.coroutine
    def leaf(x, step=1):
        """Adds the step."""
        yield from asyncio.sleep(0)
        return x + step

    class Counter:
        @genloop.coroutine
        def add(self, x):
            return (yield from leaf(x, step=10))

    async def main():
        task = asyncio.get_running_loop().create_task(leaf(1))
        both = await asyncio.gather(leaf(2), Counter().add(3))
        return await task, both, await Counter().add(4)

    print(re.sub("0x[0-9a-f]+", "0x...", repr(leaf)), leaf.__name__, leaf.__qualname__,
          leaf.__module__, leaf.__doc__, inspect.signature(leaf))
    print(inspect.iscoroutinefunction(leaf), asyncio.iscoroutinefunction(leaf),
          leaf.__wrapped__.__name__, pickle.loads(pickle.dumps(leaf)) is leaf,
          type(leaf(0)).__name__)
    print(asyncio.run(main()), asyncio.run(Counter().add(5)))
    '''
)


@makes_adapters
def test_legacy_coroutine_functions_read_and_run_alike_on_both_builds(tmp_path):
    pure, default = run_on_both_steps(tmp_path, "legacy_functions.py", LEGACY_FUNCTIONS)
    assert pure.out.splitlines() == [
        "<function leaf at 0x...> leaf leaf __main__ Adds the step. (x, step=1)",
        "True True leaf True _LegacyCoroutineOfPlainCode",
        "(2, [3, 13], 14) 15",
    ]
    assert default.out == pure.out


#: Legacy calls whose result goes straight to ``yield from`` or ``await``,
#: where stock asyncio refuses generators: the compiled function gives the
#: generator, which an lru_cache between keeps for the program to see; the
#: pure one a LegacyCoroutine.  Once more while a tracer instruments the code.
STRAIGHT_INTO_YIELD_FROM = textwrap.dedent(
    '''
    import asyncio
    import functools
    import sys

    import genloop

    @genloop.coroutine
    def leaf(x, step=1):
        yield from asyncio.sleep(0)
        return x + step

    @genloop.coroutine
    def caller(remembered):
        a = yield from remembered(1)
        b = yield from leaf(2, step=2)
        c = yield from leaf(*[3], **{"step": 3})
        return a, b, c

    async def native(remembered):
        return await remembered(4)

    def made(remembered):
        return [type(remembered(x)).__name__ for x in (1, 4)] + [type(leaf(5)).__name__]

    @genloop.coroutine
    def warmed(remembered):
        # One call site, run often enough for the interpreter to specialize it.
        total = 0
        for x in range(200):
            total += yield from remembered(x)
        return total

    def tracer(frame, event, arg):
        return tracer

    for traced in (False, True):
        remembered = functools.lru_cache(maxsize=None)(leaf)
        sys.settrace(tracer if traced else None)
        results = asyncio.run(caller(remembered)), asyncio.run(native(remembered))
        sys.settrace(None)
        print(results, made(remembered))
    remembered = functools.lru_cache(maxsize=None)(leaf)
    print(asyncio.run(warmed(remembered)),
          sorted(set(type(remembered(x)).__name__ for x in range(200))))
    '''
)


@makes_adapters
def test_a_legacy_call_taken_straight_into_yield_from_gives_the_generator(tmp_path):
    pure, default = run_on_both_steps(tmp_path, "straight.py", STRAIGHT_INTO_YIELD_FROM)
    adapter = "_LegacyCoroutineOfPlainCode"
    results = "((2, 4, 6), 5)"
    warmed = "20100"
    assert pure.out.splitlines() == [
        "{} {}".format(results, [adapter, adapter, adapter])
    ] * 2 + ["{} {}".format(warmed, [adapter])]
    generators = ["generator", "generator", adapter] if BUILT else [adapter] * 3
    # The call site specialized by the interpreter reads as it did at first.
    warmed_kinds = ["generator"] if BUILT else [adapter]
    assert default.out.splitlines() == ["{} {}".format(results, generators)] * 2 + [
        "{} {}".format(warmed, warmed_kinds)
    ]


#: asyncio.sleep under the compat layer, which takes loop= again: compiled
#: where the core is built, and the same on both builds in every way a
#: program can call it.
COMPAT_SLEEP = textwrap.dedent(
    """
    import asyncio
    import inspect
    import pickle

    import genloop
    import genloop.compat

    genloop.compat.install()
    print(asyncio.sleep.__name__, asyncio.sleep.__qualname__, asyncio.sleep.__module__,
          inspect.signature(asyncio.sleep), repr(asyncio.sleep).split(" at ")[0],
          pickle.loads(pickle.dumps(asyncio.sleep)) is asyncio.sleep)

    async def main():
        loop = asyncio.get_running_loop()
        given = [await asyncio.sleep(0, "a"), await asyncio.sleep(0, result="b"),
                 await asyncio.sleep(delay=0, result="c", loop=None),
                 await asyncio.sleep(0, "d", loop=loop)]
        other = asyncio.new_event_loop()
        calls = [dict(delay=0, loop=other), dict(), dict(delay=0, foo=1, loop=loop)]
        for kwargs in calls:
            try:
                await asyncio.sleep(**kwargs)
            except (RuntimeError, TypeError) as exc:
                given.append("{}: {}".format(type(exc).__name__, str(exc).split("=")[0]))
        other.close()
        return given

    for line in asyncio.run(main()):
        print(line)
    """
)


@pytest.mark.skipif(
    not _versions.LOOP_ARGUMENT_REMOVED,
    reason="asyncio.sleep takes loop= itself before 3.10: the compat layer leaves it",
)
def test_asyncio_sleep_under_the_compat_layer_is_the_same_on_both_builds(tmp_path):
    pure, default = run_on_both_steps(tmp_path, "sleep.py", COMPAT_SLEEP)
    assert pure.out.splitlines() == [
        "sleep sleep asyncio.tasks (delay, result=None) <function sleep True",
        "a", "b", "c", "d",
        "RuntimeError: sleep(loop",
        "TypeError: sleep() missing 1 required positional argument: 'delay'",
        "TypeError: sleep() got an unexpected keyword argument 'foo'",
    ]
    assert default.out == pure.out


@needs_compiled_step
def test_the_compiled_legacy_function_says_what_it_needs():
    from genloop import _speedups

    with pytest.raises(TypeError) as raised:
        _speedups.legacy_function(len)
    assert str(raised.value) == (
        "legacy_function(generator_function, LegacyCoroutine class, "
        "whether the generators return plainly)"
    )
    if hasattr(_speedups, "yield_from_opcodes"):
        with pytest.raises(TypeError, match="bytes of 256 cache entries"):
            _speedups.yield_from_opcodes(b"", (0, 0))


@needs_compiled_step
@pytest.mark.skipif(
    not transports.READS_INTO_LOOP_BUFFER, reason="the transport is asyncio's on 3.6"
)
def test_the_socket_transports_reads_and_write_are_compiled():
    for name in ("_read_ready", "_read_ready__data_received", "write"):
        assert type(transports.SocketTransport.__dict__[name]).__name__ == "method_descriptor"
    assert str(inspect.signature(transports.SocketTransport.write)) == "(self, data, /)"


@needs_compiled_step
def test_the_transport_core_installer_says_what_it_needs():
    from genloop import _speedups

    with pytest.raises(TypeError, match="transport_core\\(SocketTransport, socket.socket, "):
        _speedups.transport_core(transports.SocketTransport)
    with pytest.raises(TypeError, match="fileno is not the socket module's C method"):
        _speedups.transport_core(transports.SocketTransport, PythonSocket, print)


class PythonSocket(object):
    """A socket class whose fileno() is Python's, not the socket module's."""

    def fileno(self):
        return -1
