"""Which stretch of time a sync lists, and how far its watermark may move.

Both guard against one bad value steering every later run: an empty or inverted window is
refused before any request is spent, and a call dated outside the window asked for (Gong
listed it anyway, or its date is wrong) cannot push the watermark past that window.
"""

from __future__ import annotations

from collections.abc import Iterable
from datetime import datetime, timedelta
from typing import TYPE_CHECKING

from .errors import WindowError

if TYPE_CHECKING:  # sync_report checks its windows here: a run-time import would be a cycle
    from .catalog import Catalog
    from .sync_report import SyncOptions

DEFAULT_DAYS = 90
WATERMARK = "watermark"


def check_window(start: datetime, end: datetime, why: str = "") -> None:
    """Refuse an empty or inverted window: it would spend requests and prove nothing."""
    if start >= end:
        because = f" ({why})" if why else ""
        raise WindowError(
            f"empty sync window: from {start:%Y-%m-%d %H:%M} to {end:%Y-%m-%d %H:%M}{because}; "
            "--from must be before --to and before now"
        )


def resolve_window(
    catalog: Catalog, options: SyncOptions, now: datetime
) -> tuple[datetime, datetime, str]:
    """The window to list, and a sentence saying why (printed to the user)."""
    start, end, note = _window(catalog, options, now)
    check_window(start, end, note)
    return start, end, note


def _window(
    catalog: Catalog, options: SyncOptions, now: datetime
) -> tuple[datetime, datetime, str]:
    end = options.end or now
    if options.start is not None:
        return options.start, end, "explicit window"
    default_start = now - timedelta(days=DEFAULT_DAYS)
    if options.full:
        earliest = catalog.date_range()
        start = min(earliest[0], default_start) if earliest else default_start
        return start, end, "full re-list of everything synced so far"
    watermark = catalog.get_state(WATERMARK)
    if watermark:  # one stored in the future (by an older version) must not freeze syncs
        mark = min(datetime.fromisoformat(watermark), now)
        start = mark - timedelta(days=options.overlap_days)
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


def clamped_start(starts: Iterable[datetime], end: datetime) -> datetime:
    """The latest start of a page, but never past the window's end (a call "from 2031")."""
    return min(max(starts), end)
