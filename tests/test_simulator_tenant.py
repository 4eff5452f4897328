"""The simulated tenant's call facts, users, auth and determinism, over HTTP."""

from __future__ import annotations

import signal
import subprocess
import sys
from collections.abc import Iterator
from datetime import UTC, datetime, timedelta

import httpx
import pytest

from gong_search.simulator.language import COMPETITORS
from gong_search.simulator.translations import LANGUAGES, PHRASES

from .simhttp import EVERYTHING, EXTENSIVE, calls, pages, simulators, transcripts


@pytest.fixture
def start() -> Iterator:
    yield from simulators()


# ---- call facts: purpose, custom data, languages, conference links, workspaces ---------------


def test_metadata_has_purpose_custom_data_and_each_systems_meeting_link(start) -> None:
    metas = [c["metaData"] for c in calls(start(calls=250, call_length=(3, 6)), {})]
    assert any("purpose" in m for m in metas) and any("customData" in m for m in metas)
    assert all(isinstance(m.get("purpose", ""), str) for m in metas)
    hosts = {"Zoom": "https://zoom.us/j/", "Microsoft Teams": "https://teams.microsoft.com/"}
    hosts["Google Meet"] = "https://meet.google.com/"
    for system, prefix in hosts.items():
        links = [m["meetingUrl"] for m in metas if m["system"] == system]
        assert links and all(link.startswith(prefix) for link in links), system
    assert all("meetingUrl" not in m for m in metas if m["direction"] != "Conference")


def test_some_calls_are_held_and_transcribed_in_another_language(start) -> None:
    http = start(calls=250, call_length=(5, 12))
    metas = {c["metaData"]["id"]: c["metaData"] for c in calls(http, {})}
    said = transcripts(http)
    languages = {m["language"] for m in metas.values()}
    assert "eng" in languages and languages - {"eng"} and languages <= {"eng", *LANGUAGES}
    for call_id, meta in metas.items():
        if meta["language"] == "eng":
            continue
        known = {
            phrase.format(competitor=name)
            for pool in PHRASES[meta["language"]].values()
            for phrase in pool
            for name in COMPETITORS
        }
        texts = [s["text"] for m in said[call_id] for s in m["sentences"]]
        assert texts and set(texts) <= known


def test_calls_spread_over_two_workspaces_and_every_listing_filters_by_one(start) -> None:
    http = start(calls=120, call_length=(3, 5))
    workspaces = [w["id"] for w in http.get("/v2/workspaces").json()["workspaces"]]
    metas = [c["metaData"] for c in calls(http, {})]
    assert {m["workspaceId"] for m in metas} == set(workspaces)
    for workspace in workspaces:
        expected = [m["id"] for m in metas if m["workspaceId"] == workspace]
        flt = {"workspaceId": workspace}
        assert [c["metaData"]["id"] for c in calls(http, {}, flt)] == expected
        listed = pages(http, "/v2/calls/transcript", {"filter": flt})
        assert [t["callId"] for p in listed for t in p["callTranscripts"]] == expected
        first = http.get("/v2/calls", params=flt).json()
        assert first["records"]["totalRecords"] == len(expected)
        assert {c["workspaceId"] for c in first["calls"]} == {workspace}


# ---- users, auth, determinism ---------------------------------------------------------------


def test_users_come_in_pages_with_a_cursor(start) -> None:
    http = start(calls=5)
    found = [http.get("/v2/users").json()]
    while cursor := found[-1]["records"].get("cursor"):
        found.append(http.get("/v2/users", params={"cursor": cursor}).json())
    users = [u for page in found for u in page["users"]]
    assert len(found) >= 2 and all(len(p["users"]) <= 10 for p in found)
    assert found[0]["records"]["totalRecords"] == len(users) == len({u["id"] for u in users})


def test_bearer_token_is_accepted_only_when_configured_and_exact(start) -> None:
    with_token = start(calls=5, bearer_token="tok-123")
    base = str(with_token.base_url)
    good = httpx.get(f"{base}/v2/users", headers={"Authorization": "Bearer tok-123"})
    assert good.status_code == 200 and good.json()["users"]
    for header in ({}, {"Authorization": "Bearer tok-124"}, {"Authorization": "Bearer"}):
        refused = httpx.get(f"{base}/v2/users", headers=header)
        assert refused.status_code == 401 and "tok-12" not in refused.text
    assert with_token.get("/v2/users").status_code == 200  # Basic still works
    without = start(calls=5)
    refused = httpx.get(f"{without.base_url}/v2/users", headers={"Authorization": "Bearer x"})
    assert refused.status_code == 401


def test_simulate_command_accepts_a_bearer_token() -> None:
    command = [sys.executable, "-m", "gong_search", "simulate", "--calls", "3"]
    process = subprocess.Popen(
        [*command, "--call-length", "2:3", "--bearer-token", "cli-token"],
        stdout=subprocess.PIPE,
        text=True,
    )
    try:
        assert process.stdout is not None
        url = process.stdout.readline().strip().partition("=")[2]
        headers = {"Authorization": "Bearer cli-token"}
        assert httpx.get(f"{url}/v2/workspaces", headers=headers).status_code == 200
        wrong = httpx.get(f"{url}/v2/workspaces", headers={"Authorization": "Bearer nope"})
        assert wrong.status_code == 401
    finally:
        process.send_signal(signal.SIGINT)
        process.wait(timeout=10)


def snapshot(http: httpx.Client) -> list:
    """Everything a client can read, minus the per-request ids."""
    bodies = [
        *pages(http, EXTENSIVE, {"filter": {}, "contentSelector": EVERYTHING}),
        *pages(http, "/v2/calls/transcript", {"filter": {}}),
        http.get("/v2/users").json(),
        http.get("/v2/settings/trackers").json(),
        http.get("/v2/calls").json(),
    ]
    return [{k: v for k, v in body.items() if k not in ("requestId", "records")} for body in bodies]


def test_same_seed_gives_identical_responses_without_an_anchor(start) -> None:
    fixed = {"calls": 40, "seed": 3, "anchor": None}
    first, again, other = start(**fixed), start(**fixed), start(**{**fixed, "seed": 4})
    assert snapshot(first) == snapshot(again)
    assert snapshot(first) != snapshot(other)
    midnight = datetime.now(UTC).replace(hour=0, minute=0, second=0, microsecond=0)
    latest = max(datetime.fromisoformat(c["metaData"]["started"]) for c in calls(first, {}))
    assert midnight - timedelta(days=2) < latest < midnight
