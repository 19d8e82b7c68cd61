"""genloop.testing.VirtualClock: virtual time on genloop's loop, on the stock
loop with genloop's tasks, and on the stock loop.

Assertions are on ``loop.time()`` and on order, never on wall time; the
wall time an hour of virtual sleep took is printed (``pytest -s``).
"""

import asyncio
import selectors
import socket
import threading
import time

import pytest

import genloop
from genloop.testing import VirtualClock

from conftest import make_loop

#: Each test runs on each of these (see conftest.make_loop).
KINDS = ("genloop", "stock+factory", "stock")


@pytest.fixture(params=KINDS)
def fresh_loop(request):
    loop = make_loop(request.param)
    asyncio.set_event_loop(loop)
    yield loop
    asyncio.set_event_loop(None)
    loop.close()


@pytest.fixture
def clock(fresh_loop):
    with VirtualClock(start=100.0).install(fresh_loop) as clock:
        yield clock


def run(loop, awaitable):
    return loop.run_until_complete(awaitable)


# -- sleeping on virtual time ---------------------------------------------------


def test_an_hour_of_sleep_passes_at_once_in_virtual_time(fresh_loop, clock):
    started = time.perf_counter()
    run(fresh_loop, asyncio.sleep(3600))
    elapsed = time.perf_counter() - started
    assert fresh_loop.time() == 3700.0
    print("an hour of virtual sleep took {:.6f} s of wall time".format(elapsed))


def test_legacy_and_native_sleepers_wake_in_deadline_order_at_their_deadlines(fresh_loop, clock):
    woke = []

    async def native(delay):
        await asyncio.sleep(delay)
        woke.append(("native", delay, fresh_loop.time()))

    @genloop.coroutine
    def legacy(delay):
        yield from asyncio.sleep(delay)
        woke.append(("legacy", delay, fresh_loop.time()))

    sleepers = [native(30), legacy(10), native(20), legacy(3600)]
    tasks = [genloop.Task(sleeper, loop=fresh_loop) for sleeper in sleepers]
    run(fresh_loop, asyncio.gather(*tasks))
    assert woke == [
        ("legacy", 10, 110.0),
        ("native", 20, 120.0),
        ("native", 30, 130.0),
        ("legacy", 3600, 3700.0),
    ]


def test_call_later_and_call_at_fire_in_deadline_order_each_at_its_time(fresh_loop, clock):
    fired = []

    def note(name):
        fired.append((name, fresh_loop.time()))

    fresh_loop.call_later(5, note, "later 5")
    fresh_loop.call_at(102.5, note, "at 102.5")
    fresh_loop.call_later(1, note, "later 1")
    fresh_loop.call_at(200, note, "at 200")
    run(fresh_loop, asyncio.sleep(200))
    assert fired == [
        ("later 1", 101.0),
        ("at 102.5", 102.5),
        ("later 5", 105.0),
        ("at 200", 200.0),
    ]


def test_wait_for_times_out_at_its_virtual_deadline(fresh_loop, clock):
    never = fresh_loop.create_future()

    async def wait():
        try:
            await asyncio.wait_for(never, timeout=7.5)
        except asyncio.TimeoutError:
            return fresh_loop.time()

    assert run(fresh_loop, wait()) == 107.5
    assert never.cancelled()


# -- I/O ------------------------------------------------------------------------


def test_socketpair_io_keeps_its_order_with_timers_pending(fresh_loop, clock):
    left, right = socket.socketpair()
    left.setblocking(False)
    right.setblocking(False)
    received = []

    async def reader():
        data = await fresh_loop.sock_recv(right, 100)
        received.append((data, fresh_loop.time()))

    async def writer():
        await asyncio.sleep(2)
        await fresh_loop.sock_sendall(left, b"ping")

    background = genloop.Task(asyncio.sleep(3600), loop=fresh_loop)  # a timer waiting meanwhile
    try:
        run(fresh_loop, asyncio.gather(reader(), writer()))
    finally:
        background.cancel()
        run(fresh_loop, asyncio.gather(background, return_exceptions=True))
        left.close()
        right.close()
    assert received == [(b"ping", 102.0)]


def test_a_server_and_its_client_on_127_0_0_1_talk_without_the_clock_moving(fresh_loop, clock):
    async def echo(reader, writer):
        writer.write(await reader.readline())
        await writer.drain()
        writer.close()

    async def exchange():
        server = await asyncio.start_server(echo, "127.0.0.1", 0)
        port = server.sockets[0].getsockname()[1]
        reader, writer = await asyncio.open_connection("127.0.0.1", port)
        writer.write(b"hello\n")
        line = await asyncio.wait_for(reader.readline(), timeout=60)
        writer.close()
        server.close()
        await server.wait_closed()
        return line

    assert run(fresh_loop, exchange()) == b"hello\n"
    assert fresh_loop.time() == 100.0


