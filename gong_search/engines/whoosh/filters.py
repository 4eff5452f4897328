"""Filters as a membership test on matches: call document ranges and column values.

Whoosh's own ``filter=`` would build a set of every allowed document on every search;
these are asked ``docnum in allowed`` only for documents that match the query.
"""

from __future__ import annotations

import bisect

from whoosh import query
from whoosh.columns import MultiColumnReader
from whoosh.idsets import DocIdSet

from ...engine import Filters
from .schema import SCHEMA


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


class Allowed(DocIdSet):
    """A filter Whoosh's collector can ask ``docnum in allowed`` without a set of every
    allowed document: call ranges, sets of the documents a sentence filter keeps (the
    sentences where a tracker fired: few), then column values (speaker, affiliation)."""

    def __init__(
        self,
        ranges: Ranges | None,
        tests: list[tuple[object, set[str]]],
        kept: set[int] | None = None,
    ) -> None:
        self.ranges = ranges
        self.tests = tests
        self.kept = kept

    def __bool__(self) -> bool:
        return True

    def __contains__(self, docnum: int) -> bool:
        if self.kept is not None and docnum not in self.kept:
            return False
        if self.ranges is not None and docnum not in self.ranges:
            return False
        return all(column[docnum] in values for column, values in self.tests)


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


def allowed(
    reader, ranges: Ranges | None, filters: Filters, kept: set[int] | None = None
) -> Allowed | None:
    """The filter as a membership test (None when nothing filters): checked only on
    documents that match the query, so its cost follows the matches, not the corpus.
    ``kept``: the documents a sentence filter read from posting lists keeps."""
    tests = [
        (column(reader, field), set(values))
        for field, values in (
            ("speaker_key", filters.speaker_keys),
            ("affiliation", filters.affiliations),
        )
        if values
    ]
    if ranges is None and not tests and kept is None:
        return None
    return Allowed(ranges, tests, kept)
