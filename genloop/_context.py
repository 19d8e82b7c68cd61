"""A callback's context on every Python: ``contextvars`` from 3.7, and on
3.6 a stand-in whose ``run()`` just calls, so that tasks and handles run
the same way everywhere."""

from typing import Any, Callable

from . import _versions

if _versions.HAS_CONTEXTVARS:
    import contextvars

__all__ = ["copy_context", "NO_CONTEXT"]


class _NoContext(object):
    __slots__ = ()

    @staticmethod
    def run(function: Callable[..., Any], *args: Any) -> Any:
        try:
            return function(*args)
        finally:
            # Tracebacks through here hold this frame: keep no task alive.
            del function, args


NO_CONTEXT = _NoContext()

if _versions.HAS_CONTEXTVARS:
    copy_context: Callable[[], Any] = contextvars.copy_context
else:

    def copy_context() -> Any:
        return NO_CONTEXT
