"""``genloop scan`` (genloop/scan/): the legacy constructs a source tree
shows, by row of the legacy API inventory, found without running it.

Most tests run the command in this process (``genloop.cli.main``) on
modules written to the test's temporary directory; a few run ``python -m
genloop`` as a child, as a user would.
"""

import collections
import io
import json
import os
import pathlib
import re
import stat
import sys
import textwrap

import pytest
from childprocess import run_python

from genloop import _sourcefile, cli
from genloop.compat.rows import ROWS
from genloop.compat.usage import row_fields, row_text
from genloop.scan import detect
from genloop.scan.ignore import last_match, parse_rules
from genloop.scan.newer_syntax import newest_construct

REPO = pathlib.Path(__file__).resolve().parent.parent
RUNNING = sys.version_info[:2]

Outcome = collections.namedtuple("Outcome", "status out err")


def write(directory, name, text, encoding="utf-8"):
    path = directory / name
    path.parent.mkdir(parents=True, exist_ok=True)
    path.write_bytes(textwrap.dedent(text).encode(encoding))
    return path


def genloop_scan(capsys, *args):
    """``genloop scan ARGS`` in this process."""
    status = cli.main(["scan"] + [str(arg) for arg in args])
    captured = capsys.readouterr()
    return Outcome(status, captured.out, captured.err)


def scan_json(capsys, *args):
    outcome = genloop_scan(capsys, "--json", *args)
    assert outcome.status in (0, 1), outcome.err
    return json.loads(outcome.out)


def sites(capsys, path, *args):
    """(row, line) of each site of ``path``, in the report's order."""
    return [(site["row"], site["line"]) for site in scan_json(capsys, path, *args)["sites"]]


def found(tmp_path, capsys, text, *args):
    """(row, line) of each site of a module made of ``text``."""
    return sites(capsys, write(tmp_path, "module.py", text), *args)


def rows_found(tmp_path, capsys, text):
    return set(row for row, _ in found(tmp_path, capsys, text))


# Every row: a sample that the scan finds, or the reason no scan can.

#: For each row a scan finds: a module that has the construct, and its line.
SAMPLES = {
    "L01": ("""\
        import asyncio

        @asyncio.coroutine
        def main():
            yield from asyncio.sleep(0)
        """, 3),
    "L02": ("""\
        import asyncio
        task = asyncio.async(work())
        """, 2),
    "L03": ("""\
        def connect(host, async=False):
            return host
        """, 1),
    "L04": ("""\
        import asyncio
        queue = asyncio.JoinableQueue()
        """, 2),
    "L05": ("""\
        import asyncio

        async def main(loop):
            await asyncio.sleep(1, loop=loop)
        """, 4),
    "L06": ("""\
        import asyncio

        @asyncio.coroutine
        def locked(lock):
            with (yield from lock):
                pass
        """, 5),
    "L07": ("""\
        import asyncio

        def current():
            return asyncio.Task.current_task()
        """, 4),
    "L08": ("""\
        import asyncio

        async def main():
            await asyncio.wait([asyncio.sleep(1), asyncio.sleep(2)])
        """, 4),
    "L09": ("""\
        import asyncio

        def job():
            yield

        print(asyncio.iscoroutine(job()))
        """, 6),
    "L10": ("""\
        import asyncio

        def job():
            yield

        async def main():
            await asyncio.ensure_future(job())
        """, 7),
    "L11": ("""\
        import asyncio

        def helper():
            yield from asyncio.sleep(1)
        """, 4),
    "L12": ("""\
        def job():
            yield

        async def main():
            await job()
        """, 5),
    "L13": ("""\
        from trollius import From

        def fetch(url):
            data = yield From(get(url))
        """, 4),
    "L15": ("""\
        import asyncio

        @asyncio.coroutine
        def job():
            yield

        print(asyncio.iscoroutinefunction(job))
        """, 7),
    "L18": ("""\
        import sys
        sys.set_coroutine_wrapper(None)
        """, 2),
    "L19": ("""\
        from asyncio.futures import CancelledError
        """, 1),
    "L20": ("""\
        import asyncio

        class Traced(asyncio.Task):
            def _step(self, exc=None):
                super()._step(exc)
        """, 4),
    "L21": ("""\
        import asyncio

        @asyncio.coroutine
        def worker():
            try:
                yield from asyncio.sleep(1)
            except Exception:
                pass
        """, 7),
    "L22": ("""\
        import asyncio

        async def main():
            try:
                await asyncio.sleep(1)
            except asyncio.TimeoutError:
                pass
            except TimeoutError:
                pass
        """, 8),
    "L23": ("""\
        class Stream:
            async def __aiter__(self):
                return self
        """, 2),
    "L24": ("""\
        def job():
            yield
            raise StopIteration(1)
        """, 3),
    "L25": ("""\
        def stop(generator, exc):
            generator.throw(type(exc), exc, None)
        """, 2),
    "L26": ("""\
        import asyncio
        loop = asyncio.get_event_loop()
        """, 2),
    "L27": ("""\
        import asyncio
        future = asyncio.Future()
        """, 2),
    "L28": ("""\
        import asyncio
        watcher = asyncio.get_child_watcher()
        """, 2),
    "L29": ("""\
        import concurrent.futures

        def setup(loop):
            loop.set_default_executor(concurrent.futures.ProcessPoolExecutor())
        """, 4),
    "L30": ("""\
        async def listen(loop):
            await loop.create_datagram_endpoint(Protocol, reuse_address=True)
        """, 2),
    "L31": ("""\
        import asyncio
        LOCK = asyncio.Lock()
        """, 2),
    "L32": ("""\
        def factory(loop, coro):
            return Task(coro, loop=loop)

        def setup(loop):
            loop.set_task_factory(factory)
        """, 5),
    "L34": ("""\
        import collections
        isinstance({}, collections.Mapping)
        """, 2),
    "L35": ("""\
        import asyncio

        async def serve():
            server = await asyncio.start_server(handle, "127.0.0.1", 0)
            server.close()
            await server.wait_closed()
        """, 6),
    "L36": ("""\
        import asyncio

        async def main():
            await asyncio.wait_for(asyncio.sleep(1), 5)
        """, 4),
}


