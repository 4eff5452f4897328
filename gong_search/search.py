"""The query layer: validate the query, resolve fuzzy filters, rank, attach context.

This is the library API scripts and agents import::

    from gong_search import search
    result = search("index", "pricing objection", customer=True, limit=5)
    for hit in result.hits:
        print(hit.speaker_name, hit.at, hit.text, hit.call_url)

Query parsers forgive (``"unclosed`` silently becomes words), so the query is validated
here first, the same for every engine, and every problem is a :class:`QueryError` naming it.
"""

from __future__ import annotations

import time
from collections.abc import Callable, Iterable, Iterator
from contextlib import contextmanager
from dataclasses import dataclass, field
from datetime import datetime
from itertools import islice
from pathlib import Path
from typing import TypeVar

from .catalog import Catalog
from .dates import format_offset
from .engine import FacetCount, RawHit, Searcher, Sentence, open_engine
from .errors import IndexStoreError
from .filtering import filter_lines, resolve_filters
from .gong.records import Call
from .query_check import listing, validate_query, validate_request  # noqa: F401 (API)
from .query_language import outside_quotes
from .search_options import SearchOptions

SCHEMA_VERSION = 1
READ_ATTEMPTS = 3
T = TypeVar("T")


@dataclass(frozen=True)
class ContextSentence:
    speaker_name: str
    at: str
    start_ms: int
    text: str


@dataclass(frozen=True)
class Hit:
    call_id: str
    call_title: str
    call_url: str
    call_started: datetime
    speaker_name: str
    speaker_email: str
    affiliation: str
    start_ms: int
    end_ms: int
    at: str
    text: str
    score: float
    ordinal: int
    all_words: bool = False  # has every word (default mode ranks these first)
    kind: str = "transcript"  # or brief, key_point, highlight, outline, comment (--in)
    trackers: tuple[str, ...] = ()  # trackers that fired in this sentence
    heading: str = ""  # a highlight's title, an outline section
    highlights: list[tuple[int, int]] = field(default_factory=list)
    context_before: list[ContextSentence] = field(default_factory=list)
    context_after: list[ContextSentence] = field(default_factory=list)


@dataclass
class SearchResult:
    query: str
    hits: list[Hit]
    total: int
    total_all_words: int
    matched_speakers: list[str]
    offset: int
    limit: int
    total_exact: bool = True  # totals are always exact now; kept for scripts that read it
    reachable: int | None = None  # hits paging can reach when --per-call caps them
    facets: dict[str, list[FacetCount]] = field(default_factory=dict)  # --facet

    @property
    def pageable(self) -> int:
        """How many hits the pages hold in all: ``total``, or fewer under ``--per-call``."""
        return self.total if self.reachable is None else self.reachable

    @property
    def truncated(self) -> bool:
        return self.next_offset is not None

    @property
    def next_offset(self) -> int | None:
        end = self.offset + len(self.hits)
        more = end < self.pageable
        return end if self.limit and self.hits and more else None


@dataclass(frozen=True)
class Count:
    """``--count``'s answer, as a result the output layer can write in any format."""

    sentences: int
    calls: int
    facets: dict[str, list[FacetCount]] = field(default_factory=dict)

    def as_json(self) -> dict[str, object]:
        found: dict[str, object] = {
            "schema_version": SCHEMA_VERSION,
            "sentences": self.sentences,
            "calls": self.calls,
        }
        if self.facets:
            found["facets"] = facets_json(self.facets)
        return found

    def json_rows(self) -> list[dict[str, object]]:
        return [self.as_json()]


def facets_json(facets: dict[str, list[FacetCount]]) -> dict[str, list[dict[str, object]]]:
    """``facets`` as JSON: per facet, its values with sentence and call counts."""
    return {
        name: [{"value": c.value, "sentences": c.sentences, "calls": c.calls} for c in counts]
        for name, counts in facets.items()
    }


# -- the search ----------------------------------------------------------------------------


