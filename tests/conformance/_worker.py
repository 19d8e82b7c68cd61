"""Run one ``test.test_asyncio`` module in this process, with unittest, and
write one JSON line per event to a results file.

    python _worker.py MODULE --results FILE [--stock] [--timeout S] [--skip-ids FILE]
                      [--testloop genloop|factory] [--compat]

Events: ``start`` (before a test's setUp, flushed, so that the parent knows
which test hung or crashed), ``end`` (with the outcome), ``na`` (a test
skipped by not_applicable.py), ``stale`` (an entry of not_applicable.py
that matches no test of this module), ``module_skipped`` and ``done``.

A test that runs longer than ``--timeout`` seconds ends the process: the
faulthandler prints every thread's stack to stderr and exits; ``run.py``
records the test as hung and starts the module again after it.
"""

import argparse
import faulthandler
import importlib
import json
import signal
import sys
import time
import traceback
import unittest

import _na

PREFIX = "test.test_asyncio."


class Context(object):
    """Where the running Python keeps its asyncio tests."""

    def __init__(self, package, test_utils):
        self.package = package
        self.test_utils = test_utils

    @staticmethod
    def asyncio_module(name):
        return importlib.import_module("asyncio." + name)


def locate():
    """(Context, None), or (None, why) when this Python has no asyncio tests."""
    try:
        package = importlib.import_module("test.test_asyncio")
    except unittest.SkipTest as skip:
        return None, "test.test_asyncio skips itself here: {}".format(skip)
    except ImportError as error:
        return None, "this Python has no test package (import test.test_asyncio: {})".format(
            error)
    try:
        test_utils = importlib.import_module("test.test_asyncio.utils")
    except ImportError:
        # 3.6 keeps the helpers in asyncio itself.
        test_utils = importlib.import_module("asyncio.test_utils")
    return Context(package, test_utils), None


def short_id(test_id):
    return test_id[len(PREFIX):] if test_id.startswith(PREFIX) else test_id


def iter_tests(suite):
    for item in suite:
        if isinstance(item, unittest.TestSuite):
            for test in iter_tests(item):
                yield test
        else:
            yield item


class Emitter(object):
    def __init__(self, path):
        self.stream = open(path, "a")

    def __call__(self, event, **fields):
        fields["e"] = event
        self.stream.write(json.dumps(fields) + "\n")
        self.stream.flush()


