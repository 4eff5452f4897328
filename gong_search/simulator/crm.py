"""The synthetic tenant's CRM (Salesforce-like): accounts, opportunities and their history.

Gong links a call to the CRM through its external participants' email domains; the linked
account and one of its open opportunities then appear in ``context[]`` as they are ``Now``
and as they were at ``TimeOfCall``. Account names deliberately differ from email domains
("Globex Corporation" on globex.io), one account is a subsidiary of a parent on another
domain, and one customer (Vandelay Imports) is a prospect with no CRM account at all.

Opportunities move through Discovery, Evaluation and Negotiation to Closed Won/Lost, with
amounts that change on the way, so an older call's TimeOfCall stage differs from Now. Globex's
history is hand-written relative to "now" (its renewal sits in Negotiation for a month before
closing) so the demo tenant always has a Negotiation-stage renewal to search; every other
account's deals come from a seeded stream, independent of the calls' own streams.
"""

from __future__ import annotations

import hashlib
import random
import string
from collections.abc import Sequence
from dataclasses import dataclass
from datetime import datetime, timedelta

STAGES = ("Discovery", "Evaluation", "Negotiation")
_PROBABILITY = {"Discovery": 10, "Evaluation": 30, "Negotiation": 70, "Closed Won": 100}
_KINDS = ("New Business", "Expansion", "Renewal")


@dataclass(frozen=True)
class Account:
    """A CRM account; ``domain`` is how calls find it (their external participants' emails)."""

    id: str
    name: str
    domain: str
    industry: str
    short: str
    parent: Account | None = None


@dataclass(frozen=True)
class Step:
    """From ``since`` on, the opportunity is at ``stage`` with ``amount``."""

    since: datetime
    stage: str
    amount: int


@dataclass(frozen=True)
class Opportunity:
    id: str
    name: str
    kind: str
    account: Account
    close_date: datetime
    history: tuple[Step, ...]

    def at(self, moment: datetime) -> Step | None:
        """The state at ``moment``; None before the opportunity existed."""
        current = None
        for step in self.history:
            if step.since <= moment:
                current = step
        return current

    def open_at(self, moment: datetime) -> bool:
        step = self.at(moment)
        return step is not None and not step.stage.startswith("Closed")


def sf_id(prefix: str, *parts: object) -> str:
    """An 18-character Salesforce-style id (``001`` accounts, ``006`` opportunities, ...)."""
    digest = hashlib.sha256(":".join(map(str, parts)).encode()).digest()
    alphabet = string.ascii_letters + string.digits
    return prefix + "".join(alphabet[b % len(alphabet)] for b in digest[:15])


def _account(domain: str, name: str, industry: str, short: str, parent=None) -> Account:
    return Account(sf_id("001", "account", domain), name, domain, industry, short, parent)


WAYNE_ENTERPRISES = _account("wayne-enterprises.com", "Wayne Enterprises", "Conglomerate", "Wayne")
# by email domain; vandelay.com (Vandelay Imports) is a prospect with no CRM account
ACCOUNTS: dict[str, Account] = {
    a.domain: a
    for a in (
        _account("acme-logistics.com", "Acme Logistics Inc.", "Transportation", "Acme"),
        _account("globex.io", "Globex Corporation", "Manufacturing", "Globex"),
        _account("initech.com", "Initech", "Software", "Initech"),
        _account("umbrella-health.org", "Umbrella Health Systems", "Healthcare", "Umbrella"),
        _account("stark-industrial.com", "Stark Industries", "Industrial", "Stark"),
        _account(
            "waynebio.com", "Wayne Biotech LLC", "Biotechnology", "Wayne Biotech", WAYNE_ENTERPRISES
        ),
        _account("hooli.xyz", "Hooli XYZ Inc.", "Internet", "Hooli"),
        _account("soylent-foods.com", "Soylent Corp", "Food & Beverage", "Soylent"),
        _account("tyrell.ai", "Tyrell Corporation", "Robotics", "Tyrell"),
        _account("cyberdyne-analytics.net", "Cyberdyne Systems", "Analytics", "Cyberdyne"),
        _account("massivedynamic.co", "Massive Dynamic", "Research", "Massive Dynamic"),
        WAYNE_ENTERPRISES,
    )
}

# Globex, hand-written: (name suffix, kind, days before now per stage, closed won?, amounts)
_GLOBEX = (
    ("Renewal", "Renewal", (-95, -58, -38), -6, True, (118_000, 124_000, 135_000, 128_500)),
    ("Expansion EMEA", "Expansion", (-12,), None, None, (60_000,)),
)


