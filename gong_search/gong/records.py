"""Gong JSON -> typed records. The only module that reads Gong's raw dicts.

Parsing is lenient on purpose: Gong adds fields without notice and leaves optional ones
out, so unknown keys are ignored, missing ones get defaults, and wrong types degrade to
defaults instead of crashing a night's harvest. Text is cleaned on the way in (control
characters and lone surrogates, which SQLite and JSON encoders reject).

Poison is refused here, once, so nothing stored can fail to be read back: numbers out of
range (``1e400``, NaN) become 0 or are clamped, dates outside :data:`EARLIEST`..
:data:`LATEST` are no dates (a call start falls back to :data:`EPOCH`), and records nested
deeper than :data:`MAX_DEPTH` are dropped. Each is logged with the call id.
"""

from __future__ import annotations

import logging
import math
import re
from dataclasses import dataclass, field
from datetime import UTC, datetime
from typing import Any

AFFILIATIONS = ("Internal", "External", "Unknown")
_CONTROL = re.compile(r"[\x00-\x08\x0b\x0c\x0e-\x1f\x7f\ud800-\udfff]")
EPOCH = datetime(1970, 1, 1, tzinfo=UTC)
EARLIEST = datetime(1990, 1, 1, tzinfo=UTC)  # before Gong existed: not a real call date
LATEST = datetime(2200, 1, 1, tzinfo=UTC)
MAX_INT = 2**53  # what JSON consumers (and Whoosh's 64-bit numeric fields) keep exactly
MAX_DEPTH = 64  # Gong's records nest 5 deep; far deeper is hostile (RecursionError later)
log = logging.getLogger(__name__)


@dataclass(frozen=True)
class User:
    id: str
    email: str
    first_name: str
    last_name: str
    title: str
    raw: dict[str, Any] = field(default_factory=dict, compare=False, repr=False)

    @property
    def name(self) -> str:
        return f"{self.first_name} {self.last_name}".strip() or self.email


@dataclass(frozen=True)
class Party:
    speaker_id: str
    name: str
    email: str
    title: str
    user_id: str
    affiliation: str
    phone: str

    @property
    def display_name(self) -> str:
        """Name, else email, else phone: what a person would recognise."""
        return self.name or self.email or self.phone or ""


@dataclass(frozen=True)
class Sentence:
    start_ms: int
    end_ms: int
    text: str


@dataclass(frozen=True)
class Monologue:
    speaker_id: str
    topic: str
    sentences: tuple[Sentence, ...]


@dataclass(frozen=True)
class Call:
    """Call metadata with its parties. ``raw`` keeps Gong's JSON as received, for the catalog."""

    id: str
    title: str
    url: str
    started: datetime
    duration: int
    primary_user_id: str
    scope: str
    is_private: bool
    parties: tuple[Party, ...] = ()
    topics: tuple[str, ...] = ()
    raw: dict[str, Any] = field(default_factory=dict, compare=False, repr=False)


@dataclass(frozen=True)
class Transcript:
    call_id: str
    monologues: tuple[Monologue, ...] = field(default_factory=tuple)
    raw: dict[str, Any] = field(default_factory=dict, compare=False, repr=False)

    @property
    def sentence_count(self) -> int:
        return sum(len(m.sentences) for m in self.monologues)


def clean_text(value: Any) -> str:
    """A str with no control characters or lone surrogates; non-strings become ''."""
    if not isinstance(value, str):
        return ""
    return _CONTROL.sub("", value).strip() if _CONTROL.search(value) else value.strip()


def _id(value: Any) -> str:
    """Ids stay strings end to end; numbers (which lose precision in JS) are turned back."""
    if isinstance(value, bool) or value is None:
        return ""
    if isinstance(value, int):
        return str(value)
    return clean_text(value)


def _int(value: Any) -> int:
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


def _too_deep(raw: Any) -> bool:
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


