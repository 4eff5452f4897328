"""Gong v2 semantics, independent of HTTP plumbing: auth, quotas, filters, pagination, errors.

Faithful to the behaviours clients trip over (see /work/shared/gong-api.md): 100 records a
page; an opaque cursor that is absent on the last page; POST endpoints read the cursor from
the body only, so a client that puts it in the query string loops on page 1 (Pipedream
#20760); an empty result is a 404 with "No calls found corresponding to the provided
filters"; dates compare call start, from inclusive and to exclusive; oldest first.
"""

from __future__ import annotations

import base64
import binascii
import hmac
import json
import random
import re
import secrets
import string
from collections.abc import Callable, Mapping, Sequence
from dataclasses import dataclass, field
from datetime import datetime, timedelta

from . import account_api
from .cursor import CursorCodec, CursorRejected
from .lag import ProcessingLag
from .limits import RateLimiter
from .overlay import TenantOverlay
from .selection import Selector, SelectorError, select
from .tenant import as_utc

PAGE_SIZE = 100
_SCHEDULE_SLACK = timedelta(days=1)
NO_CALLS = "No calls found corresponding to the provided filters"
NO_USERS = "No users found corresponding to the provided filters"
UNEXPECTED = "Failed to complete the operation due to an unexpected error"


class ApiError(Exception):
    def __init__(self, status: int, message: str, headers: dict[str, str] | None = None) -> None:
        super().__init__(message)
        self.status = status
        self.message = message
        self.headers = headers or {}


@dataclass
class ApiRequest:
    method: str
    path: str
    query: Mapping[str, list[str]] = field(default_factory=dict)
    body: bytes = b""
    headers: Mapping[str, str] = field(default_factory=dict)

    def query_value(self, name: str) -> str | None:
        values = self.query.get(name)
        return values[0] if values else None


@dataclass
class ApiResponse:
    status: int
    payload: dict
    headers: dict[str, str] = field(default_factory=dict)


@dataclass
class _CallFilter:
    start: datetime | None = None
    end: datetime | None = None
    call_ids: list[str] | None = None
    hosts: set[str] | None = None
    workspace: str | None = None


_Route = Callable[["GongApi", ApiRequest, dict[str, str]], dict]


def request_id() -> str:
    """Gong-style request reference, e.g. "4al018gzaztcr8nbukw"."""
    alphabet = string.ascii_lowercase + string.digits
    return "".join(secrets.choice(alphabet) for _ in range(19))


def error_payload(message: str) -> dict:
    return {"requestId": request_id(), "errors": [message]}


