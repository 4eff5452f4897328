"""The query language, planned for Whoosh: parsing, rewriting, rank tiers.

A query's plain words become two tiers (every word, then any word); ``title:``, ``host:``
and ``account:`` terms become call filters; prefixes learn our stems and are bounded.
"""

from __future__ import annotations

import copy
import re
from dataclasses import dataclass
from itertools import islice

from whoosh import qparser, query

from ...errors import QueryError
from ...query_language import CALL_FIELDS as _CALL_FIELDS
from ...query_language import FIELDS, OPERATORS, outside_quotes
from .schema import SCHEMA, TEXT_FIELDS, WORDS, analyze

FIELD_ALIASES = {  # the query language's field names -> schema fields
    "text": "text",
    "speaker": "speaker",
    "email": "speaker_email",
    "affiliation": "affiliation",
    "title": "title",
    "topic": "topic",
    "account": "account",
    "host": "host",
    "call": "call_id",
    "deal": "deal",
    "stage": "stage",
    "participant": "participant",
    "outcome": "outcome",
    "tracker": "trackers",
}
assert set(FIELD_ALIASES) == set(FIELDS), "every field of the query language is indexed"
CALL_FIELDS = set(_CALL_FIELDS)  # live on call documents: become call filters
_CALL_NAMES = ", ".join(f"{name}:" for name in _CALL_FIELDS)


def _fields_of(q: query.Query) -> set[str]:
    """Every field a query touches, prefixes and wildcards included (they have no terms)."""
    found = {q.fieldname} if getattr(q, "fieldname", None) else set()
    for child in q.children():
        found |= _fields_of(child)
    return found


def _split_call_terms(q: query.Query) -> tuple[query.Query, list[query.Query]]:
    """Move top-level ``title:``/``host:``/``account:`` terms out into call filters."""

    def is_call_term(node: query.Query) -> bool:
        fields_used = _fields_of(node)
        return bool(fields_used) and fields_used <= CALL_FIELDS

    children = q.subqueries if isinstance(q, query.And) else [q]
    call_terms = [c for c in children if is_call_term(c)]
    rest = [c for c in children if not is_call_term(c)]
    if any(_fields_of(c) & CALL_FIELDS for c in rest):
        raise QueryError(f"{_CALL_NAMES} can only be combined with AND")
    if call_terms and not rest:
        raise QueryError(f"give at least one word to search for besides {_CALL_NAMES}")
    if not call_terms:
        return q, []
    return (rest[0] if len(rest) == 1 else query.And(rest)), call_terms


def _phrases_as_words(q: query.Query) -> query.Query:
    """``speaker:"ana lee"``: fields kept without word positions (speaker, title) cannot
    match a phrase, and Whoosh fails mid-search when asked to; there a quoted phrase means
    all of its words (found by hypothesis)."""

    def swap(node: query.Query) -> query.Query:
        if isinstance(node, query.Phrase) and not SCHEMA[node.fieldname].format.supports(
            "positions"
        ):
            words = [query.Term(node.fieldname, w) for w in node.words]
            return words[0] if len(words) == 1 else query.And(words)
        return node.apply(swap)

    return swap(q)


def _any_of(q: query.Query) -> query.Query:
    """The OR form of plain words (after :func:`_and_not`): exclusions stay exclusions and
    ``field:value`` terms stay constraints; only the words themselves become optional."""
    if isinstance(q, query.AndNot):
        return query.AndNot(_any_of(q.a), q.b)
    if not isinstance(q, query.And):
        return q
    words = [c for c in q.subqueries if _fields_of(c) == {"text"}]
    required = [c for c in q.subqueries if c not in words]
    if not words:
        return q
    either = query.Or(words) if len(words) > 1 else words[0]
    return query.And([*required, either]) if required else either


def _has_operators(text: str) -> bool:
    """Explicit boolean syntax outside quotes: then ranking does not relax AND into OR."""
    return bool(re.search(rf"\b({'|'.join(OPERATORS)})\b|[()]", outside_quotes(text)))


MAX_EXPANSIONS = 1_000  # words one prefix or wildcard may stand for


def _bounded_expansion(node: query.Query, reader) -> None:
    """``a*`` on a large index stands for tens of thousands of words (22 s for 189k
    sentences): refuse patterns that expand past :data:`MAX_EXPANSIONS`, with advice."""
    found = sum(1 for _ in islice(node._btexts(reader), MAX_EXPANSIONS + 1))
    if found > MAX_EXPANSIONS:
        raise QueryError(
            f"{node.text!r} matches more than {MAX_EXPANSIONS:,} different words; "
            "give more letters before the * or ?"
        )


