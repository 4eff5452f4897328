"""The Whoosh index: schema, analyzers, writer settings and readers. The only module
that imports ``whoosh``, so the distribution (or the whole backend) can be swapped here.

Layout under the index directory::

    CURRENT            name of the live generation, replaced atomically by ``reindex``
    whoosh-<n>/        a Whoosh index: one document per sentence + one marker per call

The per-call *marker* documents record which catalog content hash the index reflects
(``marker_call``, ``marker_hash``); they share no field with sentences, so no search can
match them. Writers always ``cancel()`` on failure so Whoosh's lock is released.
"""

from __future__ import annotations

import bisect
import contextlib
import os
import re
import shutil
import struct
import zlib
from collections.abc import Callable, Iterable, Iterator
from contextlib import contextmanager
from dataclasses import dataclass
from datetime import datetime
from functools import cached_property
from itertools import islice
from pathlib import Path

from whoosh import columns, fields, index, qparser, query, scoring
from whoosh.analysis import (
    CharsetFilter,
    IDAnalyzer,
    LowercaseFilter,
    RegexTokenizer,
    StemFilter,
)
from whoosh.codec import whoosh3
from whoosh.idsets import DocIdSet
from whoosh.matching.binary import AndNotMatcher
from whoosh.support.charset import accent_map

from . import topn
from .catalog import ensure_private_dir
from .errors import IndexStoreError, QueryError
from .sentences import CallSentences, normalize_name

POINTER = "CURRENT"


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
    """Two kinds of documents share one index.

    A *sentence* document per sentence: the text (stemmed, no stop list: "not", "we", "can"
    matter in short sentences) and who said it. A *call* document per call: the fields
    every sentence of the call shares (title, host, account domains, start time) and the
    catalog content hash the index reflects. Per-call filters are resolved on the few call
    documents, so sentences do not repeat those terms: faster indexing, smaller index.
    The two kinds share no indexed field, so no text search can match a call document.
    """
    words = WORDS
    key = IDAnalyzer(lowercase=True)  # exact values, case-insensitive in queries
    return fields.Schema(
        # sentence documents
        text=fields.TEXT(analyzer=words | StemFilter(), phrase=True, stored=True),
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
        # call documents
        marker_call=fields.ID(stored=True),
        marker_hash=fields.STORED(),
        is_marker=fields.ID(),
        title=fields.TEXT(analyzer=words, phrase=False),
        host=fields.ID(analyzer=key),  # normalised name of the call's primary user
        account=fields.KEYWORD(commas=True, lowercase=True),  # external email domains
        call_started=fields.NUMERIC(int, bits=64),  # epoch seconds, for date ranges
        sentences=fields.COLUMN(columns.NumericColumn("I")),  # the call's range length
    )


SCHEMA = _schema()


# -- locations ---------------------------------------------------------------------------


def current_dir(index_dir: Path) -> Path | None:
    """The live Whoosh directory, or None when no index was ever built here."""
    pointer = Path(index_dir) / POINTER
    try:
        name = pointer.read_text().strip()
    except FileNotFoundError:
        return None
    return Path(index_dir) / name


def _new_generation(index_dir: Path) -> Path:
    gens = [
        int(p.name.split("-")[1])
        for p in Path(index_dir).glob("whoosh-*")
        if p.name.split("-")[1].isdigit()
    ]
    path = Path(index_dir) / f"whoosh-{max(gens, default=0) + 1}"
    ensure_private_dir(path)
    index.create_in(str(path), SCHEMA)
    return path


def _switch_to(index_dir: Path, generation: Path) -> None:
    """Atomically point CURRENT at ``generation`` and drop older generations."""
    tmp = Path(index_dir) / (POINTER + ".tmp")
    fd = os.open(tmp, os.O_WRONLY | os.O_CREAT | os.O_TRUNC, 0o600)
    with os.fdopen(fd, "w") as pointer:
        pointer.write(generation.name)
    os.replace(tmp, Path(index_dir) / POINTER)
    remove_abandoned_generations(index_dir)


def remove_abandoned_generations(index_dir: Path) -> None:
    """Delete every ``whoosh-*`` that CURRENT does not name: superseded ones, and the half
    built ones a reindex stopped by ``kill -9`` or a full disk left behind.

    Only under the sync lock: a running reindex's new generation looks just the same.
    """
    live = current_dir(index_dir)
    for path in Path(index_dir).glob("whoosh-*"):
        if path != live:
            shutil.rmtree(path, ignore_errors=True)


