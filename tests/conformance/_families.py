"""Which ``test.test_asyncio`` modules run, and the classes added to them.

CPython parametrises its asyncio tests by the class under test: a mixin
holds the tests and concrete classes set ``Task = ...``/``Future = ...``
or define ``create_event_loop()``/``new_loop()``.  For each such family
this module adds a ``Genloop...`` class that puts genloop's class in that
slot (mirroring the concrete classes of the running Python's own module,
whose names have been stable from 3.6 to 3.13).  CPython's concrete classes
that test a stock class instead are listed in ``not_applicable.py``
(category ``replaced``).

Every other module runs as it is, with genloop installed (see
``_genloop_env.py``): the policy makes genloop loops, and ``new_test_loop()``
makes the loop named by ``TESTLOOP`` (default ``"genloop"``).
"""

import asyncio
import unittest
from unittest import mock

import genloop

#: How ``new_test_loop()`` is served, per module (default "genloop": the
#: virtual-time genloop loop; "factory": the stock TestLoop making genloop
#: Tasks, for modules that test the stock loop's plumbing through it).
TESTLOOP = {}


def _derive(module, name, bases, attrs):
    attrs = dict(attrs)
    attrs["__module__"] = module.__name__
    attrs["__qualname__"] = name
    cls = type(name, tuple(bases), attrs)
    setattr(module, name, cls)
    return cls


def _first(module, *names):
    for name in names:
        cls = getattr(module, name, None)
        if cls is not None:
            return cls
    return None


def _new_genloop_loop(self):
    return genloop.new_event_loop()


def _loop_factory_variant(module, stock_names, new_name, method):
    """Subclass the first existing concrete class of ``stock_names`` so that
    ``method`` (``create_event_loop`` or ``new_loop``) makes genloop's loop."""
    stock = _first(module, *stock_names)
    if stock is None:
        return []
    return [_derive(module, new_name, [stock], {method: _new_genloop_loop})]


def _selector_loop_variant(module, stock_name, new_name):
    """Subclass ``stock_name``, whose tests make their loop with
    ``asyncio.SelectorEventLoop()``, so that this makes genloop's loop."""
    stock = getattr(module, stock_name, None)
    if stock is None:
        return []

    def setUp(self):
        patcher = mock.patch.object(asyncio, "SelectorEventLoop", genloop.EventLoop)
        patcher.start()
        self.addCleanup(patcher.stop)
        stock.setUp(self)

    return [_derive(module, new_name, [stock], {"setUp": setUp})]


def _futures_of(ctx):
    futures = ctx.asyncio_module("futures")
    c_future = getattr(futures, "_CFuture", None)
    return c_future, futures._PyFuture


# -- the families ---------------------------------------------------------------


def tasks_family(module, ctx):
    """test_tasks: BaseTaskTests with ``Task = genloop.Task``.  genloop.Task
    subclasses ``asyncio.Future`` (the C Future where there is one); the
    ``Future`` the tests create and await is the C or the Python Future, as in
    CPython's PyTask_CFuture/PyTask_PyFuture classes, plus the subclass
    variants of ``add_subclass_tests``."""
    c_future, py_future = _futures_of(ctx)
    testcase = ctx.test_utils.TestCase
    base = module.BaseTaskTests
    set_methods = getattr(module, "SetMethodsTest", None)
    added = []
    if c_future is not None and issubclass(genloop.Task, c_future):
        bases = [base] + ([set_methods] if set_methods else []) + [testcase]
        added.append(_derive(module, "GenloopTask_CFuture_Tests", bases,
                             {"Task": genloop.Task, "Future": c_future}))
        sub = _derive(module, "GenloopTask_CFuture_SubclassTests", [base, testcase],
                      {"Task": genloop.Task, "Future": c_future})
        added.append(module.add_subclass_tests(sub))
    else:
        bases = [base] + ([set_methods] if set_methods else []) + [testcase]
        added.append(_derive(module, "GenloopTask_Future_Tests", bases,
                             {"Task": genloop.Task, "Future": asyncio.Future}))
    added.append(_derive(module, "GenloopTask_PyFuture_Tests", [base, testcase],
                         {"Task": genloop.Task, "Future": py_future}))
    sub = _derive(module, "GenloopTask_PyFuture_SubclassTests", [base, testcase],
                  {"Task": genloop.Task, "Future": py_future})
    added.append(module.add_subclass_tests(sub))

    current = getattr(module, "BaseCurrentLoopTests", None)
    if current is not None:
        def new_task(self, coro):
            return genloop.Task(coro, loop=self.loop)

        added.append(_derive(module, "GenloopCurrentLoopTests", [current, testcase], {
            "current_task": staticmethod(genloop.current_task),
            "new_task": new_task,
        }))
    return added


def futures2_family(module, ctx):
    """test_futures2 (3.10+): FutureTests with ``cls = genloop.Task``."""
    base = getattr(module, "FutureTests", None)
    if base is None or issubclass(base, unittest.TestCase):
        return []  # 3.8/3.9: no class parameter
    return [_derive(module, "GenloopTaskFutureTests",
                    [base, unittest.IsolatedAsyncioTestCase], {"cls": genloop.Task})]


