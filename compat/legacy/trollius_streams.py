"""A trollius-era line server and client on streams (Python 2/3 code,
2014-2016): ``yield From(asyncio.open_connection(..., loop=loop))``,
``yield From(reader.readline())``, ``raise Return(...)``, bytes built
with ``six.b`` and text decoded for printing; 127.0.0.1, port 0.

Covers: trollius-style, L01, L05, L11
"""
# expected output: by design (asyncio never accepted this dialect)
import asyncio

import six

from genloop import From, Return


@asyncio.coroutine
def handle(reader, writer):
    count = 0
    try:
        while True:
            line = yield From(reader.readline())
            if not line:
                break
            count += 1
            writer.write(six.b(str(count) + ":") + line[-2::-1] + six.b("\n"))
            yield From(writer.drain())
    finally:
        writer.close()


@asyncio.coroutine
def ask(reader, writer, text):
    writer.write(text.encode("utf-8") + six.b("\n"))
    yield From(writer.drain())
    reply = yield From(reader.readline())
    raise Return(reply.decode("utf-8").rstrip("\n"))


@asyncio.coroutine
def client(loop, port, words):
    reader, writer = yield From(asyncio.open_connection("127.0.0.1", port, loop=loop))
    replies = []
    for word in words:
        replies.append((yield From(ask(reader, writer, word))))
    writer.write_eof()
    rest = yield From(reader.read())
    writer.close()
    raise Return((replies, rest == six.binary_type()))


@asyncio.coroutine
def main(loop):
    server = yield From(asyncio.start_server(handle, "127.0.0.1", 0, loop=loop))
    port = server.sockets[0].getsockname()[1]
    replies, clean_eof = yield From(client(loop, port, [u"stressed", u"drawer", u"level"]))
    for reply in replies:
        six.print_(reply)
    six.print_("clean EOF:", clean_eof)
    results = yield From(asyncio.gather(
        client(loop, port, [u"abc"]), client(loop, port, [u"xy", u"z"]), loop=loop))
    six.print_("two clients at once:", [r for r, _ in results])
    server.close()
    yield From(server.wait_closed())


loop = asyncio.get_event_loop()
loop.run_until_complete(main(loop))
loop.close()