class GongApi:
    """Answers one request at a time; the caller serialises calls (state is not locked here)."""

    def __init__(
        self,
        overlay: TenantOverlay,
        *,
        credentials: tuple[str, str],
        bearer_token: str | None = None,
        users_page_size: int = PAGE_SIZE,
        limiter: RateLimiter,
        cursors: CursorCodec,
        lag: ProcessingLag,
        fail_rate: float = 0.0,
        seed: int = 0,
    ) -> None:
        self.overlay = overlay
        self._credentials = f"{credentials[0]}:{credentials[1]}"
        self._bearer = bearer_token
        self.users_page_size = users_page_size
        self._limiter = limiter
        self._cursors = cursors
        self._lag = lag
        self._fail_rate = fail_rate
        self._failures = random.Random(f"{seed}:failures")

    def handle(self, request: ApiRequest) -> ApiResponse:
        try:
            route, params = self._route(request)
            self._authenticate(request)
            self._throttle()
            if self._fail_rate and self._failures.random() < self._fail_rate:
                raise ApiError(500, UNEXPECTED)
            return ApiResponse(200, route(self, request, params))
        except ApiError as exc:
            return ApiResponse(exc.status, error_payload(exc.message), exc.headers)

    # ---- gatekeeping --------------------------------------------------------------------

    def _route(self, request: ApiRequest) -> tuple[_Route, dict[str, str]]:
        path = request.path.rstrip("/") or "/"
        for pattern, methods in _ROUTES:
            match = pattern.fullmatch(path)
            if match is None:
                continue
            if request.method not in methods:
                raise ApiError(
                    405,
                    f"Method {request.method} not allowed on {path}",
                    {"Allow": ", ".join(methods)},
                )
            return methods[request.method], match.groupdict()
        raise ApiError(404, f"No such endpoint: {path}")

    def _authenticate(self, request: ApiRequest) -> None:
        scheme, _, value = request.headers.get("Authorization", "").partition(" ")
        if scheme.lower() == "bearer" and self._bearer:
            if not hmac.compare_digest(value.strip().encode(), self._bearer.encode()):
                raise ApiError(401, "Access denied: invalid or expired access token")
            return
        if scheme.lower() != "basic" or not value:
            raise ApiError(401, "Access denied: missing Basic credentials")
        try:
            decoded = base64.b64decode(value.strip(), validate=True).decode()
        except (binascii.Error, UnicodeDecodeError):
            raise ApiError(401, "Access denied: malformed Basic credentials") from None
        if not hmac.compare_digest(decoded.encode(), self._credentials.encode()):
            raise ApiError(401, "Access denied: invalid access key or secret")

    def _throttle(self) -> None:
        wait = self._limiter.check()
        if wait is not None:
            raise ApiError(429, "API request limit exceeded", {"Retry-After": str(wait)})

    # ---- endpoints ----------------------------------------------------------------------

    def list_users(self, request: ApiRequest, params: dict[str, str]) -> dict:
        offset = self._offset("/v2/users", request.query_value("cursor"))
        users, records = self._page(
            "/v2/users", offset, self.overlay.users(), NO_USERS, self.users_page_size
        )
        return {"requestId": request_id(), "records": records, "users": users}

    def get_user(self, request: ApiRequest, params: dict[str, str]) -> dict:
        for user in self.overlay.users():
            if user["id"] == params["id"]:
                return {"requestId": request_id(), "user": user}
        raise ApiError(404, "User not found")

    def get_call(self, request: ApiRequest, params: dict[str, str]) -> dict:
        record = self.overlay.call(params["id"])
        if record is None:
            raise ApiError(404, "Call ID was not found")
        return {"requestId": request_id(), "call": record["metaData"]}

    def list_calls(self, request: ApiRequest, params: dict[str, str]) -> dict:
        """GET /v2/calls: compares the scheduled time of web conferences, else the start.

        The spec marks both dates required, but its own parameter text says a missing
        ``fromDateTime`` starts at the earliest call and a missing ``toDateTime`` ends at the
        most recent one, and clients (Airbyte) rely on that, so neither is enforced.
        """
        flt = _parse_filter({k: v[0] for k, v in request.query.items() if v}, hosts=False)
        offset = self._offset("/v2/calls", request.query_value("cursor"))
        ids = self._listed(flt, by_schedule=True)
        page, records = self._page("/v2/calls", offset, ids, NO_CALLS)
        calls = [self._record(call_id)["metaData"] for call_id in page]
        return {"requestId": request_id(), "records": records, "calls": calls}

    def upload_call(self, request: ApiRequest, params: dict[str, str]) -> dict:
        """POST /v2/calls creates a call; clients that use it to list calls get a 400."""
        raise ApiError(
            400,
            "Malformed request: clientUniqueId, actualStart, parties, direction "
            "and primaryUser are required",
        )

    def extensive(self, request: ApiRequest, params: dict[str, str]) -> dict:
        body = _json_body(request)
        flt = _parse_filter(body.get("filter"), hosts=True)
        offset = self._offset("/v2/calls/extensive", body.get("cursor"))
        try:
            selector = Selector.parse(body)
        except SelectorError as exc:
            raise ApiError(400, f"Malformed request: {exc}") from None
        self._lag.count_extensive_request()
        page, records = self._page("/v2/calls/extensive", offset, self._listed(flt), NO_CALLS)
        calls = [self._selected(call_id, selector) for call_id in page]
        return {"requestId": request_id(), "records": records, "calls": calls}

    def _selected(self, call_id: str, selector: Selector) -> dict:
        """Only the whole call when more than metadata, parties and topics is asked for."""
        record = self.overlay.details(call_id) if selector.needs_whole else None
        return select(record or self._record(call_id), selector, self._start_key(call_id)[0])

    def transcripts(self, request: ApiRequest, params: dict[str, str]) -> dict:
        body = _json_body(request)
        flt = _parse_filter(body.get("filter"), hosts=False)
        offset = self._offset("/v2/calls/transcript", body.get("cursor"))
        self._lag.count_transcript_request()
        page, records = self._page("/v2/calls/transcript", offset, self._listed(flt), NO_CALLS)
        entries = [self._transcript(call_id) for call_id in page]
        return {"requestId": request_id(), "records": records, "callTranscripts": entries}

    # ---- listing helpers ----------------------------------------------------------------

    def _offset(self, endpoint: str, cursor: object) -> int:
        if cursor in (None, ""):
            return 0
        if not isinstance(cursor, str):
            raise ApiError(400, "Invalid cursor")
        try:
            return self._cursors.decode(endpoint, cursor)
        except CursorRejected as exc:
            raise ApiError(400, str(exc)) from None

    def _page(
        self,
        endpoint: str,
        offset: int,
        items: Sequence,
        empty_message: str,
        size: int = PAGE_SIZE,
    ) -> tuple[list, dict]:
        total = len(items)
        if offset >= total:
            raise ApiError(404, empty_message)
        page = list(items[offset : offset + size])
        records = {
            "totalRecords": total,
            "currentPageSize": len(page),
            "currentPageNumber": offset // size,
        }
        if offset + len(page) < total:
            records["cursor"] = self._cursors.encode(endpoint, offset + len(page), total)
        return page, records

    def _listed(self, flt: _CallFilter, by_schedule: bool = False) -> Sequence[str]:
        """Ids matching ``flt``, oldest first, minus calls the processing lag still hides.

        ``by_schedule`` compares what GET /v2/calls compares (``CallKey.listed_at``): calls
        starting up to a day either side of the window are candidates, then filtered.
        """
        if by_schedule and (flt.start or flt.end):
            wider = _CallFilter(
                flt.start and flt.start - _SCHEDULE_SLACK,
                flt.end and flt.end + _SCHEDULE_SLACK,
                flt.call_ids,
                flt.hosts,
                flt.workspace,
            )
            return [c for c in self._listed(wider) if self._listed_in(c, flt)]
        if flt.call_ids is not None:
            wanted = dict.fromkeys(flt.call_ids)
            inside = [c for c in wanted if self.overlay.in_window(c, flt.start, flt.end)]
            ids: Sequence[str] = sorted(inside, key=self._start_key)
        else:
            ids = self.overlay.ids_between(flt.start, flt.end)
        if flt.hosts is not None or flt.workspace is not None:
            ids = [c for c in ids if self._owned(c, flt)]
        if self._lag.hides_calls:
            ids = [c for c in ids if self._lag.listed(c)]
        return ids

    def _listed_in(self, call_id: str, flt: _CallFilter) -> bool:
        key = self.overlay.call_key(call_id)
        assert key is not None
        moment = key.listed_at or key.started
        return (flt.start is None or moment >= as_utc(flt.start)) and (
            flt.end is None or moment < as_utc(flt.end)
        )

    def _start_key(self, call_id: str) -> tuple[datetime, str]:
        key = self.overlay.call_key(call_id)
        assert key is not None
        return key.started, call_id

    def _owned(self, call_id: str, flt: _CallFilter) -> bool:
        key = self.overlay.call_key(call_id)
        return (
            key is not None
            and (flt.hosts is None or key.primary_user_id in flt.hosts)
            and (flt.workspace is None or key.workspace_id == flt.workspace)
        )

    def _record(self, call_id: str) -> dict:
        record = self.overlay.call(call_id)
        assert record is not None, call_id
        return record

    def _transcript(self, call_id: str) -> dict:
        entry = self.overlay.transcript(call_id) or {"callId": call_id, "transcript": []}
        if not self._lag.transcript_ready(call_id):
            entry["transcript"] = []
        return entry


