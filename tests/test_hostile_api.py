"""A hostile or broken Gong (issue 12): poison records, absurd headers, endless cursors,
slow answers under the default budget shape, TLS failures, and secrets leaking through
flags, URLs and proxies. See docs/reliability.md.
"""

from __future__ import annotations

import os
import re
import shutil
import ssl
import subprocess
import sys
import threading
import time
from collections.abc import Iterator
from datetime import UTC, datetime, timedelta
from email.utils import format_datetime
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer

import pytest
from typer.testing import CliRunner

from gong_search.cli import app
from gong_search.config import Credentials, Secret
from gong_search.errors import GongAPIError, RateLimitedError, UnreachableError
from gong_search.gong import records
from gong_search.gong.client import GongClient, RetryPolicy
from gong_search.simulator import Simulator

from .conftest import cli, make_simulator, run_sync
from .hostile import LISTING, TRANSCRIPTS, HostileGong, Reply, Request, rewrite_bytes
from .test_sync_safety import env_for, error_line, sync_cli

SMALL = {"calls": 150, "seed": 5, "call_length": (3, 8)}


@pytest.fixture
def sim() -> Iterator[Simulator]:
    with make_simulator(**SMALL) as simulator:
        yield simulator


def client(base_url: str, timeout: float = 30.0, **retry: float) -> GongClient:
    policy = RetryPolicy(**{"backoff_base": 0.01, "backoff_max": 0.05, **retry})
    return GongClient(Credentials(base_url, "demo", Secret("demo")), rate=0, retry=policy,
                      timeout=timeout)  # fmt: skip


def python_cli(*args: str, env: dict, stdin: str | None = None) -> subprocess.CompletedProcess:
    return subprocess.run(
        [sys.executable, "-m", "gong_search", *args],
        env={**os.environ, **env},
        input=stdin,
        capture_output=True,
        text=True,
        timeout=120,
    )


# -- 13. poison records --------------------------------------------------------------------


@pytest.mark.parametrize("number", [b"1e400", b"-1e400", b"NaN", b"Infinity"])
def test_numbers_out_of_range_do_not_crash_sync_or_later_syncs(sim, tmp_path, number) -> None:
    tamper = rewrite_bytes(LISTING, rb'"duration": [0-9]+', b'"duration": ' + number)
    with HostileGong(sim.base_url, tamper) as gong:
        first = sync_cli(gong.base_url, tmp_path / "ix")
        again = sync_cli(gong.base_url, tmp_path / "ix", "--full")
    assert first.exit_code == 0 and again.exit_code == 0, first.stderr + again.stderr
    assert cli("status", "--index", str(tmp_path / "ix")).exit_code == 0


def test_sentence_times_out_of_range_are_clamped(sim, tmp_path) -> None:
    tamper = rewrite_bytes(TRANSCRIPTS, rb'"start": [0-9]+', b'"start": 1e400')
    with HostileGong(sim.base_url, tamper) as gong:
        result = sync_cli(gong.base_url, tmp_path / "ix")
    assert result.exit_code == 0, result.stderr
    assert cli("search", "the", "--index", str(tmp_path / "ix"), "-n", "1").exit_code == 0


def test_a_body_nested_200000_deep_fails_its_batch_not_the_sync(sim, tmp_path) -> None:
    deep = b'{"callTranscripts": ' + b"[" * 200_000 + b"]" * 200_000 + b"}"
    transcript_requests: list[Request] = []

    def tamper(request: Request, forward) -> Reply:
        if request.path == TRANSCRIPTS:
            transcript_requests.append(request)
            if len(transcript_requests) == 1:  # the first run's first transcript batch
                return Reply(200, deep)
        return forward()

    with HostileGong(sim.base_url, tamper) as gong:
        poisoned = sync_cli(gong.base_url, tmp_path / "ix")
        healed = sync_cli(gong.base_url, tmp_path / "ix")
    assert "Traceback" not in poisoned.stderr
    assert poisoned.exit_code == 1 and "failed" in poisoned.stdout
    assert healed.exit_code == 0, healed.stdout


def test_a_listing_nested_too_deep_is_one_line_exit_2(sim, tmp_path) -> None:
    deep = b'{"calls": ' + b"[" * 200_000 + b"]" * 200_000 + b"}"
    with HostileGong(sim.base_url, lambda r, fwd: Reply(200, deep) if r.path == LISTING
                     else fwd()) as gong:  # fmt: skip
        result = sync_cli(gong.base_url, tmp_path / "ix")
    assert result.exit_code == 2 and "nested" in error_line(result.stderr)


