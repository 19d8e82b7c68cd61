"""``genloop migrate PATH...``: legacy asyncio code rewritten as modern
asyncio code, in place, comments and formatting kept.

Where ``genloop run`` makes legacy code run unmodified, ``genloop migrate``
is the way off it: ``@asyncio.coroutine`` generators become ``async def``,
``yield from`` (and trollius's and tornado's yields) become ``await``,
undecorated helper generators are converted with every caller, ``loop=``
goes, the moved names and ``async``/``await`` used as names are renamed,
and a script's event loop becomes ``asyncio.run()``.  What it cannot
rewrite safely it leaves as it was, and lists with file, line and reason,
with what ``genloop scan`` still finds in the result.
It is built on libcst, an optional extra (``pip install genloop[migrate]``,
CPython 3.9+).  The package, one module per concept:

- :mod:`~genloop.migrate.command`: the command line (imports on any Python);
- :mod:`~genloop.migrate.requirement`: libcst, and what to do without it;
- :mod:`~genloop.migrate.tree`: the tree read, decided, rewritten, written;
- :mod:`~genloop.migrate.sources`: reading and atomic writing of one file;
- :mod:`~genloop.migrate.keywords`: ``async``/``await`` used as names;
- :mod:`~genloop.migrate.names`: what a name refers to, imports followed;
- :mod:`~genloop.migrate.facts`: what one module tells the call graph;
- :mod:`~genloop.migrate.graph`: the cross-file call graph, and what
  becomes ``async def``;
- :mod:`~genloop.migrate.rewriter`: one module's rewrite, with
  :mod:`~genloop.migrate.coroutines` and :mod:`~genloop.migrate.yields`
  (functions and their yields), :mod:`~genloop.migrate.calls` (the asyncio
  API), :mod:`~genloop.migrate.entry` (``asyncio.run``) and
  :mod:`~genloop.migrate.imports`;
- :mod:`~genloop.migrate.remaining`: what a scan of the result still finds;
- :mod:`~genloop.migrate.report`: what is printed.
"""

from .command import main

__all__ = ["main"]
