"""The table of legacy asyncio constructs: one row per construct, L01-L36.

This is genloop's inventory of what 3.4-3.7 era asyncio code relied on and a
later Python removed or changed.  Each row says:

- ``id``: the row's name, used by warnings, reports and the documentation;
- ``api``: the construct as legacy code wrote it;
- ``broken_in``: the Python that removed or changed it ("-" when no
  Python has broken it yet: the row records a behaviour worth knowing);
- ``change``: what that Python did to it;
- ``handling``: what genloop does about it, one of :data:`HANDLINGS`;
- ``replacement``: the fix to make by hand, the modern code.

The inventory table of docs/legacy-code.md is :func:`markdown_table` of these rows, and
tests/test_rows.py keeps the two equal (on a difference it prints the table
to paste), so the warnings, the reports and the documentation never
disagree.
"""

from typing import Dict, NamedTuple, Tuple

__all__ = [
    "Row",
    "markdown_table",
    "ROWS",
    "HANDLINGS",
    "RESTORES",
    "REWRITES",
    "REPORTS",
    "UNREACHABLE",
    "UNCHANGED",
]

#: genloop makes the construct work again as it did on 3.6.
RESTORES = "restores it"
#: genloop's import hook changes the code as it loads, lines unchanged.
REWRITES = "rewrites it at import"
#: the construct still works; genloop only warns and reports it.
REPORTS = "reports it only"
#: the construct fails (or changed meaning) where no runtime reaches.
UNREACHABLE = "nothing a runtime can do"
#: no Python broke it; the row records a constraint, nothing is needed.
UNCHANGED = "nothing needed"

HANDLINGS: Tuple[str, ...] = (RESTORES, REWRITES, REPORTS, UNREACHABLE, UNCHANGED)


class Row(NamedTuple):
    id: str
    api: str
    broken_in: str
    replacement: str
    change: str
    handling: str


def _rows(*rows: Row) -> Dict[str, Row]:
    table = {row.id: row for row in rows}
    assert len(table) == len(rows), "duplicate row id"
    assert all(row.handling in HANDLINGS for row in rows), "unknown handling"
    return table


