"""A pytest plugin: tests and fixtures in every coroutine style, each test
on a loop of its own (genloop's or asyncio's), failing on what it leaves
behind, within a real-time limit that names the stuck line, on real or
virtual time — on every Python from 3.6 to 3.13.

Installing genloop registers it (the ``pytest11`` entry point
``genloop.testing.pytest_plugin``, the name ``-p`` takes too); it does
nothing until asked:

* ``@pytest.mark.genloop`` on a test, a class or a module (``pytestmark``);
* ``genloop_mode = auto`` (ini) or ``--genloop-mode=auto``: every
  ``async def``, ``@coroutine`` and generator test is a genloop test,
  marked or not (``strict``, the default: the marked ones only).

A genloop test may be an ``async def`` function, a ``@genloop.coroutine``
or ``@asyncio.coroutine`` generator, a plain generator using ``yield
from`` (which pytest refuses: this plugin collects it first), tornado's
``x = yield future`` and trollius's ``yield From(x)`` included, or a plain
function (marked).  It runs to its end as a genloop task on a new loop
(the ``genloop_event_loop`` fixture), current while the test runs, in
debug mode, closed after it; the test fails at teardown when it left a
task pending, a callback or timer scheduled, a file descriptor watched, or
made the loop report an error.

The marker's arguments (the closest mark's value wins for each):

``loop``
    ``"genloop"`` (genloop's loop), ``"asyncio"`` (asyncio's selector loop
    with genloop's tasks) or ``"both"`` (the test twice, ids ``[genloop]``
    and ``[asyncio]``); default ``--genloop-loop``, or ``genloop_loop``
    (ini), or ``"genloop"``;
``clock``
    ``"virtual"``: a :class:`~genloop.testing.VirtualClock` drives the
    loop (the ``genloop_clock`` fixture);
``timeout``
    real seconds each async part of the test (the test itself, each
    fixture's set-up and tear-down) may take, None for no limit; default
    ``genloop_timeout`` (ini), 30;
``fail_on``
    ``{check: bool}`` (see :mod:`genloop.testing.leaks`); every check is on
    by default.

Fixtures used by a genloop test may be ``async def`` functions,
``@coroutine`` generators (their value: what they return) or async
generators (set-up, ``yield value``, tear-down).  A function-scoped one
runs on the test's loop, in the test's ``contextvars`` context.  One of a
wider scope (class, module, package, session) runs on the session's loop
(see :mod:`genloop.testing.runs`): a test that uses such a fixture runs
on that loop too, with its function-scoped fixtures; what the test leaves
there is still checked (callbacks and timers aside: the fixtures may keep
their own), and its pending tasks are cancelled.  There is one such loop
at a time: when a test needs one of the other kind, the fixtures made on
the old one are torn down and made again on the new
(``--genloop-loop=both`` runs every ``[genloop]`` test first, then every
``[asyncio]`` one, so this happens once).

pytest-asyncio may be installed too: what it takes stays its own — tests
marked ``asyncio``, and in its auto mode every ``async def`` test (a
genloop mark on them is ignored).

PYTEST_DONT_REWRITE: this module has no asserts for pytest to rewrite, and
is often imported before ``-p`` names it.
"""

import asyncio
import functools
import inspect
import types
from typing import Any, Callable, Dict, Generator, Iterator, List, Optional, Union

import pytest

from .._context import copy_context
from ..coroutines import iscoroutinefunction
from .clock import VirtualClock
from .leaks import CHECKS, leftovers_message
from .runs import LOOPS, Run, SharedLoop, is_async_fixture, new_loop, set_up_fixture

__all__ = ["genloop_clock", "genloop_event_loop", "genloop_loop_kind"]

#: The fixture that gives a genloop test its loop; a test that uses it is
#: a genloop test.
LOOP_FIXTURE = "genloop_event_loop"
#: The fixture that names the loop's kind; ``--genloop-loop=both``
#: parametrizes it.
KIND_FIXTURE = "genloop_loop_kind"
BOTH = "both"
MODES = ("strict", "auto")
CLOCKS = ("real", "virtual")
MARKER_ARGUMENTS = ("loop", "clock", "timeout", "fail_on")


