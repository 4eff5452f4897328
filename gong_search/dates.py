"""Dates from the command line: ``YYYY-MM-DD`` (local midnight, or ``--tz``), ISO 8601,
and the relative forms people type (``7d``, ``yesterday``, ``last quarter``)."""

from __future__ import annotations

import re
from calendar import monthrange
from datetime import date, datetime, timedelta, tzinfo
from zoneinfo import ZoneInfo, ZoneInfoNotFoundError

from .errors import QueryError


def zone(name: str | None) -> tzinfo:
    """The ``--tz`` zone, else ``GONG_SEARCH_TZ`` or the config file's ``timezone``, else
    the machine's local zone."""
    from . import settings

    name = name or settings.value("timezone")
    if not name:
        return datetime.now().astimezone().tzinfo  # type: ignore[return-value]
    try:
        return ZoneInfo(name)
    except (ZoneInfoNotFoundError, ValueError):
        raise QueryError(f"unknown time zone {name!r} (use e.g. Europe/Berlin or UTC)") from None


DATE_FORMS = (
    "YYYY-MM-DD (2026-1-5 too), ISO 8601, 7d, 2w, 3m (months), 1y, today, yesterday, "
    "this/last week, this/last month, this/last quarter, this/last year"
)
_AGO = re.compile(r"(\d{1,4})\s*(d|w|m|y)")
_LOOSE_DATE = re.compile(r"(\d{4})-(\d{1,2})-(\d{1,2})")
_SLASHED = re.compile(r"(\d{1,2})[/.](\d{1,2})[/.](\d{4})")
_PERIODS = ("today", "yesterday", "week", "month", "quarter", "year")


def parse_when(
    value: str, tz: str | None = None, *, option: str = "date", end: bool | None = None
) -> datetime:
    """An aware datetime. Plain dates are midnight in ``tz`` (local by default); a period
    (``yesterday``, ``last quarter``) is its first moment, or for an end (``--to``) the
    first moment after it, so ``--from yesterday --to yesterday`` is all of yesterday;
    ``7d``/``2w``/``3m``/``1y`` are that long before now."""
    text = " ".join(value.strip().lower().split())
    is_end = option == "--to" if end is None else end
    here = zone(tz)
    relative = _relative(text, datetime.now(here), is_end)
    if relative is not None:
        return relative
    _refuse_slashed(value, text, option)
    loose = _LOOSE_DATE.fullmatch(text)
    try:
        if loose:
            day = date(*(int(part) for part in loose.groups()))
            return datetime(day.year, day.month, day.day, tzinfo=here)
        parsed = datetime.fromisoformat(value.strip().replace("Z", "+00:00"))
    except ValueError:
        raise QueryError(f"{option}: {value!r} is not a date (use {DATE_FORMS})") from None
    return parsed if parsed.tzinfo else parsed.replace(tzinfo=here)


def _refuse_slashed(value: str, text: str, option: str) -> None:
    """``11/05/2026`` is 5 November in the US and 11 May elsewhere: never guessed."""
    slashed = _SLASHED.fullmatch(text)
    if not slashed:
        return
    a, b, year = (int(part) for part in slashed.groups())
    readings = [f"{year}-{m:02d}-{d:02d}" for m, d in ((a, b), (b, a)) if m <= 12 and d <= 31]
    if len(set(readings)) > 1:
        raise QueryError(
            f"{option}: {value!r} is ambiguous (month first in the US, day first elsewhere); "
            f"write {readings[0]} or {readings[1]}"
        )
    hint = f"write {readings[0]}" if readings else f"use {DATE_FORMS}"
    raise QueryError(f"{option}: {value!r} is not a date gong-search reads; {hint}")


def _relative(text: str, now: datetime, is_end: bool) -> datetime | None:
    """``7d``, ``today``, ``last quarter``...: None when ``text`` is none of them."""
    ago = _AGO.fullmatch(text)
    if ago:
        count, unit = int(ago.group(1)), ago.group(2)
        if unit in "dw":
            return now - timedelta(days=count * (7 if unit == "w" else 1))
        return _add_months(now, -count * (12 if unit == "y" else 1))
    words = text.split()
    if text in ("today", "yesterday"):
        first = _midnight(now) - timedelta(days=text == "yesterday")
        return first + timedelta(days=1) if is_end else first
    if len(words) == 2 and words[0] in ("this", "last") and words[1] in _PERIODS[2:]:
        first = _period_start(now, words[1], back=words[0] == "last")
        return _period_start(first, words[1], back=False, after=True) if is_end else first
    return None


def _midnight(moment: datetime) -> datetime:
    """The start of ``moment``'s day, in its zone (a new datetime: DST-safe)."""
    return datetime(moment.year, moment.month, moment.day, tzinfo=moment.tzinfo)


def _period_start(now: datetime, period: str, back: bool, after: bool = False) -> datetime:
    """The first moment of the week/month/quarter/year holding ``now`` (``back``: the one
    before it; ``after``: the one after it)."""
    step = 1 if after else -1 if back else 0
    if period == "week":
        monday = _midnight(now) - timedelta(days=now.weekday())
        return _midnight(monday + timedelta(days=7 * step))
    months = {"month": 1, "quarter": 3, "year": 12}[period]
    first_month = (now.month - 1) // months * months  # 0-based
    first = datetime(now.year, first_month + 1, 1, tzinfo=now.tzinfo)
    return _add_months(first, step * months)


def _add_months(moment: datetime, months: int) -> datetime:
    """``moment`` moved by whole calendar months (the day clamped to the month's end)."""
    index = moment.year * 12 + moment.month - 1 + months
    year, month = divmod(index, 12)
    day = min(moment.day, monthrange(year, month + 1)[1])
    return moment.replace(year=year, month=month + 1, day=day)


def parse_window(
    start: str | None, end: str | None, tz: str | None
) -> tuple[datetime | None, datetime | None]:
    """``--from``/``--to`` as a from-inclusive, to-exclusive window; inverted is an error."""
    low = parse_when(start, tz, option="--from") if start else None
    high = parse_when(end, tz, option="--to") if end else None
    if low and high and high <= low:
        raise QueryError(f"--to ({end}) must be after --from ({start})")
    return low, high


_display: dict[str, tzinfo | None] = {"zone": None}


def set_display_zone(name: str | None) -> None:
    """The zone every time shown to people is in: ``--tz``, else the configured or the
    machine's (one rule for search headers, ``show`` and CSV's local column)."""
    _display["zone"] = zone(name) if name else None  # an unknown zone is refused at once


def local(moment: datetime) -> datetime:
    """``moment`` in the display zone (the configured one is looked up once per run)."""
    if _display["zone"] is None:
        _display["zone"] = zone(None)
    return moment.astimezone(_display["zone"])


def shown(moment: datetime) -> str:
    """``2026-11-19 05:21 CET``: a time for people, always with its zone."""
    here = local(moment)
    return f"{here:%Y-%m-%d %H:%M} {here.tzname() or here.strftime('%z')}"


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
    if any(p > 59 for p in parts[1:]):  # 99:99 is a typo, not 100:39
        raise QueryError(f"--at: {value!r} is not a time (minutes and seconds go up to 59)")
    seconds = 0
    for part in parts:
        seconds = seconds * 60 + part
    return seconds * 1000


def days_ago(days: float, now: datetime | None = None) -> datetime:
    return (now or datetime.now().astimezone()) - timedelta(days=days)
