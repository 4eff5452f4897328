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
import copy
import hashlib
import math
import random
from collections.abc import Iterator, Sequence
from dataclasses import dataclass
from datetime import UTC, datetime, timedelta, timezone
from functools import lru_cache
from typing import TYPE_CHECKING, NamedTuple

from . import call_parts as parts
from .call_parts import ID_BASE
from .crm import Crm
from .language import SentenceWriter
from .people import ACTIVE_REPS, CUSTOMERS, REPS, Customer, Rep

if TYPE_CHECKING:
    from .whole_call import WholeCall

APP_HOST = "https://us-40213.app.gong.io"
WORKSPACE_ID = "5517038468512940312"

_ID_SPACE = 9 * 10**18  # every 19-digit number
_ID_STRIDE = 2**61 - 1  # prime, so coprime with _ID_SPACE: i -> id is a bijection
_ID_STRIDE_INVERSE = pow(_ID_STRIDE, -1, _ID_SPACE)
_US = 1_000_000


def stable_id(*parts: object) -> str:
    """A 19-digit decimal string derived from ``parts``: Gong ids are strings above 2**53."""
    digest = hashlib.sha256(":".join(map(str, parts)).encode()).digest()
    return str(ID_BASE + int.from_bytes(digest[:8], "big") % _ID_SPACE)


def format_timestamp(moment: datetime, utc_offset: int, precision: str = "seconds") -> str:
    """ISO 8601 in the given offset (minutes); UTC is written with a ``Z`` as Gong often does."""
    local = moment.astimezone(timezone(timedelta(minutes=utc_offset)))
    text = local.isoformat(timespec=precision)
    return text.removesuffix("+00:00") + "Z" if utc_offset == 0 else text


def timespec_for(moment: datetime) -> str:
    """The shortest ``isoformat`` timespec that keeps every digit of ``moment``."""
    if moment.microsecond == 0:
        return "seconds"
    return "milliseconds" if moment.microsecond % 1000 == 0 else "microseconds"


def as_utc(moment: datetime) -> datetime:
    """Naive datetimes are taken to be UTC."""
    return moment.replace(tzinfo=UTC) if moment.tzinfo is None else moment.astimezone(UTC)


class CallKey(NamedTuple):
    """What listing filters look at; cheap to get without generating the transcript."""

    started: datetime
    primary_user_id: str
    workspace_id: str


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
        anchor_utc = as_utc(anchor or datetime.now(UTC)).replace(microsecond=0)
        self._end_us = int(anchor_utc.timestamp()) * _US
        self._span_us = int(span_days * 86400 * _US)
        self._id_offset = int(stable_id(seed, "calls")) - ID_BASE
        # one page of /extensive then /transcript for the same 100 calls must hit the cache
        self._script = lru_cache(maxsize=128)(self._build_script)
        self._user_ids = {rep: stable_id(seed, "user", rep.email) for rep in REPS}
        self.now = anchor_utc
        self._whole: WholeCall | None = None
        self._details = lru_cache(maxsize=128)(self._build_details)

    # ---- ids and time -------------------------------------------------------------------

    def call_id(self, index: int) -> str:
        return str(ID_BASE + (index * _ID_STRIDE + self._id_offset) % _ID_SPACE)

    def index_of(self, call_id: str) -> int | None:
        """Inverse of ``call_id``; None for anything that is not one of this tenant's calls."""
        if len(call_id) != 19 or not call_id.isdigit():
            return None
        index = ((int(call_id) - ID_BASE - self._id_offset) * _ID_STRIDE_INVERSE) % _ID_SPACE
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
        return [self._user(rep, k) for k, rep in enumerate(REPS)]

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
        """The whole call (CRM context, trackers, summaries, ...), built only when asked."""
        index = self.index_of(call_id)
        return None if index is None else copy.deepcopy(self._details(index))

    @property
    def whole(self) -> WholeCall:
        """Derives the sections beyond metaData and parties; its CRM is built on first use."""
        if self._whole is None:
            from .whole_call import WholeCall  # whole_call builds on this module's helpers

            crm = Crm(self.seed, self.now, self._span_us / _US / 86400)
            self._whole = WholeCall(self.seed, crm)
        return self._whole

    def _build_details(self, index: int) -> dict:
        call_id = self.call_id(index)
        script = self._script(index)
        return self.whole.build(self.call(call_id), script.transcript, script.labels)

    def call_key(self, call_id: str) -> CallKey | None:
        index = self.index_of(call_id)
        if index is None:
            return None
        host = self._host(random.Random(f"{self.seed}:{index}"))
        return CallKey(self.started(index), self.user_id(host), WORKSPACE_ID)

    def labels(self, call_id: str) -> list[str | None]:
        index = self.index_of(call_id)
        return [] if index is None else list(self._script(index).labels)

    # ---- users --------------------------------------------------------------------------

    def user_id(self, rep: Rep) -> str:
        return self._user_ids[rep]

    def _user(self, rep: Rep, k: int) -> dict:
        created = datetime(2021, 3, 1, 9, 30, tzinfo=UTC) + timedelta(days=37 * k, minutes=k)
        user = {
            "id": self.user_id(rep),
            "emailAddress": rep.email,
            "created": format_timestamp(created, rep.utc_offset),
            "active": rep.active,
            "emailAliases": [],
            "trustedEmailAddress": rep.email,
            "firstName": rep.first,
            "lastName": rep.last,
            "title": rep.title,
            "personalMeetingUrls": [f"https://zoom.us/j/{stable_id(rep.email)[:10]}"],
            "settings": {
                "webConferencesRecorded": rep.active,
                "preventWebConferenceRecording": False,
                "telephonyCallsImported": k % 3 == 0,
                "emailsImported": True,
                "preventEmailImport": False,
                "nonRecordedMeetingsImported": k % 2 == 0,
                "gongConnectEnabled": True,
            },
            "meetingConsentPageUrl": f"https://join.gong.io/northwind/{rep.email.split('@')[0]}",
            "spokenLanguages": [{"language": "en-US", "primary": True}],
        }
        if k % 4 != 3:
            user["phoneNumber"] = f"+1 415-555-{1000 + k * 37:04d}"
        if k:
            user["managerId"] = self.user_id(REPS[0])
        if rep.first in ("Tomás", "Sofía", "Isabela"):
            user["spokenLanguages"].append({"language": "es-ES", "primary": False})
        return user

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
        scheduled = started.replace(second=0, microsecond=0) - timedelta(
            minutes=started.minute % 15
        )
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
            "workspaceId": WORKSPACE_ID,
            "isPrivate": rng.random() < 0.05,
        }
        if phone:
            meta["clientUniqueId"] = f"CA{stable_id(call_id, 'telephony')}"
            meta["sdrDisposition"] = rng.choice(("Connected", "Left voicemail", "Meeting booked"))
        else:
            meta["meetingUrl"] = f"https://zoom.us/j/{call_id[:11]}"
            meta["calendarEventId"] = hashlib.md5(call_id.encode()).hexdigest()[:26]
        return meta
