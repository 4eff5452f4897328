"""The Gong simulator over real sockets: paging, filters, errors, quotas, faults, lag, data."""

from __future__ import annotations

import json
import signal
import subprocess
import sys
import time
from collections.abc import Iterator
from datetime import UTC, datetime, timedelta
from pathlib import Path

import httpx
import pytest

from gong_search.simulator import (
    INTENTS,
    RecordedTenant,
    Simulator,
    SimulatorConfig,
    SyntheticTenant,
    dump_tenant,
)
from gong_search.simulator.language import INTENT_TOPICS, NEXT_STEPS_TOPIC

from .openapi_fidelity import OPENAPI, assert_matches

ANCHOR = datetime(2026, 3, 1, 12, tzinfo=UTC)
SMALL = {"calls": 30, "call_length": (5, 20), "rate": 0.0, "anchor": ANCHOR}
NO_CALLS = "No calls found corresponding to the provided filters"
EXTENSIVE = "/v2/calls/extensive"
TRANSCRIPT = "/v2/calls/transcript"
INTENT_TOPIC_NAMES = {*INTENT_TOPICS.values(), NEXT_STEPS_TOPIC}
ALL_FIELDS = {"parties": True, "content": {"topics": True}}


@pytest.fixture
def start() -> Iterator:
    """Starts simulators with small defaults and stops them all after the test."""
    running: list[Simulator] = []

    def _start(**overrides) -> Simulator:
        simulator = Simulator(SimulatorConfig(**{**SMALL, **overrides})).start()
        running.append(simulator)
        return simulator

    yield _start
    for simulator in running:
        simulator.stop()


def client(simulator: Simulator, auth: tuple[str, str] | None = ("demo", "demo")) -> httpx.Client:
    return httpx.Client(base_url=simulator.base_url, auth=auth, timeout=10)


def post_pages(http: httpx.Client, path: str, body: dict) -> list[dict]:
    """Follows body cursors to the end, returning every page's JSON."""
    pages = [http.post(path, json=body).json()]
    while cursor := pages[-1]["records"].get("cursor"):
        pages.append(http.post(path, json={**body, "cursor": cursor}).json())
    return pages


def all_calls(http: httpx.Client, flt: dict | None = None) -> list[dict]:
    body = {"filter": flt or {}, "contentSelector": {"exposedFields": ALL_FIELDS}}
    return [call for page in post_pages(http, EXTENSIVE, body) for call in page["calls"]]


def started(call: dict) -> datetime:
    return datetime.fromisoformat(call["metaData"]["started"])


# ---- auth, paging, filters -----------------------------------------------------------


def test_missing_or_wrong_credentials_get_401_error_body(start) -> None:
    simulator = start()
    for auth in (None, ("demo", "wrong")):
        response = client(simulator, auth).post(EXTENSIVE, json={"filter": {}})
        assert response.status_code == 401
        assert set(response.json()) == {"requestId", "errors"}
        assert isinstance(response.json()["errors"][0], str)


def test_users_page_by_query_cursor_and_get_by_id(start, tmp_path: Path) -> None:
    users = [{"id": str(10**18 + k), "emailAddress": f"u{k}@x.com"} for k in range(250)]
    write_tenant(tmp_path, users=users)
    http = client(start(tenant_dir=tmp_path, users_page_size=100))
    sizes, seen, cursor = [], [], None
    while True:
        page = http.get("/v2/users", params={"cursor": cursor} if cursor else {}).json()
        sizes.append(page["records"]["currentPageSize"])
        seen += [u["id"] for u in page["users"]]
        if (cursor := page["records"].get("cursor")) is None:
            break
    assert sizes == [100, 100, 50] and seen == [u["id"] for u in users]
    assert http.get(f"/v2/users/{users[7]['id']}").json()["user"] == users[7]
    missing = http.get("/v2/users/42")
    assert missing.status_code == 404 and missing.json()["errors"] == ["User not found"]


def get_users(http: httpx.Client) -> list[dict]:
    """Every /v2/users page, following the query cursor."""
    pages = [http.get("/v2/users", params={"includeAvatars": "true"}).json()]
    while cursor := pages[-1]["records"].get("cursor"):
        pages.append(http.get("/v2/users", params={"cursor": cursor}).json())
    return pages


