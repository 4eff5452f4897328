"""What a sync is asked to do (:class:`SyncOptions`) and what it did (:class:`SyncReport`)."""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass, field
from datetime import datetime

from . import model
from .errors import ConfigError
from .model import option
from .terminal import plural
from .window import check_window

DEFAULT_MAX_REMOVAL_SHARE = 0.10
MAX_DAYS = 3650.0  # --overlap-days, --pending-days: ten years is already absurd


@dataclass(frozen=True)
class SyncOptions:
    """What a sync is asked to do; a bad number or an empty window is refused when built,
    before any request is spent."""

    start: datetime | None = option(
        None, "Start; default the watermark minus the overlap, or 90 days ago.", flag="--from"
    )
    end: datetime | None = option(None, "End, exclusive (default now).", flag="--to")
    include_private: bool = option(False, "Also index calls marked private.")
    full: bool = option(False, "Re-list everything; drop calls Gong no longer returns.")
    dry_run: bool = option(False, "Show what would be fetched; write nothing.")
    overlap_days: float = option(
        2.0,
        "Re-scan this many days before the watermark.",
        flag="--overlap-days",
        minimum=0,
        maximum=MAX_DAYS,
    )
    pending_days: float = option(
        3.0,
        "Give up on a missing transcript after this many days.",
        flag="--pending-days",
        minimum=0,
        maximum=MAX_DAYS,
    )
    max_removal_share: float = option(
        DEFAULT_MAX_REMOVAL_SHARE,
        "--full removes at most this share (0-1) of the calls synced in the window "
        "unless --allow-mass-removal.",
        flag="--max-removal-share",
        minimum=0,
        maximum=1,
    )
    allow_mass_removal: bool = option(False, "Let --full remove more than --max-removal-share.")

    def __post_init__(self) -> None:
        model.check_fields(self, ConfigError)
        if self.start is not None:  # a window ending in the future ends now
            now = datetime.now().astimezone()
            check_window(self.start, min(self.end, now) if self.end else now)


@dataclass(frozen=True)
class Tally:
    """What one step of a sync (a fetched page, a commit, a repair) adds to its report.

    Steps return a tally instead of changing the report, so the report is changed in one
    place (:meth:`SyncReport.add`), on the main thread, never from the prefetch thread.
    """

    listed: int = 0
    total_listed: int = 0  # Gong's total for the window: the report keeps the largest
    skipped_private: int = 0
    failed: tuple[str, ...] = ()
    added: int = 0
    updated: int = 0
    unchanged: int = 0
    removed: int = 0
    pending: int = 0
    vanished: int = 0
    sentences: int = 0
    unmatched_sentences: int = 0
    repaired: int = 0
    repaired_sentences: int = 0
    refreshed: int = 0  # calls whose details were asked again (an older catalog)


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
    skipped_private: int = 0
    sentences: int = 0
    unmatched_sentences: int = 0
    requests: int = 0
    seconds: float = 0.0
    failed: list[str] = field(default_factory=list)
    repaired: int = 0
    repaired_sentences: int = 0
    rebuilt_index: bool = False
    vanished: int = 0
    stale_lock_pid: int | None = None
    without_transcript: int = 0
    would_remove: list[str] = field(default_factory=list)  # --full --dry-run
    refreshed: int = 0
    would_refresh: int = 0  # --dry-run: calls of an older catalog whose details are stale
    removal_refused: str = ""

    def add(self, tally: Tally) -> None:
        """Count one step's work: every counter adds up, except Gong's total (the largest)."""
        self.listed += tally.listed
        self.total_listed = max(self.total_listed, tally.total_listed)
        self.skipped_private += tally.skipped_private
        self.failed.extend(tally.failed)
        self.added += tally.added
        self.updated += tally.updated
        self.unchanged += tally.unchanged
        self.removed += tally.removed
        self.pending += tally.pending
        self.vanished += tally.vanished
        self.sentences += tally.sentences
        self.unmatched_sentences += tally.unmatched_sentences
        self.repaired += tally.repaired
        self.repaired_sentences += tally.repaired_sentences
        self.refreshed += tally.refreshed

    def summary(self) -> str:
        parts = [
            f"calls: {self.added} added, {self.updated} updated, {self.removed} removed, "
            f"{self.pending} pending, {self.unchanged} unchanged",
            f"{plural(self.sentences, 'sentence')} indexed",
            plural(self.requests, "request"),
            f"{self.seconds:.1f} s",
            f"{plural(self.without_transcript, 'call has', 'calls have')} no transcript yet",
        ]
        if self.repaired:
            parts.append(
                f"{plural(self.repaired, 'call')} repaired from the catalog "
                f"({plural(self.repaired_sentences, 'sentence')} re-indexed)"
            )
        if self.refreshed:
            parts.append(
                f"{plural(self.refreshed, 'call')} refreshed with CRM, trackers and summaries "
                "(no transcript re-fetched)"
            )
        if self.skipped_private:
            parts.append(f"{plural(self.skipped_private, 'private call')} skipped")
        if self.unmatched_sentences:
            parts.append(
                f"{plural(self.unmatched_sentences, 'sentence')} by speakers not among the parties"
            )
        if self.rebuilt_index:
            parts.append(
                "unreadable index rebuilt from the catalog "
                f"({plural(self.repaired_sentences, 'sentence')})"
            )
        if self.vanished:
            parts.append(f"{plural(self.vanished, 'call')} deleted in Gong during the sync")
        if self.failed:
            failed = sorted(set(self.failed))
            parts.append(f"{len(failed)} failed: {', '.join(failed[:10])}")
        return "; ".join(parts)


Progress = Callable[[SyncReport], None]
