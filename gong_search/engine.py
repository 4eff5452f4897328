"""The engine seam: what search, show, status and harvest need from a full-text index.

The catalog (SQLite) is the truth; an engine holds documents derived from it, one per
sentence, and for each call the catalog version it reflects (so a crash between the two
is repaired by the next sync). Whoosh on one machine implements it today
(:mod:`gong_search.engines.whoosh`); nothing outside an engine package names an engine's
own concepts: hits carry an opaque ``handle``, failures are :mod:`gong_search.errors`.
"""

from __future__ import annotations

from collections.abc import Callable, Iterable, Iterator
from dataclasses import dataclass, field
from datetime import datetime
from functools import cached_property
from pathlib import Path
from typing import Protocol

from . import engine_choice
from .engine_choice import EngineChoice
from .sentences import CallSentences

WITHIN = ("transcript", "summary", "comments", "all")  # what a search reads (--in)
# Facets counted per call (from the call's facts) and per sentence (from the sentence)
CALL_FACETS = (
    "account",
    "deal",
    "stage",
    "stage_now",
    "outcome",
    "host",
    "month",
    "workspace",
    "language",
    "scope",
    "direction",
    "system",
)
SENTENCE_FACETS = ("speaker", "affiliation", "tracker", "kind")
FACETS = CALL_FACETS + SENTENCE_FACETS


@dataclass(frozen=True)
class Filters:
    """Resolved filters (fuzzy names already turned into exact keys). Every tuple is
    "any of these"; different filters all apply."""

    speaker_keys: tuple[str, ...] = ()
    affiliations: tuple[str, ...] = ()  # internal, external, unknown
    start: datetime | None = None
    end: datetime | None = None
    call_ids: tuple[str, ...] = ()
    title: str | None = None
    hosts: tuple[str, ...] = ()
    accounts: tuple[str, ...] = ()
    deals: tuple[str, ...] = ()
    stages: tuple[str, ...] = ()  # at the time of the call
    stages_now: tuple[str, ...] = ()
    participants: tuple[str, ...] = ()
    trackers: tuple[str, ...] = ()  # the tracker fired in the sentence itself
    scopes: tuple[str, ...] = ()
    directions: tuple[str, ...] = ()
    languages: tuple[str, ...] = ()
    workspaces: tuple[str, ...] = ()
    outcomes: tuple[str, ...] = ()
    min_duration: int | None = None  # seconds
    max_duration: int | None = None
    within: str = "transcript"  # one of WITHIN
    # sentence rules of Gong's keyword trackers (each checked on the matching sentence)
    questions: bool = False  # the sentence is a question
    said_first_ms: int | None = None  # the sentence starts this early in the call
    exact_words: tuple[str, ...] = ()  # has one as written: whole words, any case, no stems

    @property
    def per_call(self) -> bool:
        """Whether any filter is about the call rather than the sentence."""
        return any(getattr(self, name) for name in CALL_FILTERS) or self.duration_bounded

    @property
    def duration_bounded(self) -> bool:
        return self.min_duration is not None or self.max_duration is not None


CALL_FILTERS = (
    "start",
    "end",
    "call_ids",
    "title",
    "hosts",
    "accounts",
    "deals",
    "stages",
    "stages_now",
    "participants",
    "scopes",
    "directions",
    "languages",
    "workspaces",
    "outcomes",
)


@dataclass(frozen=True)
class Sentence:
    """One indexed sentence (or note: see ``kind``) as an engine gives it back."""

    call_id: str
    ordinal: int
    call_started: int  # epoch seconds (the catalog has the call's full record)
    speaker_name: str
    speaker_email: str
    affiliation: str  # Internal, External or Unknown ("" for Gong's summaries)
    start_ms: int | None  # None: a note Gong gives no time for
    end_ms: int | None
    text: str
    kind: str = "transcript"  # or brief, key_point, highlight, outline, comment
    trackers: tuple[str, ...] = ()
    heading: str = ""  # a highlight's title, an outline section


@dataclass(frozen=True)
class FacetCount:
    """One value of a facet: matching sentences with it, and the calls they are in."""

    value: str
    sentences: int
    calls: int


