"""The harvester: Gong pages -> catalog -> index, crash-safe and incremental.

Per page of listed calls: fetch their transcripts (one batched request per 100 calls),
commit the page to the catalog, then replace the changed calls in the index and commit it.
The index tags each call with the catalog content hash it reflects, so whatever a crash
interrupts, :func:`repair` at the start of the next run makes the two agree again.

Reliability rules kept here (see docs/reliability.md):

* the watermark moves after every committed page, so a run stopped by the daily quota or a
  signal resumes where it stopped instead of re-spending requests;
* SIGINT/SIGTERM arriving while a page is being committed are held until both the catalog
  and the index have it (:class:`DeferSignals`), so a stop leaves them in agreement;
* disk-full and other storage failures become one-line typed errors (:func:`storage_errors`);
* a call listed but gone by the time its transcript is asked for is checked and dropped;
* an index that cannot be read at all is rebuilt from the catalog before syncing.
"""

from __future__ import annotations

import contextlib
import errno
import os
import signal
import sqlite3
import threading
import time
from collections.abc import Callable, Iterable, Iterator
from dataclasses import dataclass, field
from datetime import datetime, timedelta
from pathlib import Path

from . import index as idx
from .catalog import CATALOG_NAME, Catalog, StoredCall, owner_only_files
from .errors import (
    CatalogError,
    CursorExpiredError,
    GongAPIError,
    IndexStoreError,
    RateLimitedError,
)
from .gong.client import MAX_IDS_PER_REQUEST, GongClient, Page
from .gong.records import Call, Transcript
from .lock import SyncLock
from .pipeline import prefetch
from .sentences import CallSentences
from .terminal import plural

DEFAULT_DAYS = 90
WATERMARK = "watermark"
LAST_SYNC = "last_sync"
MAX_CURSOR_RESTARTS = 5


@dataclass(frozen=True)
class SyncOptions:
    start: datetime | None = None  # None: watermark - overlap, or DEFAULT_DAYS ago
    end: datetime | None = None  # None: now
    include_private: bool = False
    full: bool = False
    dry_run: bool = False
    overlap_days: float = 2.0
    pending_days: float = 3.0


@dataclass
class SyncReport:
    start: datetime | None = None
    end: datetime | None = None
    window_note: str = ""
    listed: int = 0
    total_listed: int = 0
    added: int = 0
    updated: int = 0
    unchanged: int = 0
    removed: int = 0
    pending: int = 0
    given_up: int = 0
    skipped_private: int = 0
    sentences: int = 0
    unmatched_sentences: int = 0
    requests: int = 0
    seconds: float = 0.0
    failed: list[str] = field(default_factory=list)
    repaired: int = 0
    rebuilt_index: bool = False
    vanished: int = 0
    stale_lock_pid: int | None = None

    def summary(self) -> str:
        parts = [
            f"calls: {self.added} added, {self.updated} updated, {self.removed} removed, "
            f"{self.pending} pending, {self.unchanged} unchanged",
            f"{plural(self.sentences, 'sentence')} indexed",
            plural(self.requests, "request"),
            f"{self.seconds:.1f} s",
        ]
        if self.skipped_private:
            parts.append(f"{plural(self.skipped_private, 'private call')} skipped")
        if self.unmatched_sentences:
            parts.append(
                f"{plural(self.unmatched_sentences, 'sentence')} by speakers not among the parties"
            )
        if self.rebuilt_index:
            parts.append("unreadable index rebuilt from the catalog")
        if self.vanished:
            parts.append(f"{plural(self.vanished, 'call')} deleted in Gong during the sync")
        if self.failed:
            parts.append(f"{len(self.failed)} failed: {', '.join(self.failed[:10])}")
        return "; ".join(parts)


Progress = Callable[[SyncReport], None]


def crash_point(name: str) -> None:
    """Test hook: ``GONG_SEARCH_CRASH_AT=name`` kills the process here, as ``kill -9`` would."""
    if os.environ.get("GONG_SEARCH_CRASH_AT") == name:
        os._exit(99)


