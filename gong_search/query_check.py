"""The query checked before any engine sees it: parsers forgive (``"unclosed`` silently
becomes words), so every problem is found here, the same for every engine, and is a
:class:`QueryError` naming it."""

from __future__ import annotations

import re
from collections.abc import Iterator

from .errors import QueryError
from .query_language import FIELDS, OPERATORS, has_words, outside_quotes
from .search_options import SearchOptions, within_bounds

MAX_DEPTH = 16  # parentheses
_FIELD = re.compile(r"(?<![\w\"])([A-Za-z_]+):(?=\S)")


def validate_request(text: str, options: SearchOptions) -> None:
    """A query, or no words at all with ``--tracker`` (which then lists its sentences)."""
    if text.strip() or not options.trackers:
        validate_query(text, options.mode)


def listing(text: str) -> bool:
    """No words: the tracker's sentences, newest first (there is nothing to rank by)."""
    return not text.strip()


def validate_query(text: str, mode: str = "default") -> None:
    """Reject what an engine would silently misread, with a message naming the problem
    (``mode`` is one :class:`SearchOptions` has already checked)."""
    if not text.strip():
        raise QueryError("empty query: give at least one word to search for")
    if re.search(r"[\ud800-\udfff\x00]", text):
        raise QueryError("the query contains characters that are not text (invalid Unicode)")
    within_bounds("the query", text)
    if mode == "literal":
        if not has_words(text):
            raise QueryError(f"query {text!r} has no searchable word")
        return
    if text.count('"') % 2:
        raise QueryError(f"unbalanced quote in query {text!r}")
    outside = outside_quotes(text)
    depth = 0
    for char in outside:
        depth += {"(": 1, ")": -1}.get(char, 0)
        if depth < 0:
            raise QueryError(f"unbalanced parenthesis in query {text!r}: ')' without '('")
    if depth:
        raise QueryError(f"unbalanced parenthesis in query {text!r}: '(' without ')'")
    deepest = max(_depths(outside), default=0)
    if deepest > MAX_DEPTH:
        raise QueryError(f"the query nests parentheses {deepest} deep; at most {MAX_DEPTH}")
    for name in _FIELD.findall(outside):
        if name.lower() not in FIELDS:
            known = ", ".join(sorted(FIELDS))
            raise QueryError(f"unknown field {name!r} in query (known fields: {known})")
    if not _positive_words(text):
        raise QueryError(f"query {text!r} has no searchable word (only operators or exclusions)")


def _depths(text: str) -> Iterator[int]:
    depth = 0
    for char in text:
        depth += {"(": 1, ")": -1}.get(char, 0)
        yield depth


def _positive_words(text: str) -> list[str]:
    """Tokens that could match a sentence: not operators, not excluded by ``-`` or NOT."""
    words = []
    negate = False
    for token in re.findall(r'-?"[^"]*"|\S+', text):
        bare = token.strip("()")
        if bare in OPERATORS:
            negate = bare == "NOT"
            continue
        value = bare.split(":", 1)[1] if _FIELD.match(bare) else bare
        if not negate and not bare.startswith("-") and has_words(value.replace("*", "")):
            words.append(bare)
        negate = False
    return words
