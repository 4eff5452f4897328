"""Calls as a list and a call as a window: ``gong-search calls`` and the MCP server's
``list_calls`` and ``show_call`` tools.

Searching answers "who said what"; these answer "which calls were there" (by date window,
account, participant or title, newest first) and "what was said around this moment". Both
requests are the models of :mod:`gong_search.call_options`, so the CLI's options and the
MCP tools' input schemas come from the same definition.
"""

from __future__ import annotations

from collections.abc import Iterator
from dataclasses import dataclass
from pathlib import Path
from typing import Any

from .call_facts import call_facts
from .call_options import CallsOptions, WindowOptions
from .catalog import Catalog
from .dates import parse_offset
from .engine import open_engine
from .filtering import FUZZY
from .gong.records import EPOCH, LATEST, Call
from .names import resolve_fuzzy
from .sentences import SentenceRow, account_domains, normalize_name
from .show import CallView, call_header_json, facts_json, sentence_json, show_call

SCHEMA_VERSION = 1


@dataclass(frozen=True)
class CallSummary:
    call: Call
    host_name: str
    sentences: int

    def as_json(self) -> dict[str, Any]:
        c = self.call
        return {
            **call_header_json(c, self.host_name),
            "sentences": self.sentences,
            **call_facts_json(c),
        }


def call_facts_json(call: Call) -> dict[str, Any]:
    """What the call is about, as ``show`` gives it (CRM account, deals with their stage at
    the call and now, outcome, trackers), with Gong's brief and key points."""
    notes = call.content.notes
    return {
        **facts_json(call_facts(call, account_domains(call))),
        "brief": next((n.text for n in notes if n.kind == "brief"), ""),
        "key_points": [n.text for n in notes if n.kind == "key_point"],
    }


@dataclass
class CallList:
    """``calls``' answer: one page of the matching calls, newest first, and their total."""

    calls: list[CallSummary]
    total: int
    offset: int
    limit: int

    @property
    def next_offset(self) -> int | None:
        end = self.offset + len(self.calls)
        return end if self.limit and self.calls and end < self.total else None

    def as_json(self) -> dict[str, Any]:
        return {
            "schema_version": SCHEMA_VERSION,
            "total": self.total,
            "offset": self.offset,
            "next_offset": self.next_offset,
            "calls": list(self.json_rows()),
        }

    def json_rows(self) -> Iterator[dict[str, Any]]:
        return (c.as_json() for c in self.calls)


@dataclass
class CallWindow:
    """Part of a call's transcript, with the call's header facts."""

    view: CallView
    rows: list[SentenceRow]
    total_sentences: int

    def as_json(self) -> dict[str, Any]:
        header = {k: v for k, v in self.view.as_json().items() if k != "sentences"}
        first = self.rows[0].ordinal if self.rows else None
        last = self.rows[-1].ordinal if self.rows else None
        return {
            **header,
            "key_points": [n.text for n in self.view.notes if n.kind == "key_point"],
            "total_sentences": self.total_sentences,
            "more_before": bool(self.rows) and first > 0,
            "more_after": bool(self.rows) and last < self.total_sentences - 1,
            "sentences": [sentence_json(r) for r in self.rows],
        }


def list_calls(index_dir: str | Path, options: CallsOptions | None = None) -> CallList:
    """The calls matching ``options``, newest first (then by id), one page of them."""
    options = options or CallsOptions()
    wanted = _wanted_keys(Path(index_dir), options)
    with Catalog(Path(index_dir), create=False) as catalog:
        ids = catalog.call_ids_between(options.start or EPOCH, options.end or LATEST)
        calls = [c for c in map(catalog.call, ids) if c and _matches(c, options, wanted)]
        calls.sort(key=lambda c: (c.started, c.id), reverse=True)
        end = None if options.limit == 0 else options.offset + options.limit
        counts = catalog.sentence_counts()
        page = [
            CallSummary(c, catalog.host_name(c), counts.get(c.id, 0))
            for c in calls[options.offset : end]
        ]
    return CallList(page, len(calls), options.offset, options.limit)


def call_accounts(index_dir: str | Path, call_ids: set[str]) -> dict[str, list[str]]:
    """Each call's accounts (a search hit names its call, not the call's CRM context)."""
    with Catalog(Path(index_dir), create=False) as catalog:
        calls = [c for c in map(catalog.call, sorted(call_ids)) if c is not None]
    return {c.id: list(call_facts(c, account_domains(c)).accounts) for c in calls}


def _wanted_keys(index_dir: Path, options: CallsOptions) -> dict[str, set[str]]:
    """The indexed keys each fuzzy filter means, resolved exactly as search resolves them
    (same vocabularies, same matcher, same "closest" suggestions)."""
    given = {name: getattr(options, name) for name in _FUZZY if getattr(options, name)}
    if not given:
        return {}
    with open_engine(index_dir).searcher() as engine:
        return {
            name: set(resolve_fuzzy(FUZZY[name][0], wanted, engine.vocabulary(FUZZY[name][1])))
            for name, wanted in given.items()
        }


_FUZZY = ("accounts", "deals", "participants")


def _matches(call: Call, options: CallsOptions, wanted: dict[str, set[str]]) -> bool:
    if wanted:
        facts = call_facts(call, account_domains(call))
        have = {
            "accounts": facts.account_keys,
            "deals": facts.deal_keys,
            "participants": [k for p in facts.participants for k in p.keys],
        }
        if any(not keys.intersection(map(_key, have[name])) for name, keys in wanted.items()):
            return False
    if options.title:
        title = normalize_name(call.title)
        return all(word in title for word in normalize_name(options.title).split())
    return True


def _key(value: str) -> str:
    """A value as the index keeps it in a keyword field (commas separate values there)."""
    return normalize_name(value.replace(",", " "))


def call_window(
    index_dir: str | Path, call_id: str, options: WindowOptions | None = None
) -> CallWindow:
    """The sentences of ``call_id`` around ``options.at`` (from the start without it)."""
    options = options or WindowOptions()
    view = show_call(Path(index_dir), call_id)
    rows = window(view.rows, options)
    return CallWindow(view, rows, len(view.rows))


def window(rows: list[SentenceRow], options: WindowOptions) -> list[SentenceRow]:
    """``before``/``after`` sentences (or seconds) around the sentence nearest ``at``."""
    if not rows:
        return []
    at_ms = parse_offset(options.at) if options.at is not None else None
    if options.unit == "seconds":
        centre = rows[0].start_ms if at_ms is None else at_ms
        low = centre - options.before * 1000 if at_ms is not None else centre
        high = centre + options.after * 1000
        return [r for r in rows if low <= r.start_ms <= high]
    if at_ms is None:
        return rows[: options.after + 1]
    nearest = min(range(len(rows)), key=lambda i: abs(rows[i].start_ms - at_ms))
    return rows[max(0, nearest - options.before) : nearest + options.after + 1]
