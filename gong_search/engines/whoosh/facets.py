"""Facet counts over every match: exact, from posting lists, columns and call documents.

A call's documents are one range of document numbers ending at its call document (see the
schema), so the sorted matches split into calls by bisection: per-call facets (account,
deal, month...) cost one lookup per *call* with matches, read from the call document's
stored ``facts`` once per searcher. Per-sentence facets read a column per match (speaker,
affiliation, kind) or, for trackers (few sentences), intersect posting lists.
"""

from __future__ import annotations

import bisect
from collections import Counter
from collections.abc import Iterator

from whoosh import query

from ...engine import CALL_FACETS, FacetCount
from ...keys import normalize_name
from . import topn
from .filters import column

COLUMN_FACETS = {"speaker": "speaker_key", "affiliation": "affiliation", "kind": "kind"}


class CallIndex:
    """Every call's document range, and its facet values, for one searcher (segments are
    immutable, so it stays right for the searcher's life)."""

    def __init__(self, searcher) -> None:
        self.searcher = searcher
        reader = searcher.reader()
        self.ends = sorted(topn.doc_set(searcher, query.Term("is_marker", "1")))
        sizes = column(reader, "sentences")
        self.starts = [end - sizes[end] for end in self.ends]
        self._facts: dict[int, dict[str, list[str]]] = {}
        self._speaker_names: dict[str, str] = {}

    def slices(self, ordered: list[int]) -> Iterator[tuple[int, int, int]]:
        """(call document, first, last+1) positions in ``ordered`` for each call with
        matches."""
        for start, end in zip(self.starts, self.ends, strict=True):
            lo = bisect.bisect_left(ordered, start)
            hi = bisect.bisect_left(ordered, end, lo)
            if hi > lo:
                yield end, lo, hi

    def call_of(self, docnum: int) -> int:
        return self.ends[bisect.bisect_right(self.ends, docnum)]

    def facts(self, call_doc: int) -> dict[str, list[str]]:
        if call_doc not in self._facts:
            stored = self.searcher.reader().stored_fields(call_doc)
            self._facts[call_doc] = stored.get("facts") or {}
        return self._facts[call_doc]

    def speaker_name(self, key: str, docnum: int) -> str:
        if key not in self._speaker_names:
            stored = self.searcher.reader().stored_fields(docnum)
            self._speaker_names[key] = stored.get("speaker_name") or key
        return self._speaker_names[key]


def facet_counts(
    index: CallIndex, matched: set[int], names: tuple[str, ...]
) -> dict[str, list[FacetCount]]:
    """Counts per value of each facet in ``names`` over ``matched``."""
    ordered = sorted(matched)
    slices = list(index.slices(ordered))
    found: dict[str, list[FacetCount]] = {}
    for name in names:
        if name in CALL_FACETS:
            counts = _call_facet(index, slices, name)
        elif name == "tracker":
            counts = _tracker_facet(index, matched)
        else:
            counts = _column_facet(index, ordered, slices, name)
        found[name] = _ranked(counts)
    return found


Counts = dict[str, list[int]]  # value -> [sentences, calls]


def _call_facet(index: CallIndex, slices: list[tuple[int, int, int]], name: str) -> Counts:
    counts: Counts = {}
    for call_doc, lo, hi in slices:
        for value in index.facts(call_doc).get(name, []):
            entry = counts.setdefault(value, [0, 0])
            entry[0] += hi - lo
            entry[1] += 1
    return counts


def _column_facet(
    index: CallIndex, ordered: list[int], slices: list[tuple[int, int, int]], name: str
) -> Counts:
    values = column(index.searcher.reader(), COLUMN_FACETS[name])
    counts: Counts = {}
    for _call_doc, lo, hi in slices:
        per_call = Counter(values[d] for d in ordered[lo:hi])
        for raw, sentences in per_call.items():
            label = _label(index, name, raw, ordered, lo, hi, values)
            if label:
                entry = counts.setdefault(label, [0, 0])
                entry[0] += sentences
                entry[1] += 1
    return counts


def _label(index: CallIndex, name: str, raw, ordered, lo: int, hi: int, values) -> str:
    value = raw.decode() if isinstance(raw, bytes) else str(raw or "")
    if name == "kind":
        return value or "transcript"
    if name == "affiliation":
        return value.capitalize()
    if not value:  # a summary has no speaker
        return ""
    docnum = next(d for d in ordered[lo:hi] if values[d] == raw)
    return index.speaker_name(value, docnum)


def _tracker_facet(index: CallIndex, matched: set[int]) -> Counts:
    reader = index.searcher.reader()
    counts: Counts = {}
    for key in reader.lexicon("trackers"):
        key = key.decode() if isinstance(key, bytes) else key
        docs = topn.doc_set(index.searcher, query.Term("trackers", key)) & matched
        if docs:
            label = _tracker_name(reader, key, min(docs))
            counts[label] = [len(docs), len({index.call_of(d) for d in docs})]
    return counts


def _tracker_name(reader, key: str, docnum: int) -> str:
    names = reader.stored_fields(docnum).get("tracker_names") or []
    return next((n for n in names if normalize_name(n) == key), key)


def _ranked(counts: Counts) -> list[FacetCount]:
    return [
        FacetCount(value, sentences, calls)
        for value, (sentences, calls) in sorted(counts.items(), key=lambda kv: (-kv[1][0], kv[0]))
    ]