def test_synthetic_users_take_several_pages_with_internal_emails(start) -> None:
    pages = get_users(client(start()))
    users = [u for page in pages for u in page["users"]]
    assert len(pages) >= 2 and [p["records"]["currentPageNumber"] for p in pages] == list(
        range(len(pages))
    )
    assert {p["records"]["totalRecords"] for p in pages} == {len(users)} and len(users) >= 20
    assert len({u["id"] for u in users}) == len(users)
    assert all(u["emailAddress"].endswith("@northwind-cloud.com") for u in users)


def test_extensive_pages_100_100_50_oldest_first_cursor_absent_on_last(start) -> None:
    http = client(start(calls=250, call_length=(2, 3)))
    pages = post_pages(http, EXTENSIVE, {"filter": {}})
    records = [p["records"] for p in pages]
    assert [r["currentPageSize"] for r in records] == [100, 100, 50]
    assert {r["totalRecords"] for r in records} == {250}
    assert ["cursor" in r for r in records] == [True, True, False]
    calls = [c for p in pages for c in p["calls"]]
    assert len({c["metaData"]["id"] for c in calls}) == 250
    assert [started(c) for c in calls] == sorted(started(c) for c in calls)
    assert all("parties" not in c for c in calls)  # not asked for in contentSelector


def test_cursor_in_query_string_of_a_post_is_ignored(start) -> None:
    http = client(start(calls=150))
    first = http.post(EXTENSIVE, json={"filter": {}}).json()
    again = http.post(
        EXTENSIVE, params={"cursor": first["records"]["cursor"]}, json={"filter": {}}
    ).json()
    assert [c["metaData"]["id"] for c in again["calls"]] == [
        c["metaData"]["id"] for c in first["calls"]
    ]


def test_cursor_is_opaque_and_forgeries_are_rejected(start) -> None:
    http = client(start(calls=150))
    cursor = http.post(EXTENSIVE, json={"filter": {}}).json()["records"]["cursor"]
    assert cursor not in ("1", "100") and len(cursor) > 40
    forged = cursor[:-4] + ("AAAA" if not cursor.endswith("AAAA") else "BBBB")
    response = http.post(EXTENSIVE, json={"filter": {}, "cursor": forged})
    assert response.status_code == 400
    elsewhere = http.post(TRANSCRIPT, json={"filter": {}, "cursor": cursor})
    assert elsewhere.status_code == 400


def test_window_is_from_inclusive_to_exclusive_on_start_time(start) -> None:
    http = client(start())
    calls = all_calls(http)
    pivot = started(calls[10])
    in_other_offset = pivot.astimezone(UTC).isoformat()
    after = http.post(EXTENSIVE, json={"filter": {"fromDateTime": in_other_offset}}).json()
    before = post_pages(http, EXTENSIVE, {"filter": {"toDateTime": in_other_offset}})
    assert after["calls"][0]["metaData"]["id"] == calls[10]["metaData"]["id"]
    assert after["records"]["totalRecords"] == 20
    assert [c["metaData"]["id"] for p in before for c in p["calls"]] == [
        c["metaData"]["id"] for c in calls[:10]
    ]


def test_call_ids_and_primary_user_filters(start) -> None:
    http = client(start())
    calls = all_calls(http)
    wanted = [calls[i]["metaData"]["id"] for i in (20, 3, 11)]
    got = http.post(EXTENSIVE, json={"filter": {"callIds": wanted}}).json()["calls"]
    assert [c["metaData"]["id"] for c in got] == [calls[i]["metaData"]["id"] for i in (3, 11, 20)]
    host = calls[0]["metaData"]["primaryUserId"]
    hosted = all_calls(http, {"primaryUserIds": [host]})
    assert hosted and {c["metaData"]["primaryUserId"] for c in hosted} == {host}


def test_transcript_filter_intersects_dates_and_call_ids(start) -> None:
    http = client(start())
    calls = all_calls(http)
    ids = [c["metaData"]["id"] for c in calls]
    flt = {
        "callIds": [ids[2], ids[15], ids[25]],
        "fromDateTime": calls[10]["metaData"]["started"],
        "toDateTime": calls[20]["metaData"]["started"],
    }
    page = http.post(TRANSCRIPT, json={"filter": flt}).json()
    assert [t["callId"] for t in page["callTranscripts"]] == [ids[15]]
    assert page["records"] == {"totalRecords": 1, "currentPageSize": 1, "currentPageNumber": 0}


