"""``show`` and ``speakers``: a call's transcript, and who speaks in the index."""

from __future__ import annotations

from collections.abc import Iterator
from dataclasses import dataclass, field
from pathlib import Path

from .call_facts import CallFacts, call_facts
from .catalog import Catalog, Speaker
from .dates import format_offset
from .errors import NotFoundError
from .gong.records import Call
from .names import match_speakers
from .sentences import NoteRow, SentenceRow

SCHEMA_VERSION = 1


@dataclass
class CallView:
    call: Call
    host_name: str
    rows: list[SentenceRow]
    at_ms: int | None = None
    facts: CallFacts | None = None
    notes: list[NoteRow] = field(default_factory=list)
    summary: bool = False  # show Gong's summaries instead of the transcript

    def as_json(self) -> dict:
        c = self.call
        found = {
            "schema_version": SCHEMA_VERSION,
            "call_id": c.id,
            "title": c.title,
            "url": c.url,
            "started": c.started.astimezone().isoformat(),
            "duration": c.duration,
            "host": self.host_name,
            "parties": [
                {
                    "name": p.display_name,
                    "email": p.email,
                    "affiliation": p.affiliation,
                    "title": p.title,
                    "speaker_id": p.speaker_id,
                }
                for p in c.parties
            ],
            **facts_json(self.facts),
            "brief": next((n.text for n in self.notes if n.kind == "brief"), ""),
        }
        if self.summary:
            found["notes"] = [note_json(n) for n in self.notes]
        else:
            found["sentences"] = [sentence_json(r) for r in self.rows]
        return found

    def json_rows(self) -> Iterator[dict]:
        """JSONL: one sentence a line, each naming its call."""
        for row in self.rows:
            yield {"call_id": self.call.id, **sentence_json(row)}


@dataclass
class SpeakerList:
    """``speakers``' answer: the matching speakers, best first."""

    speakers: list[Speaker]

    def as_json(self) -> dict:
        return {"schema_version": SCHEMA_VERSION, "speakers": list(self.json_rows())}

    def json_rows(self) -> Iterator[dict]:
        return (speaker_json(s) for s in self.speakers)


def facts_json(facts: CallFacts | None) -> dict:
    """The call's CRM and Gong facts, as ``show`` and agents read them."""
    if facts is None:
        return {}
    return {
        "accounts": list(facts.accounts),
        "deals": [
            {"name": d.name, "stage_at_call": d.stage_at_call, "stage_now": d.stage_now}
            for d in facts.deal_stages
        ],
        "outcome": facts.outcome,
        "trackers": [{"name": name, "count": count} for name, count in facts.trackers],
    }


def note_json(note: NoteRow) -> dict:
    at = "" if note.start_ms is None else format_offset(note.start_ms)
    return {"kind": note.kind, "heading": note.heading, "at": at, "text": note.text}


def sentence_json(row: SentenceRow) -> dict:
    return {
        "ordinal": row.ordinal,
        "speaker_name": row.speaker_name,
        "affiliation": row.affiliation,
        "start_ms": row.start_ms,
        "end_ms": row.end_ms,
        "at": format_offset(row.start_ms),
        "text": row.text,
    }


def show_call(
    index_dir: Path,
    call_id: str,
    at_ms: int | None = None,
    context: int = 10,
    summary: bool = False,
) -> CallView:
    """The call, its facts and its transcript; with ``at_ms``, only ``context`` sentences
    around it; with ``summary``, Gong's brief, key points, highlights and outline instead."""
    with Catalog(Path(index_dir), create=False) as catalog:
        joined = catalog.call_sentences(call_id.strip())
    if joined is None:
        raise NotFoundError(f"no call {call_id!r} in the index (see `gong-search status`)")
    rows = joined.rows
    if at_ms is not None and rows:
        nearest = min(range(len(rows)), key=lambda i: abs(rows[i].start_ms - at_ms))
        rows = rows[max(0, nearest - context) : nearest + context + 1]
    facts = call_facts(joined.call, joined.domains)
    return CallView(joined.call, joined.host_name, rows, at_ms, facts, joined.notes, summary)


def list_speakers(index_dir: Path, name: str | None = None) -> list[Speaker]:
    """Indexed speakers; with ``name``, fuzzy-filtered like ``--speaker`` (best first)."""
    with Catalog(Path(index_dir), create=False) as catalog:
        speakers = catalog.speakers()
    if not name:
        return speakers
    return [m.speaker for m in match_speakers(name, speakers)]


def speaker_json(s: Speaker) -> dict:
    return {
        "name": s.name,
        "email": s.email,
        "affiliation": s.affiliation,
        "calls": s.calls,
        "sentences": s.sentences,
    }
