"""A real asyncio program on genloop: aiohttp's server and client talking
over loopback (127.0.0.1 only), legacy generator code beside ``async def``.

Every test that takes ``loop`` runs twice (see ``tests/conftest.py``): on
genloop's own ``EventLoop`` and on the stock asyncio loop with
``genloop.task_factory``; the loop's exception handler is the conftest's, so
"Task was destroyed but it is pending!" or any other report fails the test.
``test_whole_program_runs_under_a_runner`` goes in through ``genloop.run()``.
Each test ends with :func:`assert_clean_shutdown`: no task left, and no
unclosed-resource warning or loop report once the garbage is collected.

Time here is real, not the conftest's virtual clock: the bytes go through
real sockets, and a clock that leaps whenever a poll finds nothing would
fire aiohttp's keep-alive and client timeouts while data is still in flight.
The only waits are short and bounded; every await that could hang has its own
timeout besides pytest-timeout's.

Which task runs a request handler is aiohttp's choice, not the loop's: see
:data:`AIOHTTP_HANDLER_TASK`.  Why aiohttp and which Python: ``README.md``
beside this file.
"""

import asyncio
import gc
import sys
import warnings

import pytest

import genloop
from genloop import From, Return

aiohttp = pytest.importorskip(
    "aiohttp",
    reason="the aiohttp integration test needs aiohttp; tox's 'integration' "
    "environment installs it",
)
from aiohttp import web  # noqa: E402  (after the importorskip above)

#: The task type that runs aiohttp's connection and request handlers.  On
#: CPython 3.12 and 3.13, aiohttp (3.14.5, aiohttp/web_protocol.py) starts
#: them itself with ``asyncio.Task(coro, loop=loop, eager_start=True)``,
#: which bypasses ``loop.create_task()`` and any task factory: there a
#: handler is a stock ``asyncio.Task`` stepping on genloop's loop.  Before
#: 3.12 aiohttp calls ``loop.create_task()``, and the handler runs in a
#: ``genloop.Task`` on both loops.  Tasks that a handler or the client
#: creates go through the loop, so they are genloop's everywhere.
AIOHTTP_HANDLER_TASK = asyncio.Task if sys.version_info >= (3, 12) else genloop.Task

#: The longest any single exchange may take before the test calls it a hang.
EXCHANGE_TIMEOUT = 10

ITEMS = {
    1: {"id": 1, "name": "apple", "price": 3},
    2: {"id": 2, "name": "pear", "price": 5},
    3: {"id": 3, "name": "plum", "price": 7},
}


class Backend(object):
    """The server's state, and what its handlers saw."""

    def __init__(self, expected_together=0):
        #: (route, running loop, task running the handler), one per request.
        self.seen = []
        #: The tasks that ran the legacy dialect handler (created by a handler).
        self.legacy_tasks = []
        #: ("sent", i) on the server, ("got", i) on the client, as they happen.
        self.stream_events = []
        self.stream_acks = asyncio.Queue()
        #: /gather: how many requests are in their handler at once.
        self.expected_together = expected_together
        self.arrived = 0
        self.in_flight = 0
        self.max_in_flight = 0
        self.all_arrived = asyncio.Event()
        #: /sleep: the handler is asleep, and what ended its sleep.
        self.sleeping = asyncio.Event()
        self.sleep_ended = asyncio.Event()
        self.sleep_outcome = []
        self.sleeping_tasks = []
        #: /ws: the server's side of every websocket still open.
        self.websockets = set()
        self.ws_messages = []

    def record(self, route):
        self.seen.append((route, asyncio.get_running_loop(), asyncio.current_task()))

    def routes_seen(self):
        return [route for route, _, _ in self.seen]


BACKEND = web.AppKey("backend", Backend)


# -- native handlers ----------------------------------------------------------