class DeferSignals:
    """Hold SIGINT/SIGTERM while a page is committed, then deliver them.

    Between the catalog commit and the index commit the two disagree. Stopping there would
    be safe (the next sync repairs it), but ``status`` would report them out of sync, so a
    signal is delivered only once both hold the page: every stop lands on a page boundary.
    A page commit takes well under a second, so Ctrl-C still feels immediate. Handlers can
    only be swapped in the main thread; elsewhere this is a no-op.
    """

    SIGNALS = (signal.SIGINT, signal.SIGTERM)

    def __init__(self) -> None:
        self.caught: list[int] = []
        self._previous: dict[int, object] = {}

    def __enter__(self) -> DeferSignals:
        if threading.current_thread() is threading.main_thread():
            for signum in self.SIGNALS:
                previous = signal.getsignal(signum)
                if previous is not None:  # None: installed outside Python, leave it alone
                    self._previous[signum] = signal.signal(signum, self._hold)
        return self

    def _hold(self, signum: int, frame: object) -> None:
        self.caught.append(signum)

    def __exit__(self, *exc: object) -> None:
        for signum, handler in self._previous.items():
            signal.signal(signum, handler)  # type: ignore[arg-type]
        if self.caught:
            signal.raise_signal(self.caught[0])  # now handled by the restored handler


_DISK_FULL = {errno.ENOSPC, errno.EFBIG, errno.EDQUOT}


@contextlib.contextmanager
def storage_errors(index_dir: Path) -> Iterator[None]:
    """Turn storage failures (disk full, file-size limit, I/O errors) into one-line errors.

    SQLite and Whoosh both commit atomically, so whatever failed, the last committed state
    is intact: the message says so, and that the next sync resumes from there.
    """
    after = "everything committed so far is kept and searchable; run sync again"
    try:
        yield
    except sqlite3.Error as exc:
        hint = " (disk full?)" if "full" in str(exc) or "I/O" in str(exc) else ""
        raise CatalogError(
            f"{Path(index_dir) / CATALOG_NAME}: cannot write the catalog: {exc}{hint}; {after}"
        ) from None
    except OSError as exc:
        where = exc.filename or index_dir
        reason = exc.strerror or type(exc).__name__
        if exc.errno in _DISK_FULL:
            reason = f"{reason} (disk full or file-size limit)"
        raise IndexStoreError(f"{where}: cannot write: {reason}; free space and {after}") from None


def resolve_window(
    catalog: Catalog, options: SyncOptions, now: datetime
) -> tuple[datetime, datetime, str]:
    """The window to list, and a sentence saying why (printed to the user)."""
    end = options.end or now
    if options.start is not None:
        return options.start, end, "explicit window"
    default_start = now - timedelta(days=DEFAULT_DAYS)
    if options.full:
        earliest = catalog.date_range()
        start = min(earliest[0], default_start) if earliest else default_start
        return start, end, "full re-list of everything synced so far"
    watermark = catalog.get_state(WATERMARK)
    if watermark:
        start = datetime.fromisoformat(watermark) - timedelta(days=options.overlap_days)
        return start, end, f"incremental from the watermark minus {options.overlap_days:g} days"
    return default_start, end, f"no --from given: the last {DEFAULT_DAYS} days"


def advance_watermark(current: str | None, synced: Iterable[datetime]) -> str | None:
    """The watermark only moves forward: the latest call start fully synced."""
    latest = max(synced, default=None)
    if latest is None:
        return current
    if current and datetime.fromisoformat(current) >= latest:
        return current
    return latest.astimezone().isoformat()  # stored in local time, like every shown date


