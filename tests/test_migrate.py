"""``genloop migrate``: legacy asyncio code rewritten as modern asyncio code.

Each rewrite is checked on an exact before/after source; then what is left
alone (and listed), the cross-file conversion of helper generators, the
command line (--diff, --check, exit statuses), the file handling (atomic
writes, mode, encoding, BOM, CRLF, tabs, parse failures, read-only files,
files that change meanwhile, symbolic links), idempotence, and last the
corpus programs migrated and run on stock asyncio without genloop.

libcst is an optional extra that installs on CPython 3.9+ only: every test
that migrates asks for it (``pytest.importorskip``) and is skipped without
it; one test checks the message given where it is missing.
"""

import os
import re
import shutil
import stat
import sys
import textwrap
from pathlib import Path

import pytest
from childprocess import run_python
from test_compat_cases import normalise

from genloop.migrate import main

REPO = Path(__file__).resolve().parent.parent
LEGACY_DIR = REPO / "compat" / "legacy"
CASES_DIR = REPO / "compat" / "cases"


@pytest.fixture
def libcst():
    return pytest.importorskip(
        "libcst", reason="genloop migrate needs libcst (pip install genloop[migrate], "
        "CPython >= 3.9)"
    )


def source(text):
    return textwrap.dedent(text).lstrip("\n")


class Tree(object):
    """A tree of files under tmp_path, and genloop migrate run on it."""

    def __init__(self, root, capsys):
        self.root = root
        self._capsys = capsys

    def write(self, name, text):
        path = self.root / name
        path.parent.mkdir(parents=True, exist_ok=True)
        path.write_text(source(text))
        return path

    def read(self, name):
        return (self.root / name).read_text()

    def migrate(self, *arguments):
        """``genloop migrate ARGUMENTS`` (the tree's root when none):
        (status, stdout, stderr)."""
        status = main(list(arguments) or [str(self.root)])
        out, err = self._capsys.readouterr()
        return status, out, err


@pytest.fixture
def tree(tmp_path, capsys, libcst):
    return Tree(tmp_path, capsys)


def migrated(tree, text, name="module.py"):
    tree.write(name, text)
    status, out, err = tree.migrate()
    assert status == 0, out + err
    return tree.read(name)


# libcst missing.


def test_without_libcst_says_what_to_do(tmp_path, capsys, monkeypatch):
    # Where libcst is installed, hide it: the message is the same.
    monkeypatch.setitem(sys.modules, "libcst", None)
    (tmp_path / "a.py").write_text("x = 1\n")
    assert main([str(tmp_path)]) == 2
    out, err = capsys.readouterr()
    assert out == ""
    assert err.count("\n") == 1
    assert "libcst" in err and "CPython 3.9 and later" in err
    assert "pip install genloop[migrate]" in err and ">= 3.9" in err


# Each rewrite.


def test_decorated_coroutine_becomes_async_def(tree):
    after = migrated(tree, '''
        import asyncio


        # Comments above the decorator stay.
        @asyncio.coroutine  # and its own comment
        def fetch(delay):
            # inside too
            yield from asyncio.sleep(delay)   # a trailing comment
            value = yield from get()
            print("got", (yield from get()))
            return (yield from get()).upper()


        @asyncio.coroutine
        def get():
            return "x"
        ''')
    assert after == source('''
        import asyncio


        # Comments above the decorator stay.
        # and its own comment
        async def fetch(delay):
            # inside too
            await asyncio.sleep(delay)   # a trailing comment
            value = await get()
            print("got", await get())
            return (await get()).upper()


        async def get():
            return "x"
        ''')


def test_bare_coroutine_decorators_and_their_imports(tree):
    after = migrated(tree, '''
        import asyncio
        from asyncio import coroutine, sleep
        import genloop
        from trollius import coroutine as trollius_coroutine


        class Handler(object):
            @staticmethod
            @coroutine
            def first():
                yield from sleep(0)

            @genloop.coroutine
            def second(self):
                yield from self.first()

            @trollius_coroutine
            def third(self):
                yield from self.second()
        ''')
    assert after == source('''
        import asyncio
        from asyncio import sleep
        import genloop


        class Handler(object):
            @staticmethod
            async def first():
                await sleep(0)

            async def second(self):
                await self.first()

            async def third(self):
                await self.second()
        ''')


def test_trollius_from_and_return(tree):
    after = migrated(tree, '''
        import asyncio

        from trollius import From, Return


        @asyncio.coroutine
        def fetch(url):
            data = yield From(asyncio.sleep(0, url))
            if not data:
                raise Return()
            raise Return(data, len(data))
        ''')
    assert after == source('''
        import asyncio


        async def fetch(url):
            data = await asyncio.sleep(0, url)
            if not data:
                return
            return data, len(data)
        ''')


def test_raise_stop_iteration_becomes_return(tree):
    after = migrated(tree, '''
        import asyncio


        def fetch(key):
            yield from asyncio.sleep(0)
            raise StopIteration(key.upper())
        ''')
    assert after == source('''
        import asyncio


        async def fetch(key):
            await asyncio.sleep(0)
            return key.upper()
        ''')


def test_tornado_style_yields(tree):
    after = migrated(tree, '''
        import concurrent.futures
        from asyncio import coroutine


        @coroutine
        def get(n):
            yield
            return n


        @coroutine
        def main(future, pool):
            value = yield future
            yield get(1)
            both = yield [get(1), get(2)]
            pair = yield (get(3), future)
            many = yield [get(n) for n in range(3)]
            named = yield {"a": get(1), "b": future}
            done = yield pool.submit(str, 1)
            yield None
            return value, both, pair, many, named, done
        ''')
    assert after == source('''
        import asyncio
        import concurrent.futures


        async def get(n):
            await asyncio.sleep(0)
            return n


        async def main(future, pool):
            value = await future
            await get(1)
            both = await asyncio.gather(get(1), get(2))
            pair = await asyncio.gather(get(3), future)
            many = await asyncio.gather(*[get(n) for n in range(3)])
            named = dict(zip(("a", "b"), await asyncio.gather(get(1), future)))
            done = await asyncio.wrap_future(pool.submit(str, 1))
            await asyncio.sleep(0)
            return value, both, pair, many, named, done
        ''')