def test_empty_result_is_404_with_gongs_exact_text(start, tmp_path: Path) -> None:
    http = client(start())
    window = {"fromDateTime": "2001-01-01T00:00:00Z", "toDateTime": "2001-02-01T00:00:00Z"}
    for path in (EXTENSIVE, TRANSCRIPT):
        response = http.post(path, json={"filter": window})
        assert response.status_code == 404
        assert response.json()["errors"] == [NO_CALLS] and response.json()["requestId"]
    write_tenant(tmp_path, users=[])
    empty = client(start(tenant_dir=tmp_path)).get("/v2/users")
    assert empty.status_code == 404
    assert empty.json()["errors"] == ["No users found corresponding to the provided filters"]


def test_malformed_requests_get_400(start) -> None:
    http = client(start())
    assert http.post(EXTENSIVE, json={}).status_code == 400  # filter is required
    assert http.post(EXTENSIVE, content=b"{nope").status_code == 400
    bad_date = http.post(TRANSCRIPT, json={"filter": {"fromDateTime": "yesterday"}})
    assert bad_date.status_code == 400


def test_get_call_by_id(start) -> None:
    http = client(start())
    call = all_calls(http)[4]
    body = http.get(f"/v2/calls/{call['metaData']['id']}").json()
    assert body["call"] == call["metaData"]
    missing = http.get("/v2/calls/1234567890123456789")
    assert missing.status_code == 404 and missing.json()["errors"] == ["Call ID was not found"]


def test_get_calls_lists_metadata_with_dates_and_query_cursor(start) -> None:
    http = client(start(calls=150))
    window = {"fromDateTime": "2020-01-01T00:00:00Z", "toDateTime": ANCHOR.isoformat()}
    first = http.get("/v2/calls", params=window).json()
    rest = http.get("/v2/calls", params={**window, "cursor": first["records"]["cursor"]}).json()
    assert len(first["calls"]) == 100 and len(rest["calls"]) == 50
    assert "cursor" not in rest["records"] and "id" in rest["calls"][0]
    assert http.post("/v2/calls", json={"filter": {}}).status_code == 400  # that uploads a call
    assert http.get(EXTENSIVE).status_code == 405


def test_get_calls_without_dates_spans_earliest_to_most_recent_call(start) -> None:
    simulator = start(calls=150)
    http = client(simulator)
    everything = [
        c["metaData"]["id"] for p in post_pages(http, EXTENSIVE, {"filter": {}}) for c in p["calls"]
    ]
    first = http.get("/v2/calls")
    assert first.status_code == 200 and first.json()["records"]["totalRecords"] == 150
    rest = http.get("/v2/calls", params={"cursor": first.json()["records"]["cursor"]}).json()
    assert [c["id"] for c in first.json()["calls"] + rest["calls"]] == everything
    metas = first.json()["calls"] + rest["calls"]
    bound = listed_at(metas[75])
    tail = post_free_pages(http, {"fromDateTime": bound.isoformat()})
    head = post_free_pages(http, {"toDateTime": bound.isoformat()})
    assert tail == [m["id"] for m in metas if listed_at(m) >= bound]
    assert head == [m["id"] for m in metas if listed_at(m) < bound]
    assert tail and head and sorted(tail + head) == sorted(everything)


def listed_at(meta: dict) -> datetime:
    """What GET /v2/calls compares: a web conference's scheduled time, else its start."""
    return datetime.fromisoformat(
        meta["scheduled" if meta["direction"] == "Conference" else "started"]
    )


def post_free_pages(http: httpx.Client, params: dict) -> list[str]:
    """Every call id GET /v2/calls lists for ``params``, following query cursors."""
    ids, cursor = [], None
    while True:
        page = http.get("/v2/calls", params={**params, **({"cursor": cursor} if cursor else {})})
        ids += [c["id"] for c in page.json()["calls"]]
        if (cursor := page.json()["records"].get("cursor")) is None:
            return ids


def test_get_calls_compares_scheduled_time_of_web_conferences(start) -> None:
    http = client(start(calls=80))
    metas = [c["metaData"] for c in all_calls(http)]
    meeting = next(
        m for m in metas if m["direction"] == "Conference" and m["scheduled"] < m["started"]
    )
    phone = next(m for m in metas if m["direction"] != "Conference")
    for meta in (meeting, phone):
        at = datetime.fromisoformat(meta["scheduled" if meta is meeting else "started"])
        just_after = {"fromDateTime": (at + timedelta(seconds=1)).isoformat()}
        assert meta["id"] in post_free_pages(http, {"fromDateTime": at.isoformat()})
        assert meta["id"] not in post_free_pages(http, just_after)
    extensive = all_calls(http, {"fromDateTime": meeting["started"]})
    assert meeting["id"] in {c["metaData"]["id"] for c in extensive}  # /extensive: the start