@dataclass(frozen=True)
class _FetchedPage:
    """One listing page, fetched: the calls to store, their transcripts, calls gone since."""

    calls: list[Call]
    transcripts: dict[str, Transcript]
    gone: set[str]


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
        exists = (self.index_dir / CATALOG_NAME).exists()
        # A dry run writes nothing, not even an empty catalog.
        with storage_errors(self.index_dir):
            self.catalog = Catalog(None if options.dry_run and not exists else self.index_dir)
        self.now = datetime.now().astimezone()
        self.indexed: dict[str, str] = {}
        self.synced_starts: list[datetime] = []
        self.vanished: set[str] = set()  # listed, then gone before their transcript came

    def run(self) -> SyncReport:
        started = time.monotonic()
        try:
            if self.options.dry_run:
                self._sync()
                return self.report
            with storage_errors(self.index_dir), SyncLock(self.index_dir) as lock:
                self.report.stale_lock_pid = lock.stale_pid
                idx.remove_abandoned_generations(self.index_dir)
                if readable_markers(self.index_dir) is None:
                    rebuild_from_catalog(self.catalog, self.index_dir)
                    self.report.rebuilt_index = True
                self.report.repaired = repair(self.catalog, self.index_dir)
                self.indexed = idx.markers(self.index_dir)
                self._sync()
        finally:
            self.report.requests = self.client.request_count
            self.report.seconds = time.monotonic() - started
            self.catalog.close()
        return self.report

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
        self.catalog.store_users(u for page in self.client.users() for u in page.items)
        listed = self._list_window(start, end)
        self._retry_pending(exclude=listed)
        if self.options.full:
            self._remove_missing(start, end, listed)
        self._advance_watermark()
        self.catalog.set_state(LAST_SYNC, datetime.now().astimezone().isoformat())  # when it ended

    def _advance_watermark(self) -> None:
        """Record progress after each page: a stopped run resumes here, not from scratch."""
        watermark = advance_watermark(self.catalog.get_state(WATERMARK), self.synced_starts)
        if watermark:
            self.catalog.set_state(WATERMARK, watermark)

    def _dry_run(self, start: datetime, end: datetime) -> None:
        for page in self.client.calls(start, end):
            self.report.total_listed = page.total
            self.report.listed += len(page.items)
            self._report_progress()
            break  # the first page tells the total: that is all a dry run spends

    def _list_window(self, start: datetime, end: datetime) -> set[str]:
        """List the window page by page; returns the ids of the calls kept.

        Two things can make a pass miss calls, and both restart from a start time (content
        hashes make the repeats free of transcript requests): an expired cursor (restart
        after the last page read), and a call deleted while we list, which shifts Gong's
        offset-based pages by one (detected when the calls seen fall short of the total
        Gong reports; one more pass over the whole window).
        """
        seen: dict[str, datetime] = {}  # every listed call, private ones too -> its start
        kept: set[str] = set()
        resume_from, relisted = start, False
        for _attempt in range(MAX_CURSOR_RESTARTS + 2):
            pass_start, total = resume_from, None
            try:
                # the next page is fetched while this one is committed and indexed
                for page, fetched in prefetch(self._fetch_pages(resume_from, end, seen)):
                    self.report.total_listed = max(self.report.total_listed, page.total)
                    kept |= self._commit_page(fetched)
                    total = page.total
                    if page.items:
                        resume_from = max(c.started for c in page.items)
            except CursorExpiredError:
                continue
            if relisted or total is None or self._saw_all(seen, pass_start, total):
                return kept - self.vanished
            resume_from, relisted = start, True
        raise GongAPIError(
            "the call listing cursor kept expiring; try a smaller --from/--to window"
        )

    def _saw_all(self, seen: dict[str, datetime], since: datetime, total: int) -> bool:
        """Did one pass from ``since`` see as many existing calls as Gong says there are?"""
        existing = sum(1 for cid, s in seen.items() if s >= since and cid not in self.vanished)
        return existing >= total

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
        wanted = []
        for call in unique.values():
            if call.is_private and not self.options.include_private:
                self.report.skipped_private += 1
            else:
                wanted.append(call)
        self.report.listed += len(unique)
        transcripts, failed = self._fetch_transcripts([c.id for c in wanted])
        gone = self._vanished([c.id for c in wanted if c.id not in failed], transcripts)
        return _FetchedPage([c for c in wanted if c.id not in failed | gone], transcripts, gone)

    def _commit_page(self, fetched: _FetchedPage) -> set[str]:
        """Store and index one fetched page (main thread: it owns catalog and index)."""
        self._forget_vanished(fetched.gone)
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
            self.synced_starts.append(max(c.started for c in calls))
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
            with idx.IndexUpdater(self.index_dir) as updater:
                for n, item in enumerate(changed):
                    updater.replace(item.joined, item.content_hash)
                    self.report.unmatched_sentences += item.joined.unmatched
                    if n == len(changed) // 2:
                        crash_point("mid_index")
                crash_point("before_index_commit")
            for item in changed:
                self.indexed[item.call.id] = item.content_hash
            self.report.sentences += updater.sentences_added
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

    def _retry_pending(self, exclude: set[str]) -> None:
        """Ask again, in batches, for transcripts that were not ready on earlier runs."""
        pending = [cid for cid, _ in self.catalog.pending_calls() if cid not in exclude]
        for i in range(0, len(pending), MAX_IDS_PER_REQUEST):
            calls = [c for c in map(self.catalog.call, pending[i : i + MAX_IDS_PER_REQUEST]) if c]
            transcripts, failed = self._fetch_transcripts([c.id for c in calls])
            gone = self._vanished([c.id for c in calls if c.id not in failed], transcripts)
            self._forget_vanished(gone)
            self._store_and_index([c for c in calls if c.id not in failed | gone], transcripts)

    def _remove_missing(self, start: datetime, end: datetime, listed: set[str]) -> None:
        """--full: drop calls Gong no longer returns (deleted, or made private)."""
        gone = [cid for cid in self.catalog.call_ids_between(start, end) if cid not in listed]
        self._delete(gone)

    def _delete(self, call_ids: list[str]) -> None:
        """Remove calls from the catalog, then the index (one page-commit, signals held)."""
        if not call_ids:
            return
        with DeferSignals():
            self.catalog.delete_calls(call_ids)
            with idx.IndexUpdater(self.index_dir) as updater:
                for call_id in call_ids:
                    updater.delete(call_id)
        for call_id in call_ids:
            self.indexed.pop(call_id, None)
        self.report.removed += len(call_ids)


