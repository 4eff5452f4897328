"""Data loss (issue 12): failed batches, empty or short listings, mass removal, deletions
while paging, absurd call dates, transcripts that come late. See docs/reliability.md.

Faults the simulator cannot produce go through ``tests/hostile.py``, a real HTTP server
in front of it. The tenant has 250 calls (three listing pages), as in test_reliability.
"""

from __future__ import annotations

import json
import sqlite3
from collections.abc import Iterator
from datetime import UTC, datetime, timedelta
from pathlib import Path

import pytest

from gong_search.catalog import Catalog
from gong_search.simulator import Simulator

from .conftest import cli, make_simulator, run_sync
from .dump import canonical_dump
from .hostile import (
    LISTING,
    TRANSCRIPTS,
    HostileGong,
    Reply,
    Request,
    empty_listing,
    listing_cut_after_page_1,
)

ANCHOR = datetime.now(UTC).replace(microsecond=0)
TENANT = {"calls": 250, "seed": 11, "call_length": (3, 10), "anchor": ANCHOR}


def env_for(base_url: str) -> dict[str, str]:
    return {"GONG_BASE_URL": base_url, "GONG_ACCESS_KEY": "demo", "GONG_ACCESS_KEY_SECRET": "demo"}


def sync_cli(base_url: str, index_dir: Path, *args: str):
    return cli("sync", "--index", str(index_dir), "--rate", "0", *args, env=env_for(base_url))


def catalog_ids(index_dir: Path) -> set[str]:
    with Catalog(index_dir) as catalog:
        return set(catalog.content_hashes())


def live_public_ids(sim: Simulator, deleted: set[str] = frozenset()) -> set[str]:
    return {
        c
        for c in sim.tenant.call_ids_between(None, None)
        if not sim.tenant.call(c)["metaData"]["isPrivate"] and c not in deleted
    }


def ready_ids(index_dir: Path) -> list[str]:
    """Calls with a transcript: a pending one Gong deleted is dropped by the pending retry."""
    with sqlite3.connect(index_dir / "catalog.sqlite3") as db:
        rows = db.execute("SELECT id FROM calls WHERE transcript_state = 'ready' ORDER BY id")
        return [r[0] for r in rows]


def error_line(stderr: str) -> str:
    assert "Traceback" not in stderr
    errors = [line for line in stderr.splitlines() if line.startswith("gong-search: error:")]
    assert len(errors) == 1, stderr
    return errors[0]


@pytest.fixture
def tenant() -> Iterator[Simulator]:
    with make_simulator(**TENANT) as simulator:
        yield simulator


@pytest.fixture
def synced(tenant: Simulator, tmp_path: Path) -> Path:
    run_sync(tenant, tmp_path / "ix")
    return tmp_path / "ix"


def refuse_batch_with(call_id: str, status: int = 400):
    """A tamper that answers ``status`` to every transcript batch holding ``call_id``."""

    def tamper(request: Request, forward) -> Reply:
        if request.path == TRANSCRIPTS and call_id in request.body["filter"].get("callIds", []):
            return Reply.of(status, {"requestId": "x", "errors": ["Invalid request"]})
        return forward()

    return tamper


def second_page_call(sim: Simulator) -> str:
    ids = [c for c in sim.tenant.call_ids_between(None, None)][100:200]
    return next(c for c in ids if not sim.tenant.call(c)["metaData"]["isPrivate"])


# -- 1. failed transcript batches are not deletions ---------------------------------------


@pytest.mark.parametrize("status", [400, 302, 404])
def test_full_sync_keeps_calls_whose_transcript_batch_failed(tenant, synced, status) -> None:
    before = catalog_ids(synced)
    tamper = refuse_batch_with(second_page_call(tenant), status)
    with HostileGong(tenant.base_url, tamper) as gong:
        result = sync_cli(gong.base_url, synced, "--full")
    assert result.exit_code == 1, result.stderr
    assert "0 removed" in result.stdout and "failed" in result.stdout
    assert catalog_ids(synced) == before


# -- 3. failed calls are remembered and retried until they succeed ------------------------


def test_failed_batch_is_retried_on_later_runs_until_it_succeeds(tenant, tmp_path) -> None:
    victim = second_page_call(tenant)
    run_sync(tenant, tmp_path / "reference")
    with HostileGong(tenant.base_url, refuse_batch_with(victim)) as gong:
        first = sync_cli(gong.base_url, tmp_path / "ix")
        second = sync_cli(gong.base_url, tmp_path / "ix")
        asked = [r for r in gong.requests if r.path == TRANSCRIPTS]
    assert first.exit_code == 1 and second.exit_code == 1, second.stdout
    assert "failed" in second.stdout  # still failing: exit 1 again
    assert any(victim in r.body["filter"]["callIds"] for r in asked[3:])  # asked again
    status = json.loads(cli("status", "--index", str(tmp_path / "ix"), "-f", "json").stdout)
    assert victim in status["failed_calls"]
    third = sync_cli(tenant.base_url, tmp_path / "ix")
    assert third.exit_code == 0, third.stdout
    assert canonical_dump(tmp_path / "ix") == canonical_dump(tmp_path / "reference")
    assert (
        json.loads(cli("status", "--index", str(tmp_path / "ix"), "-f", "json").stdout)[
            "failed_calls"
        ]
        == []
    )