def test_with_yield_from_lock_becomes_async_with(tree):
    after = migrated(tree, '''
        import asyncio


        @asyncio.coroutine
        def critical(lock, pool):
            with (yield from lock):
                pass
            with (yield from lock) as held:
                pass
            with (yield from pool.connect()) as connection:
                pass


        async def native(lock):
            with (await lock):
                pass
        ''')
    assert after == source('''
        import asyncio


        async def critical(lock, pool):
            async with lock:
                pass
            async with lock as held:
                pass
            with (await pool.connect()) as connection:
                pass


        async def native(lock):
            async with lock:
                pass
        ''')


def test_asyncio_async_becomes_ensure_future(tree):
    after = migrated(tree, '''
        import asyncio

        spawn = getattr(asyncio, "async")
        task = asyncio.async(work(), loop=loop)
        ''')
    assert after == source('''
        import asyncio

        spawn = asyncio.ensure_future
        task = asyncio.ensure_future(work(), loop=loop)
        ''')


def test_asyncio_async_through_a_fallback_import_or_a_re_export(tree):
    tree.write("lib/__init__.py", "import asyncio\n")
    tree.write("lib/compat.py", """
        try:
            import asyncio
        except ImportError:
            import trollius as asyncio


        @asyncio.coroutine
        def pause():
            yield from asyncio.sleep(0)


        def spawn(job):
            return asyncio.async(job)


        @asyncio.coroutine
        def both():
            yield [pause(), pause()]
        """)
    tree.write("tests/test_spawn.py", """
        from lib import asyncio
        from lib.compat import pause


        def test_spawn():
            asyncio.async(pause())
        """)
    status, out, err = tree.migrate()
    assert status == 0, out + err
    assert tree.read("lib/compat.py") == source("""
        try:
            import asyncio
        except ImportError:
            import trollius as asyncio


        async def pause():
            await asyncio.sleep(0)


        def spawn(job):
            return asyncio.ensure_future(job)


        async def both():
            await asyncio.gather(pause(), pause())
        """)
    assert tree.read("tests/test_spawn.py") == source("""
        from lib import asyncio
        from lib.compat import pause


        def test_spawn():
            asyncio.ensure_future(pause())
        """)
    assert "left as they were" not in out


def test_async_imported_from_asyncio(tree):
    after = migrated(tree, """
        from asyncio import async
        from asyncio.tasks import async as spawn

        async(work())
        spawn(work())
        """)
    assert after == source("""
        from asyncio import ensure_future as async_
        from asyncio.tasks import ensure_future as spawn

        async_(work())
        spawn(work())
        """)


def test_async_attribute_of_an_object_outside_the_tree(tree):
    tree.write("module.py", """
        import somelib

        somelib.async(work())
        """)
    status, out, err = tree.migrate()
    assert status == 0, out + err
    assert tree.read("module.py") == source("""
        import somelib

        getattr(somelib, "async")(work())
        """)
    assert "module.py:3: L03 somelib.async: an attribute of somelib, which is outside the " \
        "tree: kept its name as getattr(somelib, \"async\"); check that somelib still has " \
        "it" in out.replace(str(tree.root) + os.sep, "")


def test_coroutine_decorator_on_an_async_def_goes(tree):
    after = migrated(tree, """
        import asyncio


        @asyncio.coroutine
        async def fetch():
            await asyncio.sleep(0)


        class Handler(object):
            @staticmethod
            # kept
            @asyncio.coroutine
            async def handle():
                pass
        """)
    assert after == source("""
        import asyncio


        async def fetch():
            await asyncio.sleep(0)


        class Handler(object):
            @staticmethod
            # kept
            async def handle():
                pass
        """)


#: The stand-ins migrate writes after a module's imports, as it writes them.
AWAIT_IF_AWAITABLE = '''
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
    '''
AS_COROUTINE_FUNCTION = '''
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
    '''


def test_decorated_plain_functions_whose_returns_are_known(tree):
    after = migrated(tree, """
        import asyncio

        from lib import Message


        class Serve(object):
            def __await__(self):
                return self.start().__await__()


        if PY34:
            @asyncio.coroutine
            def serve(path):
                return Serve(path).__await__()
        else:
            serve = Serve


        @asyncio.coroutine
        def unix_serve(path):
            return serve(path)


        @asyncio.coroutine
        def nothing():
            print("nothing")


        @asyncio.coroutine
        def constants(flag):
            if flag:
                return None
            if flag is False:
                return "no" + "thing"
            return 401, []


        @asyncio.coroutine
        def later():
            return asyncio.sleep(1)


        @asyncio.coroutine
        def relay(self):
            return self.helper() if False else nothing()


        @asyncio.coroutine
        def chained():
            return later()


        class Reply(object):
            pass


        @asyncio.coroutine
        def reply():
            return Reply()


        @asyncio.coroutine
        def null_callback(*args):
            status = 200 if args else 404
            if status == 404:
                status = None
            return args or status


        @asyncio.coroutine
        def bound(flag):
            reply = Reply()
            if flag:
                reply = None
            return reply


        @asyncio.coroutine
        def waiting():
            waited = later()
            return waited
        """)
    assert after == source("""
        import asyncio

        from lib import Message
        """) + "\n\n" + source(AWAIT_IF_AWAITABLE) + "\n\n" + source("""
        class Serve(object):
            def __await__(self):
                return self.start().__await__()


        if PY34:
            async def serve(path):
                return await _await_if_awaitable(Serve(path).__await__())
        else:
            serve = Serve


        async def unix_serve(path):
            return await serve(path)


        async def nothing():
            print("nothing")


        async def constants(flag):
            if flag:
                return None
            if flag is False:
                return "no" + "thing"
            return 401, []


        async def later():
            return await asyncio.sleep(1)


        async def relay(self):
            return await _await_if_awaitable(self.helper() if False else nothing())


        async def chained():
            return await later()


        class Reply(object):
            pass


        async def reply():
            return Reply()


        async def null_callback(*args):
            status = 200 if args else 404
            if status == 404:
                status = None
            return args or status


        async def bound(flag):
            reply = Reply()
            if flag:
                reply = None
            return reply


        async def waiting():
            waited = later()
            return await waited
        """)


