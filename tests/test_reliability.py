"""Faults, signals, disk full and damaged indexes (issue 8; see docs/reliability.md).

Every fault goes through the simulator over real sockets. The yardstick is always the same:
after the fault (and, where the run stops, a resumed run) the catalog and index hold exactly
what a fault-free sync of the same tenant holds (``tests/dump.py``'s canonical dump).

The tenant has 250 short calls: three pages, so faults can land between committed pages.
A fault-free sync makes 7 requests: users, then (listing, transcripts) per page.
"""

from __future__ import annotations

import errno
import json
import math
import os
import resource
import shutil
import signal
import sqlite3
import subprocess
import sys
import time
from collections.abc import Callable, Iterator
from datetime import UTC, datetime, timedelta
from pathlib import Path

import httpx
import pytest

from gong_search.config import Credentials, Secret
from gong_search.engines.whoosh.store import current_dir
from gong_search.engines.whoosh.writer import IndexUpdater
from gong_search.errors import CatalogError, IndexStoreError, RateLimitedError
from gong_search.gong.client import GongClient, RetryPolicy
from gong_search.harvest import SyncOptions, SyncReport, sync
from gong_search.search import search
from gong_search.simulator import Simulator, SimulatorConfig
from gong_search.simulator.people import REPS

from .conftest import cli, make_simulator, sim_env
from .dump import canonical_dump

ANCHOR = datetime.now(UTC).replace(microsecond=0)
TENANT = {"calls": 250, "seed": 11, "call_length": (3, 10), "anchor": ANCHOR}
# request numbers in a fault-free sync: the user list's pages, then each of the 3 listing
# pages followed by its transcripts
USER_PAGES = math.ceil(len(REPS) / SimulatorConfig().users_page_size)
FULL_SYNC = USER_PAGES + 6
PAGE_1_TRANSCRIPTS, PAGE_2_LISTING, PAGE_2_TRANSCRIPTS = (USER_PAGES + n for n in (2, 3, 4))


# -- helpers -------------------------------------------------------------------------------


class Hooked(httpx.BaseTransport):
    """A real socket transport that runs ``before(n, request)`` before the n-th request and
    may rewrite responses with ``rewrite(request, body) -> body`` (for faults the simulator
    has no switch for: foreign transcripts, duplicated calls, mid-sync deletions)."""

    def __init__(
        self,
        before: Callable[[int, httpx.Request], None] | None = None,
        rewrite: Callable[[httpx.Request, dict], dict] | None = None,
    ) -> None:
        self.inner = httpx.HTTPTransport()
        self.before, self.rewrite, self.count = before, rewrite, 0

    def handle_request(self, request: httpx.Request) -> httpx.Response:
        self.count += 1
        if self.before:
            self.before(self.count, request)
        response = self.inner.handle_request(request)
        if not self.rewrite or response.status_code != 200:
            return response
        body = self.rewrite(request, json.loads(response.read()))
        return httpx.Response(200, json=body, request=request)

    def close(self) -> None:
        self.inner.close()


def at_request(n: int, action: Callable[[], None]) -> Callable[[int, httpx.Request], None]:
    return lambda count, _request: action() if count == n else None


def client(sim: Simulator, transport=None, timeout: float = 30.0, **retry) -> GongClient:
    creds = Credentials(sim.base_url, "demo", Secret("demo"))
    policy = RetryPolicy(backoff_base=0.01, backoff_max=0.05, **retry)
    return GongClient(creds, rate=0, retry=policy, timeout=timeout, transport=transport)


def run(sim: Simulator, index_dir: Path, transport=None, **client_kw) -> SyncReport:
    with client(sim, transport, **client_kw) as c:
        return sync(index_dir, c, SyncOptions())


def status_json(index_dir: Path) -> dict:
    result = cli("status", "--index", str(index_dir), "-f", "json")
    return json.loads(result.stdout)


def one_line_error(stderr: str) -> str:
    """The error line (text, or the JSON object a piped search prints); progress lines may
    precede it, a traceback never."""
    assert "Traceback" not in stderr
    lines = [
        f"gong-search: error: {json.loads(line)['error']}" if line.startswith('{"error"') else line
        for line in stderr.splitlines()
    ]
    errors = [line for line in lines if line.startswith("gong-search: error:")]
    assert len(errors) == 1, stderr
    return errors[0]