_ROUTES: list[tuple[re.Pattern[str], dict[str, _Route]]] = [
    (re.compile(r"/v2/users"), {"GET": GongApi.list_users}),
    *((re.compile(pattern), methods) for pattern, methods in account_api.ROUTES),
    (re.compile(r"/v2/users/(?P<id>[^/]+)"), {"GET": GongApi.get_user}),
    (re.compile(r"/v2/calls"), {"GET": GongApi.list_calls, "POST": GongApi.upload_call}),
    (re.compile(r"/v2/calls/extensive"), {"POST": GongApi.extensive}),
    (re.compile(r"/v2/calls/transcript"), {"POST": GongApi.transcripts}),
    (re.compile(r"/v2/calls/(?P<id>[^/]+)"), {"GET": GongApi.get_call}),
]


def _json_body(request: ApiRequest) -> dict:
    try:
        body = json.loads(request.body or b"null")
    except (UnicodeDecodeError, json.JSONDecodeError):
        raise ApiError(400, "Malformed request: body is not valid JSON") from None
    if not isinstance(body, dict):
        raise ApiError(400, "Malformed request: expected a JSON object body")
    return body


def _parse_filter(raw: object, hosts: bool) -> _CallFilter:
    """Validates a ``filter`` object; ``primaryUserIds`` only counts where Gong supports it."""
    if not isinstance(raw, dict):
        raise ApiError(400, "Malformed request: 'filter' is required")
    host_ids = _string_list(raw, "primaryUserIds") if hosts else None
    return _CallFilter(
        start=_parse_time(raw, "fromDateTime"),
        end=_parse_time(raw, "toDateTime"),
        call_ids=_string_list(raw, "callIds"),
        hosts=None if host_ids is None else set(host_ids),
        workspace=str(raw["workspaceId"]) if raw.get("workspaceId") else None,
    )


def _parse_time(raw: dict, name: str) -> datetime | None:
    value = raw.get(name)
    if value in (None, ""):
        return None
    if isinstance(value, str):
        try:
            return datetime.fromisoformat(value)
        except ValueError:
            pass
    raise ApiError(400, f"Malformed request: {name} {value!r} is not an ISO-8601 date-time")


def _string_list(raw: dict, name: str) -> list[str] | None:
    value = raw.get(name)
    if value is None:
        return None
    if not isinstance(value, list) or not all(isinstance(v, str | int) for v in value):
        raise ApiError(400, f"Malformed request: {name} must be a list of id strings")
    return [str(v) for v in value]