def test_every_row_is_found_by_the_scan_or_said_to_be_runtime_only():
    assert set(SAMPLES) | detect.RUNTIME_ONLY == set(ROWS)
    assert not set(SAMPLES) & detect.RUNTIME_ONLY


@pytest.mark.parametrize("row_id", sorted(SAMPLES))
def test_the_sample_of_each_row_is_found_at_its_line(row_id, tmp_path, capsys):
    text, line = SAMPLES[row_id]
    assert (row_id, line) in found(tmp_path, capsys, text)


@pytest.mark.parametrize("row_id", sorted(detect.RUNTIME_ONLY))
def test_each_runtime_only_row_has_its_reason_in_the_docstring(row_id):
    assert re.search(r"^- {} \(.+\n?.*\): \w".format(row_id), detect.__doc__, re.MULTILINE)


# Rows one by one: the forms each takes, and what is no legacy construct.


def test_l01_every_name_of_asyncio_coroutine(tmp_path, capsys):
    text = """\
        import asyncio
        import asyncio as aio
        import asyncio.coroutines
        from asyncio import coroutine

        @coroutine
        def a():
            yield

        @aio.coroutine
        def b():
            yield

        @asyncio.coroutines.coroutine
        def c():
            yield

        def plain():
            return 1

        wrapped = asyncio.coroutine(plain)
        """
    assert found(tmp_path, capsys, text) == [
        ("L01", 4), ("L01", 6), ("L01", 10), ("L01", 14), ("L01", 21)
    ]


def test_l01_not_other_coroutine_decorators(tmp_path, capsys):
    text = """\
        import types

        import genloop

        def coroutine(function):
            return function

        @types.coroutine
        def a():
            yield

        @genloop.coroutine
        def b():
            yield

        @coroutine
        def c():
            yield
        """
    assert found(tmp_path, capsys, text) == []


def test_l02_asyncio_async_under_any_name(tmp_path, capsys):
    path = write(tmp_path, "module.py", """\
        import asyncio
        import asyncio as aio
        from asyncio import async

        def spawn(work):
            first = asyncio.async(work())
            second = aio.async(work())
            third = getattr(asyncio, "async")(work())
            spawn = asyncio.async
            fourth = async(work())
        """)
    report = scan_json(capsys, path)
    assert [(site["row"], site["line"], site["column"]) for site in report["sites"]] == [
        ("L02", 3, 1), ("L02", 6, 13), ("L02", 7, 14), ("L02", 8, 13), ("L02", 9, 13),
        ("L02", 10, 14),
    ]


def test_l03_async_and_await_as_names_on_every_python(tmp_path, capsys):
    path = write(tmp_path, "module.py", """\
        import asyncio

        def connect(host, async=False):
            return host

        class Job(object):
            def run(self):
                self.await = connect("h", async=True)
                async = 1
                return async

        loop = asyncio.get_event_loop()
        """)
    report = scan_json(capsys, path)
    assert [(site["row"], site["line"], site["column"]) for site in report["sites"]] == [
        ("L03", 3, 19), ("L03", 8, 14), ("L03", 8, 35), ("L03", 9, 9), ("L03", 10, 16),
        ("L26", 12, 8),
    ]
    assert report["skipped"] == []


def test_l05_loop_argument_only_on_the_asyncio_apis_that_dropped_it(tmp_path, capsys):
    text = """\
        import asyncio
        import asyncio as aio
        import asyncio.locks
        from asyncio import sleep as nap

        def sleep(delay, loop=None):
            return delay

        async def main(loop, other):
            await asyncio.sleep(1, loop=loop)
            await nap(1, loop=loop)
            queue = aio.Queue(loop=loop)
            lock = asyncio.locks.Lock(loop=loop)
            await asyncio.open_connection("h", 1, loop=loop)
            await asyncio.create_subprocess_exec("ls", loop=loop)
            sleep(1, loop=loop)
            other.sleep(1, loop=loop)
            asyncio.Future(loop=loop)
            asyncio.ensure_future(main(loop, other), loop=loop)
            loop.create_task(main(loop, other))
        """
    assert [line for row, line in found(tmp_path, capsys, text) if row == "L05"] == [
        10, 11, 12, 13, 14, 15
    ]


def test_l06_a_lock_taken_with_yield_from_or_await(tmp_path, capsys):
    text = """\
        import asyncio
        from trollius import From

        lock = asyncio.Lock()

        @asyncio.coroutine
        def legacy(self):
            with (yield from self._lock):
                pass
            guard = yield from lock
            with guard:
                pass
            with (yield From(self._lock)):
                pass
            with (yield from session.get(url)) as response:
                pass

        async def native(condition):
            with (await condition):
                pass
        """
    assert [line for row, line in found(tmp_path, capsys, text) if row == "L06"] == [
        8, 10, 13, 19
    ]


