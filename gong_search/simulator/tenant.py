"""A deterministic, lazily generated Gong tenant: users, calls, parties and transcripts.

Call ``i`` is a pure function of ``(seed, i)``: nothing is materialised up front, so a tenant
of 100,000 calls costs nothing until a call is asked for. Start times are spread evenly over
``span_days`` before ``anchor`` with bounded jitter, which keeps them monotone in ``i``; a
date window therefore maps to an index range by bisection. Call ids are a bijection of the
index (an affine permutation of 19-digit numbers), so looking a call up by id is O(1) too.

Each generated sentence carries an intent label (see ``language.INTENTS``) for ranking
evaluation; ``labels(call_id)`` lists them in transcript order.
"""

from __future__ import annotations

import bisect
import hashlib
import math
import random
from collections.abc import Iterator, Sequence
from dataclasses import dataclass
from datetime import UTC, datetime, timedelta
from functools import lru_cache
from typing import NamedTuple

from . import call_parts as parts
from .crm import Crm
from .language import NEXT_STEPS_TOPIC, SentenceWriter
from .people import ACTIVE_REPS, CUSTOMERS, REPS, Customer, Rep, user_record
from .stamps import (
    APP_HOST,
    ID_BASE,
    ID_SPACE,
    SECOND_WORKSPACE_ID,
    WORKSPACE_ID,
    as_utc,
    format_timestamp,
    stable_id,
    timespec_for,
)
from .translations import LANGUAGES, translate
from .whole_call import WholeCall

_ID_STRIDE = 2**61 - 1  # prime, so coprime with ID_SPACE: i -> id is a bijection
_ID_STRIDE_INVERSE = pow(_ID_STRIDE, -1, ID_SPACE)
_US = 1_000_000


class CallKey(NamedTuple):
    """What listing filters look at; cheap to get without generating the transcript.

    ``listed_at`` is what GET /v2/calls compares: the scheduled time of a web conference,
    else the start (None: the start).
    """

    started: datetime
    primary_user_id: str
    workspace_id: str
    listed_at: datetime | None = None


def today_utc() -> datetime:
    """The default anchor: today's 00:00 UTC, so a seed gives the same tenant all day long."""
    return datetime.now(UTC).replace(hour=0, minute=0, second=0, microsecond=0)


def key_of(meta: dict) -> CallKey:
    """The listing key of a recorded or hand-made call, from its metaData."""
    started = as_utc(datetime.fromisoformat(meta["started"]))
    scheduled = meta.get("scheduled") if meta.get("direction") == "Conference" else None
    listed = as_utc(datetime.fromisoformat(scheduled)) if scheduled else None
    return CallKey(
        started, str(meta.get("primaryUserId", "")), str(meta.get("workspaceId", "")), listed
    )


_SECOND_WORKSPACE_TITLES = ("Customer Success Manager", "Renewals Manager")


def workspace_of(host: Rep) -> str:
    """Customer success and renewals work in their own workspace."""
    return SECOND_WORKSPACE_ID if host.title in _SECOND_WORKSPACE_TITLES else WORKSPACE_ID


def scheduled_for(started: datetime) -> datetime:
    """Meetings are scheduled on the quarter hour at or before they start (UTC)."""
    return started.replace(second=0, microsecond=0) - timedelta(minutes=started.minute % 15)


@dataclass(frozen=True)
class _Script:
    """Everything generated for one call; cached, and copied out into fresh dicts on demand."""

    meta: dict
    parties: tuple[dict, ...]
    transcript: tuple[dict, ...]
    labels: tuple[str | None, ...]
    topics: tuple[tuple[str, int], ...]


class _IdRange(Sequence[str]):
    """A lazy, sliceable view of the call ids for indexes ``start..stop``."""

    def __init__(self, tenant: SyntheticTenant, start: int, stop: int) -> None:
        self._tenant = tenant
        self._range = range(start, stop)

    def __len__(self) -> int:
        return len(self._range)

    def __getitem__(self, item):  # type: ignore[override]
        if isinstance(item, slice):
            return [self._tenant.call_id(i) for i in self._range[item]]
        return self._tenant.call_id(self._range[item])

    def __iter__(self) -> Iterator[str]:
        return (self._tenant.call_id(i) for i in self._range)


