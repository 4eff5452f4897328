"""Gong's AI summaries of one call, derived from what its transcript really says.

Brief, key points, outline and highlights are built from the sentences' intent labels and
monologue topics, quoting or paraphrasing the sentences they summarise, with the times
(seconds) Gong gives: an outline section starts where its first sentence starts, a
highlight lists the starts of the sentences behind it. Calls with no transcript get none.
"""

from __future__ import annotations

import random
from collections.abc import Sequence
from dataclasses import dataclass

from .people import COMPANY

GISTS: dict[str, str] = {
    "pricing_pushback": "pushed back on pricing and asked for a better offer",
    "competitor": "compared the offer with other vendors",
    "security": "raised security and compliance requirements",
    "integration": "asked how the product integrates with their systems",
    "timeline": "discussed the rollout timeline",
    "budget": "talked through budget and approvals",
    "renewal": "discussed the renewal terms",
}
_CONCERNS = ("pricing_pushback", "competitor", "security", "budget", "timeline")

OUTCOMES = {
    "booked": ("MEETING_BOOKED", "Answered", "Meeting booked"),
    "next": ("NEXT_STEPS_SET", "Positive", "Next steps set"),
    "follow": ("FOLLOW_UP_NEEDED", "Neutral", "Follow-up needed"),
    "lost": ("NOT_INTERESTED", "Negative", "Not interested"),
    "voicemail": ("LEFT_VOICEMAIL", "Not answered", "Left voicemail"),
}
_DISPOSITION_OUTCOME = {"Meeting booked": "booked", "Left voicemail": "voicemail"}


@dataclass(frozen=True)
class Said:
    """One sentence with who said it and what it is about."""

    speaker: str  # display name
    external: bool
    start: float  # seconds
    end: float
    text: str
    intent: str | None
    topic: str


def sentences(transcript: Sequence[dict], labels: Sequence[str | None], names: dict) -> list:
    """Flattens monologues; ``names`` maps speakerId -> (name, external)."""
    said: list[Said] = []
    for monologue in transcript:
        name, external = names.get(monologue["speakerId"], ("A participant", True))
        for sentence in monologue["sentences"]:
            k = len(said)
            intent = labels[k] if k < len(labels) else None
            start, end = sentence["start"] / 1000, sentence["end"] / 1000
            said.append(
                Said(name, external, start, end, sentence["text"], intent, monologue["topic"])
            )
    return said


def brief(said: Sequence[Said], title: str, outcome: dict | None) -> str:
    intents = _by_intent(said)
    people = sorted({s.speaker for s in said})
    topics = list(dict.fromkeys(s.topic for s in said if s.topic))
    text = f"{_join(people)} met for “{title}”."
    if topics:
        text += f" The conversation covered {_join([t.lower() for t in topics])}."
    for intent, found in sorted(intents.items(), key=lambda kv: -len(kv[1]))[:2]:
        text += f" {found[0].speaker} {GISTS[intent]}."
    if outcome is not None:
        text += f" Outcome: {outcome['name'].lower()}."
    return text


def key_points(said: Sequence[Said]) -> list[dict]:
    """One point per intent raised, in the order raised, quoting its first sentence."""
    return [
        {"text": f"{found[0].speaker} {GISTS[intent]}: “{found[0].text}”"}
        for intent, found in _by_intent(said).items()
    ]


def outline(said: Sequence[Said]) -> list[dict]:
    """Sections are runs of sentences on one topic; items are the labelled sentences in them."""
    sections: list[dict] = []
    run: list[Said] = []
    for sentence in [*said, None]:
        if run and (sentence is None or sentence.topic != run[0].topic):
            if run[0].topic:
                sections.append(_section(run))
            run = []
        if sentence is not None:
            run.append(sentence)
    return sections


def _section(run: list[Said]) -> dict:
    labelled = [s for s in run if s.intent][:3] or run[:1]
    items = [
        {
            "text": f"{s.speaker} {GISTS[s.intent]}" if s.intent else f"{s.speaker}: {s.text}",
            "startTime": s.start,
        }
        for s in labelled
    ]
    start = run[0].start
    return {
        "section": run[0].topic,
        "startTime": start,
        "duration": round(run[-1].end - start, 3),
        "items": items,
    }


def highlights(said: Sequence[Said]) -> list[dict]:
    intents = _by_intent(said)
    concerns = [
        {"text": f"{found[0].speaker} {GISTS[i]}", "startTimes": [s.start for s in found[:5]]}
        for i, found in intents.items()
        if i in _CONCERNS
    ]
    wrap = [s for s in said if s.topic == "Next Steps"][:3]
    sections = []
    if concerns:
        sections.append({"title": "Concerns raised", "items": concerns})
    if wrap:
        sections.append(
            {
                "title": "Next steps",
                "items": [{"text": s.text, "startTimes": [s.start]} for s in wrap],
            }
        )
    return sections


def call_outcome(rng: random.Random, meta: dict) -> dict | None:
    """Gong's AI outcome; none for internal calls, telephony follows the SDR disposition."""
    if meta.get("scope") == "Internal":
        return None
    disposition = meta.get("sdrDisposition")
    if disposition:
        key = _DISPOSITION_OUTCOME.get(disposition, "follow")
    else:
        key = rng.choices(("next", "booked", "follow", "lost"), (5, 2, 2, 1))[0]
    outcome_id, category, name = OUTCOMES[key]
    return {"id": outcome_id, "category": category, "name": name}


def _by_intent(said: Sequence[Said]) -> dict[str, list[Said]]:
    found: dict[str, list[Said]] = {}
    for sentence in said:
        if sentence.intent:
            found.setdefault(sentence.intent, []).append(sentence)
    return found


def _join(words: list[str]) -> str:
    if len(words) <= 1:
        return "".join(words) or f"The {COMPANY} team"
    return ", ".join(words[:-1]) + " and " + words[-1]
