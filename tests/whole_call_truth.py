"""A brute-force model of a synced tenant, read straight from the simulator's HTTP API
with the test's own small parser (not gong_search's): the oracle the whole-call filters
and facets are checked against."""

from __future__ import annotations

from dataclasses import dataclass, field
from datetime import UTC, datetime

import httpx

from gong_search.engines.whoosh.schema import analyze
from gong_search.keys import normalize_name
from gong_search.simulator import Simulator

EVERYTHING = {
    "context": "Extended",
    "contextTiming": ["Now", "TimeOfCall"],
    "exposedFields": {
        "parties": True,
        "content": {"trackers": True, "trackerOccurrences": True, "callOutcome": True},
    },
}


@dataclass
class TruthSentence:
    call_id: str
    speaker: str
    affiliation: str
    words: set[str]
    start: int
    end: int
    speaker_id: str
    trackers: set[str] = field(default_factory=set)


@dataclass
class TruthCall:
    id: str
    started: datetime
    accounts: set[str]  # facet values: CRM account names, else external domains
    account_keys: set[str]
    deals: set[str]
    stages: set[str]  # at the time of the call
    participant_keys: set[str]
    outcome: str
    sentences: list[TruthSentence]


def _pages(http: httpx.Client, path: str, body: dict, key: str) -> list[dict]:
    found, cursor = [], None
    while True:
        answer = http.post(path, json={**body, **({"cursor": cursor} if cursor else {})})
        if answer.status_code == 404:
            return found
        answer.raise_for_status()
        page = answer.json()
        found += page[key]
        cursor = page["records"].get("cursor")
        if not cursor:
            return found


def load_truth(simulator: Simulator) -> list[TruthCall]:
    """Every non-private call with its sentences, as the index should know them."""
    with httpx.Client(base_url=simulator.base_url, auth=("demo", "demo"), timeout=60) as http:
        body = {"filter": {}, "contentSelector": EVERYTHING}
        calls = _pages(http, "/v2/calls/extensive", body, "calls")
        calls = [c for c in calls if not c["metaData"].get("isPrivate")]
        ids = [c["metaData"]["id"] for c in calls]
        transcripts = {}
        for i in range(0, len(ids), 100):
            body = {"filter": {"callIds": ids[i : i + 100]}}
            for t in _pages(http, "/v2/calls/transcript", body, "callTranscripts"):
                transcripts[t["callId"]] = t["transcript"]
    return [_call(c, transcripts.get(c["metaData"]["id"], [])) for c in calls]


def _objects(raw: dict, kind: str) -> list[dict]:
    return [
        {**obj, "values": {f["name"]: f["value"] for f in obj.get("fields", [])}}
        for system in raw.get("context") or []
        for obj in system.get("objects", [])
        if obj.get("objectType") == kind
    ]


def _call(raw: dict, transcript: list[dict]) -> TruthCall:
    meta, parties = raw["metaData"], raw.get("parties", [])
    domains = {
        p["emailAddress"].lower().rsplit("@", 1)[1]
        for p in parties
        if p.get("affiliation") != "Internal" and "@" in p.get("emailAddress", "")
    }
    accounts, deals = _objects(raw, "Account"), _objects(raw, "Opportunity")
    names = {a["values"]["Name"] for a in accounts}
    by_speaker = {p["speakerId"]: p for p in parties if p.get("speakerId")}
    sentences = []
    for mono in transcript:
        party = by_speaker.get(mono["speakerId"], {})
        name = party.get("name") or party.get("emailAddress") or party.get("phoneNumber")
        for s in mono["sentences"]:
            if s["text"].strip():
                sentences.append(
                    TruthSentence(
                        meta["id"],
                        name or f"Speaker {mono['speakerId']}",
                        party.get("affiliation", "Unknown"),
                        set(analyze(s["text"])),
                        s["start"],
                        s["end"],
                        mono["speakerId"],
                    )
                )
    for tracker in (raw.get("content") or {}).get("trackers", []):
        for hit in tracker.get("occurrences", []):
            at = round(hit["startTime"] * 1000)
            for s in sentences:
                if s.speaker_id == hit.get("speakerId") and s.start - 500 <= at <= s.end:
                    s.trackers.add(tracker["name"])
                    break
    started = datetime.fromisoformat(meta["started"].replace("Z", "+00:00")).astimezone(UTC)
    return TruthCall(
        id=meta["id"],
        started=started,
        accounts=names or domains,
        account_keys={normalize_name(n) for n in names}
        | {a["objectId"] for a in accounts}
        | domains,
        deals={d["values"]["Name"] for d in deals},
        stages={d["values"]["StageName"] for d in deals if d.get("timing") == "TimeOfCall"},
        participant_keys={normalize_name(p.get("name", "")) for p in parties}
        | {p.get("emailAddress", "").lower() for p in parties},
        outcome=((raw.get("content") or {}).get("callOutcome") or {}).get("name", ""),
        sentences=sentences,
    )