# What Whoosh raises when a segment file is missing, truncated or garbled.
_DAMAGE = (OSError, EOFError, ValueError, KeyError, IndexError, struct.error, zlib.error)
# What a reader racing a writer's merge has been seen to raise besides those (load test).
RACE_ERRORS = (NotImplementedError, TypeError)


@contextmanager
def reading(index_dir: Path) -> Iterator[None]:
    """Turn a damaged index's low-level errors into one actionable IndexStoreError."""
    try:
        yield
    except _DAMAGE as exc:
        raise IndexStoreError(
            f"{index_dir}: index is damaged ({type(exc).__name__}); run `gong-search reindex`"
        ) from None


def open_index(index_dir: Path, *, create: bool = False) -> index.Index:
    path = current_dir(index_dir)
    if path is None or not path.exists():
        if not create:
            raise IndexStoreError(f"{index_dir}: no search index here (run `gong-search sync`)")
        path = _new_generation(index_dir)
        _switch_to(index_dir, path)
    try:
        ix = index.open_dir(str(path))
    except Exception as exc:  # Whoosh raises many unrelated types for a damaged index
        raise IndexStoreError(
            f"{path}: index is damaged ({type(exc).__name__}); run `gong-search reindex`"
        ) from None
    if not schema_matches(ix):
        ix.close()
        raise IndexStoreError(
            f"{path}: index was built by another gong-search version; run `gong-search reindex`"
        )
    return ix


def schema_matches(ix: index.Index) -> bool:
    """An index written with an older schema must be rebuilt, not half-read."""
    return sorted(ix.schema.names()) == sorted(SCHEMA.names())


def index_bytes(index_dir: Path) -> int:
    path = current_dir(index_dir)
    if path is None or not path.exists():
        return 0
    return sum(f.stat().st_size for f in path.iterdir() if f.is_file())


# -- writing -----------------------------------------------------------------------------


def sentence_documents(joined: CallSentences) -> Iterable[dict]:
    call_id, started = joined.call.id, int(joined.call.started.timestamp())
    for row in joined.rows:
        yield {
            "call_id": call_id,
            "started": started,
            "text": row.text,
            "ordinal": row.ordinal,
            "speaker": f"{row.speaker_name} {row.speaker_email.replace('@', ' ')}",
            "speaker_key": normalize_name(row.speaker_name),
            "speaker_name": row.speaker_name,
            "speaker_email": row.speaker_email,
            "affiliation": row.affiliation.lower(),
            "topic": row.topic.lower(),
            "start_ms": row.start_ms,
            "end_ms": row.end_ms,
        }


def call_document(joined: CallSentences, content_hash: str) -> dict:
    """The per-call document: shared fields for filters, and the hash the index reflects."""
    call = joined.call
    return {
        "marker_call": call.id,
        "marker_hash": content_hash,
        "is_marker": "1",
        "title": call.title,
        "host": normalize_name(joined.host_name),
        "account": ",".join(joined.domains),
        "call_started": int(call.started.timestamp()),
        "sentences": len(joined.rows),
    }


def _add_call(writer, joined: CallSentences, content_hash: str) -> None:
    for doc in sentence_documents(joined):
        writer.add_document(**doc)
    writer.add_document(**call_document(joined, content_hash))


