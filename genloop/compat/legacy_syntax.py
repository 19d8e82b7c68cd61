"""``async`` and ``await`` used as names (row L03), read instead of refused.

From 3.7 both are keywords, so ``asyncio.async(...)``, ``def f(async=False)``
or ``self.async = True`` are SyntaxErrors and a whole library fails to import
for one such line.  A source that fails to compile is read again at the token
level: each ``async``/``await`` that stands where a keyword cannot is replaced
by a placeholder name of the same length, the text is parsed, and the
placeholders are turned back into the names ``async``/``await`` in the syntax
tree (a tree may hold any identifier), so that keyword arguments, attributes
and ``getattr(obj, "async")`` still reach one another.  ``asyncio.async``
becomes ``asyncio.ensure_future`` (row L02).  Nothing moves: every line and
column of the tree is the user's, and so are the tracebacks.
"""

import ast
import io
import keyword
import tokenize
from typing import Dict, Iterator, List, NamedTuple, Optional, Tuple

__all__ = [
    "Rewrite",
    "read_keyword_names",
    "keyword_name_rewrites",
    "names_used_as_identifiers",
    "name_placeholders",
    "significant_tokens",
]

_KEYWORD_NAMES = ("async", "await")

#: What may follow ``async`` used as a keyword.
_ASYNC_STATEMENTS = frozenset(["def", "for", "with"])

#: Operators that may begin the operand of ``await`` used as a keyword.
_OPERAND_STARTS = frozenset(["(", "[", "{", "-", "+", "~", "..."])

#: Keywords that may begin the operand of ``await``.
_KEYWORD_OPERANDS = frozenset(["not", "lambda", "await", "None", "True", "False", "yield"])

#: Tokens after which a name is a definition or an attribute, never a keyword.
_NAME_POSITIONS = frozenset([".", "def", "class", "import", "as", "global", "nonlocal"])

_SKIPPED = frozenset([tokenize.NL, tokenize.COMMENT, tokenize.INDENT, tokenize.DEDENT])


class Rewrite(NamedTuple):
    """One name read as legacy code meant it: its row (L02 for
    ``asyncio.async``, L03 otherwise), line and column."""

    row: str
    line: int
    column: int


def read_keyword_names(source: str, filename: str) -> Optional[Tuple[ast.Module, List[Rewrite]]]:
    """The syntax tree of ``source`` with ``async``/``await`` read as names
    where they are used as names, and the list of those places; None if
    ``source`` has no such use or still does not parse."""
    tokens = significant_tokens(source)
    names = list(names_used_as_identifiers(tokens))
    if not names:
        return None
    placeholders = name_placeholders(source)
    lines = source.splitlines(True)
    for _, token in names:
        (line, column), name = token.start, token.string
        text = lines[line - 1]
        lines[line - 1] = text[:column] + placeholders[name] + text[column + len(name):]
    try:
        tree = ast.parse("".join(lines), filename)
    except SyntaxError:
        return None
    _restore_names(tree, {placeholder: name for name, placeholder in placeholders.items()})
    return tree, [_rewrite_of(tokens, index) for index, _ in names]


def keyword_name_rewrites(source: str, tree: ast.AST) -> List[Rewrite]:
    """For a Python that still parses ``async``/``await`` as names (3.6,
    where they only warn): the same rewrites, made on its ``tree``."""
    tokens = significant_tokens(source)
    _restore_names(tree, {})
    return [_rewrite_of(tokens, index) for index, _ in names_used_as_identifiers(tokens)]


def significant_tokens(source: str) -> List[tokenize.TokenInfo]:
    try:
        return [
            token
            for token in tokenize.generate_tokens(io.StringIO(source).readline)
            if token.type not in _SKIPPED
        ]
    except (tokenize.TokenError, SyntaxError):
        return []


def names_used_as_identifiers(
    tokens: List[tokenize.TokenInfo],
) -> Iterator[Tuple[int, tokenize.TokenInfo]]:
    """Each ``async``/``await`` token used as a name, with its index."""
    for index, token in enumerate(tokens):
        if token.type != tokenize.NAME or token.string not in _KEYWORD_NAMES:
            continue
        before = tokens[index - 1].string if index else ""
        after = tokens[index + 1] if index + 1 < len(tokens) else None
        if _is_identifier(token.string, before, after):
            yield index, token


def _rewrite_of(tokens: List[tokenize.TokenInfo], index: int) -> Rewrite:
    line, column = tokens[index].start
    if index >= 2 and tokens[index - 1].string == "." and tokens[index - 2].string == "asyncio":
        return Rewrite("L02", line, column)
    return Rewrite("L03", line, column)


def _is_identifier(name: str, before: str, after: Optional[tokenize.TokenInfo]) -> bool:
    if before in _NAME_POSITIONS:
        return True
    if after is None:
        return True
    if name == "async":
        return after.string not in _ASYNC_STATEMENTS
    # 'await' is a keyword when an operand follows it.
    if after.type in (tokenize.NUMBER, tokenize.STRING):
        return False
    if after.type == tokenize.NAME:
        return keyword.iskeyword(after.string) and after.string not in _KEYWORD_OPERANDS
    if after.type == tokenize.OP:
        return after.string not in _OPERAND_STARTS
    return True


def name_placeholders(source: str) -> Dict[str, str]:
    """A name of the same length as each keyword, found nowhere in ``source``."""
    found: Dict[str, str] = {}
    number = 0
    for name in _KEYWORD_NAMES:
        while True:
            candidate = "_g{:03d}".format(number)
            number += 1
            if candidate not in source:
                found[name] = candidate
                break
    return found


def _restore_names(tree: ast.AST, restore: Dict[str, str]) -> None:
    """Put the keywords back as names; ``asyncio.async`` becomes
    ``asyncio.ensure_future``."""
    for node in ast.walk(tree):
        for field, value in ast.iter_fields(node):
            if isinstance(value, str):
                setattr(node, field, _replace_all(value, restore))
            elif isinstance(value, list) and value and isinstance(value[0], str):
                # global and nonlocal statements: a list of names.
                setattr(node, field, [_replace_all(name, restore) for name in value])
        if (
            isinstance(node, ast.Attribute)
            and node.attr == "async"
            and isinstance(node.value, ast.Name)
            and node.value.id == "asyncio"
        ):
            node.attr = "ensure_future"


def _replace_all(value: str, restore: Dict[str, str]) -> str:
    for placeholder, name in restore.items():
        value = value.replace(placeholder, name)
    return value
