"""Exact top N over Whoosh matchers: one total order, any page of it, exact totals.

Whoosh's own top-N collector prunes with quality bounds (``matcher.replace(minscore)`` and
block skipping). Those bounds know nothing of our tie order nor of the all-words tier, so
they dropped tied and lower-tier hits and undercounted the total while calling it exact
(issue 11). This module walks the matchers itself and orders every match by one key:

    tier (all words first), score to 4 decimals (descending), newer call, call id,
    position in the call

so ``--limit``/``--offset`` pages are slices of one list, whatever the page size. Scores
are plain BM25F: the tier is part of the key, not folded into the score.
"""

from __future__ import annotations

import heapq
from collections.abc import Callable, Container, Iterator
from itertools import groupby

# A ranked document as a plain tuple, compared in C: (-score, -call start, docnum).
# Ascending order of this key is the documented order except between two calls that
# started in the same second, which :func:`top` orders by call id.
Match = tuple[float, int, int]


def score_of(m: Match) -> float:
    return 0.0 - m[0]  # not -m[0]: a date sort's 0.0 must not print as -0.0


def docnum_of(m: Match) -> int:
    return m[2]


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
                found.append((-round(matcher.score(), 4), -started[sub], docnum))
            matcher.next()
    return found


def dated_matches(searcher, q, allowed: Container[int] | None) -> list[Match]:
    """Every document matching ``q`` (and ``allowed``), unscored (``--sort date``)."""
    found: list[Match] = []
    for leaf, offset, started in _leaves(searcher):
        for sub in q.docs(leaf):
            docnum = offset + sub
            if allowed is None or docnum in allowed:
                found.append((0.0, -started[sub], docnum))
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

    The tuples' own order is right except among documents with the same score and call
    start from different calls; only such groups read their call ids. The last group may
    continue past the ``want`` selected, so its missing members are gathered first.
    """
    if want is not None and want < len(matches):
        kept = heapq.nsmallest(want, matches)
        if not kept:
            return []
        edge = kept[-1][:2]
        kept += [m for m in matches if m[0] == edge[0] and m[1] == edge[1] and m > kept[-1]]
    else:
        kept = sorted(matches)
    ordered: list[Match] = []
    for _key, group in groupby(kept, key=lambda m: m[:2]):
        tied = list(group)
        if len(tied) > 1:  # calls that started the same second: by call id, then position
            tied.sort(key=lambda m: (call_of(m[2]), m[2]))
        ordered.extend(tied)
        if want is not None and len(ordered) >= want:
            return ordered[:want]
    return ordered