async def get_item(request):
    """GET /items/{id}: one item as JSON, or a JSON 404."""
    request.app[BACKEND].record("get_item")
    item = ITEMS.get(int(request.match_info["id"]))
    if item is None:
        return web.json_response({"error": "no such item"}, status=404)
    return web.json_response(item)


async def post_order(request):
    """POST /orders: prices a JSON order and answers 201 with the total."""
    request.app[BACKEND].record("post_order")
    order = await request.json()
    lines = [
        {"id": line["id"], "qty": line["qty"], "cost": ITEMS[line["id"]]["price"] * line["qty"]}
        for line in order["lines"]
    ]
    total = sum(line["cost"] for line in lines)
    body = {"customer": order["customer"], "lines": lines, "total": total}
    return web.json_response(body, status=201)


async def stream(request):
    """GET /stream?n=N: N lines, chunked; line i+1 is written only after the
    client acknowledged line i, so a client that buffers the whole body
    would never see the end."""
    backend = request.app[BACKEND]
    backend.record("stream")
    count = int(request.query["n"])
    response = web.StreamResponse(headers={"Content-Type": "text/plain"})
    response.enable_chunked_encoding()
    await response.prepare(request)
    for i in range(count):
        await response.write("line {}\n".format(i).encode())
        backend.stream_events.append(("sent", i))
        acked = await asyncio.wait_for(backend.stream_acks.get(), EXCHANGE_TIMEOUT)
        assert acked == i
    await response.write_eof()
    return response


async def gather_member(request):
    """POST /gather/{id}: waits until every expected request is inside its
    handler at the same time, then echoes its JSON body doubled."""
    backend = request.app[BACKEND]
    backend.record("gather_member")
    body = await request.json()
    backend.arrived += 1
    arrival = backend.arrived
    backend.in_flight += 1
    backend.max_in_flight = max(backend.max_in_flight, backend.in_flight)
    if backend.arrived == backend.expected_together:
        backend.all_arrived.set()
    try:
        await asyncio.wait_for(backend.all_arrived.wait(), EXCHANGE_TIMEOUT)
    finally:
        backend.in_flight -= 1
    return web.json_response(
        {"id": int(request.match_info["id"]), "double": body["n"] * 2, "arrival": arrival}
    )


async def websocket(request):
    """GET /ws: echoes text upper-cased, binary reversed, JSON with a sum."""
    backend = request.app[BACKEND]
    backend.record("websocket")
    ws = web.WebSocketResponse()
    await ws.prepare(request)
    backend.websockets.add(ws)
    try:
        async for message in ws:
            backend.ws_messages.append((message.type, message.data))
            if message.type == aiohttp.WSMsgType.TEXT:
                if message.data.startswith("{"):
                    numbers = message.json()["numbers"]
                    await ws.send_json({"sum": sum(numbers), "count": len(numbers)})
                else:
                    await ws.send_str("echo: " + message.data.upper())
            elif message.type == aiohttp.WSMsgType.BINARY:
                await ws.send_bytes(message.data[::-1])
    finally:
        backend.websockets.discard(ws)
    return ws


async def sleep_forever(request):
    """POST /sleep: sleeps until cancelled (the client gives up first).  A
    POST, because aiohttp's client retries an idempotent request once when
    the server drops the connection."""
    backend = request.app[BACKEND]
    backend.record("sleep")
    backend.sleeping_tasks.append(asyncio.current_task())
    backend.sleeping.set()
    try:
        await asyncio.sleep(3600)
    except asyncio.CancelledError:
        backend.sleep_outcome.append("cancelled")
        raise
    except BaseException as error:
        backend.sleep_outcome.append(repr(error))
        raise
    else:
        backend.sleep_outcome.append("woke up")
    finally:
        backend.sleep_ended.set()
    return web.Response(text="slept")


async def close_websockets(app):
    """on_shutdown: close the open websockets, as aiohttp's docs advise."""
    for ws in list(app[BACKEND].websockets):
        await ws.close(code=aiohttp.WSCloseCode.GOING_AWAY, message=b"server shutdown")


