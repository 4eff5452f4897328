"""The harvester: Gong pages -> catalog -> index, crash-safe and incremental.

Per page of listed calls: fetch their transcripts (one batched request per 100 calls;
:mod:`fetcher`, in the prefetch thread), commit the page to the catalog, then replace the
changed calls in the index and commit it (:mod:`committer`, on the main thread). The index
tags each call with the catalog content hash it reflects, so whatever a crash interrupts,
:func:`repair` at the start of the next run makes the two agree again. This module keeps
the order of a run: window, repair, listing passes, retries, removal.

Reliability rules kept here and in :mod:`committer` (see docs/reliability.md):

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
from contextlib import closing
from dataclasses import replace
from datetime import datetime, timedelta
from pathlib import Path

from .catalog import CATALOG_NAME, Catalog
from .commit_safety import storage_errors
from .committer import Committer
from .engine import open_engine
from .errors import CursorExpiredError, GongAPIError, RemovalRefusedError
from .fetcher import FetchedPage, Fetcher
from .gong.client import DETAILS_VERSION, MAX_IDS_PER_REQUEST, GongClient
from .gong.records import Call, Transcript
from .index_dir import owner_only_files
from .lock import SyncLock
from .pipeline import prefetch
from .removal import RemovalPlan, plan_removal
from .repair import RebuildProgress, readable_versions, rebuild_from_catalog, repair
from .sync_report import Progress, SyncOptions, SyncReport, Tally
from .window import resolve_window

LAST_SYNC = "last_sync"
DETAILS_KEY = "details_version"  # the catalog's calls have these details (see client)
MAX_CURSOR_RESTARTS = 5
# Hours between re-checks of a call stored without a transcript (past --pending-days):
# the first on the next run, then these; about 4 weeks in all, then it is given up.
RECHECK_HOURS = (1.0, 4.0, 12.0, 24.0, 48.0, 96.0, 168.0, 336.0)

__all__ = ["SyncOptions", "SyncReport", "sync", "reindex"]


class Harvester:
    """One sync run: the window, the listing passes, retries and removals, in order.

    The :class:`Fetcher` does the network (in the prefetch thread), the
    :class:`Committer` the writes; both return tallies, added to the report here.
    """

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
        self.fetcher = Fetcher(client, options.include_private)
        self.engine = open_engine(self.index_dir)
        exists = (self.index_dir / CATALOG_NAME).exists()
        # A dry run writes nothing, not even an empty catalog.
        with storage_errors(self.index_dir):
            self.catalog = Catalog(None if options.dry_run and not exists else self.index_dir)
        self.now = datetime.now().astimezone()
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
            sentences = rebuild_from_catalog(self.catalog, self.engine)
            self.report.add(Tally(repaired_sentences=sentences))
            self.report.rebuilt_index = True
        calls, sentences = repair(self.catalog, self.engine)
        self.report.add(Tally(repaired=calls, repaired_sentences=sentences))

    def _add(self, tally: Tally) -> None:
        """Count a step's work and show it: the only way counts reach the report."""
        self.report.add(tally)
        self._report_progress()

    def _report_progress(self) -> None:
        self.report.requests = self.client.request_count
        self.progress(self.report)

    def _sync(self) -> None:
        start, end, note = resolve_window(self.catalog, self.options, self.now)
        self.report.start, self.report.end, self.report.window_note = start, end, note
        self._report_progress()  # lets the user see the window before any request
        if self.options.dry_run:
            self._dry_run(start, end)
            return
        pending_since = self.now - timedelta(days=self.options.pending_days)
        self.committer = Committer(self.catalog, self.engine, min(end, self.now), pending_since)
        self.catalog.store_users(u for page in self.client.users() for u in page.items)
        self._refresh_details()
        listed = self._list_window(start, end)
        self._retry_unfinished(exclude=listed | self.failed_now)
        if self.options.full:
            self._remove_missing(self._plan_removal(start, end, listed))
        self.catalog.set_state(LAST_SYNC, datetime.now().astimezone().isoformat())  # when it ended

    def _refresh_details(self) -> None:
        """A catalog synced before the listing asked for the whole call (CRM context,
        trackers, summaries: :data:`DETAILS_VERSION`) gets those details for every stored
        call, 100 calls a request, without fetching a transcript again."""
        stale = stale_details(self.catalog)
        for i in range(0, len(stale), MAX_IDS_PER_REQUEST):
            chunk = stale[i : i + MAX_IDS_PER_REQUEST]
            calls = [c for page in self.client.calls(call_ids=chunk) for c in page.items]
            self._add(self.committer.refresh(calls))
        self.catalog.set_state(DETAILS_KEY, DETAILS_VERSION)

    def _dry_run(self, start: datetime, end: datetime) -> None:
        """The first page tells the total, which is all a dry run spends; with ``--full``
        the whole listing (no transcripts) shows what would be removed. An older catalog's
        refresh (see :meth:`_refresh_details`) is counted, not done."""
        self.report.would_refresh = len(stale_details(self.catalog))
        listed: set[str] = set()
        for page in self.client.calls(start, end):
            self.report.total_listed = page.total
            self.report.listed += len(page.items)
            listed.update(c.id for c in page.items if self.fetcher.wanted(c))
            self._report_progress()
            if not self.options.full:
                return
        if self.report.listed < self.report.total_listed:
            self.shortfall = self._short(self.report.listed, self.report.total_listed)
        plan = self._plan_removal(start, end, listed)
        self.report.would_remove, self.report.removal_refused = plan.call_ids, plan.refusal

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
                # the next page is fetched while this one is committed and indexed; closed
                # at once on any exit, so a Ctrl-C stops the fetching thread right here,
                # not during interpreter shutdown (where a second Ctrl-C cannot be handled)
                with closing(prefetch(self.fetcher.pages(resume_from, end, seen))) as pages:
                    for page in pages:
                        kept |= self._commit_page(page)
                        totals.append(page.total)
                        if page.latest_start is not None:
                            resume_from, self.listed_any = page.latest_start, True
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

    def _commit_page(self, page: FetchedPage) -> set[str]:
        """Store and index one fetched page (main thread: it owns catalog and index)."""
        self.report.add(page.tally)
        self._forget_vanished(page.fetched.vanished)
        refused = page.fetched.refused(page.wanted)
        if refused:
            self.catalog.remember_failed(refused)
            self.failed_now.update(c.id for c in refused)
        calls = page.fetched.storable(page.wanted)
        self._store(calls, page.fetched.transcripts)
        return {c.id for c in calls}

    def _store(self, calls: list[Call], transcripts: dict[str, Transcript]) -> None:
        self._add(self.committer.store(calls, transcripts))

    def _forget_vanished(self, gone: set[str]) -> None:
        if not gone:
            return
        newly = gone - self.vanished
        self.vanished |= gone
        self.report.add(Tally(vanished=len(newly)))
        self.report.add(self.committer.forget_vanished(gone))

    def _retry_unfinished(self, exclude: set[str]) -> None:
        """Ask again, in batches, for what earlier runs could not get: transcripts not ready
        yet, transcripts given as none that are due for a re-check, and refused batches."""
        due = set(self.catalog.due_checks(self.now))
        ids = [cid for cid, _ in self.catalog.pending_calls()] + sorted(due)
        calls = [c for c in map(self.catalog.call, ids) if c and c.id not in exclude]
        calls += [c for c in self.catalog.failed_calls() if c.id not in exclude]
        for i in range(0, len(calls), MAX_IDS_PER_REQUEST):
            batch = calls[i : i + MAX_IDS_PER_REQUEST]
            fetched = self.fetcher.transcripts([c.id for c in batch])
            self.report.add(Tally(failed=fetched.failed))
            if not self.listed_any:  # a key that cannot see calls gets "gone" for all of them
                fetched = replace(fetched, vanished=set())
            self._forget_vanished(fetched.vanished)
            stored = fetched.storable(batch)
            self._store(stored, fetched.transcripts)
            self._reschedule([c.id for c in stored if c.id in due])

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
        self.report.add(self.committer.delete(plan.call_ids))


def stale_details(catalog: Catalog) -> list[str]:
    """Stored calls listed before the listing asked for everything it asks for now."""
    if catalog.get_state(DETAILS_KEY) == DETAILS_VERSION:
        return []
    return catalog.all_call_ids()


def sync(
    index_dir: Path, client: GongClient, options: SyncOptions, progress: Progress | None = None
) -> SyncReport:
    with owner_only_files():
        return Harvester(index_dir, client, options, progress).run()


def reindex(index_dir: Path, progress: RebuildProgress | None = None) -> int:
    """Rebuild the index from the catalog alone (no network); returns sentences indexed.

    The catalog is opened first, so a directory that holds none is refused before the lock
    file is created in it.
    """
    with owner_only_files(), storage_errors(index_dir):
        with Catalog(index_dir, create=False) as catalog, SyncLock(index_dir):
            return rebuild_from_catalog(catalog, open_engine(index_dir), progress)
