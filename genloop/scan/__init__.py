"""``genloop scan PATH...``: every legacy asyncio construct a source tree
shows, by row of the legacy API inventory (genloop/compat/rows.py), without
running anything.

``genloop run --report`` lists the legacy APIs a run touched; a scan lists
what the source holds, including the code no run reached, and ``--merge``
marks the sites a run did reach.  The package, one module per step:

- :mod:`~genloop.scan.files` and :mod:`~genloop.scan.ignore`: the files to
  read (``.gitignore``, ``--exclude``);
- :mod:`~genloop.scan.source` and :mod:`~genloop.scan.newer_syntax`:
  reading and parsing one file, on any Python from 3.6;
- :mod:`~genloop.scan.names`, :mod:`~genloop.scan.functions` and
  :mod:`~genloop.scan.detect`: the constructs, row by row (``detect``'s
  docstring says which rows no scan finds, and why);
- :mod:`~genloop.scan.merge`, :mod:`~genloop.scan.report` and
  :mod:`~genloop.scan.progress`: what is printed;
- :mod:`~genloop.scan.command`: the command line.
"""

from .command import add_arguments, run

__all__ = ["add_arguments", "run"]
