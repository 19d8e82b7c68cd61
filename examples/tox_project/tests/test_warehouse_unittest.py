"""The same code under unittest: ``genloop.testing.TestCase`` takes
generator, ``@asyncio.coroutine`` and ``async def`` parts alike."""

import asyncio

from genloop import testing

from warehouse import OutOfStock, Warehouse


class WarehouseTest(testing.TestCase):
    # The loop ``genloop run`` makes (genloop's), or ``genloop run
    # --asyncio-loop`` (asyncio's, with genloop's tasks).
    loop_factory = asyncio.new_event_loop

    @asyncio.coroutine
    def asyncSetUp(self):
        self.house = Warehouse(loop=self.loop)
        yield from self.house.receive("pear", 2)

    def test_ship(self):
        left = yield from self.house.ship("pear", 2)
        self.assertEqual(left, 0)

    async def test_out_of_stock(self):
        with self.assertRaises(OutOfStock):
            await self.house.ship("pear", 3)