def test_workspaces_are_two_and_deterministic(start) -> None:
    first, second = client(start()), client(start(seed=5))
    body = first.get("/v2/workspaces").json()
    assert len(body["workspaces"]) >= 2 and body["requestId"]
    assert body["workspaces"] == second.get("/v2/workspaces").json()["workspaces"]
    call = post_pages(first, EXTENSIVE, {"filter": {}})[0]["calls"][0]["metaData"]
    assert call["workspaceId"] in {w["id"] for w in body["workspaces"]}
    assert client(start(), auth=None).get("/v2/workspaces").status_code == 401


def test_trackers_use_phrases_the_calls_really_say(start) -> None:
    simulator = start(calls=60, call_length=(20, 40))
    http = client(simulator)
    trackers = http.get("/v2/settings/trackers").json()["keywordTrackers"]
    keyword = [t for t in trackers if t["languageKeywords"]]
    assert len(keyword) >= 3 and len(trackers) > len(keyword)  # and some smart trackers
    text = " ".join(
        s["text"].lower()
        for page in post_pages(http, TRANSCRIPT, {"filter": {}})
        for entry in page["callTranscripts"]
        for m in entry["transcript"]
        for s in m["sentences"]
    )
    for tracker in keyword:
        words = [w for lk in tracker["languageKeywords"] for w in lk["keywords"]]
        assert any(w.lower() in text for w in words), tracker["trackerName"]
    for workspace in {t["workspaceId"] for t in trackers}:
        params = {"workspaceId": workspace}
        answer = http.get("/v2/settings/trackers", params=params).json()["keywordTrackers"]
        assert answer == [t for t in trackers if t["workspaceId"] == workspace]
    other = http.get("/v2/settings/trackers", params={"workspaceId": "1"}).json()
    assert other["keywordTrackers"] == []


def test_scorecards_and_answered_scorecards_in_a_window(start) -> None:
    http = client(start(calls=120))
    cards = http.get("/v2/settings/scorecards").json()["scorecards"]
    assert cards and cards[0]["questions"]
    window = {"callFromDate": "2020-01-01T00:00:00Z", "callToDate": ANCHOR.isoformat()}
    pages = post_pages(http, "/v2/stats/activity/scorecards", {"filter": window})
    answered = [a for p in pages for a in p["answeredScorecards"]]
    assert answered and {a["scorecardId"] for a in answered} == {cards[0]["scorecardId"]}
    assert len(answered) == pages[0]["records"]["totalRecords"]
    empty = http.post(
        "/v2/stats/activity/scorecards", json={"filter": {"callToDate": "2020-01-01"}}
    )
    assert empty.status_code == 404
    assert http.post("/v2/stats/activity/scorecards", json={}).status_code == 400


def test_users_extensive_filters_by_id_and_creation_date(start) -> None:
    http = client(start())
    assert http.get("/v2/users/extensive").status_code == 405
    users = [u for page in get_users(http) for u in page["users"]]
    every = post_pages(http, "/v2/users/extensive", {"filter": {}})
    assert [u for page in every for u in page["users"]] == users and len(every) >= 2
    two = [users[1]["id"], users[4]["id"]]
    picked = http.post("/v2/users/extensive", json={"filter": {"userIds": two}}).json()
    assert [u["id"] for u in picked["users"]] == two
    later = users[10]["created"]
    recent = post_pages(http, "/v2/users/extensive", {"filter": {"createdFromDateTime": later}})
    assert [u["id"] for p in recent for u in p["users"]] == [u["id"] for u in users[10:]]
    assert http.post("/v2/users/extensive", json={}).status_code == 400


def test_monologue_topic_is_always_a_string_and_deterministic(start) -> None:
    first, again = client(start(calls=40)), client(start(calls=40))
    added = start()
    call_id = added.add_call(ANCHOR - timedelta(days=1), [(0, "Hello there."), (1, "Hi.")])

    def topics(http: httpx.Client, body: dict) -> list:
        pages = post_pages(http, TRANSCRIPT, body)
        return [m["topic"] for p in pages for e in p["callTranscripts"] for m in e["transcript"]]

    generated = topics(first, {"filter": {}})
    assert generated == topics(again, {"filter": {}})
    assert all(isinstance(t, str) for t in generated)
    assert "" in generated and {t for t in generated if t} <= {*INTENT_TOPIC_NAMES}
    assert topics(client(added), {"filter": {"callIds": [call_id]}}) == ["", ""]


