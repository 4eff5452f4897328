"""Fuzzy names: which indexed speakers, hosts or accounts a typed name means.

One matcher, shared by ``search`` (``--speaker``, ``--host``, ``--account``) and
``speakers NAME``, so all match the same way: every word typed must be a word of the name
(or email, or domain), a prefix of one, an initial, or one typo away from one. A name that
matches nothing names the closest indexed names, so a typo is one retry away.
"""

from __future__ import annotations

import re
from dataclasses import dataclass

from rapidfuzz import fuzz, process
from rapidfuzz.distance import OSA

from .catalog import Catalog, Speaker
from .errors import QueryError
from .gong.records import User
from .sentences import normalize_name

EXACT, FUZZY = 0, 1  # match tiers: a name typed right beats every typo match


@dataclass(frozen=True)
class SpeakerMatch:
    speaker: Speaker
    score: float


def words(text: str) -> list[str]:
    """Lowercase, accent-folded words of a name, email or domain (``.``, ``-``, ``@``,
    ``_`` separate words: ``marcus.chen`` is ``marcus chen``)."""
    return [w for w in re.split(r"[\W_]+", normalize_name(text)) if w]


def initials(name_words: list[str]) -> str:
    return "".join(w[0] for w in name_words)


def name_tier(typed: str, candidate_words: list[str], initials: str = "") -> int | None:
    """How well ``typed`` names a candidate: EXACT when every typed word is one of its
    words, a prefix of one (3+ letters) or an initial; FUZZY when some word needs a typo
    fixed (one edit, a swap counting as one; two from 8 letters); None otherwise. The
    candidate's initials (``mc`` for Marcus Chen) also match EXACT."""
    wanted = words(typed)
    if not wanted:
        return None
    if len(wanted) == 1 and len(wanted[0]) > 1 and wanted[0] == initials:
        return EXACT
    free = list(candidate_words)
    worst = EXACT
    for word in wanted:
        found = min(
            ((tier, i) for i, w in enumerate(free) if (tier := _word_tier(word, w)) is not None),
            default=None,
        )
        if found is None:
            return None
        worst = max(worst, found[0])
        free.pop(found[1])
    return worst


def _word_tier(typed: str, word: str) -> int | None:
    if typed == word or (len(typed) == 1 and word.startswith(typed)):
        return EXACT
    if len(typed) >= 3 and word.startswith(typed):
        return EXACT
    allowed = 2 if len(typed) >= 8 else 1 if len(typed) >= 3 else 0
    if allowed and OSA.distance(typed, word, score_cutoff=allowed) <= allowed:
        return FUZZY
    return None


def _person_words(name: str, email: str, typed: str) -> list[str]:
    """A person's name and email words; the email's domain only when an email is typed
    (``--speaker acme`` means a person, not everyone at acme)."""
    local, _, domain = email.partition("@")
    found = words(name) + words(local)
    return found + words(domain) if "@" in typed else found


def best_tier(tiers: dict[int, int]) -> list[int]:
    """The candidates of the best tier present: a typo match is offered only when nothing
    matches as typed (so ``jose`` is José, never also Rose)."""
    if not tiers:
        return []
    top = min(tiers.values())
    return [i for i, tier in tiers.items() if tier == top]


def match_speakers(wanted: str, speakers: list[Speaker]) -> list[SpeakerMatch]:
    """Speakers ``wanted`` names: by name, email or its local part, with typos,
    transpositions, initials and accents; every match of the best tier is returned (so
    ambiguity is visible), busiest first."""
    best = match_people(wanted, [(s.name, s.email) for s in speakers])
    chosen = sorted(best, key=lambda i: -speakers[i].sentences)
    return [SpeakerMatch(speakers[i], best[i]) for i in chosen]


def match_people(wanted: str, people: list[tuple[str, str]]) -> dict[int, float]:
    """Position -> score of each ``(name, email)`` of the best tier ``wanted`` matches:
    the one rule behind ``--speaker`` (indexed speakers) and ``--user`` (Gong users)."""
    tiers = {}
    for i, (name, email) in enumerate(people):
        tier = name_tier(wanted, _person_words(name, email, wanted), initials(words(name)))
        if tier is not None:
            tiers[i] = tier
    return {i: 100.0 - 10 * tiers[i] for i in best_tier(tiers)}


def closest_names(wanted: str, names: list[str], limit: int = 3) -> list[str]:
    found = process.extract(normalize_name(wanted), names, scorer=fuzz.WRatio, limit=limit)
    return [name for name, _score, _i in found]


_CRM_ID = re.compile(r"(?=.*\d)[0-9a-z]{15,18}")  # Salesforce-style ids: matched, not shown


def is_crm_id(value: str) -> bool:
    return _CRM_ID.fullmatch(value) is not None


def no_match(kind: str, wanted: str, names: list[str]) -> str:
    """The one message for a name that matches nobody: the three closest indexed names
    (CRM ids match when typed, but are no suggestion a person can use)."""
    readable = [n for n in names if not is_crm_id(n)]
    near = ", ".join(closest_names(wanted, readable)) or "none indexed"
    return f"no {kind} matches {wanted!r} (closest: {near})"


def resolve_speakers(wanted: tuple[str, ...], catalog: Catalog) -> tuple[list[str], list[str]]:
    """Speaker keys to filter on, and display strings of who matched (for the user)."""
    if not wanted:
        return [], []
    speakers = catalog.speakers()
    keys, shown = [], []
    for name in wanted:
        matches = match_speakers(name, speakers)
        if not matches:
            raise QueryError(no_match("speaker", name, [s.name for s in speakers]))
        for m in matches:
            keys.append(m.speaker.key)
            email = f" <{m.speaker.email}>" if m.speaker.email else ""
            shown.append(f"{m.speaker.name}{email} ({m.speaker.affiliation})")
    return keys, shown


def resolve_users(wanted: tuple[str, ...], users: list[User]) -> list[User]:
    """The Gong users each name in ``wanted`` means (all of them when several match, best
    first), matched like ``--speaker``; a name matching nobody is a QueryError."""
    people = [(u.name, u.email) for u in users]
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
        tiers = {}
        for i, key in enumerate(vocabulary):
            tier = name_tier(name, words(key), initials(words(key)))
            if tier is not None:
                tiers[i] = tier
        if not tiers:
            raise QueryError(no_match(kind, name, vocabulary))
        keys.extend(vocabulary[i] for i in best_tier(tiers))
    return keys
