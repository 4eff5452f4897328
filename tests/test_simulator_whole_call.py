"""The simulator serves the whole call: contentSelector, CRM context, trackers, summaries."""

from __future__ import annotations

import re
import signal
import subprocess
import sys
from collections.abc import Iterator
from datetime import UTC, datetime, timedelta

import httpx
import pytest

from gong_search.demo import DEMO_TENANT
from gong_search.simulator import Simulator, SimulatorConfig
from gong_search.simulator.language import COMPETITORS
from gong_search.simulator.translations import LANGUAGES, PHRASES

from .openapi_fidelity import assert_matches, load_spec

ANCHOR = datetime(2026, 3, 1, 12, tzinfo=UTC)
SMALL = {"calls": 60, "call_length": (20, 60), "rate": 0.0, "anchor": ANCHOR}
EXTENSIVE = "/v2/calls/extensive"
CONTENT = (
    "structure",
    "topics",
    "trackers",
    "trackerOccurrences",
    "pointsOfInterest",
    "brief",
    "outline",
    "highlights",
    "callOutcome",
    "keyPoints",
)
EVERYTHING = {
    "context": "Extended",
    "contextTiming": ["Now", "TimeOfCall"],
    "exposedFields": {
        "parties": True,
        "content": dict.fromkeys(CONTENT, True),
        "interaction": dict.fromkeys(
            ("speakers", "video", "personInteractionStats", "questions"), True
        ),
        "collaboration": {"publicComments": True},
        "media": True,
    },
}


@pytest.fixture
def start() -> Iterator:
    running: list[Simulator] = []

    def _start(**overrides) -> httpx.Client:
        simulator = Simulator(SimulatorConfig(**{**SMALL, **overrides})).start()
        running.append(simulator)
        return httpx.Client(base_url=simulator.base_url, auth=("demo", "demo"), timeout=30)

    yield _start
    for simulator in running:
        simulator.stop()


def pages(http: httpx.Client, path: str, body: dict) -> list[dict]:
    found = [http.post(path, json=body).json()]
    while cursor := found[-1]["records"].get("cursor"):
        found.append(http.post(path, json={**body, "cursor": cursor}).json())
    return found


def calls(http: httpx.Client, selector: dict | None, flt: dict | None = None) -> list[dict]:
    body: dict = {"filter": flt or {}}
    if selector is not None:
        body["contentSelector"] = selector
    return [c for page in pages(http, EXTENSIVE, body) for c in page["calls"]]


def transcripts(http: httpx.Client) -> dict[str, list[dict]]:
    found = pages(http, "/v2/calls/transcript", {"filter": {}})
    return {t["callId"]: t["transcript"] for page in found for t in page["callTranscripts"]}


def fields(obj: dict) -> dict:
    return {f["name"]: f["value"] for f in obj["fields"]}


def crm_objects(call: dict) -> dict[tuple[str, str], dict]:
    """(objectType, timing) -> fields of the call's CRM objects."""
    return {
        (o["objectType"], o["timing"]): fields(o) for c in call["context"] for o in c["objects"]
    }


# ---- contentSelector ------------------------------------------------------------------------


def test_every_section_of_extensive_matches_gongs_openapi_schema(start) -> None:
    spec = load_spec()
    http = start(calls=120)
    served = set()
    for page in pages(http, EXTENSIVE, {"filter": {}, "contentSelector": EVERYTHING}):
        assert_matches(page, spec["components"]["schemas"]["Calls"], spec)
        for call in page["calls"]:
            served |= set(call) | {f"content.{k}" for k in call.get("content", {})}
            served |= {f"interaction.{k}" for k in call.get("interaction", {})}
    assert served >= {
        "metaData",
        "context",
        "parties",
        "content",
        "interaction",
        "collaboration",
        "media",
        *(f"content.{k}" for k in ("topics", "trackers", "brief", "outline", "highlights")),
        *(f"content.{k}" for k in ("callOutcome", "keyPoints")),
        *(f"interaction.{k}" for k in ("speakers", "interactionStats", "questions", "video")),
    }


@pytest.mark.parametrize(
    "selector",
    [
        None,
        {},
        {"context": "None", "exposedFields": {}},
        {
            "exposedFields": {
                "parties": False,
                "content": dict.fromkeys(CONTENT, False),
                "interaction": {"speakers": False, "questions": False},
                "collaboration": {"publicComments": False},
                "media": False,
            }
        },
    ],
)
def test_asking_for_nothing_optional_gets_only_metadata(start, selector) -> None:
    served = calls(start(calls=30), selector)
    assert served and all(set(call) == {"metaData"} for call in served)


