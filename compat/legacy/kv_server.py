"""A line-protocol key/value server (SET/GET/INCR/QUIT) on streams, as
small 3.4-era services were written: start_server(loop=), a store guarded
by ``with (yield from lock)``, an @asyncio.coroutine handler per client,
and clients that talk to it one after the other and then concurrently.

Covers: L05, L06, L01, L11, L08, realistic: TCP server with streams and a Lock
"""
import asyncio


class Store(object):
    def __init__(self, loop):
        self.data = {}
        self.lock = asyncio.Lock(loop=loop)
        self.loop = loop

    @asyncio.coroutine
    def execute(self, words):
        with (yield from self.lock):
            command = words[0].upper()
            if command == "SET" and len(words) == 3:
                self.data[words[1]] = words[2]
                return "OK"
            if command == "GET" and len(words) == 2:
                return self.data.get(words[1], "(nil)")
            if command == "INCR" and len(words) == 2:
                current = int(self.data.get(words[1], "0"))
                yield from asyncio.sleep(0, loop=self.loop)  # read-modify-write under the lock
                self.data[words[1]] = str(current + 1)
                return self.data[words[1]]
            return "ERR unknown command"


def read_command(reader):
    """Undecorated helper: one command line, or None at EOF / QUIT."""
    line = yield from reader.readline()
    words = line.decode().split()
    if not words or words[0].upper() == "QUIT":
        return None
    return words


@asyncio.coroutine
def serve_client(store, reader, writer):
    try:
        while True:
            words = yield from read_command(reader)
            if words is None:
                break
            reply = yield from store.execute(words)
            writer.write(reply.encode() + b"\r\n")
            yield from writer.drain()
        writer.write(b"BYE\r\n")
        yield from writer.drain()
    finally:
        writer.close()


@asyncio.coroutine
def client(loop, port, commands):
    reader, writer = yield from asyncio.open_connection("127.0.0.1", port, loop=loop)
    replies = []
    for command in commands + ["QUIT"]:
        writer.write(command.encode() + b"\n")
        replies.append((yield from reader.readline()).decode().strip())
    writer.close()
    return replies


@asyncio.coroutine
def main(loop):
    store = Store(loop)
    server = yield from asyncio.start_server(
        lambda r, w: serve_client(store, r, w), "127.0.0.1", 0, loop=loop)
    port = server.sockets[0].getsockname()[1]

    print((yield from client(loop, port, ["SET greeting hello", "GET greeting", "GET other"])))
    print((yield from client(loop, port, ["GET greeting", "FLY away", "INCR hits"])))

    clients = [client(loop, port, ["INCR hits"] * 5) for _ in range(4)]
    done, _ = yield from asyncio.wait(clients, loop=loop)
    print("concurrent clients:", len(done), "all said BYE:",
          all(task.result()[-1] == "BYE" for task in done))
    print((yield from client(loop, port, ["GET hits"])))

    server.close()
    yield from server.wait_closed()


loop = asyncio.get_event_loop()
loop.run_until_complete(main(loop))
loop.close()
