"""``show`` and ``speakers``: a call's transcript, and who speaks in the index."""

from __future__ import annotations

from collections.abc import Iterator
from dataclasses import dataclass, field
from pathlib import Path
from urllib.parse import parse_qs, urlsplit

from .call_facts import CallFacts, call_facts
from .catalog import Catalog, Speaker
from .dates import format_offset
from .errors import NotFoundError, QueryError
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
    target: int | None = None  # the ordinal of the sentence --at points at

    def is_target(self, row: SentenceRow) -> bool:
        return self.target is not None and row.ordinal == self.target

    def as_json(self) -> dict:
        c = self.call
        found = {
            "schema_version": SCHEMA_VERSION,
            **call_header_json(c, self.host_name),
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
            "target_ordinal": self.target,
        }
        if self.summary:
            found["notes"] = [note_json(n) for n in self.notes]
        else:
            found["sentences"] = [sentence_json(r) for r in self.rows]
        return found

    def json_rows(self) -> Iterator[dict]:
        """JSONL: one sentence (with ``summary``, one note) a line, each naming its call."""
        if self.summary:
            for note in self.notes:
                yield {"call_id": self.call.id, **note_json(note)}
            return
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


def call_header_json(call: Call, host_name: str) -> dict:
    """A call's id, title, link, start, length and host: how every answer names a call."""
    return {
        "call_id": call.id,
        "title": call.title,
        "url": call.url,
        "started": call.started.astimezone().isoformat(),
        "duration": call.duration,
        "host": host_name,
    }


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


def call_id_from(text: str) -> str:
    """The call id in what the user pasted: an id, or a call URL as search prints it
    (``https://…/call?id=123``)."""
    text = text.strip()
    if "://" not in text:
        return text
    found = parse_qs(urlsplit(text).query).get("id")
    if not found:
        raise QueryError(f"{text!r} is not a Gong call URL (no ?id=...); give the call id")
    return found[0].strip()


def show_call(
    index_dir: Path,
    call_id: str,
    at_ms: int | None = None,
    context: int = 10,
    summary: bool = False,
) -> CallView:
    """The call, its facts and its transcript; with ``at_ms``, only ``context`` sentences
    around the sentence spoken at that moment (the target, marked when shown); with
    ``summary``, Gong's brief, key points, highlights and outline instead."""
    wanted = call_id_from(call_id)
    with Catalog(Path(index_dir), create=False) as catalog:
        joined = catalog.call_sentences(wanted)
    if joined is None:
        raise NotFoundError(f"no call {wanted!r} in the index (`gong-search calls` lists them)")
    rows, target = joined.rows, None
    if at_ms is not None and rows:
        _check_within(at_ms, rows)
        nearest = _spoken_at(rows, at_ms)
        target = rows[nearest].ordinal
        rows = rows[max(0, nearest - context) : nearest + context + 1]
    facts = call_facts(joined.call, joined.domains)
    return CallView(
        joined.call, joined.host_name, rows, at_ms, facts, joined.notes, summary, target
    )


def _check_within(at_ms: int, rows: list[SentenceRow]) -> None:
    """``--at`` past the last sentence is a mistake (a typo such as 99:99), not the end."""
    last = max(row.end_ms or row.start_ms for row in rows)
    if at_ms > last:
        raise QueryError(
            f"--at {format_offset(at_ms)} is after the call's last sentence ({format_offset(last)})"
        )


def _spoken_at(rows: list[SentenceRow], at_ms: int) -> int:
    """The sentence being spoken at ``at_ms`` (the last one started by the end of that
    second), so the ``at 4:35`` search prints for a hit points at that very hit."""
    started = [i for i, row in enumerate(rows) if row.start_ms < at_ms + 1000]
    return started[-1] if started else 0


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
