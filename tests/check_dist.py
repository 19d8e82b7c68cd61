"""What a release carries, checked on the directory ``python -m build`` filled
(``tox -e build``, after ``twine check``):

- one sdist and one wheel, of the version in ``genloop/__init__.py``;
- the wheel is the one for the Python that built it: with the compiled
  step (``genloop/_speedups.*.so``, tagged for that Python and platform) on
  CPython 3.10+, pure Python (``py3-none-any``) elsewhere; it holds the
  ``genloop`` package alone, with ``py.typed``, the ``genloop`` command and
  the pytest plugin, and no runtime dependency outside the ``migrate``
  extra;
- the sdist holds the same package files, the C source of the compiled
  step instead of its build, what builds them, and the tests with what they
  read (MANIFEST.in), and no build or cache leftovers.

Each problem is printed; any problem exits 1.

    python tests/check_dist.py DIST_DIR
"""

import configparser
import email.parser
import os
import platform
import re
import sys
import sysconfig
import tarfile
import zipfile

#: The entry points a user relies on: the command and the pytest plugin.
ENTRY_POINTS = {
    "console_scripts": {"genloop": "genloop.cli:main"},
    "pytest11": {"genloop.testing.pytest_plugin": "genloop.testing.pytest_plugin"},
}

#: Files the package needs besides its modules.
PACKAGE_FILES = ["genloop/__init__.py", "genloop/py.typed"]

#: The compiled step: its sources in the sdist, its build in the wheel.
STEP_SOURCES = {"genloop/_speedups.c", "genloop/_transports.c", "genloop/_speedups.h"}
STEP_BUILD = re.compile(r"^genloop/_speedups\.[^/]+\.so$")

#: Whether the Python running this makes wheels with the compiled step
#: (setup.py): the one that built the release, or that runs the tests
#: against its wheel (test_installed.py).
COMPILED = platform.python_implementation() == "CPython" and sys.version_info >= (3, 10)

#: Files of the sdist outside the package: what builds it, and a sample of
#: what the tests read.
SDIST_FILES = [
    "PKG-INFO", "LICENSE", "setup.cfg", "setup.py", "pyproject.toml", "MANIFEST.in",
    "README.md",
    "tox.ini",
    "tests/conftest.py", "tests/childprocess.py", "tests/test_installed.py",
    "compat/legacy/README.md", "compat/cases/hello_coroutine.out",
    "compat/packages/corpus.json", "examples/tox_project/tox.ini", "bench/workloads.py",
    "docs/legacy-code.md",
]

#: The checkout the release is built from.
CHECKOUT = os.path.dirname(os.path.dirname(os.path.abspath(__file__)))

#: What no release may carry.
LEFTOVERS = re.compile(r"(^|/)(__pycache__|\.tox|\.ci|build|\.hypothesis)/|\.py[cod]$"
                       r"|^bench/results/")


def version_of(source):
    match = re.search(r'^__version__ = "([^"]+)"$', source, re.MULTILINE)
    return match.group(1) if match else None


def check_name(path, expected, kind, problems):
    name = os.path.basename(path)
    if name != expected:
        problems.append("the {} is {}, not {}".format(kind, name, expected))


def wheel_tag():
    """The tag ``python -m build`` gives genloop's wheel on this interpreter."""
    if not COMPILED:
        return "py3-none-any"
    python = "cp{}{}".format(*sys.version_info[:2])
    machine = sysconfig.get_platform().replace("-", "_").replace(".", "_")
    return "{0}-{0}-{1}".format(python, machine)


