"""`gong-search activity`: Gong's aggregate activity (live) beside the index's talk.

Gong's side is checked against the simulator's own tenant object and its other endpoints,
the index's side against the catalog read directly with SQL and JSON, both through the
simulator over HTTP and the real CLI.
"""

from __future__ import annotations

import json
import sqlite3
from collections import Counter, defaultdict
from collections.abc import Iterator
from datetime import UTC, date, datetime, timedelta
from pathlib import Path
from zoneinfo import ZoneInfo

import httpx
import pytest
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from gong_search.gong.records import ACTIVITY_COUNTERS, parse_activity_window, parse_user_activity
from gong_search.simulator import Simulator, SyntheticTenant, dump_tenant
from gong_search.simulator import activity as simulated
from gong_search.talk import talk_stats

from .conftest import cli, make_simulator, sim_env

AGGREGATE = "/v2/stats/activity/aggregate"
COMPANY = ZoneInfo(simulated.COMPANY_TIME_ZONE)
PAST = datetime(2026, 3, 1, 12, tzinfo=UTC)  # a tenant whose calls are all in the past
OPENAPI = Path(__file__).resolve().parents[1].parent / "shared" / "gong-openapi.json"


def midnight(day: date) -> datetime:
    return datetime(day.year, day.month, day.day, tzinfo=COMPANY)


def post_pages(http: httpx.Client, path: str, body: dict) -> list[dict]:
    pages = [http.post(path, json=body).json()]
    while cursor := pages[-1]["records"].get("cursor"):
        pages.append(http.post(path, json={**body, "cursor": cursor}).json())
    return pages


def aggregate(http: httpx.Client, low: str, high: str, **extra) -> dict[str, dict[str, int]]:
    body = {"filter": {"fromDate": low, "toDate": high, **extra}}
    return {
        item["userId"]: item["userAggregateActivityStats"]
        for page in post_pages(http, AGGREGATE, body)
        for item in page["usersAggregateActivityStats"]
    }


def hosted_and_attended(tenant, low: datetime, high: datetime) -> tuple[Counter, Counter]:
    """From the tenant object: calls each user hosted, and took part in without hosting."""
    hosted, attended = Counter(), Counter()
    for call_id in tenant.call_ids_between(low, high):
        record = tenant.call(call_id)
        host = record["metaData"]["primaryUserId"]
        hosted[host] += 1
        attended.update({p.get("userId") for p in record["parties"]} - {None, "", host})
    return hosted, attended


def index_truth(
    index_dir: Path, low: datetime, high: datetime, emails: dict[str, str] | None = None
) -> dict:
    """Per Gong user id (a party's userId, else the user whose email it has): calls
    spoken on, sentences, talk ms; and the window's totals, from the catalog's raw JSON
    (not through gong_search's parser or joiner)."""
    db = sqlite3.connect(index_dir / "catalog.sqlite3")
    rows = db.execute(
        "SELECT c.raw, t.raw FROM calls c LEFT JOIN transcripts t ON t.call_id = c.id "
        "WHERE c.started >= ? AND c.started < ?",
        (int(low.timestamp()), int(high.timestamp())),
    ).fetchall()
    users: dict = defaultdict(lambda: {"calls": set(), "sentences": 0, "ms": 0})
    totals = Counter(calls=len(rows))
    for call_raw, transcript_raw in rows:
        call = json.loads(call_raw)
        parties = {p["speakerId"]: p for p in call["parties"] if p.get("speakerId")}
        for monologue in json.loads(transcript_raw or '{"transcript": []}')["transcript"]:
            party = parties.get(monologue["speakerId"], {})
            for sentence in monologue["sentences"]:
                if not sentence["text"].strip():
                    continue
                length = max(0, sentence["end"] - sentence["start"])
                totals.update(sentences=1, ms=length)
                totals.update(customer=party.get("affiliation") != "Internal")
                user_id = party.get("userId") or (emails or {}).get(party.get("emailAddress"))
                if user_id:
                    entry = users[user_id]
                    entry["calls"].add(call["metaData"]["id"])
                    entry["sentences"] += 1
                    entry["ms"] += length
    db.close()
    return {"users": users, "totals": totals}


