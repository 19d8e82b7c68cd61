"""A tiny aiohttp-style router (2015-2017): handlers may be plain functions,
@asyncio.coroutine generators, ``asyncio.coroutine(plain_function)`` or
``async def``; the dispatcher asks asyncio.iscoroutinefunction() whether
to wait for the handler, and asyncio.iscoroutine() whether a plain
handler handed back a coroutine anyway.

Covers: L15, L01, L09, L11, mixed with async def
"""
import asyncio


def load(name):
    """Undecorated helper: pretend to read from a database."""
    yield from asyncio.sleep(0)
    return {"alice": 30, "bob": 25}.get(name)


def index(request):
    return "index of " + request


@asyncio.coroutine
def user(request):
    age = yield from load(request)
    return "{} is {}".format(request, age)


def legacy_plain(request):
    return "wrapped " + request


legacy_wrapped = asyncio.coroutine(legacy_plain)


async def native(request):
    await asyncio.sleep(0)
    return "native " + request


def returns_coroutine(request):
    """A plain function that returns a coroutine (a mistake routers had to handle)."""
    return user(request)


ROUTES = [
    ("/", index),
    ("/user", user),
    ("/wrapped", legacy_wrapped),
    ("/native", native),
    ("/indirect", returns_coroutine),
]


@asyncio.coroutine
def dispatch(handler, request):
    if asyncio.iscoroutinefunction(handler):
        return "awaited", (yield from handler(request))
    result = handler(request)
    if asyncio.iscoroutine(result):
        return "returned a coroutine", (yield from result)
    return "called", result


@asyncio.coroutine
def main():
    for path, handler in ROUTES:
        how, response = yield from dispatch(handler, "bob" if path == "/indirect" else "alice")
        print("{:10} {:22} {}".format(path, how, response))


loop = asyncio.get_event_loop()
loop.run_until_complete(main())
loop.close()
