"""Who talked, and how much, on the indexed calls of a window: read from the catalog alone.

``activity`` sets this beside Gong's own counters. It needs no search engine: the catalog
holds every synced call and transcript, joined to speakers by :mod:`gong_search.sentences`
exactly as the index is. A speaker is kept under the Gong user id of their party when it
has one, else their email, else their name; a Gong user is then everything kept under
their id or their email (a party may lack the user id on some calls and not on others).
"""

from __future__ import annotations

from dataclasses import dataclass, field
from datetime import datetime
from pathlib import Path

from .catalog import Catalog
from .gong.records import Party
from .sentences import CallSentences, SentenceRow, normalize_name


@dataclass
class SpeakerTalk:
    """One speaker over the window: calls spoken on, sentences, and their summed length."""

    call_ids: set[str] = field(default_factory=set)
    sentences: int = 0
    talk_ms: int = 0

    @property
    def calls(self) -> int:
        return len(self.call_ids)

    def __add__(self, other: SpeakerTalk) -> SpeakerTalk:
        return SpeakerTalk(
            self.call_ids | other.call_ids,
            self.sentences + other.sentences,
            self.talk_ms + other.talk_ms,
        )


@dataclass
class TalkStats:
    """The window's calls in the catalog, their sentences, and who said them."""

    start: datetime
    end: datetime
    calls: int = 0
    sentences: int = 0
    customer_sentences: int = 0
    talk_ms: int = 0
    speakers: dict[str, SpeakerTalk] = field(default_factory=dict)
    by_email: dict[str, set[str]] = field(default_factory=dict)  # email -> speaker keys

    def share_of_talk(self, speaker: SpeakerTalk) -> float | None:
        """The speaker's share of all sentence time in the window (None: nobody spoke)."""
        return speaker.talk_ms / self.talk_ms if self.talk_ms else None

    @property
    def customer_share(self) -> float | None:
        """Sentences not said by an internal speaker (like ``--customer``), of all."""
        return self.customer_sentences / self.sentences if self.sentences else None

    def by_user(self, user_id: str, email: str) -> SpeakerTalk:
        """What this Gong user said: under their user id and their email (zero if nothing)."""
        keys = {f"user:{user_id}"} | (self.by_email.get(email.lower(), set()) if email else set())
        found = SpeakerTalk()
        for key in keys:
            found += self.speakers.get(key, SpeakerTalk())
        return found


def talk_stats(index_dir: Path, start: datetime, end: datetime) -> TalkStats:
    """Per-speaker talk over calls that started in ``[start, end)``."""
    stats = TalkStats(start, end)
    with Catalog(Path(index_dir), create=False) as catalog:
        call_ids = catalog.call_ids_between(start, end)
        stats.calls = len(call_ids)
        for joined in catalog.iter_call_sentences(call_ids):
            _add_call(stats, joined)
    return stats


def _add_call(stats: TalkStats, joined: CallSentences) -> None:
    parties = {p.speaker_id: p for p in joined.call.parties if p.speaker_id}
    for row in joined.rows:
        key = _speaker_key(row, parties.get(row.speaker_id))
        speaker = stats.speakers.setdefault(key, SpeakerTalk())
        if row.speaker_email:  # a user id differs between tenants; the email does not
            stats.by_email.setdefault(row.speaker_email.lower(), set()).add(key)
        length = max(0, row.end_ms - row.start_ms)
        speaker.call_ids.add(row.call_id)
        speaker.sentences += 1
        speaker.talk_ms += length
        stats.sentences += 1
        stats.talk_ms += length
        stats.customer_sentences += row.affiliation != "Internal"


def _speaker_key(row: SentenceRow, party: Party | None) -> str:
    if party is not None and party.user_id:
        return f"user:{party.user_id}"
    if row.speaker_email:
        return f"email:{row.speaker_email.lower()}"
    return f"name:{normalize_name(row.speaker_name)}"
