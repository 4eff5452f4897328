"""The simulator serves the whole call: contentSelector, CRM context, trackers, summaries."""

from __future__ import annotations

import re
from collections.abc import Iterator
from datetime import UTC, datetime

import pytest

from gong_search.demo import DEMO_TENANT

from .openapi_fidelity import assert_matches, load_spec
from .simhttp import ANCHOR, CONTENT, EVERYTHING, EXTENSIVE, calls, pages, simulators, transcripts


@pytest.fixture
def start() -> Iterator:
    yield from simulators()


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
    schemas = spec["components"]["schemas"]
    basic = {**EVERYTHING, "context": "Basic", "contextTiming": None}
    for page in pages(http, EXTENSIVE, {"filter": {}, "contentSelector": basic}):
        assert_matches(page, schemas["Calls"], spec)
    for page in pages(http, "/v2/users/extensive", {"filter": {}}):  # every page, cursor too
        assert_matches(page, schemas["UsersMetadata"], spec)
    assert_matches(http.post(EXTENSIVE, json={"filter": {}, "contentSelector": []}).json(),
                   schemas["ErrorResponse"], spec)  # fmt: skip


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
            languages = {lk["language"] for lk in definition["languageKeywords"]}
            assert languages & {"mul", call["metaData"].get("language") or "eng"}
            expected = sorted(
                (start, speaker)
                for start, speaker, text in sentences
                for _ in pattern.finditer(text)
                if wanted == "Anyone"
                or (sides.get(speaker, "Unknown") == "Internal") == (wanted == "Company")
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
