"""genloop.testing's asynctest.mock: Mock/MagicMock with coroutine
attributes and asynchronous magic methods, patch and create_autospec
choosing CoroutineMock, decorated coroutines patched while they run, and
exhaust_callbacks; each on every Python (unittest.mock has none of it
before 3.8, and makes AsyncMock instead of CoroutineMock after).
"""

import asyncio
import os
import unittest
import unittest.mock

import pytest

import genloop
from genloop import testing
from genloop.testing import mock


def run_case(case_class, *names):
    result = unittest.TestResult()
    unittest.TestSuite([case_class(name) for name in names]).run(result)
    return result


def assert_passed(result, count):
    text = "\n".join(text for _, text in result.failures + result.errors)
    assert result.testsRun == count, text
    assert not result.failures and not result.errors, text


def run(coro):
    loop = genloop.new_event_loop()
    try:
        return loop.run_until_complete(coro)
    finally:
        loop.close()


class Service(object):
    async def fetch(self, key):
        raise AssertionError("the real fetch")

    @genloop.coroutine
    def legacy(self, key):
        raise AssertionError("the real legacy")
        yield

    def plain(self, key):
        return "the real plain"


async def lookup(key, default=None):
    raise AssertionError("the real lookup")


def is_mock_kind(obj, kind):
    """``obj`` is genloop's ``kind`` and no CoroutineMock unless asked."""
    return isinstance(obj, kind) and (
        kind is mock.CoroutineMock or not isinstance(obj, mock.CoroutineMock)
    )


def test_the_import_change_finds_asynctests_names():
    assert testing.mock is mock
    assert testing.MagicMock is mock.MagicMock and testing.Mock is mock.Mock
    assert testing.patch is mock.patch and testing.create_autospec is mock.create_autospec
    assert mock.CoroutineMock is testing.CoroutineMock
    assert mock.call is unittest.mock.call and mock.ANY is unittest.mock.ANY
    assert mock.sentinel is unittest.mock.sentinel
    assert testing.TestSuite is unittest.TestSuite and testing.skipIf is unittest.skipIf
    assert callable(testing.exhaust_callbacks)


# -- mock classes ------------------------------------------------------------------


@pytest.mark.parametrize("kind", [mock.Mock, mock.MagicMock, mock.NonCallableMock,
                                  mock.NonCallableMagicMock])
def test_a_specs_coroutine_functions_become_coroutine_mocks(kind):
    for spec in (Service, Service()):
        double = kind(spec)
        assert is_mock_kind(double.fetch, mock.CoroutineMock)
        assert is_mock_kind(double.legacy, mock.CoroutineMock)
        assert is_mock_kind(double.plain, mock.MagicMock if "Magic" in kind.__name__
                            else mock.Mock)
        assert run(double.fetch(1)) is not None
        double.fetch.assert_awaited_once_with(1)
    assert is_mock_kind(kind().anything, mock.MagicMock if "Magic" in kind.__name__
                        else mock.Mock)


def test_a_coroutine_mocks_attributes_and_result_are_magic_mocks():
    double = mock.CoroutineMock()
    assert is_mock_kind(double.attribute, mock.MagicMock)
    assert is_mock_kind(run(double()), mock.MagicMock)
    assert is_mock_kind(mock.CoroutineMock(spec=Service).fetch, mock.CoroutineMock)


def test_a_magic_mock_is_an_async_context_manager_and_iterator():
    async def use():
        manager = mock.MagicMock()
        async with manager as entered:
            pass
        assert is_mock_kind(manager.__aenter__, mock.CoroutineMock)
        manager.__aenter__.assert_awaited_once_with()
        manager.__aexit__.assert_awaited_once_with(None, None, None)
        assert is_mock_kind(entered, mock.MagicMock)
        with pytest.raises(KeyError):
            async with manager:
                raise KeyError("__aexit__ returns False: it propagates")

        manager.__aenter__ = mock.CoroutineMock(return_value="entered")
        async with manager as entered:
            assert entered == "entered"

        iterable = mock.MagicMock()
        assert [item async for item in iterable] == []
        iterable.__aiter__.return_value = [1, 2]
        assert [item async for item in iterable] == [1, 2]
        return True

    assert run(use())


# -- patch -------------------------------------------------------------------------


def test_patch_picks_a_coroutine_mock_for_coroutine_functions():
    with mock.patch.object(Service, "fetch") as fetch, \
            mock.patch.object(Service, "legacy") as legacy, \
            mock.patch.object(Service, "plain") as plain, \
            mock.patch(__name__ + ".lookup", spec=True) as specced:
        assert is_mock_kind(fetch, mock.CoroutineMock)
        assert is_mock_kind(legacy, mock.CoroutineMock)
        assert is_mock_kind(specced, mock.CoroutineMock)
        assert is_mock_kind(plain, mock.MagicMock)
        fetch.side_effect = ValueError("at the call")
        coro = Service().fetch("key")
        fetch.assert_called_once_with("key")
        with pytest.raises(ValueError):
            run(coro)
        run(lookup("key"))
        specced.assert_awaited_once_with("key")
    assert not isinstance(Service.fetch, unittest.mock.Base)