def test_each_section_comes_only_when_asked(start) -> None:
    http = start(calls=40)
    only_brief = calls(http, {"exposedFields": {"content": {"brief": True}}})
    assert {k for c in only_brief for k in c} == {"metaData", "content"}
    assert {k for c in only_brief for k in c.get("content", {})} == {"brief"}
    media = calls(http, {"exposedFields": {"media": True}})
    assert all(set(c) == {"metaData", "media"} and c["media"]["audioUrl"] for c in media)
    assert {"videoUrl" in c["media"] for c in media} == {True, False}  # audio-only phone calls
    talk = calls(http, {"exposedFields": {"interaction": {"speakers": True}}})
    assert all(set(c["interaction"]) == {"speakers"} for c in talk if "interaction" in c)
    parties = calls(http, {"exposedFields": {"parties": True}})
    assert all("context" not in p for c in parties for p in c["parties"])


def test_malformed_content_selector_is_400(start) -> None:
    http = start(calls=5)
    for selector in ({"context": "Everything"}, {"contextTiming": ["Yesterday"]}, []):
        body = {"filter": {}, "contentSelector": selector}
        assert http.post(EXTENSIVE, json=body).status_code == 400


# ---- trackers -------------------------------------------------------------------------------


def test_keyword_tracker_occurrences_are_exactly_the_sentences_with_a_phrase(start) -> None:
    http = start()
    defined = http.get("/v2/settings/trackers").json()["keywordTrackers"]
    phrases = {
        t["trackerId"]: [w for lk in t["languageKeywords"] for w in lk["keywords"]]
        for t in defined
        if t["languageKeywords"]
    }
    selector = {
        "exposedFields": {
            "parties": True,
            "content": {"trackers": True, "trackerOccurrences": True},
        }
    }
    served = calls(http, selector)
    said = transcripts(http)
    assert "Competitors" in {t["trackerName"] for t in defined}
    fired = set()
    for call in served:
        sides = {p.get("speakerId"): p["affiliation"] for p in call["parties"]}
        sentences = [
            (s["start"] / 1000, m["speakerId"], s["text"])
            for m in said[call["metaData"]["id"]]
            for s in m["sentences"]
        ]
        for tracker in call["content"]["trackers"]:
            definition = next(t for t in defined if t["trackerId"] == tracker["id"])
            assert tracker["name"] == definition["trackerName"]
            fired.add(tracker["name"])
            if tracker["type"] == "SMART":
                continue
            assert {p["phrase"] for p in tracker["phrases"]} <= set(phrases[tracker["id"]])
            pattern = re.compile(
                "|".join(rf"(?<!\w){re.escape(w)}(?!\w)" for w in phrases[tracker["id"]]), re.I
            )
            wanted = definition["affiliation"]
            expected = sorted(
                (start, speaker)
                for start, speaker, text in sentences
                for _ in pattern.finditer(text)
                if wanted == "Whole"
                or (sides.get(speaker, "Unknown") == "Internal") == (wanted == "Internal")
            )
            got = sorted((o["startTime"], o["speakerId"]) for o in tracker["occurrences"])
            assert got == expected and tracker["count"] == len(got)
    assert {"Competitors", "Budget", "Security review"} <= fired


def test_tracker_occurrences_only_with_track_occurrences_and_since_2023(start) -> None:
    without = calls(start(), {"exposedFields": {"content": {"trackers": True}}})
    trackers = [t for c in without for t in c.get("content", {}).get("trackers", [])]
    assert trackers and all("occurrences" not in t for t in trackers)
    assert all("occurrences" not in p for t in trackers for p in t["phrases"])
    old = start(anchor=datetime(2023, 1, 15, tzinfo=UTC), span_days=30)
    selector = {"exposedFields": {"content": {"trackers": True, "trackerOccurrences": True}}}
    has_occurrences = {
        datetime.fromisoformat(c["metaData"]["started"]) >= datetime(2023, 1, 1, tzinfo=UTC): all(
            "occurrences" in t for t in c["content"]["trackers"]
        )
        for c in calls(old, selector)
        if c.get("content", {}).get("trackers")
    }
    assert has_occurrences == {True: True, False: False}


# ---- CRM context ----------------------------------------------------------------------------


def test_crm_context_now_differs_from_time_of_call_for_older_calls(start) -> None:
    served = calls(start(calls=120), EVERYTHING)
    linked = [c for c in served if c["context"]]
    assert linked and len(linked) < len(served)  # prospects and internal calls have no CRM link
    differ = 0
    now_by_deal: dict[str, dict] = {}
    for call in linked:
        objects = crm_objects(call)
        now, then = objects[("Opportunity", "Now")], objects[("Opportunity", "TimeOfCall")]
        assert now["Name"] == then["Name"] and now["AccountId"] == then["AccountId"]
        differ += now["StageName"] != then["StageName"]
        assert now_by_deal.setdefault(now["Name"], now) == now  # "Now" is one moment
        domains = {
            p["emailAddress"].split("@")[1]
            for p in call["parties"]
            if p["affiliation"] == "External"
        }
        website = objects[("Account", "Now")]["Website"]
        assert any(website.endswith(d) for d in domains)
    assert differ >= 3
    stages = {crm_objects(c)[("Opportunity", "TimeOfCall")]["StageName"] for c in linked}
    assert {"Discovery", "Evaluation", "Negotiation"} <= stages
    names = {crm_objects(c)[("Account", "Now")]["Name"] for c in linked}
    assert "Globex Corporation" in names
    assert any("Parent.Name" in crm_objects(c)[("Account", "Now")] for c in linked)
    prospects = [
        c
        for c in served
        if any(p.get("emailAddress", "").endswith("@vandelay.com") for p in c["parties"])
    ]
    assert prospects and all(c["context"] == [] for c in prospects)