# -- 2. empty or short listings never remove; mass removal needs consent -------------------


@pytest.mark.parametrize("tamper", [empty_listing, listing_cut_after_page_1])
def test_full_sync_on_an_empty_or_short_listing_removes_nothing(tenant, synced, tamper) -> None:
    before = canonical_dump(synced)
    with HostileGong(tenant.base_url, tamper) as gong:
        result = sync_cli(gong.base_url, synced, "--full")
    assert result.exit_code == 1
    assert "nothing removed" in error_line(result.stderr)
    assert canonical_dump(synced) == before


def test_full_sync_against_a_tenant_with_no_calls_removes_nothing(synced) -> None:
    """`gong-search simulate --calls 0`: what a key whose user cannot see calls gets."""
    before = canonical_dump(synced)
    with make_simulator(**{**TENANT, "calls": 0}) as empty:
        result = sync_cli(empty.base_url, synced, "--full")
    assert result.exit_code == 1 and "nothing removed" in error_line(result.stderr)
    assert canonical_dump(synced) == before


def test_mass_removal_needs_consent_and_dry_run_lists_it(tenant, synced) -> None:
    doomed = ready_ids(synced)[:40]  # 40 of ~240: more than 10 %
    for call_id in doomed:
        tenant.delete_call(call_id)
    before = catalog_ids(synced)
    refused = sync_cli(tenant.base_url, synced, "--full")
    assert refused.exit_code == 1
    line = error_line(refused.stderr)
    assert "40 calls" in line and "--allow-mass-removal" in line
    assert catalog_ids(synced) == before
    preview = sync_cli(tenant.base_url, synced, "--full", "--dry-run")
    assert preview.exit_code == 0, preview.stderr
    assert "40 calls would be removed" in preview.stdout
    assert all(call_id in preview.stdout for call_id in doomed)
    assert catalog_ids(synced) == before
    allowed = sync_cli(tenant.base_url, synced, "--full", "--max-removal-share", "0.5")
    assert allowed.exit_code == 0, allowed.stderr
    assert catalog_ids(synced) == before - set(doomed)


def test_allow_mass_removal_removes_what_gong_no_longer_lists(tenant, synced) -> None:
    doomed = ready_ids(synced)[:40]
    for call_id in doomed:
        tenant.delete_call(call_id)
    result = sync_cli(tenant.base_url, synced, "--full", "--allow-mass-removal")
    assert result.exit_code == 0, result.stderr
    assert catalog_ids(synced) == live_public_ids(tenant, set(doomed))


# -- 6. a deletion while the listing is paged must not hide live calls ---------------------


def test_deletion_while_paging_does_not_hide_a_live_call(tenant, tmp_path) -> None:
    first_page = [c for c in tenant.tenant.call_ids_between(None, None)][:100]
    victim = next(c for c in first_page if not tenant.tenant.call(c)["metaData"]["isPrivate"])
    listings = []

    def delete_before_page_2(request: Request, forward) -> Reply:
        if request.path == LISTING:
            listings.append(request)
            if len(listings) == 2:
                tenant.delete_call(victim)
        return forward()

    with HostileGong(tenant.base_url, delete_before_page_2) as gong:
        sync_cli(gong.base_url, tmp_path / "ix")
    assert live_public_ids(tenant, {victim}) <= catalog_ids(tmp_path / "ix")


# -- 5. the watermark and the window ------------------------------------------------------


def test_a_call_dated_in_the_future_does_not_freeze_the_watermark(tenant, tmp_path) -> None:
    def future_call(request: Request, forward) -> Reply:
        reply = forward()
        if request.path == LISTING and reply.status == 200:
            body = reply.json()
            body["calls"][0]["metaData"]["started"] = "2031-01-01T00:00:00+00:00"
            return Reply.of(200, body)
        return reply

    with HostileGong(tenant.base_url, future_call) as gong:
        sync_cli(gong.base_url, tmp_path / "ix")
    with Catalog(tmp_path / "ix") as catalog:
        mark = datetime.fromisoformat(catalog.get_state("watermark"))
    assert mark <= datetime.now(UTC)


def test_a_watermark_already_in_the_future_does_not_freeze_syncs(tenant, synced) -> None:
    with Catalog(synced) as catalog:
        catalog.set_state("watermark", "2031-01-01T00:00:00+00:00")
    late = tenant.add_call(ANCHOR - timedelta(hours=5), [(0, "Arrived after the bad mark.")])
    result = sync_cli(tenant.base_url, synced)
    assert result.exit_code == 0, result.stderr
    assert late in catalog_ids(synced)


