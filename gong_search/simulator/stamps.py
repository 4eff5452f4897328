"""Ids, hosts and timestamps shared by every part of the simulator (a leaf module)."""

from __future__ import annotations

import hashlib
from datetime import UTC, datetime, timedelta, timezone

ID_BASE = 10**18  # Gong ids are 19-digit numbers
APP_HOST = "https://us-40213.app.gong.io"
WORKSPACE_ID = "5517038468512940312"

ID_SPACE = 9 * 10**18  # every 19-digit number
SECOND_WORKSPACE_ID = "7782342274025937895"


def stable_id(*parts: object) -> str:
    """A 19-digit decimal string derived from ``parts``: Gong ids are strings above 2**53."""
    digest = hashlib.sha256(":".join(map(str, parts)).encode()).digest()
    return str(ID_BASE + int.from_bytes(digest[:8], "big") % ID_SPACE)


def format_timestamp(moment: datetime, utc_offset: int, precision: str = "seconds") -> str:
    """ISO 8601 in the given offset (minutes); UTC is written with a ``Z`` as Gong often does."""
    local = moment.astimezone(timezone(timedelta(minutes=utc_offset)))
    text = local.isoformat(timespec=precision)
    return text.removesuffix("+00:00") + "Z" if utc_offset == 0 else text


def timespec_for(moment: datetime) -> str:
    """The shortest ``isoformat`` timespec that keeps every digit of ``moment``."""
    if moment.microsecond == 0:
        return "seconds"
    return "milliseconds" if moment.microsecond % 1000 == 0 else "microseconds"


def as_utc(moment: datetime) -> datetime:
    """Naive datetimes are taken to be UTC."""
    return moment.replace(tzinfo=UTC) if moment.tzinfo is None else moment.astimezone(UTC)
