"""libcst, which ``genloop migrate`` is built on, and the line that says so
where it is missing.

libcst is an optional extra (``pip install genloop[migrate]``): genloop
itself has no dependency, and libcst installs only on CPython 3.9 and later
(its parser is compiled, with no build for 3.6-3.8 or for PyPy).  This
module imports on every Python genloop supports, so that 3.6 can still say
what to do.
"""

import platform
import sys
from typing import Optional

__all__ = ["LIBCST_REQUIREMENT", "missing_libcst"]

#: The pin of setup.cfg's ``migrate`` extra.
LIBCST_REQUIREMENT = (
    'libcst==1.9.0; python_version >= "3.9" and platform_python_implementation == "CPython"'
)


def missing_libcst() -> Optional[str]:
    """None when libcst imports; else one line saying why not and what to do."""
    try:
        import libcst  # noqa: F401
    except ImportError:
        pass
    else:
        return None
    here = "{} {}".format(platform.python_implementation(), platform.python_version())
    if platform.python_implementation() != "CPython":
        why = "libcst has no build for {}".format(platform.python_implementation())
    elif sys.version_info < (3, 9):
        why = "libcst does not install there"
    else:
        why = "libcst is not installed there"
    return (
        "libcst is needed (it installs on CPython 3.9 and later); this is {} "
        "({}): run 'pip install genloop[migrate]' with CPython >= 3.9 and migrate from "
        "there".format(here, why)
    )
