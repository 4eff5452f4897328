"""A small hand-written tenant whose every search answer is known in advance."""

from __future__ import annotations

import json
from datetime import UTC, datetime, timedelta
from pathlib import Path

NOW = datetime.now(UTC).replace(microsecond=0)
RITA = {
    "speakerId": "1",
    "name": "Rita Rep",
    "emailAddress": "rita@northwind.com",
    "affiliation": "Internal",
    "userId": "501",
}
SAM = {
    "speakerId": "1",
    "name": "Sam Seller",
    "emailAddress": "sam@northwind.com",
    "affiliation": "Internal",
    "userId": "502",
}
JOHN = {
    "speakerId": "2",
    "name": "John Smith",
    "emailAddress": "john.smith@acme-logistics.com",
    "affiliation": "External",
}
DIAL_IN = {"speakerId": "3", "phoneNumber": "+1 312 555 0100", "affiliation": "Unknown"}
ZOE = {
    "speakerId": "2",
    "name": "Zoë Müller",
    "emailAddress": "zoe@globex.io",
    "affiliation": "External",
}

C1, C2, C3 = "1000000000000000001", "1000000000000000002", "1000000000000000003"
CALLS = {
    C1: (
        "Acme Logistics <> Northwind: pricing review",
        10,
        "501",
        [RITA, JOHN, DIAL_IN],
        [
            ("1", "Welcome everyone to the call."),
            ("2", "Your pricing is a real objection for our team."),
            ("2", "The pricing seems high."),
            ("3", "We had objections last year too."),
            ("1", "Let me show the café dashboard."),
            ("2", '=HYPERLINK("http://evil.example","click")'),
            ("1", "[inaudible] and [bold]not bold[/bold]"),
        ],
        False,
    ),
    C2: (
        "Globex renewal",
        40,
        "502",
        [SAM, ZOE],
        [
            ("2", "The renewal pricing objection came up again."),
            ("1", "We can offer a discount on pricing."),
            ("2", "Security review is pending."),
            ("1", "-starts with a dash"),
        ],
        False,
    ),
    C3: ("Private board prep", 5, "501", [RITA], [("1", "Secret pricing strategy.")], True),
}


def call_json(call_id: str) -> dict:
    title, days_ago, host, parties, _sentences, private = CALLS[call_id]
    return {
        "metaData": {
            "id": call_id,
            "title": title,
            "url": f"https://us-1.app.gong.io/call?id={call_id}",
            "started": (NOW - timedelta(days=days_ago)).isoformat(),
            "primaryUserId": host,
            "isPrivate": private,
            "duration": 600,
        },
        "parties": parties,
    }


def transcript_json(call_id: str) -> dict:
    monologues = [
        {
            "speakerId": speaker,
            "topic": None,
            "sentences": [{"start": 5000 * n, "end": 5000 * n + 4000, "text": text}],
        }
        for n, (speaker, text) in enumerate(CALLS[call_id][4])
    ]
    return {"callId": call_id, "transcript": monologues}


def write_tenant(directory: Path) -> Path:
    directory.mkdir(parents=True, exist_ok=True)
    users = [
        {"id": "501", "emailAddress": "rita@northwind.com", "firstName": "Rita", "lastName": "Rep"},
        {
            "id": "502",
            "emailAddress": "sam@northwind.com",
            "firstName": "Sam",
            "lastName": "Seller",
        },
    ]
    (directory / "users.json").write_text(json.dumps({"users": users}))
    (directory / "calls.json").write_text(json.dumps({"calls": [call_json(c) for c in CALLS]}))
    (directory / "transcripts.json").write_text(
        json.dumps({"callTranscripts": [transcript_json(c) for c in CALLS]})
    )
    return directory