# -- legacy handlers: what @asyncio.coroutine code looked like ----------------


@genloop.coroutine
def unit_prices(ids):
    """A legacy helper coroutine: yields to the loop, then looks prices up."""
    yield from asyncio.sleep(0)
    return [ITEMS[i]["price"] for i in ids]


@genloop.coroutine
def legacy_quote(request):
    """POST /legacy/quote: a ``@genloop.coroutine`` generator that aiohttp
    takes as a handler as it is, ``yield from``-ing aiohttp's and asyncio's
    awaitables and another legacy coroutine (the ``asyncio.coroutine``
    dialect, which any asyncio task can step)."""
    request.app[BACKEND].record("legacy_quote")
    order = yield from request.json()
    yield from asyncio.sleep(0.001)
    prices = yield from unit_prices([line["id"] for line in order["lines"]])
    total = sum(price * line["qty"] for price, line in zip(prices, order["lines"]))
    return web.json_response({"customer": order["customer"], "total": total, "style": "legacy"})


@genloop.coroutine
def scaled(value, factor):
    yield from asyncio.sleep(0)
    return value * factor


@genloop.coroutine
def legacy_dialects(request):
    """The dialects only genloop's engine understands: trollius's
    ``yield From(x)`` and ``raise Return(v)``, tornado's ``x = yield future``
    and ``yield [a, b]``."""
    body = yield From(request.json())
    loop = asyncio.get_event_loop()
    later = loop.create_future()
    loop.call_later(0.001, later.set_result, body["base"])
    base = yield later
    doubled, tripled = yield [scaled(base, 2), scaled(base, 3)]
    raise Return(web.json_response({"base": base, "doubled": doubled, "tripled": tripled}))


async def legacy_dialects_view(request):
    """POST /legacy/dialects: a thin ``async def`` handler running the legacy
    coroutine in a task of the loop's (a ``genloop.Task`` on both loops):
    aiohttp's own handler task may be a stock ``asyncio.Task``, which
    refuses those yields."""
    backend = request.app[BACKEND]
    backend.record("legacy_dialects")
    task = asyncio.ensure_future(legacy_dialects(request))
    backend.legacy_tasks.append(task)
    return await task


def make_app(backend):
    app = web.Application()
    app[BACKEND] = backend
    app.router.add_get("/items/{id}", get_item)
    app.router.add_post("/orders", post_order)
    app.router.add_get("/stream", stream)
    app.router.add_post("/gather/{id}", gather_member)
    app.router.add_get("/ws", websocket)
    app.router.add_post("/sleep", sleep_forever)
    with warnings.catch_warnings():
        # aiohttp warns "Bare functions are deprecated" and wraps a handler
        # it does not take for a coroutine function: make that an error here.
        warnings.simplefilter("error")
        route = app.router.add_post("/legacy/quote", legacy_quote)
    assert route.handler is legacy_quote, "aiohttp wrapped the legacy handler"
    app.router.add_post("/legacy/dialects", legacy_dialects_view)
    app.on_shutdown.append(close_websockets)
    return app


# -- the legacy client --------------------------------------------------------


@genloop.coroutine
def legacy_fetch(session, url, payload):
    """A legacy client coroutine: ``yield from`` aiohttp's client API."""
    response = yield from session.post(url, json=payload)
    try:
        body = yield from response.json()
    finally:
        response.release()
    return response.status, body


# -- serving and checking -----------------------------------------------------


