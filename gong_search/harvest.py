"""The harvester: Gong pages -> catalog -> index, crash-safe and incremental.

Per page of listed calls: fetch their transcripts (one batched request per 100 calls),
commit the page to the catalog, then replace the changed calls in the index and commit it.
The index tags each call with the catalog content hash it reflects, so whatever a crash
interrupts, :func:`repair` at the start of the next run makes the two agree again.

Reliability rules kept here (see docs/reliability.md):

* the watermark moves after every committed page, so a run stopped by the daily quota or a
  signal resumes where it stopped instead of re-spending requests; calls whose transcript
  batch failed are remembered in the catalog and asked for again on every run;
* SIGINT/SIGTERM arriving while a page is being committed are held until both the catalog
  and the index have it (:class:`DeferSignals`), so a stop leaves them in agreement;
* disk-full and other storage failures become one-line typed errors (:func:`storage_errors`);
* a call listed but gone by the time its transcript is asked for is checked and dropped;
* ``--full`` removes only on a listing it can trust (:mod:`removal`);
* an index that cannot be read at all is rebuilt from the catalog before syncing.
"""

from __future__ import annotations

import time
from collections.abc import Iterator
from dataclasses import dataclass
from datetime import datetime, timedelta
from pathlib import Path

from .catalog import CATALOG_NAME, Catalog, StoredCall, owner_only_files
from .commit_safety import DeferSignals, crash_point, storage_errors
from .engine import open_engine
from .errors import CursorExpiredError, GongAPIError, RateLimitedError, RemovalRefusedError
from .gong.client import MAX_IDS_PER_REQUEST, GongClient, Page
from .gong.records import Call, Transcript
from .lock import SyncLock
from .pipeline import prefetch
from .removal import RemovalPlan, plan_removal
from .repair import readable_versions, rebuild_from_catalog, repair
from .sync_report import Progress, SyncOptions, SyncReport
from .window import WATERMARK, advance_watermark, clamped_start, resolve_window

LAST_SYNC = "last_sync"
MAX_CURSOR_RESTARTS = 5
# Hours between re-checks of a call stored without a transcript (past --pending-days):
# the first on the next run, then these; about 4 weeks in all, then it is given up.
RECHECK_HOURS = (1.0, 4.0, 12.0, 24.0, 48.0, 96.0, 168.0, 336.0)

__all__ = ["SyncOptions", "SyncReport", "sync", "reindex"]


@dataclass(frozen=True)
class _FetchedPage:
    """One listing page, fetched: calls to store, their transcripts, calls gone since, and
    calls whose transcript batch Gong refused (remembered, asked for again next run)."""

    calls: list[Call]
    transcripts: dict[str, Transcript]
    gone: set[str]
    failed: list[Call]