def run(*args: str, simulator: Simulator) -> tuple[int, str, str]:
    result = cli("activity", "--rate", "0", *args, env=sim_env(simulator))
    return result.exit_code, result.stdout, result.stderr


@pytest.fixture(scope="module")
def synced(tmp_path_factory: pytest.TempPathFactory) -> Iterator[tuple[Simulator, Path]]:
    """A tenant whose calls end now, synced by the CLI into an index."""
    simulator = make_simulator()
    index_dir = tmp_path_factory.mktemp("activity") / "index"
    done = cli("sync", "--index", str(index_dir), "--rate", "0", env=sim_env(simulator))
    assert done.exit_code == 0, done.stderr
    yield simulator, index_dir
    simulator.stop()


@pytest.fixture
def past_sim() -> Iterator[Simulator]:
    simulator = make_simulator(calls=160, anchor=PAST)
    yield simulator
    simulator.stop()


def many_users_tenant(directory: Path, users: int) -> Path:
    """A recorded tenant: a few synthetic calls and ``users`` users (Gong pages by 100)."""
    dump_tenant(SyntheticTenant(calls=25, seed=3, call_length=(3, 8)), directory)
    document = json.loads((directory / "users.json").read_text(encoding="utf-8"))
    for k in range(users - len(document["users"])):
        document["users"].append(
            {
                "id": str(4_000_000_000_000_000_000 + k),
                "emailAddress": f"user{k}@northwind-cloud.com",
                "created": "2024-01-01T00:00:00Z",
                "firstName": f"User{k}",
                "lastName": "Extra",
            }
        )
    (directory / "users.json").write_text(json.dumps(document), encoding="utf-8")
    return directory


# -- the simulator's endpoint ---------------------------------------------------------------


def test_simulator_counts_hosted_and_attended_calls_as_the_tenant_has_them(past_sim) -> None:
    http = httpx.Client(base_url=past_sim.base_url, auth=("demo", "demo"), timeout=10)
    low, high = date(2026, 1, 10), date(2026, 2, 20)
    stats = aggregate(http, low.isoformat(), high.isoformat())
    hosted, attended = hosted_and_attended(past_sim.tenant, midnight(low), midnight(high))
    assert sum(hosted.values()) > 50
    assert {u: s["callsAsHost"] for u, s in stats.items() if s["callsAsHost"]} == hosted
    assert {u: s["callsAttended"] for u, s in stats.items() if s["callsAttended"]} == attended
    body = http.post(AGGREGATE, json={"filter": {"fromDate": "2026-01-10", "toDate": "2026-02-20"}})
    assert body.json()["fromDateTime"] == midnight(low).isoformat()
    assert body.json()["timeZone"] == simulated.COMPANY_TIME_ZONE


def test_simulator_counters_are_plausible_consistent_and_deterministic(past_sim) -> None:
    http = httpx.Client(base_url=past_sim.base_url, auth=("demo", "demo"), timeout=10)
    whole = aggregate(http, "2025-12-01", "2026-03-02")
    totals = Counter()
    for stats in whole.values():
        assert set(stats) == set(ACTIVITY_COUNTERS) and min(stats.values()) >= 0
        totals.update(stats)
    assert all(totals[name] > 0 for name in ACTIVITY_COUNTERS), totals
    for gave, got in (
        ("callsGaveFeedback", "callsReceivedFeedback"),
        ("callsCommentsGiven", "callsCommentsReceived"),
        ("callsMarkedAsFeedbackGiven", "callsMarkedAsFeedbackReceived"),
        ("callsScorecardsFilled", "callsScorecardsReceived"),
    ):
        assert totals[gave] == totals[got], gave
    window = {
        "callFromDate": midnight(date(2025, 12, 1)).isoformat(),
        "callToDate": midnight(date(2026, 3, 2)).isoformat(),
    }
    pages = post_pages(http, "/v2/stats/activity/scorecards", {"filter": window})
    assert totals["callsScorecardsFilled"] == pages[0]["records"]["totalRecords"]
    # deterministic, and two adjoining windows add up to the whole
    first = aggregate(http, "2025-12-01", "2026-02-01")
    second = aggregate(http, "2026-02-01", "2026-03-02")
    for user_id, stats in whole.items():
        both = Counter(first[user_id]) + Counter(second[user_id])  # drops the zeros
        assert {name: n for name, n in stats.items() if n} == dict(both)
    with make_simulator(calls=160, anchor=PAST) as again:
        other = httpx.Client(base_url=again.base_url, auth=("demo", "demo"), timeout=10)
        assert aggregate(other, "2025-12-01", "2026-03-02") == whole


