"""``contentSelector`` of POST /v2/calls/extensive: return what is asked, omit what is not.

A full call record (every section, CRM context at both timings, party context) is cut down
to the request: ``context`` None/Basic/Extended with ``contextTiming`` (default ["Now"]),
``exposedFields`` section by section. Sections that are asked for but do not exist for a
call (no transcript means no brief) are left out, as Gong leaves them out.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from datetime import UTC, datetime

CONTEXTS = ("None", "Basic", "Extended")
TIMINGS = ("Now", "TimeOfCall")
_CONTENT = (
    "structure",
    "topics",
    "trackers",
    "brief",
    "outline",
    "highlights",
    "callOutcome",
    "keyPoints",
)
_INTERACTION = {
    "speakers": "speakers",
    "video": "video",
    "personInteractionStats": "interactionStats",
    "questions": "questions",
}
OCCURRENCES_SINCE = datetime(2023, 1, 1, tzinfo=UTC)


class SelectorError(ValueError):
    """A malformed contentSelector (the API answers 400 with this text)."""


@dataclass(frozen=True)
class Selector:
    context: str = "None"
    timings: tuple[str, ...] = ("Now",)
    exposed: dict = field(default_factory=dict)

    @classmethod
    def parse(cls, body: dict) -> Selector:
        raw = body.get("contentSelector")
        raw = {} if raw is None else raw
        if not isinstance(raw, dict):
            raise SelectorError("contentSelector must be an object")
        context = raw.get("context") or "None"
        if context not in CONTEXTS:
            raise SelectorError(f"contentSelector.context must be one of {', '.join(CONTEXTS)}")
        timings = raw.get("contextTiming") or ["Now"]
        if not isinstance(timings, list) or not set(timings) <= set(TIMINGS):
            raise SelectorError("contentSelector.contextTiming must list Now and/or TimeOfCall")
        exposed = raw.get("exposedFields")
        exposed = exposed if isinstance(exposed, dict) else {}
        return cls(context, tuple(dict.fromkeys(timings)), exposed)

    def asked(self, section: str, name: str | None = None) -> bool:
        value = self.exposed.get(section)
        if name is None:
            return value is True
        return isinstance(value, dict) and value.get(name) is True

    @property
    def needs_whole(self) -> bool:
        """Whether anything beyond metaData, parties and topics is asked for (the rest is
        derived on demand, so a harvester asking for just those pays nothing more)."""
        return (
            self.context != "None"
            or any(self.asked("content", name) for name in _CONTENT if name != "topics")
            or any(self.asked("interaction", name) for name in _INTERACTION)
            or self.asked("collaboration", "publicComments")
            or self.asked("media")
        )


def select(record: dict, selector: Selector, started: datetime) -> dict:
    """The parts of ``record`` the selector asks for, in Gong's order."""
    selected: dict = {"metaData": record["metaData"]}
    if selector.context != "None":
        selected["context"] = [_links(c, selector) for c in record.get("context", [])]
    if selector.asked("parties"):
        selected["parties"] = [_party(p, selector) for p in record.get("parties", [])]
    content = _content(record.get("content", {}), selector, started)
    if content:
        selected["content"] = content
    interaction = {
        key: record["interaction"][key]
        for field, key in _INTERACTION.items()
        if selector.asked("interaction", field) and key in record.get("interaction", {})
    }
    if interaction:
        selected["interaction"] = interaction
    if selector.asked("collaboration", "publicComments") and "collaboration" in record:
        selected["collaboration"] = {
            "publicComments": record["collaboration"].get("publicComments", [])
        }
    if selector.asked("media") and "media" in record:
        selected["media"] = record["media"]
    return selected


def _content(content: dict, selector: Selector, started: datetime) -> dict:
    picked = {k: content[k] for k in _CONTENT if selector.asked("content", k) and k in content}
    if "trackers" in picked:
        keep = selector.asked("content", "trackerOccurrences") and started >= OCCURRENCES_SINCE
        picked["trackers"] = [_tracker(t, keep) for t in picked["trackers"]]
    return picked


def _tracker(tracker: dict, occurrences: bool) -> dict:
    if occurrences:
        return tracker
    trimmed = {k: v for k, v in tracker.items() if k != "occurrences"}
    trimmed["phrases"] = [
        {k: v for k, v in p.items() if k != "occurrences"} for p in tracker.get("phrases", [])
    ]
    return trimmed


def _links(context: dict, selector: Selector) -> dict:
    """Basic: links only (one per object); Extended: fields, per asked timing."""
    objects = context.get("objects", [])
    if selector.context == "Basic":
        seen: dict[tuple, dict] = {}
        for obj in objects:
            key = (obj.get("objectType"), obj.get("objectId"))
            seen.setdefault(key, {"objectType": key[0], "objectId": key[1]})
        return {**context, "objects": list(seen.values())}
    wanted = [o for o in objects if o.get("timing", "Now") in selector.timings]
    return {**context, "objects": wanted}


def _party(party: dict, selector: Selector) -> dict:
    if "context" not in party:
        return party
    if selector.context == "None":
        return {k: v for k, v in party.items() if k != "context"}
    return {**party, "context": [_links(c, selector) for c in party["context"]]}