def pytest_addoption(parser: pytest.Parser) -> None:
    group = parser.getgroup("genloop", "genloop: legacy and mixed asyncio tests")
    group.addoption(
        "--genloop-mode",
        choices=MODES,
        help="strict: only the tests marked genloop are genloop's; auto: also every "
        "async def, @coroutine and generator test (default: the genloop_mode ini "
        "option, strict)",
    )
    group.addoption(
        "--genloop-loop",
        choices=tuple(LOOPS) + (BOTH,),
        help="the loop of the genloop tests whose mark names none: genloop, asyncio "
        "(asyncio's loop with genloop's tasks) or both (each test on each, ids "
        "[genloop] and [asyncio]); default: the genloop_loop ini option, genloop",
    )
    parser.addini("genloop_mode", "strict or auto (see --genloop-mode)", default="strict")
    parser.addini(
        "genloop_loop", "genloop, asyncio or both (see --genloop-loop)", default="genloop"
    )
    parser.addini(
        "genloop_timeout",
        "real seconds each async part of a genloop test may take (0: no limit)",
        default="30",
    )


def pytest_configure(config: pytest.Config) -> None:
    config.addinivalue_line(
        "markers",
        "genloop(loop=None, clock=None, timeout=None, fail_on=None): run the test on "
        "genloop's engine; loop: 'genloop', 'asyncio' or 'both'; clock: 'virtual'; "
        "timeout: real seconds or None; fail_on: {check: bool}",
    )
    config.stash[_SESSION] = _Session(config)


@pytest.hookimpl(trylast=True)
def pytest_sessionfinish(session: pytest.Session) -> None:
    # After pytest's own, which tears down the fixtures still set up.
    _session(session.config).close()


# -- which tests are genloop's -------------------------------------------------


@pytest.hookimpl(tryfirst=True)
def pytest_pycollect_makeitem(
    collector: Union[pytest.Module, pytest.Class], name: str, obj: object
) -> Optional[List[pytest.Function]]:
    """Collect a genloop test (before pytest, which refuses generators):
    it uses the loop fixture, and what pytest calls is a plain function
    that runs it on that loop."""
    if inspect.isclass(obj) or not collector.istestfunction(obj, name):
        return None
    function = getattr(obj, "__func__", obj)
    if not getattr(function, "__test__", True):
        return None
    if not _session(collector.config).claims(collector, function):
        return None
    if not any(LOOP_FIXTURE in mark.args for mark in _own_marks(function, "usefixtures")):
        pytest.mark.usefixtures(LOOP_FIXTURE)(function)
    items: List[pytest.Function] = list(collector._genfunctions(name, function))
    for item in items:
        _check_marker(item)
        item.obj = _on_the_loop(item)
    return items


def pytest_generate_tests(metafunc: pytest.Metafunc) -> None:
    if KIND_FIXTURE in metafunc.fixturenames:
        kinds = _session(metafunc.config).kinds(metafunc.definition)
        if len(kinds) > 1:
            # Session-scoped: pytest runs every test of one kind, then the other's.
            metafunc.parametrize(KIND_FIXTURE, kinds, indirect=True, ids=kinds, scope="session")


def _own_marks(function: Any, name: str) -> List[Any]:
    """The marks named ``name`` on ``function`` itself (not its class or module)."""
    marks = getattr(function, "pytestmark", [])
    marks = marks if isinstance(marks, list) else [marks]
    return [getattr(mark, "mark", mark) for mark in marks if getattr(mark, "name", None) == name]


def _test_style(function: Any) -> Optional[str]:
    """``"async def"``, ``"coroutine"`` (legacy or plain generator),
    ``"plain"``, or None (an async generator: no test)."""
    if inspect.isasyncgenfunction(function):
        return None
    code = getattr(function, "__code__", None)
    if code is not None and code.co_flags & inspect.CO_COROUTINE:
        return "async def"
    if iscoroutinefunction(function) or inspect.isgeneratorfunction(function):
        return "coroutine"
    return "plain"


