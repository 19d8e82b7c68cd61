"""The tests of ``test.test_asyncio`` that do not apply to genloop, and why.

This is the only such list.  A key is a test id as ``run.py`` prints it
(``module.Class.test_method``), or ``module.Class`` for a whole class, or a
module name, optionally with a version condition: ``"id [>=3.11]"`` (see
``_na.py``).  The reason starts with its category:

replaced
    CPython's concrete class runs the tests on a stock class (C or Python
    Task, stock SelectorEventLoop); the ``Genloop...`` class that
    ``_families.py`` adds runs the same tests with genloop's class.
stock-internals
    The test reads a private attribute of the stock loop or Task, or mocks
    its internals (``_scheduled``, ``_run_once``, ``_selector`` mocks...),
    which genloop's scheduling core does not have.
c-implementation
    The test pins a detail of CPython's C Task or Future implementation.
genloop-extension
    The test asserts that the stock Task rejects a legacy yield that
    genloop's yield table (``genloop/tasks.py``) accepts on purpose.
design
    genloop.Task is an ``asyncio.Future`` subclass, not a subclass of the C
    ``asyncio.Task`` type (whose C fields it could not keep valid): plain
    ``isinstance(t, asyncio.Task)`` is False for it (True under
    ``genloop.compat``, which makes ``asyncio.Task`` accept every task).
removed-api
    Only with ``run.py --compat``: the test asserts that a legacy API that
    this Python removed raises, or pins a behaviour this Python changed;
    ``genloop.compat`` restores that API or that behaviour.
environment
    The test fails on the stock loop on this machine too (network, IPv6,
    sandbox limits); it says nothing about genloop.

``run.py`` reports an entry that matches no test (a stale entry), so the
list stays honest when CPython renames or drops a test.
"""

REPLACED = "replaced: stock {} under test; {} runs these tests on genloop's {}"


def _replaced(what, by, genloop_what):
    return REPLACED.format(what, by, genloop_what)


_TASK_CLASSES = "GenloopTask_*_Tests/SubclassTests"

