"""Edits layered over a read-only tenant, so tests can change the data a running server serves.

Tenants (synthetic or recorded) never change; the overlay adds calls, deletes calls, swaps
transcripts and flips privacy, and answers the same questions a tenant does.
"""

from __future__ import annotations

import bisect
import copy
import math
import random
from collections.abc import Sequence
from dataclasses import dataclass
from datetime import UTC, datetime
from itertools import islice
from typing import Protocol

from .crm import Crm
from .language import SentenceWriter
from .tenant import (
    APP_HOST,
    WORKSPACE_ID,
    CallKey,
    as_utc,
    format_timestamp,
    key_of,
    stable_id,
    timespec_for,
)
from .whole_call import WholeCall


class Tenant(Protocol):
    """What the server needs from a data source (SyntheticTenant, RecordedTenant)."""

    def users(self) -> list[dict]: ...
    def call_ids_between(self, start: datetime | None, end: datetime | None) -> Sequence[str]: ...
    def call(self, call_id: str) -> dict | None: ...
    def details(self, call_id: str) -> dict | None: ...
    def transcript(self, call_id: str) -> dict | None: ...
    def labels(self, call_id: str) -> list[str | None]: ...
    def call_key(self, call_id: str) -> CallKey | None: ...


@dataclass
class _AddedCall:
    call: dict
    transcript: list[dict]


class TenantOverlay:
    def __init__(self, tenant: Tenant, seed: int = 0) -> None:
        self.tenant = tenant
        self._seed = seed
        self._added: dict[str, _AddedCall] = {}
        self._deleted: set[str] = set()
        self._transcripts: dict[str, list[dict]] = {}
        self._private: dict[str, bool] = {}

    # ---- reads --------------------------------------------------------------------------

    def users(self) -> list[dict]:
        return self.tenant.users()

    def call_key(self, call_id: str) -> CallKey | None:
        if call_id in self._deleted:
            return None
        if call_id in self._added:
            return key_of(self._added[call_id].call["metaData"])
        return self.tenant.call_key(call_id)

    def ids_between(self, start: datetime | None, end: datetime | None) -> Sequence[str]:
        """Oldest-first ids in ``[start, end)``; stays lazy unless edits touch the result."""
        base = self.tenant.call_ids_between(start, end)
        added = [cid for cid in self._added if self.in_window(cid, start, end)]
        if not added and not self._deleted:
            return base
        ids = [cid for cid in base if cid not in self._deleted]
        for call_id in sorted(added, key=self._started):
            ids.insert(bisect.bisect_right(ids, self._started(call_id), key=self._started), call_id)
        return ids

    def in_window(self, call_id: str, start: datetime | None, end: datetime | None) -> bool:
        key = self.call_key(call_id)
        if key is None:
            return False
        return (start is None or key.started >= as_utc(start)) and (
            end is None or key.started < as_utc(end)
        )

    def call(self, call_id: str) -> dict | None:
        if call_id in self._deleted:
            return None
        if call_id in self._added:
            record = copy.deepcopy(self._added[call_id].call)
        else:
            record = self.tenant.call(call_id)
        if record is not None and call_id in self._private:
            record["metaData"]["isPrivate"] = self._private[call_id]
        return record

    def details(self, call_id: str) -> dict | None:
        """The whole call; derived afresh for added calls and for replaced transcripts."""
        if call_id in self._deleted:
            return None
        if call_id in self._added or call_id in self._transcripts:
            record, transcript = self.call(call_id), self.transcript(call_id)
            assert record is not None and transcript is not None
            return self._whole().build(record, transcript["transcript"], [])
        record = self.tenant.details(call_id)
        if record is not None and call_id in self._private:
            record["metaData"]["isPrivate"] = self._private[call_id]
        return record

    def _whole(self) -> WholeCall:
        """The tenant's own derivation (same CRM) when it has one, else one of our own."""
        whole = getattr(self.tenant, "whole", None)
        if whole is None:
            now = datetime.now(UTC).replace(hour=0, minute=0, second=0, microsecond=0)
            whole = WholeCall(self._seed, Crm(self._seed, now, 365))
        return whole

    def transcript(self, call_id: str) -> dict | None:
        if call_id in self._deleted:
            return None
        if call_id in self._transcripts:
            return {"callId": call_id, "transcript": copy.deepcopy(self._transcripts[call_id])}
        if call_id in self._added:
            monologues = copy.deepcopy(self._added[call_id].transcript)
            return {"callId": call_id, "transcript": monologues}
        return self.tenant.transcript(call_id)

    def _started(self, call_id: str) -> datetime:
        key = self.call_key(call_id)
        assert key is not None, call_id
        return as_utc(key.started)

    # ---- edits --------------------------------------------------------------------------

    def add_call(
        self,
        started: datetime,
        sentences: list[tuple[int, str]] | None = None,
        *,
        title: str = "Ad-hoc call",
        private: bool = False,
    ) -> str:
        """Adds a call whose parties are borrowed from an existing one; returns its id."""
        call_id = self._new_call_id()
        rng = random.Random(f"{self._seed}:added:{call_id}")
        parties = self._borrowed_parties(rng)
        if sentences is None:
            writer = SentenceWriter(rng, "your team", ("Sam",))
            lines = [(k % 2, writer.sentence(writer.pick_intent())) for k in range(12)]
        else:
            lines = sentences
        transcript = _monologues_for(lines, parties)
        end_ms = transcript[-1]["sentences"][-1]["end"] if transcript else 60_000
        meta = _added_meta(call_id, as_utc(started), title, private, parties, end_ms)
        self._added[call_id] = _AddedCall({"metaData": meta, "parties": parties}, transcript)
        return call_id

    def set_transcript(self, call_id: str, transcript: list[dict]) -> None:
        self._require(call_id)
        self._transcripts[call_id] = copy.deepcopy(transcript)

    def delete_call(self, call_id: str) -> None:
        self._require(call_id)
        self._deleted.add(call_id)

    def set_private(self, call_id: str, private: bool) -> None:
        self._require(call_id)
        self._private[call_id] = private

    def _require(self, call_id: str) -> None:
        if self.call_key(call_id) is None:
            raise KeyError(f"unknown call id {call_id}")

    def _new_call_id(self) -> str:
        serial = len(self._added)
        while True:
            call_id = stable_id(self._seed, "added", serial)
            if self.tenant.call_key(call_id) is None and call_id not in self._added:
                return call_id
            serial += 1

    def _borrowed_parties(self, rng: random.Random) -> list[dict]:
        """Real people from one of the tenant's first calls, with fresh per-call ids."""
        for call_id in islice(self.tenant.call_ids_between(None, None), 50):
            record = self.tenant.call(call_id) or {}
            parties = record.get("parties", [])
            if {p.get("affiliation") for p in parties} >= {"Internal", "External"}:
                break
        else:
            users = self.users()[:1]
            parties = [
                {
                    "name": f"{u['firstName']} {u['lastName']}",
                    "emailAddress": u["emailAddress"],
                    "userId": u["id"],
                    "affiliation": "Internal",
                }
                for u in users
            ] + [{"name": "Guest", "affiliation": "External"}]
        return [
            {
                **p,
                "id": str(rng.randrange(10**13, 10**14)),
                "speakerId": str(rng.randrange(10**18, 10**19)),
                "methods": ["Invitee"],
            }
            for p in parties
        ]


