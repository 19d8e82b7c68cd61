"""The suite tests the wheel a user installs, not the checkout beside it.

tox installs genloop from the wheel it built and sets
``GENLOOP_EXPECT_INSTALLED=1`` (tox.ini); then every ``genloop`` module the
tests import comes from the environment's site-packages, and the
distribution there was installed from that wheel file.  The metadata is read
from the ``.dist-info`` directory beside the package, the same way on every
Python.
"""

import glob
import json
import os
import site
import sys
import sysconfig

import pytest

import genloop
from check_dist import COMPILED, wheel_tag
from genloop import _compiled

CHECKOUT = os.path.dirname(os.path.dirname(os.path.realpath(__file__)))

pytestmark = pytest.mark.skipif(
    os.environ.get("GENLOOP_EXPECT_INSTALLED") != "1",
    reason="GENLOOP_EXPECT_INSTALLED is not set: run from a checkout, where genloop may be "
    "the source tree itself (tox sets it where it has installed the built wheel)",
)


def real(path):
    return os.path.normcase(os.path.realpath(path))


def site_packages():
    """The directories this interpreter installs pure-Python packages into."""
    paths = {sysconfig.get_paths()["purelib"], sysconfig.get_paths()["platlib"]}
    if hasattr(site, "getsitepackages"):
        paths.update(site.getsitepackages())
    return {real(path) for path in paths}


def installed_package():
    return os.path.dirname(real(genloop.__file__))


def dist_info():
    """The one ``genloop-<version>.dist-info`` beside the installed package."""
    pattern = os.path.join(os.path.dirname(installed_package()), "genloop-*.dist-info")
    found = glob.glob(pattern)
    assert len(found) == 1, "not one genloop dist-info: {}".format(found)
    return found[0]


def read(path):
    with open(path) as text:
        return text.read()


def test_genloop_is_imported_from_site_packages_not_the_checkout():
    package = installed_package()
    assert os.path.dirname(package) in site_packages(), package
    assert package.startswith(real(sys.prefix) + os.sep), (package, sys.prefix)
    checkout_package = real(os.path.join(CHECKOUT, "genloop")) + os.sep
    imported = {
        name: real(module.__file__)
        for name, module in list(sys.modules.items())
        if (name == "genloop" or name.startswith("genloop."))
        and getattr(module, "__file__", None)
    }
    from_checkout = sorted(
        name for name, path in imported.items() if path.startswith(checkout_package)
    )
    assert from_checkout == [], "imported from the checkout: {}".format(from_checkout)


def test_the_installed_distribution_came_from_the_built_wheel():
    info = dist_info()
    assert os.path.basename(info) == "genloop-{}.dist-info".format(genloop.__version__)
    wheel = read(os.path.join(info, "WHEEL")).splitlines()
    purelib = "false" if COMPILED else "true"
    assert "Root-Is-Purelib: " + purelib in wheel and "Tag: " + wheel_tag() in wheel, wheel
    # PEP 610: pip records the file it installed; an sdist or a checkout
    # (editable or not) would be named here instead of a .whl.
    origin = json.loads(read(os.path.join(info, "direct_url.json")))
    assert origin["url"].endswith(
        "/genloop-{}-{}.whl".format(genloop.__version__, wheel_tag())
    ), origin
    assert not origin.get("dir_info", {}).get("editable"), origin


def test_the_wheel_installed_the_typing_marker_the_entry_points_and_the_command():
    info = dist_info()
    record = {line.split(",")[0] for line in read(os.path.join(info, "RECORD")).splitlines()}
    assert {"genloop/__init__.py", "genloop/py.typed"} <= record
    assert os.path.isfile(os.path.join(installed_package(), "py.typed"))
    entry_points = read(os.path.join(info, "entry_points.txt"))
    assert "genloop = genloop.cli:main" in entry_points
    assert "genloop.testing.pytest_plugin = genloop.testing.pytest_plugin" in entry_points
    assert os.path.isfile(os.path.join(sysconfig.get_paths()["scripts"], "genloop"))


def test_the_installed_wheel_runs_the_step_it_was_built_with():
    # A wheel that should carry the compiled step but does not (a failed
    # optional build) would otherwise pass the whole suite on the pure step.
    pure = _compiled.pure_requested()
    assert genloop.COMPILED is (COMPILED and not pure), (genloop.COMPILED, pure)