class SyntheticTenant:
    """Northwind Cloud's Gong account: ~20 reps selling to 12 customer companies."""

    def __init__(
        self,
        calls: int = 200,
        seed: int = 0,
        anchor: datetime | None = None,
        span_days: float = 60,
        call_length: tuple[int, int] = (200, 1500),
    ) -> None:
        if calls < 0 or span_days <= 0 or not 0 < call_length[0] <= call_length[1]:
            raise ValueError("calls >= 0, span_days > 0 and 0 < min <= max call_length required")
        self.calls = calls
        self.seed = seed
        self.call_length = call_length
        anchor_utc = as_utc(anchor or today_utc()).replace(microsecond=0)
        self._end_us = int(anchor_utc.timestamp()) * _US
        self._span_us = int(span_days * 86400 * _US)
        self._id_offset = int(stable_id(seed, "calls")) - ID_BASE
        # one page of /extensive then /transcript for the same 100 calls must hit the cache
        self._script = lru_cache(maxsize=128)(self._build_script)
        self._user_ids = {rep: stable_id(seed, "user", rep.email) for rep in REPS}
        self.now = anchor_utc
        crm = Crm(seed, self.now, span_days)
        self.whole = WholeCall(seed, crm)  # derives the sections beyond metaData and parties
        self._details = lru_cache(maxsize=128)(self._build_details)

    # ---- ids and time -------------------------------------------------------------------

    def call_id(self, index: int) -> str:
        return str(ID_BASE + (index * _ID_STRIDE + self._id_offset) % ID_SPACE)

    def index_of(self, call_id: str) -> int | None:
        """Inverse of ``call_id``; None for anything that is not one of this tenant's calls."""
        if len(call_id) != 19 or not call_id.isdigit():
            return None
        index = ((int(call_id) - ID_BASE - self._id_offset) * _ID_STRIDE_INVERSE) % ID_SPACE
        return index if index < self.calls else None

    def start_us(self, index: int) -> int:
        """Call start in epoch microseconds: inside the call's own time slot, so monotone.

        Most starts are whole seconds and some carry milli- or microseconds; the rounding is
        skipped when slots are shorter than 10 s, where it could break monotonicity.
        """
        rng = random.Random(f"{self.seed}:{index}:start")
        slot = self._span_us / max(self.calls, 1)
        moment = self._end_us - self._span_us + int((index + 0.1 + 0.8 * rng.random()) * slot)
        if slot >= 10 * _US:
            moment -= moment % self._precision_unit(rng.random())
        return moment

    @staticmethod
    def _precision_unit(roll: float) -> int:
        return _US if roll < 0.7 else 1000 if roll < 0.85 else 1

    def started(self, index: int) -> datetime:
        seconds, micros = divmod(self.start_us(index), _US)
        return datetime.fromtimestamp(seconds, UTC).replace(microsecond=micros)

    def call_ids_between(self, start: datetime | None, end: datetime | None) -> _IdRange:
        """Ids of calls with ``start <= started < end``, oldest first, as a lazy sequence."""
        lo = 0 if start is None else self._first_index_at(as_utc(start))
        hi = self.calls if end is None else self._first_index_at(as_utc(end))
        return _IdRange(self, lo, max(lo, hi))

    def _first_index_at(self, moment: datetime) -> int:
        delta = moment - datetime.fromtimestamp(0, UTC)
        target = (delta.days * 86400 + delta.seconds) * _US + delta.microseconds
        return bisect.bisect_left(range(self.calls), target, key=self.start_us)

    # ---- public records -----------------------------------------------------------------

    def users(self) -> list[dict]:
        manager = self.user_id(REPS[0])
        return [
            user_record(rep, k, self.user_id(rep), manager if k else None)
            for k, rep in enumerate(REPS)
        ]

    def call(self, call_id: str) -> dict | None:
        index = self.index_of(call_id)
        if index is None:
            return None
        script = self._script(index)
        return {
            "metaData": dict(script.meta),
            "parties": [dict(p, methods=list(p["methods"])) for p in script.parties],
            "content": {"topics": [{"name": n, "duration": d} for n, d in script.topics]},
        }

    def transcript(self, call_id: str) -> dict | None:
        index = self.index_of(call_id)
        if index is None:
            return None
        monologues = [
            {**m, "sentences": [dict(s) for s in m["sentences"]]}
            for m in self._script(index).transcript
        ]
        return {"callId": call_id, "transcript": monologues}

    def details(self, call_id: str) -> dict | None:
        """The whole call (CRM context, trackers, summaries, ...), built only when asked.

        Cached, so only ``metaData`` (which the overlay edits) is copied: the sections below
        it are shared and read-only. A deep copy took half of a page's time.
        """
        index = self.index_of(call_id)
        if index is None:
            return None
        whole = self._details(index)
        return {**whole, "metaData": dict(whole["metaData"])}

    def _build_details(self, index: int) -> dict:
        call_id = self.call_id(index)
        script = self._script(index)
        return self.whole.build(self.call(call_id), script.transcript, script.labels)

    def call_key(self, call_id: str) -> CallKey | None:
        index = self.index_of(call_id)
        if index is None:
            return None
        rng = random.Random(f"{self.seed}:{index}")
        host = self._host(rng)
        rng.choice(CUSTOMERS)  # the same draws as _build_script, up to the kind of call
        phone = rng.random() >= 0.07 and rng.random() < 0.15
        started = self.started(index)
        listed = started if phone else scheduled_for(started)
        return CallKey(started, self.user_id(host), workspace_of(host), listed)

    def labels(self, call_id: str) -> list[str | None]:
        index = self.index_of(call_id)
        return [] if index is None else list(self._script(index).labels)

    # ---- users --------------------------------------------------------------------------

    def user_id(self, rep: Rep) -> str:
        return self._user_ids[rep]

    # ---- calls --------------------------------------------------------------------------

    def _build_script(self, index: int) -> _Script:
        rng = random.Random(f"{self.seed}:{index}")
        host = self._host(rng)
        customer = rng.choice(CUSTOMERS)
        internal = rng.random() < 0.07
        phone = not internal and rng.random() < 0.15
        if phone:
            parties = [self._rep_party(rng, host), parts.contact_party(rng, customer, phone=True)]
        else:
            parties = self._meeting_parties(rng, host, customer, internal)
        speakers = [p["speakerId"] for p in parties if "speakerId" in p]
        if rng.random() < 1 / 25:
            speakers.append(stable_id(self.seed, index, "orphan-speaker"))
        writer = SentenceWriter(rng, customer.name, tuple(r.first for r in ACTIVE_REPS))
        empty = rng.random() < 0.02
        transcript, labels = (
            ((), ()) if empty else parts.monologues(rng, speakers, writer, self.call_length)
        )
        end_ms = (
            transcript[-1]["sentences"][-1]["end"] if transcript else rng.randint(60, 900) * 1000
        )
        meta = self._meta(rng, index, host, customer, internal, phone, end_ms, writer.focus)
        extra = random.Random(f"{self.seed}:{index}:extra")  # new fields: their own stream
        meta.update(parts.calendar_extras(extra, meta, writer.focus))
        if transcript and not (internal or phone) and extra.random() < 0.03:
            meta["language"] = extra.choice(LANGUAGES)
            transcript = translate(transcript, labels, meta["language"], extra, NEXT_STEPS_TOPIC)
        return _Script(meta, tuple(parties), transcript, labels, parts.topic_durations(transcript))

    @staticmethod
    def _host(rng: random.Random) -> Rep:
        """The call's host: always the first draw, so ``call_key`` can skip the rest."""
        return rng.choice(ACTIVE_REPS)

    def _meeting_parties(
        self, rng: random.Random, host: Rep, customer: Customer, internal: bool
    ) -> list[dict]:
        colleagues = [r for r in ACTIVE_REPS if r != host]
        parties = [self._rep_party(rng, host)]
        extra_reps = rng.randint(1, 3) if internal else int(rng.random() < 0.4)
        parties += [self._rep_party(rng, r) for r in rng.sample(colleagues, extra_reps)]
        if not internal:
            count = rng.randint(1, min(3, len(customer.contacts)))
            contacts = rng.sample(customer.contacts, count)
            parties += [parts.contact_party(rng, customer, c) for c in contacts]
            if rng.random() < 0.15:
                parties.append(parts.dial_in_party(rng))
        for party in parties[2:]:  # host and first guest always speak; others may stay silent
            if rng.random() < 0.25:
                del party["speakerId"]
        return parties

    def _rep_party(self, rng: random.Random, rep: Rep) -> dict:
        return {
            "id": str(rng.randrange(10**13, 10**14)),
            "speakerId": str(rng.randrange(ID_BASE, 10**19)),
            "name": rep.name,
            "emailAddress": rep.email,
            "title": rep.title,
            "userId": self.user_id(rep),
            "affiliation": "Internal",
            "methods": ["Invitee"],
        }

    def _meta(
        self,
        rng: random.Random,
        index: int,
        host: Rep,
        customer: Customer,
        internal: bool,
        phone: bool,
        end_ms: int,
        focus: Sequence[str],
    ) -> dict:
        call_id = self.call_id(index)
        started = self.started(index)
        scheduled = scheduled_for(started)
        offset = 0 if rng.random() < 0.1 else host.utc_offset
        system = (
            rng.choice(("Outreach", "Aircall"))
            if phone
            else rng.choice(("Zoom", "Zoom", "Google Meet", "Microsoft Teams"))
        )
        meta = {
            "id": call_id,
            "url": f"{APP_HOST}/call?id={call_id}",
            "title": parts.title(rng, customer, internal, phone, focus),
            "scheduled": format_timestamp(scheduled, offset),
            "started": format_timestamp(started, offset, timespec_for(started)),
            "duration": math.ceil(end_ms / 1000) + rng.randint(3, 45),
            "primaryUserId": self.user_id(host),
            "direction": rng.choice(("Outbound", "Inbound")) if phone else "Conference",
            "system": system,
            "scope": "Internal" if internal else "External",
            "media": "Audio" if phone else "Video",
            "language": "eng",
            "workspaceId": workspace_of(host),
            "isPrivate": rng.random() < 0.05,
        }
        if phone:
            meta["clientUniqueId"] = f"CA{stable_id(call_id, 'telephony')}"
            meta["sdrDisposition"] = rng.choice(("Connected", "Left voicemail", "Meeting booked"))
        else:
            meta["meetingUrl"] = parts.conference_url(system, call_id)
            meta["calendarEventId"] = hashlib.md5(call_id.encode()).hexdigest()[:26]
        return meta