def eager_family(module, ctx):
    """test_eager_task_factory (3.12+): the eager factory and the task
    counting tests with ``Task = genloop.Task``."""
    testcase = ctx.test_utils.TestCase
    added = []
    pairs = [
        ("EagerTaskFactoryLoopTests", "GenloopEagerTaskFactoryLoopTests"),
        ("BaseNonEagerTaskFactoryTests", "NonEagerGenloopTaskTests"),
        ("BaseEagerTaskFactoryTests", "EagerGenloopTaskTests"),
    ]
    for base_name, new_name in pairs:
        base = getattr(module, base_name, None)
        if base is not None:
            added.append(_derive(module, new_name, [base, testcase], {"Task": genloop.Task}))
    return added


def _events_like(stock_names, new_name, method):
    def family(module, ctx):
        return _loop_factory_variant(module, stock_names, new_name, method)
    family.__doc__ = "{}: {}() returns genloop.new_event_loop()".format(new_name, method)
    return family


_SELECTOR_CLASSES = ("EPollEventLoopTests", "PollEventLoopTests", "SelectEventLoopTests")


def unix_events_family(module, ctx):
    """test_unix_events: the signal and unix-socket tests, which make
    ``asyncio.SelectorEventLoop()``, on genloop.EventLoop."""
    return (
        _selector_loop_variant(module, "SelectorEventLoopSignalTests",
                               "GenloopEventLoopSignalTests")
        + _selector_loop_variant(module, "SelectorEventLoopUnixSocketTests",
                                 "GenloopEventLoopUnixSocketTests")
    )


def base_events_family(module, ctx):
    """test_base_events: BaseEventLoopTests (a bare ``BaseEventLoop`` whose
    ``_selector`` is a mock that reports no I/O) on genloop's loop, with the
    same mock selector; and the tests that make ``asyncio.SelectorEventLoop()``
    on genloop.EventLoop."""
    testcase = ctx.test_utils.TestCase
    added = _selector_loop_variant(module, "BaseEventLoopWithSelectorTests",
                                   "GenloopEventLoopWithSelectorTests")
    stock = getattr(module, "BaseEventLoopTests", None)
    if stock is not None:
        def setUp(self):
            testcase.setUp(self)
            loop = genloop.new_event_loop()
            # As the stock test's bare loop: no self-pipe, a selector mock.
            loop._close_self_pipe()
            loop._close_self_pipe = lambda: None
            loop._selector.close()
            loop._selector = mock.Mock()
            loop._selector.select.return_value = ()
            self.loop = loop
            self.set_event_loop(loop)

        added.append(_derive(module, "GenloopBaseEventLoopTests", [stock], {"setUp": setUp}))
    return added


def runners_family(module, ctx):
    """test_runners (3.7+): asyncio.run() and asyncio.Runner on the loop that
    ``BaseTest.new_loop()`` makes (a stock BaseEventLoop with a mocked
    selector in CPython's classes; genloop's loop here, with the same
    ``shutdown_asyncgens`` probe)."""
    def new_loop(self):
        loop = genloop.new_event_loop()
        loop.shutdown_ag_run = False

        async def shutdown_asyncgens():
            loop.shutdown_ag_run = True
        loop.shutdown_asyncgens = shutdown_asyncgens
        return loop

    added = []
    for stock_name in ("RunTests", "RunnerTests"):
        stock = getattr(module, stock_name, None)
        if stock is not None:
            added.append(_derive(module, "Genloop" + stock_name, [stock],
                                 {"new_loop": new_loop}))
    return added


#: module name -> function(module, ctx) returning the classes it adds.
FAMILIES = {
    "test_tasks": tasks_family,
    "test_futures2": futures2_family,
    "test_eager_task_factory": eager_family,
    "test_events": _events_like(_SELECTOR_CLASSES, "GenloopEventLoopTests",
                                "create_event_loop"),
    "test_sock_lowlevel": _events_like(_SELECTOR_CLASSES, "GenloopEventLoopTests",
                                       "create_event_loop"),
    "test_sendfile": _events_like(_SELECTOR_CLASSES, "GenloopEventLoopTests",
                                  "create_event_loop"),
    "test_server": _events_like(("SelectorStartServerTests",), "GenloopStartServerTests",
                                "new_loop"),
    "test_sslproto": _events_like(("SelectorStartTLSTests",), "GenloopStartTLSTests",
                                  "new_loop"),
    "test_buffered_proto": _events_like(("BufferedProtocolSelectorTests",),
                                        "BufferedProtocolGenloopTests", "new_loop"),
    "test_unix_events": unix_events_family,
    "test_base_events": base_events_family,
    "test_runners": runners_family,
}


def add_genloop_classes(name, module, ctx):
    family = FAMILIES.get(name)
    return family(module, ctx) if family is not None else []
