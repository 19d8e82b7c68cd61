"""Which Python a source needs, told from its tokens.

A scan parses each file with the running Python's parser.  Source written
for a newer Python (a match statement read by 3.8) fails there with an
error that does not say so ("invalid syntax").  The tokens of the
constructs each Python added survive where the grammar does not, so they
are recognised here, and the warning names the Python to scan with.  Best
effort: a construct that is not recognised leaves the parser's own error.
"""

import io
import keyword
import re
import tokenize
from typing import Iterator, List, NamedTuple, Optional, Tuple

__all__ = ["Construct", "newest_construct"]

_Version = Tuple[int, int]


class Construct(NamedTuple):
    """A construct that needs ``version`` or later, at ``line``."""

    version: _Version
    line: int
    what: str


def newest_construct(text: str) -> Optional[Construct]:
    """The construct of ``text`` that needs the newest Python; None if
    ``text`` has none that this module knows."""
    found = [
        construct for tokens in _logical_lines(text) for construct in _constructs(tokens)
    ]
    return max(found, key=lambda construct: construct.version) if found else None


_Tokens = List[tokenize.TokenInfo]

_INSIGNIFICANT = frozenset([tokenize.NL, tokenize.COMMENT, tokenize.INDENT, tokenize.DEDENT])
_OPENERS = frozenset(["(", "[", "{"])
_CLOSERS = frozenset([")", "]", "}"])


def _logical_lines(text: str) -> Iterator[_Tokens]:
    """The significant tokens of each logical line, as far as ``text``
    tokenizes."""
    line: _Tokens = []
    tokens = tokenize.generate_tokens(io.StringIO(text).readline)
    try:
        for token in tokens:
            if token.type in (tokenize.NEWLINE, tokenize.ENDMARKER):
                if line:
                    yield line
                line = []
            elif token.type not in _INSIGNIFICANT:
                line.append(token)
    except (tokenize.TokenError, SyntaxError):
        pass
    if line:
        yield line


def _constructs(tokens: _Tokens) -> Iterator[Construct]:
    first = tokens[0]
    yield from _statement(tokens, first.start[0])
    for index, token in enumerate(tokens):
        found = _at_token(tokens, index)
        if found is not None:
            yield Construct(found[0], token.start[0], found[1])


def _statement(tokens: _Tokens, line: int) -> Iterator[Construct]:
    """Constructs told by how a logical line starts."""
    words = [token.string for token in tokens]
    if len(words) > 2 and words[0] == "match" and words[-1] == ":" and _opens_operand(tokens[1]):
        yield Construct((3, 10), line, "a match statement")
    if len(words) > 2 and words[0] == "type" and tokens[1].type == tokenize.NAME:
        if words[2] in ("=", "["):
            yield Construct((3, 12), line, "a type statement")
    start = 1 if words[0] == "async" else 0
    if words[start:start + 2] == ["with", "("]:
        if any(words[index] == "as" for index in _directly_inside(tokens, start + 1)):
            yield Construct((3, 10), line, "parenthesized context managers")
    if words[0] == "@" and not _is_dotted_call(tokens[1:]):
        yield Construct((3, 9), line, "a decorator that is an expression")


def _opens_operand(token: tokenize.TokenInfo) -> bool:
    """Whether ``token`` may begin a match statement's subject (not an
    assignment to, or attribute of, a name 'match')."""
    if token.type != tokenize.OP:
        return True
    return token.string in ("(", "[", "{", "-", "*", "~")


def _at_token(tokens: _Tokens, index: int) -> Optional[Tuple[_Version, str]]:
    """A construct told by the token at ``index`` and the ones around it."""
    token = tokens[index]
    after = tokens[index + 1] if index + 1 < len(tokens) else None
    if token.string == ":=" or (
        token.string == ":" and after is not None and after.string == "="
        and after.start == token.end
    ):
        return (3, 8), "an assignment expression (:=)"
    if token.string == "except" and after is not None and after.string == "*":
        return (3, 11), "except*"
    if token.string == "[" and after is not None and after.string == "*" and index:
        before = tokens[index - 1]
        if before.string in (")", "]") or (
            before.type == tokenize.NAME and not keyword.iskeyword(before.string)
        ):
            return (3, 11), "a starred subscript"
    if token.string in ("def", "class", "type") and index + 2 < len(tokens):
        return _definition(tokens, index)
    if token.type == tokenize.STRING:
        return _fstring(token.string)
    return None


def _definition(tokens: _Tokens, index: int) -> Optional[Tuple[_Version, str]]:
    """Type parameters, and positional-only parameters of a ``def``."""
    bracket = tokens[index + 2].string
    if bracket == "[":
        if any(tokens[inside].string == "=" for inside in _directly_inside(tokens, index + 2)):
            return (3, 13), "a type parameter default"
        return (3, 12), "type parameters"
    if bracket == "(" and tokens[index].string == "def":
        for inside in _directly_inside(tokens, index + 2):
            if tokens[inside].string == "/" and tokens[inside + 1].string in (",", ")"):
                return (3, 8), "a positional-only parameter"
    return None


def _directly_inside(tokens: _Tokens, start: int) -> Iterator[int]:
    """The indexes of the tokens directly inside the bracket at ``start``."""
    return (index for index, depth in _bracketed(tokens, start) if depth == 1)


def _bracketed(tokens: _Tokens, start: int) -> Iterator[Tuple[int, int]]:
    """Each token after the bracket at ``start`` up to its closing one
    (at depth 0): its index, and its depth once it is read."""
    depth = 0
    for index in range(start, len(tokens)):
        token = tokens[index]
        if token.type == tokenize.OP and token.string in _OPENERS:
            depth += 1
        elif token.type == tokenize.OP and token.string in _CLOSERS:
            depth -= 1
        if index > start:
            yield index, depth
        if depth == 0:
            return


def _is_dotted_call(tokens: _Tokens) -> bool:
    """Whether a decorator is ``name.name`` or ``name.name(...)``, as 3.8
    requires."""
    index = 0
    while index < len(tokens) and tokens[index].type == tokenize.NAME:
        index += 1
        if index < len(tokens) and tokens[index].string == ".":
            index += 1
        else:
            break
    if index == 0 or index == len(tokens):
        return index != 0
    if tokens[index].string != "(":
        return False
    closing = max(inside for inside, _ in _bracketed(tokens, index))
    return closing == len(tokens) - 1


#: An f-string field with the '=' specifier: ``{name=}``, ``{x = !r:>4}``.
_SELF_DOCUMENTING = re.compile(r"\{[^{}]*?[^=!<>\s{]\s*=\s*(?:![rsa])?(?::[^{}]*)?\}")
#: A backslash within an f-string field.
_BACKSLASH_IN_FIELD = re.compile(r"\{[^{}]*\\[^{}]*\}")


def _fstring(text: str) -> Optional[Tuple[_Version, str]]:
    """What an f-string token needs: up to 3.11 a field may not reuse the
    string's quotes (the tokenizer then ends the string inside the field,
    leaving a brace open) nor hold a backslash."""
    prefix = text[: len(text) - len(text.lstrip("bBrRuUfF"))]
    if "f" not in prefix.lower():
        return None
    body = text[len(prefix):].replace("{{", "").replace("}}", "")
    if body.count("{") > body.count("}") or _BACKSLASH_IN_FIELD.search(body):
        return (3, 12), "an f-string that reuses its quotes or has a backslash in a field"
    if _SELF_DOCUMENTING.search(body):
        return (3, 8), "an f-string field with '='"
    return None