def test_l07_task_class_methods_however_task_was_imported(tmp_path, capsys):
    text = """\
        import asyncio
        from asyncio import Task

        def tasks():
            return asyncio.Task.all_tasks(), Task.current_task(), asyncio.current_task()
        """
    assert found(tmp_path, capsys, text) == [("L07", 5), ("L07", 5)]


def test_l08_a_literal_collection_of_coroutine_calls_given_to_wait(tmp_path, capsys):
    text = """\
        import asyncio

        async def main(urls, tasks):
            await asyncio.wait([fetch(url) for url in urls])
            await asyncio.wait({fetch(urls[0]), asyncio.ensure_future(fetch(urls[1]))})
            await asyncio.wait([asyncio.ensure_future(fetch(url)) for url in urls])
            await asyncio.wait(tasks)
        """
    assert found(tmp_path, capsys, text) == [("L08", 4), ("L08", 5)]


def test_l10_l12_generators_of_the_module_made_tasks_or_awaited(tmp_path, capsys):
    text = """\
        import asyncio

        def job():
            yield

        async def native():
            return 1

        class Worker(object):
            def step(self):
                yield

            async def run(self, loop):
                loop.create_task(self.step())
                await self.step()
                await asyncio.gather(job(), native())
                await asyncio.wait([job()])
                await native()

        loop = asyncio.get_event_loop()
        pending = job()
        loop.run_until_complete(pending)
        """
    assert found(tmp_path, capsys, text) == [
        ("L10", 14), ("L12", 15), ("L10", 16), ("L08", 17), ("L10", 17), ("L26", 20),
        ("L10", 22),
    ]


def test_l11_helper_generators_as_genloop_adapts_them(tmp_path, capsys):
    """An undecorated generator that delegates to a coroutine; not one
    that delegates to a plain generator, a future or an iterator, and not
    a decorated one."""
    text = """\
        import asyncio

        from tornado import gen

        def pause():
            yield

        def helper(loop, reader):
            yield from asyncio.sleep(0)
            yield from reader.readline()
            yield from pause()
            yield from loop.run_in_executor(None, print)
            yield from range(3)
            yield from asyncio.gather(pause())

        @asyncio.coroutine
        def decorated():
            yield from asyncio.sleep(0)

        @gen.coroutine
        def tornado_style():
            yield from asyncio.sleep(0)

        class Client(object):
            def plain(self):
                yield

            @asyncio.coroutine
            def legacy(self):
                yield

            def helper(self):
                yield from self.plain()
                yield from self.legacy()

        def outer():
            def inner():
                yield

            def nested_helper():
                yield from inner()
            return nested_helper
        """
    assert [line for row, line in found(tmp_path, capsys, text) if row == "L11"] == [9, 10, 34]


def test_l11_not_in_code_that_imports_no_coroutines(tmp_path, capsys):
    text = """\
        import os

        def tree(top):
            yield from os.walk(top)
        """
    assert found(tmp_path, capsys, text) == []


def test_l13_trollius_and_tornado_yields(tmp_path, capsys):
    text = """\
        import asyncio
        from trollius import From, Return

        @asyncio.coroutine
        def get_user(uid):
            yield asyncio.sleep(0)
            raise Return(uid)

        def get_friends(uid):
            user = yield get_user(uid)
            names = yield [get_user(friend) for friend in uid]
            yield From(asyncio.sleep(0))
            return user, names

        @asyncio.coroutine
        def main():
            yield
            return (yield from get_user(1))

        def numbers():
            yield 1
            yield get_user(2)
        """
    assert found(tmp_path, capsys, text) == [
        ("L01", 4), ("L13", 6), ("L13", 7), ("L13", 10), ("L13", 11), ("L13", 12), ("L01", 15),
    ]


def test_l19_moved_and_dropped_names(tmp_path, capsys):
    text = """\
        import asyncio
        import asyncio.test_utils
        from asyncio import selectors
        from asyncio.compat import PY34

        errors = (asyncio.futures.CancelledError, asyncio.streams.IncompleteReadError)
        debug = asyncio.coroutines._DEBUG, asyncio.coroutines.CoroWrapper
        """
    assert found(tmp_path, capsys, text) == [
        ("L19", 2), ("L19", 3), ("L19", 4), ("L19", 6), ("L19", 6), ("L19", 7), ("L19", 7),
    ]


def test_l21_l22_in_generator_coroutines_only(tmp_path, capsys):
    text = """\
        import asyncio

        @asyncio.coroutine
        def legacy():
            try:
                yield from asyncio.sleep(1)
            except asyncio.CancelledError:
                raise
            except Exception:
                pass
            try:
                yield from asyncio.sleep(1)
            except TimeoutError:
                pass

        async def native():
            try:
                await asyncio.sleep(1)
            except Exception:
                pass
            try:
                await asyncio.sleep(1)
            except TimeoutError:
                pass
        """
    assert found(tmp_path, capsys, text) == [("L01", 3), ("L22", 13)]


def test_l24_stopiteration_raised_in_generators_only(tmp_path, capsys):
    text = """\
        import asyncio

        @asyncio.coroutine
        def decorated():
            yield
            raise StopIteration("value")

        def plain():
            yield
            raise StopIteration

        class Countdown(object):
            def __next__(self):
                raise StopIteration
        """
    assert found(tmp_path, capsys, text) == [("L01", 3), ("L24", 6), ("L24", 10)]


