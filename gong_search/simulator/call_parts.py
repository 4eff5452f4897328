"""Building blocks of one synthetic call: its parties, its title, its monologues, and the
topic durations Gong reports for them. Pure functions of a seeded random generator, so a
tenant regenerates every call identically."""

from __future__ import annotations

import hashlib
import random
from collections.abc import Sequence

from .language import SentenceWriter, topic_for
from .people import COMPANY, Contact, Customer
from .stamps import ID_BASE


def contact_party(
    rng: random.Random, customer: Customer, contact: Contact | None = None, phone: bool = False
) -> dict:
    contact = contact or rng.choice(customer.contacts)
    party = {
        "id": str(rng.randrange(10**13, 10**14)),
        "speakerId": str(rng.randrange(ID_BASE, 10**19)),
        "name": contact.name,
        "emailAddress": customer.email(contact),
        "title": contact.title,
        "affiliation": "External",
        "methods": ["Invitee"] if rng.random() < 0.85 else ["Attendee"],
    }
    if phone:
        party["phoneNumber"] = f"+1 646-555-{rng.randrange(10000):04d}"
    return party


def dial_in_party(rng: random.Random) -> dict:
    """A phone dial-in Gong could not match to anyone: no name, no email."""
    return {
        "id": str(rng.randrange(10**13, 10**14)),
        "speakerId": str(rng.randrange(ID_BASE, 10**19)),
        "affiliation": "Unknown",
        "phoneNumber": f"+1 312-555-{rng.randrange(10000):04d}",
        "methods": ["Attendee"],
    }


_PURPOSES = {
    "pricing_pushback": "pricing review",
    "competitor": "evaluation follow-up",
    "security": "security review",
    "integration": "technical deep dive",
    "timeline": "implementation planning",
    "budget": "business case review",
    "renewal": "renewal discussion",
}


def title(
    rng: random.Random, customer: Customer, internal: bool, phone: bool, focus: Sequence[str]
) -> str:
    if internal:
        return rng.choice((f"{COMPANY} pipeline review", f"Deal review: {customer.name}"))
    if phone:
        return f"{customer.name} - outbound call"
    purpose = _PURPOSES[focus[0]] if rng.random() < 0.7 else rng.choice(("discovery", "demo"))
    return f"{customer.name} <> {COMPANY}: {purpose}"


def monologues(
    rng: random.Random, speakers: list[str], writer: SentenceWriter, length: tuple[int, int]
) -> tuple[tuple[dict, ...], tuple[str | None, ...]]:
    """Alternating monologues of 1-6 sentences with increasing, speech-paced timings (ms)."""
    total = rng.randint(*length)
    wrap_from = total - max(2, total // 25)
    clock = rng.randint(1500, 12000)
    monologues: list[dict] = []
    labels: list[str | None] = []
    previous = None
    while len(labels) < total:
        speaker = rng.choice([s for s in speakers if s != previous] or speakers)
        previous = speaker
        sentences, intents = [], []
        for _ in range(min(rng.randint(1, 6), total - len(labels))):
            position = len(labels)
            wrap_up = position >= wrap_from
            intent = None if position < 3 or wrap_up else writer.pick_intent()
            text = writer.sentence(intent, wrap_up)
            end = clock + 280 * len(text.split()) + rng.randint(150, 900)
            sentences.append({"start": clock, "end": end, "text": text})
            clock = end + rng.randint(80, 1200)
            intents.append(intent)
            labels.append(intent)
        topic = topic_for(intents, len(labels) > wrap_from, rng) or ""  # the schema says string
        monologues.append({"speakerId": speaker, "topic": topic, "sentences": sentences})
    return tuple(monologues), tuple(labels)


def topic_durations(transcript: Sequence[dict]) -> tuple[tuple[str, int], ...]:
    """Seconds spent per topic, as /extensive's ``content.topics`` reports them."""
    totals: dict[str, int] = {}
    for monologue in transcript:
        if monologue["topic"]:
            span = monologue["sentences"][-1]["end"] - monologue["sentences"][0]["start"]
            totals[monologue["topic"]] = totals.get(monologue["topic"], 0) + span
    return tuple((name, round(ms / 1000)) for name, ms in totals.items())


def conference_url(system: str, call_id: str) -> str:
    """The meeting link the conferencing system would have put in the invite."""
    token = hashlib.sha256(f"meeting:{call_id}".encode()).hexdigest()
    if system == "Microsoft Teams":
        return f"https://teams.microsoft.com/l/meetup-join/19%3ameeting_{token[:40]}%40thread.v2/0"
    if system == "Google Meet":
        letters = "".join(chr(ord("a") + int(c, 16) % 26) for c in token[:10])
        return f"https://meet.google.com/{letters[:3]}-{letters[3:7]}-{letters[7:]}"
    return f"https://zoom.us/j/{call_id[:11]}"


_REGIONS = ("NA", "EMEA", "APAC", "LATAM")
_SOURCES = ("inbound-demo-request", "outbound-sequence", "partner-referral", "event")


def calendar_extras(rng: random.Random, meta: dict, focus: Sequence[str]) -> dict:
    """``purpose`` for meetings (from the invite) and, on some calls, ``customData``."""
    extras = {}
    if meta["direction"] == "Conference":
        extras["purpose"] = (
            "Internal deal review"
            if meta["scope"] == "Internal"
            else f"Discuss {_PURPOSES[focus[0]]} and agree next steps"
        )
    if rng.random() < 0.2:
        extras["customData"] = f"region={rng.choice(_REGIONS)};source={rng.choice(_SOURCES)}"
    return extras