class IndexUpdater:
    """One Whoosh writer for a batch of call replacements; commit or cancel, never leak.

    Whoosh only deletes documents that are already committed, so replacing the same call
    twice inside one writer would duplicate it: that case commits first.
    """

    def __init__(self, index_dir: Path) -> None:
        self.index_dir = Path(index_dir)
        self._ix = open_index(self.index_dir, create=True)
        self._writer = None
        self._touched: set[str] = set()
        self.sentences_added = 0

    def _w(self):
        if self._writer is None:
            self._writer = self._ix.writer(**WRITER_SETTINGS)
        return self._writer

    def replace(self, joined: CallSentences, content_hash: str) -> None:
        """Make the index hold exactly ``joined`` for its call, tagged with ``content_hash``."""
        if joined.call.id in self._touched:
            self.commit()
        self.delete(joined.call.id)
        _add_call(self._w(), joined, content_hash)
        self.sentences_added += len(joined.rows)

    def delete(self, call_id: str) -> None:
        writer = self._w()
        writer.delete_by_term("call_id", call_id)
        writer.delete_by_term("marker_call", call_id)
        self._touched.add(call_id)

    def commit(self) -> None:
        if self._writer is not None:
            writer, self._writer = self._writer, None
            writer.commit()
        self._touched.clear()

    def cancel(self) -> None:
        if self._writer is not None:
            writer, self._writer = self._writer, None
            writer.cancel()
        self._touched.clear()

    def close(self) -> None:
        self.cancel()
        self._ix.close()

    def __enter__(self) -> IndexUpdater:
        return self

    def __exit__(self, exc_type: object, *rest: object) -> None:
        if exc_type is None:
            self.commit()
        self.close()


def rebuild(index_dir: Path, calls: Iterable[tuple[CallSentences, str]]) -> int:
    """Build a fresh generation from ``calls`` and switch to it only once complete."""
    generation = _new_generation(index_dir)
    ix = index.open_dir(str(generation))
    writer = ix.writer(**WRITER_SETTINGS)
    count = 0
    try:
        for joined, content_hash in calls:
            _add_call(writer, joined, content_hash)
            count += len(joined.rows)
        writer.commit()
    except BaseException:
        _discard(writer, ix, generation)
        raise
    ix.close()
    _switch_to(index_dir, generation)
    return count


def _discard(writer, ix: index.Index, generation: Path) -> None:
    """Remove a half-built generation. On a full disk cancelling the writer fails too (it
    flushes as it closes); the directory must go all the same, and the first error is the
    one to report."""
    try:
        with contextlib.suppress(Exception):
            writer.cancel()
        ix.close()
    finally:
        shutil.rmtree(generation, ignore_errors=True)


# -- reading -----------------------------------------------------------------------------


def markers(index_dir: Path) -> dict[str, str]:
    """call id -> content hash the index reflects (what crash repair compares against)."""
    ix = open_index(index_dir)
    try:
        with reading(index_dir), ix.searcher() as searcher:
            reader = searcher.reader()
            found = {}
            for call_id in reader.lexicon("marker_call"):
                term = call_id.decode() if isinstance(call_id, bytes) else call_id
                doc = searcher.document(marker_call=term)
                if doc:
                    found[term] = doc.get("marker_hash", "")
            return found
    finally:
        ix.close()


def document_count(index_dir: Path) -> int:
    """Live documents, sentences and markers together (subtract ``len(markers())``)."""
    ix = open_index(index_dir)
    try:
        with reading(index_dir):
            return ix.doc_count()
    finally:
        ix.close()


# -- searching ---------------------------------------------------------------------------

FIELD_ALIASES = {
    "text": "text",
    "speaker": "speaker",
    "email": "speaker_email",
    "affiliation": "affiliation",
    "title": "title",
    "topic": "topic",
    "account": "account",
    "host": "host",
    "call": "call_id",
}
CALL_FIELDS = {"title", "host", "account"}  # live on call documents: become call filters


def bm25f() -> scoring.BM25F:
    """BM25F with the textbook parameters (B=0.75, K1=1.2, as SQLite FTS5 uses: not tuned
    to our synthetic corpus; B=0.6 measured worse on it). Ties are broken by
    :mod:`gong_search.topn`, outside the score, so the score is the one people see."""
    return scoring.BM25F(B=0.75, K1=1.2)


@dataclass(frozen=True)
class Filters:
    """Resolved, engine-neutral filters (fuzzy names already turned into exact keys)."""

    speaker_keys: tuple[str, ...] = ()
    affiliations: tuple[str, ...] = ()
    start: datetime | None = None
    end: datetime | None = None
    call_ids: tuple[str, ...] = ()
    title: str | None = None
    hosts: tuple[str, ...] = ()
    accounts: tuple[str, ...] = ()

    @property
    def per_call(self) -> bool:
        return bool(
            self.start or self.end or self.call_ids or self.title or self.hosts or self.accounts
        )


@dataclass(frozen=True)
class RawHit:
    score: float
    fields: dict
    spans: list[tuple[int, int]]
    docnum: int
    all_words: bool = False  # in the all-words tier of a plain word list