def _marker_settings(node: Any) -> Dict[str, Any]:
    """The genloop marks' arguments on ``node``, the closest mark's first."""
    settings: Dict[str, Any] = {}
    for mark in node.iter_markers("genloop"):
        for key, value in mark.kwargs.items():
            settings.setdefault(key, value)
        if mark.args:
            settings.setdefault("*args", mark.args)
    return settings


def _check_marker(item: pytest.Function) -> None:
    """Fail the collection of a test whose genloop mark cannot be followed."""
    settings = _marker_settings(item)
    problems = []
    if "*args" in settings:
        problems.append("it takes keyword arguments only, got {!r}".format(settings.pop("*args")))
    unknown = sorted(set(settings) - set(MARKER_ARGUMENTS))
    if unknown:
        problems.append("unknown arguments {}: choose among {}".format(unknown, MARKER_ARGUMENTS))
    if settings.get("loop", BOTH) not in tuple(LOOPS) + (BOTH,):
        problems.append("loop={!r}: 'genloop', 'asyncio' or 'both'".format(settings["loop"]))
    if settings.get("clock", "real") not in CLOCKS:
        problems.append("clock={!r}: 'real' or 'virtual'".format(settings["clock"]))
    timeout = settings.get("timeout")
    if timeout is not None and (
        isinstance(timeout, bool) or not isinstance(timeout, (int, float)) or not timeout > 0
    ):
        problems.append("timeout={!r}: real seconds (above 0), or None".format(timeout))
    fail_on = settings.get("fail_on", {})
    if not isinstance(fail_on, dict) or not set(fail_on) <= CHECKS:
        problems.append("fail_on={!r}: {{check: bool}}, checks {}".format(fail_on, sorted(CHECKS)))
    if problems:
        pytest.fail(
            "{}: @pytest.mark.genloop: {}".format(item.nodeid, "; ".join(problems)), pytrace=False
        )


def _on_the_loop(item: pytest.Function) -> Callable[..., None]:
    """What pytest calls in place of ``item``'s test function: the function
    itself, whose coroutine, if it returns one, runs on the test's loop.
    A plain function to pytest (and to pytest-asyncio), bound as the test
    method is (pytest 7 finds the test's instance there); pytest reads the
    test's location and traceback through ``__wrapped__``."""
    test = item.obj
    session = _session(item.config)

    def run_test(*_instance: Any, **kwargs: Any) -> None:
        __tracebackhide__ = True  # pytest shows the test's frames, not these
        session.run_of(item).call(functools.partial(test, **kwargs))

    run_test.__wrapped__ = test  # type: ignore[attr-defined]
    instance = getattr(test, "__self__", None)
    return run_test if instance is None else types.MethodType(run_test, instance)


# -- the fixtures a genloop test uses ------------------------------------------


@pytest.fixture
def genloop_loop_kind(request: Any) -> str:
    """The kind of loop the genloop test runs on: ``"genloop"`` or ``"asyncio"``."""
    return getattr(request, "param", None) or _session(request.config).kind_of(request.node)


@pytest.fixture
def genloop_event_loop(request: Any, genloop_loop_kind: str) -> Iterator[asyncio.AbstractEventLoop]:
    """The test's loop: made for it (or the session's loop, see the module
    docstring) and current while it runs; once the test's other fixtures
    are torn down, what the test left on it fails the test."""
    session = _session(request.config)
    item = request.node
    run = session.start(item, genloop_loop_kind)
    yield run.loop
    found = session.finish(run)
    if found:
        pytest.fail(leftovers_message(item.nodeid, found), pytrace=False)


@pytest.fixture
def genloop_clock(genloop_event_loop: asyncio.AbstractEventLoop, request: Any) -> VirtualClock:
    """The virtual clock of a test marked ``genloop(clock="virtual")``."""
    clock = _session(request.config).run_of(request.node).clock
    if clock is None:
        pytest.fail(
            "genloop_clock is the clock of a test marked "
            "@pytest.mark.genloop(clock='virtual'): {} runs on real time".format(
                request.node.nodeid
            ),
            pytrace=False,
        )
    return clock