def test_await_method_generators(tree):
    tree.write("module.py", """
        import asyncio


        class Serve(object):
            def __init__(self, loop):
                self._creating = loop.create_server(None)

            def __await__(self):
                # Its body becomes a coroutine's.
                server = yield from self._creating
                yield from asyncio.sleep(0)
                return server

            __iter__ = __await__


        class Queue(object):
            @asyncio.coroutine
            def can_peek(self):
                yield from asyncio.sleep(0)
                return True

            def __iter__(self):
                result = []
                while (yield from self.can_peek()):
                    result.append(1)
                return result


        class Ready(object):
            def __await__(self):
                yield
                return (yield from asyncio.sleep(0).__await__())

            def __iter__(self):
                yield 1
                yield from asyncio.sleep(0)
        """)
    status, out, err = tree.migrate()
    assert status == 0, out + err
    assert tree.read("module.py") == source("""
        import asyncio


        class Serve(object):
            def __init__(self, loop):
                self._creating = loop.create_server(None)

            def __await__(self):
                async def awaited():
                    # Its body becomes a coroutine's.
                    server = await self._creating
                    await asyncio.sleep(0)
                    return server
                return awaited().__await__()

            __iter__ = __await__


        class Queue(object):
            async def can_peek(self):
                await asyncio.sleep(0)
                return True

            def __iter__(self):
                async def awaited():
                    result = []
                    while await self.can_peek():
                        result.append(1)
                    return result
                return awaited().__await__()
            __await__ = __iter__


        class Ready(object):
            def __await__(self):
                yield
                return (yield from asyncio.sleep(0).__await__())

            def __iter__(self):
                yield 1
                yield from asyncio.sleep(0)
        """)
    left = out.replace(str(tree.root) + os.sep, "").split("to fix by hand:\n")[1]
    assert left == (
        "  module.py:35: L11 Ready.__iter__(): yields from asyncio.sleep() at module.py:37, "
        "but the iterator protocol calls it: it stays a generator, which cannot yield from a "
        "coroutine\n"
    )


def test_property_over_a_coroutine(tree):
    after = migrated(tree, """
        import asyncio


        class Request(object):
            @property
            @asyncio.coroutine
            def response(self):
                yield from asyncio.sleep(0)
                return 1

            @property
            def steps(self):
                yield from asyncio.sleep(0)
        """)
    assert after == source("""
        import asyncio


        class Request(object):
            @property
            async def response(self):
                await asyncio.sleep(0)
                return 1

            @property
            def steps(self):
                yield from asyncio.sleep(0)
        """)


def test_rows_migrate_does_not_rewrite_are_listed(tree):
    tree.write("module.py", """
        import asyncio
        import sys


        class Wrapper(object):
            def throw(self, *exc):
                return self.gen.throw(exc[0], exc[1], exc[2])


        @asyncio.coroutine
        def main():
            yield from asyncio.sleep(0)
            yield 42


        watcher = asyncio.get_child_watcher()
        """)
    tree.write("untouched.py", """
        def rethrow(gen):
            gen.throw(*sys.exc_info())
            gen.throw(ValueError, ValueError(), None)
        """)
    status, out, err = tree.migrate()
    assert status == 0, out + err
    left = out.replace(str(tree.root) + os.sep, "").split("to fix by hand:\n")[1]
    assert left == (
        "  module.py:7: L25 return self.gen.throw(exc[0], exc[1], exc[2]): not rewritten, as "
        "genloop scan finds it: gen.throw(type, value, traceback) (broke in 3.12; instead: "
        "gen.throw(exception))\n"
        "  module.py:11: L01 main(): yields a plain value at line 13, which no await takes\n"
        "  module.py:16: L28 watcher = asyncio.get_child_watcher(): not rewritten, as genloop "
        "scan finds it: child watchers (get_child_watcher(), SafeChildWatcher) (broke in "
        "3.12; instead: drop them: subprocesses need none; pick a loop with "
        "asyncio.Runner(loop_factory=))\n"
        "  untouched.py:3: L25 gen.throw(ValueError, ValueError(), None): not rewritten, as "
        "genloop scan finds it: gen.throw(type, value, traceback) (broke in 3.12; instead: "
        "gen.throw(exception))\n"
    )


def test_loop_arguments_go(tree):
    after = migrated(tree, '''
        import asyncio
        import asyncio as aio
        from asyncio import sleep as nap


        async def main(loop):
            await asyncio.sleep(1, loop=loop)
            await nap(1, loop=loop)
            await aio.wait_for(job(), 5, loop=loop, )
            await asyncio.gather(
                job(),
                job(),
                loop=loop,
            )
            await asyncio.gather(loop=loop)
            queue = asyncio.Queue(loop=loop, maxsize=2)
            reader, writer = await asyncio.open_connection("h", 1, loop=loop)
            future = asyncio.Future(loop=loop)
            task = asyncio.ensure_future(job(), loop=loop)
            other.sleep(1, loop=loop)
        ''')
    assert after == source('''
        import asyncio
        import asyncio as aio
        from asyncio import sleep as nap


        async def main(loop):
            await asyncio.sleep(1)
            await nap(1)
            await aio.wait_for(job(), 5, )
            await asyncio.gather(
                job(),
                job(),
            )
            await asyncio.gather()
            queue = asyncio.Queue(maxsize=2)
            reader, writer = await asyncio.open_connection("h", 1)
            future = asyncio.Future(loop=loop)
            task = asyncio.ensure_future(job(), loop=loop)
            other.sleep(1, loop=loop)
        ''')


def test_task_class_methods(tree):
    after = migrated(tree, '''
        from asyncio import Task


        def report(loop):
            return Task.current_task(), Task.all_tasks(loop=loop)
        ''')
    assert after == source('''
        import asyncio
        from asyncio import Task


        def report(loop):
            return asyncio.current_task(), asyncio.all_tasks(loop=loop)
        ''')


def test_joinable_queue(tree):
    after = migrated(tree, '''
        import asyncio
        from asyncio import JoinableQueue

        a = asyncio.JoinableQueue(loop=loop)
        b = JoinableQueue()
        ''')
    assert after == source('''
        import asyncio
        from asyncio import Queue as JoinableQueue

        a = asyncio.Queue()
        b = JoinableQueue()
        ''')


def test_moved_imports(tree):
    after = migrated(tree, '''
        import asyncio
        from asyncio import selectors
        from asyncio.futures import CancelledError, Future
        from asyncio.streams import IncompleteReadError

        errors = (asyncio.futures.TimeoutError, asyncio.streams.LimitOverrunError)
        selector = asyncio.selectors.SelectSelector()
        ''')
    assert after == source('''
        import asyncio
        import selectors
        from asyncio import CancelledError, Future
        from asyncio import IncompleteReadError

        errors = (asyncio.TimeoutError, asyncio.LimitOverrunError)
        selector = selectors.SelectSelector()
        ''')


