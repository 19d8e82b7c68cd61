"""Every ``sys.version_info`` check of the package, as named capabilities.

The rest of genloop asks "does this Python have X?" through these names and
never compares version numbers itself, so supporting a new Python means
reading one file.
"""

import sys

#: ``contextvars`` exists and asyncio handles carry a context (3.7+).
HAS_CONTEXTVARS = sys.version_info >= (3, 7)

#: ``asyncio.current_task()`` / ``asyncio.all_tasks()`` functions (3.7+);
#: 3.6 only has the ``Task.current_task()`` / ``Task.all_tasks()`` classmethods.
HAS_TASK_FUNCTIONS = sys.version_info >= (3, 7)

#: Tasks have names, ``loop.create_task(name=)`` (3.8+).
HAS_TASK_NAMES = sys.version_info >= (3, 8)

#: ``CancelledError`` is a ``BaseException`` of asyncio's own (3.8+).
CANCELLED_IS_BASE_EXCEPTION = sys.version_info >= (3, 8)

#: ``Task.cancel(msg)`` and ``Future.cancel(msg)`` (3.9+).
HAS_CANCEL_MESSAGE = sys.version_info >= (3, 9)

#: The awaiting code sees the cancel message in ``CancelledError.args``
#: and cancellation counts exist: ``cancelling()`` / ``uncancel()`` (3.11+).
HAS_CANCELLING = sys.version_info >= (3, 11)

#: ``create_task(context=)`` and task factories called with ``context=`` (3.11+).
HAS_TASK_CONTEXT_ARG = sys.version_info >= (3, 11)

#: asyncio's socket transport reads for a plain protocol in a method of its
#: own, ``_read_ready__data_received`` (3.7+; 3.6 reads in ``_read_ready``).
TRANSPORT_READS_IN_STEPS = sys.version_info >= (3, 7)

#: ``asyncio.coroutine`` still exists in the standard library (up to 3.10).
HAS_ASYNCIO_COROUTINE = sys.version_info < (3, 11)

#: ``asyncio.iscoroutine`` accepts plain generators (up to 3.11).
ASYNCIO_ACCEPTS_GENERATORS = sys.version_info < (3, 12)

#: ``inspect.markcoroutinefunction`` exists (3.12+).
HAS_MARK_COROUTINE_FUNCTION = sys.version_info >= (3, 12)

#: ``eager_start=`` on Task and eager task factories (3.12+).
HAS_EAGER_START = sys.version_info >= (3, 12)

#: ``sys.set_coroutine_origin_tracking_depth`` (3.7+); 3.6 has coroutine wrappers.
HAS_ORIGIN_TRACKING = sys.version_info >= (3, 7)

#: ``gen.throw(type, value, tb)`` warns; only the one-argument form is clean (3.12+).
THREE_ARG_THROW_DEPRECATED = sys.version_info >= (3, 12)

#: ``loop.shutdown_default_executor()`` exists (3.9+), with a timeout (3.12+).
HAS_SHUTDOWN_DEFAULT_EXECUTOR = sys.version_info >= (3, 9)

#: ``asyncio.run`` exists (3.7+); genloop.run provides it on 3.6.
HAS_ASYNCIO_RUN = sys.version_info >= (3, 7)

#: ``asyncio.run(loop_factory=)`` and ``asyncio.Runner`` with a factory (3.12+).
HAS_LOOP_FACTORY = sys.version_info >= (3, 12)

#: Task.current_task()/all_tasks() class methods (removed in 3.9).
HAS_TASK_CLASSMETHODS = sys.version_info < (3, 9)

#: CancelledError is a BaseException (3.8+); Handle._run reports every
#: BaseException but SystemExit and KeyboardInterrupt (before: Exception only).
HAS_BASE_CANCELLED_ERROR = sys.version_info >= (3, 8)

#: asyncio.coroutine warns (3.8-3.10) or is gone (3.11+); so does loop= on
#: the high-level functions and primitives (removed in 3.10).
LEGACY_APIS_DEPRECATED = sys.version_info >= (3, 8)

#: code.replace() (3.8+).
HAS_CODE_REPLACE = sys.version_info >= (3, 8)

#: 'with (yield from lock)' warns (3.7, 3.8) or is gone (3.9+).
YIELD_FROM_LOCK_DEPRECATED = sys.version_info >= (3, 7)

#: get_event_loop() warns when it has to create the loop (3.12, 3.13) or
#: raises (3.14).
GET_EVENT_LOOP_DEPRECATED = sys.version_info >= (3, 12)

#: 'with (yield from lock)' is gone (3.9+).
YIELD_FROM_LOCK_REMOVED = sys.version_info >= (3, 9)

#: asyncio.async() is unreachable by name ('async' is a keyword, 3.7+).
ASYNC_ALIAS_REMOVED = sys.version_info >= (3, 7)

#: asyncio.coroutine warns (3.8 to 3.10).
ASYNCIO_COROUTINE_WARNS = (3, 8) <= sys.version_info < (3, 11)

#: asyncio.wait() refuses coroutines, and set_default_executor() anything
#: but a ThreadPoolExecutor (3.11+).
WAIT_REFUSES_COROUTINES = sys.version_info >= (3, 11)
DEFAULT_EXECUTOR_MUST_BE_THREAD_POOL = sys.version_info >= (3, 11)

#: loop= is gone from the high-level functions and primitives.
LOOP_ARGUMENT_REMOVED = sys.version_info >= (3, 10)

#: asyncio.Runner(loop_factory=...), which genloop.run() delegates to.
HAS_RUNNER = sys.version_info >= (3, 11)

#: ``collections.Mapping`` and the other aliases of ``collections.abc`` are
#: gone (3.10+).
COLLECTIONS_ABC_ALIASES_REMOVED = sys.version_info >= (3, 10)

#: ``asyncio.coroutines.CoroWrapper`` and ``_DEBUG`` are gone (3.11+).
CORO_WRAPPER_REMOVED = sys.version_info >= (3, 11)

#: ``wait_for(coro, timeout)`` runs the coroutine in the caller's task
#: instead of a task of its own (3.12+).
WAIT_FOR_RUNS_COROUTINES_INLINE = sys.version_info >= (3, 12)

#: ``Server.wait_closed()`` waits for every connection, also when the
#: server is already closed (3.12+).
WAIT_CLOSED_WAITS_FOR_CONNECTIONS = sys.version_info >= (3, 12)

#: The running interpreter, for messages.
PYTHON = "{}.{}".format(*sys.version_info[:2])

#: ``Task.uncancel()`` reaching zero also drops a pending cancellation (3.13+).
UNCANCEL_CLEARS_PENDING_CANCEL = sys.version_info >= (3, 13)

#: A decorator's call runs at the line of the ``def`` or ``class`` it
#: decorates, not at its own ``@`` line (3.8 … 3.10).
DECORATOR_CALLED_AT_DEF_LINE = (3, 8) <= sys.version_info < (3, 11)

#: An uncaught KeyboardInterrupt ends the interpreter by SIGINT (status 130
#: in a shell), not with status 1 (3.8+).
KEYBOARD_INTERRUPT_EXITS_BY_SIGNAL = sys.version_info >= (3, 8)

#: A task cancelled just before its coroutine returns ends with the exception
#: CancelledError(), not cancelled: task.cancelled() is False (up to 3.7).
CANCEL_AT_RETURN_SETS_EXCEPTION = sys.version_info < (3, 8)
