"""Trackers: one definition serves both ``/v2/settings/trackers`` and each call's
``content.trackers``, so ids, names and phrases always agree.

Keyword trackers fire on sentences that really contain one of their phrases (whole words,
any case), in calls of the keywords' language (``mul``: any language, as for brand names);
an occurrence is that sentence's start (seconds) and its monologue's speaker, as Gong
reports it. ``affiliation`` is Gong's: Anyone, Company (internal speakers) or NonCompany.
Smart trackers are models in Gong; here they fire on the sentences whose ground-truth
intent label is theirs, so they have no phrases.
"""

from __future__ import annotations

import re
from collections.abc import Sequence
from dataclasses import dataclass
from functools import cached_property

from .language import COMPETITORS
from .stamps import SECOND_WORKSPACE_ID, WORKSPACE_ID, stable_id


@dataclass(frozen=True)
class Tracker:
    name: str
    phrases: tuple[str, ...] = ()  # English keywords; empty for a smart tracker
    intent: str | None = None  # the intent label a smart tracker detects
    affiliation: str = "Anyone"  # whose words count: Anyone, Company or NonCompany
    language: str = "eng"  # the keywords' language (ISO 639-2/B); "mul" = every language

    def id_in(self, workspace: str) -> str:
        """Gong trackers belong to one workspace: each workspace has its own copy."""
        if workspace == WORKSPACE_ID:
            return stable_id("tracker", self.name)
        return stable_id("tracker", workspace, self.name)

    @property
    def kind(self) -> str:
        return "SMART" if self.intent else "KEYWORD"

    @cached_property
    def patterns(self) -> tuple[tuple[str, re.Pattern[str]], ...]:
        return tuple(
            (p, re.compile(rf"(?<!\w){re.escape(p)}(?!\w)", re.IGNORECASE)) for p in self.phrases
        )


TRACKERS: tuple[Tracker, ...] = (
    Tracker("Pricing objections", ("discount", "too expensive", "list price"), None, "NonCompany"),
    Tracker("Competitors", COMPETITORS, language="mul"),  # names: in calls of any language
    Tracker("Security review", ("SOC 2", "GDPR", "pen test", "SSO")),
    Tracker("Budget", ("budget", "budgeted")),
    Tracker("Renewal", ("renewal",)),
    Tracker("Smart: Pricing pushback", intent="pricing_pushback"),
    Tracker("Smart: Timeline risk", intent="timeline"),
)
WORKSPACES = (WORKSPACE_ID, SECOND_WORKSPACE_ID)
_CREATED = "2022-01-10T09:00:00Z"
_UPDATED = "2025-06-02T14:30:00Z"


def definitions(creator_user_id: str) -> list[dict]:
    """``/v2/settings/trackers`` entries per workspace: keyword trackers, then smart ones."""
    return [
        _definition(t, workspace, creator_user_id) for workspace in WORKSPACES for t in TRACKERS
    ]


def _definition(tracker: Tracker, workspace: str, user: str) -> dict:
    keywords = [
        {
            "language": tracker.language,
            "keywords": list(tracker.phrases),
            "includeRelatedForms": True,
        }
    ]
    return {
        "trackerId": tracker.id_in(workspace),
        "trackerName": tracker.name,
        "workspaceId": workspace,
        "languageKeywords": keywords if tracker.phrases else [],
        "affiliation": tracker.affiliation,
        "partOfQuestion": False,
        "saidAt": "Anytime",
        "saidInTopics": [],
        "filterQuery": "",
        "created": _CREATED,
        "creatorUserId": user,
        "updated": _UPDATED,
        "updaterUserId": user,
    }


def call_trackers(
    transcript: Sequence[dict],
    labels: Sequence[str | None],
    internal: set[str],
    workspace: str,
    with_occurrences: bool,
    language: str = "eng",
) -> list[dict]:
    """``content.trackers`` for one call: the trackers that fired, with their counts.

    ``labels`` are the sentences' intents in transcript order (empty when unknown, e.g. for a
    hand-made call: then only keyword trackers can fire); ``internal`` holds the speaker ids
    of the company's people, for trackers that listen to one side only; ``language`` is the
    call's, which a keyword tracker's keywords must be in (or ``mul``).
    """
    said = [
        (k, speaker, s)
        for k, (speaker, s) in enumerate(
            (m["speakerId"], s) for m in transcript for s in m["sentences"]
        )
    ]
    fired = []
    for tracker in TRACKERS:
        if not tracker.intent and tracker.language not in ("mul", language):
            continue
        heard = [(k, sp, s) for k, sp, s in said if _listens(tracker, sp in internal)]
        per_phrase = _phrase_hits(tracker, heard, labels)
        hits = sorted((o for _, found in per_phrase for o in found), key=_start)
        if not hits:
            continue
        entry = {
            "id": tracker.id_in(workspace),
            "name": tracker.name,
            "count": len(hits),
            "type": tracker.kind,
        }
        if with_occurrences:
            entry["occurrences"] = hits
        entry["phrases"] = [
            _phrase(p, found, with_occurrences) for p, found in per_phrase if p and found
        ]
        fired.append(entry)
    return fired


def _phrase_hits(tracker: Tracker, heard: list, labels: Sequence[str | None]) -> list:
    """(phrase, occurrences) per keyword phrase; a smart tracker's hits under no phrase."""
    if tracker.intent:
        found = [
            _occurrence(sp, s)
            for k, sp, s in heard
            if k < len(labels) and labels[k] == tracker.intent
        ]
        return [(None, found)]
    lowered = [(sp, s, s["text"].lower()) for _, sp, s in heard]
    return [  # a substring test first: the regex runs only where the phrase may be
        (
            phrase,
            [
                _occurrence(sp, s)
                for sp, s, low in lowered
                if phrase.lower() in low
                for _ in rx.finditer(s["text"])
            ],
        )
        for phrase, rx in tracker.patterns
    ]


def _listens(tracker: Tracker, internal: bool) -> bool:
    return tracker.affiliation == "Anyone" or (tracker.affiliation == "Company") == internal


def _occurrence(speaker: str, sentence: dict) -> dict:
    return {"startTime": sentence["start"] / 1000, "speakerId": speaker}


def _start(occurrence: dict) -> float:
    return occurrence["startTime"]


def _phrase(phrase: str, found: list[dict], with_occurrences: bool) -> dict:
    entry: dict = {"count": len(found), "phrase": phrase}
    if with_occurrences:
        entry["occurrences"] = found
    return entry