def test_simulator_honours_user_ids_and_answers_bad_input_like_gong(past_sim) -> None:
    http = httpx.Client(base_url=past_sim.base_url, auth=("demo", "demo"), timeout=10)
    users = [u["id"] for u in http.get("/v2/users").json()["users"]]
    picked = aggregate(http, "2026-01-01", "2026-02-01", userIds=[users[3], users[1]])
    assert set(picked) == {users[3], users[1]}
    assert picked == {u: s for u, s in aggregate(http, "2026-01-01", "2026-02-01").items()
                      if u in picked}  # fmt: skip
    tomorrow = (datetime.now(COMPANY).date() + timedelta(days=1)).isoformat()
    bad = [
        {},
        {"filter": {}},
        {"filter": {"fromDate": "2026-01-01"}},
        {"filter": {"fromDate": "2026-01-01T00:00:00Z", "toDate": "2026-02-01"}},
        {"filter": {"fromDate": "2026-01-01", "toDate": "2026-02-30"}},
        {"filter": {"fromDate": "2026-02-01", "toDate": "2026-01-01"}},
        {"filter": {"fromDate": "2026-01-01", "toDate": tomorrow}},
        {"filter": {"fromDate": "2026-01-01", "toDate": "2026-02-01", "userIds": "x"}},
    ]
    for body in bad:
        answer = http.post(AGGREGATE, json=body)
        assert answer.status_code == 400, body
        assert set(answer.json()) == {"requestId", "errors"} and answer.json()["errors"]
    unknown = {"fromDate": "2026-01-01", "toDate": "2026-02-01", "userIds": ["123"]}
    assert http.post(AGGREGATE, json={"filter": unknown}).status_code == 404
    anonymous = httpx.post(f"{past_sim.base_url}{AGGREGATE}", json={"filter": unknown})
    assert anonymous.status_code == 401


def test_simulator_pages_when_many_users_are_asked_for(tmp_path: Path) -> None:
    with make_simulator(tenant_dir=many_users_tenant(tmp_path / "tenant", 250)) as simulator:
        http = httpx.Client(base_url=simulator.base_url, auth=("demo", "demo"), timeout=10)
        yesterday = (datetime.now(COMPANY).date() - timedelta(days=1)).isoformat()
        body = {"filter": {"fromDate": "2025-01-01", "toDate": yesterday}}
        pages = post_pages(http, AGGREGATE, body)
        assert [len(p["usersAggregateActivityStats"]) for p in pages] == [100, 100, 50]
        assert [p["records"]["currentPageNumber"] for p in pages] == [0, 1, 2]
        assert {p["records"]["totalRecords"] for p in pages} == {250}
        assert "cursor" not in pages[-1]["records"]
        ids = [s["userId"] for p in pages for s in p["usersAggregateActivityStats"]]
        assert len(set(ids)) == 250


def test_simulator_answer_matches_gong_schema(past_sim) -> None:
    if not OPENAPI.exists():
        pytest.skip(f"{OPENAPI} not found")
    spec = json.loads(OPENAPI.read_text(encoding="utf-8"))
    schema = spec["components"]["schemas"]["AggregateActivity"]["properties"]
    http = httpx.Client(base_url=past_sim.base_url, auth=("demo", "demo"), timeout=10)
    for stats in aggregate(http, "2026-01-01", "2026-02-01").values():
        assert set(stats) == set(schema)
        assert all(isinstance(v, int) for v in stats.values())
    assert set(ACTIVITY_COUNTERS) == set(schema)  # the client reads every documented counter


# -- the command ---------------------------------------------------------------------------


def expected_window() -> tuple[datetime, date]:
    """``--from 2025-01-01`` with the default ``--to``: today here, or Gong's today if that
    is earlier (Gong refuses a later day, and the command then asks for a day earlier)."""
    to = min(datetime.now().astimezone().date(), datetime.now(COMPANY).date())
    return midnight(date(2025, 1, 1)), to