def check_wheel(path, version, problems):
    """The package files of the wheel at ``path``."""
    tag = wheel_tag()
    check_name(path, "genloop-{}-{}.whl".format(version, tag), "wheel", problems)
    info = "genloop-{}.dist-info/".format(version)
    with zipfile.ZipFile(path) as wheel:
        names = set(wheel.namelist())

        def read(member):
            if member not in names:
                problems.append("the wheel has no {}".format(member))
                return ""
            return wheel.read(member).decode("utf-8")

        tags = email.parser.HeaderParser().parsestr(read(info + "WHEEL"))
        metadata = email.parser.HeaderParser().parsestr(read(info + "METADATA"))
        entry_points = read(info + "entry_points.txt")
    purelib = "false" if COMPILED else "true"
    if tags.get_all("Tag") != [tag] or tags["Root-Is-Purelib"] != purelib:
        problems.append("the wheel is tagged {} (purelib: {}), not only {} (purelib: {})".format(
            tags.get_all("Tag"), tags["Root-Is-Purelib"], tag, purelib))
    builds = sorted(member for member in names if STEP_BUILD.match(member))
    if len(builds) != (1 if COMPILED else 0):
        problems.append("the wheel carries {} builds of the compiled step ({}), not {}".format(
            len(builds), ", ".join(builds), 1 if COMPILED else 0))
    for field, value in [("Name", "genloop"), ("Version", version),
                         ("Requires-Python", ">=3.6"), ("Provides-Extra", "migrate")]:
        if metadata[field] != value:
            problems.append("the wheel's METADATA has {}: {}, not {}".format(
                field, metadata[field], value))
    for requirement in metadata.get_all("Requires-Dist") or []:
        if 'extra == "migrate"' not in requirement:
            problems.append("a runtime dependency: Requires-Dist: {}".format(requirement))
    parser = configparser.ConfigParser(delimiters=("=",))
    parser.optionxform = str
    parser.read_string(entry_points)
    for group, points in sorted(ENTRY_POINTS.items()):
        for point, target in sorted(points.items()):
            found = parser.get(group, point, fallback=None)
            if found != target:
                problems.append("the wheel's entry point [{}] {} is {}, not {}".format(
                    group, point, found, target))
    for member in sorted(names):
        if not member.startswith(("genloop/", info)) or LEFTOVERS.search(member):
            problems.append("the wheel carries {}".format(member))
    if not any(member.startswith(info) and member.endswith("/LICENSE") for member in names):
        problems.append("the wheel carries no license text (a LICENSE in its dist-info)")
    package = {member for member in names if member.startswith("genloop/")}
    for member in PACKAGE_FILES:
        if member not in package:
            problems.append("the wheel has no {}".format(member))
    return package


def check_sdist(path, version, problems):
    """The package files of the sdist at ``path``."""
    check_name(path, "genloop-{}.tar.gz".format(version), "sdist", problems)
    top = "genloop-{}/".format(version)
    with tarfile.open(path) as sdist:
        files = set()
        for member in sdist.getmembers():
            if member.name == top.rstrip("/"):
                continue
            if not member.name.startswith(top):
                problems.append("the sdist has {} outside {}".format(member.name, top))
            elif member.isfile():
                files.add(member.name[len(top):])
    for member in sorted(files):
        if LEFTOVERS.search(member):
            problems.append("the sdist carries {}".format(member))
    for member in SDIST_FILES + sorted(STEP_SOURCES) + PACKAGE_FILES:
        if member not in files:
            problems.append("the sdist has no {}".format(member))
    return {member for member in files if member.startswith("genloop/")}


def check(dist):
    """The problems of the release in ``dist``, and what it holds."""
    problems = []
    names = sorted(os.listdir(dist))
    wheels = [name for name in names if name.endswith(".whl")]
    sdists = [name for name in names if name.endswith(".tar.gz")]
    if len(wheels) != 1 or len(sdists) != 1 or len(names) != 2:
        return ["{} holds {}, not one wheel and one sdist".format(dist, names)], ""
    with open(os.path.join(CHECKOUT, "genloop", "__init__.py")) as source:
        version = version_of(source.read())
    wheel = check_wheel(os.path.join(dist, wheels[0]), version, problems)
    sdist = check_sdist(os.path.join(dist, sdists[0]), version, problems)
    for member in sorted(sdist - wheel - STEP_SOURCES):
        problems.append("{} is in the sdist but not in the wheel".format(member))
    for member in sorted(wheel - sdist):
        if not STEP_BUILD.match(member):
            problems.append("{} is in the wheel but not in the sdist".format(member))
    summary = "{}: {} files of genloop, py.typed, entry points {}; {}".format(
        wheels[0], len(wheel),
        ", ".join(sorted(point for points in ENTRY_POINTS.values() for point in points)),
        sdists[0])
    return problems, summary


def main(argv):
    if len(argv) != 2:
        print(__doc__.strip().splitlines()[-1].strip(), file=sys.stderr)
        return 2
    problems, summary = check(argv[1])
    for problem in problems:
        print("check_dist: " + problem, file=sys.stderr)
    if problems:
        return 1
    print("check_dist: " + summary)
    return 0


if __name__ == "__main__":
    sys.exit(main(sys.argv))