class Serving(object):
    """``async with Serving(backend) as server``: the app on 127.0.0.1 at a
    port the kernel picks (port 0, read back from the runner), and a client
    session; on the way out the server is cleaned up (``runner.cleanup()``),
    then the session closed (``session.close()``)."""

    def __init__(self, backend, shutdown_timeout=5.0):
        self.backend = backend
        self.runner = web.AppRunner(
            make_app(backend),
            # Cancel a handler whose client went away (aiohttp's default is
            # to let it run on).
            handler_cancellation=True,
            shutdown_timeout=shutdown_timeout,
        )
        self.session = None
        self.port = None
        self.server_stopped = False

    def url(self, path):
        return "http://127.0.0.1:{}{}".format(self.port, path)

    async def __aenter__(self):
        await self.runner.setup()
        site = web.TCPSite(self.runner, "127.0.0.1", 0)
        await site.start()
        (address,) = self.runner.addresses
        host, self.port = address[:2]
        assert host == "127.0.0.1" and self.port > 0
        self.session = aiohttp.ClientSession(
            timeout=aiohttp.ClientTimeout(total=EXCHANGE_TIMEOUT)
        )
        return self

    async def stop_server(self):
        if not self.server_stopped:
            self.server_stopped = True
            await self.runner.cleanup()
        assert self.runner.server is None and self.runner.addresses == []

    async def __aexit__(self, *exc_info):
        try:
            await self.stop_server()
        finally:
            await self.session.close()
        assert self.session.closed


def check_loop_kind(loop, loop_kind):
    if loop_kind == "genloop":
        assert type(loop) is genloop.EventLoop
    else:
        assert not isinstance(loop, genloop.EventLoop)
        assert loop.get_task_factory() is genloop.task_factory


def check_handlers(loop, backend, routes):
    """The requests reached the handlers of ``routes``, in that order, each
    on ``loop`` and in a task of its own of the type aiohttp chooses
    (:data:`AIOHTTP_HANDLER_TASK`)."""
    assert backend.routes_seen() == routes
    for route, running, task in backend.seen:
        assert running is loop, (route, running)
        assert type(task) is AIOHTTP_HANDLER_TASK, (route, task)
    tasks = [task for _, _, task in backend.seen]
    assert len(set(map(id, tasks))) == len(tasks)


def run(loop, coro):
    """Run the client side in the loop's main task, a genloop.Task."""
    main = loop.create_task(coro)
    assert type(main) is genloop.Task
    return loop.run_until_complete(asyncio.wait_for(main, EXCHANGE_TIMEOUT * 3))


def assert_clean_shutdown(loop, reported_errors):
    """Nothing left running on ``loop``, and collecting the garbage raises no
    unclosed-resource warning and no loop report ("Task was destroyed but
    it is pending!", "Unclosed client session", ...)."""
    assert asyncio.all_tasks(loop) == set()
    with warnings.catch_warnings(record=True) as caught:
        warnings.simplefilter("always")
        gc.collect()
    assert [str(w.message) for w in caught] == []
    assert reported_errors.take() == []


async def post_json(session, url, payload):
    async with session.post(url, json=payload) as response:
        return response.status, await response.json()


# -- the tests ----------------------------------------------------------------


def test_json_get_and_post_requests(loop, loop_kind, reported_errors):
    check_loop_kind(loop, loop_kind)
    backend = Backend()

    async def main():
        answers = []
        async with Serving(backend) as server:
            for item_id in (1, 3, 99):
                async with server.session.get(server.url("/items/{}".format(item_id))) as response:
                    answers.append((response.status, response.content_type, await response.json()))
            for order in (
                {"customer": "ada", "lines": [{"id": 1, "qty": 2}, {"id": 2, "qty": 3}]},
                {"customer": "bob", "lines": []},
            ):
                async with server.session.post(server.url("/orders"), json=order) as response:
                    answers.append((response.status, response.content_type, await response.json()))
        return answers

    assert run(loop, main()) == [
        (200, "application/json", ITEMS[1]),
        (200, "application/json", ITEMS[3]),
        (404, "application/json", {"error": "no such item"}),
        (
            201,
            "application/json",
            {
                "customer": "ada",
                "lines": [{"id": 1, "qty": 2, "cost": 6}, {"id": 2, "qty": 3, "cost": 15}],
                "total": 21,
            },
        ),
        (201, "application/json", {"customer": "bob", "lines": [], "total": 0}),
    ]
    check_handlers(loop, backend, ["get_item"] * 3 + ["post_order"] * 2)
    assert_clean_shutdown(loop, reported_errors)


