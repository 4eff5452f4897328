"""``show`` and ``speakers``: a call's transcript, and who speaks in the index."""

from __future__ import annotations

from collections.abc import Iterator
from dataclasses import dataclass
from pathlib import Path
from urllib.parse import parse_qs, urlsplit

from .catalog import Catalog, Speaker
from .dates import format_offset
from .errors import NotFoundError, QueryError
from .gong.records import Call
from .names import match_speakers
from .sentences import SentenceRow

SCHEMA_VERSION = 1


@dataclass
class CallView:
    call: Call
    host_name: str
    rows: list[SentenceRow]
    at_ms: int | None = None
    target: int | None = None  # the ordinal of the sentence --at points at

    def is_target(self, row: SentenceRow) -> bool:
        return self.target is not None and row.ordinal == self.target

    def as_json(self) -> dict:
        c = self.call
        return {
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
            "target_ordinal": self.target,
            "sentences": [sentence_json(r) for r in self.rows],
        }

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
    index_dir: Path, call_id: str, at_ms: int | None = None, context: int = 10
) -> CallView:
    """The call and its transcript; with ``at_ms``, only ``context`` sentences around the
    sentence spoken at that moment (the target, marked when shown)."""
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
    return CallView(joined.call, joined.host_name, rows, at_ms, target)


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
