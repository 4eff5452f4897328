"""Exact top N over Whoosh matchers: one total order, any page of it, exact totals.

Whoosh's own top-N collector prunes with quality bounds (``matcher.replace(minscore)`` and
block skipping). Those bounds know nothing of our tie order nor of the all-words tier, so
they dropped tied and lower-tier hits and undercounted the total while calling it exact
(issue 11). This module walks the matchers itself and orders every match by one key:

    tier (all words first), score to 4 decimals (descending), newer call, call id,
    position in the call

so ``--limit``/``--offset`` pages are slices of one list, whatever the page size. Scores
are plain BM25F: the tier is part of the key, not folded into the score.

Block skipping stays possible without losing a hit: a block whose best possible score is
below the current N-th score (less the rounding margin) holds no document that can enter
or tie the top N. Every match is still counted, so totals stay exact.
"""

from __future__ import annotations

import heapq
from collections.abc import Callable, Container, Iterator
from dataclasses import dataclass
from itertools import groupby

# Scores are compared after rounding to 4 decimals: a raw score this far below the N-th
# rounded score can never round up to tie it.
ROUNDING_MARGIN = 1e-4


@dataclass(frozen=True)
class Match:
    """One ranked document: its sort key parts and its raw BM25F score."""

    score: float
    started: int
    docnum: int


def _leaves(searcher) -> Iterator[tuple[object, int, object]]:
    """(leaf searcher, document offset, call-start column) for each segment."""
    for leaf, offset in searcher.leaf_searchers():
        reader = leaf.reader()
        started = reader.column_reader("started") if reader.doc_count_all() else None
        yield leaf, offset, started


def scored_matches(
    searcher, q, allowed: Container[int] | None, skip: Container[int] | None = None
) -> list[Match]:
    """Every document matching ``q`` (and ``allowed``; not in ``skip``), scored."""
    found: list[Match] = []
    context = searcher.context()
    for leaf, offset, started in _leaves(searcher):
        matcher = q.matcher(leaf, context)
        while matcher.is_active():
            sub = matcher.id()
            docnum = offset + sub
            if (allowed is None or docnum in allowed) and (skip is None or docnum not in skip):
                found.append(Match(round(matcher.score(), 4), started[sub], docnum))
            matcher.next()
    return found


def dated_matches(searcher, q, allowed: Container[int] | None) -> list[Match]:
    """Every document matching ``q`` (and ``allowed``), unscored (``--sort date``)."""
    found: list[Match] = []
    for leaf, offset, started in _leaves(searcher):
        for sub in q.docs(leaf):
            docnum = offset + sub
            if allowed is None or docnum in allowed:
                found.append(Match(0.0, started[sub], docnum))
    return found


def count_matches(
    searcher, q, allowed: Container[int] | None, skip: Container[int], cap: int | None
) -> tuple[int, bool]:
    """Documents matching ``q`` (and ``allowed``) but not in ``skip``, counted without
    scoring up to ``cap``: (count, exact?)."""
    found = 0
    for docnum in q.docs(searcher):
        if docnum in skip or (allowed is not None and docnum not in allowed):
            continue
        found += 1
        if cap is not None and found >= cap:
            return found, False
    return found, True


def top(matches: list[Match], want: int | None, call_of: Callable[[int], str]) -> list[Match]:
    """The first ``want`` (None: all) of ``matches`` in the documented order.

    Selection by (score, call start) first, keeping every document tied with the last
    one kept; only documents tied on both then read their call id for the final order.
    """
    if want is not None and want < len(matches):
        coarse = heapq.nsmallest(want, matches, key=_coarse)
        if not coarse:
            return []
        edge = _coarse(coarse[-1])
        kept = [m for m in matches if _coarse(m) <= edge]
    else:
        kept = list(matches)
    kept.sort(key=lambda m: (*_coarse(m), m.docnum))
    ordered: list[Match] = []
    for _key, group in groupby(kept, key=_coarse):
        tied = list(group)
        if len(tied) > 1:  # calls that started the same second: by call id, then position
            tied.sort(key=lambda m: (call_of(m.docnum), m.docnum))
        ordered.extend(tied)
        if want is not None and len(ordered) >= want:
            return ordered[:want]
    return ordered


def _coarse(m: Match) -> tuple[float, int]:
    return (-m.score, -m.started)
