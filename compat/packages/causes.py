"""Why a test that passes on stock 3.6 does not pass elsewhere: the table of causes.

Each cause is a regular expression searched in the failure's text (its
message and traceback, or what the whole run printed when the test never
ran), optionally one matched against the test's id (for a hang, whose text
says nothing of its cause: such rows were bisected by hand across Pythons,
and their reason says how), an id, what it is, and whose it is: ``genloop`` when a runtime could
make the legacy code behave as on 3.6 (for migrated code: when ``genloop
migrate`` rewrote it wrongly or missed it), ``by hand`` when migrated code
needs an edit that no rewrite can make safely (migrate lists most of them),
``outside`` when neither can (the reason says why).  A cause can be limited to
some kinds of mode: what explains a stock run's failure does not explain a
migrated one's.  The first cause that matches wins, so the specific ones
come first; ``unclassified`` matches everything left and counts as genloop's,
so that an unknown failure is never excused.
"""

import re
from typing import NamedTuple, Optional, Pattern, Sequence, Tuple

Cause = NamedTuple("Cause", [
    ("id", str),
    ("pattern", Optional[Pattern[str]]),
    ("test", Optional[Pattern[str]]),
    ("where", str),
    ("description", str),
    ("reason", str),
    ("kinds", Tuple[str, ...]),
])

#: Every kind of mode: a mode's name up to its Python version.
KINDS = ("stock", "genloop", "migrated", "testing")
#: The code as released, on stock Python or under genloop run (its asynctest suite
#: moved to genloop.testing, for the testing modes).
UNMIGRATED = ("stock", "genloop", "testing")


def cause(id: str, pattern: Optional[str], where: str, description: str,
          reason: str = "", test: Optional[str] = None, kinds: Sequence[str] = KINDS) -> Cause:
    return Cause(id, re.compile(pattern, re.MULTILINE) if pattern else None,
                 re.compile(test) if test else None, where, description, reason, tuple(kinds))


def decorator_fails_in(path: str) -> str:
    """``@asyncio.coroutine`` raising at import in a file whose path matches ``path``, as
    pytest shows it in a collection error or in a test's traceback."""
    error = r"E\s+AttributeError: module 'asyncio' has no attribute 'coroutine'"
    return (r"^(?:{path}):\d+: in \S+\n\s+@asyncio\.coroutine\n{error}|"
            r"^>\s+@asyncio\.coroutine\n{error}.*\n\n(?:{path}):\d+: AttributeError"
            ).format(path=path, error=error)


#: `async` or `await` where Python 3.7+ reads a keyword: as an attribute, an
#: imported name, a variable or a keyword argument.
ASYNC_NAME = r"(?:\.async\b|import async\b|\b(?:async|await)\s*=[^=])"

