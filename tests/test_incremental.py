"""Sync in real life: watermarks, late calls, pending transcripts, deletions, locking, progress."""

from __future__ import annotations

import json
import os
import re
import signal
import subprocess
import sys
import time
from datetime import UTC, datetime, timedelta
from pathlib import Path

from gong_search.catalog import Catalog
from gong_search.lock import SyncLock

from .conftest import cli, make_simulator, run_sync, sim_env

NOW = datetime.now(UTC)


def indexed_ids(index_dir: Path) -> set[str]:
    with Catalog(index_dir) as catalog:
        return set(catalog.content_hashes())


def watermark(index_dir: Path) -> str | None:
    with Catalog(index_dir) as catalog:
        return catalog.get_state("watermark")


def test_late_call_inside_overlap_is_picked_up_incrementally(sim, tmp_path: Path) -> None:
    ix = tmp_path / "ix"
    run_sync(sim, ix)
    late = sim.add_call(NOW - timedelta(hours=30), [(0, "A late call about pricing.")])
    report = run_sync(sim, ix)
    assert late in indexed_ids(ix) and report.added == 1


def test_late_call_outside_overlap_needs_full(sim, tmp_path: Path) -> None:
    ix = tmp_path / "ix"
    run_sync(sim, ix)
    late = sim.add_call(NOW - timedelta(days=20), [(0, "A very late call.")])
    run_sync(sim, ix)
    assert late not in indexed_ids(ix)
    run_sync(sim, ix, full=True)
    assert late in indexed_ids(ix)


def test_late_fraction_calls_arrive_on_later_runs() -> None:
    with make_simulator(late_fraction=0.3, late_requests=1) as simulator:
        ix = Path(os.environ["GONG_SEARCH_INDEX"])
        first = run_sync(simulator, ix, full=True)
        second = run_sync(simulator, ix, full=True)
        listed = set(simulator.tenant.call_ids_between(None, None))
    private = {c for c in listed if simulator.tenant.call(c)["metaData"]["isPrivate"]}
    assert second.added > 0 and first.added + second.added == len(listed - private)
    assert indexed_ids(ix) == listed - private


def test_pending_transcript_is_indexed_later_then_given_up(sim, tmp_path: Path) -> None:
    ix = tmp_path / "ix"
    fresh = sim.add_call(NOW - timedelta(hours=2), [(0, "Hello there.")])
    sim.set_transcript(fresh, [])
    report = run_sync(sim, ix)
    assert report.pending == 1
    status = json.loads(cli("status", "--index", str(ix), "-f", "json").stdout)
    assert status["pending_transcripts"] == 1 and status["pending"][0]["call_id"] == fresh
    with Catalog(ix) as catalog:
        speaker = next(p.speaker_id for p in catalog.call(fresh).parties if p.speaker_id)
    sim.set_transcript(
        fresh,
        [
            {
                "speakerId": speaker,
                "topic": None,
                "sentences": [
                    {"start": 0, "end": 1000, "text": "Finally transcribed about onboarding."}
                ],
            }
        ],
    )
    report = run_sync(sim, ix)
    assert report.pending == 0 and report.added == 1
    assert cli("onboarding", "--index", str(ix)).exit_code == 0

    stuck = sim.add_call(NOW - timedelta(hours=1), [(0, "Never transcribed.")])
    sim.set_transcript(stuck, [])
    run_sync(sim, ix)
    assert (
        json.loads(cli("status", "--index", str(ix), "-f", "json").stdout)["pending_transcripts"]
        == 1
    )
    report = run_sync(sim, ix, pending_days=0)  # past the cutoff: recorded as having none
    assert (
        json.loads(cli("status", "--index", str(ix), "-f", "json").stdout)["pending_transcripts"]
        == 0
    )


def test_transcript_delay_switch_leaves_calls_pending_until_ready(tmp_path: Path) -> None:
    with make_simulator(transcript_delay=1) as simulator:
        first = run_sync(simulator, tmp_path / "ix", pending_days=365)
        second = run_sync(simulator, tmp_path / "ix", pending_days=365)
    assert first.pending > 0 and first.sentences == 0
    assert second.sentences > 0 and second.pending < first.pending


def test_deleted_call_disappears_with_full(sim, tmp_path: Path) -> None:
    ix = tmp_path / "ix"
    run_sync(sim, ix)
    victim = sorted(indexed_ids(ix))[0]
    sim.delete_call(victim)
    assert victim in indexed_ids(ix)
    report = run_sync(sim, ix, full=True)
    assert report.removed == 1 and victim not in indexed_ids(ix)
    result = cli("search", f"call:{victim}", "hello", "--index", str(ix))
    assert result.exit_code == 1


