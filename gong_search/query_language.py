"""The query language's words, engine-neutral: what validation knows before any engine
is opened (and what every engine must accept)."""

from __future__ import annotations

import re

OPERATORS = ("AND", "OR", "NOT", "ANDNOT", "ANDMAYBE")  # boolean words, upper case only
# ``field:value`` names: sentence fields, and call fields that become call filters
FIELDS = (
    *("text", "speaker", "email", "affiliation", "title", "topic", "account", "host", "call"),
    *("deal", "stage", "participant", "outcome", "tracker"),
)
CALL_FIELDS = ("title", "host", "account", "deal", "stage", "participant", "outcome")
_WORD = re.compile(r"\w+(?:\.?\w+)*")  # how the index splits text into words


def outside_quotes(text: str) -> str:
    """The query with its quoted phrases blanked out (their words are not syntax)."""
    return re.sub(r'"[^"]*"', " ", text)


def has_words(text: str) -> bool:
    """Whether ``text`` holds anything the index would make a term of."""
    return bool(_WORD.search(text))