def test_l26_l27_l31_outside_a_running_loop(tmp_path, capsys):
    text = """\
        import asyncio

        LOCK = asyncio.Lock()

        def main():
            loop = asyncio.get_event_loop()
            task = asyncio.ensure_future(work())
            loop.run_until_complete(task)

        def callback():
            asyncio.get_event_loop().call_soon(print)
            asyncio.Lock()

        async def work():
            asyncio.get_event_loop()
            asyncio.ensure_future(work())

        if __name__ == "__main__":
            loop = asyncio.get_event_loop()
            done = asyncio.Future(loop=loop)
            both = asyncio.gather(work(), work())
            waited = asyncio.gather(done)
        """
    assert found(tmp_path, capsys, text) == [
        ("L31", 3), ("L26", 6), ("L27", 7), ("L26", 19), ("L27", 21)
    ]


def test_l34_collections_aliases_only(tmp_path, capsys):
    text = """\
        import collections
        import collections.abc
        from collections import Mapping, OrderedDict

        bases = (collections.MutableMapping, collections.abc.Mapping, collections.OrderedDict)
        """
    assert found(tmp_path, capsys, text) == [("L34", 3), ("L34", 5)]


def test_l35_a_server_made_through_run_until_complete(tmp_path, capsys):
    """hbmqtt's tests: the coroutine that makes the server is a name, run
    by the loop, and the server is closed and waited for the same way."""
    text = """\
        import asyncio

        def test_start_stop(self):
            coro = asyncio.start_server(handle, "127.0.0.1", 8888)
            server = self.loop.run_until_complete(coro)
            server.close()
            self.loop.run_until_complete(server.wait_closed())
            other = self.loop.run_until_complete(self.make())
            other.close()
            self.loop.run_until_complete(other.wait_closed())
        """
    assert found(tmp_path, capsys, text) == [("L35", 7)]


def test_rows_whose_objects_the_module_shows(tmp_path, capsys):
    """L25, L29, L30, L32, L35, L36: their look-alikes are left alone."""
    text = """\
        import asyncio
        import concurrent.futures

        class Pool(concurrent.futures.ThreadPoolExecutor):
            pass

        def factory(loop, coro, **kwargs):
            return asyncio.Task(coro, loop=loop, **kwargs)

        async def main(loop, generator, task, writer):
            generator.throw(ValueError("stop"))
            loop.set_default_executor(concurrent.futures.ThreadPoolExecutor())
            loop.set_default_executor(Pool())
            await loop.create_datagram_endpoint(object, reuse_address=False)
            loop.set_task_factory(factory)
            writer.close()
            await writer.wait_closed()
            await asyncio.wait_for(task, 5)
            await asyncio.wait_for(asyncio.ensure_future(main()), 5)
            await asyncio.wait_for(main(), None)
        """
    assert found(tmp_path, capsys, text) == []


def test_l20_l23_only_where_they_apply(tmp_path, capsys):
    text = """\
        import asyncio

        class Stepper(object):
            def _step(self):
                pass

        class Stream(object):
            def __aiter__(self):
                return self

            @asyncio.coroutine
            def __aiter__(self):
                return self
        """
    assert found(tmp_path, capsys, text) == [("L01", 11), ("L23", 12)]


# The report: text, JSON, exit status, rows chosen.


def test_the_text_report_groups_sites_by_file_with_counts_per_row(
    tmp_path, capsys, monkeypatch
):
    monkeypatch.chdir(tmp_path)
    write(tmp_path, "app/server.py", """\
        import asyncio

        @asyncio.coroutine
        def serve(loop):
            yield from asyncio.sleep(0, loop=loop)
        """)
    write(tmp_path, "app/clean.py", "print('nothing legacy')\n")
    write(tmp_path, "main.py", "import asyncio\nloop = asyncio.get_event_loop()\n")
    outcome = genloop_scan(capsys, ".")
    assert outcome.status == 1
    assert outcome.err == ""
    l01, l05, l26 = (row_text(row_fields(row)) for row in ("L01", "L05", "L26"))
    assert outcome.out.splitlines() == [
        "Legacy asyncio APIs found (3 sites in 2 of 3 files scanned)",
        "",
        os.path.join("app", "server.py") + " (L01 x1, L05 x1)",
        "  {}:3:2: {}".format(os.path.join("app", "server.py"), l01),
        "      @asyncio.coroutine",
        "  {}:5:16: {}".format(os.path.join("app", "server.py"), l05),
        "      yield from asyncio.sleep(0, loop=loop)",
        "",
        "main.py (L26 x1)",
        "  main.py:2:8: " + l26,
        "      loop = asyncio.get_event_loop()",
        "",
        "By row: L01 x1, L05 x1, L26 x1",
    ]


def test_the_rows_are_worded_as_in_run_reports(tmp_path, capsys):
    report = scan_json(capsys, write(tmp_path, "module.py", SAMPLES["L05"][0]))
    site = report["sites"][0]
    assert {key: site[key] for key in ("row", "api", "broken_in", "replacement")} == {
        "row": "L05",
        "api": ROWS["L05"].api,
        "broken_in": ROWS["L05"].broken_in,
        "replacement": ROWS["L05"].replacement,
    }
    assert row_text(site) == (
        "L05 the loop= argument (broke in 3.10; instead: drop the argument "
        "(the running loop is used))"
    )


def test_the_json_report(tmp_path, capsys):
    path = write(tmp_path, "module.py", SAMPLES["L26"][0])
    assert scan_json(capsys, path) == {
        "files_scanned": 1,
        "sites": [dict(
            row_fields("L26"),
            file=str(path),
            line=2,
            column=8,
            code="loop = asyncio.get_event_loop()",
            reached=None,
        )],
        "skipped": [],
        "merged": None,
    }


