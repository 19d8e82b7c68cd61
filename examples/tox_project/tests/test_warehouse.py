"""The warehouse's tests, in the styles its code is written in: plain
generators, ``@asyncio.coroutine``, a tornado-style ``yield``; and a few
written later with ``async def``."""

import asyncio

import pytest

from warehouse import OutOfStock, Warehouse, serve


@pytest.fixture
@asyncio.coroutine
def warehouse(genloop_event_loop):
    house = Warehouse(loop=genloop_event_loop)
    yield from house.receive("apple", 10)
    return house


@pytest.fixture
async def address(warehouse):
    server = await serve(warehouse)
    yield server.sockets[0].getsockname()[:2]
    server.close()
    await server.wait_closed()


def test_receive_adds_to_the_stock(warehouse):
    count = yield from warehouse.receive("apple", 5)
    assert count == 15


@asyncio.coroutine
def test_shipping_more_than_the_stock_fails(warehouse):
    with pytest.raises(OutOfStock):
        yield from warehouse.ship("apple", 11)


def test_tornado_style_yield(warehouse):
    left = yield warehouse.ship("apple", 4)
    assert left == 6


async def test_native_code_awaits_the_legacy_code(warehouse):
    assert await warehouse.ship("apple", 1) == 9


@pytest.mark.genloop(clock="virtual")
def test_restock_an_hour_later(warehouse, genloop_event_loop):
    start = genloop_event_loop.time()
    count = yield from warehouse.restock_after(3600, "pear", 4)
    assert count == 4
    assert genloop_event_loop.time() - start >= 3600


@asyncio.coroutine
def test_over_tcp(address):
    reader, writer = yield from asyncio.open_connection(*address)
    writer.write(b"SHIP apple 3\n")
    assert (yield from reader.readline()) == b"LEFT 7\n"
    writer.close()