@dataclass(frozen=True)
class RawHit:
    """A ranked sentence; ``handle`` is opaque, for :meth:`Searcher.context` only."""

    handle: object
    sentence: Sentence
    score: float  # BM25F, 4 decimals; 0 when sorted by date
    all_words: bool = False  # has every word of the query (what total_all_words counts)
    spans: list[tuple[int, int]] = field(default_factory=list)  # matched words in the text


@dataclass
class RawResult:
    """Exact totals at once; hits built from the ranked documents only when read, so an
    export of every match can stream them instead of holding them all."""

    ranked: list[object]
    total: int
    total_all_words: int
    build: Callable[[object], RawHit]

    def iter_hits(self) -> Iterator[RawHit]:
        return (self.build(r) for r in self.ranked)

    @cached_property
    def hits(self) -> list[RawHit]:
        return list(self.iter_hits())


@dataclass(frozen=True)
class IndexStats:
    sentences: int
    calls: int
    bytes: int


class Searcher(Protocol):
    """A reader kept open for many queries (a long-lived process reuses it)."""

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
        """The first ``want`` hits (None: all) in the documented order, exact totals."""

    def count(self, text: str, mode: str, fuzzy: bool, filters: Filters) -> tuple[int, int]:
        """(matching sentences, matching calls), exactly."""

    def facets(
        self, text: str, mode: str, fuzzy: bool, filters: Filters, names: tuple[str, ...]
    ) -> dict[str, list[FacetCount]]:
        """Exact counts per value of each facet in ``names`` (of :data:`FACETS`) over
        every match, most sentences first. An empty ``text`` with a tracker filter
        means the sentences where the tracker fired."""

    def context(self, handle: object, before: int, after: int) -> tuple[list, list]:
        """The sentences just before and after a hit in its call, in order."""

    def vocabulary(self, field: str) -> list[str]:
        """Indexed values of a call field (host, account, deal, stage, tracker,
        participant, outcome, ...) for fuzzy matching and suggestions."""

    def explain(self, text: str, mode: str, fuzzy: bool) -> str:
        """The parsed query, as the engine runs it (``--show-query``)."""

    def close(self) -> None: ...

    def __enter__(self) -> Searcher: ...

    def __exit__(self, *exc: object) -> None: ...


class Writer(Protocol):
    """Replaces and deletes calls' documents; nothing is visible before ``commit``."""

    sentences_added: int

    def replace(self, joined: CallSentences, version: str) -> None: ...

    def delete(self, call_id: str) -> None: ...

    def flush(self) -> None:
        """Do the slow part of ``commit`` (nothing visible yet), so that ``commit``, run
        with signals held, is quick; may be interrupted (then ``cancel``)."""

    def commit(self) -> None: ...

    def cancel(self) -> None: ...

    def close(self) -> None: ...

    def __enter__(self) -> Writer: ...

    def __exit__(self, exc_type: object, *rest: object) -> None: ...


class Engine(Protocol):
    """One index (a directory for Whoosh) and what can be done with it."""

    def searcher(self) -> Searcher: ...

    def writer(self) -> Writer: ...

    def versions(self) -> dict[str, str]:
        """call id -> the catalog version (content hash) the index reflects."""

    def stats(self) -> IndexStats: ...

    def rebuild(self, calls: Iterable[tuple[CallSentences, str]]) -> int:
        """A new index from ``calls`` (joined call, version), switched to only when
        complete; returns sentences indexed."""

    def prepare(self) -> None:
        """Create an empty index if there is none; remove abandoned partial rebuilds."""

    def tidy(self) -> None:
        """Upkeep between page commits (merging segments), with signals not held: a stop
        or crash in the middle loses only the upkeep, never a document."""


def open_engine(index_dir: Path, choice: EngineChoice | None = None) -> Engine:
    """The engine for an index directory: Whoosh (in it) unless ``choice`` (default: the
    ``--engine`` flag's or the environment's, see :mod:`.engine_choice`) says OpenSearch."""
    choice = choice or engine_choice.current()
    if choice.name == "opensearch":
        from .engines.opensearch import OpenSearchEngine

        return OpenSearchEngine(Path(index_dir), choice)
    from .engines.whoosh import WhooshEngine

    return WhooshEngine(Path(index_dir))