@dataclass
class RawResult:
    """Totals at once; hits built from the ranked documents only when read, so an export
    of every match can stream them instead of holding them all (``iter_hits``)."""

    ranked: list[tuple[topn.Match, bool]]  # (document, in the all-words tier?)
    total: int
    total_all_words: int
    build: Callable[[topn.Match, bool], RawHit]

    def iter_hits(self) -> Iterator[RawHit]:
        return (self.build(m, all_words) for m, all_words in self.ranked)

    @cached_property
    def hits(self) -> list[RawHit]:
        return list(self.iter_hits())


@dataclass
class _Plan:
    """A parsed query: its rank tiers (each tier's hits before the next one's), its
    all-words form (for ``total_all_words``) and its call-field constraints."""

    tiers: list[query.Query]
    all_words: query.Query
    call_terms: list[query.Query]

    @property
    def matches(self) -> query.Query:
        """Every document any tier matches (the last tier is the widest)."""
        return self.tiers[-1]


def analyze(text: str) -> list[str]:
    """The indexed terms of ``text`` (stemmed, accent-folded): empty means unsearchable."""
    return [t.text for t in SCHEMA["text"].analyzer(text)]


class SearchIndex:
    """A searcher kept open for many queries; filter results are cached on it.

    Filtering is planned per query: a selective text query is checked candidate by
    candidate against column values, a selective filter is built from posting lists, and an
    unfiltered query keeps Whoosh's block-max skipping (Whoosh's own ``filter=`` would build
    a set of every matching document on every search).
    """

    def __init__(self, index_dir: Path) -> None:
        self.index_dir = Path(index_dir)
        self._ix = open_index(index_dir)
        with reading(index_dir):
            self._searcher = self._ix.searcher(weighting=bm25f())
        self._reader = self._searcher.reader()
        self._call_ids = _column(self._reader, "call_id")
        self._call_cache: dict[Filters, _Ranges] = {}
        aliases = {real: [alias] for alias, real in FIELD_ALIASES.items() if alias != real}
        self._parser = qparser.QueryParser("text", SCHEMA, group=qparser.AndGroup)
        # +/- only at the start of a word: "auto-renew" and "acme-logistics.com" stay whole
        self._parser.add_plugin(
            qparser.PlusMinusPlugin(plusexpr=r"(?:^|(?<=[\s(]))\+", minusexpr=r"(?:^|(?<=[\s(]))-")
        )
        self._parser.add_plugin(qparser.FieldAliasPlugin(aliases))
        self._parser.remove_plugin_class(qparser.BoostPlugin)

    def close(self) -> None:
        self._searcher.close()
        self._ix.close()

    def __enter__(self) -> SearchIndex:
        return self

    def __exit__(self, *exc: object) -> None:
        self.close()

    def context(self, docnum: int, before: int, after: int) -> tuple[list[dict], list[dict]]:
        """Stored fields of the sentences around ``docnum`` in the same call, in order.

        A call's live sentences are consecutive documents, so its neighbours are read
        directly; the walk stops at another call, a call document or a deleted document.
        """
        with reading(self.index_dir):
            call_id = self._reader.stored_fields(docnum)["call_id"]
            return (
                self._neighbours(docnum, -1, before, call_id)[::-1],
                self._neighbours(docnum, 1, after, call_id),
            )

    def _neighbours(self, docnum: int, step: int, count: int, call_id: str) -> list[dict]:
        found: list[dict] = []
        reader = self._reader
        position = docnum + step
        while len(found) < count and 0 <= position < reader.doc_count_all():
            if reader.is_deleted(position):
                break
            fields_ = reader.stored_fields(position)
            if fields_.get("call_id") != call_id:
                break
            found.append(fields_)
            position += step
        return found

    def vocabulary(self, field: str) -> list[str]:
        """Distinct indexed values of a keyword field (e.g. every account domain)."""
        return [t.decode() if isinstance(t, bytes) else t for t in self._reader.lexicon(field)]

    # -- query building --

    def plan(self, text: str, mode: str, fuzzy: bool) -> _Plan:
        """Parse ``text`` for ``mode`` default|all|any|literal."""
        if mode == "literal":
            words = analyze(text)
            q = query.Term("text", words[0]) if len(words) == 1 else query.Phrase("text", words)
            return _Plan([q], q, [])
        parsed, call_terms = _split_call_terms(self._parser.parse(text))
        parsed = _stemmed_prefixes(_fuzzy(parsed) if fuzzy else parsed, self._reader)
        parsed = _and_not(parsed.normalize())
        either = _any_of(parsed)
        if mode == "all" or either == parsed or _has_operators(text):
            return _Plan([parsed], parsed, call_terms)  # explicit AND/OR/NOT mean what they say
        if mode == "any":
            return _Plan([either], parsed, call_terms)
        return _Plan([parsed, either], parsed, call_terms)  # sentences with every word first

    # -- filters --

    def call_ranges(self, filters: Filters, call_terms: list[query.Query]) -> _Ranges | None:
        """Document-number ranges of the calls passing the per-call filters (None: no
        per-call filter). A call's sentences are written just before its call document,
        and Whoosh keeps document order through merges, so each call is one range."""
        if not filters.per_call and not call_terms:
            return None
        key = filters if not call_terms else None
        if key is not None and key in self._call_cache:
            return self._call_cache[key]
        parts: list[query.Query] = [query.Term("is_marker", "1"), *call_terms]
        if filters.call_ids:
            parts.append(query.Or([query.Term("marker_call", c) for c in filters.call_ids]))
        if filters.title:
            parts.extend(
                query.Term("title", t.text) for t in SCHEMA["title"].analyzer(filters.title)
            )
        if filters.hosts:
            parts.append(query.Or([query.Term("host", h) for h in filters.hosts]))
        if filters.accounts:
            parts.append(query.Or([query.Term("account", a) for a in filters.accounts]))
        if filters.start or filters.end:
            low = int(filters.start.timestamp()) if filters.start else None
            high = int(filters.end.timestamp()) - 1 if filters.end else None
            parts.append(query.NumericRange("call_started", low, high))
        ends = sorted(query.And(parts).docs(self._searcher))
        sizes = _column(self._reader, "sentences")
        ranges = _Ranges([(end - sizes[end], end) for end in ends])
        if key is not None:
            self._call_cache[key] = ranges
        return ranges

    def _allowed(self, plan: _Plan, filters: Filters) -> _Allowed | None:
        """The filter as a membership test (None when nothing filters): checked only on
        documents that match the query, so its cost follows the matches, not the corpus."""
        ranges = self.call_ranges(filters, plan.call_terms)
        tests = [
            (_column(self._reader, field), set(values))
            for field, values in (
                ("speaker_key", filters.speaker_keys),
                ("affiliation", filters.affiliations),
            )
            if values
        ]
        if ranges is None and not tests:
            return None
        return _Allowed(ranges, tests)

    # -- running --

    def search(
        self,
        text: str,
        mode: str,
        fuzzy: bool,
        filters: Filters,
        *,
        sort: str = "relevance",
        want: int | None = 20,
        highlight: bool = True,
    ) -> RawResult:
        """The top ``want`` hits (None = all), with exact totals and,
        if asked, the character spans of matched words (costly on large exports)."""
        with reading(self.index_dir):
            return self._search(text, mode, fuzzy, filters, sort, want, highlight)

    def _search(
        self,
        text: str,
        mode: str,
        fuzzy: bool,
        filters: Filters,
        sort: str,
        want: int | None,
        highlight: bool,
    ) -> RawResult:
        plan = self.plan(text, mode, fuzzy)
        allowed = self._allowed(plan, filters)
        terms = self._highlight_terms(plan.matches) if highlight and sort != "date" else set()

        def build(m: topn.Match, all_words: bool) -> RawHit:
            docnum = topn.docnum_of(m)
            stored = self._searcher.stored_fields(docnum)
            spans = _spans(stored.get("text", ""), terms)
            return RawHit(topn.score_of(m), stored, spans, docnum, all_words)

        if sort == "date":
            dated = topn.dated_matches(self._searcher, plan.matches, allowed)
            ranked, counts = [(m, False) for m in topn.top(dated, want, self._call_of)], []
            total = len(dated)
        else:
            ranked, counts = self._ranked(plan, allowed, want)
            total = sum(counts)
        if len(counts) > 1:  # the first tier is the all-words tier
            all_words = counts[0]
        elif plan.all_words is plan.matches:
            all_words = total
        else:
            all_words = len(topn.matching(self._searcher, plan.all_words, allowed))
        return RawResult(ranked, total, all_words, build)

    def _ranked(
        self, plan: _Plan, allowed: _Allowed | None, want: int | None
    ) -> tuple[list[tuple[topn.Match, bool]], list[int]]:
        """The first ``want`` documents, tier by tier: every tier is counted exactly
        (posting lists, no scoring); a tier is scored only when the page reaches into it.
        Returns ((document, all-words tier?) in order, matches per tier)."""
        tiered = len(plan.tiers) > 1
        ranked: list[tuple[topn.Match, bool]] = []
        counts: list[int] = []
        earlier: set[int] = set()
        for rank, tier in enumerate(plan.tiers):
            left = None if want is None else max(0, want - len(ranked))
            matched, scored = topn.tier_matches(self._searcher, tier, allowed, earlier, left)
            counts.append(len(matched))
            best = topn.top(scored, left, self._call_of) if left != 0 else []
            ranked.extend((m, tiered and rank == 0) for m in best)
            earlier |= matched
        return ranked, counts

    def _call_of(self, docnum: int) -> str:
        return self._call_ids[docnum]

    def count(self, text: str, mode: str, fuzzy: bool, filters: Filters) -> tuple[int, int]:
        """(matching sentences, matching calls), exact, without scoring."""
        with reading(self.index_dir):
            return self._count_calls(text, mode, fuzzy, filters)

    def _count_calls(self, text: str, mode: str, fuzzy: bool, filters: Filters) -> tuple[int, int]:
        plan = self.plan(text, mode, fuzzy)
        allowed = self._allowed(plan, filters)
        ids = topn.matching(self._searcher, plan.matches, allowed)
        return len(ids), len({self._call_of(d) for d in ids})

    def _highlight_terms(self, q: query.Query) -> set[str]:
        found = q.existing_terms(self._reader, phrases=True, expand=True)
        return {t.decode() if isinstance(t, bytes) else t for f, t in found if f == "text"}