class Harvester:
    def __init__(
        self,
        index_dir: Path,
        client: GongClient,
        options: SyncOptions,
        progress: Progress | None = None,
    ) -> None:
        self.index_dir = Path(index_dir)
        self.client = client
        self.options = options
        self.progress = progress or (lambda report: None)
        self.report = SyncReport()
        self.engine = open_engine(self.index_dir)
        exists = (self.index_dir / CATALOG_NAME).exists()
        # A dry run writes nothing, not even an empty catalog.
        with storage_errors(self.index_dir):
            self.catalog = Catalog(None if options.dry_run and not exists else self.index_dir)
        self.now = datetime.now().astimezone()
        self.window_end = self.now
        self.indexed: dict[str, str] = {}
        self.synced_starts: list[datetime] = []
        self.vanished: set[str] = set()  # listed, then gone before their transcript came
        self.failed_now: set[str] = set()  # transcript batch refused during this run
        self.shortfall = ""  # how the last listing pass fell short of Gong's total
        self.listed_any = False  # did this run's listing show any call at all?

    def run(self) -> SyncReport:
        started = time.monotonic()
        try:
            if self.options.dry_run:
                self._sync()
                return self.report
            with storage_errors(self.index_dir), SyncLock(self.index_dir) as lock:
                self.report.stale_lock_pid = lock.stale_pid
                self._repair()
                self._sync()
                self.report.without_transcript = self.catalog.counts()["without_transcript"]
        finally:
            self.report.requests = self.client.request_count
            self.report.seconds = time.monotonic() - started
            self.catalog.close()
        if self.report.removal_refused:
            raise RemovalRefusedError(self.report.removal_refused)
        return self.report

    def _repair(self) -> None:
        """Bring the index back in line with the catalog, counting the work in the report."""
        if readable_versions(self.engine) is None:
            self.report.repaired_sentences = rebuild_from_catalog(self.catalog, self.engine)
            self.report.rebuilt_index = True
        calls, sentences = repair(self.catalog, self.engine)
        self.report.repaired = calls
        self.report.repaired_sentences += sentences
        self.indexed = self.engine.versions()

    def _report_progress(self) -> None:
        self.report.requests = self.client.request_count
        self.progress(self.report)

    def _sync(self) -> None:
        start, end, note = resolve_window(self.catalog, self.options, self.now)
        self.report.start, self.report.end, self.report.window_note = start, end, note
        self.window_end = min(end, self.now)
        self._report_progress()  # lets the user see the window before any request
        if self.options.dry_run:
            self._dry_run(start, end)
            return
        self.catalog.store_users(u for page in self.client.users() for u in page.items)
        listed = self._list_window(start, end)
        self._retry_unfinished(exclude=listed | self.failed_now)
        if self.options.full:
            self._remove_missing(self._plan_removal(start, end, listed))
        self._advance_watermark()
        self.catalog.set_state(LAST_SYNC, datetime.now().astimezone().isoformat())  # when it ended

    def _advance_watermark(self) -> None:
        """Record progress after each page: a stopped run resumes here, not from scratch."""
        watermark = advance_watermark(self.catalog.get_state(WATERMARK), self.synced_starts)
        if watermark:
            self.catalog.set_state(WATERMARK, watermark)

    def _dry_run(self, start: datetime, end: datetime) -> None:
        """The first page tells the total, which is all a dry run spends; with ``--full``
        the whole listing (no transcripts) shows what would be removed."""
        listed: set[str] = set()
        for page in self.client.calls(start, end):
            self.report.total_listed = page.total
            self.report.listed += len(page.items)
            listed.update(c.id for c in page.items if self._wanted(c))
            self._report_progress()
            if not self.options.full:
                return
        if self.report.listed < self.report.total_listed:
            self.shortfall = self._short(self.report.listed, self.report.total_listed)
        plan = self._plan_removal(start, end, listed)
        self.report.would_remove, self.report.removal_refused = plan.call_ids, plan.refusal

    def _wanted(self, call: Call) -> bool:
        return self.options.include_private or not call.is_private

    def _list_window(self, start: datetime, end: datetime) -> set[str]:
        """List the window page by page; returns the ids of the calls kept.

        Two things can make a pass miss calls, and both restart from a start time (content
        hashes make the repeats free of transcript requests): an expired cursor (restart
        after the last page read), and calls deleted or added while we list, which shift
        Gong's offset-based pages (detected when the calls seen fall short of the total Gong
        reports, or when that total changes between pages; one more pass over the window).
        """
        seen: dict[str, datetime] = {}  # every listed call, private ones too -> its start
        kept: set[str] = set()
        resume_from, relisted = start, False
        for _attempt in range(MAX_CURSOR_RESTARTS + 2):
            pass_start, totals = resume_from, []
            try:
                # the next page is fetched while this one is committed and indexed
                for page, fetched in prefetch(self._fetch_pages(resume_from, end, seen)):
                    self.report.total_listed = max(self.report.total_listed, page.total)
                    kept |= self._commit_page(fetched)
                    totals.append(page.total)
                    if page.items:
                        resume_from = max(c.started for c in page.items)
                        self.listed_any = True
            except CursorExpiredError:
                continue
            self.shortfall = self._pass_shortfall(seen, pass_start, totals)
            if relisted or not self.shortfall:
                return kept - self.vanished
            resume_from, relisted = start, True
        raise GongAPIError(
            "the call listing cursor kept expiring; try a smaller --from/--to window"
        )

    def _pass_shortfall(self, seen: dict[str, datetime], since: datetime, totals: list[int]) -> str:
        """ "" when one pass from ``since`` saw every call Gong says there are, and the total
        held still while paging; else what went wrong, for the removal guard's message."""
        if not totals:  # Gong's 404 "No calls found": nothing to compare with
            return ""
        existing = sum(1 for cid, s in seen.items() if s >= since and cid not in self.vanished)
        if existing < totals[-1]:
            return self._short(existing, totals[-1])
        if len(set(totals)) > 1:
            return f"Gong's call total changed while listing ({totals[0]} -> {totals[-1]})"
        return ""

    @staticmethod
    def _short(got: int, total: int) -> str:
        return f"the listing returned {got} of the {total} calls Gong reports"

    def _fetch_pages(
        self, start: datetime, end: datetime, seen: dict[str, datetime]
    ) -> Iterator[tuple[Page[Call], _FetchedPage]]:
        """Listing pages with their transcripts: network and parsing only (runs in a thread)."""
        for page in self.client.calls(start, end):
            fetched = self._fetch_page([c for c in page.items if c.id not in seen])
            seen.update((c.id, c.started) for c in page.items)
            yield page, fetched

    def _fetch_page(self, calls: list[Call]) -> _FetchedPage:
        unique = {c.id: c for c in calls}
        wanted = [c for c in unique.values() if self._wanted(c)]
        self.report.skipped_private += len(unique) - len(wanted)
        self.report.listed += len(unique)
        transcripts, failed = self._fetch_transcripts([c.id for c in wanted])
        gone = self._vanished([c.id for c in wanted if c.id not in failed], transcripts)
        return _FetchedPage(
            [c for c in wanted if c.id not in failed | gone],
            transcripts,
            gone,
            [c for c in wanted if c.id in failed],
        )

    def _commit_page(self, fetched: _FetchedPage) -> set[str]:
        """Store and index one fetched page (main thread: it owns catalog and index)."""
        self._forget_vanished(fetched.gone)
        if fetched.failed:
            self.catalog.remember_failed(fetched.failed)
            self.failed_now.update(c.id for c in fetched.failed)
        self._store_and_index(fetched.calls, fetched.transcripts)
        return {c.id for c in fetched.calls}

    def _fetch_transcripts(self, call_ids: list[str]) -> tuple[dict[str, Transcript], set[str]]:
        """Transcripts for ``call_ids`` in batches of 100; a batch Gong refuses fails alone."""
        found: dict[str, Transcript] = {}
        failed: set[str] = set()
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
                failed.update(batch)
                self.report.failed.extend(batch)
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

    def _forget_vanished(self, gone: set[str]) -> None:
        if not gone:
            return
        self.vanished |= gone
        self.report.vanished = len(self.vanished)
        self.catalog.forget_failed(gone)
        self._delete([cid for cid in gone if self.catalog.call(cid) is not None])

    def _store_and_index(self, calls: list[Call], transcripts: dict[str, Transcript]) -> None:
        if not calls:
            self._report_progress()
            return
        stored = []
        states = self.catalog.transcript_states(c.id for c in calls)
        for call in calls:
            transcript = transcripts.get(call.id)
            if not (transcript and transcript.sentence_count) and states.get(call.id) == "ready":
                transcript = self.catalog.transcript(call.id)  # never degrade a ready call
            stored.append(self._stored(call, transcript))
        with DeferSignals():
            self.catalog.store_calls(stored)
            self.synced_starts.append(clamped_start((c.started for c in calls), self.window_end))
            self._advance_watermark()
            crash_point("after_catalog_commit")
            self._index(
                stored, was_ready={cid for cid, state in states.items() if state == "ready"}
            )

    def _stored(self, call: Call, transcript: Transcript | None) -> StoredCall:
        joined = self.catalog.join(call, transcript)
        if joined.rows:
            state = "ready"
        elif call.started >= self.now - timedelta(days=self.options.pending_days):
            state = "pending"
        else:
            state = "none"
        if transcript is None:
            transcript = Transcript(call.id, (), raw={"callId": call.id, "transcript": []})
        return StoredCall(joined, transcript, joined.content_hash(), state)

    def _index(self, stored: list[StoredCall], was_ready: set[str]) -> None:
        """Replace changed calls in the index; count them as the summary reports them."""
        changed = [s for s in stored if self.indexed.get(s.call.id) != s.content_hash]
        self.report.unchanged += len(stored) - len(changed)
        if changed:
            with self.engine.writer() as writer:
                for n, item in enumerate(changed):
                    writer.replace(item.joined, item.content_hash)
                    self.report.unmatched_sentences += item.joined.unmatched
                    if n == len(changed) // 2:
                        crash_point("mid_index")
                crash_point("before_index_commit")
            for item in changed:
                self.indexed[item.call.id] = item.content_hash
            self.report.sentences += writer.sentences_added
        changed_ids = {item.call.id for item in changed}
        for item in stored:
            if item.transcript_state == "pending":
                self.report.pending += 1
            elif item.call.id in changed_ids:
                if item.call.id in was_ready:
                    self.report.updated += 1
                else:
                    self.report.added += 1
        self._report_progress()

    def _retry_unfinished(self, exclude: set[str]) -> None:
        """Ask again, in batches, for what earlier runs could not get: transcripts not ready
        yet, transcripts given as none that are due for a re-check, and refused batches."""
        due = set(self.catalog.due_checks(self.now))
        ids = [cid for cid, _ in self.catalog.pending_calls()] + sorted(due)
        calls = [c for c in map(self.catalog.call, ids) if c and c.id not in exclude]
        calls += [c for c in self.catalog.failed_calls() if c.id not in exclude]
        for i in range(0, len(calls), MAX_IDS_PER_REQUEST):
            batch = calls[i : i + MAX_IDS_PER_REQUEST]
            transcripts, failed = self._fetch_transcripts([c.id for c in batch])
            gone = self._vanished([c.id for c in batch if c.id not in failed], transcripts)
            if not self.listed_any:  # a key that cannot see calls gets "gone" for all of them
                gone = set()
            self._forget_vanished(gone)
            self._store_and_index([c for c in batch if c.id not in failed | gone], transcripts)
            self._reschedule([c.id for c in batch if c.id in due and c.id not in failed | gone])

    def _reschedule(self, rechecked: list[str]) -> None:
        """Re-checked calls that still have no transcript wait longer before the next ask."""
        states = self.catalog.transcript_states(rechecked)
        still_none = [cid for cid in rechecked if states.get(cid) == "none"]
        self.catalog.reschedule_checks(still_none, self.now, RECHECK_HOURS)

    def _plan_removal(self, start: datetime, end: datetime, listed: set[str]) -> RemovalPlan:
        """--full: calls Gong no longer returns (deleted, or made private), if believable.

        Calls whose transcript batch failed were listed: they exist and are kept."""
        protected = listed | self.failed_now | set(self.catalog.failed_ids())
        in_window = self.catalog.call_ids_between(start, end)
        return plan_removal(in_window, protected, self.shortfall, self.options)

    def _remove_missing(self, plan: RemovalPlan) -> None:
        if plan.refusal:
            self.report.removal_refused = plan.refusal
            return
        self._delete(plan.call_ids)

    def _delete(self, call_ids: list[str]) -> None:
        """Remove calls from the catalog, then the index (one page-commit, signals held)."""
        if not call_ids:
            return
        with DeferSignals():
            self.catalog.delete_calls(call_ids)
            with self.engine.writer() as writer:
                for call_id in call_ids:
                    writer.delete(call_id)
        for call_id in call_ids:
            self.indexed.pop(call_id, None)
        self.report.removed += len(call_ids)


def sync(
    index_dir: Path, client: GongClient, options: SyncOptions, progress: Progress | None = None
) -> SyncReport:
    with owner_only_files():
        return Harvester(index_dir, client, options, progress).run()


def reindex(index_dir: Path) -> int:
    """Rebuild the index from the catalog alone (no network); returns sentences indexed.

    The catalog is opened first, so a directory that holds none is refused before the lock
    file is created in it.
    """
    with owner_only_files(), storage_errors(index_dir):
        with Catalog(index_dir, create=False) as catalog, SyncLock(index_dir):
            return rebuild_from_catalog(catalog, open_engine(index_dir))