def search(
    index_dir: str | Path, query: str, options: SearchOptions | None = None, **kwargs: object
) -> SearchResult:
    """Ranked sentence hits for ``query``; keyword arguments are :class:`SearchOptions`
    fields, given instead of ``options`` (both at once would silently drop one of them)."""
    if options is not None and kwargs:
        raise TypeError("search() takes SearchOptions or keyword arguments, not both")
    options = options or SearchOptions(**kwargs)  # type: ignore[arg-type]
    validate_request(query, options)
    return _with_index(Path(index_dir), lambda c, e: search_open(c, e, query, options))


def search_open(
    catalog: Catalog, engine: Searcher, query: str, options: SearchOptions
) -> SearchResult:
    """:func:`search` on an already open catalog and searcher: what a long-lived process
    (an agent's server, the benchmarks) calls to reuse them and their filter cache."""
    result, hits = search_stream(catalog, engine, query, options)
    result.hits = list(hits)
    return result


def search_stream(
    catalog: Catalog, engine: Searcher, query: str, options: SearchOptions
) -> tuple[SearchResult, Iterator[Hit]]:
    """:func:`search_open` for exports: the totals at once (``hits`` left empty) and the
    hits as an iterator that builds each one as it is read, so writing 100,000 hits
    holds only the ranked document numbers in memory, not every hit."""
    validate_request(query, options)
    filters, matched = resolve_filters(options, catalog, engine)
    want = None if options.limit == 0 else options.offset + options.limit
    raw = engine.search(
        query,
        options.mode,
        options.fuzzy,
        filters,
        sort="date" if listing(query) else options.sort,
        want=None if options.per_call else want,
        highlight=options.highlight,
    )
    hits: Iterator[RawHit] = raw.iter_hits()
    reachable = None
    if options.per_call:  # the capped list's length is known only once capped
        capped = list(_cap_per_call(hits, options.per_call))
        hits, reachable = iter(capped), len(capped)
    page = islice(hits, options.offset, want)
    result = SearchResult(
        query, [], raw.total, raw.total_all_words, matched, options.offset, options.limit
    )
    result.reachable = reachable
    if options.facets:
        result.facets = engine.facets(query, options.mode, options.fuzzy, filters, options.facets)
    return result, _build_hits(page, catalog, engine, options)


def count(
    index_dir: str | Path, query: str, options: SearchOptions | None = None
) -> tuple[int, int]:
    """(matching sentences, matching calls), exact: ``--count``."""
    options = options or SearchOptions()
    validate_request(query, options)
    return _with_index(Path(index_dir), lambda c, e: count_open(c, e, query, options))


def count_with_facets(index_dir: str | Path, query: str, options: SearchOptions) -> Count:
    """``--count`` with ``--facet``: the totals and every facet's counts, from one read."""
    validate_request(query, options)

    def run(catalog: Catalog, engine: Searcher) -> Count:
        filters, _ = resolve_filters(options, catalog, engine)
        sentences, calls = engine.count(query, options.mode, options.fuzzy, filters)
        names = options.facets
        found = engine.facets(query, options.mode, options.fuzzy, filters, names) if names else {}
        return Count(sentences, calls, found)

    return _with_index(Path(index_dir), run)


def count_open(
    catalog: Catalog, engine: Searcher, query: str, options: SearchOptions
) -> tuple[int, int]:
    """:func:`count` on an already open catalog and searcher (see :func:`search_open`)."""
    validate_request(query, options)
    filters, _ = resolve_filters(options, catalog, engine)
    return engine.count(query, options.mode, options.fuzzy, filters)


def explain(index_dir: str | Path, query: str, options: SearchOptions | None = None) -> str:
    """The query as the engine runs it (``--show-query``): rank tiers, call filters and
    the resolved option filters, plus a note when lowercase ``and``/``or`` were searched as
    words."""
    options = options or SearchOptions()
    validate_request(query, options)

    def run(catalog: Catalog, engine: Searcher) -> str:
        filters, matched = resolve_filters(options, catalog, engine)
        planned = engine.explain(query, options.mode, options.fuzzy, filters)
        lines = [planned, *filter_lines(filters)]
        return "\n".join(lines + [f"speaker: {who}" for who in matched])

    shown = _with_index(Path(index_dir), run)
    lowercase = sorted({w for w in outside_quotes(query).split() if w in ("and", "or", "not")})
    if lowercase and options.mode != "literal":
        words = ", ".join(lowercase)
        shown += f"\nnote: {words} searched as words; operators are upper case (AND OR NOT)"
    return shown


