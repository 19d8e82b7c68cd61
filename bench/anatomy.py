"""Where the instructions of a task and of a legacy call go: the profiles
behind the goals bench/README.md calls out of reach in pure Python.

    python bench/anatomy.py [--n N] [PART ...]

Each part is counted as instructions.py counts a workload: a fresh
interpreter under callgrind at n and at 2n, the difference divided by n.

* ``spawn``: one task's three phases, on stock asyncio (its Task in C) and
  on genloop: ``create`` (``loop.create_task``), ``run`` (its one step, to
  its result) and ``await`` (of the finished task).
* ``chain``: one level of a ``yield from`` / ``await`` chain that suspends
  once, for an ``async def`` coroutine, a ``@genloop.coroutine`` generator
  and the same generator flagged by ``types.coroutine`` alone (what a
  legacy call would cost without genloop's LegacyCoroutine adapter).
"""

import argparse
import asyncio
import sys
import types

import instructions
from workloads import genloop

#: The phases of a task, each counted with what comes before it; a phase's
#: own cost is its count less the one before.
SPAWN_PHASES = ("create", "run", "await")
SPAWN_LOOPS = {"asyncio": asyncio.new_event_loop, "genloop": genloop.new_event_loop}

#: Levels below the top of one chain.
CHAIN_DEPTH = 50


async def _identity(value):
    return value


def spawn_up_to(loop, n, last_phase):
    """Spawn ``n`` tasks, going as far as ``last_phase``."""
    coroutines = [_identity(i) for i in range(n)]
    tasks = [loop.create_task(coroutine) for coroutine in coroutines]
    if last_phase == "create":
        for task, coroutine in zip(tasks, coroutines):  # never run, and not reported
            task._log_destroy_pending = False
            coroutine.close()
        loop._ready.clear()
        return
    loop._run_once()  # one step each: every task finishes
    if last_phase == "run":
        return

    async def await_each():
        for task in tasks:
            await task

    loop.run_until_complete(await_each())


@types.coroutine
def _suspend():
    yield


async def _native_link(depth, link):
    if depth == 0:
        await _suspend()
        return 1
    return await link(depth - 1, link) + 1


def _generator_link(depth, link):
    if depth == 0:
        yield from _suspend()
        return 1
    return (yield from link(depth - 1, link)) + 1


LINKS = {
    "async def": _native_link,
    "@genloop.coroutine": genloop.coroutine(_generator_link),
    "types.coroutine": types.coroutine(_generator_link),
}


def chain(link, n):
    """``n`` round trips down a chain of ``link`` calls, driven by hand."""
    for _ in range(n):
        coroutine = link(CHAIN_DEPTH, link)
        coroutine.send(None)
        try:
            coroutine.send(None)
        except StopIteration as stop:
            if stop.value != CHAIN_DEPTH + 1:
                raise AssertionError("the chain returned {!r}".format(stop.value))
        else:
            raise AssertionError("the chain did not return")


def child(kind, name, phase, n):
    """What one counted interpreter runs (a warm-up of n // 10 first)."""
    loop = SPAWN_LOOPS[name]() if kind == "spawn" else None
    for size in (max(1, n // 10), n):
        if loop is not None:
            spawn_up_to(loop, size, phase)
        else:
            chain(LINKS[name], size)
    if loop is not None:
        loop.close()


def per_op(kind, name, phase, n):
    """Instructions per task or round trip of one part."""
    return instructions.counted(
        lambda size: ([sys.executable, __file__, "--child", kind, name, phase, str(size)], {}),
        n)[1]


def print_spawn(n):
    print("spawn: instructions per task, by phase ({:,} and {:,} tasks)".format(n, 2 * n))
    print("  {:<10} {:>10} {:>10} {:>10} {:>10}".format("", *(SPAWN_PHASES + ("all",))))
    for name in SPAWN_LOOPS:
        cumulative = [per_op("spawn", name, phase, n) for phase in SPAWN_PHASES]
        own = [cumulative[0]] + [b - a for a, b in zip(cumulative, cumulative[1:])]
        print("  {:<10} {}".format(name, " ".join(
            "{:>10,.0f}".format(value) for value in own + [cumulative[-1]])))


def print_chain(n):
    print("chain: instructions per level of a depth-{} chain ({:,} and {:,} round "
          "trips)".format(CHAIN_DEPTH, n, 2 * n))
    for name in LINKS:
        print("  {:<20} {:>10,.0f}".format(
            name, per_op("chain", name, "-", n) / (CHAIN_DEPTH + 1)))


PARTS = {"spawn": (print_spawn, 5000), "chain": (print_chain, 500)}


def main(argv=None):
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    # (No choices=: before 3.7, argparse checks the empty default against them.)
    parser.add_argument("parts", nargs="*", metavar="PART", help="spawn, chain (default: both)")
    parser.add_argument("--n", type=int, metavar="N",
                        help="tasks or round trips at the smaller count (default: "
                             "spawn 5000, chain 500)")
    parser.add_argument("--child", nargs=4, help=argparse.SUPPRESS)
    args = parser.parse_args(argv)
    unknown = [part for part in args.parts if part not in PARTS]
    if unknown:
        parser.error("no part {}: the parts are {}".format(
            ", ".join(map(repr, unknown)), ", ".join(sorted(PARTS))))
    if args.child:
        kind, name, phase, n = args.child
        child(kind, name, phase, int(n))
        return 0
    problem = instructions.valgrind_missing()
    if problem:
        sys.stderr.write(problem + "\n")
        return 2
    try:
        for part in args.parts or sorted(PARTS, reverse=True):
            show, default_n = PARTS[part]
            show(args.n or default_n)
    except instructions.NoCount as failure:
        sys.stderr.write("count failed: {}\n".format(failure))
        return 1
    return 0


if __name__ == "__main__":
    sys.exit(main())
