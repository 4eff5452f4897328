"""BM25F for word lists from posting arrays, without a matcher call per document.

Whoosh scores a match through a tree of matcher objects: for every document several
Python calls, a column seek for its length and another for its call start (about 5 us a
match, so a common word at 1M sentences took a third of a second). A word list (terms
under AND, OR and AND NOT: what plain words become) needs none of that: each term's
documents and frequencies come decoded from :mod:`.postings`, lengths and call starts
from :mod:`.segment_arrays`, and the score is Whoosh's own formula, term by term::

    idf * ((tf * (K1 + 1)) / (tf + K1 * ((1 - B) + B * length / mean length)))

with the same idf, mean length, B and K1 (read from Whoosh's scorer), so every term
score is the float Whoosh computes. A document's terms are added in query order; Whoosh
adds along its matcher tree, which can differ in the last bit, far below the 4 decimals
scores are compared at. Anything else (phrases, prefixes, boosts, unscored fields) is
not a word list and goes to :func:`.topn.scored_matches`.
"""

from __future__ import annotations

import heapq
from array import array
from collections.abc import Set as AbstractSet

from whoosh import query, scoring
from whoosh.util.numeric import byte_to_length

from .postings import segment_weights
from .segment_arrays import call_starts, length_bytes

Scores = dict[int, float]  # segment document number -> score
MARGIN = 1e-4  # as in .topn: a raw score this far below can never round up to a tie


def supported(q) -> bool:
    """Terms under AND and OR, none boosted, perhaps all under one AND NOT: what this
    module scores. (An AND NOT inside an OR would need its excluded documents read to
    know when its words count; that shape is left to the matchers.)"""
    return _word_list(q.a) if type(q) is query.AndNot and q.boost == 1 else _word_list(q)


def _word_list(q) -> bool:
    if q.boost != 1:
        return False
    if type(q) is query.Term:
        return True
    return type(q) in (query.Or, query.And) and all(_word_list(c) for c in q.subqueries)


def scored_postings(searcher, q, matched: AbstractSet[int], want: int | None) -> list | None:
    """Every document of ``matched`` (all matching ``q``) that can be among the first
    ``want`` (None: all), as :func:`.topn.scored_matches` gives them; None when a term's
    field is not scored by BM25F or ``q`` is not a word list (then the matchers score)."""
    if not supported(q):
        return None
    scored: list[tuple[float, int]] = []  # (raw score, document number)
    starts: list[tuple[int, array]] = []  # (first document number, call starts) per segment
    for leaf, offset in searcher.leaf_searchers():
        reader = leaf.reader()
        scores = _node_scores(leaf, reader, q)
        if scores is None:
            return None
        starts.append((offset, call_starts(reader)))
        scored += [(v, offset + sub) for sub, v in scores.items() if offset + sub in matched]
    if want is not None and len(scored) > want:
        # only what can round to the want-th best score or above is rounded and kept
        edge = round(heapq.nlargest(want, [v for v, _d in scored])[-1], 4) - MARGIN
        scored = [(v, docnum) for v, docnum in scored if v >= edge]
    return [(-round(v, 4), -_start(starts, docnum), docnum) for v, docnum in scored]


def _start(starts: list[tuple[int, array]], docnum: int) -> int:
    for offset, column in reversed(starts):
        if docnum >= offset:
            return column[docnum - offset]
    raise IndexError(docnum)


def _node_scores(leaf, reader, q) -> Scores | None:
    """Scores of the segment's documents matching ``q``, summed as ``q`` adds them."""
    kind = type(q)
    if kind is query.Term:
        return _term_scores(leaf, reader, q.fieldname, q.text)
    if kind is query.AndNot:  # only at the top: its matches are ``matched``, none of b's
        return _node_scores(leaf, reader, q.a)
    parts = [_node_scores(leaf, reader, c) for c in q.subqueries]
    if any(p is None for p in parts):
        return None
    if kind is query.And:
        return _intersect(parts)
    total: Scores = {}
    for part in parts:
        for sub, score in part.items():
            total[sub] = total.get(sub, 0.0) + score
    return total


def _intersect(parts: list[Scores]) -> Scores:
    first, *rest = parts
    keys = set(first).intersection(*rest)
    total: Scores = {}
    for sub in keys:
        score = 0.0
        for part in parts:
            score += part[sub]
        total[sub] = score
    return total


def _term_scores(leaf, reader, fieldname: str, text: str) -> Scores | None:
    if (fieldname, text) not in reader:
        return {}
    scorer = leaf.weighting.scorer(leaf, fieldname, text)
    if not isinstance(scorer, scoring.BM25FScorer):
        return None
    idf, k1_plus_1 = scorer.idf, scorer.K1 + 1
    norm = _length_norms(scorer)
    lengths = length_bytes(reader, fieldname)
    ids, weights = segment_weights(reader, fieldname, text)
    return {
        sub: idf * ((tf * k1_plus_1) / (tf + norm[lengths[sub]]))
        for sub, tf in zip(ids, weights, strict=True)
    }


def _length_norms(scorer) -> list[float]:
    """``K1 * ((1 - B) + B * length / mean length)`` for each stored length byte, as
    Whoosh's ``bm25`` computes it (a zero byte reads as length 1, Whoosh's default)."""
    K1, B, avgfl = scorer.K1, scorer.B, scorer.avgfl
    return [K1 * ((1 - B) + B * (byte_to_length(b) if b else 1) / avgfl) for b in range(256)]