def test_a_clean_tree_exits_0(tmp_path, capsys):
    write(tmp_path, "clean.py", """\
        import asyncio

        async def main():
            await asyncio.sleep(0)

        asyncio.run(main())
        """)
    outcome = genloop_scan(capsys, tmp_path)
    assert outcome == (0, "No legacy asyncio APIs found (1 file scanned)\n", "")


def test_select_and_ignore_choose_the_rows_and_the_exit_status(tmp_path, capsys):
    path = write(tmp_path, "module.py", """\
        import asyncio
        from asyncio.futures import CancelledError

        @asyncio.coroutine
        def main(loop):
            yield from asyncio.sleep(0, loop=loop)
        """)
    assert sites(capsys, path) == [("L19", 2), ("L01", 4), ("L05", 6)]
    assert sites(capsys, path, "--select", "L01,l05") == [("L01", 4), ("L05", 6)]
    assert sites(capsys, path, "--select", "L01", "--select", "L19") == [("L19", 2), ("L01", 4)]
    assert sites(capsys, path, "--ignore", "L19", "--ignore", "L01,L05") == []
    assert genloop_scan(capsys, path, "--ignore", "L01,L05,L19").status == 0
    assert genloop_scan(capsys, path, "--select", "L19").status == 1


@pytest.mark.parametrize("args, message", [
    (["missing.py"], "genloop scan: no such file or directory: missing.py; give Python files, "
                     "or directories that hold them"),
    (["--select", "L01,L99", "."], "genloop scan: unknown row L99 in --select: rows are L01 to "
                                   "L36 (the legacy API inventory, docs/legacy-code.md); give them "
                                   "comma-separated, as --select L01,L05"),
    (["--ignore", "5", "."], "genloop scan: unknown row 5 in --ignore"),
    (["--select", ",", "."], "genloop scan: --select names no row; give row ids"),
    (["--merge", "absent.json", "."], "genloop scan: cannot read the run report absent.json"),
])
def test_usage_errors_exit_2_with_one_line_saying_what_to_do(
    args, message, tmp_path, capsys, monkeypatch
):
    monkeypatch.chdir(tmp_path)
    outcome = genloop_scan(capsys, *args)
    assert outcome.status == 2
    assert outcome.out == ""
    assert outcome.err.startswith(message)
    assert outcome.err.count("\n") == 1


@pytest.mark.parametrize("content, problem", [
    ("{not json", "is not JSON"),
    ('{"file": "a.py", "line": 1}', "is not a run report"),
    ('[{"file": "a.py"}]', "is not a run report"),
])
def test_a_merge_file_that_is_no_run_report_is_a_usage_error(content, problem, tmp_path,
                                                             capsys):
    report = write(tmp_path, "report.json", content)
    outcome = genloop_scan(capsys, "--merge", report, tmp_path)
    assert outcome.status == 2
    assert problem in outcome.err
    assert outcome.err.rstrip().endswith("give the FILE.json that 'genloop run --report FILE' "
                                         "wrote")


# --merge: the sites a run reached.


def test_merge_marks_the_sites_a_run_reported_at_the_same_line(tmp_path, capsys, monkeypatch):
    monkeypatch.chdir(tmp_path)
    write(tmp_path, "pkg/worker.py", """\
        import asyncio

        @asyncio.coroutine
        def work(loop):
            yield from asyncio.gather(
                asyncio.sleep(0),
                loop=loop)
            yield from asyncio.sleep(0, loop=loop)
        """)
    main = write(tmp_path, "main.py", SAMPLES["L26"][0])
    report = write(tmp_path, "run.txt.json", json.dumps([
        {"file": str(main), "line": 2, "row": "L26"},
        {"file": os.path.join("pkg", "worker.py"), "line": 7, "row": "L05"},
        {"file": "elsewhere.py", "line": 3, "row": "L01"},
    ]))
    merged = scan_json(capsys, "--merge", report, ".")
    assert [(site["file"], site["line"], site["reached"]) for site in merged["sites"]] == [
        ("main.py", 2, True),
        (os.path.join("pkg", "worker.py"), 3, False),
        (os.path.join("pkg", "worker.py"), 5, True),
        (os.path.join("pkg", "worker.py"), 8, False),
    ]
    assert merged["merged"] == str(report)
    text = genloop_scan(capsys, "--merge", report, ".").out.splitlines()
    assert text[-1] == "The run in {} reached 2 of these 4 sites".format(report)
    site_lines = [line for line in text if line.startswith("  ") and line[2] != " "]
    assert [line.endswith(" [reached by the run]") for line in site_lines] == [
        True, False, True, False
    ]


def test_merge_with_a_real_run_report(tmp_path):
    """``genloop run --report``, then ``python -m genloop scan --merge`` of
    the same program: the run's sites are among the scan's, reached."""
    write(tmp_path, "program.py", """\
        import asyncio

        @asyncio.coroutine
        def main(loop):
            yield from asyncio.sleep(0, loop=loop)
            if False:
                yield from asyncio.sleep(0, loop=loop)
            return "done"

        loop = asyncio.get_event_loop()
        print(loop.run_until_complete(main(loop)))
        """)
    ran = run_python(
        ["-m", "genloop", "run", "--report", "run.txt", "program.py"], cwd=tmp_path
    )
    assert (ran.status, ran.out) == (0, "done\n"), ran.err
    scanned = run_python(
        ["-m", "genloop", "scan", "--json", "--merge", "run.txt.json", "program.py"],
        cwd=tmp_path,
    )
    assert scanned.status == 1, scanned.err
    report = json.loads(scanned.out)
    assert [(site["row"], site["line"], site["reached"]) for site in report["sites"]] == [
        ("L01", 3, True), ("L05", 5, True), ("L05", 7, False), ("L26", 10, True),
    ]
    run_words = (tmp_path / "run.txt").read_text().splitlines()[3]
    assert run_words == "  3: " + row_text(dict(row_fields("L01"), count=1))