def python_cli(*args: str | bytes, env: dict, **kw) -> subprocess.CompletedProcess:
    return subprocess.run(
        [sys.executable, "-m", "gong_search", *args],
        env={**os.environ, **env},
        capture_output=True,
        timeout=120,
        **kw,
    )


@pytest.fixture(scope="module")
def tenant() -> Iterator[Simulator]:
    """Shared by the fault tests: they only inject faults, which are consumed."""
    with make_simulator(**TENANT) as simulator:
        yield simulator


@pytest.fixture(scope="module")
def reference(tenant: Simulator, tmp_path_factory: pytest.TempPathFactory) -> dict:
    """What a fault-free sync of the tenant holds."""
    index_dir = tmp_path_factory.mktemp("reference") / "ix"
    run(tenant, index_dir)
    return canonical_dump(index_dir)


# -- transient faults: retried, same content -----------------------------------------------

TRANSIENT = ["500", "502", "503", "reset", "truncated", "invalid_json", "empty200"]


@pytest.mark.parametrize("request_no", [PAGE_2_LISTING, PAGE_2_TRANSCRIPTS])
@pytest.mark.parametrize("kind", TRANSIENT)
def test_transient_fault_mid_sync_gives_identical_content(
    tenant, reference, tmp_path, kind, request_no
) -> None:
    hook = Hooked(before=at_request(request_no, lambda: tenant.inject(kind, times=2)))
    report = run(tenant, tmp_path / "ix", hook)
    assert canonical_dump(tmp_path / "ix") == reference
    assert report.requests == FULL_SYNC + 2  # the two faulted attempts, then success


def test_random_500s_give_identical_content(reference, tmp_path) -> None:
    with make_simulator(**TENANT, fail_rate=0.3) as flaky:
        run(flaky, tmp_path / "ix")
    assert canonical_dump(tmp_path / "ix") == reference


def test_429_storm_is_waited_out_beyond_max_attempts(tenant, reference, tmp_path) -> None:
    """30 429s in a row: more than max_attempts (8), but 429s only spend --max-wait."""
    storm = at_request(PAGE_2_LISTING, lambda: tenant.inject("429", times=30, retry_after=0))
    run(tenant, tmp_path / "ix", Hooked(before=storm), max_wait=60)
    assert canonical_dump(tmp_path / "ix") == reference


def test_slow_response_past_read_timeout_is_retried(tenant, reference, tmp_path) -> None:
    slow = at_request(PAGE_2_TRANSCRIPTS, lambda: tenant.inject("slow", seconds=6))
    started = time.monotonic()
    run(tenant, tmp_path / "ix", Hooked(before=slow), timeout=0.4)
    # gave up on the 6 s answer after 0.4 s; the margin is for a loaded 2-core machine
    assert time.monotonic() - started < 5
    assert canonical_dump(tmp_path / "ix") == reference


def test_expired_cursor_mid_listing_restarts_to_identical_content(
    tenant, reference, tmp_path
) -> None:
    expire = at_request(
        PAGE_2_LISTING, lambda: tenant.inject("expired_cursor", path="/v2/calls/extensive")
    )
    run(tenant, tmp_path / "ix", Hooked(before=expire))
    assert canonical_dump(tmp_path / "ix") == reference


def test_duplicated_calls_across_pages_are_stored_once(tenant, reference, tmp_path) -> None:
    pages: list[list[dict]] = []

    def duplicate(request: httpx.Request, body: dict) -> dict:
        if request.url.path == "/v2/calls/extensive":
            calls = body["calls"]
            pages.append(list(calls))
            if len(pages) > 1:  # repeat the previous page's tail, and one call within the page
                body["calls"] = [*pages[-2][-3:], *calls, calls[0]]
        return body

    run(tenant, tmp_path / "ix", Hooked(rewrite=duplicate))
    assert canonical_dump(tmp_path / "ix") == reference


