"""The parts of an /v2/calls/extensive item beyond metadata and parties: CRM context,
trackers, Gong's summaries (brief, key points, highlights, outline), the outcome and
public comments, as typed records. Called by :func:`gong_search.gong.records.parse_call`
only, so Gong's raw dicts are still read in one place.

Every section is optional (Gong returns what was asked for and available), so each parser
takes whatever it is given, ``None`` and wrong types included, and returns empty records.
Gong gives summary and comment times in seconds (floats); they become milliseconds here,
like transcript times, so everything downstream speaks one unit.
"""

from __future__ import annotations

import math
from dataclasses import dataclass
from typing import Any

from .values import as_dict, as_id, as_int, as_list, clean_text

# CRM field names that hold what we show, per CRM: Salesforce first, then HubSpot's.
NAME_FIELDS = ("name", "accountname", "opportunityname", "dealname")
STAGE_FIELDS = ("stagename", "stage", "dealstage")
SUMMARY_KINDS = ("brief", "key_point", "highlight", "outline")
NOTE_KINDS = (*SUMMARY_KINDS, "comment")


@dataclass(frozen=True)
class CrmObject:
    """One CRM object linked to the call: an Account or an Opportunity (deal)."""

    kind: str  # Gong's objectType: Account, Opportunity (others are kept, unused)
    id: str
    timing: str  # Now, TimeOfCall, or "" when Gong did not say
    fields: tuple[tuple[str, str], ...] = ()

    def field(self, names: tuple[str, ...]) -> str:
        """The first non-empty value among ``names`` (case-insensitive)."""
        values = {name.lower(): value for name, value in self.fields if value}
        return next((values[n] for n in names if n in values), "")

    @property
    def name(self) -> str:
        return self.field(NAME_FIELDS)

    @property
    def stage(self) -> str:
        return self.field(STAGE_FIELDS)


@dataclass(frozen=True)
class Occurrence:
    """Where a tracker fired: a time in the call and who said it."""

    start_ms: int
    speaker_id: str


@dataclass(frozen=True)
class Tracker:
    id: str
    name: str
    type: str  # KEYWORD or SMART
    count: int
    occurrences: tuple[Occurrence, ...] = ()


@dataclass(frozen=True)
class Note:
    """Something written about the call rather than said on it: searchable on its own.

    ``kind`` is one of :data:`NOTE_KINDS`; ``start_ms`` is None where Gong gives no time
    (the brief, key points); ``heading`` is a highlight's title or an outline section.
    """

    kind: str
    text: str
    start_ms: int | None = None
    heading: str = ""
    author_id: str = ""  # a comment's Gong user id


@dataclass(frozen=True)
class CallContent:
    crm: tuple[CrmObject, ...] = ()
    trackers: tuple[Tracker, ...] = ()
    notes: tuple[Note, ...] = ()
    outcome: str = ""
    outcome_category: str = ""


def parse_content(raw: dict[str, Any]) -> CallContent:
    """The optional sections of one ``calls[]`` item."""
    content = as_dict(raw.get("content"))
    outcome = as_dict(content.get("callOutcome"))
    notes = (
        *_summary_notes(content),
        *_comments(as_dict(raw.get("collaboration")).get("publicComments")),
    )
    return CallContent(
        crm=parse_context(raw.get("context")),
        trackers=tuple(_tracker(t) for t in as_list(content.get("trackers"))),
        notes=tuple(n for n in notes if n.text),
        outcome=clean_text(outcome.get("name")),
        outcome_category=clean_text(outcome.get("category")),
    )


def parse_context(raw: Any) -> tuple[CrmObject, ...]:
    """``context[]`` (of a call or a party): CRM objects from every linked system."""
    found = []
    for system in map(as_dict, as_list(raw)):
        for obj in map(as_dict, as_list(system.get("objects"))):
            fields = tuple(
                (clean_text(f.get("name")), _text(f.get("value")))
                for f in map(as_dict, as_list(obj.get("fields")))
            )
            found.append(
                CrmObject(
                    kind=clean_text(obj.get("objectType")),
                    id=as_id(obj.get("objectId")),
                    timing=clean_text(obj.get("timing")),
                    fields=tuple(f for f in fields if f[0]),
                )
            )
    return tuple(found)


def _text(value: Any) -> str:
    """A CRM field value as text: Gong passes the CRM's strings, numbers and booleans."""
    if isinstance(value, bool):
        return "true" if value else "false"
    if isinstance(value, int | float):
        return str(as_int(value)) if float(value).is_integer() else str(value)
    return clean_text(value)


def _tracker(raw: Any) -> Tracker:
    raw = as_dict(raw)
    occurrences = tuple(
        Occurrence(_ms(o.get("startTime")), as_id(o.get("speakerId")))
        for o in map(as_dict, as_list(raw.get("occurrences")))
    )
    return Tracker(
        id=as_id(raw.get("id")),
        name=clean_text(raw.get("name")),
        type=clean_text(raw.get("type")),
        count=as_int(raw.get("count")),
        occurrences=occurrences,
    )


def _ms(seconds: Any) -> int:
    """Gong's seconds (floats) -> milliseconds, the unit of transcript times; anything
    that is not a finite number is 0."""
    if isinstance(seconds, bool) or not isinstance(seconds, int | float):
        return 0
    return as_int(round(seconds * 1000)) if math.isfinite(seconds) else 0


def _time(raw: dict[str, Any], key: str) -> int | None:
    return _ms(raw[key]) if isinstance(raw.get(key), int | float) else None


def _summary_notes(content: dict[str, Any]) -> list[Note]:
    notes = [Note("brief", clean_text(content.get("brief")))]
    notes += [
        Note("key_point", clean_text(as_dict(k).get("text")))
        for k in as_list(content.get("keyPoints"))
    ]
    for section in map(as_dict, as_list(content.get("highlights"))):
        title = clean_text(section.get("title"))
        for item in map(as_dict, as_list(section.get("items"))):
            times = [t for t in as_list(item.get("startTimes")) if isinstance(t, int | float)]
            start = _ms(times[0]) if times else None
            notes.append(Note("highlight", clean_text(item.get("text")), start, title))
    for section in map(as_dict, as_list(content.get("outline"))):
        heading = clean_text(section.get("section"))
        for item in map(as_dict, as_list(section.get("items"))):
            start = _time(item, "startTime")
            start = _time(section, "startTime") if start is None else start
            notes.append(Note("outline", clean_text(item.get("text")), start, heading))
    return notes


def _comments(raw: Any) -> list[Note]:
    return [
        Note(
            "comment",
            clean_text(c.get("comment")),
            _time(c, "audioStartTime"),
            author_id=as_id(c.get("commenterUserId")),
        )
        for c in map(as_dict, as_list(raw))
    ]