def export(
    index_dir: str | Path,
    query: str,
    options: SearchOptions,
    write: Callable[[SearchResult, Iterator[Hit]], T],
) -> T:
    """:func:`search` for exports: ``write`` gets the totals and an iterator of hits built
    as it reads them (see :func:`search_stream`). Not retried like :func:`search` when a
    sync's merge races the read: part of the output may already be written."""
    validate_request(query, options)
    with _reading(Path(index_dir)) as (catalog, engine):
        return write(*search_stream(catalog, engine, query, options))


@contextmanager
def _reading(index_dir: Path) -> Iterator[tuple[Catalog, Searcher]]:
    """The catalog and a searcher of ``index_dir``, both closed afterwards."""
    with Catalog(index_dir, create=False) as catalog, open_engine(index_dir).searcher() as engine:
        yield catalog, engine


def _with_index(index_dir: Path, run: Callable[[Catalog, Searcher], T]) -> T:
    """Run a read against a fresh catalog + searcher, retrying if a sync changes it meanwhile.

    A search racing a sync's commit can find the data it opened gone
    (:class:`~gong_search.errors.IndexChangedError`); a fresh searcher sees the new commit.
    Persistent failures still surface.
    """
    for attempt in range(READ_ATTEMPTS):
        try:
            with _reading(index_dir) as (catalog, engine):
                return run(catalog, engine)
        except IndexStoreError:  # IndexChangedError included: a sync's merge raced us
            if attempt == READ_ATTEMPTS - 1:
                raise
            time.sleep(0.05 * (attempt + 1))
    raise AssertionError("unreachable")


def _cap_per_call(hits: Iterator[RawHit], per_call: int | None) -> Iterator[RawHit]:
    if not per_call:
        yield from hits
        return
    seen: dict[str, int] = {}
    for hit in hits:
        call_id = hit.sentence.call_id
        if seen.get(call_id, 0) < per_call:
            seen[call_id] = seen.get(call_id, 0) + 1
            yield hit


def _build_hits(
    raw: Iterable[RawHit], catalog: Catalog, engine: Searcher, options: SearchOptions
) -> Iterator[Hit]:
    """Hits with their call's display fields (catalog) and context (index neighbours)."""
    calls: dict[str, Call | None] = {}
    for r in raw:
        s = r.sentence
        if s.call_id not in calls:
            calls[s.call_id] = catalog.call(s.call_id)
        call = calls[s.call_id]
        before, after = ([], [])
        if options.before or options.after:
            before, after = engine.context(r.handle, options.before, options.after)
        yield Hit(
            call_id=s.call_id,
            call_title=call.title if call else "",
            call_url=call.url if call else "",
            call_started=(
                call.started if call else datetime.fromtimestamp(s.call_started)
            ).astimezone(),
            speaker_name=s.speaker_name,
            speaker_email=s.speaker_email,
            affiliation=s.affiliation,
            start_ms=s.start_ms,
            end_ms=s.end_ms,
            at=_at(s.start_ms),
            text=s.text,
            score=r.score,
            all_words=r.all_words,
            kind=s.kind,
            trackers=s.trackers,
            heading=s.heading,
            ordinal=s.ordinal,
            highlights=r.spans,
            context_before=[_context(x) for x in before],
            context_after=[_context(x) for x in after],
        )


def _context(s: Sentence) -> ContextSentence:
    return ContextSentence(s.speaker_name, _at(s.start_ms), s.start_ms, s.text)


def _at(start_ms: int | None) -> str:
    """m:ss into the call; "" for a note Gong gives no time for (a brief, a key point)."""
    return "" if start_ms is None else format_offset(start_ms)
