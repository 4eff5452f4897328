"""``/v2/settings/trackers`` and ``/v2/workspaces`` as typed records: keyword tracker
definitions (phrases per language and the rules on who, where and when) and workspaces.

Values are checked the way the rest of :mod:`gong_search.gong` does: anything malformed
becomes an empty value, never an exception; what a value means is decided by the caller.
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import Any

from .values import as_dict, as_id, as_int, as_list, clean_text


@dataclass(frozen=True)
class LanguageKeywords:
    language: str  # ISO 639-2/B; "mul" = every language
    keywords: tuple[str, ...]
    related_forms: bool  # includeRelatedForms: "organize" also finds "organized"


@dataclass(frozen=True)
class KeywordTracker:
    id: str
    name: str
    workspace_id: str
    languages: tuple[LanguageKeywords, ...]
    affiliation: str  # Anyone, Company or NonCompany ("" if Gong sent none)
    part_of_question: bool
    said_at: str  # Anytime, First or Last
    said_at_interval: int | None
    said_at_unit: str  # minutes or percent
    said_in_topics: tuple[str, ...]
    filter_query: str

    def rules(self) -> tuple[Any, ...]:
        """Everything that decides where it fires: equal rules, the same tracker (Gong
        keeps a copy per workspace)."""
        return (
            self.name,
            self.languages,
            self.affiliation,
            self.part_of_question,
            self.said_at,
            self.said_at_interval,
            self.said_at_unit,
            self.said_in_topics,
            self.filter_query,
        )


@dataclass(frozen=True)
class Workspace:
    id: str
    name: str


def parse_tracker(raw: Any) -> KeywordTracker | None:
    raw = as_dict(raw)
    tracker_id = as_id(raw.get("trackerId"))
    if not tracker_id:
        return None
    interval = raw.get("saidAtInterval")
    return KeywordTracker(
        id=tracker_id,
        name=clean_text(raw.get("trackerName")) or tracker_id,
        workspace_id=as_id(raw.get("workspaceId")),
        languages=tuple(_language(k) for k in as_list(raw.get("languageKeywords"))),
        affiliation=clean_text(raw.get("affiliation")),
        part_of_question=raw.get("partOfQuestion") is True,
        said_at=clean_text(raw.get("saidAt")) or "Anytime",
        said_at_interval=as_int(interval) if interval is not None else None,
        said_at_unit=clean_text(raw.get("saidAtUnit")).lower(),
        said_in_topics=tuple(clean_text(t) for t in as_list(raw.get("saidInTopics")) if t),
        filter_query=_filter_query(raw.get("filterQuery")),
    )


def _language(raw: Any) -> LanguageKeywords:
    raw = as_dict(raw)
    words = (clean_text(k) for k in as_list(raw.get("keywords")))
    return LanguageKeywords(
        language=clean_text(raw.get("language")).lower() or "mul",
        keywords=tuple(w for w in words if w),
        related_forms=raw.get("includeRelatedForms") is True,
    )


def _filter_query(raw: Any) -> str:
    """A JSON text in the OpenAPI text, an object in its example: kept as text either way."""
    if isinstance(raw, dict | list):
        import json

        return json.dumps(raw, sort_keys=True) if raw else ""
    text = clean_text(raw)
    return "" if text in ("{}", "[]") else text


def parse_workspace(raw: Any) -> Workspace | None:
    raw = as_dict(raw)
    workspace_id = as_id(raw.get("id"))
    return Workspace(workspace_id, clean_text(raw.get("name"))) if workspace_id else None