# Which files: directories, .gitignore, --exclude, what is skipped.

LEGACY_LINE = "import asyncio\nloop = asyncio.get_event_loop()\n"


def scanned_files(capsys, root, *args):
    report = scan_json(capsys, root, *args)
    return sorted(
        os.path.relpath(site["file"], str(root)).replace(os.sep, "/") for site in report["sites"]
    )


def test_gitignore_patterns_negation_directories_and_anchors(tmp_path, capsys):
    for name in ["app.py", "build/out.py", "docs/conf.py", "pkg/docs/conf.py", "gen_pb2.py",
                 "keep_pb2.py", "pkg/sub/local.py", "pkg/sub/other.py", "notes/a/b/fixture.py",
                 "pkg/notes.py"]:
        write(tmp_path, name, LEGACY_LINE)
    write(tmp_path, ".gitignore", """\
        # generated
        build/
        /docs
        *_pb2.py
        !keep_pb2.py
        notes/**/fixture.py
        """)
    write(tmp_path, "pkg/sub/.gitignore", "local.py\n")
    assert scanned_files(capsys, tmp_path) == [
        "app.py", "keep_pb2.py", "pkg/docs/conf.py", "pkg/notes.py", "pkg/sub/other.py",
    ]


def test_exclude_takes_gitignore_patterns_and_wins(tmp_path, capsys):
    for name in ["app.py", "tests/test_app.py", "pkg/tests/helper.py", "pkg/mod.py"]:
        write(tmp_path, name, LEGACY_LINE)
    write(tmp_path, ".gitignore", "!pkg/mod.py\n")
    assert scanned_files(capsys, tmp_path, "--exclude", "/tests", "--exclude", "mod.py") == [
        "app.py", "pkg/tests/helper.py",
    ]
    assert scanned_files(capsys, tmp_path, "--exclude", "tests/") == ["app.py", "pkg/mod.py"]


@pytest.mark.parametrize("pattern, path, is_directory, ignored", [
    ("*.py", "a/b.py", False, True),
    ("/b.py", "a/b.py", False, None),
    ("a/*.py", "a/b.py", False, True),
    ("a/*.py", "x/a/b.py", False, None),
    ("build/", "build", False, None),
    ("build/", "x/build", True, True),
    ("**/x/*.py", "x/y.py", False, True),
    ("a/**", "a/b/c.py", False, True),
    ("a/**/c.py", "a/c.py", False, True),
    ("a/**/c.py", "a/b/b/c.py", False, True),
    ("[ab].py", "b.py", False, True),
    ("[!ab].py", "b.py", False, None),
    ("?.py", "ab.py", False, None),
    ("\\#x.py", "#x.py", False, True),
    ("# comment", "# comment", False, None),
])
def test_gitignore_pattern_semantics(pattern, path, is_directory, ignored):
    assert last_match(parse_rules([pattern], ""), path, is_directory) is ignored


def test_gitignore_rules_of_a_subdirectory_apply_below_it():
    rules = parse_rules(["/x.py", "y.py"], "sub")
    assert last_match(rules, "sub/x.py", False) is True
    assert last_match(rules, "x.py", False) is None
    assert last_match(rules, "sub/deep/y.py", False) is True
    assert last_match(rules, "other/y.py", False) is None


def test_vcs_bytecode_and_virtualenv_directories_are_skipped(tmp_path, capsys):
    for name in [".git/hooks/x.py", "__pycache__/x.py", "venv/lib/x.py", ".hg/x.py",
                 "src/app.py", "src/notes.txt"]:
        write(tmp_path, name, LEGACY_LINE)
    write(tmp_path, "venv/pyvenv.cfg", "home = /usr/bin\n")
    assert scanned_files(capsys, tmp_path) == ["src/app.py"]


@pytest.mark.skipif(not hasattr(os, "symlink"), reason="no symbolic links here")
def test_symlinks_are_not_followed_out_of_the_tree(tmp_path, capsys):
    outside = tmp_path / "outside"
    write(outside, "secret.py", LEGACY_LINE)
    tree = tmp_path / "tree"
    write(tree, "app.py", LEGACY_LINE)
    os.symlink(str(outside), str(tree / "linked_dir"))
    os.symlink(str(outside / "secret.py"), str(tree / "linked.py"))
    os.symlink(str(tree / "app.py"), str(tree / "again.py"))
    assert scanned_files(capsys, tree) == ["app.py"]
    # A link given by name is scanned: the user chose it.
    assert sites(capsys, tree / "linked.py") == [("L26", 2)]


def test_a_single_file_is_scanned_whatever_its_name(tmp_path, capsys):
    script = write(tmp_path, "bin/legacy-tool", LEGACY_LINE)
    write(tmp_path, ".gitignore", "bin/\n")
    assert sites(capsys, script) == [("L26", 2)]


# Files that are not plain UTF-8 Python 3 source.


