"""``activity``: Gong's per-user activity counters, live, beside what the index knows.

Gong's side is ``POST /v2/stats/activity/aggregate`` (calls hosted and attended, feedback,
sharing, comments, scorecards), fetched through the client for whole days of the
company's time zone. The index's side is :mod:`gong_search.talk` over exactly the window
Gong says it counted (its ``fromDateTime``/``toDateTime``), so both columns describe the
same calls. Gong users are joined to index speakers by user id and by email.
"""

from __future__ import annotations

import re
from dataclasses import dataclass
from datetime import date, datetime, timedelta
from pathlib import Path
from typing import TYPE_CHECKING, Any

from . import model
from .catalog import CATALOG_NAME
from .errors import GongAPIError, QueryError
from .gong.records import EARLIEST, ActivityWindow, User, UserActivity
from .model import option
from .names import resolve_users
from .talk import SpeakerTalk, TalkStats, talk_stats

if TYPE_CHECKING:  # the client (httpx) is not loaded by commands that only render
    from .gong.client import GongClient

SCHEMA_VERSION = 1
DEFAULT_DAYS = 30
MAX_DAYS_BACK = 2  # how far a default --to may be ahead of Gong's today
_DAY = re.compile(r"\d{4}-\d{2}-\d{2}")
# the table's Gong columns: (heading, counters shown as a/b) - JSON has every counter
TABLE_COUNTERS = (
    ("Gong:\nhost", ("callsAsHost",)),
    ("\nattended", ("callsAttended",)),
    ("feedback\ngave/got", ("callsGaveFeedback", "callsReceivedFeedback")),
    ("shared\nin/out", ("callsSharedInternally", "callsSharedExternally")),
    ("\ncomments", ("callsCommentsGiven",)),
    ("score-\ncards", ("callsScorecardsFilled",)),
)


@dataclass(frozen=True)
class ActivityOptions:
    """What ``activity`` is asked: whole days (Gong counts by day) and which users."""

    start: str | None = option(
        None, "First day, YYYY-MM-DD (default 30 days before --to).", flag="--from"
    )
    end: str | None = option(
        None, "Day after the last one, YYYY-MM-DD (exclusive; default today).", flag="--to"
    )
    users: tuple[str, ...] = option(
        (), "Only this Gong user (fuzzy name or email; repeatable).", flag="--user"
    )

    def __post_init__(self) -> None:
        model.check_fields(self, QueryError)
        self.days()  # a bad date is refused before any request

    def days(self) -> tuple[date, date]:
        """``[first day, day after the last)``; checked, with the defaults filled in."""
        today = datetime.now().astimezone().date()
        end = _day("--to", self.end) if self.end else today
        start = _day("--from", self.start) if self.start else end - timedelta(days=DEFAULT_DAYS)
        if end > today:
            raise QueryError(
                f"--to {end} is after today ({today}): Gong counts only days that are over"
            )
        if end <= start:
            raise QueryError(f"--to ({end}) must be after --from ({start})")
        return start, end


@dataclass(frozen=True)
class UserRow:
    """One Gong user: Gong's counters, and their talk in the index (None: no index)."""

    user_id: str
    name: str
    email: str
    counts: dict[str, int]
    talk: SpeakerTalk | None
    talk_share: float | None


@dataclass
class ActivityReport:
    """``activity``'s answer (its table is in render.py, its JSON here)."""

    start: date
    end: date
    window: ActivityWindow
    rows: list[UserRow]
    talk: TalkStats | None
    index_note: str | None
    matched_users: list[str]

    def as_json(self) -> dict[str, Any]:
        talk = self.talk
        return {
            "schema_version": SCHEMA_VERSION,
            "from": self.start.isoformat(),
            "to": self.end.isoformat(),
            "time_zone": self.window.time_zone,
            "window_start": _iso(self.window.start),
            "window_end": _iso(self.window.end),
            "matched_users": self.matched_users,
            "users": [_row_json(row) for row in self.rows],
            "index": None if talk is None else _index_json(talk),
            "index_note": self.index_note,
        }


