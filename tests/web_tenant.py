"""A recorded tenant whose calls carry hostile text: markup, script, ``javascript:`` links,
spreadsheet formulas, in titles, names and sentences (what the page must show as text)."""

from __future__ import annotations

import json
from datetime import UTC, datetime, timedelta
from pathlib import Path

NOW = datetime.now(UTC).replace(microsecond=0)
EVIL_CALL, PLAIN_CALL = "2000000000000000001", "2000000000000000002"
SCRIPT_TITLE = '<script>window.__pwned = "title"</script> Evil Corp <> Northwind'
SCRIPT_NAME = "<img src=x onerror=\"window.__pwned='name'\">Mallory"
SCRIPT_SENTENCE = 'Our pricing <script>window.__pwned = "sentence"</script> is high & "unfair".'
FORMULA_SENTENCE = '=HYPERLINK("http://evil.example","pricing")'
JS_URL = "javascript:window.__pwned='url'"
REP = {
    "speakerId": "1",
    "name": "Rita Rep",
    "emailAddress": "rita@northwind.com",
    "affiliation": "Internal",
    "userId": "501",
}
MALLORY = {
    "speakerId": "2",
    "name": SCRIPT_NAME,
    "emailAddress": "mallory@evil.example",
    "title": "<b>VP</b> of javascript:alert(1)",
    "affiliation": "External",
}
CALLS = {
    EVIL_CALL: (SCRIPT_TITLE, JS_URL, [REP, MALLORY]),
    PLAIN_CALL: ("Plain pricing call", "https://us-1.app.gong.io/call?id=2", [REP, MALLORY]),
}
LINES = [
    "Welcome, let us talk about pricing.",
    SCRIPT_SENTENCE,
    FORMULA_SENTENCE,
    "Thanks, we will follow up on pricing.",
]


def write_tenant(directory: Path) -> Path:
    directory.mkdir(parents=True, exist_ok=True)
    users = [{"id": "501", "emailAddress": "rita@northwind.com", "firstName": "Rita"}]
    calls, transcripts = [], []
    for n, (call_id, (title, url, parties)) in enumerate(CALLS.items()):
        meta = {
            "id": call_id,
            "title": title,
            "url": url,
            "started": (NOW - timedelta(days=n + 1)).isoformat(),
            "primaryUserId": "501",
            "isPrivate": False,
            "duration": 300,
        }
        calls.append({"metaData": meta, "parties": parties})
        speakers = ["1", "2", "2", "1"]
        monologues = [
            {
                "speakerId": who,
                "topic": "",
                "sentences": [{"start": 4000 * k, "end": 4000 * k + 3000, "text": text}],
            }
            for k, (who, text) in enumerate(zip(speakers, LINES, strict=True))
        ]
        transcripts.append({"callId": call_id, "transcript": monologues})
    (directory / "users.json").write_text(json.dumps({"users": users}))
    (directory / "calls.json").write_text(json.dumps({"calls": calls}))
    (directory / "transcripts.json").write_text(json.dumps({"callTranscripts": transcripts}))
    return directory
