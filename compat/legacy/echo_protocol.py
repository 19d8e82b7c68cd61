"""TCP echo server and client with asyncio.Protocol classes (the 3.4 docs'
"TCP echo client/server protocol" examples), driven from an
@asyncio.coroutine main with loop.create_server / create_connection on
127.0.0.1, port 0.

Covers: L01, L11, L26, realistic: TCP echo with protocols
"""
import asyncio

MESSAGES = [b"Hello World!", b"second line", b"bye"]


class EchoServerProtocol(asyncio.Protocol):
    def __init__(self, log, closed):
        self.log = log
        self.closed = closed

    def connection_made(self, transport):
        self.transport = transport
        self.log.append("server: connection made")

    def data_received(self, data):
        self.log.append("server: received {} bytes".format(len(data)))
        self.transport.write(data)

    def eof_received(self):
        self.log.append("server: eof")
        self.transport.close()

    def connection_lost(self, exc):
        self.log.append("server: connection lost, exc={}".format(exc))
        self.closed.set_result(None)


class EchoClientProtocol(asyncio.Protocol):
    def __init__(self, expected, done):
        self.expected = expected
        self.received = b""
        self.done = done

    def connection_made(self, transport):
        self.transport = transport

    def data_received(self, data):
        self.received += data
        if len(self.received) == self.expected:
            self.transport.write_eof()

    def connection_lost(self, exc):
        self.done.set_result(self.received)


def echo_once(loop, port, payload):
    """Undecorated helper: one client connection, returns what came back."""
    done = asyncio.Future(loop=loop)
    transport, protocol = yield from loop.create_connection(
        lambda: EchoClientProtocol(len(payload), done), "127.0.0.1", port)
    transport.write(payload)
    received = yield from done
    return received


@asyncio.coroutine
def main(loop):
    log = []
    closed = []

    def server_protocol():
        closed.append(asyncio.Future(loop=loop))
        return EchoServerProtocol(log, closed[-1])

    server = yield from loop.create_server(server_protocol, "127.0.0.1", 0)
    port = server.sockets[0].getsockname()[1]
    for message in MESSAGES:
        echoed = yield from echo_once(loop, port, message)
        print("client: sent {!r}, got back {!r}".format(message, echoed))
        yield from closed[-1]
    print("connections served:", len(closed))
    print("server saw:", sorted(set(line for line in log if "received" not in line)))
    print("bytes echoed:", sum(len(m) for m in MESSAGES))
    server.close()
    yield from server.wait_closed()
    print("server closed")


loop = asyncio.get_event_loop()
loop.run_until_complete(main(loop))
loop.close()