def test_transcripts_for_calls_not_asked_for_are_ignored(tenant, reference, tmp_path) -> None:
    private = next(
        cid
        for cid in tenant.tenant.call_ids_between(None, None)
        if tenant.tenant.call(cid)["metaData"].get("isPrivate")
    )

    def smuggle(request: httpx.Request, body: dict) -> dict:
        if request.url.path == "/v2/calls/transcript":
            fake = [
                {
                    "speakerId": "1",
                    "topic": None,
                    "sentences": [{"start": 0, "end": 1, "text": "SMUGGLED sentence"}],
                }
            ]
            body["callTranscripts"] += [
                {"callId": private, "transcript": fake},
                {"callId": "424242424242", "transcript": fake},
            ]
        return body

    run(tenant, tmp_path / "ix", Hooked(rewrite=smuggle))
    dump = canonical_dump(tmp_path / "ix")
    assert dump == reference and "SMUGGLED" not in json.dumps(dump)


def test_call_deleted_between_listing_and_transcript_fetch(tmp_path) -> None:
    with make_simulator(**TENANT) as sim:
        first_page = [c for c in sim.tenant.call_ids_between(None, None)][:100]
        victim = next(c for c in first_page if not sim.tenant.call(c)["metaData"]["isPrivate"])
        hook = Hooked(before=at_request(PAGE_1_TRANSCRIPTS, lambda: sim.delete_call(victim)))
        report = run(sim, tmp_path / "faulty", hook)
        run(sim, tmp_path / "clean")  # fault-free, after the deletion
    assert report.vanished == 1
    assert canonical_dump(tmp_path / "faulty") == canonical_dump(tmp_path / "clean")


# -- faults that stop the run: clear message, committed work kept, clean resume -------------


def test_retry_after_beyond_max_wait_stops_and_resumes(tenant, reference, tmp_path) -> None:
    quota = at_request(PAGE_2_LISTING, lambda: tenant.inject("429", retry_after=3600))
    with pytest.raises(RateLimitedError) as info:
        run(tenant, tmp_path / "ix", Hooked(before=quota), max_wait=5)
    message = str(info.value)
    assert "3600 s" in message and "run sync again after" in message
    assert info.value.exit_code == 1
    kept = status_json(tmp_path / "ix")
    assert kept["in_sync"] is True and 0 < kept["calls"] < len(reference["catalog"]["calls"])
    run(tenant, tmp_path / "ix")
    assert canonical_dump(tmp_path / "ix") == reference


def test_daily_quota_mid_sync_exits_1_and_a_later_run_completes(reference, tmp_path) -> None:
    ix = str(tmp_path / "ix")
    with make_simulator(**TENANT, daily_limit=PAGE_2_LISTING, retry_after=7200) as exhausted:
        stopped = cli(
            "sync", "--index", ix, "--rate", "0", "--max-wait", "5", env=sim_env(exhausted)
        )
        requests_spent = exhausted.request_count
    assert stopped.exit_code == 1
    line = one_line_error(stopped.stderr)
    assert "daily quota" in line and "Committed work is kept" in line and "after" in line
    kept = status_json(tmp_path / "ix")
    assert kept["in_sync"] is True and kept["calls"] > 0  # page 1 was committed
    with make_simulator(**TENANT) as next_day:
        resumed = cli("sync", "--index", ix, "--rate", "0", env=sim_env(next_day))
        resumed_requests = next_day.request_count
    assert resumed.exit_code == 0, resumed.stderr
    assert canonical_dump(tmp_path / "ix") == reference
    # the watermark moved with page 1: the resumed run does not list and fetch it again
    assert requests_spent - 1 + resumed_requests < 2 * FULL_SYNC


def test_cli_max_wait_must_not_be_negative(tenant, tmp_path) -> None:
    result = cli("sync", "--index", str(tmp_path / "ix"), "--max-wait", "-1", env=sim_env(tenant))
    assert result.exit_code == 2 and "Traceback" not in result.stderr


# -- signals -------------------------------------------------------------------------------


def _reset_sigint() -> None:
    """A background shell may start us with SIGINT ignored; Python would keep it so."""
    signal.signal(signal.SIGINT, signal.SIG_DFL)


