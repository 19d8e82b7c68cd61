"""Throughput of genloop against stock asyncio, in one run.

genloop's promise is that legacy ``yield from`` code and ``async def`` code
run on one engine without paying much for it.  This script shows what they
pay: each workload runs on the stock loop with the stock Task (the baseline),
on the stock loop with genloop's Task (``loop.set_task_factory``), and on
genloop's own loop, and the table gives ops/s and the ratio to the baseline.

    python bench/bench.py [--quick] [--repeat N] [--only NAME ...]

Standard library only, Python 3.6 to 3.13 and PyPy 3: no ``asyncio.run``
(3.6 lacks it), no ``asyncio.all_tasks``.  Every measurement gets a fresh
loop, closed afterwards, and awaits everything it starts.
"""

import argparse
import asyncio
import gc
import os
import platform
import sys
import time

try:
    import genloop
except ImportError:
    # Run from a source checkout: the package sits beside bench/.
    sys.path.insert(0, os.path.dirname(os.path.dirname(os.path.abspath(__file__))))
    import genloop

#: How many tasks take turns in ``task_switch``.
SWITCHING_TASKS = 100

#: Links in one ``chain_depth_50`` round trip; even, so the leaf is legacy.
CHAIN_DEPTH = 50

#: Self-rescheduling callbacks in flight at once in ``call_soon``.
CALLBACKS_IN_FLIGHT = 100

#: Timers of ``timers_100k_half_cancelled`` are spread over this many
#: microsecond steps (0 to 1 ms).
TIMER_SPREAD_US = 1000

#: ``--quick`` divides every size by this.
QUICK_DIVISOR = 10


# -- workloads: coroutine functions taking (loop, size), returning ops done ---


async def _switcher(switches):
    for _ in range(switches):
        await asyncio.sleep(0)


async def task_switch(loop, size):
    """SWITCHING_TASKS tasks each yielding to the loop ``size / SWITCHING_TASKS`` times."""
    switches = size // SWITCHING_TASKS
    await asyncio.gather(*[_switcher(switches) for _ in range(SWITCHING_TASKS)])
    return SWITCHING_TASKS * switches


async def _native_link(depth):
    return await _legacy_link(depth - 1)


@genloop.coroutine
def _legacy_link(depth):
    if depth == 0:
        yield  # a bare yield: one loop iteration, on any Task
        return 1
    return (yield from _native_link(depth - 1))


async def chain_depth_50(loop, size):
    """``size`` round trips down a chain alternating ``@genloop.coroutine``
    (``yield from``) and ``async def`` (``await``), suspending at the leaf."""
    for _ in range(size):
        await _legacy_link(CHAIN_DEPTH)
    return size


async def _nothing():
    pass


async def spawn_100k(loop, size):
    """Create ``size`` trivial tasks at once and gather them."""
    await asyncio.gather(*[loop.create_task(_nothing()) for _ in range(size)])
    return size


async def call_soon(loop, size):
    """``size`` callbacks, CALLBACKS_IN_FLIGHT at a time, each one scheduling
    the next with ``loop.call_soon`` until ``size`` have been scheduled."""
    done = loop.create_future()
    scheduled = CALLBACKS_IN_FLIGHT
    ran = 0

    def callback():
        nonlocal scheduled, ran
        ran += 1
        if scheduled < size:
            scheduled += 1
            loop.call_soon(callback)
        elif ran == size:
            done.set_result(None)

    for _ in range(CALLBACKS_IN_FLIGHT):
        loop.call_soon(callback)
    await done
    return size


async def timers_100k_half_cancelled(loop, size):
    """Schedule ``size`` ``call_later`` timers 0 to 1 ms ahead, cancel every
    other one, and wait until the rest have fired."""
    done = loop.create_future()
    left = size - size // 2

    def fire():
        nonlocal left
        left -= 1
        if left == 0:
            done.set_result(None)

    timers = [loop.call_later((i % TIMER_SPREAD_US) * 1e-6, fire) for i in range(size)]
    for timer in timers[1::2]:
        timer.cancel()
    await done
    return size


#: (name, workload, full size); sizes are the ops of one measurement.
WORKLOADS = (
    ("task_switch", task_switch, 200000),
    ("chain_depth_50", chain_depth_50, 20000),
    ("spawn_100k", spawn_100k, 100000),
    ("call_soon", call_soon, 1000000),
    ("timers_100k_half_cancelled", timers_100k_half_cancelled, 100000),
)


# -- configurations: loop factories --------------------------------------------


def _stock_loop_with_genloop_tasks():
    loop = asyncio.new_event_loop()
    loop.set_task_factory(genloop.task_factory)
    return loop


#: (name, new loop); the first is the baseline of the ratios.
CONFIGURATIONS = (
    ("stock", asyncio.new_event_loop),
    ("stock+factory", _stock_loop_with_genloop_tasks),
    ("genloop", genloop.new_event_loop),
)


# -- measuring and reporting ---------------------------------------------------


def measure(workload, size, new_loop):
    """Ops/s of one run of ``workload`` on a fresh loop from ``new_loop``."""
    gc.collect()  # the previous run's garbage is not this run's cost
    loop = new_loop()
    try:
        started = time.perf_counter()
        ops = loop.run_until_complete(workload(loop, size))
        elapsed = time.perf_counter() - started
    finally:
        loop.close()
    return ops / elapsed


def best_rates(workload, size, repeat):
    """The best ops/s of each configuration over ``repeat`` rounds; the
    rounds interleave the configurations so drift hits them all alike."""
    best = [0.0] * len(CONFIGURATIONS)
    for _ in range(repeat):
        for index, (_, new_loop) in enumerate(CONFIGURATIONS):
            best[index] = max(best[index], measure(workload, size, new_loop))
    return best


ROW = "{:<28} {:<14} {:>14} {:>9}"


def main(argv=None):
    names = [name for name, _, _ in WORKLOADS]
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--quick", action="store_true",
                        help="sizes divided by {} (a smoke run)".format(QUICK_DIVISOR))
    parser.add_argument("--repeat", type=int, default=3, metavar="N",
                        help="measurements per configuration; the best is kept (default 3)")
    parser.add_argument("--only", nargs="+", choices=names, metavar="NAME",
                        help="run only these workloads: " + ", ".join(names))
    args = parser.parse_args(argv)
    if args.repeat < 1:
        parser.error("--repeat must be at least 1")

    # No loop outside the measurements: a stray get_event_loop() fails loudly.
    asyncio.set_event_loop(None)
    print("{} {} ({}), genloop {}{}".format(
        platform.python_implementation(), platform.python_version(), sys.executable,
        genloop.__version__, ", quick" if args.quick else ""))
    print(ROW.format("workload", "configuration", "ops/s", "vs stock"))
    print(ROW.format("-" * 28, "-" * 14, "-" * 14, "-" * 9))
    for name, workload, size in WORKLOADS:
        if args.only and name not in args.only:
            continue
        if args.quick:
            size //= QUICK_DIVISOR
        rates = best_rates(workload, size, args.repeat)
        for (config, _), rate in zip(CONFIGURATIONS, rates):
            print(ROW.format(name, config, "{:,.0f}".format(rate),
                             "{:.2f}".format(rate / rates[0])))
        sys.stdout.flush()


if __name__ == "__main__":
    main()
