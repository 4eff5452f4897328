"""The Gong v2 HTTP client: auth, client-side rate limiting, retries and pagination.

Sending is layered so each step stays small: ``iter_pages()`` walks cursors,
``_send_with_retry()`` applies the retry policy, ``_send_once()`` throttles and sends.
Responses are sorted into retriable (429, 5xx, network) and fatal (other 4xx) in one
place, :meth:`GongClient._check`. Typed records come out; raw JSON never leaves this
package.
"""

from __future__ import annotations

import random
import threading
import time
from collections.abc import Callable, Iterator
from dataclasses import dataclass
from datetime import date, datetime, timedelta
from typing import Any, Generic, TypeVar

import httpx

from ..config import Credentials
from ..errors import (
    AuthError,
    CursorExpiredError,
    GongAPIError,
    RateLimitedError,
    UnreachableError,
)
from . import records, tracker_settings
from .responses import (
    BadBody,
    check_progress,
    describe,
    error_text,
    json_body,
    retry_after,
    tls_refused,
    unreachable,
)

T = TypeVar("T")
MAX_IDS_PER_REQUEST = 100
# What a call listing asks for: the whole call as the index and `show` use it. Changing
# it means catalogs synced before lack something: bump DETAILS_VERSION so `sync`
# refreshes their call details (one listing request per 100 calls, no transcripts).
CONTENT_SELECTOR = {
    "context": "Extended",
    "contextTiming": ["Now", "TimeOfCall"],
    "exposedFields": {
        "parties": True,
        "content": {
            "topics": True,
            "trackers": True,
            "trackerOccurrences": True,
            "brief": True,
            "outline": True,
            "highlights": True,
            "keyPoints": True,
            "callOutcome": True,
        },
        "collaboration": {"publicComments": True},
    },
}
DETAILS_VERSION = "2"
_EMPTY_404 = "found corresponding to the provided filters"


@dataclass(frozen=True)
class RetryPolicy:
    """How hard to try.

    ``max_wait`` caps the seconds slept on 429s for one request (one long Retry-After, or a
    storm of short ones); past it the run stops with :class:`RateLimitedError` (exit 1).
    """

    max_attempts: int = 8
    backoff_base: float = 0.5
    backoff_max: float = 8.0
    max_wait: float = 300.0
    network_budget: float = 30.0  # give up on an unreachable host after about this long...
    min_attempts: int = 3  # ...but only after this many tries: one read timeout (30 s) is
    # as long as the whole budget, and a single slow answer must not end the sync
    fail_fast: bool = False  # `check`: an unknown host or a refused port is said at once

    def backoff(self, attempt: int) -> float:
        """Exponential backoff with full jitter, so parallel clients do not stampede."""
        return random.uniform(0, min(self.backoff_max, self.backoff_base * 2**attempt))


class TokenBucket:
    """Spread requests to ``rate`` per second (burst ``capacity``); ``rate <= 0`` disables.

    The default burst is 1: evenly spaced requests never trip Gong's own 3/s window,
    whatever phase its bucket is in.
    """

    def __init__(self, rate: float, capacity: float = 1.0) -> None:
        self.rate = rate
        self.capacity = capacity
        self._tokens = self.capacity
        self._stamp = time.monotonic()
        self._lock = threading.Lock()

    def acquire(self) -> None:
        if self.rate <= 0:
            return
        with self._lock:
            now = time.monotonic()
            self._tokens = min(self.capacity, self._tokens + (now - self._stamp) * self.rate)
            self._stamp = now
            wait = (1 - self._tokens) / self.rate if self._tokens < 1 else 0.0
            self._tokens -= 1
        if wait > 0:
            time.sleep(wait)


@dataclass(frozen=True)
class Page(Generic[T]):
    """One page of typed records plus the result-set size Gong reported."""

    items: list[T]
    total: int


@dataclass(frozen=True)
class ActivityPage(Page[records.UserActivity]):
    """A page of per-user activity, with the window Gong says it counted over."""

    window: records.ActivityWindow = records.ActivityWindow(None, None, "")