def _format_detail(text, limit=6000):
    return text if len(text) <= limit else text[:limit // 2] + "\n[...]\n" + text[-limit // 2:]


class StreamingResult(unittest.TestResult):
    """Collects one outcome per test and emits it; arms the hang timer."""

    def __init__(self, emit, timeout, before_test):
        super().__init__()
        self.buffer = True
        self.emit = emit
        self.timeout = timeout
        self.before_test = before_test
        self._outcome = None
        self._detail = ""
        self._started = 0.0

    def startTest(self, test):
        self.emit("start", id=short_id(test.id()))
        self.before_test()
        if self.timeout:
            faulthandler.dump_traceback_later(self.timeout, exit=True, file=sys.__stderr__)
        self._outcome, self._detail = "passed", ""
        self._started = time.monotonic()
        super().startTest(test)

    def stopTest(self, test):
        super().stopTest(test)
        if self.timeout:
            faulthandler.cancel_dump_traceback_later()
        self.emit("end", id=short_id(test.id()), outcome=self._outcome,
                  detail=_format_detail(self._detail),
                  time=round(time.monotonic() - self._started, 3))

    def _set(self, outcome, detail):
        rank = {"passed": 0, "skipped": 1, "failed": 2, "error": 3}
        if rank[outcome] >= rank[self._outcome or "passed"]:
            self._outcome = outcome
        if detail:
            self._detail += detail

    def _fixture_error(self, test, err, outcome):
        # setUpClass/tearDownModule errors come with a placeholder "test".
        self.emit("end", id=short_id(str(test)), outcome=outcome,
                  detail=_format_detail(self._exc_info_to_string(err, test)), time=0)

    def addError(self, test, err):
        super().addError(test, err)
        if not isinstance(test, unittest.TestCase):
            self._fixture_error(test, err, "error")
        else:
            self._set("error", self.errors[-1][1])

    def addFailure(self, test, err):
        super().addFailure(test, err)
        self._set("failed", self.failures[-1][1])

    def addSubTest(self, test, subtest, err):
        super().addSubTest(test, subtest, err)
        if err is not None:
            failed = issubclass(err[0], test.failureException)
            self._set("failed" if failed else "error",
                      "{}\n{}".format(subtest, self._exc_info_to_string(err, test)))

    def addSkip(self, test, reason):
        super().addSkip(test, reason)
        if not isinstance(test, unittest.TestCase):
            self.emit("end", id=short_id(str(test)), outcome="skipped", detail=reason, time=0)
        else:
            self._set("skipped", reason)

    def addExpectedFailure(self, test, err):
        super().addExpectedFailure(test, err)
        self._set("passed", "")

    def addUnexpectedSuccess(self, test):
        super().addUnexpectedSuccess(test)
        self._set("failed", "unexpected success")


def build_suite(name, ctx, stock, emit, skip_ids):
    """The module's tests, with genloop's classes added and the
    not-applicable ones taken out (reported as ``na`` events)."""
    module = importlib.import_module(PREFIX + name)
    if not stock:
        import _families

        _families.add_genloop_classes(name, module, ctx)
    suite = unittest.defaultTestLoader.loadTestsFromModule(module)
    entries = [] if stock else _na.for_module(_na.load(), name)
    used = set()
    kept = []
    for test in iter_tests(suite):
        test_id = short_id(test.id())
        entry = _na.find(entries, test_id)
        if entry is not None:
            used.add(entry.key)
            emit("na", id=test_id, reason=entry.reason, key=entry.key)
        elif test_id not in skip_ids:
            kept.append(test)
    for entry in entries:
        if entry.key not in used:
            emit("stale", key=entry.key, reason=entry.reason)
    return unittest.TestSuite(kept)


def main(argv=None):
    parser = argparse.ArgumentParser()
    parser.add_argument("module")
    parser.add_argument("--results", required=True)
    parser.add_argument("--stock", action="store_true")
    parser.add_argument("--timeout", type=float, default=120.0)
    parser.add_argument("--skip-ids")
    parser.add_argument("--testloop", choices=("genloop", "factory"),
                        help="what new_test_loop() makes (default: per _families.TESTLOOP)")
    parser.add_argument("--compat", action="store_true",
                        help="with genloop.compat installed (the legacy asyncio API)")
    args = parser.parse_args(argv)

    emit = Emitter(args.results)
    faulthandler.enable(file=sys.__stderr__)
    # A process started in the background inherits SIGINT ignored; the tests
    # of Ctrl-C handling (asyncio.Runner, _thread.interrupt_main()) need
    # Python's default handler, as under regrtest.
    signal.signal(signal.SIGINT, signal.default_int_handler)
    ctx, why = locate()
    if ctx is None:
        emit("module_skipped", reason=why)
        emit("done")
        return 0
    skip_ids = set()
    if args.skip_ids:
        with open(args.skip_ids) as stream:
            skip_ids = set(json.load(stream))

    before_test = _noop
    if not args.stock:
        import _families
        import _genloop_env

        testloop = args.testloop or _families.TESTLOOP.get(args.module, "genloop")
        _genloop_env.install_test_loop(ctx.test_utils, testloop)
        before_test = _genloop_env.install_policy
        before_test()
        if args.compat:
            import _na
            import genloop.compat

            _na.COMPAT = True
            genloop.compat.install()

    try:
        suite = build_suite(args.module, ctx, args.stock, emit, skip_ids)
    except unittest.SkipTest as skip:
        emit("module_skipped", reason=str(skip))
        emit("done")
        return 0
    except Exception:
        emit("end", id=args.module, outcome="error",
             detail="cannot load the module:\n" + traceback.format_exc(), time=0)
        emit("done")
        return 0

    result = StreamingResult(emit, args.timeout, before_test)
    suite.run(result)
    emit("done")
    return 0


def _noop():
    pass


if __name__ == "__main__":
    sys.exit(main())
