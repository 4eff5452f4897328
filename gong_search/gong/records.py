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
from dataclasses import dataclass, field
from datetime import datetime
from typing import Any

from .call_content import CallContent, CrmObject, parse_content, parse_context
from .values import (  # noqa: F401  (EARLIEST, LATEST, clean_text, parse_datetime: re-exported)
    EARLIEST,
    EPOCH,
    LATEST,
    MAX_DEPTH,
    as_dict,
    as_id,
    as_int,
    as_list,
    clean_text,
    parse_datetime,
    too_deep,
)

AFFILIATIONS = ("Internal", "External", "Unknown")
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
    methods: tuple[str, ...] = ()  # Invitee (was invited), Attendee (joined)
    crm: tuple[CrmObject, ...] = ()  # the CRM contact/lead/user behind the participant

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
    direction: str = ""  # Inbound, Outbound, Conference, Unknown
    system: str = ""  # the conferencing or telephony system
    language: str = ""  # ISO 639-2, e.g. eng
    workspace_id: str = ""
    purpose: str = ""
    content: CallContent = field(default_factory=CallContent)
    raw: dict[str, Any] = field(default_factory=dict, compare=False, repr=False)


@dataclass(frozen=True)
class Transcript:
    call_id: str
    monologues: tuple[Monologue, ...] = field(default_factory=tuple)
    raw: dict[str, Any] = field(default_factory=dict, compare=False, repr=False)

    @property
    def sentence_count(self) -> int:
        return sum(len(m.sentences) for m in self.monologues)


def parse_user(raw: Any) -> User | None:
    raw = as_dict(raw)
    user_id = as_id(raw.get("id"))
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
    raw = as_dict(raw)
    affiliation = raw.get("affiliation")
    return Party(
        speaker_id=as_id(raw.get("speakerId")),
        name=clean_text(raw.get("name")),
        email=clean_text(raw.get("emailAddress")).lower(),
        title=clean_text(raw.get("title")),
        user_id=as_id(raw.get("userId")),
        affiliation=affiliation if affiliation in AFFILIATIONS else "Unknown",
        phone=clean_text(raw.get("phoneNumber")),
        methods=tuple(m for m in map(clean_text, as_list(raw.get("methods"))) if m),
        crm=parse_context(raw.get("context")),
    )


def parse_call(raw: Any) -> Call | None:
    """An /v2/calls/extensive ``calls[]`` item (``metaData`` + ``parties``) -> Call."""
    raw = as_dict(raw)
    meta = as_dict(raw.get("metaData"))
    call_id = as_id(meta.get("id"))
    if not call_id or _refused(raw, "call", call_id):
        return None
    started = parse_datetime(meta.get("started"))
    if started is None and meta.get("started") is not None:
        log.warning("call %s: start %.40r is not a usable date; kept as 1970-01-01", call_id,
                    meta.get("started"))  # fmt: skip
    content = as_dict(raw.get("content"))
    topics = tuple(clean_text(as_dict(t).get("name")) for t in as_list(content.get("topics")))
    return Call(
        id=call_id,
        title=clean_text(meta.get("title")),
        url=clean_text(meta.get("url")),
        started=started or EPOCH,
        duration=as_int(meta.get("duration")),
        primary_user_id=as_id(meta.get("primaryUserId")),
        scope=clean_text(meta.get("scope")) or "Unknown",
        is_private=meta.get("isPrivate") is True,
        parties=tuple(parse_party(p) for p in as_list(raw.get("parties"))),
        topics=tuple(t for t in topics if t),
        direction=clean_text(meta.get("direction")),
        system=clean_text(meta.get("system")),
        language=clean_text(meta.get("language")),
        workspace_id=as_id(meta.get("workspaceId")),
        purpose=clean_text(meta.get("purpose")),
        content=parse_content(raw),
        raw=raw,
    )


def _refused(raw: dict[str, Any], what: str, call_id: str) -> bool:
    if too_deep(raw):
        log.warning("%s %s: nested deeper than %d levels; skipped", what, call_id, MAX_DEPTH)
        return True
    return False


def parse_transcript(raw: Any) -> Transcript | None:
    """A /v2/calls/transcript ``callTranscripts[]`` item -> Transcript (empty text dropped)."""
    raw = as_dict(raw)
    call_id = as_id(raw.get("callId"))
    if not call_id or _refused(raw, "transcript of call", call_id):
        return None
    monologues = []
    for mono in as_list(raw.get("transcript")):
        mono = as_dict(mono)
        sentences = tuple(
            Sentence(as_int(s.get("start")), as_int(s.get("end")), clean_text(s.get("text")))
            for s in map(as_dict, as_list(mono.get("sentences")))
        )
        sentences = tuple(s for s in sentences if s.text)
        if sentences:
            monologues.append(
                Monologue(as_id(mono.get("speakerId")), clean_text(mono.get("topic")), sentences)
            )
    return Transcript(call_id, tuple(monologues), raw=raw)


def page_records(raw: Any, key: str) -> list[Any]:
    """The list under ``key`` in a page body, or [] when absent or malformed."""
    return as_list(as_dict(raw).get(key))


def page_cursor(raw: Any) -> str | None:
    cursor = as_dict(as_dict(raw).get("records")).get("cursor")
    return cursor if isinstance(cursor, str) and cursor else None


def page_total(raw: Any) -> int:
    return as_int(as_dict(as_dict(raw).get("records")).get("totalRecords"))
