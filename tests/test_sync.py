"""`sync`, `status` and `reindex` against the simulator over real sockets."""

from __future__ import annotations

import json
import os
import subprocess
import sys
from collections import Counter
from datetime import UTC, datetime, timedelta
from pathlib import Path

import pytest

from gong_search.catalog import Catalog
from gong_search.engines.whoosh.store import current_dir
from gong_search.harvest import reindex
from gong_search.simulator import Simulator

from .conftest import cli, make_simulator, run_sync, sim_env
from .dump import canonical_dump


def expected_content(simulator: Simulator, include_private: bool = False) -> tuple[set, int]:
    """Calls and sentences a sync should hold, computed from the tenant itself."""
    ids, sentences = set(), 0
    for call_id in simulator.tenant.call_ids_between(None, None):
        call = simulator.tenant.call(call_id)
        if call["metaData"].get("isPrivate") and not include_private:
            continue
        ids.add(call_id)
        transcript = simulator.tenant.transcript(call_id) or {"transcript": []}
        sentences += sum(len(m["sentences"]) for m in transcript["transcript"])
    return ids, sentences


def index_sentences(index_dir: Path) -> list[dict]:
    return [d for d in canonical_docs(index_dir) if "text" in d]


def canonical_docs(index_dir: Path) -> list[dict]:
    return [dict(doc) for doc in canonical_dump(index_dir)["index"]]


def test_multi_page_sync_holds_exactly_the_tenant(tmp_path: Path) -> None:
    with make_simulator(calls=230, call_length=(3, 8)) as simulator:
        report = run_sync(simulator, tmp_path / "ix")
        ids, sentences = expected_content(simulator)
    with Catalog(tmp_path / "ix") as catalog:
        assert set(catalog.content_hashes()) == ids
    docs = index_sentences(tmp_path / "ix")
    assert len(docs) == sentences == report.sentences
    assert report.added == len(ids) and report.skipped_private > 0
    keys = Counter((d["call_id"], d["ordinal"]) for d in docs)
    assert max(keys.values()) == 1


def test_second_sync_changes_nothing(sim, tmp_path: Path) -> None:
    run_sync(sim, tmp_path / "ix")
    before = canonical_dump(tmp_path / "ix")
    report = run_sync(sim, tmp_path / "ix", start=datetime(2000, 1, 1, tzinfo=UTC))
    assert report.added == report.updated == 0 and report.sentences == 0
    assert canonical_dump(tmp_path / "ix") == before


def test_changed_and_shrunk_transcript_is_replaced_without_leftovers(sim, tmp_path: Path) -> None:
    run_sync(sim, tmp_path / "ix")
    call_id = next(iter(expected_content(sim)[0]))
    speaker = sim.tenant.transcript(call_id)["transcript"][0]["speakerId"]
    sim.set_transcript(
        call_id,
        [
            {
                "speakerId": speaker,
                "topic": None,
                "sentences": [{"start": 0, "end": 900, "text": "Only one sentence is left now."}],
            }
        ],
    )
    report = run_sync(sim, tmp_path / "ix", start=datetime(2000, 1, 1, tzinfo=UTC))
    assert report.updated == 1
    texts = [d["text"] for d in index_sentences(tmp_path / "ix") if d["call_id"] == call_id]
    assert texts == ["Only one sentence is left now."]


def test_private_calls_skipped_unless_asked(sim, tmp_path: Path) -> None:
    run_sync(sim, tmp_path / "a")
    run_sync(sim, tmp_path / "b", include_private=True)
    public, _ = expected_content(sim)
    everything, _ = expected_content(sim, include_private=True)
    assert everything > public
    with Catalog(tmp_path / "a") as a, Catalog(tmp_path / "b") as b:
        assert set(a.content_hashes()) == public
        assert set(b.content_hashes()) == everything


def test_speakers_without_party_get_a_fallback_name(sim, tmp_path: Path) -> None:
    call_id = next(iter(expected_content(sim)[0]))
    sim.set_transcript(
        call_id,
        [
            {
                "speakerId": "999000999",
                "topic": None,
                "sentences": [{"start": 0, "end": 900, "text": "Who am I, really?"}],
            }
        ],
    )
    report = run_sync(sim, tmp_path / "ix")
    assert report.unmatched_sentences >= 1
    docs = [d for d in index_sentences(tmp_path / "ix") if d["call_id"] == call_id]
    assert docs[0]["speaker_name"] == "Speaker 999000999" and docs[0]["affiliation"] == "unknown"


def test_reindex_gives_identical_content(shared_sim, synced_index: Path, tmp_path: Path) -> None:
    copy = tmp_path / "copy"
    run_sync(shared_sim, copy)
    before = canonical_dump(copy)
    assert reindex(copy) == len(index_sentences(copy))
    assert canonical_dump(copy) == before
    assert len(list(copy.glob("whoosh-*"))) == 1