def test_a_peer_thread_is_waited_for_up_to_the_autojump_threshold(fresh_loop):
    """A jump waits autojump_threshold real seconds for I/O first: a peer in
    another thread that writes within it is heard before the timeout."""
    left, right = socket.socketpair()
    right.setblocking(False)
    peer = threading.Timer(0.01, left.sendall, (b"late",))

    async def wait():
        return await asyncio.wait_for(fresh_loop.sock_recv(right, 100), timeout=5)

    with VirtualClock(autojump_threshold=30.0).install(fresh_loop):
        peer.start()
        try:
            assert run(fresh_loop, wait()) == b"late"
        finally:
            peer.join()
            left.close()
            right.close()
        assert fresh_loop.time() == 0.0


def test_without_a_threshold_a_silent_peer_lets_the_timeout_fire_at_once(fresh_loop, clock):
    left, right = socket.socketpair()
    right.setblocking(False)

    async def wait():
        try:
            await asyncio.wait_for(fresh_loop.sock_recv(right, 100), timeout=5)
        except asyncio.TimeoutError:
            return fresh_loop.time()

    try:
        assert run(fresh_loop, wait()) == 105.0
    finally:
        left.close()
        right.close()


# -- moving the clock by hand -----------------------------------------------------


def test_advance_moves_time_and_what_is_due_fires_at_the_next_iteration(fresh_loop, clock):
    fired = []
    fresh_loop.call_later(3, lambda: fired.append(("3", fresh_loop.time())))
    fresh_loop.call_later(1, lambda: fired.append(("1", fresh_loop.time())))
    fresh_loop.call_later(20, lambda: fired.append(("20", fresh_loop.time())))
    clock.advance(10)
    assert fresh_loop.time() == 110.0
    run(fresh_loop, asyncio.sleep(0))
    assert fired == [("1", 110.0), ("3", 110.0)]
    with pytest.raises(ValueError):
        clock.advance(-1)


def test_elapse_fires_each_timer_at_its_own_time_and_what_they_schedule(fresh_loop):
    fired = []

    def note():
        fired.append(fresh_loop.time())

    with VirtualClock(autojump_threshold=None).install(fresh_loop) as clock:
        fresh_loop.call_later(1, note)
        fresh_loop.call_later(2, fresh_loop.call_later, 1, note)
        fresh_loop.call_later(5, note)
        run(fresh_loop, clock.elapse(3))
        assert fired == [1.0, 3.0]
        assert fresh_loop.time() == 3.0
        run(fresh_loop, clock.elapse(2))
        assert fired == [1.0, 3.0, 5.0]
        assert fresh_loop.time() == 5.0


def test_without_autojump_time_moves_only_when_told(fresh_loop):
    with VirtualClock(autojump_threshold=None).install(fresh_loop) as clock:
        sleeper = genloop.Task(asyncio.sleep(10), loop=fresh_loop)
        run(fresh_loop, clock.elapse(9.5))
        assert not sleeper.done()
        assert fresh_loop.time() == 9.5

        @genloop.coroutine
        def legacy_wait():
            yield from clock.elapse(0.5)

        run(fresh_loop, legacy_wait())
        assert sleeper.done()
        assert fresh_loop.time() == 10.0


# -- installing and uninstalling ---------------------------------------------------


def test_uninstall_gives_the_loop_back_its_clock_and_poll(fresh_loop):
    selector = genloop._seam.loop_selector(fresh_loop)
    clock = VirtualClock().install(fresh_loop)
    assert fresh_loop.time() == 0.0
    pending = clock.elapse(10)
    clock.uninstall()
    assert "time" not in vars(fresh_loop)
    assert "select" not in vars(selector)
    assert abs(fresh_loop.time() - time.monotonic()) < 60
    assert pending.cancelled()
    assert clock.loop is None
    clock.uninstall()  # nothing to do
    run(fresh_loop, asyncio.sleep(0.001))  # real time again


def test_a_clock_refuses_a_second_loop_and_a_loop_a_second_clock(fresh_loop, clock):
    other = make_loop("genloop")
    try:
        with pytest.raises(RuntimeError):
            clock.install(other)
    finally:
        other.close()
    with pytest.raises(RuntimeError):
        VirtualClock().install(fresh_loop)
    with pytest.raises(RuntimeError):
        VirtualClock().elapse(1)
    with pytest.raises(RuntimeError):
        with VirtualClock():
            pass


def test_a_clock_needs_a_selector_loop_and_a_sane_threshold():
    class NotASelectorLoop(asyncio.AbstractEventLoop):
        pass

    with pytest.raises(TypeError):
        VirtualClock().install(NotASelectorLoop())
    with pytest.raises(ValueError):
        VirtualClock(autojump_threshold=-1)


def test_a_closed_loop_takes_no_clock():
    loop = make_loop("genloop")
    loop.close()
    with pytest.raises(RuntimeError):
        VirtualClock().install(loop)


def test_the_stock_loop_polls_the_selector_the_clock_wraps(fresh_loop, clock):
    assert isinstance(genloop._seam.loop_selector(fresh_loop), selectors.BaseSelector)
    assert "select" in vars(genloop._seam.loop_selector(fresh_loop))