def test_call_made_private_disappears_with_full(sim, tmp_path: Path) -> None:
    ix = tmp_path / "ix"
    run_sync(sim, ix)
    victim = sorted(indexed_ids(ix))[0]
    sim.set_private(victim, True)
    run_sync(sim, ix, full=True)
    assert victim not in indexed_ids(ix)


def test_backfill_never_moves_the_watermark_back(sim, tmp_path: Path) -> None:
    ix = tmp_path / "ix"
    run_sync(sim, ix)
    mark = watermark(ix)
    assert mark
    run_sync(sim, ix, start=NOW - timedelta(days=400), end=NOW - timedelta(days=300))
    run_sync(sim, ix, start=NOW - timedelta(days=50), end=NOW - timedelta(days=40))
    assert watermark(ix) == mark


def test_dry_run_writes_nothing(sim, tmp_path: Path) -> None:
    ix = tmp_path / "ix"
    result = cli("sync", "--dry-run", "--index", str(ix), "--rate", "0", env=sim_env(sim))
    assert result.exit_code == 0, result.stderr
    assert re.search(r"dry run: \d+ calls would be listed, about \d+ requests", result.stdout)
    assert not ix.exists()


def test_concurrent_sync_is_refused_naming_the_holder(sim, tmp_path: Path) -> None:
    ix = tmp_path / "ix"
    run_sync(sim, ix)
    with SyncLock(ix):
        result = cli("sync", "--index", str(ix), "--rate", "0", env=sim_env(sim))
        reindexed = cli("reindex", "--index", str(ix))
    assert result.exit_code == 2 and f"pid {os.getpid()}" in result.stderr
    assert reindexed.exit_code == 2 and "another sync or reindex is running" in reindexed.stderr


def test_stale_lock_from_a_killed_process_is_taken_over(sim, tmp_path: Path) -> None:
    ix = tmp_path / "ix"
    run_sync(sim, ix)
    holder = subprocess.Popen(
        [
            sys.executable,
            "-c",
            (
                "import sys, time; from gong_search.lock import SyncLock; "
                f"SyncLock({str(ix)!r}).acquire(); print('held', flush=True); time.sleep(60)"
            ),
        ],
        stdout=subprocess.PIPE,
        text=True,
    )
    assert holder.stdout.readline().strip() == "held"
    holder.send_signal(signal.SIGKILL)
    holder.wait()
    report = run_sync(sim, ix)
    assert report.stale_lock_pid == holder.pid


def test_search_and_status_from_another_process_during_sync(tmp_path: Path) -> None:
    ix = tmp_path / "ix"
    with make_simulator(calls=300, call_length=(5, 15)) as simulator:
        run_sync(simulator, ix, start=NOW - timedelta(days=20))
        committed = json.loads(cli("status", "--index", str(ix), "-f", "json").stdout)
        env = {**os.environ, **sim_env(simulator), "GONG_SEARCH_INDEX": str(ix)}
        syncing = subprocess.Popen(
            [sys.executable, "-m", "gong_search", "sync", "--full", "--rate", "8"],
            env=env,
            stdout=subprocess.PIPE,
            stderr=subprocess.PIPE,
            text=True,
        )
        seen = []
        deadline = time.monotonic() + 60
        while syncing.poll() is None and time.monotonic() < deadline:
            status = subprocess.run(
                [sys.executable, "-m", "gong_search", "status", "-f", "json"],
                env=env,
                capture_output=True,
                text=True,
            )
            found = subprocess.run(
                [sys.executable, "-m", "gong_search", "the", "-n", "1"],
                env=env,
                capture_output=True,
                text=True,
            )
            assert found.returncode == 0, found.stderr
            # a catalog a page ahead of the index is a running sync, not damage (exit 0)
            assert status.returncode == 0, status.stdout + status.stderr
            seen.append(json.loads(status.stdout)["sentences"])
        out, err = syncing.communicate(timeout=60)
    assert syncing.returncode == 0, err
    assert seen and min(seen) >= committed["sentences"] and seen == sorted(seen)


def test_progress_off_a_terminal_is_plain_lines(sim, tmp_path: Path) -> None:
    result = cli("sync", "--index", str(tmp_path / "ix"), "--rate", "0", env=sim_env(sim))
    lines = [line for line in result.stderr.splitlines() if line]
    progress = [line for line in lines if line.startswith("sync: ")]
    assert progress and all(
        re.fullmatch(
            r"sync: \d+/\d+ calls, \d+ sentences, \d+ requests, "
            r"\d+ s",
            line,
        )
        for line in progress
    )
    assert "\x1b[" not in result.stderr
    assert len(lines) == len(progress) + 1  # plus the window line, nothing else
