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

import bisect
import heapq
from collections.abc import Callable, Container, Iterator
from collections.abc import Set as AbstractSet
from itertools import groupby

from whoosh import query
from whoosh.codec.whoosh3 import W3LeafMatcher
from whoosh.matching.binary import (
    AndMaybeMatcher,
    AndNotMatcher,
    IntersectionMatcher,
    UnionMatcher,
)
from whoosh.matching.wrappers import FilterMatcher

from . import array_scoring
from .postings import segment_postings
from .segment_arrays import call_starts

# A ranked document as a plain tuple, compared in C: (-score, -call start, docnum).
# Ascending order of this key is the documented order except between two calls that
# started in the same second, which :func:`top` orders by call id.
Match = tuple[float, int, int]
# Scores are compared rounded to 4 decimals: a raw score this far below the floor can
# never round up to tie it, whatever the float error of summing term scores.
MARGIN = 1e-4
# A filter that keeps fewer than 1 match in this many makes visiting the kept ones
# directly cheaper than stepping through every match.
SELECTIVE = 4


def score_of(m: Match) -> float:
    return 0.0 - m[0]  # not -m[0]: a date sort's 0.0 must not print as -0.0


def docnum_of(m: Match) -> int:
    return m[2]


def _leaves(searcher) -> Iterator[tuple[object, int, object]]:
    """(leaf searcher, document offset, call starts) for each segment."""
    for leaf, offset in searcher.leaf_searchers():
        yield leaf, offset, call_starts(leaf.reader())


def scored_matches(
    searcher,
    q,
    allowed: Container[int] | None,
    want: int | None = None,
) -> list[Match]:
    """The documents matching ``q`` (and ``allowed``) that can be among the first ``want``
    (None: all of them), scored.

    Once ``want`` documents are held, a document whose rounded score is below the lowest
    of theirs can neither enter nor tie: it is dropped, and query branches and whole
    posting blocks whose best possible score is below that floor (less :data:`MARGIN`)
    are skipped unread. Totals do not come from here (see :func:`matching`).
    Ties at the floor are kept, so :func:`top` still sees every candidate.
    """
    found: list[Match] = []
    best: list[tuple[float, int]] = []  # the ``want`` best (score, start), worst first
    floor: float | None = None
    context = searcher.context()
    for leaf, offset, started in _leaves(searcher):
        matcher = q.matcher(leaf, context)
        prune = want is not None and _sound_bounds(matcher)
        new_block = True
        pruned_at = None
        while matcher.is_active():
            if prune and floor is not None and floor != pruned_at:
                # drop branches that cannot reach the floor (an OR whose rarer word
                # alone decides the page becomes "rarer word, maybe the other")
                matcher, pruned_at, new_block = matcher.replace(floor - MARGIN), floor, True
                if not matcher.is_active():
                    break
                prune = _sound_bounds(matcher)
            if prune and new_block and floor is not None:
                matcher.skip_to_quality(floor - MARGIN)
                if not matcher.is_active():
                    break
            sub = matcher.id()
            docnum = offset + sub
            if allowed is None or docnum in allowed:
                score = round(matcher.score(), 4)
                if floor is None or score >= floor:
                    start = started[sub]
                    found.append((-score, -start, docnum))
                    if want is not None:
                        floor = _keep_best(best, (score, start), want)
            new_block = matcher.next()
    return found


def _sound_bounds(matcher) -> bool:
    """Whether every quality bound in ``matcher``'s tree is a true upper bound on scores.

    Whoosh's posting blocks, unions (sums), intersections and exclusions are; its array
    union (what a short index or a long OR gets) reports the *largest* child's bound
    instead of their sum, so pruning with it would drop real hits (found by the oracle).
    Only trees of the classes known to be sound are pruned.
    """
    kind = type(matcher)
    if kind is W3LeafMatcher:
        return True
    if kind is FilterMatcher:  # a segment's deleted documents left out: bound unchanged
        return _sound_bounds(matcher.child)
    if kind is AndNotMatcher:
        return _sound_bounds(matcher.a)
    if kind in (UnionMatcher, IntersectionMatcher, AndMaybeMatcher):
        return _sound_bounds(matcher.a) and _sound_bounds(matcher.b)
    return False


def _keep_best(best: list[tuple[float, int]], key: tuple[float, int], want: int) -> float | None:
    """Add ``key`` to the heap of the ``want`` best; the floor score once it is full."""
    if len(best) < want:
        heapq.heappush(best, key)
    elif key > best[0]:
        heapq.heapreplace(best, key)
    return best[0][0] if len(best) >= want else None