@pytest.mark.parametrize(
    "value", ["9999-12-31T23:59:59-12:00", "0001-01-01T00:00:00+14:00", "3000-01-01T00:00:00Z"]
)
def test_absurd_dates_are_not_dates(value) -> None:
    assert records.parse_datetime(value) is None


def test_deeply_nested_record_is_rejected() -> None:
    nested: dict = {"metaData": {"id": "1"}}
    inner = nested
    for _ in range(500):
        inner["x"] = {}
        inner = inner["x"]
    assert records.parse_call(nested) is None


def test_non_finite_numbers_become_zero() -> None:
    call = records.parse_call({"metaData": {"id": "1", "duration": float("inf")}})
    assert call is not None and call.duration == 0
    nan = records.parse_call({"metaData": {"id": "1", "duration": float("nan")}})
    assert nan is not None and nan.duration == 0


# -- 14. Retry-After and endless cursors ---------------------------------------------------


def answer_429_once(retry_after: str):
    done = []

    def tamper(request: Request, forward) -> Reply:
        if request.path == LISTING and not done:
            done.append(request)
            return Reply.of(429, {"errors": ["limit"]}, **{"Retry-After": retry_after})
        return forward()

    return tamper


@pytest.mark.parametrize("value", ["1e14", "inf", "-inf", "nan", "99999999999999999999999"])
def test_absurd_retry_after_stops_cleanly(sim, value) -> None:
    with HostileGong(sim.base_url, answer_429_once(value)) as gong, client(gong.base_url) as c:
        try:
            list(c.calls(datetime(2000, 1, 1, tzinfo=UTC)))
        except RateLimitedError as exc:
            assert "run sync again after" in str(exc)


def test_http_date_retry_after_is_read_as_a_date(sim) -> None:
    later = format_datetime(datetime.now(UTC) + timedelta(seconds=120), usegmt=True)
    with HostileGong(sim.base_url, answer_429_once(later)) as gong:
        with client(gong.base_url, max_wait=5) as c, pytest.raises(RateLimitedError) as info:
            list(c.calls(datetime(2000, 1, 1, tzinfo=UTC)))
    waited = int(re.search(r"wait (\d+) s", str(info.value)).group(1))
    assert 100 <= waited <= 120


def test_a_cursor_that_never_ends_is_stopped(sim) -> None:
    counter = iter(range(10**6))

    first: dict = {}

    def tamper(request: Request, forward) -> Reply:
        if request.path != LISTING:
            return forward()
        if not first:
            first.update(forward().json())
        page = dict(first, records={**first["records"], "cursor": f"c{next(counter)}"})
        return Reply.of(200, page)

    with HostileGong(sim.base_url, tamper) as gong, client(gong.base_url) as c:
        with pytest.raises(GongAPIError) as info:
            list(c.calls(datetime(2000, 1, 1, tzinfo=UTC)))
        assert len(gong.requests) < 10
    assert "not making progress" in str(info.value)


# -- 11. one slow answer under the default budget shape ------------------------------------


def test_one_read_timeout_does_not_end_the_sync_with_the_default_budget_shape(tmp_path) -> None:
    defaults = RetryPolicy()
    scale = 0.02  # 30 s read timeout and 30 s budget -> 0.6 s and 0.6 s
    with make_simulator(**SMALL) as sim:
        sim.inject("slow", path=TRANSCRIPTS, seconds=3)
        policy = RetryPolicy(network_budget=defaults.network_budget * scale,
                             backoff_base=0.01, backoff_max=0.05)  # fmt: skip
        creds = Credentials(sim.base_url, "demo", Secret("demo"))
        with GongClient(creds, rate=0, retry=policy, timeout=30.0 * scale) as c:
            from gong_search.harvest import SyncOptions, sync

            report = sync(tmp_path / "ix", c, SyncOptions())
    assert report.added > 0 and not report.failed


# -- 18. TLS failures are not transient ----------------------------------------------------


@pytest.fixture
def self_signed_server(tmp_path) -> Iterator[str]:
    if not shutil.which("openssl"):
        pytest.skip("openssl not installed")
    cert, key = tmp_path / "cert.pem", tmp_path / "key.pem"
    subprocess.run(
        ["openssl", "req", "-x509", "-newkey", "rsa:2048", "-nodes", "-days", "1", "-subj",
         "/CN=127.0.0.1", "-keyout", str(key), "-out", str(cert)],
        check=True, capture_output=True,
    )  # fmt: skip
    server = ThreadingHTTPServer(("127.0.0.1", 0), BaseHTTPRequestHandler)
    context = ssl.SSLContext(ssl.PROTOCOL_TLS_SERVER)
    context.load_cert_chain(cert, key)
    server.socket = context.wrap_socket(server.socket, server_side=True)
    threading.Thread(target=server.serve_forever, daemon=True).start()
    yield f"https://127.0.0.1:{server.server_address[1]}"
    server.shutdown()