def test_activity_after_sync_agrees_with_the_tenant_and_the_catalog(synced) -> None:
    simulator, index_dir = synced
    code, out, err = run("--from", "2025-01-01", "--index", str(index_dir), "-f", "json",
                         simulator=simulator)  # fmt: skip
    assert code == 0, err
    data = json.loads(out)
    low, to = expected_window()
    assert data["to"] == to.isoformat() and data["window_end"] == midnight(to).isoformat()
    high = midnight(to)
    hosted, attended = hosted_and_attended(simulator.tenant, low, high)
    users = {u["user_id"]: u for u in data["users"]}
    assert {u for u, row in users.items() if row["gong"]["callsAsHost"]} == set(hosted)
    for user_id, row in users.items():
        assert row["gong"]["callsAsHost"] == hosted[user_id]
        assert row["gong"]["callsAttended"] == attended[user_id]
    http = httpx.Client(base_url=simulator.base_url, auth=("demo", "demo"), timeout=10)
    assert {u: r["gong"] for u, r in users.items()} == aggregate(http, "2025-01-01", to.isoformat())
    truth = index_truth(index_dir, low, high)
    totals = truth["totals"]
    assert data["index"]["calls"] == totals["calls"] > 0
    assert data["index"]["sentences"] == totals["sentences"] > 0
    assert data["index"]["customer_sentences"] == totals["customer"]
    assert data["index"]["customer_share"] == round(totals["customer"] / totals["sentences"], 4)
    spoke = 0
    for user_id, row in users.items():
        spoken = truth["users"].get(user_id, {"calls": set(), "sentences": 0, "ms": 0})
        assert row["index"]["calls"] == len(spoken["calls"]), row["name"]
        assert row["index"]["sentences"] == spoken["sentences"], row["name"]
        assert row["index"]["talk_share"] == round(spoken["ms"] / totals["ms"], 4), row["name"]
        spoke += spoken["sentences"] > 0
    assert spoke >= 5


def test_activity_table_shows_gong_and_index_columns(synced) -> None:
    simulator, index_dir = synced
    code, out, err = run("--from", "2025-01-01", "--index", str(index_dir), simulator=simulator)
    assert code == 0, err
    head, *rows = out.splitlines()
    assert "America/Los_Angeles" in head and "customers said" in head
    assert "Gong:" in rows[0] and "index:" in rows[0]
    assert "attended" in rows[1] and "sentences" in rows[1] and "talk" in rows[1]
    data = json.loads(
        run("--from", "2025-01-01", "--index", str(index_dir), "-f", "json", simulator=simulator)[1]
    )
    first = data["users"][0]  # the busiest host comes first, in both formats
    assert rows[2].startswith(first["name"])
    assert f"{first['index']['talk_share']:.1%}" in rows[2]
    assert len(rows) == 2 + len(data["users"])


def test_activity_json_keys_are_stable(synced) -> None:
    simulator, index_dir = synced
    args = ("--from", "2025-01-01", "--to", "2025-02-01", "--index", str(index_dir), "-f", "json")
    data = json.loads(run(*args, simulator=simulator)[1])
    assert list(data) == [
        "schema_version", "from", "to", "time_zone", "window_start", "window_end",
        "matched_users", "users", "index", "index_note",
    ]  # fmt: skip
    assert data["schema_version"] == 1 and data["from"] == "2025-01-01"
    assert list(data["users"][0]) == ["user_id", "name", "email", "gong", "index"]
    assert list(data["users"][0]["gong"]) == list(ACTIVITY_COUNTERS)
    assert list(data["users"][0]["index"]) == ["calls", "sentences", "talk_seconds", "talk_share"]
    assert list(data["index"]) == [
        "calls", "sentences", "customer_sentences", "customer_share", "talk_seconds",
    ]  # fmt: skip
    # no call in that window: every count is 0 and the shares are unknown, not an error
    assert data["index"]["calls"] == 0 and data["index"]["customer_share"] is None
    assert {u["gong"]["callsAsHost"] for u in data["users"]} == {0}


