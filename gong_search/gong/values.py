"""Gong's raw values -> Python values, leniently: the primitives both parsers share.

Gong adds fields without notice and leaves optional ones out, so wrong types degrade to
defaults instead of crashing a night's harvest; text loses control characters and lone
surrogates (which SQLite and JSON encoders reject); numbers and dates out of range are
refused (see :mod:`.records`).
"""

from __future__ import annotations

import math
import re
from datetime import UTC, datetime
from typing import Any

_CONTROL = re.compile(r"[\x00-\x08\x0b\x0c\x0e-\x1f\x7f\ud800-\udfff]")
EPOCH = datetime(1970, 1, 1, tzinfo=UTC)
EARLIEST = datetime(1990, 1, 1, tzinfo=UTC)  # before Gong existed: not a real call date
LATEST = datetime(2200, 1, 1, tzinfo=UTC)
MAX_INT = 2**53  # what JSON consumers (and Whoosh's 64-bit numeric fields) keep exactly
MAX_DEPTH = 64  # Gong's records nest 5 deep; far deeper is hostile (RecursionError later)


def clean_text(value: Any) -> str:
    """A str with no control characters or lone surrogates; non-strings become ''."""
    if not isinstance(value, str):
        return ""
    return _CONTROL.sub("", value).strip() if _CONTROL.search(value) else value.strip()


def as_id(value: Any) -> str:
    """Ids stay strings end to end; numbers (which lose precision in JS) are turned back."""
    if isinstance(value, bool) or value is None:
        return ""
    if isinstance(value, int):
        return str(value)
    return clean_text(value)


def as_int(value: Any) -> int:
    """An int within +-MAX_INT; NaN, infinities, and anything else unusable become 0."""
    if isinstance(value, bool):
        return 0
    if isinstance(value, str):
        try:
            value = float(value)
        except ValueError:
            return 0
    if isinstance(value, float) and not math.isfinite(value):
        return 0
    if isinstance(value, (int, float)):
        return max(-MAX_INT, min(MAX_INT, int(value)))
    return 0


def too_deep(raw: Any) -> bool:
    """Nested deeper than MAX_DEPTH (checked without recursion, so it cannot blow up)."""
    stack = [(raw, 1)]
    while stack:
        value, depth = stack.pop()
        if depth > MAX_DEPTH:
            return True
        children = value.values() if isinstance(value, dict) else value
        if isinstance(value, (dict, list)):
            stack.extend((child, depth + 1) for child in children)
    return False


def as_dict(value: Any) -> dict[str, Any]:
    return value if isinstance(value, dict) else {}


def as_list(value: Any) -> list[Any]:
    return value if isinstance(value, list) else []


def parse_datetime(value: Any) -> datetime | None:
    """ISO 8601 with any offset (``Z`` included) -> aware datetime; None if unusable."""
    if not isinstance(value, str) or not value:
        return None
    try:
        parsed = datetime.fromisoformat(value.replace("Z", "+00:00"))
        parsed = parsed if parsed.tzinfo else parsed.replace(tzinfo=UTC)
        in_range = EARLIEST <= parsed.astimezone(UTC) < LATEST
    except (ValueError, OverflowError):  # e.g. 9999-12-31T23:59:59-12:00 is year 10000 UTC
        return None
    return parsed if in_range else None
