"""Generator coroutines where asyncio stopped accepting them: rows L01
(``asyncio.coroutine``) and L09 (``asyncio.iscoroutine`` of a generator),
and the wrapping that L10 needs (generators run as tasks)."""

import asyncio
import asyncio.coroutines
import asyncio.tasks
import inspect
import types
import warnings
from typing import Any, Callable, List

from .. import _versions
from ..coroutines import LegacyCoroutine, coroutine, is_decorated_generator, iscoroutine
from .patching import Patch
from .usage import legacy_use

__all__ = ["patches", "as_coroutine", "legacy_iscoroutine"]


def as_coroutine(obj: Any) -> Any:
    """``obj``, with a generator wrapped so that asyncio of every version
    takes it for a coroutine (for a plain generator, a use of row L10)."""
    if inspect.isgenerator(obj):
        if not is_decorated_generator(obj):
            legacy_use("L10")
        return LegacyCoroutine(obj)
    return obj


def legacy_iscoroutine(obj: Any) -> bool:
    """``asyncio.iscoroutine`` as it was up to 3.11 for the objects it
    concerns: coroutines, and generators made by generator functions.  A
    generator expression is no coroutine (3.12's ``asyncio.wait`` takes
    one as its collection of tasks).  asyncio asks it of every coroutine it
    makes a task of: the generator test is inspect.isgenerator()'s, inline
    (the generator type has no subclasses), and a generator expression is
    told by its name (its code's, without the audited ``gi_code``)."""
    if type(obj) is types.GeneratorType:
        return obj.__name__ != "<genexpr>"
    return iscoroutine(obj)


def legacy_coroutine(func: Callable[..., Any]) -> Callable[..., Any]:
    """``asyncio.coroutine`` as it was: genloop's, reporting row L01 (and,
    where asyncio still has it, 3.8-3.10, giving its deprecation warning)."""
    legacy_use("L01")
    if _versions.ASYNCIO_COROUTINE_WARNS:
        warnings.warn(
            '"@coroutine" decorator is deprecated since Python 3.8, use "async def" instead',
            DeprecationWarning,
            stacklevel=2,
        )
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
            found.append(Patch(module, "iscoroutine", legacy_iscoroutine))
    return found