def _column(reader, field: str):
    """A field's column values by document number. An index with no segment yet (a first
    sync that has not committed a page) has an empty reader without columns; nothing can
    match there, so an empty mapping serves."""
    if reader.doc_count_all() == 0:
        return {}
    return reader.column_reader(field, translate=True)


class _Ranges:
    """Sorted, disjoint ``[start, end)`` document ranges with a fast membership test."""

    def __init__(self, ranges: list[tuple[int, int]]) -> None:
        self.starts = [start for start, _end in ranges]
        self.ends = [end for _start, end in ranges]

    def __contains__(self, docnum: int) -> bool:
        i = bisect.bisect_right(self.starts, docnum) - 1
        return i >= 0 and docnum < self.ends[i]


class _Allowed(DocIdSet):
    """A filter Whoosh's collector can ask ``docnum in allowed`` without a set of every
    allowed document: call ranges, then column values (speaker, affiliation)."""

    def __init__(self, ranges: _Ranges | None, tests: list[tuple[object, set[str]]]) -> None:
        self.ranges = ranges
        self.tests = tests

    def __bool__(self) -> bool:
        return True

    def __contains__(self, docnum: int) -> bool:
        if self.ranges is not None and docnum not in self.ranges:
            return False
        return all(column[docnum] in values for column, values in self.tests)