def test_chunked_response_is_read_line_by_line_as_it_is_written(loop, reported_errors):
    backend = Backend()

    async def main():
        async with Serving(backend) as server:
            async with server.session.get(server.url("/stream?n=5")) as response:
                head = (
                    response.status,
                    response.headers.get("Transfer-Encoding"),
                    "Content-Length" in response.headers,
                )
                lines = []
                for i in range(5):
                    line = await asyncio.wait_for(response.content.readline(), EXCHANGE_TIMEOUT)
                    lines.append(line)
                    backend.stream_events.append(("got", i))
                    backend.stream_acks.put_nowait(i)
                rest = await response.content.read()
                at_eof = response.content.at_eof()
        return head, lines, rest, at_eof

    head, lines, rest, at_eof = run(loop, main())
    assert head == (200, "chunked", False)
    assert lines == [b"line 0\n", b"line 1\n", b"line 2\n", b"line 3\n", b"line 4\n"]
    assert (rest, at_eof) == (b"", True)
    # The server wrote line i+1 only after the client had read line i.
    assert backend.stream_events == [
        (side, i) for i in range(5) for side in ("sent", "got")
    ]
    check_handlers(loop, backend, ["stream"])
    assert_clean_shutdown(loop, reported_errors)


def test_fifty_concurrent_requests_from_native_and_legacy_clients(loop, reported_errors):
    count = 50
    backend = Backend(expected_together=count)
    client_tasks = []

    async def main():
        async with Serving(backend) as server:

            async def native_member(i):
                client_tasks.append(asyncio.current_task())
                return await post_json(server.session, server.url("/gather/{}".format(i)), {"n": i})

            @genloop.coroutine
            def legacy_member(i):
                client_tasks.append(asyncio.current_task())
                result = yield from legacy_fetch(
                    server.session, server.url("/gather/{}".format(i)), {"n": i}
                )
                return result

            return await asyncio.gather(
                *[(native_member if i % 2 else legacy_member)(i) for i in range(count)]
            )

    results = run(loop, main())
    assert [(status, body["id"], body["double"]) for status, body in results] == [
        (200, i, 2 * i) for i in range(count)
    ]
    assert sorted(body["arrival"] for _, body in results) == list(range(1, count + 1))
    # Every handler was inside its body at the same time.
    assert backend.max_in_flight == count and backend.in_flight == 0
    assert len(client_tasks) == count
    assert all(type(task) is genloop.Task for task in client_tasks)
    check_handlers(loop, backend, ["gather_member"] * count)
    assert_clean_shutdown(loop, reported_errors)


def test_websocket_echo_exchange(loop, reported_errors):
    backend = Backend()

    async def main():
        replies = []
        async with Serving(backend) as server:
            async with server.session.ws_connect(server.url("/ws")) as ws:
                await ws.send_str("hello")
                replies.append(await ws.receive_str(timeout=EXCHANGE_TIMEOUT))
                await ws.send_bytes(b"\x01\x02\x03")
                replies.append(await ws.receive_bytes(timeout=EXCHANGE_TIMEOUT))
                await ws.send_json({"numbers": [1, 2, 3, 4]})
                replies.append(await ws.receive_json(timeout=EXCHANGE_TIMEOUT))
                for word in ("a", "b", "c"):
                    await ws.send_str(word)
                for _ in range(3):
                    replies.append(await ws.receive_str(timeout=EXCHANGE_TIMEOUT))
                await ws.close()
                close_code = ws.close_code
        return replies, close_code

    replies, close_code = run(loop, main())
    assert replies == [
        "echo: HELLO",
        b"\x03\x02\x01",
        {"sum": 10, "count": 4},
        "echo: A",
        "echo: B",
        "echo: C",
    ]
    assert close_code == aiohttp.WSCloseCode.OK
    text, binary = aiohttp.WSMsgType.TEXT, aiohttp.WSMsgType.BINARY
    assert [kind for kind, _ in backend.ws_messages] == [text, binary, text, text, text, text]
    assert backend.websockets == set()
    check_handlers(loop, backend, ["websocket"])
    assert_clean_shutdown(loop, reported_errors)