class GongClient:
    """One client per run: one connection pool, one rate budget, one request counter."""

    def __init__(
        self,
        credentials: Credentials,
        *,
        rate: float = 3.0,
        retry: RetryPolicy | None = None,
        timeout: float = 30.0,
        transport: httpx.BaseTransport | None = None,
    ) -> None:
        self.base_url = credentials.base_url
        self.retry = retry or RetryPolicy()
        self.bucket = TokenBucket(rate)
        self.request_count = 0
        # told (attempt, max attempts, reason, seconds to wait) before each retry, so a
        # long wait on a flaky network is visible ("retrying (3/8)")
        self.on_retry: Callable[[int, int, str, float], None] | None = None
        self._http = httpx.Client(
            base_url=_api_root(credentials.base_url),
            auth=(credentials.access_key, credentials.secret_key.reveal()),
            timeout=httpx.Timeout(timeout, connect=5.0),
            transport=transport,
            headers={"Accept": "application/json", "User-Agent": "gong-search"},
            # HTTP_PROXY for a plain http:// (loopback) base URL would hand the Basic
            # credentials to the proxy in clear text; https goes through proxies encrypted
            trust_env=not credentials.base_url.startswith("http://"),
        )

    def __enter__(self) -> GongClient:
        return self

    def __exit__(self, *exc: object) -> None:
        self.close()

    def close(self) -> None:
        self._http.close()

    def __repr__(self) -> str:
        return f"GongClient({self.base_url!r})"

    # -- endpoints ---------------------------------------------------------------------

    def users(self) -> Iterator[Page[records.User]]:
        for body in self.iter_pages("GET", "/v2/users"):
            users = [records.parse_user(u) for u in records.page_records(body, "users")]
            yield Page([u for u in users if u], records.page_total(body))

    def calls(
        self,
        start: datetime | None = None,
        end: datetime | None = None,
        call_ids: list[str] | None = None,
    ) -> Iterator[Page[records.Call]]:
        """Calls with everything the index uses (:data:`CONTENT_SELECTOR`), oldest first,
        a page at a time."""
        payload = {
            "filter": _filter(start, end, call_ids),
            "contentSelector": CONTENT_SELECTOR,
        }
        for body in self.iter_pages("POST", "/v2/calls/extensive", payload):
            calls = [records.parse_call(c) for c in records.page_records(body, "calls")]
            yield Page([c for c in calls if c], records.page_total(body))

    def transcripts(
        self,
        call_ids: list[str] | None = None,
        start: datetime | None = None,
        end: datetime | None = None,
    ) -> Iterator[Page[records.Transcript]]:
        """Transcripts of up to 100 ``call_ids`` (and/or a window), a page at a time."""
        if call_ids is not None and len(call_ids) > MAX_IDS_PER_REQUEST:
            raise ValueError(f"at most {MAX_IDS_PER_REQUEST} call ids per transcript request")
        payload = {"filter": _filter(start, end, call_ids)}
        for body in self.iter_pages("POST", "/v2/calls/transcript", payload):
            items = [
                records.parse_transcript(t) for t in records.page_records(body, "callTranscripts")
            ]
            yield Page([t for t in items if t], records.page_total(body))

    def activity(
        self, start: date, end: date, user_ids: list[str] | None = None
    ) -> Iterator[ActivityPage]:
        """Aggregate activity per user over the days ``[start, end)`` of the company's time
        zone (``end`` at most today), all users or ``user_ids``, a page at a time."""
        flt: dict[str, Any] = {"fromDate": start.isoformat(), "toDate": end.isoformat()}
        if user_ids is not None:
            flt["userIds"] = list(user_ids)
        for body in self.iter_pages("POST", "/v2/stats/activity/aggregate", {"filter": flt}):
            items = records.page_records(body, "usersAggregateActivityStats")
            parsed = [records.parse_user_activity(a) for a in items]
            yield ActivityPage(
                [a for a in parsed if a],
                records.page_total(body),
                records.parse_activity_window(body),
            )

    def trackers(self) -> list[tracker_settings.KeywordTracker]:
        """Every keyword tracker definition, in every workspace (``/v2/settings/trackers``)."""
        found = []
        for body in self.iter_pages("GET", "/v2/settings/trackers"):
            found += map(
                tracker_settings.parse_tracker, records.page_records(body, "keywordTrackers")
            )
        return [t for t in found if t]

    def workspaces(self) -> list[tracker_settings.Workspace]:
        found = []
        for body in self.iter_pages("GET", "/v2/workspaces"):
            found += map(tracker_settings.parse_workspace, records.page_records(body, "workspaces"))
        return [w for w in found if w]

    # -- paging and sending ------------------------------------------------------------

    def iter_pages(
        self, method: str, path: str, payload: dict[str, Any] | None = None
    ) -> Iterator[dict[str, Any]]:
        """Yield raw page bodies until ``records.cursor`` is absent.

        GET sends the cursor as a query parameter, POST as a top-level body field (Gong
        ignores a POST's query string). A cursor seen twice means a server loop: stop
        with an error rather than spin forever.
        """
        cursor: str | None = None
        seen: set[str] = set()
        previous: dict[str, Any] | None = None
        pages = 0
        while True:
            if method == "GET":
                body = self._send_with_retry(
                    method, path, params={"cursor": cursor} if cursor else None
                )
            else:
                body = self._send_with_retry(
                    method, path, json={**(payload or {}), **({"cursor": cursor} if cursor else {})}
                )
            if body is None:  # Gong's 404 "no calls found" = an empty result
                return
            pages += 1
            previous = check_progress(path, body, previous, pages)
            yield body
            cursor = records.page_cursor(body)
            if cursor is None:
                return
            if cursor in seen:
                raise GongAPIError(f"{path}: the API returned the same cursor twice; giving up")
            seen.add(cursor)

    def _send_with_retry(self, method: str, path: str, **kwargs: Any) -> dict[str, Any] | None:
        """Send until a usable answer, or raise a typed error.

        Two budgets, because the two kinds of trouble mean different things: failures (5xx,
        network errors, timeouts, broken bodies) are bounded by ``max_attempts`` and
        ``network_budget``; 429s are Gong telling us exactly how long to wait, so they are
        bounded only by the total time ``max_wait`` we are willing to sleep through.
        """
        started = time.monotonic()
        failures = 0
        throttled = 0.0
        while True:
            try:
                outcome = self._check(path, self._send_once(method, path, **kwargs))
            except (httpx.TransportError, BadBody) as exc:
                if tls_refused(exc):
                    raise UnreachableError(
                        f"{self.base_url}{path}: TLS certificate not trusted "
                        f"({describe(exc)}); not retried"
                    ) from None
                if self.retry.fail_fast and (why := unreachable(exc)):
                    raise UnreachableError(f"cannot reach {self.base_url}: {why}") from None
                outcome = _Retry(None, describe(exc))
            if not isinstance(outcome, _Retry):
                return outcome
            if outcome.retry_after is not None:
                throttled += self._wait_out_rate_limit(outcome.retry_after, throttled)
                continue
            failures += 1
            if failures >= self.retry.max_attempts or (
                failures >= self.retry.min_attempts
                and time.monotonic() - started > self.retry.network_budget
            ):
                kept = "" if self.retry.fail_fast else "; committed work is kept, run again later"
                raise UnreachableError(
                    f"{self.base_url}{path}: gave up after {failures} attempts "
                    f"({outcome.reason}){kept}"
                )
            pause = self.retry.backoff(failures - 1)
            if self.on_retry is not None:
                self.on_retry(failures, self.retry.max_attempts, outcome.reason, pause)
            time.sleep(pause)

    def _wait_out_rate_limit(self, retry_after: float, already: float) -> float:
        """Sleep through one 429 and return the time slept, or stop if it is too long.

        ``Retry-After: 0`` still waits ``backoff_base`` so a confused server is not hammered.
        """
        wait = max(retry_after, self.retry.backoff_base)
        if already + wait > self.retry.max_wait:
            raise _rate_limited(retry_after, already, self.retry.max_wait)
        time.sleep(wait)
        return wait

    def _send_once(self, method: str, path: str, **kwargs: Any) -> httpx.Response:
        self.bucket.acquire()
        self.request_count += 1
        response = self._http.request(method, path, **kwargs)
        response.read()
        return response

    def _check(self, path: str, response: httpx.Response) -> dict[str, Any] | _Retry | None:
        """Sort a response: a body (dict), None (empty result), or a :class:`_Retry`."""
        status = response.status_code
        if status == 200:
            return json_body(path, response)
        message = error_text(response)
        if status == 429:
            return _Retry(retry_after(response), "HTTP 429")
        if status >= 500:
            return _Retry(None, f"HTTP {status}")
        if status == 404 and _EMPTY_404 in message:
            return None
        if status in (401, 403):
            raise AuthError(
                f"Gong rejected the credentials ({status}) - check access_key/secret_key "
                f"for {self.base_url}",
                status,
            )
        if status == 400 and "cursor" in message.lower() and "expired" in message.lower():
            raise CursorExpiredError(f"{path}: cursor expired", status)
        raise GongAPIError(f"{path}: Gong answered {status}: {message or 'no details'}", status)