# ---- quotas, failures, cursors ----------------------------------------------------------


def test_rate_limit_answers_429_with_integer_retry_after(start) -> None:
    http = client(start(rate=3.0))
    responses = [http.get("/v2/users") for _ in range(10)]
    limited = [r for r in responses if r.status_code == 429]
    assert limited and responses[0].status_code == 200
    assert all(
        r.headers["Retry-After"].isdigit() and int(r.headers["Retry-After"]) >= 1 for r in limited
    )
    assert set(limited[0].json()) == {"requestId", "errors"}


def test_daily_limit_and_retry_after_override(start) -> None:
    http = client(start(daily_limit=2))
    statuses = [http.get("/v2/users").status_code for _ in range(3)]
    assert statuses == [200, 200, 429]
    wait = int(http.get("/v2/users").headers["Retry-After"])
    assert 0 < wait <= 86400
    overridden = client(start(rate=1.0, retry_after=7200))
    assert [overridden.get("/v2/users").status_code for _ in range(2)] == [200, 429]
    assert overridden.get("/v2/users").headers["Retry-After"] == "7200"


def test_fail_rate_answers_some_requests_with_500(start) -> None:
    http = client(start(fail_rate=0.5))
    responses = [http.get("/v2/users") for _ in range(40)]
    failed = [r for r in responses if r.status_code == 500]
    assert 5 < len(failed) < 35
    assert {r.status_code for r in responses} == {200, 500}
    assert failed[0].json()["errors"] == [
        "Failed to complete the operation due to an unexpected error"
    ]


def test_cursor_ttl_expires_old_cursors_with_400(start) -> None:
    http = client(start(calls=150, cursor_ttl=0.2))
    cursor = http.post(EXTENSIVE, json={"filter": {}}).json()["records"]["cursor"]
    time.sleep(0.3)
    response = http.post(EXTENSIVE, json={"filter": {}, "cursor": cursor})
    assert response.status_code == 400
    message = response.json()["errors"][0].lower()
    assert "cursor" in message and "expired" in message


# ---- fault injection --------------------------------------------------------------------


def test_inject_status_faults_then_recover(start) -> None:
    simulator = start()
    http = client(simulator)
    simulator.inject("500")
    simulator.inject("502")
    simulator.inject("503")
    simulator.inject("429", retry_after=42)
    simulator.inject("expired_cursor")
    responses = [http.get("/v2/users") for _ in range(6)]
    assert [r.status_code for r in responses] == [500, 502, 503, 429, 400, 200]
    assert responses[0].json()["errors"] == [
        "Failed to complete the operation due to an unexpected error"
    ]
    assert responses[3].headers["Retry-After"] == "42"
    assert "expired" in responses[4].json()["errors"][0]
    assert [s for _m, _p, s in simulator.request_log] == [500, 502, 503, 429, 400, 200]
    assert simulator.request_count == 6


def test_inject_broken_bodies(start) -> None:
    simulator = start()
    http = client(simulator)
    simulator.inject("truncated", path=EXTENSIVE)
    simulator.inject("invalid_json", path=EXTENSIVE)
    simulator.inject("empty200", path=EXTENSIVE)
    assert http.get("/v2/users").status_code == 200  # other paths are not affected
    for _ in range(3):
        response = http.post(EXTENSIVE, json={"filter": {}})
        assert response.status_code == 200
        with pytest.raises(json.JSONDecodeError):
            json.loads(response.content)
    assert http.post(EXTENSIVE, json={"filter": {}}).json()["calls"]


def test_inject_reset_and_slow(start) -> None:
    simulator = start()
    http = client(simulator)
    simulator.inject("reset", times=2)
    for _ in range(2):
        with pytest.raises(httpx.TransportError):
            http.get("/v2/users")
    simulator.inject("slow", seconds=0.4)
    began = time.monotonic()
    assert http.get("/v2/users").status_code == 200
    assert time.monotonic() - began >= 0.4
    assert [s for _m, _p, s in simulator.request_log] == [0, 0, 200]
    with pytest.raises(ValueError):
        simulator.inject("teapot")


# ---- processing lag ---------------------------------------------------------------------


