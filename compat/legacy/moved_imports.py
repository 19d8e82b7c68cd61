"""Names imported from where they lived until 3.7/3.8: exceptions from
asyncio.futures and asyncio.streams, and the selectors module re-exported
as asyncio.selectors (used to pick a selector for a SelectorEventLoop).

Covers: L19, L05, L01, L11
"""
import asyncio
from asyncio import selectors
from asyncio.futures import CancelledError, InvalidStateError, TimeoutError
from asyncio.streams import IncompleteReadError


def first_step():
    yield from asyncio.sleep(0)


@asyncio.coroutine
def cancelled_future(loop):
    future = asyncio.Future(loop=loop)
    loop.call_soon(future.cancel)
    try:
        yield from future
    except CancelledError:
        return "CancelledError caught"


@asyncio.coroutine
def timed_out(loop):
    try:
        yield from asyncio.wait_for(asyncio.Future(loop=loop), 0.01, loop=loop)
    except TimeoutError:
        return "TimeoutError caught"


@asyncio.coroutine
def short_read(loop):
    reader = asyncio.StreamReader(loop=loop)
    reader.feed_data(b"abc")
    reader.feed_eof()
    try:
        yield from reader.readexactly(5)
    except IncompleteReadError as exc:
        return "IncompleteReadError: partial={!r} expected={}".format(exc.partial, exc.expected)


@asyncio.coroutine
def main(loop):
    yield from first_step()
    print((yield from cancelled_future(loop)))
    print((yield from timed_out(loop)))
    print((yield from short_read(loop)))
    future = asyncio.Future(loop=loop)
    future.set_result(1)
    try:
        future.set_result(2)
    except InvalidStateError:
        print("InvalidStateError caught")


print("same classes as asyncio's:", CancelledError is asyncio.CancelledError,
      TimeoutError is asyncio.TimeoutError, InvalidStateError is asyncio.InvalidStateError,
      IncompleteReadError is asyncio.IncompleteReadError)
print("asyncio.selectors is the selectors module:", selectors is __import__("selectors"))

loop = asyncio.get_event_loop()
loop.run_until_complete(main(loop))
loop.close()

# The 3.4-era way to choose a selector, e.g. select() where kqueue was broken.
select_loop = asyncio.SelectorEventLoop(selectors.SelectSelector())
asyncio.set_event_loop(select_loop)
print("again on a SelectorEventLoop with a SelectSelector:")
select_loop.run_until_complete(main(select_loop))
select_loop.close()
