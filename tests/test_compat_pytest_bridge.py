"""Legacy test suites under ``genloop run -m pytest`` and ``genloop run -m
unittest`` (genloop/compat/pytest_bridge.py): test modules and conftest
files are compiled as genloop compiles legacy code, and pytest still
rewrites their asserts."""

import textwrap

from childprocess import run_python

CONFTEST = """\
import asyncio

def pause(value):
    yield from asyncio.sleep(0)
    return value
"""

LEGACY_TESTS = """\
import asyncio

from conftest import pause

def helper(async=False):
    yield from asyncio.sleep(0)
    return async

@asyncio.coroutine
def legacy():
    flag = yield from helper(async=True)
    return flag, (yield from pause("from conftest"))

def test_legacy_code_runs():
    loop = asyncio.new_event_loop()
    try:
        assert loop.run_until_complete(legacy()) == (True, "from conftest")
    finally:
        loop.close()

def test_asserts_are_still_rewritten():
    observed = [1, 2]
    assert observed == [1, 3]
"""


def write_suite(directory):
    (directory / "conftest.py").write_text(CONFTEST)
    (directory / "test_legacy.py").write_text(LEGACY_TESTS)


def test_genloop_run_m_pytest_runs_a_legacy_suite_with_assert_rewriting(tmp_path):
    write_suite(tmp_path)
    outcome = run_python(
        ["-m", "genloop", "run", "-m", "pytest", "-q", "-p", "no:cacheprovider"], tmp_path
    )
    assert outcome.status == 1, outcome.out + outcome.err
    assert "1 failed, 1 passed" in outcome.out
    # pytest's rewritten assert explains the failure.
    assert "At index 1 diff: 2 != 3" in outcome.out


def test_plain_asserts_leave_the_test_modules_to_genloops_hook(tmp_path):
    write_suite(tmp_path)
    outcome = run_python(
        ["-m", "genloop", "run", "-m", "pytest", "-q", "-p", "no:cacheprovider",
         "--assert=plain"],
        tmp_path,
    )
    assert "1 failed, 1 passed" in outcome.out, outcome.out + outcome.err
    assert "At index 1 diff" not in outcome.out


def test_genloop_run_m_unittest_runs_a_legacy_suite(tmp_path):
    (tmp_path / "test_legacy_unittest.py").write_text(textwrap.dedent(
        """\
        import asyncio
        import unittest

        def helper(async=False):
            yield from asyncio.sleep(0)
            return async

        class LegacyTest(unittest.TestCase):
            def test_helper(self):
                loop = asyncio.new_event_loop()
                self.addCleanup(loop.close)
                self.assertIs(loop.run_until_complete(helper(async=True)), True)
        """
    ))
    outcome = run_python(["-m", "genloop", "run", "-m", "unittest", "-v"], tmp_path)
    assert outcome.status == 0, outcome.err
    assert "test_helper" in outcome.err and "OK" in outcome.err
