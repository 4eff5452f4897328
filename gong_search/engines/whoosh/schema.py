"""Whoosh schema, analysis and scoring: how a sentence becomes terms and a match a score.

Also the two patches gong-search needs on the pinned whoosh-reloaded 2.7.5 (applied on
import, once): a cache for missing length columns and a fix to AND NOT's first match.
"""

from __future__ import annotations

import math

from whoosh import columns, fields, scoring
from whoosh.analysis import (
    CharsetFilter,
    IDAnalyzer,
    LowercaseFilter,
    RegexTokenizer,
    StemFilter,
)
from whoosh.codec import whoosh3
from whoosh.matching.binary import AndNotMatcher
from whoosh.support.charset import accent_map

from ...gong.call_content import NOTE_KINDS, SUMMARY_KINDS


def _remember_missing_length_columns() -> None:
    """Whoosh 2.7's per-document reader looks up a field's length column on every posting
    it writes, and for fields that have none (ID, KEYWORD) re-checks the file system each
    time: ~40% of indexing time in our profile went to ``stat``. Segments are immutable, so
    caching "no such column" per reader is safe. (Pinned distribution: whoosh-reloaded 2.7.5.)
    """
    reader_class = whoosh3.W3PerDocReader
    original = reader_class._cached_reader
    if getattr(original, "remembers_missing", False):
        return

    def cached_reader(self, fieldname, column):
        if fieldname not in self._readers:
            self._readers[fieldname] = original(self, fieldname, column)
        return self._readers[fieldname]

    cached_reader.remembers_missing = True
    reader_class._cached_reader = cached_reader


_remember_missing_length_columns()


def _exclude_from_the_first_match() -> None:
    """Whoosh 2.7's ``AndNotMatcher`` checks its first match against the excluded
    matcher only when both sit on the same document, so when the excluded term's first
    posting comes earlier, ``a -b`` returns a first document that contains ``b`` (found by
    the oracle test). Skipping the excluded matcher forward first fixes it.
    """

    def find_first(self) -> None:
        if self.a.is_active() and self.b.is_active():
            self._find_next()  # skips ``b`` to ``a``'s document, then past excluded ones

    AndNotMatcher._find_first = find_first


_exclude_from_the_first_match()
# compound segments are copied into memory on open: keep files separate (merges too);
# a 64 MB posting pool spills to disk instead of growing with the page (RSS 505 -> 272 MB
# for a 90k-sentence sync, same speed)
WRITER_SETTINGS = {"limitmb": 64, "procs": 1, "compound": False}


WORDS = RegexTokenizer() | LowercaseFilter() | CharsetFilter(accent_map)


def _schema() -> fields.Schema:
    """Three kinds of documents share one index, a call's written together (sentences,
    notes, then the call document), so a call is one range of document numbers.

    A *sentence* document per sentence: the text (stemmed, no stop list: "not", "we", "can"
    matter in short sentences), who said it and the trackers that fired in it. A *note*
    document per brief, key point, highlight, outline item or comment: its text lives in a
    field of its own (``summary`` or ``comment``), so a transcript search never sees it
    and pays nothing for it; ``--in`` picks the fields. A *call* document per call: what
    every sentence of the call shares (title, host, account, deal, stage, participants,
    call facts) and the catalog content hash the index reflects. Per-call filters are
    resolved on the few call documents, so sentences do not repeat those terms.
    No two kinds share an indexed field, so no text search can match a call document.
    """
    words = WORDS
    stemmed = words | StemFilter()
    key = IDAnalyzer(lowercase=True)  # exact values, case-insensitive in queries

    def keys() -> fields.KEYWORD:  # several exact values
        return fields.KEYWORD(commas=True, lowercase=True)

    return fields.Schema(
        # sentence documents (notes share the call_id..end_ms fields)
        text=fields.TEXT(analyzer=stemmed, phrase=True, stored=True),
        call_id=fields.ID(stored=True, sortable=columns.VarBytesColumn()),
        ordinal=fields.NUMERIC(int, bits=32, stored=True, sortable=True, shift_step=0),
        speaker=fields.TEXT(analyzer=words, phrase=False),  # name + email words
        speaker_key=fields.ID(analyzer=key, sortable=columns.VarBytesColumn()),
        speaker_name=fields.STORED(),
        speaker_email=fields.ID(stored=True, analyzer=key),
        affiliation=fields.ID(stored=True, analyzer=key, sortable=columns.RefBytesColumn()),
        topic=fields.ID(analyzer=key),
        started=fields.NUMERIC(int, bits=64, stored=True, sortable=True, shift_step=0),
        start_ms=fields.STORED(),
        end_ms=fields.STORED(),
        trackers=keys(),  # normalised names of the trackers that fired in the sentence
        tracker_names=fields.STORED(),
        # note documents
        summary=fields.TEXT(analyzer=stemmed, phrase=True, stored=True),
        comment=fields.TEXT(analyzer=stemmed, phrase=True, stored=True),
        kind=fields.ID(stored=True, sortable=columns.RefBytesColumn()),  # "" for sentences
        heading=fields.STORED(),
        # call documents
        marker_call=fields.ID(stored=True),
        marker_hash=fields.STORED(),
        is_marker=fields.ID(),
        title=fields.TEXT(analyzer=words, phrase=False),
        host=fields.ID(analyzer=key),  # normalised name of the call's primary user
        account=keys(),  # CRM account names and ids, external e-mail domains
        deal=keys(),  # opportunity names and ids
        stage=keys(),  # deal stages at the time of the call
        stage_now=keys(),  # ... and now
        participant=keys(),  # everyone on the call, spoke or not: names and e-mails
        scope=fields.ID(analyzer=key),
        direction=fields.ID(analyzer=key),
        system=fields.ID(analyzer=key),
        language=fields.ID(analyzer=key),
        workspace=fields.ID(analyzer=key),
        outcome=fields.ID(analyzer=key),
        duration=fields.NUMERIC(int, bits=32),
        call_started=fields.NUMERIC(int, bits=64),  # epoch seconds, for date ranges
        facts=fields.STORED(),  # display values of the call's facets
        sentences=fields.COLUMN(columns.NumericColumn("I")),  # the call's range length
    )


