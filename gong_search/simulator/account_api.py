"""Account-level endpoints: workspaces, settings, user details and activity stats.

Kept apart from ``api.py`` (calls and transcripts) so each module stays small; the route
functions take the ``GongApi`` instance so they share its auth, quotas, cursors and errors.
"""

from __future__ import annotations

from collections.abc import Sequence
from datetime import date, datetime
from typing import TYPE_CHECKING

from . import activity, settings
from .activity import midnight
from .tenant import as_utc

if TYPE_CHECKING:
    from .api import ApiRequest, GongApi

NO_RECORDS = "No records found corresponding to the provided filters"


def _api():  # noqa: ANN202 - late import: api.py imports this module for its routes
    from . import api

    return api


def _admin_id(api: GongApi) -> str:
    users = api.overlay.users()
    return users[0]["id"] if users else "0"


def list_workspaces(api: GongApi, request: ApiRequest, params: dict[str, str]) -> dict:
    return {"requestId": _api().request_id(), "workspaces": settings.workspaces()}


def list_trackers(api: GongApi, request: ApiRequest, params: dict[str, str]) -> dict:
    """All trackers live in the main workspace; another workspace id gets none."""
    trackers = settings.trackers(_admin_id(api))
    workspace = request.query_value("workspaceId")
    if workspace:
        trackers = [t for t in trackers if t["workspaceId"] == workspace]
    return {"requestId": _api().request_id(), "keywordTrackers": trackers}


def list_scorecards(api: GongApi, request: ApiRequest, params: dict[str, str]) -> dict:
    return {"requestId": _api().request_id(), "scorecards": settings.scorecards(_admin_id(api))}


def users_extensive(api: GongApi, request: ApiRequest, params: dict[str, str]) -> dict:
    """POST /v2/users/extensive: users filtered by ids and creation date, body cursor."""
    mod = _api()
    body = mod._json_body(request)
    raw = _filter(body)
    wanted = mod._string_list(raw, "userIds")
    low = mod._parse_time(raw, "createdFromDateTime")
    high = mod._parse_time(raw, "createdToDateTime")
    users = [
        u
        for u in api.overlay.users()
        if (wanted is None or u["id"] in wanted) and _within(u["created"], low, high)
    ]
    offset = api._offset("/v2/users/extensive", body.get("cursor"))
    page, records = api._page(
        "/v2/users/extensive", offset, users, mod.NO_USERS, api.users_page_size
    )
    return {"requestId": mod.request_id(), "records": records, "users": page}


def answered_scorecards(api: GongApi, request: ApiRequest, params: dict[str, str]) -> dict:
    """POST /v2/stats/activity/scorecards: reviews of calls started in the asked window."""
    mod = _api()
    body = mod._json_body(request)
    raw = _filter(body)
    reviewed_users = mod._string_list(raw, "reviewedUserIds")
    calls = _calls(api, mod._parse_time(raw, "callFromDate"), mod._parse_time(raw, "callToDate"))
    reviewer = _admin_id(api)
    answered = [
        settings.answered_scorecard(meta, reviewer)
        for meta in calls
        if settings.reviewed(meta["id"])
        and (reviewed_users is None or meta["primaryUserId"] in reviewed_users)
    ]
    offset = api._offset("/v2/stats/activity/scorecards", body.get("cursor"))
    page, records = api._page("/v2/stats/activity/scorecards", offset, answered, NO_RECORDS)
    return {"requestId": mod.request_id(), "records": records, "answeredScorecards": page}


def aggregate_activity(api: GongApi, request: ApiRequest, params: dict[str, str]) -> dict:
    """POST /v2/stats/activity/aggregate: per user, what they did in [fromDate, toDate).

    Dates are plain ``YYYY-MM-DD`` days in the company's time zone, ``toDate`` at most
    today; ``userIds`` and the users' creation dates narrow who is listed, and an unknown
    user id is Gong's 404 "User not found".
    """
    mod = _api()
    body = mod._json_body(request)
    raw = _filter(body)
    low, high = _activity_days(raw)
    users = _activity_users(api, raw)
    calls = (api.overlay.call(c) for c in api.overlay.ids_between(midnight(low), midnight(high)))
    counts = activity.tally((c for c in calls if c is not None), _colleagues(api), _admin_id(api))
    stats = [activity.user_activity(user, counts) for user in users]
    offset = api._offset("/v2/stats/activity/aggregate", body.get("cursor"))
    page, records = api._page("/v2/stats/activity/aggregate", offset, stats, mod.NO_USERS)
    return {
        "requestId": mod.request_id(),
        "records": records,
        "usersAggregateActivityStats": page,
        "fromDateTime": midnight(low).isoformat(),
        "toDateTime": midnight(high).isoformat(),
        "timeZone": activity.COMPANY_TIME_ZONE,
    }


def _activity_days(raw: dict) -> tuple[date, date]:
    """``fromDate``/``toDate`` as days, or Gong's 400 for a missing, malformed or late one."""
    error = _api().ApiError
    days = []
    for name in ("fromDate", "toDate"):
        if name not in raw:
            raise error(400, f"Malformed request: filter.{name} is required")
        day = activity.parse_day(raw[name])
        if day is None:
            raise error(400, f"Malformed request: {name} {raw[name]!r} is not a date (YYYY-MM-DD)")
        days.append(day)
    low, high = days
    if high > activity.today():
        raise error(400, f"toDate {high} must not be later than the current day")
    if high <= low:
        raise error(400, f"toDate {high} must be after fromDate {low}")
    return low, high


def _activity_users(api: GongApi, raw: dict) -> list[dict]:
    """The users asked for (all by default), in the tenant's order."""
    mod = _api()
    wanted = mod._string_list(raw, "userIds")
    low = mod._parse_time(raw, "createdFromDateTime")
    high = mod._parse_time(raw, "createdToDateTime")
    users = api.overlay.users()
    if wanted is not None:
        known = {u["id"] for u in users}
        if any(user_id not in known for user_id in wanted):
            raise mod.ApiError(404, "User not found")
        users = [u for u in users if u["id"] in set(wanted)]
    if low is None and high is None:
        return users
    return [u for u in users if _within(u["created"], low, high)]


def _colleagues(api: GongApi) -> list[str]:
    """Who may listen to, comment on or review others' calls: the active users."""
    return [u["id"] for u in api.overlay.users() if u.get("active", True)]


def _filter(body: dict) -> dict:
    raw = body.get("filter")
    if not isinstance(raw, dict):
        raise _api().ApiError(400, "Malformed request: 'filter' is required")
    return raw


def _calls(api: GongApi, low: datetime | None, high: datetime | None) -> Sequence[dict]:
    records = (api.overlay.call(call_id) for call_id in api.overlay.ids_between(low, high))
    return [r["metaData"] for r in records if r is not None]


def _within(created: str, low: datetime | None, high: datetime | None) -> bool:
    moment = datetime.fromisoformat(created)
    return (low is None or moment >= as_utc(low)) and (high is None or moment < as_utc(high))


ROUTES = (
    (r"/v2/workspaces", {"GET": list_workspaces}),
    (r"/v2/settings/trackers", {"GET": list_trackers}),
    (r"/v2/settings/scorecards", {"GET": list_scorecards}),
    (r"/v2/users/extensive", {"POST": users_extensive}),
    (r"/v2/stats/activity/scorecards", {"POST": answered_scorecards}),
    (r"/v2/stats/activity/aggregate", {"POST": aggregate_activity}),
)