def test_binary_and_undecodable_files_are_skipped_with_a_warning(tmp_path, capsys):
    write(tmp_path, "app.py", LEGACY_LINE)
    (tmp_path / "blob.py").write_bytes(b"\x00\x01binary\x00")
    (tmp_path / "latin.py").write_bytes(b"name = '\xe9t\xe9'\n")
    outcome = genloop_scan(capsys, tmp_path)
    assert outcome.status == 1
    assert "app.py:2:8: L26" in outcome.out
    assert "(1 site in 1 of 1 file scanned)" in outcome.out
    warnings = outcome.err.splitlines()
    assert warnings == [
        "genloop scan: skipped {}: a binary file (it holds NUL bytes), not Python "
        "source".format(tmp_path / "blob.py"),
        "genloop scan: skipped {}: cannot decode it ({}); give it a PEP 263 coding line "
        "or save it as UTF-8".format(tmp_path / "latin.py", warnings[1].split("(", 1)[1]
                                     .rsplit(");", 1)[0]),
    ]


def test_coding_cookies_boms_and_crlf_line_ends(tmp_path, capsys):
    latin = write(
        tmp_path, "latin.py",
        "# -*- coding: latin-1 -*-\nimport asyncio\n"
        "name = 'été'; loop = asyncio.get_event_loop()\n",
        encoding="latin-1",
    )
    bom = tmp_path / "bom.py"
    bom.write_bytes(b"\xef\xbb\xbf" + LEGACY_LINE.encode("utf-8"))
    crlf = tmp_path / "crlf.py"
    crlf.write_bytes(LEGACY_LINE.replace("\n", "\r\n").encode("utf-8"))
    report = scan_json(capsys, latin, bom, crlf)
    assert [(site["file"], site["line"], site["column"], site["code"])
            for site in report["sites"]] == [
        (str(latin), 3, 22, "name = 'été'; loop = asyncio.get_event_loop()"),
        (str(bom), 2, 8, "loop = asyncio.get_event_loop()"),
        (str(crlf), 2, 8, "loop = asyncio.get_event_loop()"),
    ]


@pytest.mark.skipif(not hasattr(os, "geteuid") or os.geteuid() == 0,
                    reason="root reads a file whatever its permission bits say")
def test_an_unreadable_file_is_skipped_with_a_warning(tmp_path, capsys):
    locked = write(tmp_path, "locked.py", LEGACY_LINE)
    os.chmod(str(locked), 0)
    try:
        outcome = genloop_scan(capsys, tmp_path)
    finally:
        os.chmod(str(locked), stat.S_IRUSR | stat.S_IWUSR)
    assert outcome.status == 0
    assert outcome.err.startswith("genloop scan: skipped {}: cannot read it: ".format(locked))


def test_a_file_that_fails_to_open_is_skipped_with_a_warning(tmp_path, capsys, monkeypatch):
    """As the test above, for a user (root here) whom the system refuses."""
    write(tmp_path, "app.py", LEGACY_LINE)
    locked = write(tmp_path, "locked.py", LEGACY_LINE)

    def refuse_locked(path, *args, **kwargs):
        if path == str(locked):
            raise PermissionError(13, "Permission denied", path)
        return open(path, *args, **kwargs)

    monkeypatch.setattr(_sourcefile, "open", refuse_locked, raising=False)
    outcome = genloop_scan(capsys, tmp_path)
    assert outcome.status == 1
    assert outcome.err == (
        "genloop scan: skipped {}: cannot read it: Permission denied; make it readable "
        "to scan it\n".format(locked)
    )


# Source for another Python than the running one.

#: Constructs each newer Python added, the Python, and the line.
NEWER_SYNTAX = [
    ("if (n := 1):\n    pass\n", (3, 8)),
    ("def f(a, /, b):\n    pass\n", (3, 8)),
    ("@buttons[0].clicked.connect\ndef f():\n    pass\n", (3, 9)),
    ("match command:\n    case 1:\n        pass\n", (3, 10)),
    ("with (open(a) as b, open(c) as d):\n    pass\n", (3, 10)),
    ("try:\n    pass\nexcept* ValueError:\n    pass\n", (3, 11)),
    ("x = a[*b]\n", (3, 11)),
    ("type Point = tuple[int, int]\n", (3, 12)),
    ("def first[T](items: list[T]) -> T:\n    return items[0]\n", (3, 12)),
    ("def first[T = int](items):\n    return items[0]\n", (3, 13)),
]

#: f-strings as 3.8 and 3.12 widened them (3.12's tokenizer reads them in
#: parts, and only a Python before it needs to be told).
NEWER_FSTRINGS = [
    ('print(f"{value=}")\n', (3, 8)),
    ('print(f"{names["first"]}")\n', (3, 12)),
    ("print(f\"{'\\n'.join(lines)}\")\n", (3, 12)),
]

#: What looks like them but is older syntax.
OLDER_SYNTAX = [
    "match = re.match(pattern, text)\nmatch.group(0)\nprint(match)\n",
    "with (yield from lock):\n    pass\n",
    "x = [*a]\ny = a[1:2]\nz: int = 3\n",
    "@property\ndef f(self):\n    pass\n@app.route('/x', methods=['GET'])\ndef g():\n    pass\n",
    'print(f"{a == b} {{literal}} {x!r:>10}")\n',
]


@pytest.mark.parametrize("text, version", NEWER_SYNTAX + (
    NEWER_FSTRINGS if RUNNING < (3, 12) else []
))
def test_the_python_a_source_needs_is_told_from_its_tokens(text, version):
    construct = newest_construct(text)
    assert construct is not None and construct.version == version


@pytest.mark.parametrize("text", OLDER_SYNTAX)
def test_older_syntax_needs_no_newer_python(text):
    assert newest_construct(text) is None