@pytest.mark.parametrize("point", ["after_catalog_commit", "mid_index", "before_index_commit"])
def test_killed_sync_resumes_to_identical_content(shared_sim, synced_index, tmp_path, point):
    env = {**os.environ, **sim_env(shared_sim), "GONG_SEARCH_INDEX": str(tmp_path / "ix")}
    crashed = subprocess.run(
        [sys.executable, "-m", "gong_search", "sync", "--rate", "0"],
        env={**env, "GONG_SEARCH_CRASH_AT": point},
        capture_output=True,
    )
    assert crashed.returncode == 99, crashed.stderr
    resumed = subprocess.run(
        [sys.executable, "-m", "gong_search", "sync", "--rate", "0"],
        env=env,
        capture_output=True,
        text=True,
    )
    assert resumed.returncode == 0, resumed.stderr
    assert canonical_dump(tmp_path / "ix") == canonical_dump(synced_index)


def test_tenant_directory_syncs_to_exactly_its_calls(tmp_path: Path) -> None:
    now = datetime.now(UTC)
    party = {
        "speakerId": "1",
        "name": "Ann Lee",
        "emailAddress": "ann@buyer.com",
        "affiliation": "External",
    }
    calls = [
        {
            "metaData": {
                "id": str(10**18 + i),
                "title": f"Call {i}",
                "url": f"https://x/{i}",
                "started": (now - timedelta(days=i + 1)).isoformat(),
                "primaryUserId": "5",
                "isPrivate": False,
            },
            "parties": [party],
        }
        for i in range(3)
    ]
    transcripts = [
        {
            "callId": c["metaData"]["id"],
            "transcript": [
                {
                    "speakerId": "1",
                    "topic": None,
                    "sentences": [
                        {"start": 0, "end": 1000, "text": f"Sentence {n}."} for n in range(i + 1)
                    ],
                }
            ],
        }
        for i, c in enumerate(calls)
    ]
    tenant = tmp_path / "tenant"
    tenant.mkdir()
    (tenant / "users.json").write_text(
        json.dumps(
            {
                "users": [
                    {
                        "id": "5",
                        "emailAddress": "rep@seller.com",
                        "firstName": "Rita",
                        "lastName": "Rep",
                    }
                ]
            }
        )
    )
    (tenant / "calls.json").write_text(json.dumps({"calls": calls}))
    (tenant / "transcripts.json").write_text(json.dumps({"callTranscripts": transcripts}))
    with make_simulator(tenant_dir=tenant) as simulator:
        report = run_sync(simulator, tmp_path / "ix")
    assert report.added == 3 and report.sentences == 6
    assert sorted(d["text"] for d in index_sentences(tmp_path / "ix")) == sorted(
        f"Sentence {n}." for i in range(3) for n in range(i + 1)
    )


def test_status_json_reports_counts_and_agreement(synced_index: Path, shared_sim) -> None:
    result = cli("status", "--index", str(synced_index), "--format", "json")
    assert result.exit_code == 0, result.stderr
    data = json.loads(result.stdout)
    for key in ("calls", "sentences", "speakers", "pending_transcripts", "index_bytes"):
        assert isinstance(data[key], int)
    ids, sentences = expected_content(shared_sim)
    assert data["calls"] == len(ids) and data["sentences"] == sentences
    assert data["in_sync"] is True and data["index_bytes"] > 0


def test_index_and_catalog_are_private_to_the_owner(synced_index: Path) -> None:
    assert synced_index.stat().st_mode & 0o077 == 0
    assert (synced_index / "catalog.sqlite3").stat().st_mode & 0o077 == 0
    assert current_dir(synced_index).stat().st_mode & 0o077 == 0


def test_sync_cli_prints_window_and_summary(sim, tmp_path: Path) -> None:
    result = cli("sync", "--index", str(tmp_path / "ix"), "--rate", "0", env=sim_env(sim))
    assert result.exit_code == 0, result.stderr
    assert "last 90 days" in result.stderr
    assert "added" in result.stdout and "requests" in result.stdout


def test_a_catalog_from_before_the_newer_tables_is_readable_then_upgraded_by_sync(
    sim, tmp_path: Path
) -> None:
    """Right after an upgrade, `status`, `search` and `speakers` open the old catalog
    read-only (it cannot gain tables then); the next `sync` adds them."""
    import sqlite3

    index = tmp_path / "ix"
    run_sync(sim, index)
    with sqlite3.connect(index / "catalog.sqlite3") as db:  # as an earlier version left it
        db.execute("DROP TABLE failed_calls")
        db.execute("DROP TABLE transcript_checks")
    status = cli("status", "--index", str(index), "-f", "json")
    assert status.exit_code == 0, status.stderr
    assert json.loads(status.stdout)["failed_calls"] == []
    assert cli("pricing", "--index", str(index), "-n", "1").exit_code in (0, 1)
    assert cli("speakers", "--index", str(index)).exit_code == 0
    run_sync(sim, index)
    with sqlite3.connect(index / "catalog.sqlite3") as db:
        tables = {name for (name,) in db.execute("SELECT name FROM sqlite_master")}
    assert {"failed_calls", "transcript_checks"} <= tables