@pytest.mark.parametrize(
    "args",
    [
        ("--from", "9999-12-31"),
        ("--from", "2999-12-01"),
        ("--overlap-days", "-5"),
        ("--overlap-days", "1e9"),
        ("--overlap-days", "nan"),
        ("--overlap-days", "inf"),
        ("--pending-days", "nan"),
        ("--max-wait", "nan"),
        ("--rate", "nan"),
        ("--max-removal-share", "2"),
    ],
)
def test_bad_windows_and_numbers_are_refused_before_any_request(tenant, synced, args) -> None:
    spent = tenant.request_count
    result = sync_cli(tenant.base_url, synced, *args)
    assert result.exit_code == 2, result.stdout
    error_line(result.stderr)
    assert tenant.request_count == spent


def test_to_before_the_watermark_is_refused_before_any_request(tenant, synced) -> None:
    spent = tenant.request_count
    last_month = (ANCHOR - timedelta(days=30)).date().isoformat()
    result = sync_cli(tenant.base_url, synced, "--to", last_month)
    assert result.exit_code == 2 and "window" in error_line(result.stderr)
    assert tenant.request_count == spent


def test_absurd_call_date_is_never_stored(tenant, tmp_path) -> None:
    def absurd(request: Request, forward) -> Reply:
        reply = forward()
        if request.path == LISTING and reply.status == 200:
            body = reply.json()
            body["calls"][0]["metaData"]["started"] = "9999-12-31T23:59:59-12:00"
            return Reply.of(200, body)
        return reply

    with HostileGong(tenant.base_url, absurd) as gong:
        result = sync_cli(gong.base_url, tmp_path / "ix")
    assert result.exit_code == 0, result.stderr
    ix = str(tmp_path / "ix")
    assert cli("status", "--index", ix).exit_code == 0
    assert cli("search", "the", "--index", ix, "-n", "1").exit_code == 0
    with sqlite3.connect(tmp_path / "ix" / "catalog.sqlite3") as db:
        newest = db.execute("SELECT max(started) FROM calls").fetchone()[0]
    assert newest <= datetime.now(UTC).timestamp() + 86400


def test_an_absurd_date_stored_by_an_older_version_does_not_break_status(synced) -> None:
    with sqlite3.connect(synced / "catalog.sqlite3") as db:  # year 10000, as stored before
        db.execute("UPDATE calls SET started = 253402343999 WHERE id = (SELECT min(id) FROM calls)")
    assert cli("status", "--index", str(synced)).exit_code == 0


# -- 12. status while a sync runs ----------------------------------------------------------


def test_status_reports_a_running_sync_not_damage(synced) -> None:
    from gong_search.lock import SyncLock

    with sqlite3.connect(synced / "catalog.sqlite3") as db:  # the catalog is a page ahead
        db.execute("UPDATE calls SET content_hash = 'next' WHERE id = (SELECT min(id) FROM calls)")
    ix = str(synced)
    with SyncLock(synced):
        during = cli("status", "--index", ix, "-f", "json")
    after = cli("status", "--index", ix, "-f", "json")
    assert during.exit_code == 0 and json.loads(during.stdout)["sync_running"] is True
    assert "differs" not in during.stderr
    assert after.exit_code == 1 and json.loads(after.stdout)["sync_running"] is False
    assert "index differs from catalog" in json.loads(after.stdout)["problems"][0]


# -- 4. transcripts that are still empty past --pending-days ------------------------------


def test_transcript_empty_at_first_sync_is_asked_again_and_counted(tmp_path) -> None:
    ix = tmp_path / "ix"
    with make_simulator(**TENANT, transcript_delay=1) as late:
        first = sync_cli(late.base_url, ix)
        status = json.loads(cli("status", "--index", str(ix), "-f", "json").stdout)
        second = sync_cli(late.base_url, ix)
    assert first.exit_code == 0 and second.exit_code == 0
    missing = status["without_transcript"]
    assert missing > 100 and f"{missing} calls have no transcript yet" in first.stdout
    with make_simulator(**TENANT) as prompt:
        run_sync(prompt, tmp_path / "reference")
    reference = cli("status", "--index", str(tmp_path / "reference"), "-f", "json")
    really_none = json.loads(reference.stdout)["without_transcript"]  # never recorded calls
    assert f"{really_none} calls have no transcript yet" in second.stdout
    assert canonical_dump(ix) == canonical_dump(tmp_path / "reference")


def test_recheck_of_a_missing_transcript_backs_off_then_gives_up(tmp_path) -> None:
    from gong_search.harvest import RECHECK_HOURS

    with make_simulator(**TENANT) as sim, HostileGong(sim.base_url) as gong:
        old = sim.add_call(ANCHOR - timedelta(days=30), [(0, "Never transcribed.")])
        sim.set_transcript(old, [])
        sync_cli(gong.base_url, tmp_path / "ix")
        asked = []
        for _ in range(len(RECHECK_HOURS) + 2):
            with sqlite3.connect(tmp_path / "ix" / "catalog.sqlite3") as db:
                db.execute("UPDATE transcript_checks SET next_check = 0")  # time passes
            before = len(gong.requests)
            sync_cli(gong.base_url, tmp_path / "ix")
            asked.append(
                any(
                    r.path == TRANSCRIPTS and old in r.body["filter"].get("callIds", [])
                    for r in gong.requests[before:]
                )
            )
    assert asked == [True] * (len(RECHECK_HOURS) + 1) + [False]  # given up after ~4 weeks
