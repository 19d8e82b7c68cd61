"""One measurement in a fresh interpreter, printed as one JSON line.

    _worker.py measure WORKLOAD RUNTIME SIZE WARMUP_SIZE
        {"cpu_seconds": ..., "ops": ...}
    _worker.py memory RUNTIME TASKS
        {"bytes_per_task": ...} or {"unavailable": "why"}

run.py starts one worker per measurement, so that none inherits another's
heap, caches or JIT state.  A failure is a traceback on stderr and a
non-zero exit status.
"""

import argparse
import asyncio
import gc
import json
import time

import workloads


def run_once(workload, runtime, size):
    """CPU seconds and ops of one run of ``workload`` on a fresh loop of ``runtime``."""
    coroutine_function = workload.versions[runtime.style]
    gc.collect()  # the garbage of what ran before is not this run's cost
    with runtime.fresh_loop() as loop:
        started = time.process_time()
        ops = loop.run_until_complete(coroutine_function(loop, size))
        cpu_seconds = time.process_time() - started
    return cpu_seconds, ops


def measure(workload, runtime, size, warmup_size):
    """A short run first, on a loop of its own, so that what is measured runs
    warm (imports done, caches filled, PyPy's JIT at work)."""
    run_once(workload, runtime, warmup_size)
    cpu_seconds, ops = run_once(workload, runtime, size)
    workloads.expect("ops done", ops, size)
    result = {"cpu_seconds": cpu_seconds, "ops": ops}
    if runtime.style == workloads.LEGACY:
        result["legacy_call_makes"] = legacy_call_makes()
    return result


def legacy_call_makes():
    """The class of what a call of a ``@genloop.coroutine`` function gives
    here: a generator where asyncio takes generators for coroutines, else
    genloop's adapter (genloop.coroutines says why)."""
    coroutine = workloads.legacy_wait_for(None)
    coroutine.close()
    if isinstance(coroutine, workloads.genloop.LegacyCoroutine):
        return "LegacyCoroutine"
    return type(coroutine).__name__


def memory(runtime, tasks):
    """Bytes per live task: ``tasks`` tasks of ``runtime``, each blocked
    awaiting one shared future after its first step, traced by tracemalloc
    from before their creation; then they are released and awaited."""
    try:
        import tracemalloc
    except ImportError as error:
        return {"unavailable": "no tracemalloc on this interpreter ({})".format(error)}
    wait_for = workloads.WAIT_FOR[runtime.style]
    with runtime.fresh_loop() as loop:
        shared = loop.create_future()
        gc.collect()
        tracemalloc.start()
        before = tracemalloc.get_traced_memory()[0]
        # ensure_future: a task for a coroutine; a tornado coroutine started
        # itself when called and is already a future.
        blocked = [asyncio.ensure_future(wait_for(shared), loop=loop) for _ in range(tasks)]
        loop.run_until_complete(asyncio.sleep(0))  # each task takes its first step
        after = tracemalloc.get_traced_memory()[0]
        tracemalloc.stop()
        shared.set_result(None)
        loop.run_until_complete(asyncio.gather(*blocked))
    return {"bytes_per_task": (after - before) / tasks}


def main(argv=None):
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    modes = parser.add_subparsers(dest="mode")
    modes.required = True  # add_subparsers(required=) is 3.7+
    measure_mode = modes.add_parser("measure")
    measure_mode.add_argument("workload", choices=[w.name for w in workloads.WORKLOADS])
    measure_mode.add_argument("runtime", choices=[r.name for r in workloads.RUNTIMES])
    measure_mode.add_argument("size", type=int)
    measure_mode.add_argument("warmup_size", type=int)
    memory_mode = modes.add_parser("memory")
    memory_mode.add_argument("runtime", choices=[r.name for r in workloads.RUNTIMES])
    memory_mode.add_argument("tasks", type=int)
    args = parser.parse_args(argv)

    # No current loop: code that reaches for an implicit one fails loudly.
    asyncio.set_event_loop(None)
    runtime = workloads.find(workloads.RUNTIMES, args.runtime)
    if not runtime.installed():
        parser.error("{} is not installed".format(runtime.requires))
    if args.mode == "measure":
        workload = workloads.find(workloads.WORKLOADS, args.workload)
        result = measure(workload, runtime, args.size, args.warmup_size)
    else:
        result = memory(runtime, args.tasks)
    print(json.dumps(result))


if __name__ == "__main__":
    main()