def test_context_timing_and_basic_links(start) -> None:
    http = start(calls=40)
    default = calls(http, {"context": "Extended"})
    assert {o["timing"] for c in default for x in c["context"] for o in x["objects"]} == {"Now"}
    basic = calls(http, {"context": "Basic", "exposedFields": {"parties": True}})
    objects = [o for c in basic for x in c["context"] for o in x["objects"]]
    assert objects and all(set(o) == {"objectType", "objectId"} for o in objects)
    party_links = [
        o for c in basic for p in c["parties"] for x in p.get("context", []) for o in x["objects"]
    ]
    assert {o["objectType"] for o in party_links} == {"Contact", "User"}
    assert all("fields" not in o for o in party_links)


# ---- the rest of the call -------------------------------------------------------------------


def test_summaries_quote_and_point_at_real_sentences(start) -> None:
    http = start()
    served = calls(http, EVERYTHING)
    said = transcripts(http)
    for call in served:
        sentences = {
            s["start"] / 1000: s["text"]
            for m in said[call["metaData"]["id"]]
            for s in m["sentences"]
        }
        content = call["content"]
        if not sentences:
            assert "brief" not in content and "outline" not in content
            continue
        assert content["brief"] and content["keyPoints"] is not None
        for point in content["keyPoints"]:
            quote = point["text"].split("“", 1)[1].rstrip("”")
            assert quote in sentences.values()
        for section in content["outline"]:
            assert section["startTime"] in sentences and section["duration"] >= 0
            assert all(item["startTime"] in sentences for item in section["items"])
        for block in content["highlights"]:
            assert all(t in sentences for item in block["items"] for t in item["startTimes"])
        for topic in content["topics"]:
            assert topic["name"].lower() in content["brief"].lower()


def test_interaction_parties_comments_and_outcomes(start) -> None:
    http = start(calls=120)
    served = calls(http, EVERYTHING)
    said = transcripts(http)
    for call in served:
        talk: dict[str, float] = {}
        for m in said[call["metaData"]["id"]]:
            spoken = sum(s["end"] - s["start"] for s in m["sentences"]) / 1000
            talk[m["speakerId"]] = talk.get(m["speakerId"], 0) + spoken
        speakers = {s["id"]: s["talkTime"] for s in call["interaction"]["speakers"]}
        for party in call["parties"]:
            if party.get("speakerId") in talk:
                assert speakers[party["id"]] == pytest.approx(talk[party["speakerId"]], abs=0.01)
        questions = call["interaction"]["questions"]
        asked = sum(
            s["text"].endswith("?") for m in said[call["metaData"]["id"]] for s in m["sentences"]
        )
        assert questions["companyCount"] + questions["nonCompanyCount"] == asked
    methods = {tuple(p["methods"]) for c in served for p in c["parties"]}
    assert {("Invitee",), ("Attendee",)} <= methods
    comments = [x for c in served for x in c["collaboration"]["publicComments"]]
    assert comments and any("inReplyTo" in x for x in comments)
    outcomes = {
        c["content"]["callOutcome"]["name"] for c in served if "callOutcome" in c["content"]
    }
    assert len(outcomes) >= 3


def test_demo_tenant_has_the_issue_examples(start) -> None:
    """Issue 14's examples find something: Globex pricing, Competitors, a renewal in Negotiation."""
    http = start(**{**DEMO_TENANT, "anchor": ANCHOR})
    served = {c["metaData"]["id"]: c for c in calls(http, EVERYTHING)}
    said = transcripts(http)
    negotiating, globex_pricing = [], 0
    for call_id, call in served.items():
        objects = crm_objects(call)
        external = {p.get("speakerId") for p in call["parties"] if p["affiliation"] == "External"}
        texts = [(m["speakerId"], s["text"].lower()) for m in said[call_id] for s in m["sentences"]]
        deal = objects.get(("Opportunity", "TimeOfCall"), {})
        if deal.get("Name", "").startswith("Globex Renewal") and deal["StageName"] == "Negotiation":
            negotiating.append(any("security" in t for _, t in texts))
        if objects.get(("Account", "Now"), {}).get("Name") == "Globex Corporation":
            globex_pricing += sum("pricing" in t for speaker, t in texts if speaker in external)
    assert any(negotiating) and globex_pricing
    assert any(
        t["name"] == "Competitors" for c in served.values() for t in c["content"]["trackers"]
    )
    assert any(p.get("name", "").startswith("Ravi ") for c in served.values() for p in c["parties"])


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
