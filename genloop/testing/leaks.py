"""What a test left on its loop, told in words that name each thing and
where it was made.

A :class:`LoopWatch` is started on a loop before a test and asked for
:meth:`~LoopWatch.leftovers` after it.  It looks for:

``pending_tasks``
    tasks not done;
``active_handles``
    callbacks and timers still scheduled (neither run nor cancelled);
``active_selector_callbacks``
    file descriptors still watched with ``add_reader``/``add_writer``
    (a transport or server not closed);
``loop_errors``
    each call of the loop's exception handler ("Task exception was never
    retrieved", "Exception in callback", "Task was destroyed but it is
    pending!") and each failed task, still alive, whose exception nobody
    retrieved.

Before looking it runs the callbacks already ready (a few iterations,
without advancing any clock), so that work a test finished but left queued
(a task's last done-callbacks, a transport's ``connection_lost``) is not
taken for a leak.  Things that existed before the watch started are not
counted.

Where a task, callback or timer was made is known when the loop runs in
debug mode (asyncio keeps each one's creation stack then): the reprs below
show it as ``created at file:line``.
"""

import asyncio
import traceback
import weakref
from typing import Any, Dict, FrozenSet, Iterable, List

from .. import _seam
from .frames import innermost_own_frame, where

__all__ = ["LoopWatch", "CHECKS", "leftovers_message"]

#: Every check, by name (asynctest's names where it had the check).
CHECKS: FrozenSet[str] = frozenset(
    ["pending_tasks", "active_handles", "active_selector_callbacks", "loop_errors"]
)

#: The most iterations run for callbacks already ready before looking: a
#: callback that keeps rescheduling itself is reported, not waited for.
DRAIN_ITERATIONS = 100


class LoopWatch(object):
    """Watches ``loop`` from now on for what the ``checks`` look for.

    With ``loop_errors`` it records the loop's exception handler calls
    instead of letting them be logged, until :meth:`stop`.
    """

    def __init__(self, loop: asyncio.AbstractEventLoop, checks: Iterable[str] = CHECKS) -> None:
        self.checks = frozenset(checks)
        unknown = self.checks - CHECKS
        if unknown:
            raise ValueError(
                "unknown checks {}: choose among {}".format(sorted(unknown), sorted(CHECKS))
            )
        self.loop = loop
        self._errors: List[Dict[str, Any]] = []
        self._tasks_before: "weakref.WeakSet[Any]" = weakref.WeakSet(_seam.every_task(loop))
        self._fds_before = {fd for fd, _, _ in _seam.watched_file_descriptors(loop)}
        self._recording = "loop_errors" in self.checks
        if self._recording:
            self._previous_handler = loop.get_exception_handler()
            loop.set_exception_handler(self._record)

    def _record(self, loop: asyncio.AbstractEventLoop, context: Dict[str, Any]) -> None:
        self._errors.append(context)

    def take_errors(self) -> List[Dict[str, Any]]:
        """The exception handler contexts recorded so far, forgotten by the
        watch: a test that expects an error takes it."""
        errors, self._errors = self._errors, []
        return errors

    def stop(self) -> None:
        """Give the loop back its exception handler (idempotent)."""
        if self._recording:
            self._recording = False
            self.loop.set_exception_handler(self._previous_handler)

    def new_tasks(self) -> List[Any]:
        """The loop's tasks made since the watch started, done or not."""
        return [task for task in _seam.every_task(self.loop) if task not in self._tasks_before]

    def leftovers(self) -> List[str]:
        """One description per thing left: empty when the test left none.
        The loop must be neither running nor closed."""
        loop = self.loop
        if loop.is_closed() or loop.is_running():
            raise RuntimeError("leftovers() needs the loop stopped and open: {!r}".format(loop))
        _run_ready_callbacks(loop)
        found: List[str] = []
        new_tasks = self.new_tasks()
        if "pending_tasks" in self.checks:
            pending = [task for task in new_tasks if not task.done()]
            found += sorted("task still pending: " + _described(task) for task in pending)
        if "active_handles" in self.checks:
            found += ["callback still scheduled: " + _described(h) for h in _active_callbacks(loop)]
            found += ["timer still scheduled: " + _described(h) for h in _active_timers(loop)]
        if "active_selector_callbacks" in self.checks:
            found += [
                _describe_watched(fd, reader, writer)
                for fd, reader, writer in _seam.watched_file_descriptors(loop)
                if fd not in self._fds_before
            ]
        if "loop_errors" in self.checks:
            found += sorted(
                _describe_unretrieved(t)
                for t in new_tasks
                if t.done() and not t.cancelled() and _seam.exception_unretrieved(t)
            )
            found += [_describe_error(context) for context in self.take_errors()]
        return found


def leftovers_message(test: str, found: List[str]) -> str:
    """The failure of ``test``, which left ``found`` on its loop."""
    return "{} left this on its event loop:\n- {}".format(
        test, "\n- ".join(text.replace("\n", "\n  ") for text in found)
    )


def _run_ready_callbacks(loop: asyncio.AbstractEventLoop) -> None:
    for _ in range(DRAIN_ITERATIONS):
        if not _seam.ready_callbacks(loop):
            return
        loop.stop()
        loop.run_forever()  # one iteration: it polls without blocking


def _active_callbacks(loop: asyncio.AbstractEventLoop) -> List[Any]:
    # genloop's loop also queues tasks there: those are pending tasks.
    return [
        handle
        for handle in _seam.ready_callbacks(loop)
        if isinstance(handle, asyncio.Handle) and not _seam.handle_cancelled(handle)
    ]


def _active_timers(loop: asyncio.AbstractEventLoop) -> List[Any]:
    return [timer for timer in _seam.scheduled_timers(loop) if not _seam.handle_cancelled(timer)]


def _described(obj: Any) -> str:
    """``obj``'s repr, which names its callback or coroutine, and the line
    of the test's own code that made it (known in debug mode)."""
    stack = _seam.creation_stack(obj)
    if not stack:
        return repr(obj) + " (where it was made is known in debug mode: loop.set_debug(True))"
    made = innermost_own_frame(stack)
    return repr(obj) + ("" if made is None else "\n  made at " + where(made))


def _describe_watched(fd: int, reader: Any, writer: Any) -> str:
    ways = [
        "for {} by {}".format(way, _described(handle))
        for way, handle in (("reading", reader), ("writing", writer))
        if handle is not None
    ]
    return "file descriptor {} still watched {}".format(fd, " and ".join(ways))


def _describe_unretrieved(task: Any) -> str:
    error = task.exception()  # retrieved now: not reported again when collected
    return "task failed and nobody retrieved its exception: {}\n{}".format(
        _described(task), _indented_traceback(error)
    )


def _describe_error(context: Dict[str, Any]) -> str:
    lines = ["the loop reported: {}".format(context.get("message", "(no message)"))]
    for key in ("task", "future", "handle"):
        if key in context:
            lines.append("  {}: {}".format(key, _described(context[key])))
    error = context.get("exception")
    if error is not None:
        lines.append(_indented_traceback(error))
    return "\n".join(lines)


def _indented_traceback(error: BaseException) -> str:
    text = "".join(traceback.format_exception(type(error), error, error.__traceback__))
    return "    " + text.rstrip().replace("\n", "\n    ")
