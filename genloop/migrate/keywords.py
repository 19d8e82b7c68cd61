"""``async`` and ``await`` used as names (rows L02, L03): found before libcst
parses the file, which it could not otherwise.

Each such name is replaced by a placeholder of the same length, found
nowhere in the file, as genloop's import hook reads such a file
(:mod:`genloop.compat.legacy_syntax`); every line and column stays where
it was.  The rewriter then turns each placeholder into the name it is
renamed to across the whole tree (``async_``, or the first of ``async__``,
``async___``... that no file of the tree uses), or ``asyncio.async`` into
``asyncio.ensure_future``.
"""

import io
import re
from typing import Dict, Iterable, NamedTuple

from ..compat.legacy_syntax import names_used_as_identifiers, name_placeholders, significant_tokens

__all__ = ["KeywordNames", "hide_keyword_names", "new_names"]

_KEYWORDS = ("async", "await")


class KeywordNames(NamedTuple):
    """A file's text with placeholders, and each placeholder's keyword."""

    text: str
    keywords: Dict[str, str]


def hide_keyword_names(text: str) -> KeywordNames:
    if "async" not in text and "await" not in text:
        return KeywordNames(text, {})
    found = list(names_used_as_identifiers(significant_tokens(text)))
    if not found:
        return KeywordNames(text, {})
    placeholders = name_placeholders(text)
    # Lines as the tokenizer counts them (a form feed ends none).
    lines = io.StringIO(text).readlines()
    for _, token in found:
        (line, column), name = token.start, token.string
        old = lines[line - 1]
        lines[line - 1] = old[:column] + placeholders[name] + old[column + len(name):]
    return KeywordNames(
        "".join(lines), {placeholder: name for name, placeholder in placeholders.items()}
    )


def new_names(texts: Iterable[str]) -> Dict[str, str]:
    """The name each keyword becomes: the keyword and the fewest underscores
    that make a name no file of the tree uses."""
    texts = list(texts)
    chosen = {}
    for keyword in _KEYWORDS:
        name = keyword + "_"
        while any(re.search(r"\b" + name + r"\b", text) for text in texts):
            name += "_"
        chosen[keyword] = name
    return chosen
