"""``watch`` through the simulator and the real CLI: the new hits after a sync that adds
calls, exactly once; a crash between the report and the mark reports them again; a call
the index does not hold yet waits; formats and exit codes."""

from __future__ import annotations

import json
import os
import shutil
import subprocess
import sys
from datetime import UTC, datetime, timedelta
from pathlib import Path

import pytest

from gong_search.catalog import Catalog

from .conftest import cli, run_sync, sim_env

NOW = datetime.now(UTC)
SAID = [
    (0, "We set aside a budget for the rollout."),
    (1, "Fine, the budget covers the pilot too."),
    (0, "Nothing else to add."),
]


def jsonl(text: str) -> list[dict]:
    return [json.loads(line) for line in text.splitlines() if line.strip()]


def call_ids(ix: Path) -> set[str]:
    with Catalog(ix, create=False) as catalog:
        return set(catalog.all_call_ids())


def expected_hits(ix: Path, args: tuple[str, ...], calls: set[str]) -> list[tuple[str, int]]:
    """The oracle: every hit of a plain search over all history, kept in ``calls``."""
    found = cli("search", *args, "--index", str(ix), "--limit", "0", "-f", "jsonl")
    hits = jsonl(found.stdout)
    return sorted((h["call_id"], h["start_ms"]) for h in hits if h["call_id"] in calls)


def watched(ix: Path, *args: str, env: dict | None = None) -> tuple[int, list[dict]]:
    result = cli("watch", "--index", str(ix), "-f", "jsonl", *args, env=env)
    assert result.exit_code in (0, 1), result.stderr
    return result.exit_code, jsonl(result.stdout)


@pytest.fixture
def ix(sim, tmp_path: Path) -> Path:
    index_dir = tmp_path / "ix"
    run_sync(sim, index_dir)
    assert cli("saved", "add", "budget", "budget", "--index", str(index_dir)).exit_code == 0
    added = cli("saved", "add", "pilot", "pilot OR rollout", "--index", str(index_dir))
    assert added.exit_code == 0
    return index_dir


def test_first_watch_reports_nothing_then_exactly_the_new_hits_once(sim, ix: Path) -> None:
    assert watched(ix) == (1, [])  # history is saved run's; watch starts when saved
    before = call_ids(ix)
    added = {sim.add_call(NOW - timedelta(hours=h), SAID) for h in (3, 2)}
    added.add(sim.add_call(NOW - timedelta(hours=1), [(0, "No match in this one.")]))
    run_sync(sim, ix)
    new = call_ids(ix) - before
    assert new == added
    code, rows = watched(ix)
    assert code == 0
    for name, args in (("budget", ("budget",)), ("pilot", ("pilot OR rollout",))):
        got = sorted((r["call_id"], r["start_ms"]) for r in rows if r["saved_search"] == name)
        assert got == expected_hits(ix, args, new)
    assert len([r for r in rows if r["saved_search"] == "budget"]) == 4
    assert {"call_url", "text", "speaker_name", "saved_search"} <= set(rows[0])
    assert watched(ix) == (1, [])  # reported once
    run_sync(sim, ix)  # nothing new in Gong: still nothing
    assert watched(ix) == (1, [])


def test_watch_of_some_names_moves_only_their_marks(sim, ix: Path) -> None:
    sim.add_call(NOW - timedelta(hours=2), SAID)
    run_sync(sim, ix)
    code, rows = watched(ix, "budget")
    assert code == 0 and {r["saved_search"] for r in rows} == {"budget"}
    code, rows = watched(ix)
    assert code == 0 and {r["saved_search"] for r in rows} == {"pilot"}


