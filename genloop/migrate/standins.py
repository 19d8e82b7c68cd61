"""Functions a migrated module gets where a legacy coroutine decorator did,
at run time, what no static rewrite can (row L01).

``@asyncio.coroutine`` on a plain function awaited what the function
returned when that was awaitable (a generator included).  Where migrate cannot tell whether a
return gives an awaitable, ``return value`` becomes ``return await
_await_if_awaitable(value)``.  ``asyncio.coroutine(function)`` called,
not used as a decorator, becomes ``_as_coroutine_function(function)``: an
``async def`` wrapper that does the same with what ``function`` returns.
``asyncio.coroutines.CoroWrapper``, which a class may be built on (asynctest
wraps patched coroutines with one), becomes ``_CoroWrapper``, a class that
steps what it wraps, as asyncio's did outside debug mode.  ``yield from
lock`` outside a ``with`` (``guard = yield from lock``), which held the lock
and gave what releases it, becomes ``await _acquired(lock)``.
``server.wait_closed()`` after ``server.close()``, which returned at once up
to 3.11 and waits for every connection from 3.12, becomes
``_wait_closed(server)``, which keeps returning at once (listed for review).

Each function is written once into the module that uses it, after its
imports: the migrated code runs without genloop.  They import what they
need inside their bodies, so they bind no name of the module's but their
own.
"""

from typing import Dict, List, Sequence, Set

import libcst as cst

__all__ = [
    "AWAIT_IF_AWAITABLE", "AS_COROUTINE_FUNCTION", "CORO_WRAPPER", "ACQUIRED", "WAIT_CLOSED",
    "with_stand_ins",
]

AWAIT_IF_AWAITABLE = "_await_if_awaitable"
AS_COROUTINE_FUNCTION = "_as_coroutine_function"
CORO_WRAPPER = "_CoroWrapper"
ACQUIRED = "_acquired"
WAIT_CLOSED = "_wait_closed"

_SOURCES: Dict[str, str] = {
    AWAIT_IF_AWAITABLE: '''
async def _await_if_awaitable(value):
    """What @asyncio.coroutine did with what a plain function returned:
    await it if it is awaitable (written by genloop migrate)."""
    import inspect
    import types

    if inspect.isgenerator(value):
        # A generator-based coroutine, which the decorator ran too.
        generator = value
        value = types.coroutine(lambda: (yield from generator))()
    if inspect.isawaitable(value):
        return await value
    return value
''',
    AS_COROUTINE_FUNCTION: '''
def _as_coroutine_function(function):
    """What asyncio.coroutine(function) gave: a coroutine function that
    awaits what ``function`` returns if it is awaitable (written by genloop
    migrate)."""
    import functools
    import inspect

    if inspect.iscoroutinefunction(function):
        return function

    @functools.wraps(function)
    async def call(*args, **kwargs):
        return await _await_if_awaitable(function(*args, **kwargs))

    return call
''',
    CORO_WRAPPER: '''
class _CoroWrapper:
    """What asyncio.coroutines.CoroWrapper was, for the classes built on it:
    a coroutine that steps the generator or coroutine it wraps (written by
    genloop migrate; asyncio's went in 3.11)."""

    def __init__(self, gen, func=None):
        self.gen = gen
        self.func = func
        self.__name__ = getattr(gen, "__name__", None)
        self.__qualname__ = getattr(gen, "__qualname__", None)

    def __iter__(self):
        return self

    def __await__(self):
        return self

    def __next__(self):
        # Through send(): what a subclass makes of a step holds however the
        # step comes (a task's C step calls __next__ from 3.12).
        return self.send(None)

    def send(self, value):
        return self.gen.send(value)

    def throw(self, *exception):
        return self.gen.throw(*exception)

    def close(self):
        return self.gen.close()

    gi_frame = property(lambda self: self.gen.gi_frame)
    gi_running = property(lambda self: self.gen.gi_running)
    gi_code = property(lambda self: self.gen.gi_code)
    gi_yieldfrom = property(lambda self: self.gen.gi_yieldfrom)
''',
    ACQUIRED: '''
async def _acquired(lock):
    """What 'yield from lock' gave: the lock (or condition, or semaphore)
    acquired, and a context manager that releases it (written by genloop
    migrate)."""
    import contextlib

    await lock.acquire()
    releasing = contextlib.ExitStack()
    releasing.callback(lock.release)
    return releasing
''',
    WAIT_CLOSED: '''
async def _wait_closed(server):
    """server.wait_closed() as it was up to 3.11: once the server is closed,
    it returns at once, its connections still open (3.12's waits for them
    to end); written by genloop migrate."""
    if server.is_serving():
        await server.wait_closed()
''',
}
#: What each stand-in calls of the others.
_NEEDS: Dict[str, Sequence[str]] = {AS_COROUTINE_FUNCTION: [AWAIT_IF_AWAITABLE]}


def with_stand_ins(module: cst.Module, names: Set[str]) -> cst.Module:
    """``module`` with the stand-ins ``names`` (and those they call) that
    it does not define yet, after the imports at its top."""
    wanted = set(names)
    for name in names:
        wanted.update(_NEEDS.get(name, ()))
    defined = {
        statement.name.value for statement in module.body
        if isinstance(statement, (cst.FunctionDef, cst.ClassDef))
    }
    missing = [name for name in sorted(wanted) if name not in defined]
    if not missing:
        return module
    added: List[cst.BaseStatement] = []
    for name in missing:
        definition = cst.parse_module(_SOURCES[name].lstrip()).body[0]
        blank = [cst.EmptyLine(), cst.EmptyLine()]
        added.append(definition.with_changes(leading_lines=blank))
    body = list(module.body)
    position = _after_imports(body)
    following = body[position:]
    if following:
        # Two blank lines after the last stand-in, then the statement's own
        # comments and the blank lines between them.
        lines = list(following[0].leading_lines)
        while lines and lines[0].comment is None:
            lines.pop(0)
        following[0] = following[0].with_changes(
            leading_lines=[cst.EmptyLine(), cst.EmptyLine()] + lines
        )
    return module.with_changes(body=body[:position] + added + following)


def _after_imports(body: Sequence[cst.BaseStatement]) -> int:
    """Where the module's opening docstring and imports (plain, or in a
    ``try`` of imports only) end."""
    position = 0
    for statement in body:
        if not _opening(statement, docstring=position == 0):
            break
        position += 1
    return position


def _opening(statement: cst.BaseStatement, docstring: bool) -> bool:
    if isinstance(statement, cst.SimpleStatementLine):
        return all(
            isinstance(small, (cst.Import, cst.ImportFrom)) or (
                docstring and isinstance(small, cst.Expr)
                and isinstance(small.value, cst.SimpleString)
            )
            for small in statement.body
        )
    if isinstance(statement, cst.Try):
        blocks = [statement.body] + [handler.body for handler in statement.handlers]
        return all(
            isinstance(block, cst.IndentedBlock)
            and all(_opening(inner, docstring=False) for inner in block.body)
            for block in blocks
        )
    return False
