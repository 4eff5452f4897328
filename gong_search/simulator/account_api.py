"""Account-level endpoints: workspaces, settings, user details and activity stats.

Kept apart from ``api.py`` (calls and transcripts) so each module stays small; the route
functions take the ``GongApi`` instance so they share its auth, quotas, cursors and errors.
"""

from __future__ import annotations

from collections.abc import Sequence
from datetime import datetime
from typing import TYPE_CHECKING

from . import settings
from .tenant import as_utc, format_timestamp

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
    """POST /v2/stats/activity/aggregate: per user, calls hosted and attended in the window."""
    mod = _api()
    body = mod._json_body(request)
    raw = _filter(body)
    if not (raw.get("fromDate") and raw.get("toDate")):
        raise mod.ApiError(400, "Malformed request: fromDate and toDate are required")
    low, high = mod._parse_time(raw, "fromDate"), mod._parse_time(raw, "toDate")
    wanted = mod._string_list(raw, "userIds")
    hosted: dict[str, int] = {}
    attended: dict[str, int] = {}
    for call_id in api.overlay.ids_between(low, high):
        record = api.overlay.call(call_id) or {}
        host = record.get("metaData", {}).get("primaryUserId")
        hosted[host] = hosted.get(host, 0) + 1
        for user_id in {p["userId"] for p in record.get("parties", []) if p.get("userId")}:
            attended[user_id] = attended.get(user_id, 0) + 1
    stats = [
        _user_activity(user, hosted.get(user["id"], 0), attended.get(user["id"], 0))
        for user in api.overlay.users()
        if wanted is None or user["id"] in wanted
    ]
    offset = api._offset("/v2/stats/activity/aggregate", body.get("cursor"))
    page, records = api._page("/v2/stats/activity/aggregate", offset, stats, mod.NO_USERS)
    return {
        "requestId": mod.request_id(),
        "records": records,
        "usersAggregateActivityStats": page,
        "fromDateTime": format_timestamp(as_utc(low), 0) if low else raw["fromDate"],
        "toDateTime": format_timestamp(as_utc(high), 0) if high else raw["toDate"],
        "timeZone": "UTC",
    }


def _user_activity(user: dict, hosted: int, attended: int) -> dict:
    """Counts the simulator knows (hosted, attended); the feedback/sharing ones stay 0."""
    counters = dict.fromkeys(
        (
            "callsGaveFeedback",
            "callsRequestedFeedback",
            "callsReceivedFeedback",
            "ownCallsListenedTo",
            "othersCallsListenedTo",
            "callsSharedInternally",
            "callsSharedExternally",
            "callsScorecardsFilled",
            "callsScorecardsReceived",
            "callsCommentsGiven",
            "callsCommentsReceived",
            "callsMarkedAsFeedbackGiven",
            "callsMarkedAsFeedbackReceived",
        ),
        0,
    )
    return {
        "userId": user["id"],
        "userEmailAddress": user["emailAddress"],
        "userAggregateActivityStats": {
            "callsAsHost": hosted,
            "callsAttended": attended,
            **counters,
        },
    }


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
