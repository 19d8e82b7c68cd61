"""Child processes from legacy coroutines: create_subprocess_exec and
create_subprocess_shell with ``loop=``, communicate() with input, reading
stdout line by line, exit statuses.  The child is this same Python.

Covers: L05, L01, L11, realistic: subprocess
"""
import asyncio
import shlex
import sys
from asyncio.subprocess import PIPE

COUNT_TO_THREE = "for i in range(1, 4): print('line', i)"
SHOUT = "import sys; sys.stdout.write(sys.stdin.read().upper())"


def collect_lines(stream):
    """Undecorated helper: read a child's stdout until EOF."""
    lines = []
    while True:
        line = yield from stream.readline()
        if not line:
            return lines
        lines.append(line.decode().rstrip())


@asyncio.coroutine
def run_exec(loop):
    process = yield from asyncio.create_subprocess_exec(
        sys.executable, "-c", COUNT_TO_THREE, stdout=PIPE, loop=loop)
    lines = yield from collect_lines(process.stdout)
    status = yield from process.wait()
    print("exec, line by line:", lines, "status", status)

    process = yield from asyncio.create_subprocess_exec(
        sys.executable, "-c", SHOUT, stdin=PIPE, stdout=PIPE, loop=loop)
    out, err = yield from process.communicate(b"quiet please")
    print("exec, communicate():", out, err, process.returncode)

    process = yield from asyncio.create_subprocess_exec(
        sys.executable, "-c", "import sys; sys.exit(3)", loop=loop)
    print("exec, exit status:", (yield from process.wait()))


@asyncio.coroutine
def run_shell(loop):
    command = "{} -c {} && echo shell-ok".format(
        shlex.quote(sys.executable), shlex.quote("print(6 * 7)"))
    process = yield from asyncio.create_subprocess_shell(command, stdout=PIPE, loop=loop)
    out, _ = yield from process.communicate()
    print("shell:", out.decode().split(), process.returncode)


@asyncio.coroutine
def main(loop):
    yield from run_exec(loop)
    yield from run_shell(loop)


loop = asyncio.get_event_loop()
loop.run_until_complete(main(loop))
loop.close()
