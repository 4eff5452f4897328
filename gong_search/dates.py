"""Dates from the command line: ``YYYY-MM-DD`` (local midnight, or ``--tz``) or ISO 8601."""

from __future__ import annotations

from datetime import date, datetime, timedelta, tzinfo
from zoneinfo import ZoneInfo, ZoneInfoNotFoundError

from .errors import QueryError


def zone(name: str | None) -> tzinfo:
    """The ``--tz`` zone, or the machine's local zone."""
    if not name:
        return datetime.now().astimezone().tzinfo  # type: ignore[return-value]
    try:
        return ZoneInfo(name)
    except (ZoneInfoNotFoundError, ValueError):
        raise QueryError(f"unknown time zone {name!r} (use e.g. Europe/Berlin or UTC)") from None


def parse_when(value: str, tz: str | None = None, *, option: str = "date") -> datetime:
    """An aware datetime; plain dates are midnight in ``tz`` (local by default)."""
    text = value.strip()
    try:
        if len(text) == 10:
            day = date.fromisoformat(text)
            return datetime(day.year, day.month, day.day, tzinfo=zone(tz))
        parsed = datetime.fromisoformat(text.replace("Z", "+00:00"))
    except ValueError:
        raise QueryError(
            f"{option}: {value!r} is not a date (use YYYY-MM-DD or ISO 8601)"
        ) from None
    return parsed if parsed.tzinfo else parsed.replace(tzinfo=zone(tz))


def parse_window(
    start: str | None, end: str | None, tz: str | None
) -> tuple[datetime | None, datetime | None]:
    """``--from``/``--to`` as a from-inclusive, to-exclusive window; inverted is an error."""
    low = parse_when(start, tz, option="--from") if start else None
    high = parse_when(end, tz, option="--to") if end else None
    if low and high and high <= low:
        raise QueryError(f"--to ({end}) must be after --from ({start})")
    return low, high


def format_offset(ms: int) -> str:
    """Milliseconds into the call as ``m:ss`` or ``h:mm:ss``."""
    total = max(0, ms) // 1000
    hours, rest = divmod(total, 3600)
    minutes, seconds = divmod(rest, 60)
    return f"{hours}:{minutes:02d}:{seconds:02d}" if hours else f"{minutes}:{seconds:02d}"


def parse_offset(value: str) -> int:
    """``m:ss`` / ``h:mm:ss`` / seconds -> milliseconds."""
    try:
        parts = [int(p) for p in value.strip().split(":")]
    except ValueError:
        raise QueryError(f"--at: {value!r} is not a time (use m:ss or h:mm:ss)") from None
    if not parts or len(parts) > 3 or any(p < 0 for p in parts):
        raise QueryError(f"--at: {value!r} is not a time (use m:ss or h:mm:ss)")
    seconds = 0
    for part in parts:
        seconds = seconds * 60 + part
    return seconds * 1000


def days_ago(days: float, now: datetime | None = None) -> datetime:
    return (now or datetime.now().astimezone()) - timedelta(days=days)
