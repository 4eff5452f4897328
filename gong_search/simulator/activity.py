"""Per-user activity for ``POST /v2/stats/activity/aggregate``, derived from the calls.

Real Gong counts what people did: hosted and attended calls, listened to them, gave and
received feedback, shared them, commented, filled scorecards. Nobody clicks in a simulated
tenant, so each call carries a fixed set of such events drawn from a generator seeded by
the call id alone: the same call always yields the same events, so the counters are
deterministic per user and window, and the counts of two adjoining windows add up to the
count of both. Events are dated at the call's start (Gong dates them when they happen).

The counters agree with each other and with the other endpoints: every "received" has its
"given" (feedback, comments, marked as reviewed), ``callsAttended`` counts calls a user took
part in without hosting them (the spec's definition), and scorecards are filled by the
same reviewer on the same calls as ``/v2/stats/activity/scorecards`` answers.
"""

from __future__ import annotations

import random
import re
from collections.abc import Iterable, Sequence
from datetime import date, datetime
from zoneinfo import ZoneInfo

from . import settings

COMPANY_TIME_ZONE = "America/Los_Angeles"  # Gong answers in the company's zone, not UTC
COUNTERS = (
    "callsAsHost",
    "callsGaveFeedback",
    "callsRequestedFeedback",
    "callsReceivedFeedback",
    "ownCallsListenedTo",
    "othersCallsListenedTo",
    "callsSharedInternally",
    "callsSharedExternally",
    "callsScorecardsFilled",
    "callsScorecardsReceived",
    "callsAttended",
    "callsCommentsGiven",
    "callsCommentsReceived",
    "callsMarkedAsFeedbackGiven",
    "callsMarkedAsFeedbackReceived",
)
_DATE = re.compile(r"\d{4}-\d{2}-\d{2}")

Counts = dict[str, dict[str, int]]


def company_zone() -> ZoneInfo:
    return ZoneInfo(COMPANY_TIME_ZONE)


def parse_day(value: object) -> date | None:
    """A ``YYYY-MM-DD`` date, or None for anything else (a date-time included, as Gong)."""
    if not isinstance(value, str) or not _DATE.fullmatch(value):
        return None
    try:
        return date.fromisoformat(value)
    except ValueError:
        return None


def midnight(day: date) -> datetime:
    """The start of ``day`` in the company's time zone."""
    return datetime(day.year, day.month, day.day, tzinfo=company_zone())


def today() -> date:
    return datetime.now(company_zone()).date()


def tally(calls: Iterable[dict], colleagues: Sequence[str], reviewer: str) -> Counts:
    """Counters per user id over ``calls`` (records with ``metaData`` and ``parties``).

    ``colleagues`` are the user ids who may listen, comment or review (the active users);
    ``reviewer`` fills the scorecards, as in :func:`settings.answered_scorecard`.
    """
    counts: Counts = {}

    def add(user_id: str, counter: str) -> None:
        counts.setdefault(user_id, dict.fromkeys(COUNTERS, 0))[counter] += 1

    for record in calls:
        meta = record["metaData"]
        host = meta["primaryUserId"]
        attendees = sorted({p["userId"] for p in record.get("parties", []) if p.get("userId")})
        add(host, "callsAsHost")
        for user_id in attendees:
            if user_id != host:
                add(user_id, "callsAttended")
        for user_id, counter in _events(meta, attendees, [c for c in colleagues if c != host]):
            add(user_id, counter)
        if settings.reviewed(meta["id"]):
            add(reviewer, "callsScorecardsFilled")
            add(host, "callsScorecardsReceived")
    return counts


def _events(meta: dict, attendees: list[str], others: list[str]) -> list[tuple[str, str]]:
    """What people did with one call: (user id, counter) pairs, fixed by the call id.

    Every draw is made whatever the earlier ones gave, so one outcome never shifts another.
    """
    rng = random.Random(f"activity:{meta['id']}")
    host = meta["primaryUserId"]
    rolls = [rng.random() for _ in range(7)]
    picks = [rng.choice(others) if others else host for _ in range(4)]
    sharer = rng.choice(attendees or [host])
    events: list[tuple[str, str]] = []
    if rolls[0] < 0.35:
        events.append((host, "ownCallsListenedTo"))
    if rolls[1] < 0.30:
        events.append((picks[0], "othersCallsListenedTo"))
    if rolls[2] < 0.20:
        events += [(picks[1], "callsGaveFeedback"), (host, "callsReceivedFeedback")]
    if rolls[3] < 0.10:
        events.append((host, "callsRequestedFeedback"))
    if rolls[4] < 0.15:
        events.append((picks[2], "callsMarkedAsFeedbackGiven"))
        events.append((host, "callsMarkedAsFeedbackReceived"))
    if rolls[5] < 0.25:
        events += [(picks[3], "callsCommentsGiven"), (host, "callsCommentsReceived")]
    if rolls[6] < 0.20:
        events.append((sharer, "callsSharedInternally"))
    if meta.get("scope") == "External" and rolls[6] > 0.95:
        events.append((host, "callsSharedExternally"))
    return events


def user_activity(user: dict, counts: Counts) -> dict:
    """One ``usersAggregateActivityStats`` item: every counter, 0 when nothing happened."""
    return {
        "userId": user["id"],
        "userEmailAddress": user.get("emailAddress", ""),
        "userAggregateActivityStats": counts.get(user["id"], dict.fromkeys(COUNTERS, 0)),
    }