def activity(client: GongClient, index_dir: Path, options: ActivityOptions) -> ActivityReport:
    """Gong's counters per user for the window, joined to the index's talk statistics."""
    start, end = options.days()
    users = [u for page in client.users() for u in page.items]
    chosen = resolve_users(options.users, users) if options.users else None
    ids = [u.id for u in chosen] if chosen is not None else None
    found, window, end = _fetch(client, start, end, ids, retry=options.end is None)
    window = _filled(window, start, end)
    talk, note = _index_side(index_dir, window)
    names = {u.id: u for u in users}
    rows = [_row(a, names.get(a.user_id), talk) for a in found]
    rows.sort(key=lambda r: (-r.counts["callsAsHost"], -r.counts["callsAttended"], r.name))
    matched = [f"{u.name} <{u.email}>" if u.email else u.name for u in chosen or ()]
    return ActivityReport(start, end, window, rows, talk, note, matched)


def _fetch(
    client: GongClient, start: date, end: date, ids: list[str] | None, retry: bool
) -> tuple[list[UserActivity], ActivityWindow | None, date]:
    """Every page of Gong's answer, and the end day it was asked for.

    A default end (today here) may be tomorrow in Gong's time zone, which Gong refuses
    (400): then a day earlier is asked for, at most MAX_DAYS_BACK times.
    """
    latest = end
    while True:
        try:
            found, window = _pages(client, start, end, ids)
            return found, window, end
        except GongAPIError as exc:
            end -= timedelta(days=1)
            refused_today = retry and exc.status == 400 and start < end
            if not refused_today or (latest - end).days > MAX_DAYS_BACK:
                raise


def _pages(
    client: GongClient, start: date, end: date, ids: list[str] | None
) -> tuple[list[UserActivity], ActivityWindow | None]:
    found: list[UserActivity] = []
    window = None
    for page in client.activity(start, end, ids):
        found.extend(page.items)
        window = window or page.window
    return found, window


def _filled(window: ActivityWindow | None, start: date, end: date) -> ActivityWindow:
    """Gong's stated window; where it states none (no records), local midnights."""
    zone = datetime.now().astimezone().tzinfo
    low = datetime(start.year, start.month, start.day, tzinfo=zone)
    high = datetime(end.year, end.month, end.day, tzinfo=zone)
    if window is None:
        return ActivityWindow(low, high, "")
    return ActivityWindow(window.start or low, window.end or high, window.time_zone)


def _index_side(index_dir: Path, window: ActivityWindow) -> tuple[TalkStats | None, str | None]:
    """The index's talk over the window, or why there is none (one line)."""
    if not (Path(index_dir) / CATALOG_NAME).exists():
        return None, f"no index at {index_dir}, so no index columns (see gong-search sync, --index)"
    assert window.start is not None and window.end is not None
    return talk_stats(index_dir, window.start, window.end), None


def _row(found: UserActivity, user: User | None, talk: TalkStats | None) -> UserRow:
    email = found.email or (user.email if user else "")
    name = user.name if user else email or found.user_id
    speaker = talk.by_user(found.user_id, email) if talk else None
    share = talk.share_of_talk(speaker) if talk and speaker else None
    return UserRow(found.user_id, name, email, dict(found.counts), speaker, share)


def _row_json(row: UserRow) -> dict[str, Any]:
    talk = row.talk
    return {
        "user_id": row.user_id,
        "name": row.name,
        "email": row.email,
        "gong": row.counts,
        "index": None
        if talk is None
        else {
            "calls": talk.calls,
            "sentences": talk.sentences,
            "talk_seconds": round(talk.talk_ms / 1000, 1),
            "talk_share": _ratio(row.talk_share),
        },
    }


def _index_json(talk: TalkStats) -> dict[str, Any]:
    return {
        "calls": talk.calls,
        "sentences": talk.sentences,
        "customer_sentences": talk.customer_sentences,
        "customer_share": _ratio(talk.customer_share),
        "talk_seconds": round(talk.talk_ms / 1000, 1),
    }


def _ratio(value: float | None) -> float | None:
    return None if value is None else round(value, 4)


def _iso(moment: datetime | None) -> str | None:
    return moment.isoformat() if moment else None


def _day(flag: str, text: str) -> date:
    """A ``YYYY-MM-DD`` day from 1990 on: what Gong's activity filter takes."""
    try:
        day = date.fromisoformat(text.strip()) if _DAY.fullmatch(text.strip()) else None
    except ValueError:
        day = None
    if day is None:
        raise QueryError(f"{flag}: {text!r} is not a date (use YYYY-MM-DD)")
    if day < EARLIEST.date():
        raise QueryError(f"{flag}: {day} is before {EARLIEST.date()}, before any Gong call")
    return day
