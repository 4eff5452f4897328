"""What a call is about, beyond its transcript: account, deal, stage, outcome, trackers,
participants. Derived from a :class:`~gong_search.gong.records.Call` in this one place, so
the index, ``show``, ``accounts`` and facets name things identically.

Gong links a call to CRM objects twice when asked (``contextTiming``): as they are *now*
and as they were *at the time of the call*. A deal's stage moves, so ``--stage`` means the
stage when the call happened and ``--deal-now`` the current one; names rarely change, so
an account or deal matches by either.
"""

from __future__ import annotations

from dataclasses import dataclass

from .gong.records import Call, CrmObject, Party
from .keys import normalize_name

NOW, AT_CALL = "Now", "TimeOfCall"


@dataclass(frozen=True)
class Participant:
    name: str
    email: str
    affiliation: str  # Internal, External, Unknown
    invited: bool
    attended: bool
    spoke: bool

    @property
    def keys(self) -> tuple[str, ...]:
        """What ``--participant`` matches: the name and the e-mail address."""
        return tuple(k for k in (normalize_name(self.name), self.email.lower()) if k)


@dataclass(frozen=True)
class Deal:
    name: str
    stage_at_call: str  # "" when Gong gave no TimeOfCall view
    stage_now: str


@dataclass(frozen=True)
class CallFacts:
    accounts: tuple[str, ...]  # CRM account names, else the external e-mail domains
    account_keys: tuple[str, ...]  # names, CRM ids and domains, normalised: --account
    deals: tuple[str, ...]  # opportunity names
    deal_keys: tuple[str, ...]  # names and CRM ids, normalised: --deal
    stages: tuple[str, ...]  # each deal's stage at the time of the call
    stages_now: tuple[str, ...]  # ... and now
    trackers: tuple[tuple[str, int], ...]  # (name, count) of the trackers that fired
    participants: tuple[Participant, ...]
    outcome: str
    deal_stages: tuple[Deal, ...] = ()  # each deal with its stage then and now


def call_facts(call: Call, domains: list[str]) -> CallFacts:
    accounts = _named(call.content.crm, "Account")
    deals = _named(call.content.crm, "Opportunity")
    return CallFacts(
        accounts=_unique([o.name for o in accounts] or domains),
        account_keys=_keys([*(o.name for o in accounts), *(o.id for o in accounts), *domains]),
        deals=_unique([o.name for o in deals]),
        deal_keys=_keys([*(o.name for o in deals), *(o.id for o in deals)]),
        stages=_unique([o.stage for o in deals if o.timing == AT_CALL]),
        stages_now=_unique([o.stage for o in deals if o.timing in (NOW, "")]),
        trackers=tuple((t.name, t.count) for t in call.content.trackers if t.name and t.count),
        participants=tuple(_participant(p) for p in call.parties),
        outcome=call.content.outcome,
        deal_stages=_deal_stages(deals),
    )


def _deal_stages(deals: list[CrmObject]) -> tuple[Deal, ...]:
    """One entry per deal (by CRM id), pairing its TimeOfCall and Now views."""
    views: dict[str, dict[str, CrmObject]] = {}
    for deal in deals:
        views.setdefault(deal.id or deal.name, {})[deal.timing or NOW] = deal
    found = []
    for view in views.values():
        then, now = view.get(AT_CALL), view.get(NOW)
        name = (then or now or next(iter(view.values()))).name
        found.append(Deal(name, then.stage if then else "", now.stage if now else ""))
    return tuple(found)


def _named(crm: tuple[CrmObject, ...], kind: str) -> list[CrmObject]:
    """Objects of one kind, those at the time of the call first (the facts people quote)."""
    found = [o for o in crm if o.kind.lower() == kind.lower() and (o.name or o.id)]
    return sorted(found, key=lambda o: o.timing != AT_CALL)


def _participant(party: Party) -> Participant:
    methods = {m.lower() for m in party.methods}
    return Participant(
        name=party.display_name,
        email=party.email,
        affiliation=party.affiliation,
        invited="invitee" in methods,
        attended="attendee" in methods or bool(party.speaker_id),
        spoke=bool(party.speaker_id),
    )


def _unique(values: list[str]) -> tuple[str, ...]:
    return tuple(dict.fromkeys(v for v in values if v))


def _keys(values: list[str]) -> tuple[str, ...]:
    """Filter keys: normalised, without the commas that separate keyword values."""
    return _unique([normalize_name(v).replace(",", " ").strip() for v in values])