def test_tls_verification_failure_fails_at_once_with_the_reason(self_signed_server) -> None:
    started = time.monotonic()
    policy = RetryPolicy()  # the real backoff: 8 attempts would take many seconds
    creds = Credentials(self_signed_server, "demo", Secret("demo"))
    with GongClient(creds, rate=0, retry=policy) as c, pytest.raises(UnreachableError) as info:
        list(c.users())
    assert "certificate" in str(info.value).lower() and c.request_count == 1
    assert time.monotonic() - started < 5


# -- 18. malformed settings are one line ---------------------------------------------------


def test_tab_in_base_url_is_one_line_exit_2() -> None:
    result = cli("check", "--base-url", "http://127.0.0.1:1/\tx", "--access-key", "a",
                 env={"GONG_ACCESS_KEY_SECRET": "b"})  # fmt: skip
    assert result.exit_code == 2 and "base_url" in error_line(result.stderr)


def test_non_utf8_secret_is_one_line_exit_2(sim) -> None:
    env = {**os.environ, **env_for(sim.base_url)}
    env = {k.encode(): v.encode() for k, v in env.items()}
    env[b"GONG_ACCESS_KEY_SECRET"] = b"\xff\xfesecret"
    done = subprocess.run([sys.executable, "-m", "gong_search", "check"], env=env,
                          capture_output=True, timeout=60)  # fmt: skip
    assert done.returncode == 2 and b"Traceback" not in done.stderr, done.stderr
    assert len(done.stderr.strip().splitlines()) == 1


def test_repaired_work_is_counted_in_the_summary(sim, tmp_path) -> None:
    report = run_sync(sim, tmp_path / "ix")
    for child in (tmp_path / "ix").iterdir():
        if child.name not in ("catalog.sqlite3", "catalog.sqlite3-wal", "catalog.sqlite3-shm"):
            shutil.rmtree(child) if child.is_dir() else child.unlink()
    again = sync_cli(sim.base_url, tmp_path / "ix")
    assert f"({report.sentences} sentences re-indexed)" in again.stdout, again.stdout


# -- 9. the secret stays secret --------------------------------------------------------------


def test_secret_key_flag_warns_and_stdin_is_offered(sim) -> None:
    env = {"GONG_BASE_URL": sim.base_url, "GONG_ACCESS_KEY": "demo"}
    flagged = python_cli("check", "--secret-key", "demo", env=env)
    assert flagged.returncode == 0 and "--secret-key-stdin" in flagged.stderr
    piped = python_cli("check", "--secret-key-stdin", env=env, stdin="demo\n")
    assert piped.returncode == 0 and "warning" not in piped.stderr, piped.stderr
    assert "authentication: ok" in piped.stdout


def test_userinfo_in_the_base_url_is_never_printed(sim) -> None:
    url = sim.base_url.replace("http://", "http://demo:hunter2@")
    ok = python_cli("check", env={**env_for(url)})
    assert ok.returncode == 0, ok.stderr
    wrong = python_cli("check", env={**env_for(url), "GONG_ACCESS_KEY_SECRET": "nope"})
    assert wrong.returncode == 2
    for output in (ok.stdout, ok.stderr, wrong.stdout, wrong.stderr):
        assert "hunter2" not in output


def test_credentials_never_go_through_a_plain_http_proxy(sim, monkeypatch) -> None:
    seen: list[str] = []

    class Proxy(BaseHTTPRequestHandler):
        def do_GET(self) -> None:
            seen.append(self.headers.get("Authorization", ""))
            self.send_error(502)

        do_POST = do_GET

        def log_message(self, *args: object) -> None:
            """Silent."""

    proxy = ThreadingHTTPServer(("127.0.0.1", 0), Proxy)
    threading.Thread(target=proxy.serve_forever, daemon=True).start()
    try:
        for name in ("NO_PROXY", "no_proxy"):
            monkeypatch.delenv(name, raising=False)
        address = f"http://127.0.0.1:{proxy.server_address[1]}"
        for name in ("HTTP_PROXY", "http_proxy", "ALL_PROXY"):
            monkeypatch.setenv(name, address)
        result = CliRunner().invoke(app, ["check"], env=env_for(sim.base_url))
    finally:
        proxy.shutdown()
    assert result.exit_code == 0, result.output
    assert seen == []
