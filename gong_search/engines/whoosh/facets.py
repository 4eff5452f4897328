"""Facet counts over every match: exact, from posting lists, columns and call documents.

A call's documents are one range of document numbers ending at its call document (see the
schema), so the sorted matches split into calls by bisection: per-call facets (account,
deal, month...) cost one lookup per *call* with matches, read from the call document's
stored ``facts`` once per searcher. Per-sentence facets (speaker, affiliation, kind) look
up a code per match in an array read once from posting lists; trackers (few sentences)
intersect posting lists.
"""

from __future__ import annotations

import bisect
from array import array
from collections import Counter
from collections.abc import Iterator

from whoosh import query

from ...engine import CALL_FACETS, FacetCount
from ...keys import normalize_name
from . import topn
from .filters import column

TERM_FACETS = {"speaker": "speaker_key", "affiliation": "affiliation", "kind": "kind"}
NONE = -1  # a document without a value in the field (a summary has no speaker)


class CallIndex:
    """Every call's document range, its facet values, and per-document value codes for the
    sentence facets, for one searcher (segments are immutable, so it stays right for the
    searcher's life: a long-lived process pays for them once)."""

    def __init__(self, searcher) -> None:
        self.searcher = searcher
        reader = searcher.reader()
        self.ends = sorted(topn.doc_set(searcher, query.Term("is_marker", "1")))
        sizes = column(reader, "sentences")
        self.starts = [end - sizes[end] for end in self.ends]
        self._facts: dict[int, dict[str, list[str]]] = {}
        self._codes: dict[str, tuple[array, list[str]]] = {}

    def slices(self, ordered: list[int]) -> Iterator[tuple[int, int, int]]:
        """(call document, first, last+1) positions in ``ordered`` for each call with
        matches."""
        for start, end in zip(self.starts, self.ends, strict=True):
            lo = bisect.bisect_left(ordered, start)
            hi = bisect.bisect_left(ordered, end, lo)
            if hi > lo:
                yield end, lo, hi

    def calls_with(self, docs: set[int]) -> int:
        """How many calls hold any of ``docs`` (one bisection per call, not a column
        read per document: ~10 us each, a second for 100,000 matches)."""
        return sum(1 for _ in self.slices(sorted(docs)))

    def call_of(self, docnum: int) -> int:
        return self.ends[bisect.bisect_right(self.ends, docnum)]

    def facts(self, call_doc: int) -> dict[str, list[str]]:
        if call_doc not in self._facts:
            stored = self.searcher.reader().stored_fields(call_doc)
            self._facts[call_doc] = stored.get("facts") or {}
        return self._facts[call_doc]

    def codes(self, name: str) -> tuple[array, list[str]]:
        """(the value code of every document, the label of each code) for a sentence
        facet: read once from the field's posting lists, then a list lookup per match
        (reading a column per match cost ~10 us: a second for 100,000 matches)."""
        if name not in self._codes:
            self._codes[name] = self._read_codes(name)
        return self._codes[name]

    def _read_codes(self, name: str) -> tuple[array, list[str]]:
        reader = self.searcher.reader()
        field = TERM_FACETS[name]
        codes = array("i", [NONE]) * reader.doc_count_all()
        labels: list[str] = []
        for term in reader.lexicon(field):
            key = term.decode() if isinstance(term, bytes) else term
            docs = topn.doc_set(self.searcher, query.Term(field, key))
            if not docs:
                continue
            for docnum in docs:
                codes[docnum] = len(labels)
            labels.append(self._label(name, key, min(docs)))
        return codes, labels

    def _label(self, name: str, key: str, docnum: int) -> str:
        if name == "speaker":
            return self.searcher.reader().stored_fields(docnum).get("speaker_name") or key
        return key.capitalize() if name == "affiliation" else key


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
            counts = _term_facet(index, ordered, slices, name)
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


def _term_facet(
    index: CallIndex, ordered: list[int], slices: list[tuple[int, int, int]], name: str
) -> Counts:
    codes, labels = index.codes(name)
    missing = "transcript" if name == "kind" else ""  # a sentence has no kind of its own
    counts: Counts = {}
    for _call_doc, lo, hi in slices:
        for code, sentences in Counter(codes[d] for d in ordered[lo:hi]).items():
            label = labels[code] if code != NONE else missing
            if label:
                entry = counts.setdefault(label, [0, 0])
                entry[0] += sentences
                entry[1] += 1
    return counts


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