def test_legacy_generator_handler_beside_native_code(loop, reported_errors):
    backend = Backend()
    order = {"customer": "cy", "lines": [{"id": 2, "qty": 1}, {"id": 3, "qty": 2}]}

    async def main():
        async with Serving(backend) as server:
            url = server.url("/legacy/quote")
            return [
                await post_json(server.session, url, order),
                await legacy_fetch(server.session, url, dict(order, customer="di")),
                await post_json(server.session, url, {"customer": "ed", "lines": []}),
            ]

    assert run(loop, main()) == [
        (200, {"customer": "cy", "total": 19, "style": "legacy"}),
        (200, {"customer": "di", "total": 19, "style": "legacy"}),
        (200, {"customer": "ed", "total": 0, "style": "legacy"}),
    ]
    check_handlers(loop, backend, ["legacy_quote"] * 3)
    assert_clean_shutdown(loop, reported_errors)


def test_legacy_dialects_run_in_a_genloop_task_under_a_native_handler(loop, reported_errors):
    backend = Backend()

    async def main():
        async with Serving(backend) as server:
            url = server.url("/legacy/dialects")
            return [await post_json(server.session, url, {"base": base}) for base in (7, -2)]

    assert run(loop, main()) == [
        (200, {"base": 7, "doubled": 14, "tripled": 21}),
        (200, {"base": -2, "doubled": -4, "tripled": -6}),
    ]
    check_handlers(loop, backend, ["legacy_dialects"] * 2)
    assert len(backend.legacy_tasks) == 2
    for task in backend.legacy_tasks:
        assert type(task) is genloop.Task and task.done() and not task.cancelled()
    assert_clean_shutdown(loop, reported_errors)


@pytest.mark.parametrize("how", ["ClientTimeout", "client task cancelled"])
def test_handler_is_cancelled_when_the_client_gives_up(loop, reported_errors, how):
    backend = Backend()

    async def main():
        async with Serving(backend) as server:
            if how == "ClientTimeout":
                with pytest.raises(asyncio.TimeoutError):
                    await server.session.post(
                        server.url("/sleep"), timeout=aiohttp.ClientTimeout(total=0.2)
                    )
                assert backend.sleeping.is_set(), "the client timed out before the handler ran"
            else:
                client = asyncio.ensure_future(server.session.post(server.url("/sleep")))
                await asyncio.wait_for(backend.sleeping.wait(), EXCHANGE_TIMEOUT)
                client.cancel()
                with pytest.raises(asyncio.CancelledError):
                    await client
            await asyncio.wait_for(backend.sleep_ended.wait(), EXCHANGE_TIMEOUT)
            (sleeper,) = backend.sleeping_tasks
            await asyncio.wait([sleeper], timeout=EXCHANGE_TIMEOUT)
            sleeper_state = (sleeper.done(), sleeper.cancelled())
            # The loop and the server are still fine: the next request works.
            async with server.session.get(server.url("/items/2")) as response:
                after = (response.status, await response.json())
        return sleeper_state, after

    sleeper_state, after = run(loop, main())
    assert backend.sleep_outcome == ["cancelled"]
    assert sleeper_state == (True, True)
    assert after == (200, ITEMS[2])
    check_handlers(loop, backend, ["sleep", "get_item"])
    assert_clean_shutdown(loop, reported_errors)