def test_late_calls_appear_after_late_requests_more_extensive_requests(start) -> None:
    http = client(start(late_fraction=0.5, late_requests=2))
    totals = [
        http.post(EXTENSIVE, json={"filter": {}}).json()["records"]["totalRecords"]
        for _ in range(3)
    ]
    assert totals[0] == totals[1] < 30 and totals[2] == 30
    assert 5 <= 30 - totals[0] <= 25


def test_late_call_clock_starts_at_first_matching_listing(start) -> None:
    http = client(start(late_fraction=1.0, late_requests=1))
    assert http.post(TRANSCRIPT, json={"filter": {}}).status_code == 404  # starts the clocks
    assert http.post(EXTENSIVE, json={"filter": {}}).status_code == 200


def test_transcript_delay_returns_empty_transcripts_until_ready(start) -> None:
    http = client(start(transcript_delay=2))

    def sentence_counts() -> list[int]:
        page = http.post(TRANSCRIPT, json={"filter": {}}).json()
        return [sum(len(m["sentences"]) for m in t["transcript"]) for t in page["callTranscripts"]]

    assert sentence_counts() == [0] * 30
    assert sentence_counts() == [0] * 30
    assert sum(1 for n in sentence_counts() if n > 0) >= 25


# ---- in-process data edits ----------------------------------------------------------------


def test_add_call_then_edit_transcript_privacy_and_delete(start) -> None:
    simulator = start()
    http = client(simulator)
    when = ANCHOR - timedelta(days=30, microseconds=1)
    call_id = simulator.add_call(
        when, [(0, "Hello there."), (1, "Your quote is steep.")], title="Pricing chat"
    )
    window = {
        "fromDateTime": (when - timedelta(seconds=1)).isoformat(),
        "toDateTime": (when + timedelta(seconds=1)).isoformat(),
    }
    [call] = all_calls(http, window)
    assert call["metaData"]["id"] == call_id and call["metaData"]["title"] == "Pricing chat"
    assert started(call) == when
    speakers = {p["speakerId"]: p for p in call["parties"] if "speakerId" in p}
    [transcript] = http.post(TRANSCRIPT, json={"filter": {"callIds": [call_id]}}).json()[
        "callTranscripts"
    ]
    assert [s["text"] for m in transcript["transcript"] for s in m["sentences"]] == [
        "Hello there.",
        "Your quote is steep.",
    ]
    assert all(m["speakerId"] in speakers for m in transcript["transcript"])
    assert all_calls(http)[-1]["metaData"]["id"] != call_id  # merged in start order

    replacement = [
        {
            "speakerId": "1",
            "topic": None,
            "sentences": [{"start": 0, "end": 900, "text": "Replaced."}],
        }
    ]
    simulator.set_transcript(call_id, replacement)
    simulator.set_private(call_id, True)
    body = http.post(TRANSCRIPT, json={"filter": {"callIds": [call_id]}}).json()
    assert body["callTranscripts"][0]["transcript"] == replacement
    assert http.get(f"/v2/calls/{call_id}").json()["call"]["isPrivate"] is True

    simulator.delete_call(call_id)
    assert http.get(f"/v2/calls/{call_id}").status_code == 404
    assert http.post(EXTENSIVE, json={"filter": window}).status_code == 404
    with pytest.raises(KeyError):
        simulator.set_private(call_id, False)


def test_delete_tenant_call_and_add_generated_call(start) -> None:
    simulator = start()
    http = client(simulator)
    victim = all_calls(http)[5]["metaData"]["id"]
    simulator.delete_call(victim)
    extra = simulator.add_call(ANCHOR - timedelta(hours=1))
    ids = [c["metaData"]["id"] for c in all_calls(http)]
    assert victim not in ids and ids[-1] == extra and len(ids) == 30
    page = http.post(TRANSCRIPT, json={"filter": {"callIds": [extra]}}).json()
    assert page["callTranscripts"][0]["transcript"]


def test_serve_prints_base_url_first_and_stops_on_ctrl_c() -> None:
    code = (
        "from gong_search.simulator import SimulatorConfig, serve; "
        "serve(SimulatorConfig(calls=5, call_length=(5, 6)))"
    )
    process = subprocess.Popen(
        [sys.executable, "-c", code],
        stdout=subprocess.PIPE,
        text=True,
        preexec_fn=lambda: signal.signal(signal.SIGINT, signal.SIG_DFL),  # a background
    )  # shell (nohup ... &) starts us with SIGINT ignored, and children would inherit it
    try:
        assert process.stdout is not None
        key, _, url = process.stdout.readline().strip().partition("=")
        assert key == "GONG_BASE_URL" and url.startswith("http://127.0.0.1:")
        assert httpx.get(f"{url}/v2/users", auth=("demo", "demo")).status_code == 200
        process.send_signal(signal.SIGINT)
        assert process.wait(timeout=10) == 0
    finally:
        process.kill()