def test_a_crash_between_report_and_mark_reports_the_hits_again(sim, ix: Path) -> None:
    sim.add_call(NOW - timedelta(hours=2), SAID)
    run_sync(sim, ix)
    env = {**os.environ, "GONG_SEARCH_CRASH_AT": "watch_before_mark"}
    crashed = subprocess.run(
        [sys.executable, "-m", "gong_search", "watch", "--index", str(ix), "-f", "jsonl"],
        env=env,
        capture_output=True,
        text=True,
    )
    assert crashed.returncode == 99, crashed.stderr
    first = jsonl(crashed.stdout)
    assert first  # written and flushed before the crash
    code, again = watched(ix)
    assert code == 0 and again == first
    assert watched(ix) == (1, [])


def test_a_call_the_index_does_not_hold_yet_waits_for_the_next_sync(sim, ix: Path) -> None:
    added = sim.add_call(NOW - timedelta(hours=2), SAID)
    env = {**os.environ, **sim_env(sim), "GONG_SEARCH_INDEX": str(ix)}
    crashed = subprocess.run(
        [sys.executable, "-m", "gong_search", "sync", "--rate", "0"],
        env={**env, "GONG_SEARCH_CRASH_AT": "after_catalog_commit"},
        capture_output=True,
    )
    assert crashed.returncode == 99 and added in call_ids(ix)  # catalog has it, index not
    assert watched(ix) == (1, [])
    run_sync(sim, ix)  # repairs the index
    code, rows = watched(ix)
    assert code == 0 and {r["call_id"] for r in rows} == {added}


def test_digest_formats_name_the_search_and_link_the_call(sim, ix: Path, tmp_path: Path) -> None:
    sim.add_call(NOW - timedelta(hours=2), SAID)
    run_sync(sim, ix)
    copy = tmp_path / "copy"
    shutil.copytree(ix, copy)
    slack = cli("watch", "budget", "--index", str(ix), "-f", "slack")
    assert slack.exit_code == 0 and slack.stdout.startswith("*budget: 2 new hits in 1 call*")
    assert "<https://" in slack.stdout and "the budget covers the pilot too." in slack.stdout
    markdown = cli("watch", "budget", "--index", str(copy), "-f", "markdown")
    assert markdown.stdout.startswith("## budget: 2 new hits in 1 call")
    assert "](https://" in markdown.stdout


def test_json_document_and_table(sim, ix: Path, tmp_path: Path) -> None:
    sim.add_call(NOW - timedelta(hours=2), SAID)
    run_sync(sim, ix)
    copy = tmp_path / "copy"
    shutil.copytree(ix, copy)
    doc = json.loads(cli("watch", "--index", str(ix), "-f", "json").stdout)
    by_name = {s["name"]: s for s in doc["saved_searches"]}
    assert by_name["budget"]["new_calls"] == 1 and len(by_name["budget"]["hits"]) == 2
    table = cli("watch", "--index", str(copy), "-f", "table")
    assert table.exit_code == 0 and "budget: 2 new hits" in table.stdout


def test_unknown_name_is_an_error_and_no_saved_searches_is_exit_1(sim, tmp_path: Path) -> None:
    index_dir = tmp_path / "ix"
    run_sync(sim, index_dir)
    none = cli("watch", "--index", str(index_dir))
    assert none.exit_code == 1 and "no saved searches" in none.stderr
    cli("saved", "add", "b", "budget", "--index", str(index_dir))
    unknown = cli("watch", "nope", "--index", str(index_dir))
    assert unknown.exit_code == 2 and "no saved search named 'nope'" in unknown.stderr
    missing = cli("watch", "--index", str(tmp_path / "nothing"))
    assert missing.exit_code == 2


def test_piped_watch_is_jsonl_without_asking(sim, ix: Path) -> None:
    sim.add_call(NOW - timedelta(hours=2), SAID)
    run_sync(sim, ix)
    result = cli("watch", "budget", "--index", str(ix))  # stdout is not a terminal
    assert result.exit_code == 0
    rows = jsonl(result.stdout)
    assert len(rows) == 2 and all(r["saved_search"] == "budget" for r in rows)
