"""The SQLite catalog: what Gong returned, as received, plus the sync state.

It is the truth the Whoosh index is derived from: ``reindex`` rebuilds the index from it
without spending a single request of the 10,000-a-day quota. Raw JSON is stored and turned
back into records by :mod:`gong_search.gong.records`, the one parser.
"""

from __future__ import annotations

import json
import sqlite3
from collections.abc import Callable, Iterable, Iterator
from dataclasses import dataclass
from datetime import datetime
from functools import wraps
from pathlib import Path
from typing import Any, TypeVar

from .catalog_db import SCHEMA, Transaction, open_for_writing, open_read_only
from .errors import CatalogError
from .gong import records
from .gong.records import Call, Transcript, User
from .index_dir import CATALOG_NAME, no_index_here, prepare_index_dir
from .sentences import CallSentences, join_sentences, normalize_name

F = TypeVar("F", bound=Callable[..., Any])


@dataclass(frozen=True)
class StoredCall:
    """One call ready to be written: the record, its transcript, and the derived facts."""

    joined: CallSentences
    transcript: Transcript
    content_hash: str
    transcript_state: str

    @property
    def call(self) -> Call:
        return self.joined.call


@dataclass(frozen=True)
class Speaker:
    key: str
    name: str
    email: str
    affiliation: str
    calls: int
    sentences: int


def dumps(raw: dict) -> str:
    """ASCII JSON: lone surrogates survive as escapes instead of breaking SQLite's UTF-8."""
    return json.dumps(raw, ensure_ascii=True, separators=(",", ":"))


def _reads(method: F) -> F:
    """The catalog's boundary for reads: a damaged or vanished database is a one-line
    :class:`CatalogError` for every reader (search, show, status), not a traceback. Writes
    are mapped by :func:`gong_search.commit_safety.storage_errors`, which knows what a
    failed commit leaves behind."""

    @wraps(method)
    def read(self: Catalog, *args: Any, **kwargs: Any) -> Any:
        try:
            return method(self, *args, **kwargs)
        except sqlite3.Error as exc:
            raise CatalogError(f"{self.path}: cannot read the catalog ({exc})") from None

    return read  # type: ignore[return-value]


