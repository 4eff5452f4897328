"""The query language translated to OpenSearch's query DSL: rank tiers, call filters.

Parsing is shared with the Whoosh engine (one parser, one language: the same words,
operators, fields, phrases and prefixes mean the same on both engines); what comes out is
a tree of plain query objects, which this module turns into DSL clauses. Its terms are
already analysed (stemmed, folded) exactly as :mod:`.mapping` indexes text, so they are
sent as ``term``/``span_term`` clauses, never re-analysed.
"""

from __future__ import annotations

import json
from dataclasses import dataclass, field

from whoosh import query

from ...engine import Filters
from ...errors import QueryError
from ..whoosh import query as shared
from ..whoosh.query import (
    _and_not,
    _any_of,
    _fuzzy,
    _has_operators,
    _phrases_as_words,
    _split_call_terms,
)
from ..whoosh.schema import TEXT_FIELDS, WORDS, analyze
from .mapping import MAPPINGS

MAX_EXPANSIONS = 1_000  # words one prefix or wildcard may stand for (as on Whoosh)


@dataclass
class Plan:
    """Rank tiers (each tier's hits before the next one's), the all-words form and the
    ``title:``/``host:``/``account:`` constraints, as DSL; ``terms``/``prefixes`` are what
    highlighting marks."""

    tiers: list[dict]
    all_words: dict
    call_filters: list[dict]
    terms: set[str]
    prefixes: set[str]
    patterns: list[tuple[str, dict]] = field(default_factory=list)  # text prefixes, wildcards

    @property
    def matches(self) -> dict:
        return self.tiers[-1]

    @property
    def tiered(self) -> bool:
        return self.all_words is not self.matches


_PARSER = shared.parser()


def plan(text: str, mode: str, fuzzy: bool, filters: Filters | None = None) -> Plan:
    """Parse ``text`` for ``mode`` default|all|any|literal over the fields ``--in`` chose
    (as the Whoosh engine does); no words with a tracker filter lists where it fired."""
    filters = filters or Filters()
    if not text.strip() and filters.trackers:
        listed = translate(shared.listing(filters.trackers).matches)
        return Plan([listed], listed, [], set(), set())
    planned, marks = _shared_plan(text, mode, fuzzy)
    planned = shared.retarget(planned, TEXT_FIELDS[filters.within])
    tiers = [translate(t) for t in planned.tiers]
    same = {id(tree): dsl for tree, dsl in zip(planned.tiers, tiers, strict=True)}
    all_words = same.get(id(planned.all_words)) or translate(planned.all_words)
    return Plan(tiers, all_words, [translate(c) for c in planned.call_terms], *marks)


def _shared_plan(text: str, mode: str, fuzzy: bool) -> tuple[shared.Plan, tuple]:
    """The parsed tiers as the Whoosh engine plans them (query objects over ``text``),
    and what highlighting marks: (terms, prefixes, text patterns)."""
    if mode == "literal":
        words = analyze(text)
        q: query.Query = (
            query.Term("text", words[0]) if len(words) == 1 else query.Phrase("text", words)
        )
        return shared.Plan([q], q, []), (set(words), set(), [])
    parsed, call_terms = _split_call_terms(_phrases_as_words(_PARSER.parse(text)))
    if fuzzy:
        parsed = _fuzzy(parsed)
    parsed = _and_not(parsed.normalize())
    either = _any_of(parsed)
    marks = (*_highlighted(parsed), _patterns(parsed))
    if mode == "all" or either == parsed or _has_operators(text):
        return shared.Plan([parsed], parsed, call_terms), marks
    if mode == "any":
        return shared.Plan([either], parsed, call_terms), marks
    return shared.Plan([parsed, either], parsed, call_terms), marks


def _patterns(q: query.Query) -> list[tuple[str, dict]]:
    """Each text prefix or wildcard (as typed) with a clause that expands it to at most
    one word more than :data:`MAX_EXPANSIONS`, to check the bound before searching."""
    found = []
    for node in q.leaves() if q.children() else [q]:
        if getattr(node, "fieldname", None) != "text":
            continue
        rewrite = f"top_terms_{MAX_EXPANSIONS + 1}"
        if isinstance(node, query.Prefix):
            clause = {"prefix": {"text": {"value": _folded(node.text), "rewrite": rewrite}}}
            found.append((node.text, clause))
        elif isinstance(node, query.Wildcard):
            found.append(
                (node.text, {"wildcard": {"text": {"value": node.text, "rewrite": rewrite}}})
            )
    return found


