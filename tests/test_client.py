"""The Gong client against the simulator over real sockets (and MockTransport for edge cases)."""

from __future__ import annotations

import time
from datetime import UTC, datetime, timedelta

import httpx
import pytest

from gong_search.config import Credentials, Secret
from gong_search.errors import AuthError, GongAPIError, RateLimitedError, UnreachableError
from gong_search.gong.client import GongClient, RetryPolicy

from .conftest import cli, client_for, make_simulator, sim_env


def test_users_page_through_every_user(shared_sim) -> None:
    with client_for(shared_sim) as client:
        pages = list(client.users())
    users = [u for p in pages for u in p.items]
    assert users and len({u.id for u in users}) == len(users)
    assert all(isinstance(u.id, str) and u.id.isdigit() for u in users)
    assert pages[0].total == len(users)


def test_calls_iterate_multiple_pages_with_exact_totals() -> None:
    with make_simulator(calls=250, call_length=(2, 3)) as simulator, client_for(simulator) as c:
        pages = list(c.calls(datetime(2000, 1, 1, tzinfo=UTC)))
    sizes = [len(p.items) for p in pages]
    assert sizes == [100, 100, 50]
    assert {p.total for p in pages} == {250}
    ids = [call.id for p in pages for call in p.items]
    assert len(set(ids)) == 250
    starts = [call.started for p in pages for call in p.items]
    assert starts == sorted(starts)
    assert all(call.parties for p in pages for call in p.items)


def test_transcripts_for_call_ids_carry_speaker_ids_and_ms(shared_sim) -> None:
    with client_for(shared_sim) as client:
        calls = next(iter(client.calls(datetime(2000, 1, 1, tzinfo=UTC)))).items[:5]
        pages = list(client.transcripts(call_ids=[c.id for c in calls]))
    transcripts = {t.call_id: t for p in pages for t in p.items}
    assert set(transcripts) <= {c.id for c in calls}
    ready = [t for t in transcripts.values() if t.monologues]
    assert ready
    sentence = ready[0].monologues[0].sentences[0]
    assert sentence.end_ms >= sentence.start_ms >= 0


def test_more_than_100_ids_per_transcript_request_is_refused(shared_sim) -> None:
    with client_for(shared_sim) as client, pytest.raises(ValueError):
        list(client.transcripts(call_ids=[str(i) for i in range(101)]))


def test_empty_window_404_is_an_empty_result(shared_sim) -> None:
    with client_for(shared_sim) as client:
        assert (
            list(client.calls(datetime(1999, 1, 1, tzinfo=UTC), datetime(1999, 1, 2, tzinfo=UTC)))
            == []
        )


def test_401_is_a_clean_error_without_the_secret(shared_sim) -> None:
    creds = Credentials(shared_sim.base_url, "demo", Secret("WRONG-SECRET-123"))
    with GongClient(creds, rate=0) as client, pytest.raises(AuthError) as info:
        list(client.users())
    assert "401" in str(info.value) and "WRONG-SECRET" not in str(info.value)
    result = cli("check", env={**sim_env(shared_sim), "GONG_ACCESS_KEY_SECRET": "WRONG-SECRET-123"})
    assert result.exit_code == 2
    assert "Gong rejected the credentials (401)" in result.stderr
    assert "WRONG-SECRET" not in result.stdout + result.stderr


def test_default_rate_limit_spreads_a_burst_and_no_429_reaches_the_caller() -> None:
    with make_simulator(rate=3.0) as simulator:
        with client_for(simulator, rate=3.0) as client:
            started = time.monotonic()
            for _ in range(9):
                list(client.users())
            elapsed = time.monotonic() - started
        statuses = [status for _m, _p, status in simulator.request_log]
    assert 429 not in statuses
    assert elapsed >= (9 - 1) / 3 - 0.1  # evenly spaced at 3 per second


