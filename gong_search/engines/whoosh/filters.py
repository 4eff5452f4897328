"""Filters as a membership test on matches: call document ranges, posting sets, and
rules read from a matching sentence's stored fields.

Whoosh's own ``filter=`` would build a set of every allowed document on every search;
these are asked ``docnum in allowed`` only for documents that match the query. A filter
on a sentence's speakers or trackers (a few of many values) is the union of their
posting lists: set algebra in C, where a column read per match cost ~15 us (a fuzzy
speaker over 72,000 matches of "pricing" at 1M sentences: a tenth of a second). Its
affiliation (one of three values, so half the corpus may pass) is looked up per match in
an array of value codes read once per segment (:mod:`.segment_arrays`).
"""

from __future__ import annotations

import bisect
import re
from array import array
from collections.abc import Callable

from whoosh import query
from whoosh.columns import MultiColumnReader
from whoosh.idsets import DocIdSet

from ...engine import Filters
from .schema import SCHEMA
from .segment_arrays import value_codes


def column(reader, field: str):
    """A field's column values by document number. An index with no segment yet (a first
    sync that has not committed a page) has an empty reader without columns; nothing can
    match there, so an empty mapping serves.

    Over several segments the column is put together here: Whoosh's own multi-segment
    column leaves out segments without a value in the field (a page without notes has no
    ``kind`` column) and then reads the wrong segment's values, or fails."""
    if reader.doc_count_all() == 0:
        return {}
    if reader.is_atomic():
        return reader.column_reader(field, translate=True)
    leaves = reader.leaf_readers()
    parts = [leaf.column_reader(field, translate=True) for leaf, _offset in leaves]
    return MultiColumnReader(parts, [offset for _leaf, offset in leaves])


class Ranges:
    """Sorted, disjoint ``[start, end)`` document ranges with a fast membership test."""

    def __init__(self, ranges: list[tuple[int, int]]) -> None:
        self.starts = [start for start, _end in ranges]
        self.ends = [end for _start, end in ranges]

    def __contains__(self, docnum: int) -> bool:
        i = bisect.bisect_right(self.starts, docnum) - 1
        return i >= 0 and docnum < self.ends[i]


class ValueTest:
    """``docnum in test``: the document's value in a few-valued column is one of
    ``values``, by a code lookup in each segment's array."""

    def __init__(self, searcher, fieldname: str, values: set[str]) -> None:
        self.offsets: list[int] = []
        self.segments: list[tuple[array, set[int]]] = []
        for leaf, offset in searcher.leaf_searchers():
            codes, labels = value_codes(leaf.reader(), fieldname)
            self.offsets.append(offset)
            self.segments.append((codes, {n for n, v in enumerate(labels) if v in values}))

    def __contains__(self, docnum: int) -> bool:
        i = bisect.bisect_right(self.offsets, docnum) - 1
        codes, wanted = self.segments[i]
        return codes[docnum - self.offsets[i]] in wanted


class Allowed(DocIdSet):
    """A filter Whoosh's collector can ask ``docnum in allowed`` without a set of every
    allowed document: the documents the sentence-key filters keep (a set), call ranges,
    the affiliation, then the rules read from the stored sentence."""

    def __init__(
        self,
        ranges: Ranges | None,
        kept: set[int] | None = None,
        affiliation: ValueTest | None = None,
        stored: Callable[[int], bool] | None = None,
    ) -> None:
        self.ranges = ranges
        self.kept = kept
        self.affiliation = affiliation
        self.stored = stored  # a test on the stored sentence, the dearest: asked last

    def __bool__(self) -> bool:
        return True

    def __contains__(self, docnum: int) -> bool:
        if self.kept is not None and docnum not in self.kept:
            return False
        if self.ranges is not None and docnum not in self.ranges:
            return False
        if self.affiliation is not None and docnum not in self.affiliation:
            return False
        return self.stored is None or self.stored(docnum)


QUESTION = re.compile(r"\?[\W_]*$")  # ends with a question mark (then quotes, brackets)