def test_patch_keeps_a_decorated_coroutines_patch_while_it_runs():
    class Case(testing.TestCase):
        @mock.patch.object(Service, "fetch", return_value="mocked")
        async def test_native(self, fetch):
            await asyncio.sleep(0)
            self.assertEqual(await Service().fetch(1), "mocked")
            fetch.assert_awaited_once_with(1)

        @mock.patch.object(Service, "plain")
        @mock.patch.object(Service, "legacy")
        @genloop.coroutine
        def test_legacy(self, legacy, plain):
            yield from asyncio.sleep(0)
            legacy.return_value = "mocked"
            self.assertEqual((yield from Service().legacy(1)), "mocked")
            self.assertIs(Service.plain, plain)

        @unittest.mock.patch.object(Service, "plain", "stock patch on top")
        @mock.patch.multiple(Service, legacy=mock.DEFAULT)
        def test_plain_generator(self, legacy):
            yield from testing.exhaust_callbacks(self.loop)
            self.assertIs(Service.legacy, legacy)
            self.assertEqual(Service.plain, "stock patch on top")

        @mock.patch.dict(os.environ, {"GENLOOP_TESTING_MOCK": "1"})
        async def test_dict(self):
            await asyncio.sleep(0)
            self.assertEqual(os.environ["GENLOOP_TESTING_MOCK"], "1")

    names = ["test_native", "test_legacy", "test_plain_generator", "test_dict"]
    assert_passed(run_case(Case, *names), 4)
    assert not isinstance(Service.fetch, unittest.mock.Base)
    assert Service.plain(None, 1) == "the real plain"
    assert "GENLOOP_TESTING_MOCK" not in os.environ


def test_patch_as_a_class_decorator_patches_each_coroutine_test():
    @mock.patch.dict(os.environ, {"GENLOOP_TESTING_MOCK": "class"})
    @mock.patch.object(Service, "fetch", return_value="mocked")
    class Case(testing.TestCase):
        async def test_one(self, fetch):
            await asyncio.sleep(0)
            self.assertEqual(await Service().fetch(1), "mocked")
            self.assertEqual(os.environ["GENLOOP_TESTING_MOCK"], "class")

        def test_two(self, fetch):
            yield from asyncio.sleep(0) if False else testing.exhaust_callbacks(self.loop)
            self.assertIs(Service.fetch, fetch)

    assert_passed(run_case(Case, "test_one", "test_two"), 2)
    assert not isinstance(Service.fetch, unittest.mock.Base)


# -- create_autospec ---------------------------------------------------------------


def test_create_autospec_makes_coroutine_functions_coroutine_mocks():
    async def use():
        function = mock.create_autospec(lookup)
        assert asyncio.iscoroutinefunction(function)
        function.mock.return_value = "mocked"
        assert await function("key") == "mocked"
        function.assert_awaited_once_with("key")
        with pytest.raises(TypeError):
            await function("too", "many", "arguments")

        for double in (mock.create_autospec(Service), mock.create_autospec(Service)(),
                       mock.create_autospec(spec=Service, instance=True)):
            assert await double.fetch("key") is not None
            await double.legacy("key")
            double.fetch.assert_called_once_with("key")
            double.fetch.assert_awaited_once_with("key")
            assert not asyncio.iscoroutine(double.plain("key"))
            with pytest.raises(TypeError):
                double.plain()
        return True

    assert run(use())
    with pytest.raises(RuntimeError):
        mock.create_autospec(lookup, instance=True)


# -- exhaust_callbacks ---------------------------------------------------------------


def test_exhaust_callbacks_runs_the_ready_callbacks_not_the_timers():
    seen = []

    class Case(testing.TestCase):
        async def test_native(self):
            def chain(count):
                seen.append(count)
                if count:
                    self.loop.call_soon(chain, count - 1)

            timer = self.loop.call_later(3600, seen.append, "timer")
            self.loop.call_soon(chain, 3)
            await testing.exhaust_callbacks(self.loop)
            self.assertEqual(seen, [3, 2, 1, 0])
            timer.cancel()

        def test_plain_generator(self):
            self.loop.call_soon(seen.append, "generator")
            yield from testing.exhaust_callbacks(self.loop)
            self.assertEqual(seen[-1], "generator")

    assert_passed(run_case(Case, "test_native", "test_plain_generator"), 2)
