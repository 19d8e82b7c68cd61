"""Running a child Python for the tests that check whole programs."""

import collections
import os
import subprocess
import sys

import pytest

#: Seconds a child may run before it counts as hung.
CHILD_TIMEOUT = 30

Outcome = collections.namedtuple("Outcome", "status out err")


def run_python(args, cwd, environment=None, timeout=CHILD_TIMEOUT):
    """Run ``sys.executable ARGS`` in ``cwd`` (under tox, the interpreter of
    the installed package), without asyncio debug mode from the environment
    and without writing bytecode next to the programs; a child that hangs
    fails the test with what it printed."""
    env = dict(os.environ)
    env.pop("PYTHONASYNCIODEBUG", None)
    env["PYTHONDONTWRITEBYTECODE"] = "1"
    env["PYTHONIOENCODING"] = "utf-8"
    env.update(environment or {})
    process = subprocess.Popen(
        [sys.executable] + list(args),
        cwd=str(cwd),
        env=env,
        stdout=subprocess.PIPE,
        stderr=subprocess.PIPE,
        universal_newlines=True,
    )
    try:
        out, err = process.communicate(timeout=timeout)
    except subprocess.TimeoutExpired:
        process.kill()
        out, err = process.communicate()
        pytest.fail(
            "python {} did not finish within {} s\n--- stdout ---\n{}\n--- stderr ---\n{}".format(
                " ".join(args), timeout, out, err
            )
        )
    return Outcome(process.returncode, out, err)