def _stemmed_prefixes(q: query.Query, reader) -> query.Query:
    """``integrat*`` must find "integration", indexed as its stem "integr": a prefix also
    matches indexed stems that are a slightly shorter prefix of it (at least 4 letters),
    looked up in every text field (``--in summary``: a stem only a brief holds)."""

    def fold(node: query.Query) -> query.Query:
        if isinstance(node, query.Wildcard | query.Prefix) and node.fieldname == "text":
            _bounded_expansion(node, reader)
        if isinstance(node, query.Prefix) and node.fieldname == "text":
            prefix = "".join(t.text for t in WORDS(node.text)) or node.text
            stems = [
                query.Term("text", prefix[:k])
                for k in range(len(prefix) - 1, max(3, len(prefix) - 4), -1)
                if any(reader.doc_frequency(field, prefix[:k]) for field in TEXT_FIELDS["all"])
            ]
            return (
                query.Or([query.Prefix("text", prefix), *stems])
                if stems
                else query.Prefix("text", prefix)
            )
        return node.apply(fold)

    return fold(q)


def _and_not(q: query.Query) -> query.Query:
    """Rewrite ``And(a, Not(b))`` as ``AndNot(a, b)``: Whoosh matches the former badly."""
    q = q.apply(_and_not)
    if isinstance(q, query.And):
        negative = [c.query for c in q.subqueries if isinstance(c, query.Not)]
        positive = [c for c in q.subqueries if not isinstance(c, query.Not)]
        if negative and positive:
            kept = positive[0] if len(positive) == 1 else query.And(positive)
            excluded = negative[0] if len(negative) == 1 else query.Or(negative)
            return query.AndNot(kept, excluded)
    return q


def _fuzzy(q: query.Query) -> query.Query:
    """Make every plain text term typo-tolerant (one edit, first letter kept)."""

    def swap(node: query.Query) -> query.Query:
        if isinstance(node, query.Term) and node.fieldname == "text":
            return query.FuzzyTerm("text", node.text, maxdist=1 if len(node.text) < 6 else 2)
        return node.apply(swap)

    return swap(q)


@dataclass
class Plan:
    """A parsed query: its rank tiers (each tier's hits before the next one's), its
    all-words form (for ``total_all_words``) and its call-field constraints."""

    tiers: list[query.Query]
    all_words: query.Query
    call_terms: list[query.Query]

    @property
    def matches(self) -> query.Query:
        """Every document any tier matches (the last tier is the widest)."""
        return self.tiers[-1]


def retarget(planned: Plan, fields: tuple[str, ...]) -> Plan:
    """The plan over ``fields`` instead of the transcript's ``text`` (``--in``): each text
    leaf becomes the same leaf on every field, ORed. A document has only one of these
    fields, so AND and phrases keep meaning "in the same document"."""
    if fields == ("text",):
        return planned

    def swap(node: query.Query) -> query.Query:
        if getattr(node, "fieldname", None) == "text":
            copies = [copy.copy(node) for _ in fields]
            for field, made in zip(fields, copies, strict=True):
                made.fieldname = field
            return copies[0] if len(copies) == 1 else query.Or(copies)
        return node.apply(swap)

    tiers = [swap(t) for t in planned.tiers]
    same = {id(old): new for old, new in zip(planned.tiers, tiers, strict=True)}
    return Plan(
        tiers, same.get(id(planned.all_words)) or swap(planned.all_words), planned.call_terms
    )


def listing(tracker_keys: tuple[str, ...]) -> Plan:
    """No words, a tracker filter: every sentence where one of the trackers fired."""
    q = query.Or([query.Term("trackers", k) for k in tracker_keys])
    return Plan([q], q, [])


def parser() -> qparser.QueryParser:
    """Our query language on Whoosh's parser: AND by default, user field names, ``-word``
    only at the start of a word ("auto-renew" and "acme-logistics.com" stay whole)."""
    aliases = {real: [alias] for alias, real in FIELD_ALIASES.items() if alias != real}
    made = qparser.QueryParser("text", SCHEMA, group=qparser.AndGroup)
    made.add_plugin(
        qparser.PlusMinusPlugin(plusexpr=r"(?:^|(?<=[\s(]))\+", minusexpr=r"(?:^|(?<=[\s(]))-")
    )
    made.add_plugin(qparser.FieldAliasPlugin(aliases))
    made.remove_plugin_class(qparser.BoostPlugin)
    return made


def plan(parse: qparser.QueryParser, reader, text: str, mode: str, fuzzy: bool) -> Plan:
    """Parse ``text`` for ``mode`` default|all|any|literal."""
    if mode == "literal":
        words = analyze(text)
        q = query.Term("text", words[0]) if len(words) == 1 else query.Phrase("text", words)
        return Plan([q], q, [])
    parsed, call_terms = _split_call_terms(_phrases_as_words(parse.parse(text)))
    parsed = _stemmed_prefixes(_fuzzy(parsed) if fuzzy else parsed, reader)
    parsed = _and_not(parsed.normalize())
    either = _any_of(parsed)
    if mode == "all" or either == parsed or _has_operators(text):
        return Plan([parsed], parsed, call_terms)  # explicit AND/OR/NOT mean what they say
    if mode == "any":
        return Plan([either], parsed, call_terms)
    return Plan([parsed, either], parsed, call_terms)  # sentences with every word first