def _dict(value: Any) -> dict[str, Any]:
    return value if isinstance(value, dict) else {}


def _list(value: Any) -> list[Any]:
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


def parse_user(raw: Any) -> User | None:
    raw = _dict(raw)
    user_id = _id(raw.get("id"))
    if not user_id:
        return None
    return User(
        id=user_id,
        email=clean_text(raw.get("emailAddress")),
        first_name=clean_text(raw.get("firstName")),
        last_name=clean_text(raw.get("lastName")),
        title=clean_text(raw.get("title")),
        raw=raw,
    )


def parse_party(raw: Any) -> Party:
    raw = _dict(raw)
    affiliation = raw.get("affiliation")
    return Party(
        speaker_id=_id(raw.get("speakerId")),
        name=clean_text(raw.get("name")),
        email=clean_text(raw.get("emailAddress")).lower(),
        title=clean_text(raw.get("title")),
        user_id=_id(raw.get("userId")),
        affiliation=affiliation if affiliation in AFFILIATIONS else "Unknown",
        phone=clean_text(raw.get("phoneNumber")),
    )


def parse_call(raw: Any) -> Call | None:
    """An /v2/calls/extensive ``calls[]`` item (``metaData`` + ``parties``) -> Call."""
    raw = _dict(raw)
    meta = _dict(raw.get("metaData"))
    call_id = _id(meta.get("id"))
    if not call_id or _refused(raw, "call", call_id):
        return None
    started = parse_datetime(meta.get("started"))
    if started is None and meta.get("started") is not None:
        log.warning("call %s: start %.40r is not a usable date; kept as 1970-01-01", call_id,
                    meta.get("started"))  # fmt: skip
    topics = tuple(
        clean_text(_dict(t).get("name")) for t in _list(_dict(raw.get("content")).get("topics"))
    )
    return Call(
        id=call_id,
        title=clean_text(meta.get("title")),
        url=clean_text(meta.get("url")),
        started=started or EPOCH,
        duration=_int(meta.get("duration")),
        primary_user_id=_id(meta.get("primaryUserId")),
        scope=clean_text(meta.get("scope")) or "Unknown",
        is_private=meta.get("isPrivate") is True,
        parties=tuple(parse_party(p) for p in _list(raw.get("parties"))),
        topics=tuple(t for t in topics if t),
        raw=raw,
    )


def _refused(raw: dict[str, Any], what: str, call_id: str) -> bool:
    if _too_deep(raw):
        log.warning("%s %s: nested deeper than %d levels; skipped", what, call_id, MAX_DEPTH)
        return True
    return False


def parse_transcript(raw: Any) -> Transcript | None:
    """A /v2/calls/transcript ``callTranscripts[]`` item -> Transcript (empty text dropped)."""
    raw = _dict(raw)
    call_id = _id(raw.get("callId"))
    if not call_id or _refused(raw, "transcript of call", call_id):
        return None
    monologues = []
    for mono in _list(raw.get("transcript")):
        mono = _dict(mono)
        sentences = tuple(
            Sentence(_int(s.get("start")), _int(s.get("end")), clean_text(s.get("text")))
            for s in map(_dict, _list(mono.get("sentences")))
        )
        sentences = tuple(s for s in sentences if s.text)
        if sentences:
            monologues.append(
                Monologue(_id(mono.get("speakerId")), clean_text(mono.get("topic")), sentences)
            )
    return Transcript(call_id, tuple(monologues), raw=raw)


def page_records(raw: Any, key: str) -> list[Any]:
    """The list under ``key`` in a page body, or [] when absent or malformed."""
    return _list(_dict(raw).get(key))


def page_cursor(raw: Any) -> str | None:
    cursor = _dict(_dict(raw).get("records")).get("cursor")
    return cursor if isinstance(cursor, str) and cursor else None


def page_total(raw: Any) -> int:
    return _int(_dict(_dict(raw).get("records")).get("totalRecords"))