class Catalog:
    def __init__(self, index_dir: Path | None, *, create: bool = True) -> None:
        """Open (or create) the catalog in ``index_dir``; ``None`` gives an empty in-memory one.

        ``create=False`` opens an existing catalog read-only, for the commands that only
        read: they never write to the index, and work on a read-only copy of it.
        """
        if index_dir is None:
            self.path = Path(":memory:")
            self.db = sqlite3.connect(":memory:", isolation_level=None)
            self.db.executescript(SCHEMA)
            self._users = None
            return
        self.path = Path(index_dir) / CATALOG_NAME
        if not create and not self.path.exists():
            raise CatalogError(no_index_here(Path(index_dir)))
        try:
            if create:
                prepare_index_dir(Path(index_dir))
            self.db = open_for_writing(self.path) if create else open_read_only(self.path)
        except sqlite3.DatabaseError as exc:
            raise CatalogError(f"{self.path}: cannot open catalog ({exc})") from None
        self._users: dict[str, User] | None = None

    def close(self) -> None:
        self.db.close()

    def __enter__(self) -> Catalog:
        return self

    def __exit__(self, *exc: object) -> None:
        self.close()

    # -- state -------------------------------------------------------------------------

    @_reads
    def get_state(self, key: str, default: str | None = None) -> str | None:
        row = self.db.execute("SELECT value FROM state WHERE key = ?", (key,)).fetchone()
        return row[0] if row else default

    def set_state(self, key: str, value: str) -> None:
        self.db.execute("INSERT OR REPLACE INTO state VALUES (?, ?)", (key, value))

    # -- users -------------------------------------------------------------------------

    def store_users(self, users: Iterable[User]) -> None:
        with self.transaction():
            self.db.executemany(
                "INSERT OR REPLACE INTO users VALUES (?, ?)",
                ((u.id, dumps(u.raw)) for u in users),
            )
        self._users = None

    @_reads
    def users(self) -> dict[str, User]:
        if self._users is None:
            parsed = (
                records.parse_user(json.loads(r))
                for (r,) in self.db.execute("SELECT raw FROM users")
            )
            self._users = {u.id: u for u in parsed if u}
        return self._users

    def host_name(self, call: Call) -> str:
        user = self.users().get(call.primary_user_id)
        if user:
            return user.name
        party = next((p for p in call.parties if p.user_id == call.primary_user_id), None)
        return party.display_name if party else ""

    # -- calls -------------------------------------------------------------------------

    def join(self, call: Call, transcript: Transcript | None) -> CallSentences:
        names = {user_id: user.name for user_id, user in self.users().items()}
        return join_sentences(call, transcript, self.host_name(call), names)

    def store_calls(self, stored: Iterable[StoredCall]) -> None:
        """Write a page of calls and transcripts in one transaction (all or nothing)."""
        with self.transaction():
            for item in stored:
                self._number_if_changed(item.call.id, item.content_hash)
                self.db.execute(
                    "INSERT OR REPLACE INTO calls VALUES (?, ?, ?, ?, ?)",
                    (
                        item.call.id,
                        int(item.call.started.timestamp()),
                        dumps(item.call.raw),
                        item.content_hash,
                        item.transcript_state,
                    ),
                )
                self.db.execute(
                    "INSERT OR REPLACE INTO transcripts VALUES (?, ?)",
                    (item.call.id, dumps(item.transcript.raw)),
                )
                self._store_speakers(item.joined)
                self.db.execute("DELETE FROM failed_calls WHERE id = ?", (item.call.id,))
                self._track_missing_transcript(item)

    def _number_if_changed(self, call_id: str, content_hash: str) -> None:
        """A new or changed call takes the next sequence number (``watch`` reports calls
        numbered past its mark); an unchanged one keeps its number, so it is not new."""
        row = self.db.execute("SELECT content_hash FROM calls WHERE id = ?", (call_id,)).fetchone()
        if row is not None and row[0] == content_hash:
            return
        self.db.execute("DELETE FROM call_sequence WHERE call_id = ?", (call_id,))
        self.db.execute("INSERT INTO call_sequence (call_id) VALUES (?)", (call_id,))

    def _track_missing_transcript(self, item: StoredCall) -> None:
        """A call stored as having no transcript is due for a re-check on the next run."""
        if item.transcript_state == "none":
            self.db.execute(
                "INSERT OR IGNORE INTO transcript_checks VALUES (?, 0, 0)", (item.call.id,)
            )
        else:
            self.db.execute("DELETE FROM transcript_checks WHERE call_id = ?", (item.call.id,))

    @_reads
    def due_checks(self, now: datetime) -> list[str]:
        rows = self.db.execute(
            "SELECT call_id FROM transcript_checks WHERE next_check <= ? ORDER BY call_id",
            (int(now.timestamp()),),
        )
        return [r[0] for r in rows]

    def reschedule_checks(
        self, call_ids: Iterable[str], now: datetime, delays_hours: tuple[float, ...]
    ) -> None:
        """After another empty answer: the next re-check per ``delays_hours``, or give up."""
        with self.transaction():
            for call_id in call_ids:
                row = self.db.execute(
                    "SELECT checks FROM transcript_checks WHERE call_id = ?", (call_id,)
                ).fetchone()
                checks = (row[0] if row else 0) + 1
                if checks > len(delays_hours):
                    self.db.execute("DELETE FROM transcript_checks WHERE call_id = ?", (call_id,))
                    continue
                due = int(now.timestamp() + delays_hours[checks - 1] * 3600)
                self.db.execute(
                    "INSERT OR REPLACE INTO transcript_checks VALUES (?, ?, ?)",
                    (call_id, checks, due),
                )

    # -- calls whose transcript batch failed -------------------------------------------

    def remember_failed(self, calls: Iterable[Call]) -> None:
        with self.transaction():
            self.db.executemany(
                "INSERT OR REPLACE INTO failed_calls VALUES (?, ?)",
                ((c.id, dumps(c.raw)) for c in calls),
            )

    @_reads
    def failed_calls(self) -> list[Call]:
        rows = self.db.execute("SELECT raw FROM failed_calls ORDER BY id")
        parsed = (records.parse_call(json.loads(raw)) for (raw,) in rows)
        return [c for c in parsed if c]

    @_reads
    def failed_ids(self) -> list[str]:
        return [r[0] for r in self.db.execute("SELECT id FROM failed_calls ORDER BY id")]

    def forget_failed(self, call_ids: Iterable[str]) -> None:
        with self.transaction():
            self.db.executemany("DELETE FROM failed_calls WHERE id = ?", ((c,) for c in call_ids))

    def _store_speakers(self, joined: CallSentences) -> None:
        self.db.execute("DELETE FROM call_speakers WHERE call_id = ?", (joined.call.id,))
        per_speaker: dict[str, list] = {}
        for row in joined.rows:
            key = normalize_name(row.speaker_name)
            entry = per_speaker.setdefault(
                key, [joined.call.id, key, row.speaker_name, row.speaker_email, row.affiliation, 0]
            )
            entry[5] += 1
        self.db.executemany(
            "INSERT INTO call_speakers VALUES (?, ?, ?, ?, ?, ?)", per_speaker.values()
        )

    @_reads
    def speakers(self) -> list[Speaker]:
        """Every speaker with their call and sentence counts, busiest first."""
        rows = self.db.execute(
            "SELECT speaker_key, max(name), max(email), max(affiliation), "
            "count(DISTINCT call_id), sum(sentences) FROM call_speakers "
            "GROUP BY speaker_key ORDER BY sum(sentences) DESC, speaker_key"
        )
        return [Speaker(*row) for row in rows]

    @_reads
    def sentence_counts(self) -> dict[str, int]:
        """call id -> sentences in its transcript (calls without one are absent)."""
        rows = self.db.execute("SELECT call_id, sum(sentences) FROM call_speakers GROUP BY call_id")
        return dict(rows)

    @_reads
    def calls_with_speakers(self, speaker_keys: Iterable[str]) -> set[str]:
        """Ids of the calls on which any of these speakers (normalised names) spoke."""
        keys = list(speaker_keys)
        marks = ",".join("?" * len(keys))
        rows = self.db.execute(
            f"SELECT DISTINCT call_id FROM call_speakers WHERE speaker_key IN ({marks})", keys
        )
        return {r[0] for r in rows}

    @_reads
    def all_call_ids(self) -> list[str]:
        return [r[0] for r in self.db.execute("SELECT id FROM calls ORDER BY started, id")]

    def delete_calls(self, call_ids: Iterable[str]) -> None:
        with self.transaction():
            for call_id in call_ids:
                self.db.execute("DELETE FROM calls WHERE id = ?", (call_id,))
                self.db.execute("DELETE FROM transcripts WHERE call_id = ?", (call_id,))
                self.db.execute("DELETE FROM call_speakers WHERE call_id = ?", (call_id,))
                self.db.execute("DELETE FROM failed_calls WHERE id = ?", (call_id,))
                self.db.execute("DELETE FROM transcript_checks WHERE call_id = ?", (call_id,))
                self.db.execute("DELETE FROM call_sequence WHERE call_id = ?", (call_id,))

    @_reads
    def call(self, call_id: str) -> Call | None:
        row = self.db.execute("SELECT raw FROM calls WHERE id = ?", (call_id,)).fetchone()
        return records.parse_call(json.loads(row[0])) if row else None

    @_reads
    def transcript(self, call_id: str) -> Transcript | None:
        row = self.db.execute(
            "SELECT raw FROM transcripts WHERE call_id = ?", (call_id,)
        ).fetchone()
        return records.parse_transcript(json.loads(row[0])) if row else None

    @_reads
    def call_sentences(self, call_id: str) -> CallSentences | None:
        call = self.call(call_id)
        return self.join(call, self.transcript(call_id)) if call else None

    def iter_call_sentences(self, call_ids: Iterable[str] | None = None) -> Iterator[CallSentences]:
        """Joined calls in start order (all of them, or the given ids)."""
        ids = (
            list(call_ids)
            if call_ids is not None
            else [r[0] for r in self.db.execute("SELECT id FROM calls ORDER BY started, id")]
        )
        for call_id in ids:
            joined = self.call_sentences(call_id)
            if joined:
                yield joined

    @_reads
    def content_hashes(self) -> dict[str, str]:
        return dict(self.db.execute("SELECT id, content_hash FROM calls"))

    @_reads
    def transcript_states(self, call_ids: Iterable[str]) -> dict[str, str]:
        ids = list(call_ids)
        found: dict[str, str] = {}
        for start in range(0, len(ids), 500):
            chunk = ids[start : start + 500]
            marks = ",".join("?" * len(chunk))
            found.update(
                self.db.execute(
                    f"SELECT id, transcript_state FROM calls WHERE id IN ({marks})", chunk
                )
            )
        return found

    @_reads
    def pending_calls(self) -> list[tuple[str, datetime]]:
        rows = self.db.execute(
            "SELECT id, started FROM calls WHERE transcript_state = 'pending' ORDER BY started"
        )
        return [(cid, _from_epoch(ts)) for cid, ts in rows]

    @_reads
    def call_ids_between(self, start: datetime, end: datetime) -> list[str]:
        rows = self.db.execute(
            "SELECT id FROM calls WHERE started >= ? AND started < ? ORDER BY started",
            (int(start.timestamp()), int(end.timestamp())),
        )
        return [r[0] for r in rows]

    @_reads
    def counts(self) -> dict[str, int]:
        one = self.db.execute
        return {
            "calls": one("SELECT count(*) FROM calls").fetchone()[0],
            "pending_transcripts": one(
                "SELECT count(*) FROM calls WHERE transcript_state = 'pending'"
            ).fetchone()[0],
            "users": one("SELECT count(*) FROM users").fetchone()[0],
            "without_transcript": one(
                "SELECT count(*) FROM calls WHERE transcript_state != 'ready'"
            ).fetchone()[0],
        }

    @_reads
    def date_range(self) -> tuple[datetime, datetime] | None:
        low, high = self.db.execute("SELECT min(started), max(started) FROM calls").fetchone()
        if low is None:
            return None
        return _from_epoch(low), _from_epoch(high)

    def transaction(self) -> Transaction:
        return Transaction(self.db)


def _from_epoch(seconds: int) -> datetime:
    """A stored start as a local datetime. Catalogs written before the parser refused absurd
    dates may hold year 10000, which ``fromtimestamp`` rejects: clamp, so status still runs."""
    low, high = records.EPOCH.timestamp(), records.LATEST.timestamp()
    return datetime.fromtimestamp(min(max(seconds, low), high)).astimezone()