def test_asyncio_selectors_module_imported(tree):
    after = migrated(tree, '''
        import asyncio.selectors as selectors
        import asyncio.selectors as sel
        import asyncio.selectors

        flags = (selectors.EVENT_READ, sel.EVENT_WRITE, asyncio.selectors.EVENT_READ)
        ''')
    assert after == source('''
        import selectors
        import selectors as sel
        import asyncio

        flags = (selectors.EVENT_READ, sel.EVENT_WRITE, selectors.EVENT_READ)
        ''')


def test_coroutines_given_to_wait_become_tasks(tree):
    after = migrated(tree, '''
        import asyncio


        async def main(jobs):
            await asyncio.wait([job(1), job(2)])
            await asyncio.wait([job(n) for n in range(3)], timeout=1)
            await asyncio.wait(jobs)
            tasks = [asyncio.ensure_future(job(n)) for n in range(3)]
            await asyncio.wait(tasks)
            filled = []
            for n in range(3):
                filled.append(asyncio.wait_for(job(n), 10))
            await asyncio.wait(filled)
        ''')
    assert after == source('''
        import asyncio


        async def main(jobs):
            await asyncio.wait([asyncio.ensure_future(job(1)), asyncio.ensure_future(job(2))])
            await asyncio.wait([asyncio.ensure_future(job(n)) for n in range(3)], timeout=1)
            await asyncio.wait([asyncio.ensure_future(aw) for aw in jobs])
            tasks = [asyncio.ensure_future(job(n)) for n in range(3)]
            await asyncio.wait(tasks)
            filled = []
            for n in range(3):
                filled.append(asyncio.wait_for(job(n), 10))
            await asyncio.wait([asyncio.ensure_future(aw) for aw in filled])
        ''')


def test_async_and_await_names_renamed_across_the_tree(tree):
    tree.write("lib.py", '''
        class Client(object):
            def __init__(self, async=False):
                self.async = async

            def call(self, await=None):
                return await
        ''')
    tree.write("app.py", '''
        import json
        from lib import Client

        client = Client(async=True)
        client.call(await=1)
        print(client.async)
        json.dumps({}, async=True)
        ''')
    status, out, err = tree.migrate()
    assert status == 0, out + err
    assert tree.read("lib.py") == source('''
        class Client(object):
            def __init__(self, async_=False):
                self.async_ = async_

            def call(self, await_=None):
                return await_
        ''')
    assert tree.read("app.py") == source('''
        import json
        from lib import Client

        client = Client(async_=True)
        client.call(await_=1)
        print(client.async_)
        json.dumps({}, **{"async": True})
        ''')


def test_new_name_is_free_in_the_whole_tree(tree):
    tree.write("taken.py", "async_ = 1\n")
    after = migrated(tree, "def run(async=False):\n    return async\n")
    assert after == "def run(async__=False):\n    return async__\n"


def test_entry_point_becomes_asyncio_run(tree):
    after = migrated(tree, '''
        import asyncio


        @asyncio.coroutine
        def main():
            yield from asyncio.sleep(0)


        if __name__ == "__main__":
            # Run it.
            loop = asyncio.get_event_loop()
            loop.run_until_complete(main())
            # Done.
            loop.close()
        ''')
    assert after == source('''
        import asyncio


        async def main():
            await asyncio.sleep(0)


        if __name__ == "__main__":
            # Run it.
            asyncio.run(main())
            # Done.
        ''')


def test_entry_point_kept_with_the_reason(tree):
    text = '''
        import asyncio


        async def main(loop):
            await asyncio.sleep(0)


        loop = asyncio.get_event_loop()
        print(loop.run_until_complete(main(loop)))
        '''
    after = migrated(tree, text)
    assert after == source('''
        import asyncio


        async def main(loop):
            await asyncio.sleep(0)


        # genloop migrate: kept, as asyncio.run() would differ: 'loop' is also used elsewhere
        loop = asyncio.get_event_loop()
        print(loop.run_until_complete(main(loop)))
        ''')
    status, out, _ = tree.migrate()
    assert tree.read("module.py") == after
    assert "module.py:9: L26 loop.run_until_complete(): 'loop' is also used elsewhere " \
        "(line 10)" in out


# The call graph across files (row L11).


def test_helpers_converted_across_files_with_their_callers(tree):
    tree.write("pkg/__init__.py", "")
    tree.write("pkg/helpers.py", '''
        import asyncio


        def pause():
            yield from asyncio.sleep(0)


        def twice():
            yield from pause()
            yield from pause()


        def numbers():
            yield 1
            yield from range(3)
        ''')
    tree.write("pkg/app.py", '''
        import asyncio

        from . import helpers
        from .helpers import twice


        def relay():
            yield from twice()


        @asyncio.coroutine
        def main():
            yield from relay()
            yield from helpers.pause()
            return list(helpers.numbers())
        ''')
    status, out, err = tree.migrate()
    assert status == 0, out + err
    assert tree.read("pkg/helpers.py") == source('''
        import asyncio


        async def pause():
            await asyncio.sleep(0)


        async def twice():
            await pause()
            await pause()


        def numbers():
            yield 1
            yield from range(3)
        ''')
    assert tree.read("pkg/app.py") == source('''
        import asyncio

        from . import helpers
        from .helpers import twice


        async def relay():
            await twice()


        async def main():
            await relay()
            await helpers.pause()
            return list(helpers.numbers())
        ''')
    assert "L11      3" in out and "L01      1" in out


# What is left alone, and listed.

