"""Sync windows and the watermark as pure functions, without a tenant or a network."""

from __future__ import annotations

from datetime import UTC, datetime, timedelta

import pytest

from gong_search.errors import WindowError
from gong_search.sync_report import SyncOptions
from gong_search.window import (
    DEFAULT_DAYS,
    WATERMARK,
    advance_watermark,
    check_window,
    clamped_start,
    resolve_window,
)

NOW = datetime(2026, 3, 1, 12, tzinfo=UTC)


class FakeCatalog:
    """Just what a window needs from the catalog: the watermark and the dates held."""

    def __init__(self, watermark: str | None = None, dates=None) -> None:
        self.state = {WATERMARK: watermark} if watermark else {}
        self.dates = dates

    def get_state(self, key: str) -> str | None:
        return self.state.get(key)

    def date_range(self):
        return self.dates


def test_check_window_refuses_empty_and_inverted_windows_saying_why() -> None:
    check_window(NOW - timedelta(days=1), NOW)
    with pytest.raises(WindowError, match=r"empty sync window.*\(because\)"):
        check_window(NOW, NOW, "because")
    with pytest.raises(WindowError):
        check_window(NOW, NOW - timedelta(seconds=1))


def test_an_explicit_start_is_used_as_given() -> None:
    start = NOW - timedelta(days=3)
    window = resolve_window(FakeCatalog(), SyncOptions(start=start, end=NOW), NOW)
    assert window == (start, NOW, "explicit window")


def test_without_a_watermark_the_window_is_the_default_days() -> None:
    start, end, note = resolve_window(FakeCatalog(), SyncOptions(), NOW)
    assert (start, end) == (NOW - timedelta(days=DEFAULT_DAYS), NOW) and "90 days" in note


def test_an_incremental_window_starts_at_the_watermark_minus_the_overlap() -> None:
    mark = NOW - timedelta(days=10)
    start, _end, note = resolve_window(
        FakeCatalog(mark.isoformat()), SyncOptions(overlap_days=2), NOW
    )
    assert start == mark - timedelta(days=2) and "watermark" in note


def test_a_watermark_in_the_future_does_not_freeze_syncs() -> None:
    future = (NOW + timedelta(days=30)).isoformat()
    start, _end, _note = resolve_window(FakeCatalog(future), SyncOptions(overlap_days=1), NOW)
    assert start == NOW - timedelta(days=1)


def test_a_full_sync_reaches_back_to_the_oldest_call_held() -> None:
    oldest = NOW - timedelta(days=400)
    catalog = FakeCatalog(NOW.isoformat(), dates=(oldest, NOW))
    start, _end, note = resolve_window(catalog, SyncOptions(full=True), NOW)
    assert start == oldest and "full" in note


def test_the_watermark_only_moves_forward() -> None:
    earlier, later = NOW - timedelta(days=2), NOW - timedelta(days=1)
    assert advance_watermark(None, []) is None
    assert advance_watermark("x", []) == "x"
    moved = advance_watermark(earlier.isoformat(), [earlier, later])
    assert moved is not None and datetime.fromisoformat(moved) == later
    assert advance_watermark(later.isoformat(), [earlier]) == later.isoformat()


def test_a_page_start_is_clamped_to_the_window_end() -> None:
    end = NOW
    assert clamped_start([NOW - timedelta(days=1), NOW - timedelta(days=2)], end) == (
        NOW - timedelta(days=1)
    )
    assert clamped_start([datetime(2031, 1, 1, tzinfo=UTC)], end) == end
