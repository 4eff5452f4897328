"""Reading Gong's answers defensively: bodies, error texts, Retry-After, paging progress.

Each helper turns one hostile or broken thing a server can send into a typed outcome, so
the client's retry loop never meets an unexpected exception.
"""

from __future__ import annotations

import json
import math
import socket
import ssl
from datetime import UTC, datetime
from email.utils import parsedate_to_datetime
from typing import Any

import httpx

from ..errors import GongAPIError
from . import records

MAX_RETRY_AFTER = 7 * 86400.0  # longer asks (1e14, inf) are clamped: the run stops anyway


class BadBody(Exception):
    """A 200 whose body is not a JSON object (truncated, empty): treated like a network error."""


def json_body(path: str, response: httpx.Response) -> dict[str, Any]:
    try:
        body = json.loads(response.content)
    except (ValueError, UnicodeDecodeError):
        raise BadBody("invalid JSON body") from None
    except RecursionError:  # not transient: asking again gets the same poison
        raise GongAPIError(
            f"{path}: Gong's answer is JSON nested too deeply to read", 200
        ) from None
    if not isinstance(body, dict):
        raise BadBody("JSON body is not an object")
    return body


def error_text(response: httpx.Response) -> str:
    try:
        errors = response.json().get("errors")
    except (ValueError, AttributeError):
        return response.text[:200]
    if isinstance(errors, list):
        return "; ".join(str(e) for e in errors)[:300]
    return ""


def retry_after(response: httpx.Response) -> float:
    """Seconds to wait: delta-seconds or an HTTP-date (RFC 9110 allows both); absurd values
    are clamped to MAX_RETRY_AFTER, unreadable ones are 1 s."""
    value = response.headers.get("Retry-After", "").strip()
    try:
        seconds = float(value)
    except ValueError:
        seconds = _seconds_until(value)
    if math.isnan(seconds):
        return 1.0
    return min(max(0.0, seconds), MAX_RETRY_AFTER)


def _seconds_until(http_date: str) -> float:
    try:
        when = parsedate_to_datetime(http_date)
    except (TypeError, ValueError, IndexError):
        return 1.0
    when = when if when.tzinfo else when.replace(tzinfo=UTC)
    return (when - datetime.now(UTC)).total_seconds()


def check_progress(
    path: str, body: dict[str, Any], previous: dict[str, Any] | None, pages: int
) -> dict[str, Any]:
    """Stop a server that hands out new cursors without new records (it would never end):
    the same records twice in a row, or more pages than its own total allows."""
    content = {k: v for k, v in body.items() if k not in ("records", "requestId")}
    total = records.page_total(body)  # 0 when absent: then only repeats are caught
    repeated = content == previous and any(v for v in content.values() if isinstance(v, list))
    if repeated or (total and pages > total + 1):
        raise GongAPIError(
            f"{path}: the API is not making progress (page {pages} repeats records or exceeds "
            f"the {records.page_total(body)} it reports); giving up"
        )
    return content


def tls_refused(exc: BaseException) -> bool:
    """A certificate that fails verification will fail the same way on every retry."""
    seen: BaseException | None = exc
    while seen is not None:
        if isinstance(seen, ssl.SSLCertVerificationError):
            return True
        seen = seen.__cause__ or seen.__context__
    return False


def unreachable(exc: BaseException) -> str | None:
    """Why the host cannot be reached at all (a name DNS does not know, a port nothing
    listens on), or None: ``check`` says so at once instead of retrying for 20 s."""
    seen: BaseException | None = exc
    while seen is not None:
        if isinstance(seen, socket.gaierror):
            return "DNS lookup failed: no such host"
        if isinstance(seen, ConnectionRefusedError):
            return "connection refused: nothing listens on that port"
        seen = seen.__cause__ or seen.__context__
    return None


def describe(exc: Exception) -> str:
    return type(exc).__name__ if not str(exc) else f"{type(exc).__name__}: {exc}"[:200]
