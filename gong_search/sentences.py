"""The speaker join: a call's parties + its transcript -> one row per sentence.

Transcripts carry only ``speakerId``; names, emails and affiliation come from the call's
parties. This is the single place that joins them, so the index, ``show`` and search
context all number and attribute sentences identically.
"""

from __future__ import annotations

import hashlib
import json
from collections.abc import Mapping
from dataclasses import asdict, dataclass, field, replace

from .call_facts import call_facts
from .gong.call_content import Tracker
from .gong.records import Call, Party, Transcript
from .keys import normalize_name  # noqa: F401  (re-exported: the key speakers match on)

TIME_SLACK_MS = 500  # occurrence times are rounded; a sentence may start this much after


@dataclass(frozen=True)
class SentenceRow:
    call_id: str
    ordinal: int
    speaker_id: str
    speaker_name: str
    speaker_email: str
    affiliation: str
    topic: str
    start_ms: int
    end_ms: int
    text: str
    matched_party: bool = True
    trackers: tuple[str, ...] = ()  # trackers that fired in this sentence


@dataclass(frozen=True)
class NoteRow:
    """A brief, key point, highlight, outline item or comment: indexed beside the
    sentences as its own kind, never mixed into transcript results unless asked."""

    call_id: str
    ordinal: int  # after the call's sentences, so every document of a call has one
    kind: str
    text: str
    start_ms: int | None
    heading: str
    author: str  # a comment's author; "" for Gong's summaries


@dataclass(frozen=True)
class CallSentences:
    """Everything the index needs for one call, already joined."""

    call: Call
    host_name: str
    rows: list[SentenceRow]
    notes: list[NoteRow] = field(default_factory=list)

    @property
    def unmatched(self) -> int:
        """Sentences whose speakerId had no party (Gong data gap; counted, not fatal)."""
        return sum(not r.matched_party for r in self.rows)

    @property
    def domains(self) -> list[str]:
        """Email domains of external participants: the account filter's vocabulary."""
        return account_domains(self.call)

    def content_hash(self) -> str:
        """A digest of everything the index holds for this call, to skip unchanged calls."""
        payload = {
            "call": [
                self.call.title,
                self.call.url,
                self.call.started.isoformat(),
                self.call.primary_user_id,
                self.host_name,
                self.domains,
                asdict(call_facts(self.call, self.domains)),
                [self.call.scope, self.call.direction, self.call.system, self.call.language],
                [self.call.workspace_id, self.call.duration],
            ],
            "rows": [asdict(r) for r in self.rows],
            "notes": [asdict(n) for n in self.notes],
        }
        blob = json.dumps(payload, sort_keys=True, ensure_ascii=True).encode()
        return hashlib.sha256(blob).hexdigest()[:32]


def account_domains(call: Call) -> list[str]:
    """Email domains of a call's external participants: what ``--account`` matches."""
    found = {
        p.email.rsplit("@", 1)[1]
        for p in call.parties
        if p.affiliation != "Internal" and "@" in p.email
    }
    return sorted(found)


def join_sentences(
    call: Call,
    transcript: Transcript | None,
    host_name: str = "",
    user_names: Mapping[str, str] | None = None,
) -> CallSentences:
    """Sentences with their speakers and trackers, and the call's notes (comment authors
    named from ``user_names``, Gong user id -> name)."""
    parties = {p.speaker_id: p for p in call.parties if p.speaker_id}
    rows: list[SentenceRow] = []
    for mono in transcript.monologues if transcript else ():
        party = parties.get(mono.speaker_id)
        name = _speaker_name(party, mono.speaker_id)
        for sentence in mono.sentences:
            rows.append(
                SentenceRow(
                    call_id=call.id,
                    ordinal=len(rows),
                    speaker_id=mono.speaker_id,
                    speaker_name=name,
                    speaker_email=party.email if party else "",
                    affiliation=party.affiliation if party else "Unknown",
                    topic=mono.topic,
                    start_ms=sentence.start_ms,
                    end_ms=sentence.end_ms,
                    text=sentence.text,
                    matched_party=party is not None,
                )
            )
    rows = _with_trackers(rows, call.content.trackers)
    return CallSentences(call, host_name, rows, _notes(call, len(rows), user_names or {}))


def _with_trackers(rows: list[SentenceRow], trackers: tuple[Tracker, ...]) -> list[SentenceRow]:
    """Each tracker occurrence lands on the sentence its speaker was saying at that time.

    Gong gives occurrence times in (fractional) seconds; a sentence holds the occurrence
    when its start is at most :data:`TIME_SLACK_MS` after it and its end not before it.
    """
    fired: dict[int, list[str]] = {}
    by_speaker: dict[str, list[SentenceRow]] = {}
    for row in rows:
        by_speaker.setdefault(row.speaker_id, []).append(row)
    for tracker in trackers:
        for hit in tracker.occurrences:
            candidates = by_speaker.get(hit.speaker_id, rows) if hit.speaker_id else rows
            row = next(
                (r for r in candidates if r.start_ms - TIME_SLACK_MS <= hit.start_ms <= r.end_ms),
                None,
            )
            if row is not None and tracker.name not in fired.get(row.ordinal, []):
                fired.setdefault(row.ordinal, []).append(tracker.name)
    if not fired:
        return rows
    return [replace(r, trackers=tuple(fired[r.ordinal])) if r.ordinal in fired else r for r in rows]


def _notes(call: Call, first: int, user_names: Mapping[str, str]) -> list[NoteRow]:
    return [
        NoteRow(
            call.id,
            first + i,
            note.kind,
            note.text,
            note.start_ms,
            note.heading,
            user_names.get(note.author_id, "") if note.author_id else "",
        )
        for i, note in enumerate(call.content.notes)
    ]


def _speaker_name(party: Party | None, speaker_id: str) -> str:
    if party and party.display_name:
        return party.display_name
    return f"Speaker {speaker_id}" if speaker_id else "Unknown speaker"