def test_activity_user_is_fuzzy_like_speaker(synced) -> None:
    simulator, index_dir = synced
    args = ("--from", "2025-01-01", "--index", str(index_dir))
    code, out, err = run(*args, "--user", "dana whitfeld", "-f", "json", simulator=simulator)
    assert code == 0, err
    data = json.loads(out)
    assert [u["name"] for u in data["users"]] == ["Dana Whitfield"]
    assert data["matched_users"] == ["Dana Whitfield <dana.whitfield@northwind-cloud.com>"]
    code, out, err = run(*args, "--user", "marcus", "--user", "PRIYA", simulator=simulator)
    assert code == 0 and "users matched: " in err
    assert "Marcus Chen" in out and "Priya Raman" in out and "Dana Whitfield" not in out
    matched = cli("speakers", "marcus", "--index", str(index_dir), "-f", "json").stdout
    assert [s["name"] for s in json.loads(matched)["speakers"]] == ["Marcus Chen"]


def test_activity_unknown_user_is_a_one_line_error(synced) -> None:
    simulator, index_dir = synced
    code, out, err = run("--user", "zzyzxq", "--index", str(index_dir), simulator=simulator)
    assert code == 2 and out == "" and err.count("\n") == 1
    assert "no Gong user matches 'zzyzxq' (closest: " in err
    code, _, err = run("--user", "zzyzxq", "-f", "json", simulator=simulator)
    assert code == 2 and json.loads(err)["code"] == "query"


def test_activity_bad_credentials_are_a_one_line_401(synced) -> None:
    simulator, _ = synced
    env = {**sim_env(simulator), "GONG_ACCESS_KEY_SECRET": "not-the-secret-42"}
    result = cli("activity", "--rate", "0", env=env)
    assert result.exit_code == 2 and result.stdout == ""
    assert result.stderr.count("\n") == 1 and "(401)" in result.stderr
    assert "not-the-secret-42" not in result.stderr


@pytest.mark.parametrize(
    ("args", "message"),
    [
        (("--from", "2025-13-01"), "--from: '2025-13-01' is not a date"),
        (("--from", "2025/01/01"), "--from: '2025/01/01' is not a date"),
        (("--from", "2025-01-01T10:00"), "is not a date (use YYYY-MM-DD)"),
        (("--to", "2999-01-01"), "--to 2999-01-01 is after today"),
        (("--from", "2025-03-01", "--to", "2025-02-01"), "must be after --from"),
        (("--from", "1900-01-01"), "--from: 1900-01-01 is before 1990-01-01"),
    ],
)
def test_activity_bad_dates_are_one_line_errors_before_any_request(synced, args, message) -> None:
    simulator, index_dir = synced
    before = simulator.request_count
    code, out, err = run(*args, "--index", str(index_dir), simulator=simulator)
    assert code == 2 and out == "" and err.count("\n") == 1
    assert message in err
    assert simulator.request_count == before


def test_activity_without_an_index_shows_gong_columns_and_says_so(synced, tmp_path) -> None:
    simulator, _ = synced
    missing = tmp_path / "no-index"
    code, out, err = run("--from", "2025-01-01", "--index", str(missing), simulator=simulator)
    assert code == 0, err
    assert "Gong:" in out and "index:" not in out and "customers said" not in out
    notes = [line for line in out.splitlines() if "no index at" in line]
    assert len(notes) == 1 and str(missing) in notes[0]
    data = json.loads(
        run("--from", "2025-01-01", "--index", str(missing), "-f", "json", simulator=simulator)[1]
    )
    assert data["index"] is None and "no index at" in data["index_note"]
    assert all(u["index"] is None for u in data["users"])
    assert any(u["gong"]["callsAsHost"] for u in data["users"])
    assert not missing.exists()  # a read-only command creates no index


def test_activity_pages_across_many_users(tmp_path: Path) -> None:
    tenant = many_users_tenant(tmp_path / "tenant", 230)
    with make_simulator(tenant_dir=tenant) as simulator:
        code, out, err = run("--from", "2025-01-01", "-f", "json", simulator=simulator)
        assert code == 0, err
        data = json.loads(out)
        listed = json.loads((tenant / "users.json").read_text(encoding="utf-8"))["users"]
        assert sorted(u["user_id"] for u in data["users"]) == sorted(u["id"] for u in listed)
        posts = [s for m, p, s in simulator.request_log if p == AGGREGATE]
        assert posts[-3:] == [200, 200, 200] and len([s for s in posts if s == 200]) == 3
        extra = next(u for u in data["users"] if u["name"] == "User7 Extra")
        assert extra["email"] == "user7@northwind-cloud.com"