UNSAFE = {
    "plain values": ('''
        import asyncio


        @asyncio.coroutine
        def main():
            yield from asyncio.sleep(0)
            yield 42
        ''', "module.py:5: L01 main(): yields a plain value at line 7, which no await takes"),
    "iterated helper": ('''
        import asyncio


        def helper():
            yield from asyncio.sleep(0)


        @asyncio.coroutine
        def main():
            yield from helper()


        for step in helper():
            pass
        ''', "module.py:4: L11 helper(): a coroutine (yields from asyncio.sleep() at "),
    "caller of an iterated helper": ('''
        import asyncio


        def helper():
            yield from asyncio.sleep(0)


        @asyncio.coroutine
        def main():
            yield from helper()


        steps = list(helper())
        ''', "module.py:9: L01 main(): delegates to helper(), which stays a generator"),
    "unknown decorator": ('''
        import asyncio
        import functools


        @functools.lru_cache()
        @asyncio.coroutine
        def main():
            yield from asyncio.sleep(0)
        ''', "module.py:7: L01 main(): also decorated with functools.lru_cache(), which"),
    "unresolved call": ('''
        from somewhere import fetch


        def helper():
            yield from fetch()
        ''', "module.py:4: L11 helper(): yields from somewhere.fetch(), which migrate"),
    "return caught": ('''
        import asyncio
        from trollius import Return


        @asyncio.coroutine
        def main():
            try:
                yield from asyncio.sleep(0)
                raise Return(1)
            except Exception:
                pass
        ''', "module.py:6: L01 main(): raises Return inside a try whose handler would"),
    "dict comprehension": ('''
        import asyncio


        @asyncio.coroutine
        def main(keys):
            found = yield {key: get(key) for key in keys}
        ''', "module.py:5: L01 main(): yields a dict comprehension"),
    "wait outside a coroutine": ('''
        import asyncio


        async def job():
            pass


        def run(loop):
            loop.run_until_complete(asyncio.wait([job()]))
        ''', "module.py:9: L08 asyncio.wait(): outside a coroutine: make each coroutine a task"),
    "coroutine over another decorator on an async def": ('''
        import asyncio
        import functools


        @asyncio.coroutine
        @functools.lru_cache()
        async def main():
            await asyncio.sleep(0)
        ''', "module.py:7: L01 main(): decorates what functools.lru_cache() returns, which"),
    "multi-line decorator": ('''
        import asyncio
        import functools


        @functools.lru_cache(
            maxsize=None)
        @asyncio.coroutine
        def main():
            yield from asyncio.sleep(0)
        ''', ("module.py:8: L01 main(): also decorated with functools.lru_cache(maxsize=None),"
              " which migrate does not know (line 5)\n")),
}


@pytest.mark.parametrize("case", sorted(UNSAFE))
def test_unsafe_left_alone_and_listed(tree, case):
    text, listed = UNSAFE[case]
    tree.write("module.py", text)
    status, out, err = tree.migrate()
    assert status == 0, err
    assert tree.read("module.py") == source(text)
    assert listed in out.replace(str(tree.root) + os.sep, "")


def run_module(path, code):
    """``code`` run on stock asyncio in the namespace of the module at
    ``path``: what it printed."""
    program = path.read_text() + "\n\n" + source(code)
    outcome = run_python(["-c", program], path.parent, {})
    assert outcome.status == 0, outcome.err
    return outcome.out


def test_a_return_migrate_cannot_tell_is_awaited_if_awaitable_at_run_time(tree):
    path = tree.write("module.py", """
        \"\"\"Readers.\"\"\"
        try:
            import asyncio
        except ImportError:
            import trollius as asyncio


        # Reads what it is given.
        @asyncio.coroutine
        def read(stream):
            return stream.read()
        """)
    status, out, err = tree.migrate()
    assert status == 0, err
    assert path.read_text() == source('''
        """Readers."""
        try:
            import asyncio
        except ImportError:
            import trollius as asyncio
        ''') + "\n\n" + source(AWAIT_IF_AWAITABLE) + "\n\n" + source('''
        # Reads what it is given.
        async def read(stream):
            return await _await_if_awaitable(stream.read())
        ''')
    assert out.replace(str(tree.root) + os.sep, "") == (
        "1 of 1 file changed\n"
        "rewritten, by row:\n"
        "  L01      1  asyncio.coroutine\n"
        "rewritten with a check at run time (1), to review by hand:\n"
        "  module.py:11: L01 read(): not a generator: its decorator awaited what it returned "
        "when that was awaitable, which migrate cannot tell here: awaited if it is, checked "
        "at run time\n"
    )
    assert run_module(path, """
        class Stream(object):
            def __init__(self, value):
                self.value = value

            def read(self):
                return self.value


        async def sleeping():
            await asyncio.sleep(0)
            return "from a coroutine"


        def generator(loop):
            return (yield from resolved(loop, "from a generator"))


        def resolved(loop, value):
            future = loop.create_future()
            loop.call_soon(future.set_result, value)
            return future


        async def main():
            loop = asyncio.get_running_loop()
            values = ["plain", resolved(loop, "from a future"), sleeping(), generator(loop)]
            for value in values:
                print(await read(Stream(value)))


        asyncio.run(main())
        """) == "plain\nfrom a future\nfrom a coroutine\nfrom a generator\n"


def test_coroutine_called_as_a_function_becomes_a_stand_in(tree):
    path = tree.write("module.py", """
        import asyncio


        def times_ten(x):
            return x * 10


        times_ten_coro = asyncio.coroutine(times_ten)


        class Resource(object):
            def __enter__(self):
                return self

            def __exit__(self, *exc_info):
                print("exit")

            __aenter__ = asyncio.coroutine(__enter__)
            __aexit__ = asyncio.coroutine(__exit__)
        """)
    status, out, err = tree.migrate()
    assert status == 0, err
    assert path.read_text() == "import asyncio\n\n\n" + source(AS_COROUTINE_FUNCTION) + (
        "\n\n" + source(AWAIT_IF_AWAITABLE) + "\n\n" + source("""
        def times_ten(x):
            return x * 10


        times_ten_coro = _as_coroutine_function(times_ten)


        class Resource(object):
            def __enter__(self):
                return self

            def __exit__(self, *exc_info):
                print("exit")

            __aenter__ = _as_coroutine_function(__enter__)
            __aexit__ = _as_coroutine_function(__exit__)
        """))
    assert "L01      3  asyncio.coroutine" in out and "left as they were" not in out
    assert run_module(path, """
        async def native():
            return "native"


        async def main():
            print(await times_ten_coro(4))
            print(asyncio.iscoroutinefunction(times_ten_coro))
            print(_as_coroutine_function(native) is native)
            async with Resource() as resource:
                print(type(resource).__name__)


        asyncio.run(main())
        """) == "40\nTrue\nTrue\nResource\nexit\n"
    assert tree.migrate() == (0, "0 of 1 file changed\n", "")


def test_a_class_built_on_corowrapper_gets_a_stand_in(tree):
    """asynctest wraps patched coroutines in a CoroWrapper subclass, which
    asyncio dropped in 3.11."""
    path = tree.write("module.py", """
        import asyncio
        import asyncio.coroutines


        class Counting(asyncio.coroutines.CoroWrapper):
            steps = 0

            def send(self, value):
                Counting.steps += 1
                return super().send(value)
        """)
    status, out, err = tree.migrate()
    assert status == 0, err
    text = path.read_text()
    assert "class Counting(_CoroWrapper):" in text
    assert text.index("class _CoroWrapper:") < text.index("class Counting")
    assert "L19      1" in out and "left as they were" not in out
    assert run_module(path, """
        async def pause():
            await asyncio.sleep(0)
            return "done"


        async def main():
            print(await Counting(pause()))
            task = asyncio.ensure_future(Counting(pause()))
            print(await task, Counting.steps)
            wrapped = Counting(pause())
            print(asyncio.iscoroutine(wrapped), wrapped.__name__)
            wrapped.close()


        asyncio.run(main())
        """) == "done\ndone 4\nTrue pause\n"
    assert tree.migrate() == (0, "0 of 1 file changed\n", "")


