"""Soak: churn tasks, legacy coroutines, timers and connections over
127.0.0.1 on one kind of event loop for a while, sampling the resident
memory and the open file descriptors; fail if either is not flat.

    python tests/soak.py --minutes 10 --loop genloop
    python tests/soak.py --minutes 10 --loop all

``--loop all`` runs each kind of loop (genloop, stock+factory, stock) in a
process of its own, one after the other, the time split evenly between
them, and prints their figures side by side.

Flat means: the file descriptors open after the loop is closed are those
open before it was made, and the resident memory grows by less than
``--rss-bound-mb`` from the second quarter of the run to the last (the
first quarter is warm-up; each quarter counts by its median sample, so a
garbage collection under way at one sample does not decide).  Any echo
that comes back different, any result that is not the one expected, and
any report to the loop's exception handler fail the run too.  Linux only
(/proc/self/statm, /proc/self/fd).

On PyPy (7.3.11) the RSS is no measure of a leak: objects with a
``__del__``, asyncio's futures, tasks and transports among them, wait for
major collections that come too rarely under this load, and the RSS grows by
hundreds of MiB a minute on every loop, the stock one included.
"""

import argparse
import asyncio
import hashlib
import json
import os
import platform
import random
import subprocess
import sys
import time

import genloop

KINDS = ("genloop", "stock+factory", "stock")

LOCALHOST = "127.0.0.1"

MIB = 1024 * 1024

#: Concurrent clients of each echo server.
CLIENTS = 4

#: Connections a client makes in turn; payloads it sends.
PAYLOAD_SIZES = (1, 100, 1500, 16 * 1024, 64 * 1024, 200 * 1024)


def make_loop(kind):
    if kind == "genloop":
        return genloop.new_event_loop()
    loop = asyncio.new_event_loop()
    if kind == "stock+factory":
        loop.set_task_factory(genloop.task_factory)
    return loop


def resident_bytes():
    with open("/proc/self/statm") as statm:
        return int(statm.read().split()[1]) * os.sysconf("SC_PAGE_SIZE")


def fd_count():
    return len(os.listdir("/proc/self/fd"))


def median(values):
    ordered = sorted(values)
    middle = len(ordered) // 2
    if len(ordered) % 2:
        return ordered[middle]
    return (ordered[middle - 1] + ordered[middle]) / 2


def rss_growth(rss_samples):
    """Bytes the median RSS grew by from the second quarter of the
    samples to the last; None with fewer than 8 samples."""
    if len(rss_samples) < 8:
        return None
    quarter = len(rss_samples) // 4
    return median(rss_samples[-quarter:]) - median(rss_samples[quarter:2 * quarter])


def verdict(summary, bound_mib):
    """What is not flat, or wrong, in a run's ``summary`` (empty: a pass)."""
    problems = ["error: " + error for error in summary["errors"]]
    growth = summary["rss MiB"]["growth"]
    if growth is None:
        problems.append("too few RSS samples to judge")
    elif growth >= bound_mib:
        problems.append("RSS grew {:.1f} MiB (bound {} MiB)".format(growth, bound_mib))
    fds = summary["fds"]
    if fds["end"] != fds["start"]:
        problems.append("{} fds open at the start, {} at the end".format(fds["start"], fds["end"]))
    return problems


class Stats(object):
    def __init__(self):
        self.operations = dict.fromkeys(
            ["connections", "legacy connections", "MiB echoed", "tasks", "legacy tasks",
             "timers fired", "timers cancelled"], 0)
        self.errors = []
        self.rss = []
        self.fds = []

    def check(self, condition, error):
        if not condition and len(self.errors) < 20:
            self.errors.append(error)


# -- the workload -------------------------------------------------------------------------


class EchoProtocol(asyncio.Protocol):
    """Echoes what it receives; at the peer's EOF, closes once it is sent."""

    def connection_made(self, transport):
        self.transport = transport

    def data_received(self, data):
        self.transport.write(data)

    def eof_received(self):
        return False


async def copy_to_eof(reader, writer):
    """Write back what ``reader`` gives until its end of file."""
    while True:
        chunk = await reader.read(65536)
        if not chunk:
            break
        writer.write(chunk)
        await writer.drain()


async def echo_stream(reader, writer):
    await copy_to_eof(reader, writer)
    writer.close()


async def exchange(port, data):
    reader, writer = await asyncio.open_connection(LOCALHOST, port)
    writer.write(data)
    writer.write_eof()
    echoed = await reader.read()
    writer.close()
    if sys.version_info >= (3, 7):  # no wait_closed() before
        await writer.wait_closed()
    return echoed


@genloop.coroutine
def legacy_exchange(port, data):
    """The same exchange written for 3.4: ``yield from`` throughout."""
    reader, writer = yield from asyncio.open_connection(LOCALHOST, port)
    writer.write(data)
    yield from writer.drain()
    writer.write_eof()
    echoed = yield from reader.read()
    writer.close()
    if sys.version_info >= (3, 7):
        yield from writer.wait_closed()
    return echoed