def _fields_of(q: query.Query) -> set[str]:
    """Every field a query touches, prefixes and wildcards included (they have no terms)."""
    found = {q.fieldname} if getattr(q, "fieldname", None) else set()
    for child in q.children():
        found |= _fields_of(child)
    return found


def _split_call_terms(q: query.Query) -> tuple[query.Query, list[query.Query]]:
    """Move top-level ``title:``/``host:``/``account:`` terms out into call filters."""

    def is_call_term(node: query.Query) -> bool:
        fields_used = _fields_of(node)
        return bool(fields_used) and fields_used <= CALL_FIELDS

    children = q.subqueries if isinstance(q, query.And) else [q]
    call_terms = [c for c in children if is_call_term(c)]
    rest = [c for c in children if not is_call_term(c)]
    if any(_fields_of(c) & CALL_FIELDS for c in rest):
        raise QueryError("title:, host: and account: can only be combined with AND")
    if call_terms and not rest:
        raise QueryError("give at least one word to search for besides title:/host:/account:")
    if not call_terms:
        return q, []
    return (rest[0] if len(rest) == 1 else query.And(rest)), call_terms


def _any_of(q: query.Query) -> query.Query:
    """The OR form of plain words (after :func:`_and_not`): exclusions stay exclusions and
    ``field:value`` terms stay constraints; only the words themselves become optional."""
    if isinstance(q, query.AndNot):
        return query.AndNot(_any_of(q.a), q.b)
    if not isinstance(q, query.And):
        return q
    words = [c for c in q.subqueries if _fields_of(c) == {"text"}]
    required = [c for c in q.subqueries if c not in words]
    if not words:
        return q
    either = query.Or(words) if len(words) > 1 else words[0]
    return query.And([*required, either]) if required else either


