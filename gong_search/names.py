"""Fuzzy names: which indexed speakers, hosts or accounts a typed name means.

Shared by ``search`` (``--speaker``, ``--host``, ``--account``) and ``speakers NAME``, so
both match the same people. A name that matches nothing is a :class:`QueryError` naming the
closest indexed names, so a typo is one retry away.
"""

from __future__ import annotations

import re
from dataclasses import dataclass

from rapidfuzz import fuzz, process

from .catalog import Catalog, Speaker
from .errors import QueryError
from .gong.records import User
from .sentences import normalize_name

SPEAKER_THRESHOLD = 80.0


@dataclass(frozen=True)
class SpeakerMatch:
    speaker: Speaker
    score: float


def match_speakers(wanted: str, speakers: list[Speaker]) -> list[SpeakerMatch]:
    """Speakers whose name, email or email local part resembles ``wanted``.

    Typos, case, accents, a first name alone and an email local part all match; every
    match above the threshold is returned, so ambiguity is visible to the user.
    """
    best = match_people(wanted, [(s.key, s.email) for s in speakers])
    ranked = sorted(best.items(), key=lambda kv: (-kv[1], -speakers[kv[0]].sentences))
    return [SpeakerMatch(speakers[i], score) for i, score in ranked]


def match_people(wanted: str, people: list[tuple[str, str]]) -> dict[int, float]:
    """Position -> best score of each ``(normalised name, email)`` that ``wanted`` matches:
    the one rule behind ``--speaker`` (indexed speakers) and ``--user`` (Gong users)."""
    needle = normalize_name(wanted)
    choices = {}
    for i, (key, email) in enumerate(people):
        local = email.split("@")[0].replace(".", " ").replace("_", " ")
        choices[(i, 0)] = key
        if email:
            choices[(i, 1)] = email.lower()
            choices[(i, 2)] = normalize_name(local)
    best: dict[int, float] = {}
    for _choice, score, (i, _kind) in process.extract(
        needle, choices, scorer=name_score, limit=None, score_cutoff=SPEAKER_THRESHOLD
    ):
        best[i] = max(best.get(i, 0.0), score)
    return best


def name_score(needle: str, candidate: str, **kwargs: object) -> float:
    """Whole-name similarity, or a whole-word prefix match (first name, surname)."""
    whole = fuzz.token_sort_ratio(needle, candidate)
    if " " not in needle:
        words = re.split(r"[\s@.]+", candidate)
        whole = max(whole, max((fuzz.ratio(needle, w) for w in words if w), default=0))
    return whole


def closest_names(wanted: str, names: list[str], limit: int = 3) -> list[str]:
    found = process.extract(normalize_name(wanted), names, scorer=fuzz.WRatio, limit=limit)
    return [name for name, _score, _i in found]


def resolve_speakers(wanted: tuple[str, ...], catalog: Catalog) -> tuple[list[str], list[str]]:
    """Speaker keys to filter on, and display strings of who matched (for the user)."""
    if not wanted:
        return [], []
    speakers = catalog.speakers()
    keys, shown = [], []
    for name in wanted:
        matches = match_speakers(name, speakers)
        if not matches:
            near = ", ".join(closest_names(name, [s.name for s in speakers])) or "none indexed"
            raise QueryError(f"no speaker matches {name!r} (closest: {near})")
        for m in matches:
            keys.append(m.speaker.key)
            email = f" <{m.speaker.email}>" if m.speaker.email else ""
            shown.append(f"{m.speaker.name}{email} ({m.speaker.affiliation})")
    return keys, shown


def resolve_users(wanted: tuple[str, ...], users: list[User]) -> list[User]:
    """The Gong users each name in ``wanted`` means (all of them when several match, best
    first), matched like ``--speaker``; a name matching nobody is a QueryError."""
    people = [(normalize_name(u.name), u.email) for u in users]
    found: dict[str, User] = {}
    for name in wanted:
        best = match_people(name, people)
        if not best:
            near = ", ".join(closest_names(name, [u.name for u in users])) or "no users"
            raise QueryError(f"no Gong user matches {name!r} (closest: {near})")
        for i in sorted(best, key=lambda i: -best[i]):
            found.setdefault(users[i].id, users[i])
    return list(found.values())


def resolve_fuzzy(kind: str, wanted: tuple[str, ...], vocabulary: list[str]) -> list[str]:
    """Fuzzy-match ``wanted`` against indexed values (host names, account domains)."""
    keys: list[str] = []
    for name in wanted:
        needle = normalize_name(name)
        found = [
            key
            for key in vocabulary
            if name_score(needle, key) >= SPEAKER_THRESHOLD or needle in key
        ]
        if not found:
            near = ", ".join(closest_names(name, vocabulary)) or "none indexed"
            raise QueryError(f"no {kind} matches {name!r} (closest: {near})")
        keys.extend(found)
    return keys