def dated_matches(searcher, q, allowed: Container[int] | None) -> list[Match]:
    """Every document matching ``q`` (and ``allowed``), unscored (``--sort date``)."""
    found: list[Match] = []
    for leaf, offset, started in _leaves(searcher):
        for sub in q.docs(leaf):
            docnum = offset + sub
            if allowed is None or docnum in allowed:
                found.append((0.0, -started[sub], docnum))
    return found


def tier_matches(
    searcher, q, allowed: Container[int] | None, skip: AbstractSet[int], want: int | None
) -> tuple[set[int], list[Match]]:
    """(every document matching ``q`` and ``allowed`` but not ``skip``, the scored
    candidates for its first ``want``: none when ``want`` is 0, all when None).

    Word lists are counted from posting lists and only the candidates are scored; a
    phrase, prefix or fuzzy term is stepped once, scoring every match, since stepping it
    twice (to count, then to score) would cost more than scoring.
    """
    if _postings_only(q):
        candidates = doc_set(searcher, q) - skip
        matched = _allowed_only(candidates, allowed)
        if not matched or want == 0:
            return matched, []
        if len(matched) * SELECTIVE < len(candidates):  # a selective filter: visit just those
            return matched, scored_docs(searcher, q, matched)
        scored = array_scoring.scored_postings(searcher, q, matched, want)
        return matched, scored if scored is not None else scored_matches(searcher, q, matched, want)
    scored = [m for m in scored_matches(searcher, q, allowed) if m[2] not in skip]
    return {m[2] for m in scored}, scored


def _postings_only(q) -> bool:
    """Terms under AND, OR and AND NOT: what :func:`doc_set` reads as posting lists."""
    if type(q) is query.Term:
        return True
    return type(q) in (query.Or, query.And, query.AndNot) and all(
        _postings_only(c) for c in q.children()
    )


def matching(
    searcher, q, allowed: Container[int] | None, skip: AbstractSet[int] = frozenset()
) -> set[int]:
    """Documents matching ``q`` (and ``allowed``) but not in ``skip``: exact, unscored."""
    return _allowed_only(doc_set(searcher, q) - skip, allowed)


def _allowed_only(found: set[int], allowed: Container[int] | None) -> set[int]:
    return found if allowed is None else {docnum for docnum in found if docnum in allowed}


def scored_docs(searcher, q, docs: AbstractSet[int]) -> list[Match]:
    """``docs`` (all matching ``q``) scored by skipping ``q``'s matcher straight to each:
    cheaper than stepping through every match when a filter kept few of them."""
    found: list[Match] = []
    context = searcher.context()
    ordered = sorted(docs)
    for leaf, offset, started in _leaves(searcher):
        end = offset + leaf.reader().doc_count_all()
        inside = ordered[bisect.bisect_left(ordered, offset) : bisect.bisect_left(ordered, end)]
        matcher = q.matcher(leaf, context) if inside else None
        for docnum in inside:
            matcher.skip_to(docnum - offset)
            found.append((-round(matcher.score(), 4), -started[docnum - offset], docnum))
    return found


def doc_set(searcher, q) -> set[int]:
    """The documents matching ``q``, without scoring.

    Plain terms under AND, OR and AND NOT (what word lists become) are read as posting
    lists and combined with set algebra in C, several times faster than stepping a
    matcher per document; anything else (phrases, prefixes, fuzzy terms) steps its
    matcher. Either way the answer is exact, so totals need no cap.
    """
    kind = type(q)
    if not _postings_only(q):
        return set(q.docs(searcher))
    if kind is query.Term:
        return _postings(searcher, q.fieldname, q.text)
    if kind is query.Or:
        return set().union(*(doc_set(searcher, c) for c in q.subqueries))
    if kind is query.And:
        parts = sorted((doc_set(searcher, c) for c in q.subqueries), key=len)
        return parts[0].intersection(*parts[1:]) if parts else set()
    return doc_set(searcher, q.a) - doc_set(searcher, q.b)  # AndNot


def _postings(searcher, fieldname: str, text: str) -> set[int]:
    """A term's live documents, across segments (see :mod:`.postings`)."""
    found: set[int] = set()
    for leaf, offset in searcher.leaf_searchers():
        reader = leaf.reader()
        if (fieldname, text) in reader:
            ids = segment_postings(reader, fieldname, text)
            found.update(map(offset.__add__, ids) if offset else ids)
    return found


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