def test_429_with_retry_after_is_waited_out() -> None:
    with make_simulator() as simulator, client_for(simulator) as client:
        simulator.inject("429", times=2, retry_after=1)
        started = time.monotonic()
        users = [u for p in client.users() for u in p.items]
        assert users and time.monotonic() - started >= 1.5


def test_retry_after_longer_than_max_wait_stops_with_rate_limited_error() -> None:
    with make_simulator() as simulator, client_for(simulator, max_wait=5) as client:
        simulator.inject("429", times=1, retry_after=3600)
        with pytest.raises(RateLimitedError) as info:
            list(client.users())
    assert info.value.retry_after == 3600 and info.value.exit_code == 1


def test_injected_500s_are_retried(sim) -> None:
    sim.inject("500", times=2)
    sim.inject("503", times=1)
    with client_for(sim) as client:
        assert [u for p in client.users() for u in p.items]


def test_random_fail_rate_is_recovered_from() -> None:
    with make_simulator(fail_rate=0.3) as simulator, client_for(simulator) as client:
        calls = [c for p in client.calls(datetime(2000, 1, 1, tzinfo=UTC)) for c in p.items]
    assert len(calls) == 60


def test_unreachable_host_is_reported_quickly() -> None:
    creds = Credentials("http://127.0.0.1:9", "a", Secret("b"))
    policy = RetryPolicy(backoff_base=0.01, backoff_max=0.05, network_budget=1.0)
    started = time.monotonic()
    with GongClient(creds, rate=0, retry=policy) as client, pytest.raises(UnreachableError):
        list(client.users())
    assert time.monotonic() - started < 10


def test_other_404_is_an_error() -> None:
    def handler(request: httpx.Request) -> httpx.Response:
        return httpx.Response(404, json={"requestId": "x", "errors": ["Route not found"]})

    creds = Credentials("https://example.invalid", "a", Secret("b"))
    with GongClient(creds, rate=0, transport=httpx.MockTransport(handler)) as client:
        with pytest.raises(GongAPIError) as info:
            list(client.users())
    assert "404" in str(info.value)


def test_post_cursor_goes_in_the_body_not_the_query() -> None:
    seen: list[httpx.Request] = []

    def handler(request: httpx.Request) -> httpx.Response:
        seen.append(request)
        cursor = None if len(seen) > 1 else "next-page"
        records = {"totalRecords": 2, "currentPageSize": 1, "currentPageNumber": len(seen) - 1}
        if cursor:
            records["cursor"] = cursor
        return httpx.Response(200, json={"requestId": "r", "records": records, "calls": []})

    creds = Credentials("https://example.invalid", "a", Secret("b"))
    with GongClient(creds, rate=0, transport=httpx.MockTransport(handler)) as client:
        list(client.calls(datetime.now(UTC) - timedelta(days=1)))
    assert len(seen) == 2
    assert "cursor" not in seen[1].url.params
    assert b'"cursor":"next-page"' in seen[1].content.replace(b" ", b"")


def test_repeated_cursor_stops_instead_of_looping() -> None:
    def handler(request: httpx.Request) -> httpx.Response:
        records = {
            "totalRecords": 9,
            "currentPageSize": 1,
            "currentPageNumber": 0,
            "cursor": "same",
        }
        return httpx.Response(200, json={"requestId": "r", "records": records, "users": []})

    creds = Credentials("https://example.invalid", "a", Secret("b"))
    with GongClient(creds, rate=0, transport=httpx.MockTransport(handler)) as client:
        with pytest.raises(GongAPIError, match="same cursor twice"):
            list(client.users())


def test_check_command_reports_auth_users_and_recent_calls(shared_sim) -> None:
    result = cli("check", env=sim_env(shared_sim))
    assert result.exit_code == 0, result.stderr
    assert f"base URL: {shared_sim.base_url}" in result.stdout
    assert "authentication: ok" in result.stdout
    assert "users: " in result.stdout and "calls in the last 30 days: " in result.stdout
