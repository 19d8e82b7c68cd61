"""Record (or check) the expected output of the legacy corpus.

    cd compat/legacy
    /root/.pyenv/versions/3.6.15/bin/python3.6 _record.py            # every recordable case
    /root/.pyenv/versions/3.6.15/bin/python3.6 _record.py NAME.py    # one case
    python3.X _record.py --check                                    # compare, write nothing

Recording runs each case with this interpreter -- stock CPython 3.6, where
every legacy API exists natively -- as a plain ``python NAME.py`` in this
directory, without genloop.  It refuses any other Python, and refuses a
case that prints anything on stderr or prints differently on any of three
runs; otherwise it writes NAME.out.

Cases marked ``# expected output: by design`` are skipped: their .out is
written by hand from the design (asyncio never accepted their dialect),
except those with a prelude below, which are recorded on 3.6 with the
prelude run first (it restores the 3.4 API the design promises).

``--check`` runs each case once with any interpreter (without preludes)
and prints one line per case: ``ok``, or how it differs from its .out (the
breakage survey in README.md was made this way).  Not a case itself: files starting with
'_' are helpers.
"""
import os
import re
import subprocess
import sys

HERE = os.path.dirname(os.path.abspath(__file__))
BY_DESIGN = "# expected output: by design"
RUNS = 3
#: Seconds before a case counts as hung (as in tests/childprocess.py).
TIMEOUT = 30
_ERROR_LINE = re.compile(r"^[\w.]+(Error|Exception|Exit)\b")
_WARNING_LINE = re.compile(r"^(\S+:\d+: )?\w+Warning\b")
#: By-design cases whose .out is still recorded on 3.6, after this prelude.
PRELUDES = {
    "joinable_queue.py": "import asyncio; asyncio.JoinableQueue = asyncio.Queue  # as on 3.4",
}


def cases(names):
    if names:
        return names
    return sorted(name for name in os.listdir(HERE)
                  if name.endswith(".py") and not name.startswith("_"))


def is_by_design(name):
    with open(os.path.join(HERE, name), encoding="utf-8") as source:
        return any(line.startswith(BY_DESIGN) for line in source)


def command(name, with_prelude):
    prelude = PRELUDES.get(name) if with_prelude else None
    if prelude is None:
        return [sys.executable, name]
    run = "import runpy; runpy.run_path({!r}, run_name='__main__')".format(name)
    return [sys.executable, "-c", prelude + "\n" + run]


def run(name, with_prelude=True):
    env = dict(os.environ)
    env.pop("PYTHONASYNCIODEBUG", None)
    env["PYTHONDONTWRITEBYTECODE"] = "1"
    env["PYTHONIOENCODING"] = "utf-8"
    process = subprocess.Popen(command(name, with_prelude), cwd=HERE, env=env,
                               stdout=subprocess.PIPE, stderr=subprocess.PIPE,
                               universal_newlines=True)
    try:
        out, err = process.communicate(timeout=TIMEOUT)
    except subprocess.TimeoutExpired:
        process.kill()
        out, err = process.communicate()
        return None, out, err
    return process.returncode, out, err


def first_error(err):
    """The first 'SomeError: message' line of a stderr, else its first
    warning, else its last line."""
    lines = err.strip().splitlines()
    for pattern in (_ERROR_LINE, _WARNING_LINE):
        for line in lines:
            if pattern.match(line):
                return line
    return lines[-1] if lines else ""


def record(name):
    if is_by_design(name) and name not in PRELUDES:
        return "skipped (by design: .out written by hand)"
    outputs = set()
    for _ in range(RUNS):
        status, out, err = run(name)
        if status is None:
            return "NOT RECORDED: hangs (killed after {} s)".format(TIMEOUT)
        if status != 0 or err:
            return "NOT RECORDED: exit {}, stderr:\n{}".format(status, err)
        outputs.add(out)
    if len(outputs) != 1:
        return "NOT RECORDED: the output differs between runs"
    with open(os.path.join(HERE, name[:-3] + ".out"), "w", encoding="utf-8") as expected:
        expected.write(outputs.pop())
    return "recorded"


def check(name):
    status, out, err = run(name, with_prelude=False)
    with open(os.path.join(HERE, name[:-3] + ".out"), encoding="utf-8") as expected:
        wanted = expected.read()
    error = first_error(err)
    if status is None:
        return "hangs (killed after {} s){}".format(TIMEOUT, "; " + error if error else "")
    if status != 0:
        return "exit {}: {}".format(status, error)
    if out != wanted:
        return "output differs" + (" (stderr: {})".format(error) if error else "")
    if err:
        return "ok but stderr: {}".format(error)
    return "ok"


def main(argv):
    checking = "--check" in argv
    names = [arg for arg in argv if arg != "--check"]
    if not checking and sys.version_info[:2] != (3, 6):
        sys.exit("record with stock CPython 3.6 (this is {}.{}); --check works anywhere"
                 .format(*sys.version_info[:2]))
    failed = False
    for name in cases(names):
        outcome = check(name) if checking else record(name)
        failed = failed or outcome.startswith("NOT RECORDED")
        print("{:28} {}".format(name, outcome))
    return 1 if failed else 0


if __name__ == "__main__":
    sys.exit(main(sys.argv[1:]))
