"""A warehouse served over TCP, written as asyncio code was for Python 3.4
and left that way: ``@asyncio.coroutine``, ``yield from``, ``loop=``
arguments, ``with (yield from lock)``.  It runs unmodified on every Python
from 3.6 to 3.13 under ``genloop run``.
"""

import asyncio


class OutOfStock(Exception):
    """Fewer items in stock than asked for."""


class Warehouse(object):
    def __init__(self, loop=None):
        self.loop = loop or asyncio.get_event_loop()
        self.lock = asyncio.Lock(loop=self.loop)
        self.stock = {}

    @asyncio.coroutine
    def receive(self, item, quantity):
        with (yield from self.lock):
            yield from asyncio.sleep(0.01, loop=self.loop)
            self.stock[item] = self.stock.get(item, 0) + quantity
            return self.stock[item]

    @asyncio.coroutine
    def ship(self, item, quantity):
        with (yield from self.lock):
            if self.stock.get(item, 0) < quantity:
                raise OutOfStock(item)
            self.stock[item] -= quantity
            return self.stock[item]

    @asyncio.coroutine
    def restock_after(self, delay, item, quantity):
        yield from asyncio.sleep(delay, loop=self.loop)
        result = yield from self.receive(item, quantity)
        return result


@asyncio.coroutine
def serve(warehouse, host="127.0.0.1", port=0):
    """A line protocol: ``SHIP item quantity`` answers ``LEFT n`` or
    ``OUT item``."""

    @asyncio.coroutine
    def handle(reader, writer):
        line = yield from reader.readline()
        _, item, quantity = line.decode().split()
        try:
            left = yield from warehouse.ship(item, int(quantity))
            writer.write("LEFT {}\n".format(left).encode())
        except OutOfStock:
            writer.write("OUT {}\n".format(item).encode())
        yield from writer.drain()
        writer.close()

    server = yield from asyncio.start_server(handle, host, port, loop=warehouse.loop)
    return server