def start_sync(index_dir: Path, tenant, rate: str) -> subprocess.Popen:
    """A real ``gong-search sync`` process against ``tenant``, ready for signals."""
    return subprocess.Popen(
        [sys.executable, "-m", "gong_search", "sync", "--rate", rate, "--index", str(index_dir)],
        env={**os.environ, **sim_env(tenant)},
        stdout=subprocess.PIPE,
        stderr=subprocess.PIPE,
        text=True,
        preexec_fn=_reset_sigint,
    )


def _catalog_calls(index_dir: Path) -> int:
    try:
        with sqlite3.connect(f"file:{index_dir / 'catalog.sqlite3'}?mode=ro", uri=True) as db:
            return db.execute("SELECT count(*) FROM calls").fetchone()[0]
    except sqlite3.Error:
        return 0


@pytest.mark.parametrize(("signum", "code"), [(signal.SIGINT, 130), (signal.SIGTERM, 143)])
def test_signal_during_sync_stops_cleanly_and_resumes(
    tenant, reference, tmp_path, signum, code
) -> None:
    ix = tmp_path / "ix"
    proc = start_sync(ix, tenant, "2")
    deadline = time.monotonic() + 30
    while _catalog_calls(ix) == 0 and time.monotonic() < deadline and proc.poll() is None:
        time.sleep(0.05)
    proc.send_signal(signum)
    out, err = proc.communicate(timeout=30)
    assert proc.returncode == code, err
    line = one_line_error(err)
    assert "stopped cleanly" in line and "committed so far is kept" in line
    kept = status_json(ix)
    assert kept["in_sync"] is True and 0 < kept["calls"] < len(reference["catalog"]["calls"])
    resumed = python_cli("sync", "--rate", "0", "--index", str(ix), env=sim_env(tenant))
    assert resumed.returncode == 0, resumed.stderr
    assert canonical_dump(ix) == reference


# -- disk full -----------------------------------------------------------------------------


def _file_size_limit(limit: int) -> Callable[[], None]:
    def apply() -> None:
        signal.signal(signal.SIGXFSZ, signal.SIG_IGN)  # EFBIG as an error, not a kill
        resource.setrlimit(resource.RLIMIT_FSIZE, (limit, limit))

    return apply


def test_disk_full_during_sync_is_one_line_and_index_stays_searchable(
    tenant, reference, tmp_path
) -> None:
    ix = str(tmp_path / "ix")
    env = sim_env(tenant)
    first = python_cli(
        "sync",
        "--rate",
        "0",
        "--index",
        ix,
        "--from",
        (ANCHOR - timedelta(days=90)).date().isoformat(),
        "--to",
        (ANCHOR - timedelta(days=40)).date().isoformat(),
        env=env,
    )
    assert first.returncode == 0, first.stderr
    before = cli("search", "pricing", "--index", ix, "-f", "jsonl").stdout
    full = python_cli(
        "sync",
        "--rate",
        "0",
        "--index",
        ix,
        env=env,
        text=True,
        preexec_fn=_file_size_limit(48_000),
    )
    assert full.returncode == 2, full.stderr
    line = one_line_error(full.stderr)
    assert "cannot write" in line and "run sync again" in line
    assert cli("search", "pricing", "--index", ix, "-f", "jsonl").stdout.count("\n") >= (
        before.count("\n")
    )
    resumed = python_cli("sync", "--rate", "0", "--index", ix, env=env)
    assert resumed.returncode == 0, resumed.stderr
    assert canonical_dump(tmp_path / "ix") == reference


def test_index_write_failure_becomes_index_store_error(
    tenant, reference, tmp_path, monkeypatch
) -> None:
    real = IndexUpdater.replace
    calls = {"n": 0}

    def failing(self, joined, content_hash):
        calls["n"] += 1
        if calls["n"] == 150:  # on page 2
            raise OSError(errno.ENOSPC, "No space left on device", "whoosh-1/x.pst")
        return real(self, joined, content_hash)

    monkeypatch.setattr(IndexUpdater, "replace", failing)
    with pytest.raises(IndexStoreError, match="disk full"):
        run(tenant, tmp_path / "ix")
    monkeypatch.setattr(IndexUpdater, "replace", real)
    assert search(tmp_path / "ix", "pricing").total >= 0  # still opens and searches
    run(tenant, tmp_path / "ix")
    assert canonical_dump(tmp_path / "ix") == reference