ROWS = _rows(
    Row("L01", "asyncio.coroutine", "3.11",
        "'async def' and 'await' (types.coroutine for a generator that must stay one)",
        "removed (deprecated from 3.8)", RESTORES),
    Row("L02", "asyncio.async()", "3.7",
        "asyncio.ensure_future()",
        "a SyntaxError in source, the attribute gone (deprecated from 3.4.4)", REWRITES),
    Row("L03", "'async' or 'await' as a name (async=True, def f(async=False))", "3.7",
        "rename the identifier",
        "a SyntaxError: both became keywords (warned in 3.6)", REWRITES),
    Row("L04", "asyncio.JoinableQueue", "3.5",
        "asyncio.Queue (it has join() and task_done())",
        "no longer exported", RESTORES),
    Row("L05", "the loop= argument", "3.10",
        "drop the argument (the running loop is used)",
        "a TypeError on sleep, wait, gather, the primitives, queues and streams "
        "(deprecated from 3.8)", RESTORES),
    Row("L06", "'with (yield from lock)' / 'with (await lock)'", "3.9",
        "'async with lock'",
        "a TypeError: locks are not iterable (deprecated from 3.7)", RESTORES),
    Row("L07", "Task.current_task() / Task.all_tasks()", "3.9",
        "asyncio.current_task() / asyncio.all_tasks() (3.7+)",
        "removed (deprecated from 3.7)", RESTORES),
    Row("L08", "coroutines passed to asyncio.wait()", "3.11",
        "wrap each coroutine in asyncio.ensure_future() first",
        "a TypeError (warned from 3.9)", RESTORES),
    Row("L09", "asyncio.iscoroutine() of a generator", "3.12",
        "'async def', or inspect.isawaitable() for the test",
        "False for every generator, decorated ones included", RESTORES),
    Row("L10", "a generator run as a task", "3.12",
        "'async def', or @genloop.coroutine on the generator function",
        "create_task, Task, gather and ensure_future refuse generators", RESTORES),
    Row("L11", "an undecorated helper generator that yields from asyncio's coroutines",
        "3.7",
        "'async def', or types.coroutine on the helper",
        "a TypeError: asyncio's coroutines became 'async def'", REWRITES),
    Row("L12", "'await' on an undecorated generator", "3.5",
        "'async def', or types.coroutine on the generator function",
        "never accepted: a TypeError on every Python", REWRITES),
    Row("L13", "tornado/trollius yields: 'x = yield fut', 'yield [a, b]', 'yield From(x)'",
        "3.4",
        "'x = await fut', 'await asyncio.gather(a, b)', 'return v'",
        "never accepted by asyncio's Task: a RuntimeError (bad yield)", RESTORES),
    Row("L14", "'yield from future'", "-",
        "'await future'",
        "still works on 3.13", UNCHANGED),
    Row("L15", "asyncio.iscoroutinefunction() of a decorated generator function", "3.11",
        "inspect.iscoroutinefunction(), with inspect.markcoroutinefunction() (3.12+)",
        "False once asyncio.coroutine is gone; inspect's never said True", RESTORES),
    Row("L16", "types.coroutine on a generator function", "-",
        "'async def'",
        "unchanged from 3.5 to 3.13 (not asyncio.iscoroutine() from 3.12)", UNCHANGED),
    Row("L17", "the 'was never yielded from' debug log (CoroWrapper)", "3.11",
        "'async def' (Python warns of a native coroutine never awaited)",
        "removed with asyncio.coroutine: no diagnostic at all", RESTORES),
    Row("L18", "sys.set_coroutine_wrapper()", "3.8",
        "sys.set_coroutine_origin_tracking_depth() (3.7+)",
        "removed (deprecated from 3.7)", UNREACHABLE),
    Row("L19", "internal imports: asyncio.futures.CancelledError, asyncio.compat, "
        "asyncio.test_utils", "3.7",
        "import every name from the asyncio package itself",
        "modules removed (3.7), names moved to asyncio.exceptions (3.8)", RESTORES),
    Row("L20", "Task._step() / Task._wakeup() overridden or patched", "3.7",
        "subclass asyncio.Future, or use the public Task API",
        "made private (name-mangled)", UNREACHABLE),
    Row("L21", "'except Exception' catching CancelledError", "3.8",
        "catch asyncio.CancelledError explicitly and re-raise it",
        "CancelledError became a BaseException, apart from concurrent.futures'",
        UNREACHABLE),
    Row("L22", "asyncio.TimeoutError as its own class", "3.11",
        "catch TimeoutError",
        "now the builtin TimeoutError: 'except TimeoutError' catches asyncio timeouts too",
        UNREACHABLE),
    Row("L23", "'async def __aiter__' returning an awaitable", "3.7",
        "a plain 'def __aiter__(self): return self'",
        "a TypeError in 'async for' (warned in 3.6)", UNREACHABLE),
    Row("L24", "'raise StopIteration(v)' to return from a generator", "3.7",
        "'return v'",
        "a RuntimeError (PEP 479; warned in 3.6)", RESTORES),
    Row("L25", "gen.throw(type, value, traceback)", "3.12",
        "gen.throw(exception)",
        "deprecated: a DeprecationWarning", UNREACHABLE),
    Row("L26", "asyncio.get_event_loop() creating a loop", "3.12",
        "asyncio.run() or genloop.run(), or new_event_loop() and set_event_loop()",
        "a DeprecationWarning (3.14: a RuntimeError)", RESTORES),
    Row("L27", "Future(), ensure_future() or gather() outside a running loop", "3.12",
        "create them inside a coroutine run by asyncio.run()",
        "a DeprecationWarning: they create the loop implicitly", RESTORES),
    Row("L28", "child watchers (get_child_watcher(), SafeChildWatcher)", "3.12",
        "drop them: subprocesses need none; pick a loop with asyncio.Runner(loop_factory=)",
        "a DeprecationWarning (3.14: removed)", UNREACHABLE),
    Row("L29", "a default executor that is not a ThreadPoolExecutor", "3.11",
        "pass the executor to each loop.run_in_executor(executor, ...)",
        "a TypeError (deprecated from 3.8)", RESTORES),
    Row("L30", "create_datagram_endpoint(reuse_address=True)", "3.11",
        "leave it out (reuse_port if that was meant)",
        "a TypeError (refused with a ValueError from late 3.6/3.7 patch releases)",
        UNREACHABLE),
    Row("L31", "a Queue() or Lock() made at import time, used under another loop", "-",
        "create primitives inside the running loop",
        "failed up to 3.9 (a different loop); works from 3.10", UNREACHABLE),
    Row("L32", "a task factory without **kwargs", "3.11",
        "give the factory the signature (loop, coro, **kwargs)",
        "a TypeError when a context= is passed", RESTORES),
    Row("L33", "call_soon(generator function), cancel(msg), create_task(name=, context=)",
        "-",
        "use each only from the Python that added it",
        "unchanged: constraints, not breaks", UNCHANGED),
    Row("L34", "collections.Mapping and the other collections ABC aliases", "3.10",
        "collections.abc.Mapping (and so on)",
        "removed (deprecated from 3.3)", RESTORES),
    Row("L35", "Server.close() then 'yield from server.wait_closed()'", "3.12",
        "close or abort each connection before awaiting wait_closed()",
        "wait_closed() waits for every connection to end, so shutdown hangs", RESTORES),
    Row("L36", "asyncio.wait_for(coro, timeout)", "3.12",
        "asyncio.wait_for(asyncio.ensure_future(coro), timeout) where step order matters",
        "runs the coroutine inline instead of as a task: the steps come in another order",
        RESTORES),
)


#: The inventory table's header: one column per field a reader needs.
TABLE_HEADER = ("row", "legacy API", "broke in", "what genloop does", "fix by hand")


def _cell(text: str) -> str:
    return text.replace("|", "\\|")


def markdown_table() -> str:
    """The inventory as docs/legacy-code.md's Markdown table, one line per row."""
    lines = [
        "| " + " | ".join(TABLE_HEADER) + " |",
        "|" + "|".join("---" for _ in TABLE_HEADER) + "|",
    ]
    for row in ROWS.values():
        broke = row.change if row.broken_in == "-" else "{}: {}".format(row.broken_in, row.change)
        cells = (row.id, row.api, broke, row.handling, row.replacement)
        lines.append("| " + " | ".join(_cell(cell) for cell in cells) + " |")
    return "\n".join(lines) + "\n"
