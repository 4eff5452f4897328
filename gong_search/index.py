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

import copy
import os
import shutil
from collections.abc import Iterable
from dataclasses import dataclass
from datetime import datetime
from pathlib import Path

from whoosh import fields, index, qparser, query, scoring, sorting
from whoosh.analysis import (
    CharsetFilter,
    IDAnalyzer,
    LowercaseFilter,
    RegexTokenizer,
    StemFilter,
)
from whoosh.codec import whoosh3
from whoosh.support.charset import accent_map

from .catalog import ensure_private_dir
from .errors import IndexStoreError
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
# compound segments are copied into memory on open: keep files separate (merges too)
WRITER_SETTINGS = {"limitmb": 256, "procs": 1, "compound": False}


def _schema() -> fields.Schema:
    """One document per sentence. Stems without a stop list: "not", "we", "can" matter."""
    words = RegexTokenizer() | LowercaseFilter() | CharsetFilter(accent_map)
    key = IDAnalyzer(lowercase=True)  # exact values, case-insensitive in queries
    return fields.Schema(
        text=fields.TEXT(analyzer=words | StemFilter(), phrase=True, stored=True),
        call_id=fields.ID(stored=True),
        ordinal=fields.NUMERIC(int, bits=32, stored=True, sortable=True, shift_step=0),
        speaker=fields.TEXT(analyzer=words, phrase=False),  # name + email words
        speaker_key=fields.ID(analyzer=key),  # normalised name: the fuzzy filter's target
        speaker_name=fields.STORED(),
        speaker_email=fields.ID(stored=True, analyzer=key),
        affiliation=fields.ID(stored=True, analyzer=key),  # internal | external | unknown
        # epoch seconds; coarse range tiers (4 terms a document instead of 16): date filters
        # are built once per search from posting lists, so a few more terms there is cheap
        started=fields.NUMERIC(int, bits=64, stored=True, sortable=True, shift_step=16),
        host=fields.ID(analyzer=key),  # normalised name of the call's primary user
        title=fields.TEXT(analyzer=words, phrase=False),
        account=fields.KEYWORD(commas=True, lowercase=True),  # external email domains
        topic=fields.ID(analyzer=key),
        start_ms=fields.NUMERIC(int, bits=64, stored=True, shift_step=0),
        end_ms=fields.NUMERIC(int, bits=64, stored=True, shift_step=0),
        marker_call=fields.ID(stored=True),
        marker_hash=fields.STORED(),
        is_marker=fields.ID(),  # one posting list of all markers, to mask them out cheaply
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
    tmp.write_text(generation.name)
    os.replace(tmp, Path(index_dir) / POINTER)
    for old in Path(index_dir).glob("whoosh-*"):
        if old != generation:
            shutil.rmtree(old, ignore_errors=True)


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
    call = joined.call
    shared = {
        "call_id": call.id,
        "started": int(call.started.timestamp()),
        "host": normalize_name(joined.host_name),
        "title": call.title,
        "account": ",".join(joined.domains),
    }
    for row in joined.rows:
        yield {
            **shared,
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


def _marker(call_id: str, content_hash: str) -> dict:
    return {"marker_call": call_id, "marker_hash": content_hash, "is_marker": "1"}


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
        writer = self._w()
        for doc in sentence_documents(joined):
            writer.add_document(**doc)
        writer.add_document(**_marker(joined.call.id, content_hash))
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
            for doc in sentence_documents(joined):
                writer.add_document(**doc)
            writer.add_document(**_marker(joined.call.id, content_hash))
            count += len(joined.rows)
        writer.commit()
    except BaseException:
        writer.cancel()
        ix.close()
        shutil.rmtree(generation, ignore_errors=True)
        raise
    ix.close()
    _switch_to(index_dir, generation)
    return count


# -- reading -----------------------------------------------------------------------------


def markers(index_dir: Path) -> dict[str, str]:
    """call id -> content hash the index reflects (what crash repair compares against)."""
    ix = open_index(index_dir)
    try:
        with ix.searcher() as searcher:
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
ALL_WORDS_BOOST = 1000.0  # lifts sentences with every word above any with only some
WEIGHTING = scoring.BM25F(B=0.6, K1=1.2)  # milder length penalty: documents are one sentence


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


@dataclass(frozen=True)
class RawHit:
    score: float
    fields: dict
    spans: list[tuple[int, int]]


@dataclass
class RawResult:
    hits: list[RawHit]
    total: int
    total_all_words: int


def analyze(text: str) -> list[str]:
    """The indexed terms of ``text`` (stemmed, accent-folded): empty means unsearchable."""
    return [t.text for t in SCHEMA["text"].analyzer(text)]


class SearchIndex:
    """A searcher kept open for many queries (a long-lived process reuses it)."""

    def __init__(self, index_dir: Path) -> None:
        self._ix = open_index(index_dir)
        self._searcher = self._ix.searcher(weighting=WEIGHTING)
        self._filter_cache: dict[Filters, set[int]] = {}
        reader = self._searcher.reader()
        self._markers = (
            set(reader.postings("is_marker", "1").all_ids())
            if reader.doc_frequency("is_marker", "1")
            else set()
        )
        aliases = {real: [alias] for alias, real in FIELD_ALIASES.items() if alias != real}
        self._parsers = {
            group: self._make_parser(group, aliases)
            for group in (qparser.AndGroup, qparser.OrGroup)
        }

    def _make_parser(self, group, aliases) -> qparser.QueryParser:
        parser = qparser.QueryParser("text", SCHEMA, group=group)
        parser.add_plugin(qparser.PlusMinusPlugin())
        parser.add_plugin(qparser.FieldAliasPlugin(aliases))
        parser.remove_plugin_class(qparser.BoostPlugin)
        return parser

    def close(self) -> None:
        self._searcher.close()
        self._ix.close()

    def __enter__(self) -> SearchIndex:
        return self

    def __exit__(self, *exc: object) -> None:
        self.close()

    # -- query building --

    def text_query(self, text: str, mode: str, fuzzy: bool) -> tuple[query.Query, query.Query]:
        """(ranking query, all-words query) for ``mode`` default|all|any|literal."""
        if mode == "literal":
            words = analyze(text)
            q = query.Term("text", words[0]) if len(words) == 1 else query.Phrase("text", words)
            return q, q
        q_all = self._parsers[qparser.AndGroup].parse(text)
        q_any = _any_of(q_all)
        if fuzzy:
            q_all, q_any = _fuzzy(q_all), _fuzzy(q_any)
        if mode == "all" or q_all == q_any:
            return q_all, q_all
        if mode == "any":
            return q_any, q_all
        boosted = copy.copy(q_all)
        boosted.boost = ALL_WORDS_BOOST
        return query.Or([boosted, q_any]), q_all

    def filter_set(self, filters: Filters) -> set[int] | None:
        """Document numbers passing ``filters``, built from posting lists and cached.

        Whoosh's ``filter=`` with a query rebuilds this set on every search; a set made
        once from posting lists is reused by every query on this searcher.
        """
        if filters == Filters():
            return None
        cached = self._filter_cache.get(filters)
        if cached is not None:
            return cached
        reader = self._searcher.reader()

        def any_of(field: str, values: Iterable[str]) -> set[int]:
            found: set[int] = set()
            for value in values:
                if reader.doc_frequency(field, value):
                    found.update(reader.postings(field, value).all_ids())
            return found

        parts: list[set[int]] = []
        for field, values in (
            ("call_id", filters.call_ids),
            ("speaker_key", filters.speaker_keys),
            ("host", filters.hosts),
            ("account", filters.accounts),
            ("affiliation", filters.affiliations),
        ):
            if values:
                parts.append(any_of(field, values))
        if filters.title:
            for word in (t.text for t in SCHEMA["title"].analyzer(filters.title)):
                parts.append(any_of("title", [word]))
        if filters.start or filters.end:
            low = int(filters.start.timestamp()) if filters.start else None
            high = int(filters.end.timestamp()) - 1 if filters.end else None
            parts.append(set(query.NumericRange("started", low, high).docs(self._searcher)))
        parts.sort(key=len)
        allowed = set(parts[0]) if parts else set()
        for part in parts[1:]:
            allowed &= part
        self._filter_cache[filters] = allowed
        return allowed

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
    ) -> RawResult:
        """The top ``want`` hits (None = all), with exact totals."""
        q, q_all = self.text_query(text, mode, fuzzy)
        allowed = self.filter_set(filters)
        searcher = self._searcher
        if sort == "date":
            facets = [sorting.FieldFacet("started", reverse=True), sorting.FieldFacet("ordinal")]
            results = searcher.search(
                q, limit=want, sortedby=facets, filter=allowed, mask=self._markers or None
            )
        else:
            limit = None if want is None else want + 20
            results = searcher.search(q, limit=limit, filter=allowed, mask=self._markers or None)
        terms = self._highlight_terms(q)
        hits = [
            RawHit(
                r.score if sort != "date" else 0.0,  # a date sort's "score" is its sort key
                dict(r.fields()),
                _spans(r.get("text", ""), terms),
            )
            for r in results
        ]
        if sort != "date":
            hits.sort(
                key=lambda h: (
                    -round(h.score, 6),
                    -h.fields["started"],
                    h.fields["call_id"],
                    h.fields["ordinal"],
                )
            )
            hits = hits if want is None else hits[:want]
        total = len(self._ids(q, allowed))
        return RawResult(
            hits=hits,
            total=total,
            total_all_words=len(self._ids(q_all, allowed)) if q_all is not q else total,
        )

    def count(self, text: str, mode: str, fuzzy: bool, filters: Filters) -> tuple[int, int]:
        """(matching sentences, matching calls) without scoring."""
        q, _ = self.text_query(text, mode, fuzzy)
        ids = self._ids(q, self.filter_set(filters))
        reader = self._searcher.reader()
        calls = {reader.stored_fields(d)["call_id"] for d in ids}
        return len(ids), len(calls)

    def vocabulary(self, field: str) -> list[str]:
        """Distinct indexed values of a keyword field (e.g. every account domain)."""
        terms = self._searcher.reader().lexicon(field)
        return [t.decode() if isinstance(t, bytes) else t for t in terms]

    def _ids(self, q: query.Query, allowed: set[int] | None) -> list[int]:
        """Every matching document number, unscored (cheap exact counts)."""
        ids = q.docs(self._searcher)
        if allowed is None:
            return [d for d in ids if d not in self._markers]
        return [d for d in ids if d in allowed]

    def _highlight_terms(self, q: query.Query) -> set[str]:
        found = q.existing_terms(self._searcher.reader(), phrases=True, expand=True)
        return {t.decode() if isinstance(t, bytes) else t for f, t in found if f == "text"}


def _any_of(q: query.Query) -> query.Query:
    """The OR form of an AND-grouped query, keeping exclusions as exclusions.

    (Whoosh's OrGroup would turn ``a NOT b`` into ``a OR (NOT b)``, which matches
    nearly everything.)
    """
    if isinstance(q, query.AndNot):
        return query.AndNot(_any_of(q.a), q.b)
    if not isinstance(q, query.And):
        return q
    negative = [c.query for c in q.subqueries if isinstance(c, query.Not)]
    rest = [c for c in q.subqueries if not isinstance(c, query.Not)]
    words = [c for c in rest if all(f == "text" for f, _t in c.iter_all_terms())]
    required = [c for c in rest if c not in words]  # field:value terms stay constraints
    if not words:
        return q
    either = query.Or(words) if len(words) > 1 else words[0]
    if required:
        either = query.And([*required, either])
    return query.AndNot(either, query.Or(negative)) if negative else either


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
