"""The SQLite catalog: what Gong returned, as received, plus the sync state.

It is the truth the Whoosh index is derived from: ``reindex`` rebuilds the index from it
without spending a single request of the 10,000-a-day quota. Raw JSON is stored and turned
back into records by :mod:`gong_search.gong.records`, the one parser.
"""

from __future__ import annotations

import json
import os
import sqlite3
from collections.abc import Callable, Iterable, Iterator
from contextlib import contextmanager
from dataclasses import dataclass
from datetime import datetime
from functools import wraps
from pathlib import Path
from typing import Any, TypeVar

from .errors import CatalogError
from .gong import records
from .gong.records import Call, Transcript, User
from .sentences import CallSentences, join_sentences, normalize_name

CATALOG_NAME = "catalog.sqlite3"
F = TypeVar("F", bound=Callable[..., Any])
SCHEMA = """
CREATE TABLE IF NOT EXISTS state (key TEXT PRIMARY KEY, value TEXT NOT NULL);
CREATE TABLE IF NOT EXISTS users (id TEXT PRIMARY KEY, raw TEXT NOT NULL);
CREATE TABLE IF NOT EXISTS calls (
    id TEXT PRIMARY KEY,
    started INTEGER NOT NULL,          -- epoch seconds, for windows and the watermark
    raw TEXT NOT NULL,                 -- /v2/calls/extensive item as received
    content_hash TEXT NOT NULL,        -- digest of what the index should hold for it
    transcript_state TEXT NOT NULL     -- ready | pending | none
        CHECK (transcript_state IN ('ready', 'pending', 'none'))
);
CREATE INDEX IF NOT EXISTS calls_started ON calls (started);
CREATE TABLE IF NOT EXISTS transcripts (call_id TEXT PRIMARY KEY, raw TEXT NOT NULL);
-- derived from the two above at sync time: who spoke on which call (speaker filters)
CREATE TABLE IF NOT EXISTS call_speakers (
    call_id TEXT NOT NULL,
    speaker_key TEXT NOT NULL,
    name TEXT NOT NULL,
    email TEXT NOT NULL,
    affiliation TEXT NOT NULL,
    sentences INTEGER NOT NULL,
    PRIMARY KEY (call_id, speaker_key)
);
CREATE INDEX IF NOT EXISTS call_speakers_key ON call_speakers (speaker_key);
-- listed calls whose transcript batch Gong refused: asked again every run until it answers
CREATE TABLE IF NOT EXISTS failed_calls (id TEXT PRIMARY KEY, raw TEXT NOT NULL);
-- calls stored without a transcript past --pending-days: asked again on a backoff schedule
CREATE TABLE IF NOT EXISTS transcript_checks (
    call_id TEXT PRIMARY KEY,
    checks INTEGER NOT NULL,           -- re-checks made so far
    next_check INTEGER NOT NULL        -- epoch seconds; 0 = on the next run
);
"""


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
            raise CatalogError(
                f"{index_dir}: no gong-search index here (run `gong-search sync`, or pass --index)"
            )
        try:
            if create:
                prepare_index_dir(Path(index_dir))
            self.db = _open_for_writing(self.path) if create else _open_read_only(self.path)
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
        return join_sentences(call, transcript, self.host_name(call))

    def store_calls(self, stored: Iterable[StoredCall]) -> None:
        """Write a page of calls and transcripts in one transaction (all or nothing)."""
        with self.transaction():
            for item in stored:
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

    def transaction(self) -> _Transaction:
        return _Transaction(self.db)


def _from_epoch(seconds: int) -> datetime:
    """A stored start as a local datetime. Catalogs written before the parser refused absurd
    dates may hold year 10000, which ``fromtimestamp`` rejects: clamp, so status still runs."""
    low, high = records.EPOCH.timestamp(), records.LATEST.timestamp()
    return datetime.fromtimestamp(min(max(seconds, low), high)).astimezone()


class _Transaction:
    """BEGIN IMMEDIATE ... COMMIT, or ROLLBACK on error: a page lands whole or not at all."""

    def __init__(self, db: sqlite3.Connection) -> None:
        self.db = db

    def __enter__(self) -> sqlite3.Connection:
        self.db.execute("BEGIN IMMEDIATE")
        return self.db

    def __exit__(self, exc_type: object, *rest: object) -> None:
        self.db.execute("COMMIT" if exc_type is None else "ROLLBACK")


def _open_for_writing(path: Path) -> sqlite3.Connection:
    if not path.exists():
        path.touch(mode=0o600)
    db = sqlite3.connect(path, timeout=30, isolation_level=None)
    db.execute("PRAGMA journal_mode=WAL")
    db.execute("PRAGMA synchronous=NORMAL")
    db.executescript(SCHEMA)
    return db


def _open_read_only(path: Path) -> sqlite3.Connection:
    """``mode=ro``, so reading never changes the catalog.

    A WAL database is read through a shared-memory file beside it; in a read-only directory
    that file cannot be created, so the catalog is opened ``immutable`` there: nobody can be
    writing to it either.
    """
    uri = f"{path.absolute().as_uri()}?mode=ro"
    db = sqlite3.connect(uri, uri=True, timeout=30, isolation_level=None)
    try:
        db.execute("SELECT count(*) FROM sqlite_master").fetchone()
    except sqlite3.OperationalError:
        db.close()
        if os.access(path.parent, os.W_OK):
            raise
        db = sqlite3.connect(f"{uri}&immutable=1", uri=True, isolation_level=None)
    return db


def prepare_index_dir(path: Path) -> None:
    """Accept an existing index, an empty directory or a new one; refuse anything else.

    A non-empty directory holding no catalog is someone's files (``--index ~``, ``/tmp``):
    writing an index among them, or making them private, is not ours to do.
    """
    if (path / CATALOG_NAME).exists():
        return
    try:
        foreign = path.is_dir() and any(path.iterdir())
    except OSError as exc:
        raise CatalogError(f"{path}: cannot read index directory ({exc.strerror})") from None
    if foreign:
        raise CatalogError(
            f"{path}: directory is not empty and holds no gong-search index; use a new "
            f"subdirectory, e.g. --index {path / 'gong-index'}"
        )
    ensure_private_dir(path)


def ensure_private_dir(path: Path) -> None:
    """Create ``path`` readable by the owner only: it holds the whole company's calls.

    A directory that already exists keeps its mode: gong-search did not create it, and it
    may be shared on purpose (a sticky ``/tmp``) or be the user's home.
    """
    try:
        path.mkdir(mode=0o700, parents=True)
    except FileExistsError:
        if path.is_dir():
            return
        raise CatalogError(f"{path}: cannot create index directory (not a directory)") from None
    except OSError as exc:
        raise CatalogError(f"{path}: cannot create index directory ({exc.strerror})") from None
    os.chmod(path, 0o700)  # mkdir's mode is reduced by the umask


@contextmanager
def owner_only_files() -> Iterator[None]:
    """Files created meanwhile are readable by their owner only, whatever the umask.

    SQLite and Whoosh create their files (journals, segments, locks) with the process umask;
    an index holds the whole company's calls, so while writing one the umask is 077.
    """
    previous = os.umask(0o077)
    try:
        yield
    finally:
        os.umask(previous)
