"""Generator coroutines where asyncio stopped accepting them: rows L01
(``asyncio.coroutine``) and L09 (``asyncio.iscoroutine`` of a generator),
and the wrapping that L10 needs (generators run as tasks)."""

import asyncio
import asyncio.coroutines
import asyncio.tasks
import inspect
from typing import Any, Callable, List

from .. import _versions
from ..coroutines import LegacyCoroutine, coroutine, iscoroutine
from .patching import Patch
from .usage import legacy_use

__all__ = ["patches", "as_coroutine"]


def as_coroutine(obj: Any) -> Any:
    """``obj``, with a plain generator wrapped so that asyncio of every
    version takes it for a coroutine (a use of row L10)."""
    if inspect.isgenerator(obj):
        legacy_use("L10")
        return LegacyCoroutine(obj)
    return obj


def legacy_coroutine(func: Callable[..., Any]) -> Callable[..., Any]:
    """``asyncio.coroutine`` as it was: genloop's, reporting row L01."""
    legacy_use("L01")
    return coroutine(func)


def patches() -> List[Patch]:
    # Gone in 3.11, warning from 3.8; replaced on 3.6 and 3.7 too, where it
    # made plain generators: genloop's returns Return(v) and StopIteration(v)
    # values (L24) on every version.
    found = [
        Patch(module, "coroutine", legacy_coroutine)
        for module in (asyncio, asyncio.coroutines, asyncio.tasks)
    ]
    if not _versions.ASYNCIO_ACCEPTS_GENERATORS:
        # asyncio's own modules call coroutines.iscoroutine(): ensure_future,
        # gather, run, run_coroutine_threadsafe accept generators again.
        for module in (asyncio, asyncio.coroutines):
            found.append(Patch(module, "iscoroutine", iscoroutine))
    return found