def test_catalog_write_failure_becomes_catalog_error(
    tenant, reference, tmp_path, monkeypatch
) -> None:
    from gong_search.catalog import Catalog

    real = Catalog.store_calls
    pages = {"n": 0}

    def failing(self, stored):
        pages["n"] += 1
        if pages["n"] == 2:
            raise sqlite3.OperationalError("database or disk is full")
        return real(self, stored)

    monkeypatch.setattr(Catalog, "store_calls", failing)
    with pytest.raises(CatalogError, match="disk is full"):
        run(tenant, tmp_path / "ix")
    monkeypatch.setattr(Catalog, "store_calls", real)
    assert status_json(tmp_path / "ix")["in_sync"] is True
    run(tenant, tmp_path / "ix")
    assert canonical_dump(tmp_path / "ix") == reference


# -- damaged index -------------------------------------------------------------------------


@pytest.fixture
def synced_copy(tenant, reference, tmp_path) -> Path:
    ix = tmp_path / "ix"
    run(tenant, ix)
    return ix


@pytest.mark.parametrize("damage", ["delete", "truncate"])
def test_damaged_index_toc_is_reported_and_reindex_rebuilds(synced_copy, reference, damage) -> None:
    toc = next(current_dir(synced_copy).glob("_MAIN_*.toc"))
    toc.unlink() if damage == "delete" else toc.write_bytes(toc.read_bytes()[:10])
    status = cli("status", "--index", str(synced_copy))
    assert status.exit_code == 1 and "Traceback" not in status.stderr
    reported = [
        line for line in (status.stdout + status.stderr).splitlines() if "index is damaged" in line
    ]
    assert len(reported) == 1 and "reindex" in reported[0]
    failed = cli("pricing", "--index", str(synced_copy))
    assert failed.exit_code == 2 and "run `gong-search reindex`" in one_line_error(failed.stderr)
    assert cli("reindex", "--index", str(synced_copy)).exit_code == 0
    assert status_json(synced_copy)["in_sync"] is True
    assert cli("pricing", "--index", str(synced_copy)).exit_code == 0
    assert canonical_dump(synced_copy) == reference


@pytest.mark.parametrize("suffix", [".trm", ".pst", "_stored.col"])
def test_damaged_segment_is_rebuilt_by_reindex_and_by_sync(
    tenant, synced_copy, reference, suffix
) -> None:
    victim = next(p for p in current_dir(synced_copy).iterdir() if p.name.endswith(suffix))
    victim.write_bytes(victim.read_bytes()[: victim.stat().st_size // 3])
    spare = synced_copy.parent / "spare"
    shutil.copytree(synced_copy, spare)
    assert cli("reindex", "--index", str(synced_copy)).exit_code == 0
    assert canonical_dump(synced_copy) == reference
    if suffix != ".pst":  # sync reads lexicon and stored fields up front, not every posting
        report = run(tenant, spare)  # it notices the unreadable index and rebuilds it first
        assert report.rebuilt_index and canonical_dump(spare) == reference


@pytest.mark.parametrize("damage", ["delete", "truncate"])
def test_status_reports_a_damaged_segment_in_one_line(synced_copy, reference, damage) -> None:
    victim = next(p for p in current_dir(synced_copy).iterdir() if p.suffix == ".trm")
    victim.unlink() if damage == "delete" else victim.write_bytes(victim.read_bytes()[:100])
    status = cli("status", "--index", str(synced_copy))
    reported = [
        line for line in (status.stdout + status.stderr).splitlines() if "index is damaged" in line
    ]
    assert status.exit_code != 0 and "Traceback" not in status.stderr
    assert len(reported) == 1 and "reindex" in reported[0]
    assert cli("reindex", "--index", str(synced_copy)).exit_code == 0
    assert cli("pricing", "--index", str(synced_copy)).exit_code == 0
    assert canonical_dump(synced_copy) == reference
