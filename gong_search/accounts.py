"""``accounts``: the companies the index has calls with, from the catalog (the truth).

An account is its CRM name when Gong linked the call to one (as at the time of the
call), else the customer e-mail domain, so a prospect without a CRM record still shows.
"""

from __future__ import annotations

from collections import Counter
from collections.abc import Iterator
from dataclasses import dataclass, field
from datetime import datetime
from pathlib import Path

from .call_facts import call_facts
from .catalog import Catalog
from .names import best_tier, initials, name_tier, words
from .sentences import CallSentences

SCHEMA_VERSION = 1
TOP_TRACKERS = 3


@dataclass
class Account:
    name: str
    domains: set[str] = field(default_factory=set)
    calls: int = 0
    first_call: datetime | None = None
    last_call: datetime | None = None
    deals: dict[str, str] = field(default_factory=dict)  # name -> stage now (latest call)
    trackers: Counter[str] = field(default_factory=Counter)

    def add(self, joined: CallSentences) -> None:
        started = joined.call.started
        self.calls += 1
        self.domains.update(joined.domains)
        self.first_call = min(self.first_call or started, started)
        self.last_call = max(self.last_call or started, started)
        facts = call_facts(joined.call, joined.domains)
        for deal in facts.deal_stages:  # calls come oldest first: the last word wins
            self.deals[deal.name] = deal.stage_now or deal.stage_at_call
        self.trackers.update(dict(facts.trackers))

    def as_json(self) -> dict:
        return {
            "name": self.name,
            "domains": sorted(self.domains),
            "calls": self.calls,
            "first_call": self.first_call.isoformat() if self.first_call else None,
            "last_call": self.last_call.isoformat() if self.last_call else None,
            "deals": [{"name": n, "stage": s} for n, s in self.deals.items()],
            "top_trackers": [
                {"name": n, "count": c} for n, c in self.trackers.most_common(TOP_TRACKERS)
            ],
        }


@dataclass
class AccountList:
    accounts: list[Account]

    def as_json(self) -> dict:
        return {"schema_version": SCHEMA_VERSION, "accounts": list(self.json_rows())}

    def json_rows(self) -> Iterator[dict]:
        return (a.as_json() for a in self.accounts)


def list_accounts(index_dir: Path, name: str | None = None) -> list[Account]:
    """Accounts with calls, most calls first; ``name`` keeps those whose name or domain
    resembles it (the matcher of ``--account``)."""
    found: dict[str, Account] = {}
    with Catalog(Path(index_dir), create=False) as catalog:
        for joined in catalog.iter_call_sentences():
            if joined.call.scope == "Internal":
                continue
            for account_name in call_facts(joined.call, joined.domains).accounts:
                found.setdefault(account_name, Account(account_name)).add(joined)
    accounts = sorted(found.values(), key=lambda a: (-a.calls, a.name))
    if not name:
        return accounts
    tiers = {i: t for i, a in enumerate(accounts) if (t := _tier(name, a)) is not None}
    return [accounts[i] for i in sorted(best_tier(tiers))]


def _tier(wanted: str, account: Account) -> int | None:
    """How well ``wanted`` names the account, by its name or a domain (names.py's rule)."""
    tiers = [
        tier
        for key in (account.name, *account.domains)
        if (tier := name_tier(wanted, words(key), initials(words(key)))) is not None
    ]
    return min(tiers, default=None)