@pytest.hookimpl(hookwrapper=True, tryfirst=True)
def pytest_fixture_setup(fixturedef: Any, request: Any) -> Generator[None, Any, None]:
    """While pytest sets up an async fixture of a genloop test, the fixture
    function it calls is a plain one that runs it on its loop (outermost,
    so pytest-asyncio sees a plain function too)."""
    plain = _session(request.config).plain_fixture(fixturedef, request)
    if plain is None:
        yield
        return
    original, fixturedef.func = fixturedef.func, plain
    try:
        yield
    finally:
        fixturedef.func = original


def _plain_fixture(function: Any, make: Callable[[Callable[[], Any]], Any]) -> Any:
    """A plain function in place of the async fixture ``function``, which
    hands ``make`` the call to make; bound as ``function`` is, for pytest
    to bind it to the test's instance as it binds fixture methods."""
    if inspect.ismethod(function):
        unbound = function.__func__

        def method(self: Any, **kwargs: Any) -> Any:
            __tracebackhide__ = True
            return make(functools.partial(unbound, self, **kwargs))

        return types.MethodType(method, function.__self__)

    def plain(**kwargs: Any) -> Any:
        __tracebackhide__ = True
        return make(functools.partial(function, **kwargs))

    return plain


def _wide_async_fixtures(item: Any) -> List[str]:
    """The async fixtures of a scope wider than the test's among those
    ``item`` uses (pytest keeps their definitions in its fixture info)."""
    definitions = item._fixtureinfo.name2fixturedefs
    return [
        name
        for name in item.fixturenames
        if name in definitions
        and definitions[name][-1].scope != "function"
        and is_async_fixture(definitions[name][-1].func)
    ]


# -- the test pytest runs ------------------------------------------------------


@pytest.hookimpl(hookwrapper=True)
def pytest_runtest_protocol(item: pytest.Item) -> Generator[None, Any, None]:
    session = _session(item.config)
    session.item = item
    try:
        yield
    finally:
        session.item = None


@pytest.hookimpl(tryfirst=True)
def pytest_runtest_setup(item: pytest.Item) -> None:
    """Before the fixtures of a test that uses the session's loop are set
    up: the loop of the test's kind, the fixtures of the other torn down."""
    if LOOP_FIXTURE in getattr(item, "fixturenames", ()) and _wide_async_fixtures(item):
        session = _session(item.config)
        session.shared_for(session.kind_of(item))


