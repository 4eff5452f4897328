"""The network half of a sync: listing pages, transcript batches, vanished-call checks.

This is what runs in the prefetch thread while the main thread commits the previous page,
so it only talks to :class:`GongClient` and parses: it never touches the catalog, the
index or the :class:`SyncReport`. What it learns comes back as plain outcomes, and the
harvester adds their :class:`Tally` to the report on the main thread.
"""

from __future__ import annotations

from collections.abc import Iterator
from dataclasses import dataclass
from datetime import datetime

from .errors import CursorExpiredError, GongAPIError, RateLimitedError
from .gong.client import MAX_IDS_PER_REQUEST, GongClient
from .gong.records import Call, Transcript
from .sync_report import Tally


@dataclass(frozen=True)
class FetchedTranscripts:
    """What Gong answered for some calls: their transcripts, the ids of batches it refused
    (kept, asked for again next run), and calls deleted since they were listed."""

    transcripts: dict[str, Transcript]
    failed: tuple[str, ...]  # in request order, as the report lists them
    vanished: set[str]

    def storable(self, calls: list[Call]) -> list[Call]:
        """The calls to store: neither refused nor gone."""
        return [c for c in calls if c.id not in self.vanished and c.id not in self.failed]

    def refused(self, calls: list[Call]) -> list[Call]:
        return [c for c in calls if c.id in self.failed]


@dataclass(frozen=True)
class FetchedPage:
    """One listing page, fetched: the kept calls' transcripts plus what the page told."""

    total: int  # Gong's total for the listing, as this page reported it
    latest_start: datetime | None  # of any call on the page (None: an empty page)
    wanted: list[Call]  # new on this page and not skipped as private
    fetched: FetchedTranscripts
    listed: int
    skipped_private: int

    @property
    def tally(self) -> Tally:
        return Tally(
            listed=self.listed,
            total_listed=self.total,
            skipped_private=self.skipped_private,
            failed=self.fetched.failed,
        )


class Fetcher:
    """Asks Gong for calls and transcripts; one per run, sharing the run's client."""

    def __init__(self, client: GongClient, include_private: bool) -> None:
        self.client = client
        self.include_private = include_private

    def wanted(self, call: Call) -> bool:
        return self.include_private or not call.is_private

    def pages(
        self, start: datetime, end: datetime, seen: dict[str, datetime]
    ) -> Iterator[FetchedPage]:
        """Listing pages with their transcripts. Calls already in ``seen`` (an earlier
        pass) are not fetched again; every listed call is added to it with its start."""
        for page in self.client.calls(start, end):
            unique = {c.id: c for c in page.items if c.id not in seen}
            wanted = [c for c in unique.values() if self.wanted(c)]
            seen.update((c.id, c.started) for c in page.items)
            yield FetchedPage(
                total=page.total,
                latest_start=max((c.started for c in page.items), default=None),
                wanted=wanted,
                fetched=self.transcripts([c.id for c in wanted]),
                listed=len(unique),
                skipped_private=len(unique) - len(wanted),
            )

    def transcripts(self, call_ids: list[str]) -> FetchedTranscripts:
        """Transcripts for ``call_ids``, then a check of the calls Gong sent none for."""
        found, failed = self._batches(call_ids)
        vanished = self._vanished([cid for cid in call_ids if cid not in failed], found)
        return FetchedTranscripts(found, tuple(failed), vanished)

    def _batches(self, call_ids: list[str]) -> tuple[dict[str, Transcript], list[str]]:
        """Transcripts in batches of 100; a batch Gong refuses fails alone."""
        found: dict[str, Transcript] = {}
        failed: list[str] = []
        for i in range(0, len(call_ids), MAX_IDS_PER_REQUEST):
            batch = call_ids[i : i + MAX_IDS_PER_REQUEST]
            try:
                for page in self.client.transcripts(call_ids=batch):
                    found.update((t.call_id, t) for t in page.items if t.call_id in batch)
            except (RateLimitedError, CursorExpiredError):
                raise
            except GongAPIError as exc:
                if exc.status is None or exc.status in (401, 403):
                    raise
                failed.extend(batch)
        return found, failed

    def _vanished(self, call_ids: list[str], transcripts: dict[str, Transcript]) -> set[str]:
        """Calls Gong sent no transcript entry for and no longer lists: deleted meanwhile.

        Gong answers a transcript request with an entry (maybe empty) for every call that
        exists, so an absent entry is checked with one listing request by id. A call that
        is really gone is not stored (and removed if an earlier run stored it); a call that
        still exists is stored as usual, with its transcript pending.
        """
        missing = [cid for cid in call_ids if cid not in transcripts]
        if not missing:
            return set()
        still_listed: set[str] = set()
        for i in range(0, len(missing), MAX_IDS_PER_REQUEST):
            for page in self.client.calls(call_ids=missing[i : i + MAX_IDS_PER_REQUEST]):
                still_listed.update(c.id for c in page.items)
        return set(missing) - still_listed