# ---- the synthetic tenant ------------------------------------------------------------------


def test_tenant_is_deterministic_per_seed() -> None:
    def snapshot(seed: int) -> str:
        tenant = SyntheticTenant(calls=20, seed=seed, anchor=ANCHOR, call_length=(5, 30))
        ids = list(tenant.call_ids_between(None, None))
        records = [(tenant.call(i), tenant.transcript(i), tenant.labels(i)) for i in ids]
        return json.dumps([tenant.users(), records], sort_keys=True)

    assert snapshot(1) == snapshot(1)
    assert snapshot(1) != snapshot(2)


def test_tenant_is_lazy() -> None:
    began = time.perf_counter()
    tenant = SyntheticTenant(calls=100_000, anchor=ANCHOR)
    ids = tenant.call_ids_between(ANCHOR - timedelta(days=30), ANCHOR - timedelta(days=29))
    last = tenant.call(tenant.call_ids_between(None, None)[-1])
    assert time.perf_counter() - began < 1.0
    assert 1500 < len(ids) < 1800 and last is not None


def test_labels_align_with_sentences_and_paraphrase() -> None:
    tenant = SyntheticTenant(calls=40, anchor=ANCHOR, call_length=(20, 60))
    labelled: dict[str, list[str]] = {}
    for call_id in tenant.call_ids_between(None, None):
        texts = [
            s["text"] for m in tenant.transcript(call_id)["transcript"] for s in m["sentences"]
        ]
        labels = tenant.labels(call_id)
        assert len(labels) == len(texts)
        for text, label in zip(texts, labels, strict=True):
            if label is not None:
                labelled.setdefault(label, []).append(text)
    assert set(labelled) == set(INTENTS)
    assert any("price" not in t.lower() for t in labelled["pricing_pushback"])
    unlabelled = sum(
        label is None for c in tenant.call_ids_between(None, None) for label in tenant.labels(c)
    )
    assert unlabelled > sum(map(len, labelled.values()))  # small talk is the majority


def test_tenant_data_has_the_awkward_cases() -> None:
    tenant = SyntheticTenant(calls=250, anchor=ANCHOR, call_length=(5, 30))
    ids = list(tenant.call_ids_between(None, None))
    calls = [tenant.call(i) for i in ids]
    transcripts = [tenant.transcript(i)["transcript"] for i in ids]
    parties = [p for c in calls for p in c["parties"]]
    names = {p.get("name") for p in parties}
    assert {"José Núñez", "Zoë Müller", "Łukasz Żółć", "Søren Ærø"} & names
    assert any(
        p["affiliation"] == "Unknown" and "name" not in p and p["phoneNumber"] for p in parties
    )
    assert any("speakerId" not in p for p in parties)
    assert any(c["metaData"]["isPrivate"] for c in calls)
    assert any(t == [] for t in transcripts)
    assert any(
        {m["speakerId"] for m in t} - {p.get("speakerId") for p in c["parties"]}
        for c, t in zip(calls, transcripts, strict=True)
    )
    stamps = [c["metaData"]["started"] for c in calls]
    assert {s[-1] == "Z" for s in stamps} == {True, False}
    assert {s[-6:] for s in stamps if s[-1] != "Z"} >= {"-07:00", "+05:30", "+01:00"}
    assert any("." in s for s in stamps)
    assert all(len(i) == 19 and i.isdigit() for i in ids)
    assert calls[0]["metaData"]["url"] == f"https://us-40213.app.gong.io/call?id={ids[0]}"
    for call, monologues in zip(calls, transcripts, strict=True):
        times = [(s["start"], s["end"]) for m in monologues for s in m["sentences"]]
        bounds = [t for pair in times for t in pair]
        assert bounds == sorted(set(bounds))  # start < end < next start, strictly
        assert not times or call["metaData"]["duration"] * 1000 >= times[-1][1]
    assert any(
        "[inaudible]" in s["text"] or "[bold]" in s["text"]
        for t in transcripts
        for m in t
        for s in m["sentences"]
    )