class StoredTest:
    """Tracker rules read from a matching sentence's stored fields: a question, said in
    the call's first minutes, a word as written (the text field is stemmed, so an exact
    form cannot be a term query; Gong's rule is whole words, any case)."""

    def __init__(self, reader, filters: Filters) -> None:
        self.stored_fields = reader.stored_fields
        self.questions = filters.questions
        self.first_ms = filters.said_first_ms
        self.exact = exact_pattern(filters.exact_words) if filters.exact_words else None

    def __call__(self, docnum: int) -> bool:
        fields = self.stored_fields(docnum)
        text = fields.get("text") or fields.get("summary") or fields.get("comment") or ""
        if self.questions and not QUESTION.search(text):
            return False
        if self.first_ms is not None:
            start = fields.get("start_ms")
            if start is None or start >= self.first_ms:
                return False
        return self.exact is None or self.exact.search(text) is not None


def exact_pattern(words: tuple[str, ...]) -> re.Pattern[str]:
    """Any of ``words`` as whole words, any case; spaces in a phrase match any spacing."""
    parts = (r"\s+".join(map(re.escape, w.split())) for w in words if w.split())
    return re.compile(r"(?<!\w)(?:" + "|".join(parts) + r")(?!\w)", re.IGNORECASE)


def stored_rules(filters: Filters) -> bool:
    return filters.questions or filters.said_first_ms is not None or bool(filters.exact_words)


def call_query(filters: Filters, call_terms: list[query.Query]) -> query.Query | None:
    """The call documents passing the per-call filters (None: no per-call filter)."""
    if not filters.per_call and not call_terms:
        return None
    parts: list[query.Query] = [query.Term("is_marker", "1"), *call_terms]
    if filters.call_ids:
        parts.append(query.Or([query.Term("marker_call", c) for c in filters.call_ids]))
    if filters.title:
        parts.extend(query.Term("title", t.text) for t in SCHEMA["title"].analyzer(filters.title))
    for field, values in _call_terms(filters):
        if values:
            parts.append(query.Or([query.Term(field, v.lower()) for v in values]))
    if filters.start or filters.end:
        low = int(filters.start.timestamp()) if filters.start else None
        high = int(filters.end.timestamp()) - 1 if filters.end else None
        parts.append(query.NumericRange("call_started", low, high))
    if filters.duration_bounded:
        parts.append(query.NumericRange("duration", filters.min_duration, filters.max_duration))
    return query.And(parts)


def _call_terms(filters: Filters) -> list[tuple[str, tuple[str, ...]]]:
    """Call-document fields and the exact keys a filter accepts in each."""
    return [
        ("host", filters.hosts),
        ("account", filters.accounts),
        ("deal", filters.deals),
        ("stage", filters.stages),
        ("stage_now", filters.stages_now),
        ("participant", filters.participants),
        ("scope", filters.scopes),
        ("direction", filters.directions),
        ("language", filters.languages),
        ("workspace", filters.workspaces),
        ("outcome", filters.outcomes),
    ]


def call_ranges(searcher, calls: query.Query) -> Ranges:
    """Document-number ranges of the calls ``calls`` matches. A call's sentences are
    written just before its call document, and Whoosh keeps document order through
    merges, so each call is one range."""
    ends = sorted(calls.docs(searcher))
    sizes = column(searcher.reader(), "sentences")
    return Ranges([(end - sizes[end], end) for end in ends])


def sentence_keys(filters: Filters) -> list[query.Query]:
    """One OR of exact keys per sentence-key filter; a sentence must match each. Keys are
    indexed as the lower-cased values (speaker keys are lower case already)."""
    wanted = (("speaker_key", filters.speaker_keys), ("trackers", filters.trackers))
    return [
        query.Or([query.Term(field, value.lower()) for value in values])
        for field, values in wanted
        if values
    ]


def allowed(
    searcher, ranges: Ranges | None, filters: Filters, kept: set[int] | None = None
) -> Allowed | None:
    """The filter as a membership test (None when nothing filters): checked only on
    documents that match the query, so its cost follows the matches, not the corpus.
    ``kept``: the documents the :func:`sentence_keys` filters keep."""
    wanted = {a.lower() for a in filters.affiliations}
    affiliation = ValueTest(searcher, "affiliation", wanted) if wanted else None
    stored = StoredTest(searcher.reader(), filters) if stored_rules(filters) else None
    if ranges is None and kept is None and affiliation is None and stored is None:
        return None
    return Allowed(ranges, kept, affiliation, stored)