async def client(loop, stats, ports, payloads, deadline):
    turn = 0
    while loop.time() < deadline:
        data, digest = payloads[turn % len(payloads)]
        legacy = turn % 3 == 0
        talk = legacy_exchange if legacy else exchange
        echoed = await talk(ports[turn % len(ports)], data)
        stats.check(hashlib.sha256(echoed).digest() == digest,
                    "an echo of {} bytes came back as {} bytes".format(len(data), len(echoed)))
        stats.operations["connections"] += 1
        stats.operations["legacy connections"] += legacy
        stats.operations["MiB echoed"] += len(data) / MIB
        turn += 1


async def native_leaf(number):
    await asyncio.sleep(0)
    if number % 7 == 0:
        raise ValueError(number)
    return number


@genloop.coroutine
def legacy_leaf(number):
    yield from asyncio.sleep(0)
    doubled = yield from legacy_inner(number)
    return doubled


@genloop.coroutine
def legacy_inner(number):
    yield from asyncio.sleep(0)
    return number * 2


async def timing_out(loop):
    """A wait that times out: a timer made and a future cancelled."""
    try:
        await asyncio.wait_for(loop.create_future(), 0.001)
    except asyncio.TimeoutError:
        return "timed out"
    return "never"


def expected_result(number):
    if number % 10 == 3:
        return asyncio.CancelledError
    if number % 5 == 0:
        return "timed out"
    if number % 2 == 0:
        return number * 2
    if number % 7 == 0:
        return ValueError
    return number


async def churn_tasks(loop, stats, deadline):
    """Batches of tasks: native and legacy coroutines, failures, time-outs
    and cancellations, each with the result it must have."""
    batch = 50
    while loop.time() < deadline:
        tasks = []
        for number in range(batch):
            if number % 5 == 0:
                coroutine = timing_out(loop)
            elif number % 2 == 0:
                coroutine = legacy_leaf(number)
            else:
                coroutine = native_leaf(number)
            tasks.append(loop.create_task(coroutine))
        for number in range(3, batch, 10):
            tasks[number].cancel()
        results = await asyncio.gather(*tasks, return_exceptions=True)
        for number, result in enumerate(results):
            expected = expected_result(number)
            if isinstance(expected, type):
                stats.check(isinstance(result, expected),
                            "task {} gave {!r}".format(number, result))
            else:
                stats.check(result == expected, "task {} gave {!r}".format(number, result))
        stats.operations["tasks"] += batch
        stats.operations["legacy tasks"] += sum(1 for n in range(batch) if n % 5 and not n % 2)


async def churn_timers(loop, stats, rng, deadline):
    """Batches of call_later timers, every other one cancelled before it is
    due; the batch ends when the others have all fired."""
    batch = 100
    while loop.time() < deadline:
        fired = []
        all_fired = loop.create_future()

        def fire(number):
            fired.append(number)
            if len(fired) == batch // 2:
                all_fired.set_result(None)

        timers = [loop.call_later(rng.uniform(0, 0.01), fire, number) for number in range(batch)]
        for timer in timers[1::2]:
            timer.cancel()
        await all_fired
        stats.check(all(number % 2 == 0 for number in fired), "a cancelled timer fired")
        stats.operations["timers fired"] += len(fired)
        stats.operations["timers cancelled"] += batch // 2


async def sample(loop, stats, interval):
    while True:
        stats.rss.append(resident_bytes())
        stats.fds.append(fd_count())
        await asyncio.sleep(interval)


async def soak(loop, stats, seconds, interval):
    rng = random.Random(0)
    payloads = []
    for size in PAYLOAD_SIZES:
        data = rng.getrandbits(size * 8).to_bytes(size, "little")
        payloads.append((data, hashlib.sha256(data).digest()))
    servers = [
        await asyncio.start_server(echo_stream, LOCALHOST, 0),
        await loop.create_server(EchoProtocol, LOCALHOST, 0),
    ]
    ports = [server.sockets[0].getsockname()[1] for server in servers]
    sampler = loop.create_task(sample(loop, stats, interval))
    deadline = loop.time() + seconds
    workers = [client(loop, stats, ports, payloads[number:] + payloads[:number], deadline)
               for number in range(CLIENTS * len(servers))]
    workers.append(churn_tasks(loop, stats, deadline))
    workers.append(churn_timers(loop, stats, rng, deadline))
    try:
        await asyncio.gather(*workers)
    finally:
        sampler.cancel()
        for server in servers:
            server.close()
            await server.wait_closed()