def test_a_lock_yielded_from_outside_a_with_is_acquired_by_a_stand_in(tree):
    path = tree.write("module.py", """
        import asyncio


        @asyncio.coroutine
        def main(loop):
            lock = asyncio.Lock(loop=loop)
            guard = yield from lock
            print(lock.locked())
            with guard:
                print(lock.locked())
            print(lock.locked())
            for kind in (asyncio.Semaphore, asyncio.BoundedSemaphore):
                print(kind(2, loop=loop).locked())
        """)
    status, out, err = tree.migrate()
    assert status == 0, err
    text = path.read_text()
    assert "    guard = await _acquired(lock)\n" in text
    assert "async def _acquired(lock):" in text and "kind(2)" in text
    assert "left as they were" not in out
    assert run_module(path, """
        async def run():
            await main(asyncio.get_running_loop())


        asyncio.run(run())
        """) == "True\nTrue\nFalse\nFalse\nFalse\n"


def test_wait_closed_after_close_keeps_returning_at_once(tree):
    """Up to 3.11 a closed server's wait_closed() returned at once; from
    3.12 it waits for every connection to end, which legacy shutdown code
    with a connection still open never sees."""
    path = tree.write("module.py", """
        import asyncio


        @asyncio.coroutine
        def main():
            accepted = []
            server = yield from asyncio.start_server(
                lambda reader, writer: accepted.append(writer), "127.0.0.1", 0)
            reader, writer = yield from asyncio.open_connection(*server.sockets[0].getsockname())
            yield from asyncio.sleep(0.05)
            server.close()
            yield from server.wait_closed()
            print("closed, with", len(accepted), "connection open")
            writer.close()
            accepted[0].close()
        """)
    status, out, err = tree.migrate()
    assert status == 0, err
    text = path.read_text()
    assert "    await _wait_closed(server)\n" in text and "async def _wait_closed(server):" in text
    reported = out.replace(str(tree.root) + os.sep, "")
    assert "L35      1  Server.close() then" in reported
    assert ("rewritten with a check at run time (1), to review by hand:\n"
            "  module.py:12: L35 server.wait_closed(): after close(), it returned at once up to "
            "3.11") in reported
    assert run_module(path, """
        asyncio.run(asyncio.wait_for(main(), 5))
        """) == "closed, with 1 connection open\n"


def test_decorators_over_a_coroutine_decorator_defined_in_the_tree_are_kept(tree):
    tree.write("scheduling.py", """
        import asyncio
        import functools


        def every(seconds):
            def decorate(function):
                function.every = seconds
                return function
            return decorate


        def connected(function):
            @asyncio.coroutine
            @functools.wraps(function)
            def wrapper(self, *args):
                yield from self.connecting
                return (yield from function(self, *args))
            return wrapper
        """)
    after = migrated(tree, """
        import asyncio
        import functools

        from scheduling import connected, every


        class Client(object):
            @every(5)
            @asyncio.coroutine
            def ping(self):
                return 1

            @connected
            @asyncio.coroutine
            def publish(self, message):
                yield from self.send(message)
        """)
    assert after == source("""
        import asyncio
        import functools

        from scheduling import connected, every


        class Client(object):
            @every(5)
            async def ping(self):
                return 1

            @connected
            async def publish(self, message):
                await self.send(message)
        """)
    assert "async def wrapper" in tree.read("scheduling.py")


def test_nothing_to_do(tree):
    tree.write("plain.py", "def numbers():\n    yield 1\n")
    assert tree.migrate() == (0, "0 of 1 file changed\n", "")
    assert tree.read("plain.py") == "def numbers():\n    yield 1\n"


# The command line.

LEGACY = '''
    import asyncio


    @asyncio.coroutine
    def main():
        yield from asyncio.sleep(0, loop=None)
    '''


def test_diff_writes_nothing(tree):
    path = tree.write("module.py", LEGACY)
    status, out, err = tree.migrate("--diff", str(tree.root))
    assert status == 0
    assert tree.read("module.py") == source(LEGACY)
    assert out.startswith("--- {}\n+++ {}\n@@ ".format(path, path))
    assert out.endswith(
        " import asyncio\n \n \n-@asyncio.coroutine\n-def main():\n"
        "-    yield from asyncio.sleep(0, loop=None)\n"
        "+async def main():\n+    await asyncio.sleep(0)\n"
    )
    assert "1 of 1 file would change" in err


def test_check(tree):
    tree.write("module.py", LEGACY)
    status, out, _ = tree.migrate("--check", str(tree.root))
    assert status == 1 and "1 of 1 file would change" in out
    assert tree.read("module.py") == source(LEGACY)
    assert tree.migrate()[0] == 0
    status, out, _ = tree.migrate("--check", str(tree.root))
    assert status == 0 and "0 of 1 file would change" in out


@pytest.mark.parametrize("arguments, message", [
    ([], "the following arguments are required: PATH"),
    (["--diff", "--check", "."], "not allowed with argument"),
    (["no/such/path.py"], "no such file or directory: no/such/path.py"),
    (["--frobnicate", "."], "unrecognized arguments: --frobnicate"),
])
def test_usage_errors(capsys, arguments, message):
    assert main(arguments) == 2
    out, err = capsys.readouterr()
    assert out == "" and err.count("\n") == 1
    assert err.startswith("genloop migrate: ") and message in err


def test_module_entry_point(tmp_path, libcst):
    (tmp_path / "module.py").write_text(source(LEGACY))
    outcome = run_python(["-m", "genloop.migrate", "--check", "module.py"], tmp_path,
                         {"PYTHONPATH": str(REPO)})
    assert outcome.status == 1, outcome.err
    assert "1 of 1 file would change" in outcome.out
    assert outcome.err == ""  # no progress when stderr is not a terminal


def test_single_file(tree):
    tree.write("one.py", LEGACY)
    tree.write("other.py", LEGACY)
    status, out, _ = tree.migrate(str(tree.root / "one.py"))
    assert status == 0 and "1 of 1 file changed" in out
    assert "async def" in tree.read("one.py")
    assert tree.read("other.py") == source(LEGACY)