OPERATORS = ("AND", "OR", "NOT", "ANDNOT", "ANDMAYBE")  # Whoosh's boolean words


def outside_quotes(text: str) -> str:
    """The query with its quoted phrases blanked out (their words are not syntax)."""
    return re.sub(r'"[^"]*"', " ", text)


def _has_operators(text: str) -> bool:
    """Explicit boolean syntax outside quotes: then ranking does not relax AND into OR."""
    return bool(re.search(rf"\b({'|'.join(OPERATORS)})\b|[()]", outside_quotes(text)))


MAX_EXPANSIONS = 1_000  # words one prefix or wildcard may stand for


def _bounded_expansion(node: query.Query, reader) -> None:
    """``a*`` on a large index stands for tens of thousands of words (22 s for 189k
    sentences): refuse patterns that expand past :data:`MAX_EXPANSIONS`, with advice."""
    found = sum(1 for _ in islice(node._btexts(reader), MAX_EXPANSIONS + 1))
    if found > MAX_EXPANSIONS:
        raise QueryError(
            f"{node.text!r} matches more than {MAX_EXPANSIONS:,} different words; "
            "give more letters before the * or ?"
        )


def _stemmed_prefixes(q: query.Query, reader) -> query.Query:
    """``integrat*`` must find "integration", indexed as its stem "integr": a prefix also
    matches indexed stems that are a slightly shorter prefix of it (at least 4 letters)."""

    def fold(node: query.Query) -> query.Query:
        if isinstance(node, query.Wildcard | query.Prefix) and node.fieldname == "text":
            _bounded_expansion(node, reader)
        if isinstance(node, query.Prefix) and node.fieldname == "text":
            prefix = "".join(t.text for t in WORDS(node.text)) or node.text
            stems = [
                query.Term("text", prefix[:k])
                for k in range(len(prefix) - 1, max(3, len(prefix) - 4), -1)
                if reader.doc_frequency("text", prefix[:k])
            ]
            return (
                query.Or([query.Prefix("text", prefix), *stems])
                if stems
                else query.Prefix("text", prefix)
            )
        return node.apply(fold)

    return fold(q)


def _and_not(q: query.Query) -> query.Query:
    """Rewrite ``And(a, Not(b))`` as ``AndNot(a, b)``: Whoosh matches the former badly."""
    q = q.apply(_and_not)
    if isinstance(q, query.And):
        negative = [c.query for c in q.subqueries if isinstance(c, query.Not)]
        positive = [c for c in q.subqueries if not isinstance(c, query.Not)]
        if negative and positive:
            kept = positive[0] if len(positive) == 1 else query.And(positive)
            excluded = negative[0] if len(negative) == 1 else query.Or(negative)
            return query.AndNot(kept, excluded)
    return q


def _fuzzy(q: query.Query) -> query.Query:
    """Make every plain text term typo-tolerant (one edit, first letter kept)."""

    def swap(node: query.Query) -> query.Query:
        if isinstance(node, query.Term) and node.fieldname == "text":
            return query.FuzzyTerm("text", node.text, maxdist=1 if len(node.text) < 6 else 2)
        return node.apply(swap)

    return swap(q)


def _spans(text: str, terms: set[str]) -> list[tuple[int, int]]:
    """Character spans of the words in ``text`` whose indexed form is a query term."""
    if not terms:
        return []
    tokens = SCHEMA["text"].analyzer(text, chars=True, mode="index")
    return [(t.startchar, t.endchar) for t in tokens if t.text in terms]
