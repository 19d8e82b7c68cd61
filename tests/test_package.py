"""What ``import genloop`` does and does not do."""

import json
import subprocess
import sys

import genloop

SNAPSHOT_ASYNCIO = """
import asyncio, json, sys
def snapshot():
    names = {}
    for module_name in sorted(m for m in sys.modules if m == "asyncio" or m.startswith("asyncio.")):
        module = sys.modules[module_name]
        names[module_name] = {k: repr(v) for k, v in vars(module).items() if not k.startswith("__")}
    return names
policy_before = type(asyncio.get_event_loop_policy()).__name__
before = snapshot()
import genloop
after = snapshot()
changed = sorted(
    "{}.{}".format(module, name)
    for module in before
    for name in set(before[module]) | set(after.get(module, {}))
    if before[module].get(name) != after.get(module, {}).get(name)
)
print(json.dumps({
    "changed": changed,
    "policy_changed": type(asyncio.get_event_loop_policy()).__name__ != policy_before,
    "cli_imported": "genloop.cli" in sys.modules,
}))
"""


def test_import_leaves_asyncio_untouched_and_loads_only_the_core():
    output = subprocess.check_output(
        [sys.executable, "-c", SNAPSHOT_ASYNCIO], universal_newlines=True
    )
    report = json.loads(output)
    assert report == {"changed": [], "policy_changed": False, "cli_imported": False}


def test_every_public_name_is_exported():
    for name in genloop.__all__:
        assert getattr(genloop, name) is not None
    assert {"coroutine", "Task", "EventLoop", "run", "task_factory", "From", "Return"} <= set(
        genloop.__all__
    )


def test_version_is_a_dotted_string():
    assert all(part.isdigit() for part in genloop.__version__.split("."))