def _highlighted(q: query.Query) -> tuple[set[str], set[str]]:
    """Text terms and prefixes to mark in hits (fuzzy and wildcard terms are not marked)."""
    terms: set[str] = set()
    prefixes: set[str] = set()
    for node in q.leaves() if q.children() else [q]:
        if getattr(node, "fieldname", None) != "text":
            continue
        if isinstance(node, query.Phrase):
            terms.update(node.words)
        elif isinstance(node, query.Prefix):
            prefixes.add(_folded(node.text))
        elif type(node) is query.Term:
            terms.add(node.text)
    return terms, prefixes


def _folded(prefix: str) -> str:
    return "".join(t.text for t in WORDS(prefix)) or prefix


def _field(name: str) -> str:
    if name not in MAPPINGS["properties"]:
        raise QueryError(f"unknown field {name!r}")
    return name


def translate(node: query.Query) -> dict:
    """One node of the parsed tree as a DSL clause."""
    if isinstance(node, query.And):
        return {"bool": {"must": [translate(c) for c in node.subqueries]}}
    if isinstance(node, query.Or):
        return {"bool": {"should": [translate(c) for c in node.subqueries],
                         "minimum_should_match": 1}}  # fmt: skip
    if isinstance(node, query.AndNot):
        return {"bool": {"must": [translate(node.a)], "must_not": [translate(node.b)]}}
    if isinstance(node, query.AndMaybe):
        return {"bool": {"must": [translate(node.a)], "should": [translate(node.b)]}}
    if isinstance(node, query.Not):
        return {"bool": {"must": [{"match_all": {}}], "must_not": [translate(node.query)]}}
    if isinstance(node, query.Phrase):
        return _phrase(node)
    if isinstance(node, query.FuzzyTerm):
        return {"fuzzy": {_field(node.fieldname): {
            "value": node.text, "fuzziness": node.maxdist,
            "prefix_length": node.prefixlength, "transpositions": False}}}  # fmt: skip
    if isinstance(node, query.Prefix):
        return _prefix(node)
    if isinstance(node, query.Wildcard):
        return {"wildcard": {_field(node.fieldname): {"value": node.text,
                                                      "rewrite": _rewrite()}}}  # fmt: skip
    if isinstance(node, query.TermRange):
        bounds = {"gt" if node.startexcl else "gte": node.start,
                  "lt" if node.endexcl else "lte": node.end}  # fmt: skip
        return {"range": {_field(node.fieldname): {k: v for k, v in bounds.items() if v}}}
    if isinstance(node, query.Term):
        return {"term": {_field(node.fieldname): node.text}}
    if isinstance(node, query.Every):
        return {"match_all": {}}
    if isinstance(node, type(query.NullQuery)):
        return {"match_none": {}}
    raise QueryError(f"this query is not supported by the OpenSearch engine: {node}")


def _rewrite() -> str:
    """Expanded words scored as terms (as Whoosh scores them), at most MAX_EXPANSIONS."""
    return f"top_terms_{MAX_EXPANSIONS}"


def _phrase(node: query.Phrase) -> dict:
    field = _field(node.fieldname)
    spans = [{"span_term": {field: word}} for word in node.words]
    if len(spans) == 1:
        return {"term": {field: node.words[0]}}
    return {"span_near": {"clauses": spans, "slop": max(0, node.slop - 1), "in_order": True}}


def _prefix(node: query.Prefix) -> dict:
    """``integrat*`` must find "integration", indexed as its stem "integr": a text prefix
    also matches the stems that are a slightly shorter prefix of it (at least 4 letters)."""
    field = _field(node.fieldname)
    if field not in TEXT_FIELDS["all"]:
        return {"prefix": {field: {"value": node.text}}}
    prefix = _folded(node.text)
    clauses = [{"prefix": {field: {"value": prefix, "rewrite": _rewrite()}}}]
    clauses += [
        {"term": {field: prefix[:k]}} for k in range(len(prefix) - 1, max(3, len(prefix) - 4), -1)
    ]
    if len(clauses) == 1:
        return clauses[0]
    return {"bool": {"should": clauses, "minimum_should_match": 1}}


def explain(planned: Plan) -> str:
    names = ["every word", "any word"] if len(planned.tiers) > 1 else ["matches"]
    lines = [f"{n}: {json.dumps(t)}" for n, t in zip(names, planned.tiers, strict=True)]
    return "\n".join(lines + [f"call filter: {json.dumps(c)}" for c in planned.call_filters])