def sync(
    index_dir: Path, client: GongClient, options: SyncOptions, progress: Progress | None = None
) -> SyncReport:
    with owner_only_files():
        return Harvester(index_dir, client, options, progress).run()


def repair(catalog: Catalog, index_dir: Path) -> int:
    """Make the index reflect the catalog exactly; returns the number of calls fixed."""
    idx.open_index(index_dir, create=True).close()
    wanted = catalog.content_hashes()
    have = idx.markers(index_dir)
    stale = [cid for cid, h in wanted.items() if have.get(cid) != h]
    orphans = [cid for cid in have if cid not in wanted]
    if not stale and not orphans:
        return 0
    with idx.IndexUpdater(index_dir) as updater:
        for call_id in orphans:
            updater.delete(call_id)
        for joined in catalog.iter_call_sentences(stale):
            updater.replace(joined, wanted[joined.call.id])
    return len(stale) + len(orphans)


def readable_markers(index_dir: Path) -> dict[str, str] | None:
    """The index's call markers, or None when the index cannot be read at all.

    Missing or truncated Whoosh files surface as many unrelated exception types (pickle,
    struct, EOF, file-not-found...), the same reason :func:`index.open_index` catches
    ``Exception``. Storage errors while *creating* a first index are real errors, though.
    """
    try:
        idx.open_index(index_dir, create=True).close()
        return idx.markers(index_dir)
    except IndexStoreError:
        return None
    except Exception as exc:  # noqa: BLE001 - see the docstring
        if isinstance(exc, OSError) and exc.errno in _DISK_FULL:
            raise
        return None


def rebuild_from_catalog(catalog: Catalog, index_dir: Path) -> int:
    """A fresh index generation from the catalog (no network); returns sentences indexed."""
    return idx.rebuild(index_dir, _calls_to_index(catalog))


def _calls_to_index(catalog: Catalog) -> Iterator[tuple[CallSentences, str]]:
    hashes = catalog.content_hashes()
    for n, joined in enumerate(catalog.iter_call_sentences()):
        if n == 1:
            crash_point("mid_reindex")
        yield joined, hashes[joined.call.id]


def reindex(index_dir: Path) -> int:
    """Rebuild the index from the catalog alone (no network); returns sentences indexed.

    The catalog is opened first, so a directory that holds none is refused before the lock
    file is created in it.
    """
    with owner_only_files(), storage_errors(index_dir):
        with Catalog(index_dir, create=False) as catalog, SyncLock(index_dir):
            idx.remove_abandoned_generations(index_dir)
            return rebuild_from_catalog(catalog, index_dir)
