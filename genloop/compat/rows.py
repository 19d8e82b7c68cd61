"""The legacy asyncio APIs genloop.compat restores, by inventory row.

Each row names the API as legacy code wrote it, the Python version that
removed or changed it, and its modern replacement; migration warnings and
reports are made from these words.
"""

from typing import Dict, NamedTuple

__all__ = ["Row", "ROWS"]


class Row(NamedTuple):
    id: str
    api: str
    broken_in: str
    replacement: str


def _rows(*rows: Row) -> Dict[str, Row]:
    return {row.id: row for row in rows}


ROWS = _rows(
    Row("L01", "asyncio.coroutine", "3.11", "'async def' and 'await'"),
    Row("L02", "asyncio.async()", "3.7", "asyncio.ensure_future()"),
    Row("L04", "asyncio.JoinableQueue", "3.5", "asyncio.Queue"),
    Row("L05", "the loop= argument", "3.10", "drop the argument (the running loop is used)"),
    Row("L06", "'with (yield from lock)'", "3.9", "'async with lock'"),
    Row("L07", "Task.current_task() / Task.all_tasks()", "3.9",
        "asyncio.current_task() / asyncio.all_tasks() (3.7+)"),
    Row("L08", "coroutines passed to asyncio.wait()", "3.11",
        "wrap each coroutine in asyncio.ensure_future() first"),
    Row("L10", "a generator run as a task", "3.12",
        "'async def', or @genloop.coroutine on the generator function"),
    Row("L26", "asyncio.get_event_loop() creating a loop", "3.12",
        "asyncio.run() or genloop.run(), or new_event_loop() and set_event_loop()"),
    Row("L29", "a default executor that is not a ThreadPoolExecutor", "3.11",
        "pass the executor to each loop.run_in_executor(executor, ...)"),
    Row("L32", "a task factory without **kwargs", "3.11",
        "give the factory the signature (loop, coro, **kwargs)"),
)
