"""A tenant read from JSON files in Gong's own response shapes, e.g. a scrubbed real export.

The directory holds ``users.json`` (``{"users": [...]}``), ``calls.json`` (``{"calls": [...]}``,
objects as /v2/calls/extensive returns them, with any sections: each request gets what it asks
for) and ``transcripts.json``
(``{"callTranscripts": [...]}``). ``dump_tenant`` writes the same files from any tenant.
"""

from __future__ import annotations

import json
from datetime import datetime
from pathlib import Path

from .overlay import Tenant
from .tenant import CallKey, as_utc, key_of


def _load(directory: Path, name: str, key: str) -> list[dict]:
    path = directory / name
    try:
        document = json.loads(path.read_text(encoding="utf-8"))
    except FileNotFoundError:
        raise ValueError(f"{path}: file not found") from None
    except (OSError, UnicodeDecodeError, json.JSONDecodeError) as exc:
        raise ValueError(f"{path}: not readable JSON ({exc})") from None
    items = document.get(key) if isinstance(document, dict) else None
    if not isinstance(items, list) or not all(isinstance(item, dict) for item in items):
        raise ValueError(f"{path}: expected an object with a list of objects under {key!r}")
    return items


class RecordedTenant:
    """Serves recorded users, calls and transcripts; labels are unknown (all None)."""

    def __init__(self, directory: Path | str) -> None:
        directory = Path(directory)
        self._users = _load(directory, "users.json", "users")
        calls = _load(directory, "calls.json", "calls")
        transcripts = _load(directory, "transcripts.json", "callTranscripts")
        try:
            self._calls = {c["metaData"]["id"]: c for c in calls}
            self._keys = {cid: key_of(c["metaData"]) for cid, c in self._calls.items()}
            self._transcripts = {t["callId"]: t["transcript"] for t in transcripts}
        except (KeyError, TypeError, ValueError) as exc:
            raise ValueError(
                f"{directory}: malformed call or transcript record ({exc!r})"
            ) from None
        self._order = sorted(self._calls, key=lambda cid: (self._keys[cid].started, cid))

    def users(self) -> list[dict]:
        return json.loads(json.dumps(self._users))

    def call_ids_between(self, start: datetime | None, end: datetime | None) -> list[str]:
        return [cid for cid in self._order if _within(self._keys[cid].started, start, end)]

    def call(self, call_id: str) -> dict | None:
        record = self._calls.get(call_id)
        return None if record is None else json.loads(json.dumps(record))

    def details(self, call_id: str) -> dict | None:
        """Recorded calls hold whatever sections were recorded: the same record."""
        return self.call(call_id)

    def transcript(self, call_id: str) -> dict | None:
        """A call without a recorded transcript has an empty one, as untranscribed calls do."""
        if call_id not in self._calls:
            return None
        monologues = json.loads(json.dumps(self._transcripts.get(call_id, [])))
        return {"callId": call_id, "transcript": monologues}

    def labels(self, call_id: str) -> list[str | None]:
        monologues = self._transcripts.get(call_id, [])
        return [None for m in monologues for _ in m.get("sentences", [])]

    def call_key(self, call_id: str) -> CallKey | None:
        return self._keys.get(call_id)


def _within(moment: datetime, start: datetime | None, end: datetime | None) -> bool:
    return (start is None or moment >= as_utc(start)) and (end is None or moment < as_utc(end))


def dump_tenant(tenant: Tenant, directory: Path | str) -> None:
    """Writes ``tenant`` as the three files ``RecordedTenant`` reads (all calls, oldest first)."""
    directory = Path(directory)
    directory.mkdir(parents=True, exist_ok=True)
    ids = list(tenant.call_ids_between(None, None))
    documents = {
        "users.json": {"users": tenant.users()},
        "calls.json": {"calls": [tenant.details(cid) for cid in ids]},
        "transcripts.json": {"callTranscripts": [tenant.transcript(cid) for cid in ids]},
    }
    for name, document in documents.items():
        text = json.dumps(document, ensure_ascii=False, indent=1)
        (directory / name).write_text(text, encoding="utf-8")