CAUSES = [
    # -- within a runtime's reach: genloop's to fix --
    cause("async-name-in-test-module",
          r"_rewrite_test[\s\S]{0,1200}" + ASYNC_NAME + r"[\s\S]{0,400}SyntaxError",
          "genloop", "`async` as a name (`asyncio.async(...)`, `from asyncio import async`) in "
          "a test module: pytest's assertion rewriter compiles test modules itself "
          "(ast.parse in _pytest/assertion/rewrite.py), a path an import hook must reach too",
          "issue 12 points 2 and 6", kinds=UNMIGRATED),
    cause("async-name", ASYNC_NAME + r"[\s\S]{0,400}SyntaxError", "genloop",
          "`async`/`await` as a name: a SyntaxError at import from 3.7 (row L03)",
          "the import hook can rewrite the tokens before compiling (issue 12 point 2)",
          kinds=UNMIGRATED),
    cause("corowrapper", r"has no attribute 'CoroWrapper'", "genloop",
          "`asyncio.coroutines.CoroWrapper` is gone (3.11); asynctest subclasses it "
          "(_PatchedGenerator) and checks isinstance against it (row L19)", kinds=UNMIGRATED),
    cause("asyncio-coroutine", r"module 'asyncio' has no attribute 'coroutine'", "genloop",
          "`asyncio.coroutine` is gone (3.11): what genloop.compat restores (row L01); seen in "
          "the stock modes only", kinds=UNMIGRATED),
    cause("coroutines-debug", r"module 'asyncio\.coroutines' has no attribute '_DEBUG'",
          "genloop", "`asyncio.coroutines._DEBUG` is gone (3.11): aiohttp 3.5 saves and "
          "restores it at import (row L19), which genloop.compat restores; seen in the stock "
          "modes only", kinds=UNMIGRATED),
    cause("server-wait-closed",
          r"\A(?=[\s\S]*wait_closed\(\))(?=[\s\S]*(?:Timeout >|Server failed to stop))",
          "genloop", "`Server.wait_closed()` waits for every connection to end from 3.12 "
          "(3.12.1 hangs where 3.13 returns): legacy shutdown code closes the server, then "
          "waits for it, with its connections still open",
          "issue 12 point 3 lists restoring the 3.6 behaviour under genloop run",
          kinds=UNMIGRATED),
    cause("loop-scheduled", r"\A(?=[\s\S]*unfinished work)(?=[\s\S]*AssertionError not raised)",
          "genloop", "tools that read the loop's timers from the private `loop._scheduled` "
          "(asynctest's fail_on(active_handles=True)) find it empty on genloop.EventLoop, "
          "which keeps its timers elsewhere",
          "fails under genloop on every Python, 3.6 included; stock loops keep live "
          "TimerHandles in _scheduled", kinds=UNMIGRATED),
    cause("cancelled-baseexception", r"Timeout >|Server failed to stop", "outside",
          "`asyncio.CancelledError` is a BaseException from 3.8 (row L21): websockets 4 "
          "tells a server shutdown from other errors in `except Exception as exc:` "
          "blocks, so on close its handler never answers and the client waits forever",
          "bisected: these tests pass under genloop on 3.6 and 3.7 and hang from 3.8; "
          "the fix is `except asyncio.CancelledError` in the library",
          test=r"^websockets/test_client_server\.py::ClientServerTests::"
          r"test_server_(?:close_while_client_connected|shuts_down_during_)"),
    cause("server-wait-closed-migrated",
          r"\A(?=[\s\S]*wait_closed\(\))(?=[\s\S]*(?:Timeout >|Server failed to stop))",
          "by hand", "`Server.wait_closed()` waits for every connection to end from 3.12 (row "
          "L35): hbmqtt's handler tests close their server, then wait for it, with the "
          "client's connection still open (on 3.12.1 all nine hang; on 3.13.0 the two that "
          "keep the handler, and its connection, on the test case)",
          "close each connection before awaiting wait_closed() (or Server.close_clients(), "
          "3.13); migrate's `_wait_closed()` stand-in keeps such a wait returning at once, as "
          "up to 3.11", kinds=["migrated"]),
    cause("test-timeout", r"Failed: Timeout >", "genloop",
          "a test hung until pytest-timeout stopped it: a bug until explained"),
    cause("run-timeout", r"^run timed out after", "genloop",
          "the whole test run hung past the package's time limit"),
    # -- migrated code only: genloop migrate's, a person's, or another project's --
    cause("migrate-left", decorator_fails_in(
        r"websockets/server\.py|aiocoap/resource\.py|aiocron/__init__\.py|"
        r"hbmqtt/plugins/\w+\.py"), "by hand",
          "`@asyncio.coroutine` on a plain function that migrate left as it was and listed: "
          "whether what it returns is awaitable (the decorator awaited it if so) is known at "
          "run time only (aiocoap's `Resource.render` returns `m(request)`, aiocron's "
          "`Cron.next` `self.future`, hbmqtt's auth and persistence plugins a local or a "
          "library call's result)",
          "add `await` where the value is awaitable and make the function an `async def`",
          kinds=["migrated"]),
    cause("migrate-listed-internals", r"has no attribute 'CoroWrapper'", "by hand",
          "a class built on `asyncio.coroutines.CoroWrapper`, gone in 3.11 (row L19), left "
          "as it was (asynctest's `_PatchedGenerator`, before migrate wrote a stand-in class "
          "for it)", "build it on migrate's `_CoroWrapper` stand-in", kinds=["migrated"]),
    cause("asynctest-installed",
          r"site-packages/asynctest/\S+\.py:\d+: in \S+\n\s+@asyncio\.coroutine\nE\s+"
          r"AttributeError", "by hand",
          "the suite is written on asynctest, which is installed, not migrated, and fails at "
          "import from 3.11 (`asyncio.coroutine`; its TestCase also reads unittest's private "
          "`_Outcome`)",
          "a test library's own code: the suite moves off it by its imports, to "
          "genloop.testing (the testing modes) or to unittest's IsolatedAsyncioTestCase and "
          "AsyncMock", kinds=["migrated"]),
    cause("legacy-dependency",
          r"site-packages/\S+\.py:\d+: in [\s\S]{0,400}AttributeError: module "
          r"'asyncio(?:\.coroutines)?' has no attribute", "by hand",
          "an installed dependency of the package's era uses an asyncio name gone from 3.11 "
          "(aiohttp 3.5.4 saves `asyncio.coroutines._DEBUG` at import)",
          "another project's code: a migrating team upgrades it, or migrates it with the "
          "package (`migrate_with`)", kinds=["migrated"]),
    cause("mock-not-awaitable",
          r"object (?:NonCallable)?(?:Magic)?Mock can't be used in 'await' expression",
          "by hand", "a test patches with a MagicMock what the code awaits (hbmqtt's broker "
          "tests patch its PluginManager and the broker awaits `fire_event()`): a MagicMock "
          "is iterable, so `yield from` it went through at once, but `await` refuses it",
          "patch the coroutine methods with AsyncMock (3.8): reading the code, no rewrite can "
          "tell that a test will replace a coroutine with a mock", kinds=["migrated"]),
    # -- outside any runtime's reach --
    cause("sslproto-private", r"test_starttls[\s\S]*UNEXPECTED_EOF_WHILE_READING", "outside",
          "STARTTLS driven through the private asyncio.sslproto.SSLProtocol and its "
          "_app_transport (aiosmtpd 1.1): the module was rewritten in 3.11 and the handshake "
          "never starts (the same tests pass on 3.10, stock and under genloop)",
          "a private module's internals, not a legacy API; the public replacement is "
          "loop.start_tls() (3.7)"),
    cause("logging-weakset", r"_register_at_fork_reinit_lock[\s\S]*unhashable type|"
          r"unhashable type[\s\S]*_register_at_fork_reinit_lock", "outside",
          "a logging.Handler that is also a list is unhashable, and logging keeps every "
          "handler in a WeakSet from 3.7 (fork safety)",
          "a standard-library change unrelated to asyncio"),
    cause("enum-str", r"AssertionError: '\d+' != '\w+\.\w+'", "outside",
          "str() of an IntEnum member is the number from 3.11, no longer 'Class.NAME'",
          "a standard-library change unrelated to asyncio"),
    cause("unittest-internals", r"_Outcome|testPartExecutor", "outside",
          "asynctest's TestCase drives unittest's private `_Outcome`, which 3.11 rewrote "
          "(no `errors`, no `testPartExecutor(isTest=)`)",
          "private standard-library internals, not an asyncio API"),
    cause("mock-internals", r"module 'unittest\.mock' has no attribute '_|exc_details\[|"
          r"string indices must be integers|'str' object does not support item deletion|"
          r"InvalidSpecError|is_patched\(\)|a_dict\.__getitem__|"
          r"is not an instance of <class 'asynctest\.mock\.CoroutineMock'>", "outside",
          "asynctest's patch scopes subclass unittest.mock's private `_patch`/`_patch_dict`, "
          "changed in 3.8 (`__exit__` through an ExitStack needs the exception triple, "
          "`_patch_dict` resolves its target lazily, `_is_started`/`_importer` gone, patch "
          "picks AsyncMock itself); a patch whose `__exit__` failed stays active and later "
          "autospec tests then fail with InvalidSpecError",
          "private standard-library internals: the same tests fail the same way on stock "
          "3.10, which still has every asyncio API they use",
          test=r"^test/test_mock\.py::"),
    cause("logging-time-ns", r"not found in b'#log info \d+\.\d+ ", "outside",
          "logging takes a record's time from `time.time_ns()` from 3.13: a test that patches "
          "`time.time` to fix the logged timestamp (aiokatcp's test_log_level) sees the real "
          "time", "a standard-library change unrelated to asyncio",
          test=r"::test_log_level$"),
    cause("tls-defaults", r"EE_KEY_TOO_SMALL|CA_MD_TOO_WEAK|UNSUPPORTED_PROTOCOL|"
          r"NO_PROTOCOLS_AVAILABLE|TLSV1_ALERT_PROTOCOL_VERSION", "outside",
          "test certificates or protocol versions that newer OpenSSL/Python refuse by default",
          "the TLS library's security level, not asyncio"),
    cause("generator-awaited",
          r"TypeError: object generator can't be used in 'await' expression", "by hand",
          "a coroutine awaits what a function it was given returns, and that function is a "
          "plain generator (asynctest's test passes a `yield from` generator under its patch "
          "decorator to a helper that awaits it): migrate cannot tell what a parameter holds",
          "make the generator an `async def` by hand; after the outside causes, which "
          "come first when a test's text shows both", kinds=["migrated"]),
    cause("unclassified", None, "genloop", "not yet explained: a failure no other cause "
          "matches counts against genloop until someone explains it"),
]


def classify(text: str, test: str = "", kind: str = "genloop") -> Cause:
    for candidate in CAUSES:
        if kind not in candidate.kinds:
            continue
        if candidate.test is not None and not candidate.test.search(test):
            continue
        if candidate.pattern is None or candidate.pattern.search(text):
            return candidate
    raise AssertionError("the table ends with a catch-all")