def _monologues_for(lines: list[tuple[int, str]], parties: list[dict]) -> list[dict]:
    """Groups consecutive sentences by party into monologues; silent parties lose speakerId."""
    monologues: list[dict] = []
    clock = 2000
    for party_index, text in lines:
        if not 0 <= party_index < len(parties):
            raise ValueError(f"party index {party_index} out of range 0..{len(parties) - 1}")
        speaker = parties[party_index]["speakerId"]
        end = clock + 300 * len(text.split()) + 500
        if not monologues or monologues[-1]["speakerId"] != speaker:
            monologues.append({"speakerId": speaker, "topic": "", "sentences": []})
        monologues[-1]["sentences"].append({"start": clock, "end": end, "text": text})
        clock = end + 400
    speaking = {m["speakerId"] for m in monologues}
    for party in parties:
        if party["speakerId"] not in speaking:
            del party["speakerId"]
    return monologues


def _added_meta(
    call_id: str, started: datetime, title: str, private: bool, parties: list[dict], end_ms: int
) -> dict:
    hosts = [p["userId"] for p in parties if p.get("userId")]
    external = any(p.get("affiliation") == "External" for p in parties)
    return {
        "id": call_id,
        "url": f"{APP_HOST}/call?id={call_id}",
        "title": title,
        "scheduled": format_timestamp(started, 0),
        "started": format_timestamp(started, 0, timespec_for(started)),
        "duration": math.ceil(end_ms / 1000) + 5,
        "primaryUserId": hosts[0] if hosts else stable_id("host", call_id),
        "direction": "Conference",
        "system": "Zoom",
        "scope": "External" if external else "Internal",
        "media": "Video",
        "language": "eng",
        "workspaceId": WORKSPACE_ID,
        "isPrivate": private,
    }
