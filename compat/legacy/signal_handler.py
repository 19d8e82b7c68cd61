"""A Unix signal handler on the loop (the 3.4 docs' "Set signal handlers
for SIGINT and SIGTERM" example, with SIGUSR1 sent to this very process),
a legacy coroutine waiting for it with wait_for(loop=), then removing it.

Covers: L01, L05, L11, realistic: signal handler
"""
import asyncio
import os
import signal


def on_signal(name, received, future):
    received.append(name)
    if not future.done():
        future.set_result(name)


def wait_signal(loop, signum, received):
    """Undecorated helper: install a handler, raise the signal, wait for it."""
    future = asyncio.Future(loop=loop)
    loop.add_signal_handler(signum, on_signal, signal.Signals(signum).name, received, future)
    os.kill(os.getpid(), signum)
    return (yield from asyncio.wait_for(future, 10, loop=loop))


@asyncio.coroutine
def main(loop):
    received = []
    print("handled:", (yield from wait_signal(loop, signal.SIGUSR1, received)))
    print("handled:", (yield from wait_signal(loop, signal.SIGUSR2, received)))
    print("in order:", received)
    print("removed:", loop.remove_signal_handler(signal.SIGUSR1))
    print("removed again:", loop.remove_signal_handler(signal.SIGUSR1))
    print("removed:", loop.remove_signal_handler(signal.SIGUSR2))
    try:
        loop.add_signal_handler(signal.SIGKILL, on_signal)
    except RuntimeError:
        print("SIGKILL cannot be handled: RuntimeError")


loop = asyncio.get_event_loop()
loop.run_until_complete(main(loop))
loop.close()
