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

import re
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
from .engine import Filters, RawHit, Searcher, Sentence, open_engine
from .errors import IndexStoreError, QueryError
from .gong.records import Call
from .names import resolve_fuzzy, resolve_speakers
from .query_language import FIELDS, OPERATORS, has_words, outside_quotes
from .search_options import SearchOptions, within_bounds

SCHEMA_VERSION = 1
READ_ATTEMPTS = 3
T = TypeVar("T")
MAX_DEPTH = 16  # parentheses
_FIELD = re.compile(r"(?<![\w\"])([A-Za-z_]+):(?=\S)")


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

    def as_json(self) -> dict[str, int]:
        return {"schema_version": SCHEMA_VERSION, "sentences": self.sentences, "calls": self.calls}

    def json_rows(self) -> list[dict[str, int]]:
        return [self.as_json()]


# -- validation ----------------------------------------------------------------------------


def validate_query(text: str, mode: str = "default") -> None:
    """Reject what an engine would silently misread, with a message naming the problem
    (``mode`` is one :class:`SearchOptions` has already checked)."""
    if not text.strip():
        raise QueryError("empty query: give at least one word to search for")
    if re.search(r"[\ud800-\udfff\x00]", text):
        raise QueryError("the query contains characters that are not text (invalid Unicode)")
    within_bounds("the query", text)
    if mode == "literal":
        if not has_words(text):
            raise QueryError(f"query {text!r} has no searchable word")
        return
    if text.count('"') % 2:
        raise QueryError(f"unbalanced quote in query {text!r}")
    outside = outside_quotes(text)
    depth = 0
    for char in outside:
        depth += {"(": 1, ")": -1}.get(char, 0)
        if depth < 0:
            raise QueryError(f"unbalanced parenthesis in query {text!r}: ')' without '('")
    if depth:
        raise QueryError(f"unbalanced parenthesis in query {text!r}: '(' without ')'")
    deepest = max(_depths(outside), default=0)
    if deepest > MAX_DEPTH:
        raise QueryError(f"the query nests parentheses {deepest} deep; at most {MAX_DEPTH}")
    for name in _FIELD.findall(outside):
        if name.lower() not in FIELDS:
            known = ", ".join(sorted(FIELDS))
            raise QueryError(f"unknown field {name!r} in query (known fields: {known})")
    if not _positive_words(text):
        raise QueryError(f"query {text!r} has no searchable word (only operators or exclusions)")


def _depths(text: str) -> Iterator[int]:
    depth = 0
    for char in text:
        depth += {"(": 1, ")": -1}.get(char, 0)
        yield depth


def _positive_words(text: str) -> list[str]:
    """Tokens that could match a sentence: not operators, not excluded by ``-`` or NOT."""
    words = []
    negate = False
    for token in re.findall(r'-?"[^"]*"|\S+', text):
        bare = token.strip("()")
        if bare in OPERATORS:
            negate = bare == "NOT"
            continue
        value = bare.split(":", 1)[1] if _FIELD.match(bare) else bare
        if not negate and not bare.startswith("-") and has_words(value.replace("*", "")):
            words.append(bare)
        negate = False
    return words


# -- the search ----------------------------------------------------------------------------


