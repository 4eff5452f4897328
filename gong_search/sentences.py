"""The speaker join: a call's parties + its transcript -> one row per sentence.

Transcripts carry only ``speakerId``; names, emails and affiliation come from the call's
parties. This is the single place that joins them, so the index, ``show`` and search
context all number and attribute sentences identically.
"""

from __future__ import annotations

import hashlib
import json
import unicodedata
from dataclasses import asdict, dataclass

from .gong.records import Call, Party, Transcript


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


@dataclass(frozen=True)
class CallSentences:
    """Everything the index needs for one call, already joined."""

    call: Call
    host_name: str
    rows: list[SentenceRow]

    @property
    def unmatched(self) -> int:
        """Sentences whose speakerId had no party (Gong data gap; counted, not fatal)."""
        return sum(not r.matched_party for r in self.rows)

    @property
    def domains(self) -> list[str]:
        """Email domains of external participants: the account filter's vocabulary."""
        found = {
            p.email.rsplit("@", 1)[1]
            for p in self.call.parties
            if p.affiliation != "Internal" and "@" in p.email
        }
        return sorted(found)

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
            ],
            "rows": [asdict(r) for r in self.rows],
        }
        blob = json.dumps(payload, sort_keys=True, ensure_ascii=True).encode()
        return hashlib.sha256(blob).hexdigest()[:32]


def join_sentences(call: Call, transcript: Transcript | None, host_name: str = "") -> CallSentences:
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
    return CallSentences(call, host_name, rows)


def _speaker_name(party: Party | None, speaker_id: str) -> str:
    if party and party.display_name:
        return party.display_name
    return f"Speaker {speaker_id}" if speaker_id else "Unknown speaker"


def normalize_name(value: str) -> str:
    """Lowercase, accents folded, whitespace collapsed: the key speakers are matched on."""
    decomposed = unicodedata.normalize("NFKD", value)
    folded = "".join(c for c in decomposed if not unicodedata.combining(c))
    folded = folded.replace("ø", "o").replace("Ø", "o").replace("ł", "l").replace("Ł", "l")
    return " ".join(folded.lower().split())