TEXT_FIELDS = {"transcript": ("text",), "summary": ("summary",), "comments": ("comment",)}
TEXT_FIELDS["all"] = tuple(f for fs in TEXT_FIELDS.values() for f in fs)


SCHEMA = _schema()


def analyze(text: str) -> list[str]:
    """The indexed terms of ``text`` (stemmed, accent-folded): empty means unsearchable."""
    return [t.text for t in SCHEMA["text"].analyzer(text)]


def bm25f() -> scoring.BM25F:
    """BM25F with the textbook parameters (B=0.75, K1=1.2, as SQLite FTS5 uses: not tuned
    to our synthetic corpus; B=0.6 measured worse on it). Ties are broken by
    :mod:`.topn`, outside the score, so the score is the one people see."""
    return NotesApartBM25F(B=0.75, K1=1.2)


class NotesApartBM25F(scoring.BM25F):
    """Whoosh's BM25F with collection statistics (N in the IDF, the mean length) counted
    over the documents that can hold the field: a transcript field's without the note
    documents (briefs, key points, comments), so Gong's notes never move the scores of
    transcript sentences; a note field's over the notes that hold it, so a brief is
    weighed among briefs (as OpenSearch's per-field statistics weigh it)."""

    def idf(self, searcher, fieldname: str, text: str) -> float:
        parent = searcher.get_parent()
        n = scored_documents(parent, fieldname)
        return math.log(n / (parent.doc_frequency(fieldname, text) + 1)) + 1

    def scorer(self, searcher, fieldname: str, text: str, qf: int = 1):
        if not searcher.schema[fieldname].scorable:
            return scoring.WeightScorer.for_(searcher, fieldname, text)
        return _NotesApartScorer(searcher, fieldname, text, self.B, self.K1, qf)


class _NotesApartScorer(scoring.BM25FScorer):
    def __init__(self, searcher, fieldname: str, text: str, B: float, K1: float, qf: int = 1):
        parent = searcher.get_parent()
        self.idf = parent.idf(fieldname, text)
        self.avgfl = parent.field_length(fieldname) / scored_documents(parent, fieldname) or 1
        self.B, self.K1, self.qf = B, K1, qf
        self.setup(searcher, fieldname, text)


NOTE_FIELDS = {"summary": SUMMARY_KINDS, "comment": ("comment",)}  # field -> note kinds


def scored_documents(searcher, fieldname: str = "text") -> int:
    """The N of :class:`NotesApartBM25F` for ``fieldname``: the notes of the kinds that
    hold it, or every document (replaced ones included until a merge, as Whoosh counts
    them) except notes; counted once per searcher and field."""
    counted = searcher.__dict__.setdefault("_scored_documents", {})
    if fieldname not in counted:
        kinds = NOTE_FIELDS.get(fieldname)
        if kinds:
            found = sum(searcher.doc_frequency("kind", kind) for kind in kinds)
        else:
            notes = sum(searcher.doc_frequency("kind", kind) for kind in NOTE_KINDS)
            found = searcher.doc_count_all() - notes
        counted[fieldname] = max(1, found)
    return counted[fieldname]


def spans(text: str, terms: set[str]) -> list[tuple[int, int]]:
    """Character spans of the words in ``text`` whose indexed form is a query term."""
    if not terms:
        return []
    tokens = SCHEMA["text"].analyzer(text, chars=True, mode="index")
    return [(t.startchar, t.endchar) for t in tokens if t.text in terms]
