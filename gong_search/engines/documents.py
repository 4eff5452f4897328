"""What every engine indexes of a sentence: one mapping, so the engines search the same
fields with the same values (the speaker's words, the normalised speaker key, affiliation
and topic in lower case for exact filters)."""

from __future__ import annotations

from ..keys import normalize_name
from ..sentences import SentenceRow


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
