"""The build: the metadata is in setup.cfg; this adds the compiled step.

``genloop._speedups`` is built on CPython 3.10+ (it drives coroutines with
``PyIter_Send``), and only there; ``optional=True`` lets an install without
a C compiler go on with the pure-Python package, which is complete by itself
(``genloop.COMPILED`` says which step runs).  ``GENLOOP_PURE=1`` at build
time makes the pure package everywhere.
"""

import os
import platform
import sys

from setuptools import Extension, setup


def compiled_extensions():
    if (
        platform.python_implementation() != "CPython"
        or sys.version_info < (3, 10)
        or os.environ.get("GENLOOP_PURE", "") not in ("", "0")
    ):
        return []
    return [
        Extension(
            "genloop._speedups", ["genloop/_speedups.c", "genloop/_transports.c"],
            depends=["genloop/_speedups.h"], optional=True,
        )
    ]


setup(ext_modules=compiled_extensions())