# Files.


def test_idempotent_on_the_legacy_corpus(tmp_path, capsys, libcst):
    copy = tmp_path / "legacy"
    shutil.copytree(str(LEGACY_DIR), str(copy))
    assert main([str(copy)]) == 0
    first = capsys.readouterr().out
    assert main(["--check", str(copy)]) == 0
    second = capsys.readouterr().out
    assert second.startswith("0 of ")
    # The same constructs are left (lines move where a comment was added).
    assert _without_lines(first.split("left as they were")[1]) == _without_lines(
        second.split("left as they were")[1]
    )


def _without_lines(report):
    return re.sub(r"(:\d+:|line \d+)", "", report)


def test_mode_kept_and_no_temporary_file_left(tree):
    path = tree.write("module.py", LEGACY)
    path.chmod(0o751)
    tree.migrate()
    assert stat.S_IMODE(path.stat().st_mode) == 0o751
    assert sorted(os.listdir(str(tree.root))) == ["module.py"]


def test_encoding_cookie_bom_and_crlf_kept(tree):
    latin = tree.root / "latin.py"
    latin.write_bytes(
        b"# -*- coding: latin-1 -*-\r\nimport asyncio\r\n\r\n\r\n@asyncio.coroutine\r\n"
        b"def main():\r\n    yield from asyncio.sleep(0)  # caf\xe9\r\n"
    )
    bom = tree.root / "bom.py"
    bom.write_bytes(
        b"\xef\xbb\xbfimport asyncio\n\n\n@asyncio.coroutine\ndef main():\n"
        b"    yield from asyncio.sleep(0)  # caf\xc3\xa9\n"
    )
    tree.migrate()
    assert latin.read_bytes() == (
        b"# -*- coding: latin-1 -*-\r\nimport asyncio\r\n\r\n\r\n"
        b"async def main():\r\n    await asyncio.sleep(0)  # caf\xe9\r\n"
    )
    assert bom.read_bytes() == (
        b"\xef\xbb\xbfimport asyncio\n\n\nasync def main():\n"
        b"    await asyncio.sleep(0)  # caf\xc3\xa9\n"
    )


def test_tabs_and_spaces_kept(tree):
    path = tree.root / "tabs.py"
    path.write_bytes(
        b"import asyncio\n\n\n@asyncio.coroutine\ndef main(flag):\n"
        b"\tif flag:\n\t        yield from asyncio.sleep(0)\n\treturn flag\n"
    )
    tree.migrate()
    assert path.read_bytes() == (
        b"import asyncio\n\n\nasync def main(flag):\n"
        b"\tif flag:\n\t        await asyncio.sleep(0)\n\treturn flag\n"
    )


def test_parse_failure_reported_and_file_kept(tree):
    broken = tree.write("broken.py", "def f(:\n    yield from x\n")
    tree.write("good.py", LEGACY)
    status, out, _ = tree.migrate()
    assert status == 0
    assert broken.read_text() == "def f(:\n    yield from x\n"
    assert "{}:1: cannot parse: invalid syntax; fix it".format(broken) in out
    assert "async def" in tree.read("good.py")


def test_read_only_file_reported_and_kept(tree):
    path = tree.write("module.py", LEGACY)
    path.chmod(0o444)
    status, out, _ = tree.migrate()
    assert status == 0
    assert tree.read("module.py") == source(LEGACY)
    assert "{}: read-only: not changed; make it writable".format(path) in out
    assert "0 of 1 file changed, 1 not migrated" in out


def test_file_changed_while_migrated_is_not_overwritten(tree, monkeypatch):
    from genloop.migrate import sources

    path = tree.write("module.py", LEGACY)
    real_mkstemp = sources.tempfile.mkstemp

    def meanwhile(*args, **kwargs):
        path.write_text("# edited meanwhile\n")
        return real_mkstemp(*args, **kwargs)

    monkeypatch.setattr(sources.tempfile, "mkstemp", meanwhile)
    status, out, _ = tree.migrate()
    assert status == 0
    assert path.read_text() == "# edited meanwhile\n"
    assert "{}: changed on disk while it was being migrated: not overwritten".format(path) in out
    assert os.listdir(str(tree.root)) == ["module.py"]


@pytest.mark.skipif(not hasattr(os, "symlink"), reason="no symbolic links here")
def test_symbolic_links_not_followed_out_of_the_tree(tmp_path, capsys, libcst):
    outside = tmp_path / "outside.py"
    outside.write_text(source(LEGACY))
    inside = tmp_path / "tree"
    inside.mkdir()
    (inside / "link.py").symlink_to(outside)
    assert main([str(inside)]) == 0
    assert outside.read_text() == source(LEGACY)
    assert main([str(inside / "link.py")]) == 0
    assert "a symbolic link, not followed" in capsys.readouterr().out
    assert outside.read_text() == source(LEGACY)


# The corpus, migrated and run on stock asyncio.

#: Legacy programs that do not run the same once migrated, and why (each is
#: listed by the migration, or its row is out of migrate's reach).
LEGACY_DIFFERENT = {
    "coroutine_decorator.py": "it prints asyncio.iscoroutinefunction() of an undecorated "
                              "helper generator, which migrate makes an async def (L11)",
    "default_executor.py": "L29 (a default executor that is not a ThreadPoolExecutor) "
                           "has no rewrite",
    "task_classmethods.py": "asyncio.all_tasks() lists pending tasks only, where "
                            "Task.all_tasks() listed finished ones too (L07)",
    "tornado_style.py": "'yield 42' waits for nothing: main() is left (listed)",
}

LEGACY_PROGRAMS = sorted(path.name for path in LEGACY_DIR.glob("[!_]*.py"))


@pytest.fixture(scope="module")
def migrated_legacy(tmp_path_factory):
    pytest.importorskip("libcst", reason="genloop migrate needs libcst")
    if sys.version_info < (3, 12):
        pytest.skip("the migrated programs are checked on stock asyncio of 3.12 and 3.13")
    copy = tmp_path_factory.mktemp("migrated") / "legacy"
    shutil.copytree(str(LEGACY_DIR), str(copy))
    assert main([str(copy)]) == 0
    return copy


@pytest.fixture(scope="module")
def six_only(tmp_path_factory):
    """A directory holding six alone, which the trollius-era programs
    import: the PYTHONPATH of a child run with -S (no site-packages, so no
    genloop)."""
    six = pytest.importorskip("six", reason="the trollius-era programs import six")
    directory = tmp_path_factory.mktemp("six")
    shutil.copy(six.__file__, str(directory))
    return str(directory)


