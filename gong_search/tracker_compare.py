"""``trackers compare``: where Gong's tracker occurrences and the local saved search agree.

Gong reports occurrences (a time and a speaker) only for calls since 2023-01-01 and only
where the call was asked for them; sync lands each on the sentence said then, so the index
knows, per sentence, the trackers Gong saw fire. The comparison runs over the calls that
have that record (within the saved search's own dates): per sentence and per call, both,
Gong only, local only.
"""

from __future__ import annotations

from dataclasses import dataclass, field, replace
from datetime import UTC, datetime
from pathlib import Path
from typing import Any

from .catalog import Catalog
from .engine import open_engine
from .saved import SCHEMA_VERSION, SavedSearch, load
from .search import Hit, search_open
from .search_options import SearchOptions

OCCURRENCES_SINCE = datetime(2023, 1, 1, tzinfo=UTC)  # Gong computes none before
FAR_FUTURE = datetime(9999, 1, 1, tzinfo=UTC)


@dataclass(frozen=True)
class Tally:
    both: int = 0
    gong_only: int = 0
    local_only: int = 0

    @property
    def agreement(self) -> float:
        """Shared over all (Jaccard); 1.0 when neither side found anything."""
        seen = self.both + self.gong_only + self.local_only
        return self.both / seen if seen else 1.0

    def as_json(self) -> dict[str, Any]:
        return {
            "both": self.both,
            "gong_only": self.gong_only,
            "local_only": self.local_only,
            "agreement": round(self.agreement, 4),
        }


@dataclass(frozen=True)
class CallDifference:
    """A call where the two disagree: the sentences only one of them found."""

    call_id: str
    title: str
    url: str
    gong_only: list[Hit] = field(default_factory=list)
    local_only: list[Hit] = field(default_factory=list)

    def as_json(self) -> dict[str, Any]:
        def said(hits: list[Hit]) -> list[dict[str, Any]]:
            return [{"at": h.at, "speaker_name": h.speaker_name, "text": h.text} for h in hits]

        return {
            "call_id": self.call_id,
            "call_title": self.title,
            "call_url": self.url,
            "gong_only": said(self.gong_only),
            "local_only": said(self.local_only),
        }


@dataclass(frozen=True)
class Comparison:
    name: str
    tracker: str
    calls_compared: int
    calls_without_occurrences: int  # fired per Gong's counts, but no occurrences to place
    sentences: Tally
    calls: Tally
    differences: list[CallDifference]

    def summary(self) -> str:
        s, c = self.sentences, self.calls
        return (
            f"{self.name} vs Gong's tracker {self.tracker!r} over {self.calls_compared} calls "
            f"with Gong's occurrences: sentences agree {s.agreement:.1%} ({s.both} both, "
            f"{s.gong_only} Gong only, {s.local_only} local only); calls agree "
            f"{c.agreement:.1%} ({c.both} both, {c.gong_only} Gong only, "
            f"{c.local_only} local only)"
        )

    def as_json(self) -> dict[str, Any]:
        return {
            "schema_version": SCHEMA_VERSION,
            "saved_search": self.name,
            "tracker": self.tracker,
            "calls_compared": self.calls_compared,
            "calls_without_occurrences": self.calls_without_occurrences,
            "sentences": self.sentences.as_json(),
            "calls": self.calls.as_json(),
            "differences": [d.as_json() for d in self.differences],
            "summary": self.summary(),
        }


def compare(index_dir: Path, name: str) -> Comparison:
    with Catalog(Path(index_dir), create=False) as catalog:
        saved = load(catalog, name)
        tracker = saved.tracker or saved.name
        window = saved.request()
        compared, unplaced = _calls_with_occurrences(catalog, tracker, window)
        with open_engine(Path(index_dir)).searcher() as engine:
            local = _hits(catalog, engine, saved.query, _all_of(window), compared)
            listed = SearchOptions(trackers=(tracker,), limit=0, highlight=False)
            gong = _hits(catalog, engine, "", listed, compared)
    return _tally(saved, tracker, len(compared), unplaced, gong, local)


def _calls_with_occurrences(
    catalog: Catalog, tracker: str, window: SearchOptions
) -> tuple[set[str], int]:
    """Calls whose record says where ``tracker`` fired, or that it did not: since Gong's
    cutoff, and without a count Gong left unplaced (asked without occurrences)."""
    start = max(OCCURRENCES_SINCE, window.start or OCCURRENCES_SINCE)
    compared, unplaced = set(), 0
    for call_id in catalog.call_ids_between(start, window.end or FAR_FUTURE):
        call = catalog.call(call_id)
        fired = [t for t in call.content.trackers if t.name == tracker] if call else []
        if any(t.count and not t.occurrences for t in fired):
            unplaced += 1
        elif call is not None:
            compared.add(call_id)
    return compared, unplaced


def _all_of(options: SearchOptions) -> SearchOptions:
    return replace(options, limit=0, offset=0, facets=(), per_call=None, highlight=False)


def _hits(
    catalog: Catalog, engine: Any, query: str, options: SearchOptions, calls: set[str]
) -> dict[tuple[str, int], Hit]:
    if not calls:
        return {}
    found = search_open(catalog, engine, query, options).hits
    return {
        (h.call_id, h.ordinal): h for h in found if h.call_id in calls and h.kind == "transcript"
    }


def _tally(
    saved: SavedSearch,
    tracker: str,
    compared: int,
    unplaced: int,
    gong: dict[tuple[str, int], Hit],
    local: dict[tuple[str, int], Hit],
) -> Comparison:
    both = gong.keys() & local.keys()
    gong_calls = {c for c, _ in gong}
    local_calls = {c for c, _ in local}
    differences: dict[str, CallDifference] = {}
    for key, hit in sorted({**local, **gong}.items()):
        if key in both:
            continue
        entry = differences.setdefault(
            hit.call_id, CallDifference(hit.call_id, hit.call_title, hit.call_url)
        )
        (entry.gong_only if key in gong else entry.local_only).append(hit)
    sentences = Tally(len(both), len(gong.keys() - both), len(local.keys() - both))
    shared = gong_calls & local_calls
    calls = Tally(len(shared), len(gong_calls - shared), len(local_calls - shared))
    return Comparison(
        saved.name, tracker, compared, unplaced, sentences, calls, list(differences.values())
    )