def test_activity_default_end_steps_back_when_gong_is_still_on_yesterday(
    synced, monkeypatch
) -> None:
    """Gong refuses a --to after its own today; the default --to (today here) then moves
    back a day, so a company time zone behind this machine's still gets an answer."""
    simulator, index_dir = synced
    here = datetime.now().astimezone().date()
    monkeypatch.setattr(simulated, "today", lambda: here - timedelta(days=1))
    before = len(simulator.request_log)
    code, out, err = run("--from", "2025-01-01", "-f", "json", "--index", str(index_dir),
                         simulator=simulator)  # fmt: skip
    assert code == 0, err
    assert json.loads(out)["to"] == (here - timedelta(days=1)).isoformat()
    statuses = [s for _, p, s in simulator.request_log[before:] if p == AGGREGATE]
    assert statuses == [400, 200]
    code, _, err = run("--from", "2025-01-01", "--to", here.isoformat(), simulator=simulator)
    assert code == 2 and "must not be later than the current day" in err  # an explicit --to


def test_activity_help_says_where_columns_come_from(synced) -> None:
    result = cli("activity", "--help", env={"COLUMNS": "80"})
    assert result.exit_code == 0
    lines = result.stdout.splitlines()
    assert max(len(line) for line in lines) <= 80
    text = " ".join(result.stdout.split())
    assert "From Gong (POST /v2/stats/activity/aggregate" in text
    assert "From the index (no network)" in text
    examples = [line.strip() for line in lines if line.strip().startswith("gong-search activity")]
    assert 2 <= len(examples) <= 4
    assert "[table|json]" in text


def test_activity_and_its_json_keys_are_documented_in_the_readme(synced) -> None:
    simulator, index_dir = synced
    readme = (Path(__file__).resolve().parents[1] / "README.md").read_text(encoding="utf-8")
    data = json.loads(run("--index", str(index_dir), "-f", "json", simulator=simulator)[1])
    keys = {*data, *data["users"][0], *data["users"][0]["index"], *data["index"]}
    assert "gong-search activity" in readme
    assert sorted(k for k in keys | set(ACTIVITY_COUNTERS) if f'"{k}"' not in readme) == []


def test_user_without_user_id_on_some_calls_is_joined_by_email(tmp_path: Path) -> None:
    """Gong leaves a party's userId out at times: the user's talk is found by email too."""
    tenant = tmp_path / "tenant"
    dump_tenant(SyntheticTenant(calls=40, seed=5, call_length=(3, 8)), tenant)
    document = json.loads((tenant / "calls.json").read_text(encoding="utf-8"))
    for call in document["calls"][::2]:
        for party in call["parties"]:
            party.pop("userId", None)
    (tenant / "calls.json").write_text(json.dumps(document), encoding="utf-8")
    users = json.loads((tenant / "users.json").read_text(encoding="utf-8"))["users"]
    emails = {u["emailAddress"]: u["id"] for u in users}
    with make_simulator(tenant_dir=tenant) as simulator:
        index_dir = tmp_path / "index"
        synced = cli("sync", "--index", str(index_dir), "--rate", "0", env=sim_env(simulator))
        assert synced.exit_code == 0, synced.stderr
        code, out, err = run(
            "--from", "2025-01-01", "--index", str(index_dir), "-f", "json", simulator=simulator
        )
    assert code == 0, err
    data = json.loads(out)
    low = datetime.fromisoformat(data["window_start"])
    high = datetime.fromisoformat(data["window_end"])
    truth = index_truth(index_dir, low, high, emails)["users"]
    without = index_truth(index_dir, low, high)["users"]
    joined_by_email = sum(u["sentences"] for u in truth.values())
    assert joined_by_email > sum(u["sentences"] for u in without.values())
    for row in data["users"]:
        spoken = truth.get(row["user_id"], {"calls": set(), "sentences": 0})
        assert row["index"]["sentences"] == spoken["sentences"], row["name"]
        assert row["index"]["calls"] == len(spoken["calls"]), row["name"]


