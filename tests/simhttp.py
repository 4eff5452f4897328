"""Helpers for simulator tests over HTTP: a simulator factory, paging, selectors."""

from __future__ import annotations

from collections.abc import Iterator
from datetime import UTC, datetime

import httpx

from gong_search.simulator import Simulator, SimulatorConfig

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


def simulators() -> Iterator:
    """Yields a factory of started simulators (as logged-in clients); stops them after."""
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
