"""Standard-library names that 3.6-era code imports and a later Python
removed, where the modern name is the very same object (row L34):
``collections.Mapping`` and the other aliases of ``collections.abc``, gone
in 3.10.  Each use is reported at its line (see
:mod:`genloop.compat.lost_names`).  ``install(stdlib_aliases=False)`` and
``genloop run --no-stdlib-aliases`` leave them out.
"""

import collections
import collections.abc
from typing import List

from .. import _versions
from .lost_names import LostNames
from .patching import Patch

__all__ = ["patches", "COLLECTIONS_ABC_ALIASES"]

#: What ``collections`` served of ``collections.abc`` up to 3.9 (3.6's
#: ``collections.abc.__all__``; later ABCs were never aliased).
COLLECTIONS_ABC_ALIASES = (
    "Awaitable", "Coroutine", "AsyncIterable", "AsyncIterator", "AsyncGenerator", "Hashable",
    "Iterable", "Iterator", "Generator", "Reversible", "Sized", "Container", "Callable",
    "Collection", "Set", "MutableSet", "Mapping", "MutableMapping", "MappingView", "KeysView",
    "ItemsView", "ValuesView", "Sequence", "MutableSequence", "ByteString",
)


def patches() -> List[Patch]:
    if not _versions.COLLECTIONS_ABC_ALIASES_REMOVED:
        return []  # 3.7-3.9 serve them with their own DeprecationWarning
    aliases = {
        name: getattr(collections.abc, name)
        for name in COLLECTIONS_ABC_ALIASES
        if hasattr(collections.abc, name)  # ByteString goes in 3.14
    }
    return [LostNames(collections, "L34", aliases)]
