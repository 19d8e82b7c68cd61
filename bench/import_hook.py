"""What genloop's import hook costs the code it compiles.

The hook adapts the operand of each ``yield from`` in a plain generator and
of each ``await`` (genloop/compat/transform.py).  This measures, in one
process, the same source compiled by Python and by the hook:

- ``helper_chain``: undecorated helper generators ``yield from`` one another
  down to an ``async def`` leaf (row L11): under the hook, against the same
  generators flagged with ``types.coroutine`` (what the hook did before it
  adapted operands: every generator with ``yield from`` flagged);
- ``native_chain``: ``async def`` awaiting ``async def`` (the hook's cost to
  modern code it compiles), against Python's own compilation;
- ``..._across``: the same chains calling through another namespace, as
  calls across modules do (a call of the module's own function by name
  needs no adapter; any other call keeps one);
- ``data_generator``: a generator that ``yield from``s lists, iterated.

Each figure is the median CPU time of ``--rounds`` rounds (the two variants
alternate), and the ratio is hook / reference: 1.0 is free.

    python bench/import_hook.py [--rounds 15] [--size 20000] [--json PATH]
"""

import argparse
import json
import os
import statistics
import sys
import time
import types

try:
    import genloop  # noqa: F401
except ImportError:
    sys.path.insert(0, os.path.dirname(os.path.dirname(os.path.abspath(__file__))))
from genloop.compat.importhook import prepare_namespace  # noqa: E402
from genloop.compat.transform import compile_legacy  # noqa: E402

SOURCE = """
async def leaf():
    return 1

def helper(depth):
    if depth == 0:
        return (yield from leaf())
    return (yield from helper(depth - 1))

async def native(depth):
    if depth == 0:
        return await leaf()
    return await native(depth - 1)

def data(parts):
    for part in parts:
        yield from part

class elsewhere:
    "Stands for another module: its functions are called as attributes."

def helper_across(depth):
    if depth == 0:
        return (yield from leaf())
    return (yield from elsewhere.helper_across(depth - 1))

async def native_across(depth):
    if depth == 0:
        return await leaf()
    return await elsewhere.native_across(depth - 1)

elsewhere.helper_across = helper_across
elsewhere.native_across = native_across
"""

DEPTH = 10
PARTS = [[1, 2]] * 10


def compiled(by_hook):
    namespace = {}
    if by_hook:
        prepare_namespace(namespace)
        exec(compile_legacy(SOURCE, "<bench>"), namespace)
    else:
        exec(compile(SOURCE, "<bench>", "exec"), namespace)
        for name in ("helper", "helper_across"):
            namespace[name] = types.coroutine(namespace[name])
        namespace["elsewhere"].helper_across = namespace["helper_across"]
    return namespace


def drive(coroutine):
    try:
        coroutine.send(None)
    except StopIteration as stop:
        return stop.value
    raise AssertionError("the chain suspended")


def chain(name):
    def workload(namespace, size):
        function = namespace[name]
        for _ in range(size):
            drive(function(DEPTH))

    workload.__name__ = name.replace("native", "native_chain").replace(
        "helper", "helper_chain")
    return workload


def data_generator(namespace, size):
    data = namespace["data"]
    for _ in range(size):
        sum(data(PARTS))


WORKLOADS = [
    chain("helper"), chain("helper_across"), chain("native"), chain("native_across"),
    data_generator,
]


def measure(workload, namespace, size):
    started = time.process_time()
    workload(namespace, size)
    return time.process_time() - started


def main(argv=None):
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--rounds", type=int, default=15)
    parser.add_argument("--size", type=int, default=20000)
    parser.add_argument("--json", metavar="PATH")
    options = parser.parse_args(argv)
    variants = {"hook": compiled(True), "python": compiled(False)}
    results = {}
    print("Python {}, {} rounds of {} calls (chains {} deep)".format(
        sys.version.split()[0], options.rounds, options.size, DEPTH))
    print("{:16} {:>10} {:>10} {:>7}".format("workload", "python ms", "hook ms", "ratio"))
    for workload in WORKLOADS:
        times = {name: [] for name in variants}
        for round_number in range(options.rounds):
            order = sorted(variants, reverse=bool(round_number % 2))
            for name in order:
                times[name].append(measure(workload, variants[name], options.size))
        medians = {name: statistics.median(values) for name, values in times.items()}
        ratio = medians["hook"] / medians["python"]
        results[workload.__name__] = dict(medians, ratio=ratio)
        print("{:16} {:10.1f} {:10.1f} {:7.2f}".format(
            workload.__name__, medians["python"] * 1e3, medians["hook"] * 1e3, ratio))
    if options.json:
        with open(options.json, "w") as out:
            json.dump({"python": sys.version.split()[0], "results": results}, out, indent=2)
    return 0


if __name__ == "__main__":
    sys.exit(main())