def search(
    index_dir: str | Path, query: str, options: SearchOptions | None = None, **kwargs: object
) -> SearchResult:
    """Ranked sentence hits for ``query``; keyword arguments are :class:`SearchOptions`
    fields, given instead of ``options`` (both at once would silently drop one of them)."""
    if options is not None and kwargs:
        raise TypeError("search() takes SearchOptions or keyword arguments, not both")
    options = options or SearchOptions(**kwargs)  # type: ignore[arg-type]
    validate_query(query, options.mode)
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
    validate_query(query, options.mode)
    filters, matched = resolve_filters(options, catalog, engine)
    want = None if options.limit == 0 else options.offset + options.limit
    raw = engine.search(
        query,
        options.mode,
        options.fuzzy,
        filters,
        sort=options.sort,
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
    return result, _build_hits(page, catalog, engine, options)


def count(
    index_dir: str | Path, query: str, options: SearchOptions | None = None
) -> tuple[int, int]:
    """(matching sentences, matching calls), exact: ``--count``."""
    options = options or SearchOptions()
    validate_query(query, options.mode)
    return _with_index(Path(index_dir), lambda c, e: count_open(c, e, query, options))


def count_open(
    catalog: Catalog, engine: Searcher, query: str, options: SearchOptions
) -> tuple[int, int]:
    """:func:`count` on an already open catalog and searcher (see :func:`search_open`)."""
    validate_query(query, options.mode)
    filters, _ = resolve_filters(options, catalog, engine)
    return engine.count(query, options.mode, options.fuzzy, filters)


def explain(index_dir: str | Path, query: str, options: SearchOptions | None = None) -> str:
    """The query as the engine runs it (``--show-query``): rank tiers, call filters and
    the resolved option filters, plus a note when lowercase ``and``/``or`` were searched as
    words."""
    options = options or SearchOptions()
    validate_query(query, options.mode)

    def run(catalog: Catalog, engine: Searcher) -> str:
        filters, matched = resolve_filters(options, catalog, engine)
        lines = [engine.explain(query, options.mode, options.fuzzy), *_filter_lines(filters)]
        return "\n".join(lines + [f"speaker: {who}" for who in matched])

    shown = _with_index(Path(index_dir), run)
    lowercase = sorted({w for w in outside_quotes(query).split() if w in ("and", "or", "not")})
    if lowercase and options.mode != "literal":
        words = ", ".join(lowercase)
        shown += f"\nnote: {words} searched as words; operators are upper case (AND OR NOT)"
    return shown


def _filter_lines(filters: Filters) -> list[str]:
    """The filters besides the query text, one line each (speakers are listed by name)."""
    shown = {
        "affiliation": ", ".join(filters.affiliations),
        "from": filters.start.isoformat() if filters.start else "",
        "to (before)": filters.end.isoformat() if filters.end else "",
        "call": ", ".join(filters.call_ids),
        "title words": filters.title or "",
        "host": ", ".join(filters.hosts),
        "account": ", ".join(filters.accounts),
    }
    return [f"filter {name}: {value}" for name, value in shown.items() if value]


def export(
    index_dir: str | Path,
    query: str,
    options: SearchOptions,
    write: Callable[[SearchResult, Iterator[Hit]], T],
) -> T:
    """:func:`search` for exports: ``write`` gets the totals and an iterator of hits built
    as it reads them (see :func:`search_stream`). Not retried like :func:`search` when a
    sync's merge races the read: part of the output may already be written."""
    validate_query(query, options.mode)
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


def resolve_filters(
    options: SearchOptions, catalog: Catalog, engine: Searcher
) -> tuple[Filters, list[str]]:
    """The engine's filters for ``options``: fuzzy names resolved against the index."""
    speaker_keys, matched = resolve_speakers(options.speakers, catalog)
    # the vocabularies are read only when asked for: ~15 ms each at 1M sentences
    hosts = resolve_fuzzy("host", options.hosts, engine.vocabulary("host")) if options.hosts else []
    accounts = (
        resolve_fuzzy("account", options.accounts, engine.vocabulary("account"))
        if options.accounts
        else []
    )
    filters = Filters(
        speaker_keys=tuple(speaker_keys),
        affiliations=options.affiliation_filter(),
        start=options.start,
        end=options.end,
        call_ids=options.call_ids,
        title=options.title,
        hosts=tuple(hosts),
        accounts=tuple(accounts),
    )
    return filters, matched


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
            at=format_offset(s.start_ms),
            text=s.text,
            score=r.score,
            all_words=r.all_words,
            ordinal=s.ordinal,
            highlights=r.spans,
            context_before=[_context(x) for x in before],
            context_after=[_context(x) for x in after],
        )


def _context(s: Sentence) -> ContextSentence:
    return ContextSentence(s.speaker_name, format_offset(s.start_ms), s.start_ms, s.text)
