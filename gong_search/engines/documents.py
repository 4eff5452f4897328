"""What every engine indexes of a sentence, a note and a call: one mapping, so the engines
search the same fields with the same values (the speaker's words, the normalised speaker
key, affiliation and topic in lower case for exact filters; a call's accounts, deals,
stages and participants as normalised keys; the display values its facets count)."""

from __future__ import annotations

from collections.abc import Iterable
from datetime import UTC

from ..call_facts import CallFacts, call_facts
from ..keys import normalize_name
from ..sentences import CallSentences, NoteRow, SentenceRow


def sentence_fields(row: SentenceRow) -> dict:
    return {
        "text": row.text,
        "ordinal": row.ordinal,
        "speaker": f"{row.speaker_name} {row.speaker_email.replace('@', ' ')}",
        "speaker_key": normalize_name(row.speaker_name),
        "speaker_name": row.speaker_name,
        "speaker_email": row.speaker_email,
        "affiliation": row.affiliation.lower(),
        "topic": row.topic.lower(),
        "start_ms": row.start_ms,
        "end_ms": row.end_ms,
    }


def note_fields(note: NoteRow) -> dict:
    """A brief, key point, highlight, outline item or comment: its text in a field of its
    own (``summary`` or ``comment``: a transcript search never sees it), the author of a
    comment as its speaker."""
    doc = {
        "comment" if note.kind == "comment" else "summary": note.text,
        "ordinal": note.ordinal,
        "kind": note.kind,
        "heading": note.heading,
        "speaker_name": note.author,
        "start_ms": note.start_ms,
        "end_ms": note.start_ms,
    }
    if note.author:
        doc.update(speaker_key=normalize_name(note.author), affiliation="internal")
    return doc


def keys(values: Iterable[str]) -> list[str]:
    """A multi-valued keyword field's values: normalised keys, commas dropped, once each."""
    found = (normalize_name(v).replace(",", " ").strip() for v in values if v)
    return list(dict.fromkeys(k for k in found if k))


def call_fields(joined: CallSentences) -> dict:
    """What every document of a call shares, for filters: lists are multi-valued keys;
    an empty value is None (not indexed: no ``""`` among a field's values)."""
    call = joined.call
    facts = call_facts(call, joined.domains)
    found = {
        "title": call.title,
        "host": normalize_name(joined.host_name),
        "account": keys(facts.account_keys),
        "deal": keys(facts.deal_keys),
        "stage": keys(facts.stages),
        "stage_now": keys(facts.stages_now),
        "participant": keys(k for p in facts.participants for k in p.keys),
        "scope": call.scope,
        "direction": call.direction,
        "system": call.system,
        "language": call.language,
        "workspace": call.workspace_id,
        "outcome": facts.outcome,
        "duration": call.duration,
        "call_started": int(call.started.timestamp()),
        "facts": facet_values(joined, facts),
    }
    return {name: None if value == "" else value for name, value in found.items()}


def facet_values(joined: CallSentences, facts: CallFacts) -> dict[str, list[str]]:
    """What a call counts under in each per-call facet (see ``engine.CALL_FACETS``)."""
    call = joined.call
    single = {
        "outcome": facts.outcome,
        "host": joined.host_name,
        "workspace": call.workspace_id,
        "language": call.language,
        "scope": call.scope,
        "direction": call.direction,
        "system": call.system,
        "month": call.started.astimezone(UTC).strftime("%Y-%m"),
    }
    found = {name: [value] for name, value in single.items() if value}
    found.update(account=list(facts.accounts), deal=list(facts.deals), stage=list(facts.stages))
    found["stage_now"] = list(facts.stages_now)
    return {name: values for name, values in found.items() if values}
