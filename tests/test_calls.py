"""``gong-search calls`` and the library's ``list_calls``, checked against every call in
the catalog filtered by hand (the oracle)."""

from __future__ import annotations

import json
from datetime import timedelta
from pathlib import Path

from gong_search.call_facts import call_facts
from gong_search.call_options import CallsOptions
from gong_search.calls import list_calls
from gong_search.catalog import Catalog
from gong_search.sentences import account_domains

from .conftest import cli


def _all_calls(index: Path) -> list:
    with Catalog(index, create=False) as catalog:
        return [catalog.call(i) for i in catalog.all_call_ids()]


def test_calls_lists_every_call_newest_first_with_its_facts(synced_index: Path) -> None:
    done = cli("calls", "--index", str(synced_index), "--limit", "0", "-f", "json")
    assert done.exit_code == 0, done.stderr
    listed = json.loads(done.stdout)
    expected = sorted(_all_calls(synced_index), key=lambda c: (c.started, c.id), reverse=True)
    assert [c["call_id"] for c in listed["calls"]] == [c.id for c in expected]
    assert listed["total"] == len(expected) and listed["next_offset"] is None
    with Catalog(synced_index, create=False) as catalog:
        first = catalog.call_sentences(listed["calls"][0]["call_id"])
    assert listed["calls"][0]["sentences"] == len(first.rows)
    assert listed["calls"][0]["accounts"] == list(call_facts(first.call, first.domains).accounts)


def test_calls_filters_by_window_account_participant_and_title(synced_index: Path) -> None:
    calls = _all_calls(synced_index)
    some = next(c for c in calls[len(calls) // 2 :] if account_domains(c))
    domain = account_domains(some)[0]
    start, end = some.started - timedelta(days=3), some.started + timedelta(days=3)
    found = list_calls(
        synced_index, CallsOptions(start=start, end=end, accounts=(domain,), limit=0)
    )
    expected = {c.id for c in calls if start <= c.started < end and domain in account_domains(c)}
    assert {c.call.id for c in found.calls} == expected and some.id in expected
    word = some.title.split()[-1]
    titled = list_calls(synced_index, CallsOptions(title=word.upper(), limit=0))
    assert some.id in {c.call.id for c in titled.calls}
    assert all(word.lower() in c.call.title.lower() for c in titled.calls)
    with Catalog(synced_index, create=False) as catalog:
        speaker = catalog.call_sentences(some.id).rows[0].speaker_name
    spoke = list_calls(synced_index, CallsOptions(participants=(speaker,), limit=0))
    assert some.id in {c.call.id for c in spoke.calls}


def test_calls_pages_and_says_where_the_next_page_starts(synced_index: Path) -> None:
    table = cli("calls", "--index", str(synced_index), "-n", "3", "-f", "table")
    assert table.exit_code == 0
    assert "showing 1-3; next page: --offset 3" in table.stdout
    page = cli("calls", "--index", str(synced_index), "-n", "3", "--offset", "3", "-f", "jsonl")
    rows = [json.loads(line) for line in page.stdout.splitlines()]
    whole = list_calls(synced_index, CallsOptions(limit=6))
    assert [r["call_id"] for r in rows] == [c.call.id for c in whole.calls[3:]]


def test_calls_errors_are_one_line_and_an_empty_answer_exits_1(synced_index: Path) -> None:
    unknown = cli("calls", "--index", str(synced_index), "--participant", "zzqqxx")
    assert unknown.exit_code == 2 and "no participant matches 'zzqqxx' (closest:" in unknown.stderr
    inverted = cli(
        "calls", "--index", str(synced_index), "--from", "2026-02-01", "--to", "2026-01-01"
    )
    assert inverted.exit_code == 2 and "--to" in inverted.stderr
    none = cli("calls", "--index", str(synced_index), "--from", "2199-01-01")
    assert none.exit_code == 1 and "no calls match" in none.stderr
