"""The files a scan reads: each file given, and the ``.py`` files below
each directory given.

Below a directory the scan leaves out what is not the project's own
source: version-control and bytecode directories, virtual environments
(a directory holding ``pyvenv.cfg``), what ``.gitignore`` files ignore
(:mod:`genloop.scan.ignore`) and what ``--exclude`` names.  Symbolic links
below a directory are not followed: what one points to inside the tree is
scanned where it lies, and what lies outside is no part of the tree.  A
file given by name is always scanned, whatever its name or link.
"""

import os
from typing import Callable, List, Sequence

from .ignore import Rule, last_match, parse_rules

__all__ = ["find_files", "Warn"]

#: Reports a path left out, and why.
Warn = Callable[[str, str], None]

#: Directories that never hold the project's source.
_SKIPPED_DIRECTORIES = frozenset([".git", ".hg", ".svn", "__pycache__"])


def find_files(path: str, excludes: Sequence[str], warn: Warn) -> List[str]:
    """The files to scan for ``path``, in order of their paths."""
    if not os.path.isdir(path):
        return [os.path.normpath(path)]
    found: List[str] = []
    _walk(_Tree(parse_rules(excludes, ""), found, warn), path, "", [])
    return sorted(found)


class _Tree(object):
    """What the walk of one directory given needs at every level."""

    def __init__(self, excludes: List[Rule], found: List[str], warn: Warn) -> None:
        self.excludes = excludes
        self.found = found
        self.warn = warn

    def leaves_out(self, rules: List[Rule], relative: str, is_directory: bool) -> bool:
        return bool(
            last_match(self.excludes, relative, is_directory)
            or last_match(rules, relative, is_directory)
        )


def _walk(tree: _Tree, directory: str, relative: str, rules: List[Rule]) -> None:
    rules = rules + _gitignore_rules(tree, directory, relative)
    try:
        with os.scandir(directory) as listing:
            entries = sorted(listing, key=lambda entry: entry.name)
    except OSError as error:
        tree.warn(directory, "cannot list this directory: {}".format(error.strerror or error))
        return
    for entry in entries:
        if entry.is_symlink():
            continue
        is_directory = entry.is_dir(follow_symlinks=False)
        if is_directory and _is_foreign(entry.path, entry.name):
            continue
        if not is_directory and not entry.name.endswith(".py"):
            continue
        entry_relative = relative + "/" + entry.name if relative else entry.name
        if tree.leaves_out(rules, entry_relative, is_directory):
            continue
        if is_directory:
            _walk(tree, entry.path, entry_relative, rules)
        else:
            tree.found.append(os.path.normpath(entry.path))


def _is_foreign(path: str, name: str) -> bool:
    """Whether a directory holds something else than the project's source."""
    return name in _SKIPPED_DIRECTORIES or os.path.exists(os.path.join(path, "pyvenv.cfg"))


def _gitignore_rules(tree: _Tree, directory: str, relative: str) -> List[Rule]:
    path = os.path.join(directory, ".gitignore")
    try:
        with open(path, encoding="utf-8", errors="replace") as ignore_file:
            return parse_rules(ignore_file.readlines(), relative)
    except FileNotFoundError:
        return []
    except OSError as error:
        tree.warn(path, "cannot read it, so it is not applied: {}".format(error.strerror or error))
        return []