@dataclass(frozen=True)
class _Retry:
    """A response worth sending again: ``retry_after`` seconds for a 429, else None."""

    retry_after: float | None
    reason: str


def _rate_limited(retry_after: float, already: float, max_wait: float) -> RateLimitedError:
    """The stop message names the moment to try again, in local time, not just a duration."""
    when = datetime.now().astimezone() + timedelta(seconds=retry_after)
    if retry_after > max_wait:
        why = f"it asks to wait {int(retry_after)} s (more than --max-wait {int(max_wait)} s)"
    else:
        why = f"still limited after waiting {int(already)} s (--max-wait {int(max_wait)} s)"
    return RateLimitedError(
        f"Gong rate limit or daily quota reached; {why}. Committed work is kept; run sync "
        f"again after {when:%Y-%m-%d %H:%M} local time",
        retry_after=retry_after,
    )


def _api_root(base_url: str) -> str:
    """Accept both ``https://host`` and ``https://host/v2`` as the configured base URL."""
    return base_url[: -len("/v2")] if base_url.endswith("/v2") else base_url


def _filter(
    start: datetime | None, end: datetime | None, call_ids: list[str] | None
) -> dict[str, Any]:
    result: dict[str, Any] = {}
    if start is not None:
        result["fromDateTime"] = start.isoformat()
    if end is not None:
        result["toDateTime"] = end.isoformat()
    if call_ids is not None:
        result["callIds"] = list(call_ids)
    return result