@pytest.mark.skipif(RUNNING >= (3, 13), reason="no syntax the scanner knows is newer than 3.13")
def test_source_for_a_newer_python_is_skipped_saying_which_python_to_use(tmp_path, capsys):
    text, version = next(
        (text, version) for text, version in reversed(NEWER_SYNTAX) if version > RUNNING
    )
    newer = write(tmp_path, "newer.py", "import asyncio\n" + text)
    write(tmp_path, "app.py", LEGACY_LINE)
    outcome = genloop_scan(capsys, tmp_path)
    assert outcome.status == 1
    assert "app.py:2:8: L26" in outcome.out
    assert re.fullmatch(
        r"genloop scan: skipped {}: cannot parse with Python {}\.{}; run genloop scan with "
        r"Python >= {}\.{} \(line \d has .+\)\n".format(
            re.escape(str(newer)), RUNNING[0], RUNNING[1], version[0], version[1]
        ),
        outcome.err,
    )


def test_a_syntax_error_is_skipped_with_its_line_and_what_to_do(tmp_path, capsys):
    broken = write(tmp_path, "py2.py", "import asyncio\nprint 'hello'\n")
    outcome = genloop_scan(capsys, "--json", broken)
    assert outcome.status == 0
    report = json.loads(outcome.out)
    assert report["files_scanned"] == 0
    [(path, reason)] = [(each["file"], each["reason"]) for each in report["skipped"]]
    assert path == str(broken)
    assert reason.startswith("line 2: cannot parse: ")
    assert reason.endswith("; fix the syntax error or leave the file out with --exclude")
    assert outcome.err == "genloop scan: skipped {}: {}\n".format(broken, reason)


# Progress, on a terminal only.


class Terminal(io.StringIO):
    def isatty(self):
        return True


def test_progress_is_drawn_on_a_terminal_and_erased(tmp_path, capsys, monkeypatch):
    for index in range(3):
        write(tmp_path, "m{}.py".format(index), "x = {}\n".format(index))
    terminal = Terminal()
    monkeypatch.setattr(sys, "stderr", terminal)
    assert cli.main(["scan", str(tmp_path)]) == 0
    drawn = terminal.getvalue()
    assert drawn.startswith("\rscanned 1/3 files")
    assert "\rscanned 3/3 files" in drawn
    assert drawn.endswith("\r" + " " * len("scanned 3/3 files") + "\r")


def test_a_warning_on_a_terminal_takes_a_line_of_its_own(tmp_path, capsys, monkeypatch):
    write(tmp_path, "a.py", "x = 1\n")
    (tmp_path / "b.py").write_bytes(b"\x00")
    terminal = Terminal()
    monkeypatch.setattr(sys, "stderr", terminal)
    cli.main(["scan", str(tmp_path)])
    erase = "\r" + " " * len("scanned 1/2 files") + "\r"
    assert terminal.getvalue() == (
        "\rscanned 1/2 files" + erase + "genloop scan: skipped {}: a binary file (it holds NUL "
        "bytes), not Python source\n".format(tmp_path / "b.py") + "\rscanned 2/2 files" + erase
    )


def test_no_progress_when_stderr_is_no_terminal(tmp_path):
    write(tmp_path, "app.py", LEGACY_LINE)
    outcome = run_python(["-m", "genloop", "scan", "."], cwd=tmp_path)
    assert outcome.status == 1
    assert outcome.err == ""
    assert outcome.out.startswith("Legacy asyncio APIs found (1 site in 1 of 1 file scanned)")


# The project's own legacy corpus.

#: Sites read in compat/legacy/*.py and compat/cases/*.py, by file.
CORPUS_SITES = {
    "legacy/async_alias.py": [("L02", 9), ("L01", 16), ("L02", 24)],
    "legacy/lock_yield_from.py": [("L06", 16), ("L05", 34), ("L06", 45)],
    "legacy/moved_imports.py": [("L19", 8), ("L19", 9), ("L19", 10)],
    "legacy/joinable_queue.py": [("L04", 35), ("L05", 35)],
    "legacy/task_classmethods.py": [("L07", 17)],
    "legacy/tornado_style.py": [("L13", 20), ("L13", 26)],
    "legacy/trollius_crawler.py": [("L13", 30), ("L05", 30), ("L06", 52)],
    "legacy/stopiteration_decorated.py": [("L24", 20)],
    "legacy/stopiteration_in_task.py": [("L24", 14)],
    "legacy/task_factory.py": [("L32", 49)],
    "legacy/mixed_async_def.py": [("L15", 84)],
    "legacy/generator_tasks.py": [("L10", 30), ("L09", 47)],
    "legacy/implicit_loop.py": [("L26", 27), ("L27", 31), ("L31", 34)],
    "legacy/default_executor.py": [("L29", 65)],
    "legacy/echo_protocol.py": [("L35", 82)],
    "cases/trollius_style.py": [("L13", 19), ("L13", 20)],
}


def test_the_legacy_corpus_shows_the_rows_its_programs_cover(capsys):
    report = scan_json(capsys, REPO / "compat" / "legacy", REPO / "compat" / "cases")
    assert report["skipped"] == []
    by_file = collections.defaultdict(set)
    for site in report["sites"]:
        relative = os.path.relpath(site["file"], str(REPO / "compat"))
        by_file[relative.replace(os.sep, "/")].add((site["row"], site["line"]))
    for name, expected in CORPUS_SITES.items():
        assert set(expected) <= by_file[name], name
    # Every legacy program uses the legacy API; the cases written with
    # genloop's own API mostly do not.
    legacy_programs = [path.name for path in (REPO / "compat" / "legacy").glob("[!_]*.py")]
    assert all(by_file["legacy/" + name] for name in legacy_programs)
    assert not by_file["cases/hello_coroutine.py"]