# ---- recorded tenants ---------------------------------------------------------------------


def write_tenant(directory: Path, users: list[dict] | None = None) -> None:
    """A recorded tenant with the given users and no calls."""
    (directory / "users.json").write_text(json.dumps({"users": users or []}))
    (directory / "calls.json").write_text(json.dumps({"calls": []}))
    (directory / "transcripts.json").write_text(json.dumps({"callTranscripts": []}))


def test_recorded_tenant_round_trip_serves_the_same_json(start, tmp_path: Path) -> None:
    synthetic = start()
    dump_tenant(synthetic.tenant, tmp_path)
    recorded = start(tenant_dir=tmp_path)
    for path in (EXTENSIVE, TRANSCRIPT):
        body = {"filter": {}, "contentSelector": {"exposedFields": ALL_FIELDS}}
        a, b = (post_pages(client(s), path, body) for s in (synthetic, recorded))
        strip = [{k: v for k, v in page.items() if k not in ("requestId", "records")} for page in a]
        assert strip == [
            {k: v for k, v in p.items() if k not in ("requestId", "records")} for p in b
        ]
    recorded_users = [u for page in get_users(client(recorded)) for u in page["users"]]
    assert recorded_users == synthetic.tenant.users()


def test_recorded_tenant_reports_the_bad_file(tmp_path: Path) -> None:
    write_tenant(tmp_path)
    (tmp_path / "calls.json").write_text("{not json")
    with pytest.raises(ValueError, match="calls.json"):
        RecordedTenant(tmp_path)
    (tmp_path / "transcripts.json").unlink()
    (tmp_path / "calls.json").write_text('{"calls": []}')
    with pytest.raises(ValueError, match="transcripts.json"):
        RecordedTenant(tmp_path)


# ---- OpenAPI fidelity -----------------------------------------------------------------------


def test_responses_match_gongs_openapi_schemas(start) -> None:
    if not OPENAPI.exists():
        pytest.skip(f"{OPENAPI} not found")
    spec = json.loads(OPENAPI.read_text())
    schemas = spec["components"]["schemas"]
    simulator = start(calls=250)
    http = client(simulator)
    body = {"filter": {}, "contentSelector": {"exposedFields": ALL_FIELDS}}
    for page in post_pages(http, EXTENSIVE, body):
        assert_matches(page, schemas["Calls"], spec)
    for page in post_pages(http, TRANSCRIPT, {"filter": {}}):
        assert_matches(page, schemas["CallTranscripts"], spec)
    users = http.get("/v2/users").json()
    assert_matches(users, schemas["UsersMetadata"], spec)
    user_id = users["users"][3]["id"]
    assert_matches(http.get(f"/v2/users/{user_id}").json(), schemas["User"], spec)
    call_id = page["callTranscripts"][0]["callId"]
    assert_matches(http.get(f"/v2/calls/{call_id}").json(), schemas["SpecificCall"], spec)
    assert_matches(http.get("/v2/calls/1").json(), schemas["ErrorResponse"], spec)
    window = {"fromDateTime": "2020-01-01T00:00:00Z", "toDateTime": ANCHOR.isoformat()}
    assert_matches(http.get("/v2/calls", params=window).json(), schemas["CallsResponse"], spec)
    assert_matches(http.get("/v2/calls").json(), schemas["CallsResponse"], spec)
    assert_matches(http.get("/v2/workspaces").json(), schemas["WorkspacesMetadata"], spec)
    assert_matches(http.get("/v2/settings/trackers").json(), schemas["Trackers"], spec)
    assert_matches(http.get("/v2/settings/scorecards").json(), schemas["Scorecards"], spec)
    extensive_users = http.post("/v2/users/extensive", json={"filter": {}}).json()
    assert_matches(extensive_users, schemas["UsersMetadata"], spec)
    answered = http.post("/v2/stats/activity/scorecards", json={"filter": {}}).json()
    assert answered["answeredScorecards"]
    assert_matches(answered, schemas["AnsweredScorecards"], spec)
    dates = {"fromDate": "2020-01-01", "toDate": ANCHOR.date().isoformat()}
    activity = http.post("/v2/stats/activity/aggregate", json={"filter": dates}).json()
    schema = schemas["CompanyUsersAggregateActivityResponse"]
    assert activity["usersAggregateActivityStats"]
    assert_matches(activity, schema, spec)