@settings(
    max_examples=25, deadline=None, suppress_health_check=[HealthCheck.function_scoped_fixture]
)
@given(start_hours=st.integers(0, 70 * 24), length_hours=st.integers(1, 40 * 24))
def test_talk_over_any_window_matches_a_brute_force_count(synced, start_hours, length_hours):
    simulator, index_dir = synced
    low = datetime.now(UTC).replace(minute=0, second=0, microsecond=0) - timedelta(days=68)
    low += timedelta(hours=start_hours)
    high = low + timedelta(hours=length_hours)
    stats = talk_stats(index_dir, low, high)
    truth = index_truth(index_dir, low, high)
    totals = truth["totals"]
    assert (stats.calls, stats.sentences) == (totals["calls"], totals["sentences"])
    assert (stats.customer_sentences, stats.talk_ms) == (totals["customer"], totals["ms"])
    for user in simulator.tenant.users():
        spoken = stats.by_user(user["id"], user["emailAddress"])
        expected = truth["users"].get(user["id"], {"calls": set(), "sentences": 0, "ms": 0})
        assert spoken.call_ids == expected["calls"]
        assert (spoken.sentences, spoken.talk_ms) == (expected["sentences"], expected["ms"])


@settings(
    max_examples=15, deadline=None, suppress_health_check=[HealthCheck.function_scoped_fixture]
)
@given(days=st.lists(st.integers(0, 100), min_size=3, max_size=3, unique=True))
def test_simulated_counts_add_up_over_any_split_of_a_window(past_sim, days) -> None:
    low, middle, high = (date(2025, 12, 1) + timedelta(days=d) for d in sorted(days))
    http = httpx.Client(base_url=past_sim.base_url, auth=("demo", "demo"), timeout=10)
    whole = aggregate(http, low.isoformat(), high.isoformat())
    first = aggregate(http, low.isoformat(), middle.isoformat())
    second = aggregate(http, middle.isoformat(), high.isoformat())
    hosted, _ = hosted_and_attended(past_sim.tenant, midnight(low), midnight(high))
    for user_id, stats in whole.items():
        assert stats["callsAsHost"] == hosted[user_id]
        both = Counter(first[user_id]) + Counter(second[user_id])
        assert {name: n for name, n in stats.items() if n} == dict(both)


def test_activity_records_are_parsed_leniently() -> None:
    raw = {
        "userId": 123,
        "userEmailAddress": " Ann@X.COM ",
        "userAggregateActivityStats": {
            "callsAsHost": "7",
            "callsAttended": -3,
            "callsGaveFeedback": float("nan"),
            "callsCommentsGiven": 1e400,
            "somethingNew": 5,
        },
    }
    parsed = parse_user_activity(raw)
    assert parsed is not None and (parsed.user_id, parsed.email) == ("123", "ann@x.com")
    assert list(parsed.counts) == list(ACTIVITY_COUNTERS)
    assert parsed.counts["callsAsHost"] == 7 and parsed.counts["callsAttended"] == 0
    assert parsed.counts["callsGaveFeedback"] == 0 and parsed.counts["callsCommentsGiven"] == 0
    assert parsed.counts["callsScorecardsFilled"] == 0
    assert parse_user_activity({"userAggregateActivityStats": {}}) is None
    assert parse_user_activity("nonsense") is None
    window = parse_activity_window({"fromDateTime": "2025-01-01T00:00:00-08:00", "timeZone": 4})
    assert window.start == datetime(2025, 1, 1, 8, tzinfo=UTC) and window.end is None
    assert window.time_zone == ""


def test_a_user_whose_id_differs_from_the_index_is_joined_by_email(synced_index: Path) -> None:
    """Another tenant (or a re-created user) gives the same person a new Gong user id: the
    index's talk is still theirs, found by e-mail, and never counted twice."""
    with_ids = talk_stats(synced_index, datetime(1990, 1, 1, tzinfo=UTC), datetime.now(UTC))
    key, talk = next((k, t) for k, t in with_ids.speakers.items() if k.startswith("user:"))
    email = next(e for e, keys in with_ids.by_email.items() if key in keys)
    assert with_ids.by_user("no-such-id", email).sentences == talk.sentences > 0
    assert with_ids.by_user(key.removeprefix("user:"), email).sentences == talk.sentences
