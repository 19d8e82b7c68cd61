"""TCP echo server and client with streams (the 3.4 docs' "TCP echo
client/server using streams"): asyncio.start_server and
asyncio.open_connection with ``loop=``, an @asyncio.coroutine connection
handler, readline / readexactly / read until EOF, drain().

Covers: L05, L01, L11, L09, realistic: TCP echo with streams
"""
import asyncio


def send_line(writer, line):
    """Undecorated helper: write a line and wait for the buffer to drain."""
    writer.write(line + b"\n")
    yield from writer.drain()


@asyncio.coroutine
def handle_echo(reader, writer):
    served = 0
    try:
        while True:
            line = yield from reader.readline()
            if not line:
                break
            served += 1
            yield from send_line(writer, line.rstrip(b"\n").upper())
        header = "served {} lines".format(served).encode()
        writer.write(len(header).to_bytes(2, "big") + header)
        yield from writer.drain()
    finally:
        writer.close()


@asyncio.coroutine
def client(loop, port, lines):
    reader, writer = yield from asyncio.open_connection("127.0.0.1", port, loop=loop)
    for line in lines:
        yield from send_line(writer, line)
        answer = yield from reader.readline()
        print("client: {!r} -> {!r}".format(line, answer))
    writer.write_eof()
    size = int.from_bytes((yield from reader.readexactly(2)), "big")
    print("server says:", (yield from reader.readexactly(size)).decode())
    print("then EOF:", (yield from reader.read()) == b"", reader.at_eof())
    writer.close()


@asyncio.coroutine
def main(loop):
    server = yield from asyncio.start_server(handle_echo, "127.0.0.1", 0, loop=loop)
    port = server.sockets[0].getsockname()[1]
    yield from client(loop, port, [b"hello", b"world"])
    yield from client(loop, port, [b"again"])
    server.close()
    yield from server.wait_closed()
    print("server closed")


loop = asyncio.get_event_loop()
loop.run_until_complete(main(loop))
loop.close()