class Crm:
    """All accounts and opportunities, built once from the seed and "now" (cheap: a few dozen)."""

    def __init__(self, seed: int, now: datetime, history_days: float) -> None:
        self.now = now
        opportunities: list[Opportunity] = []
        for account in ACCOUNTS.values():
            rng = random.Random(f"{seed}:crm:{account.domain}")
            if account.short == "Globex":
                opportunities += self._globex(account)
            elif account is not WAYNE_ENTERPRISES:
                opportunities += self._chain(account, rng, history_days)
        self.opportunities = tuple(opportunities)
        self._by_account: dict[str, list[Opportunity]] = {}
        for opp in opportunities:
            self._by_account.setdefault(opp.account.id, []).append(opp)

    def account_for(self, emails: list[str]) -> Account | None:
        """The account of the first external email whose domain the CRM knows."""
        for email in emails:
            account = ACCOUNTS.get(email.rpartition("@")[2].lower())
            if account is not None:
                return account
        return None

    def opportunity_for(self, account: Account, moment: datetime, key: str) -> Opportunity | None:
        """The deal a call at ``moment`` is linked to: one open then (picked by ``key``), else
        the most recently created one that existed by then."""
        deals = [o for o in self._by_account.get(account.id, []) if o.at(moment) is not None]
        open_deals = [o for o in deals if o.open_at(moment)]
        if open_deals:
            return open_deals[int(hashlib.sha256(key.encode()).hexdigest(), 16) % len(open_deals)]
        return deals[-1] if deals else None

    def customer_at(self, account: Account, moment: datetime) -> bool:
        """A customer once any of its deals was won by ``moment``; a prospect before."""
        return any(
            (step := o.at(moment)) is not None and step.stage == "Closed Won"
            for o in self._by_account.get(account.id, [])
        )

    # ---- generation ---------------------------------------------------------------------

    def _globex(self, account: Account) -> list[Opportunity]:
        deals = []
        for suffix, kind, stage_days, closed_day, won, amounts in _GLOBEX:
            steps = [
                Step(self._day(d), stage, amount)
                for d, stage, amount in zip(stage_days, STAGES, amounts, strict=False)
            ]
            if closed_day is not None:
                steps.append(Step(self._day(closed_day), _closed(won), amounts[-1]))
            close = self._day(closed_day if closed_day is not None else 45)
            deals.append(self._opportunity(account, suffix, kind, close, steps))
        return deals

    def _chain(self, account: Account, rng: random.Random, history_days: float) -> list:
        """Consecutive deals from before the first call to now; the last one may be open."""
        deals = []
        moment = self.now - timedelta(days=history_days + rng.uniform(30, 120))
        while moment < self.now:
            won = any(d.history[-1].stage == "Closed Won" for d in deals)
            kind = _KINDS[1 + len(deals) % 2] if won else _KINDS[0]
            amount = rng.randrange(20, 300) * 1000
            steps, day = [], moment
            for stage in STAGES:
                steps.append(Step(day, stage, amount))
                day += timedelta(days=rng.uniform(10, 35))
                amount = int(amount * rng.uniform(0.85, 1.2)) // 500 * 500
            closed = day <= self.now
            if closed:
                steps.append(Step(day, _closed(rng.random() < 0.65), amount))
            deals.append(self._opportunity(account, kind, kind, day, steps, deals))
            moment += timedelta(days=rng.uniform(40, 110))
        return deals

    def _opportunity(
        self,
        account: Account,
        label: str,
        kind: str,
        close: datetime,
        steps: list[Step],
        earlier: Sequence[Opportunity] = (),
    ) -> Opportunity:
        """Named like CRM users name deals: account, kind, close year (and quarter if taken)."""
        name = f"{account.short} {label} {close.year}"
        taken = {o.name for o in earlier}
        if name in taken:
            name = f"{account.short} {label} Q{(close.month - 1) // 3 + 1} {close.year}"
        if name in taken:
            name = f"{name} #{len(earlier) + 1}"
        opp_id = sf_id("006", account.id, name, steps[0].since.isoformat())
        return Opportunity(opp_id, name, kind, account, close, tuple(steps))

    def _day(self, days: float) -> datetime:
        return (self.now + timedelta(days=days)).replace(hour=16, minute=0, second=0)


def _closed(won: bool) -> str:
    return "Closed Won" if won else "Closed Lost"


def account_fields(account: Account, customer: bool) -> list[dict]:
    fields = [
        {"name": "Name", "value": account.name},
        {"name": "Website", "value": f"https://www.{account.domain}"},
        {"name": "Industry", "value": account.industry},
        {"name": "Type", "value": "Customer" if customer else "Prospect"},
    ]
    if account.parent is not None:
        fields += [
            {"name": "ParentId", "value": account.parent.id},
            {"name": "Parent.Name", "value": account.parent.name},
        ]
    return fields


def opportunity_fields(opp: Opportunity, step: Step) -> list[dict]:
    return [
        {"name": "Name", "value": opp.name},
        {"name": "StageName", "value": step.stage},
        {"name": "Amount", "value": step.amount},
        {"name": "CloseDate", "value": opp.close_date.date().isoformat()},
        {"name": "Probability", "value": _PROBABILITY.get(step.stage, 0)},
        {"name": "Type", "value": opp.kind},
        {"name": "AccountId", "value": opp.account.id},
    ]