class _Session(object):
    """The plugin in one pytest run: its options, the test pytest runs,
    that test's :class:`~genloop.testing.runs.Run`, and the session's
    :class:`~genloop.testing.runs.SharedLoop`."""

    def __init__(self, config: pytest.Config) -> None:
        self.mode = config.getoption("genloop_mode") or config.getini("genloop_mode")
        self.loop = config.getoption("genloop_loop") or config.getini("genloop_loop")
        if self.mode not in MODES:
            raise pytest.UsageError("genloop_mode = {}: strict or auto".format(self.mode))
        if self.loop not in tuple(LOOPS) + (BOTH,):
            raise pytest.UsageError("genloop_loop = {}: genloop, asyncio or both".format(self.loop))
        try:
            timeout = float(config.getini("genloop_timeout"))
        except ValueError:
            raise pytest.UsageError(
                "genloop_timeout = {}: real seconds".format(config.getini("genloop_timeout"))
            ) from None
        self.timeout = timeout if timeout > 0 else None
        self.asyncio_auto = _asyncio_auto_mode(config)
        self.item: Optional[pytest.Item] = None
        self.run: Optional[Run] = None
        self.shared: Optional[SharedLoop] = None

    def claims(self, collector: pytest.Collector, function: Any) -> bool:
        """Whether the test ``function`` in ``collector`` is genloop's."""
        if _own_marks(function, "asyncio") or collector.get_closest_marker("asyncio"):
            return False
        style = _test_style(function)
        if style is None or (style == "async def" and self.asyncio_auto):
            return False
        if _own_marks(function, "genloop") or collector.get_closest_marker("genloop"):
            return True
        return self.mode == "auto" and style != "plain"

    def kinds(self, node: Any) -> List[str]:
        """The loops the test ``node`` runs on."""
        choice = _marker_settings(node).get("loop") or self.loop
        return list(LOOPS) if choice == BOTH else [choice]

    def kind_of(self, item: Any) -> str:
        """The loop ``item`` runs on."""
        callspec = getattr(item, "callspec", None)
        if callspec is not None and KIND_FIXTURE in callspec.params:
            return str(callspec.params[KIND_FIXTURE])
        return self.kinds(item)[0]

    def shared_for(self, kind: str) -> SharedLoop:
        """The session's loop of ``kind``; the one of the other kind, with
        the fixtures made on it, is torn down first."""
        shared = self.shared
        if shared is not None and shared.kind == kind and not shared.loop.is_closed():
            return shared
        self.shared = None
        if shared is not None:
            shared.close()
        self.shared = SharedLoop(kind, self.timeout)
        return self.shared

    def start(self, item: Any, kind: str) -> Run:
        """The run of the test ``item`` on a loop of ``kind``."""
        settings = _marker_settings(item)
        timeout = settings["timeout"] if "timeout" in settings else self.timeout
        fail_on = settings.get("fail_on", {})
        checks = [name for name in sorted(CHECKS) if fail_on.get(name, True)]
        virtual = settings.get("clock") == "virtual"
        wide = _wide_async_fixtures(item)
        if not wide:
            clock = VirtualClock() if virtual else None
            self.run = Run(
                item, new_loop(kind), owned=True, checks=checks, timeout=timeout, clock=clock
            )
            return self.run
        if virtual:
            pytest.fail(
                "{}: clock='virtual' needs a loop of the test's own, and the test runs on the "
                "session's loop: it uses {}, async fixtures of a wider scope".format(
                    item.nodeid, ", ".join(wide)
                ),
                pytrace=False,
            )
        checks = [name for name in checks if name != "active_handles"]
        loop = self.shared_for(kind).loop
        self.run = Run(item, loop, owned=False, checks=checks, timeout=timeout, clock=None)
        return self.run

    def finish(self, run: Run) -> List[str]:
        self.run = None
        return run.finish()

    def run_of(self, item: Any) -> Run:
        run = self.run
        if run is None or run.item is not item:
            raise RuntimeError(
                "{} runs without its {} fixture".format(getattr(item, "nodeid", item), LOOP_FIXTURE)
            )
        return run

    def plain_fixture(self, fixturedef: Any, request: Any) -> Any:
        """The plain function for pytest to call in place of the async
        fixture ``fixturedef`` of the genloop test being set up (None: not
        one)."""
        item = self.item
        if (
            item is None
            or LOOP_FIXTURE not in getattr(item, "fixturenames", ())
            or not is_async_fixture(fixturedef.func)
        ):
            return None
        name = "fixture {!r}".format(fixturedef.argname)
        on: Union[Run, SharedLoop]
        if fixturedef.scope == "function":
            if self.run is None:
                request.getfixturevalue(LOOP_FIXTURE)  # it comes after an autouse fixture
            on = self.run_of(item)
            context = on.context
        else:
            on = self.shared_for(self.kind_of(item))
            context = copy_context()

        def make(call: Callable[[], Any]) -> Any:
            __tracebackhide__ = True
            value = set_up_fixture(on, call, name, context, request.addfinalizer)
            if isinstance(on, SharedLoop):
                # Torn down with the loop, if that comes first.
                end = functools.partial(fixturedef.finish, request=request)
                on.enders.append(end)
                request.addfinalizer(lambda: on.enders.remove(end))
            return value

        return _plain_fixture(fixturedef.func, make)

    def close(self) -> None:
        shared, self.shared = self.shared, None
        if shared is not None:
            shared.close()


def _asyncio_auto_mode(config: pytest.Config) -> bool:
    """Whether pytest-asyncio takes every ``async def`` test (its auto mode,
    or 0.17's legacy one)."""
    if not config.pluginmanager.hasplugin("asyncio"):
        return False
    try:
        mode = config.getoption("asyncio_mode") or config.getini("asyncio_mode")
    except ValueError:  # a pytest-asyncio without modes: marked tests only
        return False
    return str(getattr(mode, "value", mode)) in ("auto", "legacy")


_SESSION = pytest.StashKey[_Session]()


def _session(config: pytest.Config) -> _Session:
    return config.stash[_SESSION]
