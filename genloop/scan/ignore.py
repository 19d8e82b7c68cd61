"""Which paths a scan leaves out: ``.gitignore`` files and ``--exclude``.

A tree of legacy code usually holds more than its own source: build
output, vendored copies, virtual environments.  The project's
``.gitignore`` files already say which, so the scan honours them, with
this subset of git's rules:

- blank lines and ``#`` comments are skipped (``\\#`` and ``\\!`` escape);
  trailing spaces are dropped;
- ``*`` matches within one path segment, ``?`` one character, ``[...]`` a
  class (``[!...]`` negated), ``**`` any number of segments in
  ``**/x``, ``x/**`` and ``x/**/y``;
- a pattern with a ``/`` at its start or in its middle is anchored to the
  directory of its ``.gitignore``; one without matches at any depth below;
- a trailing ``/`` matches directories only;
- ``!pattern`` takes a path back in; the last matching pattern wins, and a
  deeper ``.gitignore`` comes after the ones above it.  As in git, nothing
  below an ignored directory can be taken back in: the scan never enters
  it.

Not read: ``.git/info/exclude``, ``core.excludesFile``, and ``.gitignore``
files above the directory the scan starts from.  ``--exclude`` patterns
use the same syntax, anchored at each path the scan is given, and win over
any ``.gitignore``.
"""

import re
from typing import List, NamedTuple, Optional, Pattern, Sequence, Tuple

__all__ = ["Rule", "parse_rules", "last_match"]


class Rule(NamedTuple):
    """One pattern: the paths it matches (relative to ``base``, a
    directory path relative to the scanned tree, "" at its top)."""

    base: str
    regex: Pattern[str]
    negated: bool
    directories_only: bool

    def matches(self, path: str, is_directory: bool) -> bool:
        """Whether ``path`` (relative to the tree, ``/`` separated) matches."""
        if self.directories_only and not is_directory:
            return False
        if self.base:
            if not path.startswith(self.base + "/"):
                return False
            path = path[len(self.base) + 1:]
        return self.regex.fullmatch(path) is not None


def parse_rules(lines: Sequence[str], base: str) -> List[Rule]:
    """The patterns of a ``.gitignore`` (or of ``--exclude``) whose
    directory is ``base``."""
    found = []
    for line in lines:
        rule = _parse(line.rstrip("\n"), base)
        if rule is not None:
            found.append(rule)
    return found


def last_match(rules: Sequence[Rule], path: str, is_directory: bool) -> Optional[bool]:
    """True if the last of ``rules`` that matches ``path`` ignores it,
    False if it takes it back in, None if none matches."""
    for rule in reversed(rules):
        if rule.matches(path, is_directory):
            return not rule.negated
    return None


def _parse(line: str, base: str) -> Optional[Rule]:
    text = _strip_trailing_spaces(line)
    if not text or text.startswith("#"):
        return None
    negated = text.startswith("!")
    if negated or text.startswith(("\\#", "\\!")):
        text = text[1:]
    directories_only = text.endswith("/")
    text = text.rstrip("/")
    if not text:
        return None
    anchored = "/" in text
    text = text.lstrip("/")
    body = _translate(text)
    regex = body if anchored else "(?:.*/)?" + body
    return Rule(base, re.compile(regex, re.DOTALL), negated, directories_only)


def _strip_trailing_spaces(line: str) -> str:
    stripped = line.rstrip(" ")
    if stripped.endswith("\\") and len(stripped) < len(line):
        return stripped + " "  # an escaped space stays
    return stripped


def _translate(pattern: str) -> str:
    """The regular expression of a glob over ``/``-separated paths."""
    out = []
    index = 0
    while index < len(pattern):
        if pattern.startswith("**/", index) and (index == 0 or pattern[index - 1] == "/"):
            out.append("(?:.*/)?")
            index += 3
        elif pattern.startswith("/**", index) and index + 3 == len(pattern):
            out.append("/.*")
            index += 3
        else:
            piece, index = _translate_one(pattern, index)
            out.append(piece)
    return "".join(out)


def _translate_one(pattern: str, index: int) -> Tuple[str, int]:
    char = pattern[index]
    if char == "*":
        return "[^/]*", index + 1
    if char == "?":
        return "[^/]", index + 1
    if char == "\\" and index + 1 < len(pattern):
        return re.escape(pattern[index + 1]), index + 2
    if char == "[":
        end = pattern.find("]", index + 2)
        if end != -1:
            members = pattern[index + 1:end]
            if members.startswith("!"):
                members = "^" + members[1:]
            return "[" + members.replace("\\", "\\\\").replace("[", "\\[") + "]", end + 1
    return re.escape(char), index + 1