def run_one(kind, seconds, bound_mib):
    """Soak one kind of loop in this process; its summary."""
    interval = min(5.0, max(0.05, seconds / 40))
    stats = Stats()
    fds_before = fd_count()
    loop = make_loop(kind)
    loop.set_exception_handler(
        lambda _, context: stats.check(False, "reported: " + context["message"])
    )
    asyncio.set_event_loop(loop)
    started = time.monotonic()
    try:
        loop.run_until_complete(soak(loop, stats, seconds, interval))
        loop.run_until_complete(loop.shutdown_asyncgens())
    except Exception as exc:
        stats.check(False, "the soak failed: {!r}".format(exc))
    finally:
        asyncio.set_event_loop(None)
        loop.close()
    growth = rss_growth(stats.rss)
    summary = {
        "loop": kind,
        "python": "{} {}".format(platform.python_implementation(), platform.python_version()),
        "seconds": round(time.monotonic() - started, 1),
        "operations": {name: int(count) for name, count in stats.operations.items()},
        "rss MiB": {
            "start": stats.rss[0] / MIB if stats.rss else None,
            "peak": max(stats.rss) / MIB if stats.rss else None,
            "end": stats.rss[-1] / MIB if stats.rss else None,
            "growth": None if growth is None else growth / MIB,
            "samples": len(stats.rss),
        },
        "fds": {"start": fds_before, "peak": max(stats.fds, default=fds_before),
                "end": fd_count()},
        "errors": stats.errors,
    }
    summary["problems"] = verdict(summary, bound_mib)
    return summary


def show(summary):
    rss = summary["rss MiB"]
    fds = summary["fds"]
    lines = [
        "soak {loop} on {python}: {seconds} s".format(**summary),
        "  operations: " + ", ".join(
            "{} {}".format(name, count) for name, count in summary["operations"].items()),
        "  RSS MiB: start {} peak {} end {}, growth from the 2nd to the 4th quarter {} "
        "({} samples)".format(
            *[_mib(rss[key]) for key in ("start", "peak", "end", "growth")] + [rss["samples"]]
        ),
        "  fds: start {start} peak {peak} end {end}".format(**fds),
    ]
    lines.extend("  NOT FLAT: " + problem for problem in summary["problems"])
    lines.append("  verdict: " + ("FAIL" if summary["problems"] else "flat"))
    return "\n".join(lines)


def _mib(value):
    return "-" if value is None else "{:.1f}".format(value)


def side_by_side(summaries):
    rows = [("", [summary["loop"] for summary in summaries])]
    for name in summaries[0]["operations"]:
        rows.append((name, [str(summary["operations"][name]) for summary in summaries]))
    for key in ("start", "peak", "end", "growth"):
        rows.append(("RSS MiB " + key, [_mib(summary["rss MiB"][key]) for summary in summaries]))
    for key in ("start", "peak", "end"):
        rows.append(("fds " + key, [str(summary["fds"][key]) for summary in summaries]))
    rows.append(("verdict", ["FAIL" if summary["problems"] else "flat" for summary in summaries]))
    return "\n".join(
        "{:<20}".format(label) + "".join("{:>16}".format(cell) for cell in cells)
        for label, cells in rows
    )


def run_all(seconds, bound_mib):
    """Each kind in a fresh process of its own (memory figures of one run
    do not carry into the next), ``seconds`` split evenly."""
    summaries = []
    for kind in KINDS:
        child = subprocess.run(
            [sys.executable, os.path.abspath(__file__), "--loop", kind,
             "--seconds", str(seconds / len(KINDS)), "--rss-bound-mb", str(bound_mib), "--json"],
            stdout=subprocess.PIPE, universal_newlines=True,
        )
        lines = child.stdout.splitlines()
        if child.returncode not in (0, 1) or not lines:
            print(child.stdout)
            sys.exit("the soak of {} ended with status {}".format(kind, child.returncode))
        print("\n".join(lines[:-1]), flush=True)
        summaries.append(json.loads(lines[-1]))
    print(side_by_side(summaries))
    return summaries


def main(argv=None):
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    duration = parser.add_mutually_exclusive_group()
    duration.add_argument("--minutes", type=float, help="how long in all (default 10)")
    duration.add_argument("--seconds", type=float, help="the same, in seconds")
    parser.add_argument("--loop", choices=KINDS + ("all",), default="all")
    parser.add_argument("--rss-bound-mb", type=float, default=4,
                        help="the largest RSS growth that is still flat (default: 4)")
    parser.add_argument("--json", action="store_true",
                        help="print the summary as JSON on the last line")
    options = parser.parse_args(argv)
    if not os.path.isdir("/proc/self/fd"):
        parser.error("needs /proc/self/statm and /proc/self/fd (Linux)")
    if options.seconds is not None:
        seconds = options.seconds
    else:
        seconds = 60 * (10 if options.minutes is None else options.minutes)
    if options.loop == "all":
        summaries = run_all(seconds, options.rss_bound_mb)
    else:
        summaries = [run_one(options.loop, seconds, options.rss_bound_mb)]
        print(show(summaries[0]), flush=True)
        if options.json:
            print(json.dumps(summaries[0]))
    return 1 if any(summary["problems"] for summary in summaries) else 0


if __name__ == "__main__":
    sys.exit(main())