NOT_APPLICABLE = {
    # -- test_tasks: the Task family ---------------------------------------------
    "test_tasks.CTask_CFuture_Tests": _replaced("C Task", _TASK_CLASSES, "Task"),
    "test_tasks.CTask_CFuture_SubclassTests": _replaced("C Task", _TASK_CLASSES, "Task"),
    "test_tasks.CTaskSubclass_PyFuture_Tests [>=3.7]": _replaced(
        "C Task", _TASK_CLASSES, "Task"),
    "test_tasks.CTask_PyFuture_Tests": _replaced("C Task", _TASK_CLASSES, "Task"),
    "test_tasks.PyTask_CFutureSubclass_Tests [>=3.7]": _replaced(
        "Python Task", _TASK_CLASSES, "Task"),
    "test_tasks.PyTask_CFuture_Tests": _replaced("Python Task", _TASK_CLASSES, "Task"),
    "test_tasks.PyTask_PyFuture_Tests": _replaced("Python Task", _TASK_CLASSES, "Task"),
    "test_tasks.PyTask_PyFuture_SubclassTests": _replaced(
        "Python Task", _TASK_CLASSES, "Task"),
    "test_tasks.PyCurrentLoopTests [>=3.7]": _replaced(
        "Python current_task()", "GenloopCurrentLoopTests", "current_task() and Task"),
    "test_tasks.CCurrentLoopTests [>=3.7]": _replaced(
        "C current_task()", "GenloopCurrentLoopTests", "current_task() and Task"),
    "test_tasks.PyIntrospectionTests [>=3.7]": (
        "stock-internals: asyncio's private _register_task/_enter_task functions "
        "with stock tasks; genloop calls them through genloop/_seam.py"),
    "test_tasks.CIntrospectionTests [>=3.7]": (
        "stock-internals: asyncio's private _register_task/_enter_task functions "
        "(C) with stock tasks; genloop calls them through genloop/_seam.py"),
    # -- test_futures2 ---------------------------------------------------------------
    "test_futures2.CFutureTests [>=3.10]": _replaced(
        "C Task", "GenloopTaskFutureTests", "Task"),
    "test_futures2.PyFutureTests [>=3.10]": _replaced(
        "Python Task", "GenloopTaskFutureTests", "Task"),
    # -- test_eager_task_factory -----------------------------------------------------
    "test_eager_task_factory.PyEagerTaskFactoryLoopTests [>=3.12]": _replaced(
        "Python Task", "GenloopEagerTaskFactoryLoopTests", "Task"),
    "test_eager_task_factory.CEagerTaskFactoryLoopTests [>=3.12]": _replaced(
        "C Task", "GenloopEagerTaskFactoryLoopTests", "Task"),
    "test_eager_task_factory.NonEagerPyTaskTests [>=3.12]": _replaced(
        "Python Task", "NonEagerGenloopTaskTests", "Task"),
    "test_eager_task_factory.EagerPyTaskTests [>=3.12]": _replaced(
        "Python Task", "EagerGenloopTaskTests", "Task"),
    "test_eager_task_factory.NonEagerCTaskTests [>=3.12]": _replaced(
        "C Task", "NonEagerGenloopTaskTests", "Task"),
    "test_eager_task_factory.EagerCTaskTests [>=3.12]": _replaced(
        "C Task", "EagerGenloopTaskTests", "Task"),
    # -- the event-loop family -------------------------------------------------------
    "test_events.EPollEventLoopTests": _replaced(
        "SelectorEventLoop", "GenloopEventLoopTests", "loop"),
    "test_events.PollEventLoopTests": _replaced(
        "SelectorEventLoop", "GenloopEventLoopTests", "loop"),
    "test_events.SelectEventLoopTests": _replaced(
        "SelectorEventLoop", "GenloopEventLoopTests", "loop"),
    "test_sock_lowlevel.EPollEventLoopTests [>=3.8]": _replaced(
        "SelectorEventLoop", "GenloopEventLoopTests", "loop"),
    "test_sock_lowlevel.PollEventLoopTests [>=3.8]": _replaced(
        "SelectorEventLoop", "GenloopEventLoopTests", "loop"),
    "test_sock_lowlevel.SelectEventLoopTests [>=3.8]": _replaced(
        "SelectorEventLoop", "GenloopEventLoopTests", "loop"),
    "test_sendfile.EPollEventLoopTests [>=3.8]": _replaced(
        "SelectorEventLoop", "GenloopEventLoopTests", "loop"),
    "test_sendfile.PollEventLoopTests [>=3.8]": _replaced(
        "SelectorEventLoop", "GenloopEventLoopTests", "loop"),
    "test_sendfile.SelectEventLoopTests [>=3.8]": _replaced(
        "SelectorEventLoop", "GenloopEventLoopTests", "loop"),
    "test_server.SelectorStartServerTests [>=3.7]": _replaced(
        "SelectorEventLoop", "GenloopStartServerTests", "loop"),
    "test_sslproto.SelectorStartTLSTests [>=3.7]": _replaced(
        "SelectorEventLoop", "GenloopStartTLSTests", "loop"),
    "test_buffered_proto.BufferedProtocolSelectorTests [>=3.7]": _replaced(
        "SelectorEventLoop", "BufferedProtocolGenloopTests", "loop"),
    "test_unix_events.SelectorEventLoopSignalTests": _replaced(
        "SelectorEventLoop", "GenloopEventLoopSignalTests", "loop"),
    "test_unix_events.SelectorEventLoopUnixSocketTests": _replaced(
        "SelectorEventLoop", "GenloopEventLoopUnixSocketTests", "loop"),
    "test_runners.RunTests [>=3.7]": _replaced(
        "BaseEventLoop (with a mocked selector)", "GenloopRunTests", "loop"),
    "test_runners.RunnerTests [>=3.11]": _replaced(
        "BaseEventLoop (with a mocked selector)", "GenloopRunnerTests", "loop"),
    "test_base_events.BaseEventLoopTests": _replaced(
        "BaseEventLoop (with a mocked selector)", "GenloopBaseEventLoopTests", "loop"),
    "test_base_events.BaseEventLoopWithSelectorTests": _replaced(
        "SelectorEventLoop", "GenloopEventLoopWithSelectorTests", "loop"),

    # -- stock internals -------------------------------------------------------------
    "test_tasks.RunCoroutineThreadsafeTests.test_run_coroutine_threadsafe_task_cancelled [3.6]": (
        "stock-internals: calls the stock asyncio.Task.current_task(); 3.6's C Task keeps "
        "the current tasks where only its own steps write (genloop.Task.current_task() "
        "sees genloop's tasks, and so does asyncio.Task under genloop.compat)"),
    # -- with genloop.compat installed (run.py --compat) ----------------------------
    "test_base_events.GenloopBaseEventLoopTests.test_set_default_executor_error [compat&>=3.11]": (
        "removed-api: asserts a non-ThreadPoolExecutor default executor is refused (L29)"),
    "test_locks.LockTests.test_lock [compat&>=3.9]": (
        "removed-api: asserts 'yield from lock' and 'await lock' raise TypeError (L06)"),
    "test_locks.LockTests.test_lock_by_with_statement [compat&>=3.9]": (
        "removed-api: asserts 'with (yield from lock)' raises TypeError (L06)"),
    "test_locks.SemaphoreTests.test_semaphore [compat&>=3.9]": (
        "removed-api: asserts 'yield from semaphore' raises TypeError (L06)"),
    "test_locks.LockTests.test_lock_doesnt_accept_loop_parameter [compat&>=3.10]": (
        "removed-api: asserts Lock(loop=...) and friends raise TypeError (L05)"),
    "test_locks.ConditionTests.test_ambiguous_loops [compat&>=3.10]": (
        "removed-api: asserts Lock(loop=other) raises TypeError; under compat loop= is "
        "accepted, and a loop other than the running one is refused with RuntimeError (L05)"),
    "test_pep492.LockTests.test_context_manager_with_await [compat&>=3.9]": (
        "removed-api: asserts 'with (await lock)' raises TypeError (L06)"),
    "test_tasks.GenloopTask_*.test_coroutine_never_yielded [compat&<3.11]": (
        "design: asserts the wording of CoroWrapper's 'never yielded from' log; under "
        "compat asyncio.coroutine is genloop's (L01, L17, L24), which logs its own"),
    "test_tasks.GenloopTask_*.test_task_repr [compat&3.6]": (
        "design: asserts the repr of a task of an asyncio.coroutine generator; under "
        "compat that coroutine is a genloop LegacyCoroutine (L01)"),
    "test_tasks.GenloopTask_*.test_task_repr_coro_decorator [compat&3.6]": (
        "design: asserts the repr of a CoroWrapper-decorated coroutine (L01)"),
    "test_tasks.GenloopTask_*.test_task_repr_partial_corowrapper [compat&3.6-3.7]": (
        "design: asserts the repr of a CoroWrapper around functools.partial (L01)"),
    "test_events.PolicyTests.test_get_event_loop [compat&>=3.12]": (
        "removed-api: asserts get_event_loop() warns when it creates the loop (L26)"),
    "test_events.PolicyTests.test_get_event_loop_calls_set_event_loop [compat&>=3.12]": (
        "removed-api: asserts get_event_loop() warns when it creates the loop (L26)"),
    "test_events.Test*GetEventLoop.test_get_event_loop_returns_running_loop2 [compat&>=3.12]": (
        "removed-api: asserts get_event_loop() warns when it creates the loop (L26)"),
    "test_unix_events.TestFork.test_fork_not_share_event_loop [compat&>=3.12]": (
        "removed-api: asserts get_event_loop() warns in the forked child (L26)"),
    "test_pep492.CoroutineTests.test_iscoroutine_generator [compat&>=3.12]": (
        "removed-api: asserts iscoroutine() is False for a generator (L09)"),
    "test_server.TestServer2.test_wait_closed_basic [compat&>=3.12]": (
        "removed-api: asserts wait_closed() on a closed server waits for its last "
        "connection; under compat it returns at once, as up to 3.11 (L35)"),
    "test_base_events.GenloopBaseEventLoopTests.test_set_task_factory": (
        "design: asserts isinstance(loop.create_task(...), asyncio.Task) for "
        "genloop's loop; genloop.Task is an asyncio.Future, not a C Task subclass"),
    "test_base_events.GenloopBaseEventLoopTests.test_not_implemented": (
        "stock-internals: the abstract transport and _process_events methods of a "
        "bare BaseEventLoop raise NotImplementedError; genloop's loop is a complete "
        "SelectorEventLoop"),
    "test_base_events.GenloopBaseEventLoopTests.test__run_once": (
        "stock-internals: puts TimerHandles into the stock loop's _scheduled list "
        "and reads it back; genloop keeps its timers in its own heap (_timers)"),
    "test_base_events.GenloopBaseEventLoopTests.test__run_once_schedule_handle": (
        "stock-internals: puts a TimerHandle into the stock loop's _scheduled list"),
    "test_base_events.GenloopBaseEventLoopTests.test__run_once_cancelled_event_cleanup": (
        "stock-internals: reads the stock loop's _scheduled and "
        "_timer_cancelled_count (genloop: _timers and _cancelled_timers)"),
    "test_base_events.GenloopBaseEventLoopTests.test_call_later": (
        "stock-internals: asserts the handle is in the stock loop's _scheduled list"),
    "test_base_events.GenloopEventLoopWithSelectorTests.test_log_slow_callbacks": (
        "stock-internals: patches the module global asyncio.base_events.logger; "
        "genloop writes the same 'Executing ... took ... seconds' warning to the "
        "same 'asyncio' logger from genloop.loop"),
    "test_base_events.GenloopBaseEventLoopTests.test__run_once_logging [3.6-3.7]": (
        "stock-internals: patches the module global asyncio.base_events.logger and "
        "the selector to check the stock _run_once's debug 'poll took' log (3.6/3.7 "
        "only; genloop's loop does not write that log)"),
    "test_tasks.GenloopTask_*.test_step_in_completed_task [3.6]": (
        "stock-internals: calls the stock Task's private _step() (genloop steps "
        "through _wakeup/_resume)"),
    "test_tasks.GenloopTask_*.test_step_with_baseexception [3.6]": (
        "stock-internals: calls the stock Task's private _step() (genloop steps "
        "through _wakeup/_resume)"),
    "test_tasks.GenloopTask_*.test_subclasses_ctask_cfuture [3.6]": (
        "stock-internals: counts calls of the stock Task's private _step and "
        "_wakeup methods from a subclass"),

    # -- what genloop accepts on purpose ---------------------------------------------
    "test_tasks.GenloopTask_*.test_yield_vs_yield_from [<3.11]": (
        "genloop-extension: stock Task rejects 'yield fut' without 'from' with "
        "RuntimeError; genloop's yield table accepts it (tornado-style "
        "'result = yield fut'), so the task waits for the future"),
    "test_tasks.GenloopTask_*.test_yield_vs_yield_from_generator [<3.11]": (
        "genloop-extension: stock Task rejects a yielded generator with "
        "RuntimeError; genloop's yield table runs it (PEP 342 'result = yield sub()')"),
}
