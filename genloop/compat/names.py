"""Names legacy code imports that asyncio dropped or moved (rows L02, L04,
L19): put back where the code looks for them, each only where missing
(``asyncio.coroutines.CoroWrapper`` and ``_DEBUG`` reported at each use)."""

import asyncio
import asyncio.coroutines
import asyncio.futures
import asyncio.streams
import asyncio.tasks
import functools
import selectors
from typing import Any, Callable, List

from .. import _versions
from ..coroutines import _debug_from_environment
from .corowrapper import CoroWrapper
from .lost_names import LostNames
from .patching import Patch
from .usage import legacy_use

__all__ = ["patches"]


def _reported(row_id: str, function: Callable[..., Any]) -> Callable[..., Any]:
    """``function``, reporting each call as a use of row ``row_id``."""

    @functools.wraps(function)
    def legacy(*args: Any, **kwargs: Any) -> Any:
        legacy_use(row_id)
        return function(*args, **kwargs)

    return legacy


class JoinableQueue(asyncio.Queue):  # type: ignore[type-arg]
    """``asyncio.JoinableQueue``: ``Queue`` has had ``join()`` since 3.4.4."""

    def __init__(self, *args: Any, **kwargs: Any) -> None:
        legacy_use("L04")
        super().__init__(*args, **kwargs)


def _missing(owner: Any, name: str, value: Any) -> List[Patch]:
    return [] if name in vars(owner) else [Patch(owner, name, value)]


def patches() -> List[Patch]:
    found: List[Patch] = []
    if _versions.ASYNC_ALIAS_REMOVED:
        # L02: asyncio.async(), reachable as getattr(asyncio, "async") since 3.7.
        found.append(Patch(asyncio, "async", _reported("L02", asyncio.ensure_future)))
    found += _missing(asyncio, "JoinableQueue", JoinableQueue)  # L04
    # L19: names that moved to asyncio.exceptions (3.8) or left asyncio.
    for name in ("CancelledError", "TimeoutError", "InvalidStateError"):
        found += _missing(asyncio.futures, name, getattr(asyncio, name))
    for name in ("IncompleteReadError", "LimitOverrunError"):
        found += _missing(asyncio.streams, name, getattr(asyncio, name))
    found += _missing(asyncio, "selectors", selectors)
    if _versions.CORO_WRAPPER_REMOVED:
        # Gone with asyncio.coroutine (3.11): the debug wrapper, and the
        # debug flag that libraries read (and set around a decoration).
        found.append(
            LostNames(
                asyncio.coroutines,
                "L19",
                {"CoroWrapper": CoroWrapper, "_DEBUG": _debug_from_environment()},
            )
        )
    return found