def test_clean_shutdown_with_an_open_websocket_and_a_request_in_flight(loop, reported_errors):
    backend = Backend()

    async def main():
        # runner.cleanup() gives the sleeping handler shutdown_timeout to
        # finish, then as long again once told, then cancels it.
        async with Serving(backend, shutdown_timeout=0.25) as server:
            async with server.session.get(server.url("/items/1")) as response:
                assert (response.status, await response.json()) == (200, ITEMS[1])
            ws = await server.session.ws_connect(server.url("/ws"))
            await ws.send_str("still here")
            assert await ws.receive_str(timeout=EXCHANGE_TIMEOUT) == "echo: STILL HERE"
            sleeper = asyncio.ensure_future(server.session.post(server.url("/sleep")))
            await asyncio.wait_for(backend.sleeping.wait(), EXCHANGE_TIMEOUT)
            closing = asyncio.ensure_future(ws.receive())

            await server.stop_server()

            message = await asyncio.wait_for(closing, EXCHANGE_TIMEOUT)
            with pytest.raises(aiohttp.ServerDisconnectedError):
                await sleeper
            assert ws.closed
        return message, ws.close_code

    message, close_code = run(loop, main())
    assert (message.type, message.data, message.extra) == (
        aiohttp.WSMsgType.CLOSE,
        aiohttp.WSCloseCode.GOING_AWAY,
        "server shutdown",
    )
    assert close_code == aiohttp.WSCloseCode.GOING_AWAY
    assert backend.sleep_outcome == ["cancelled"]
    assert backend.websockets == set()
    check_handlers(loop, backend, ["get_item", "websocket", "sleep"])
    assert_clean_shutdown(loop, reported_errors)


def stock_loop_with_task_factory():
    loop = asyncio.new_event_loop()
    loop.set_task_factory(genloop.task_factory)
    return loop


def run_stock_with_task_factory(coro):
    with asyncio.Runner(loop_factory=stock_loop_with_task_factory) as runner:
        return runner.run(coro)


@pytest.mark.parametrize(
    "runner",
    [
        pytest.param(genloop.run, id="genloop.run"),
        pytest.param(
            run_stock_with_task_factory,
            id="asyncio.Runner",
            marks=pytest.mark.skipif(
                sys.version_info < (3, 11), reason="asyncio.Runner(loop_factory=) is 3.11+"
            ),
        ),
    ],
)
def test_whole_program_runs_under_a_runner(runner):
    """The program as an application would run it: one entry point, the
    loop made and closed by the runner."""
    reports = []
    backend_box = []

    async def main():
        loop = asyncio.get_running_loop()
        loop.set_exception_handler(lambda loop, context: reports.append(context))
        backend = Backend()
        backend_box.append(backend)
        async with Serving(backend) as server:
            item = await server.session.get(server.url("/items/3"))
            answers = [(item.status, await item.json())]
            answers.append(
                await legacy_fetch(
                    server.session,
                    server.url("/legacy/quote"),
                    {"customer": "fay", "lines": [{"id": 1, "qty": 1}]},
                )
            )
            answers.append(
                await post_json(server.session, server.url("/legacy/dialects"), {"base": 1})
            )
            async with server.session.ws_connect(server.url("/ws")) as ws:
                await ws.send_str("bye")
                answers.append(await ws.receive_str(timeout=EXCHANGE_TIMEOUT))
        return loop, type(asyncio.current_task()), answers

    loop, main_task_type, answers = runner(main())
    assert loop.is_closed()
    if runner is genloop.run:
        assert type(loop) is genloop.EventLoop
    else:
        assert not isinstance(loop, genloop.EventLoop)
    assert main_task_type is genloop.Task
    assert answers == [
        (200, ITEMS[3]),
        (200, {"customer": "fay", "total": 3, "style": "legacy"}),
        (200, {"base": 1, "doubled": 2, "tripled": 3}),
        "echo: BYE",
    ]
    (backend,) = backend_box
    check_handlers(loop, backend, ["get_item", "legacy_quote", "legacy_dialects", "websocket"])
    with warnings.catch_warnings(record=True) as caught:
        warnings.simplefilter("always")
        gc.collect()
    assert [str(w.message) for w in caught] == []
    assert reports == []