@pytest.mark.parametrize("name", [
    pytest.param(name, marks=pytest.mark.xfail(strict=True, reason=LEGACY_DIFFERENT[name]))
    if name in LEGACY_DIFFERENT else name
    for name in LEGACY_PROGRAMS
])
def test_migrated_legacy_program_runs_on_stock_asyncio(migrated_legacy, six_only, name):
    outcome = run_python(["-S", name], migrated_legacy, {"PYTHONPATH": six_only})
    expected = (LEGACY_DIR / name).with_suffix(".out").read_text()
    assert outcome.status == 0, outcome.err
    assert normalise(outcome.out) == normalise(expected)


def test_migrated_seed_cases_run_on_genloop_without_its_compat_layer(tmp_path, capsys,
                                                                     libcst, six_only):
    """The seed cases are written with genloop's own API (its loop, its
    run()), which migrate keeps: once migrated they run on genloop as
    plain Python.  Only the mixed program's main() stays a legacy
    coroutine: it yields plain values on purpose (genloop throws them back
    as bad yields)."""
    copy = tmp_path / "cases"
    shutil.copytree(str(CASES_DIR), str(copy))
    assert main([str(copy)]) == 0
    left = capsys.readouterr().out.split("left as they were (1), to fix by hand:\n")[1]
    assert left.endswith("_mixed_program.py:150: L01 main(): yields a plain value at line "
                         "214, which no await takes\n")
    for program in sorted(copy.glob("[!_]*.py")):
        outcome = run_python(["-S", program.name], copy,
                             {"PYTHONPATH": os.pathsep.join([str(REPO), six_only])})
        assert outcome.status == 0, (program.name, outcome.err)
        expected = (CASES_DIR / program.name).with_suffix(".out").read_text()
        assert normalise(outcome.out) == normalise(expected), program.name


def test_drop_genloop_rewrites_genloop_api_as_asyncio(tree):
    tree.write("module.py", """
        import genloop
        from genloop import Task, current_task as current
        from genloop.testing import VirtualClock


        async def main(clock=VirtualClock):
            print(isinstance(current(), Task))
            print(genloop.iscoroutinefunction(main))


        def start():
            genloop.install()


        loop = genloop.new_event_loop()
        # Genloop's tasks on any loop.
        loop.set_task_factory(genloop.task_factory)
        # Run it.
        loop.run_until_complete(main())
        genloop.run(main(), debug=genloop.LegacyAPIWarning)
        """)
    status, out, err = tree.migrate("--drop-genloop", str(tree.root))
    assert status == 0, err
    assert tree.read("module.py") == source("""
        import asyncio
        import genloop
        from genloop.testing import VirtualClock


        async def main(clock=VirtualClock):
            print(isinstance(asyncio.current_task(), asyncio.Task))
            print(asyncio.iscoroutinefunction(main))


        def start():
            pass


        loop = asyncio.new_event_loop()
        # Genloop's tasks on any loop.
        # Run it.
        loop.run_until_complete(main())
        asyncio.run(main(), debug=genloop.LegacyAPIWarning)
        """)
    assert out.replace(str(tree.root) + os.sep, "") == (
        "1 of 1 file changed\n"
        "genloop's own API, rewritten as asyncio's: 7\n"
        "left as they were (2), to fix by hand:\n"
        "  module.py:6: genloop genloop.testing.VirtualClock: asyncio has no equivalent: this "
        "module still needs genloop\n"
        "  module.py:20: genloop genloop.LegacyAPIWarning: asyncio has no equivalent: this "
        "module still needs genloop\n"
    )
    # Without the option genloop's API stays.
    tree.write("kept.py", "import genloop\n\nloop = genloop.new_event_loop()\n")
    assert tree.migrate(str(tree.root / "kept.py"))[0] == 0
    assert tree.read("kept.py") == "import genloop\n\nloop = genloop.new_event_loop()\n"


def test_drop_genloop_drops_the_same_statements_every_time(tmp_path, capsys, libcst):
    """A statement dropped inside a function once freed its node, whose id
    a later statement could get and so be dropped too: each of 40 runs
    must give the same text."""
    text = source("""
        import genloop


        def start():
            genloop.install()


        loop = genloop.new_event_loop()
        value = [1, 2, 3]
        loop.set_task_factory(genloop.task_factory)
        print(value)
        """)
    results = set()
    for run in range(40):
        path = tmp_path / str(run) / "module.py"
        path.parent.mkdir()
        path.write_text(text)
        assert main(["--drop-genloop", str(path)]) == 0
        results.add(path.read_text())
    capsys.readouterr()
    assert results == {source("""
        import asyncio


        def start():
            pass


        loop = asyncio.new_event_loop()
        value = [1, 2, 3]
        print(value)
        """)}


#: Seed cases that do not run the same on stock asyncio once migrated off
#: genloop, and why.
CASES_DIFFERENT = {
    name: "the program behind it shows genloop's engine: a bare 'yield' that gives "
          "another task a turn and the RuntimeError genloop throws back for a bad yield, "
          "which stock asyncio's tasks do not have (its main() is left, listed)"
    for name in ("mixed_styles_genloop.py", "mixed_styles_stock_factory.py")
}

CASES = sorted(path.name for path in CASES_DIR.glob("[!_]*.py"))


@pytest.fixture(scope="module")
def cases_off_genloop(tmp_path_factory):
    pytest.importorskip("libcst", reason="genloop migrate needs libcst")
    copy = tmp_path_factory.mktemp("off-genloop") / "cases"
    shutil.copytree(str(CASES_DIR), str(copy))
    assert main(["--drop-genloop", str(copy)]) == 0
    return copy


@pytest.mark.parametrize("name", [
    pytest.param(name, marks=pytest.mark.xfail(strict=True, reason=CASES_DIFFERENT[name]))
    if name in CASES_DIFFERENT else name
    for name in CASES
])
def test_seed_cases_migrated_off_genloop_run_on_stock_asyncio(cases_off_genloop, six_only, name):
    """With --drop-genloop, genloop's own API becomes asyncio's: the cases
    run with no genloop to import (-S, six alone on the path)."""
    outcome = run_python(["-S", name], cases_off_genloop, {"PYTHONPATH": six_only})
    expected = (CASES_DIR / name).with_suffix(".out").read_text()
    assert outcome.status == 0, outcome.err
    assert normalise(outcome.out) == normalise(expected)
