"""The catalog's SQLite file: its schema, opening it for writing or read-only, and the
transaction a page of calls is committed in."""

from __future__ import annotations

import os
import re
import sqlite3
from pathlib import Path

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
-- a monotonic sequence over calls as they are stored new or changed: what `watch` reads
CREATE TABLE IF NOT EXISTS call_sequence (
    seq INTEGER PRIMARY KEY AUTOINCREMENT,  -- never reused, so a mark below it stays valid
    call_id TEXT NOT NULL UNIQUE
);
-- saved searches: a query and its SearchOptions (as a JSON mapping), and watch's mark
CREATE TABLE IF NOT EXISTS saved_searches (
    name TEXT PRIMARY KEY,
    spec TEXT NOT NULL,                -- {"query": ..., "options": {...}, "note": ...}
    watched_seq INTEGER NOT NULL       -- call_sequence.seq reported up to by `watch`
);
"""
# calls stored before call_sequence existed get a number once, oldest call first
NUMBER_OLD_CALLS = """
INSERT INTO call_sequence (call_id)
SELECT id FROM calls WHERE id NOT IN (SELECT call_id FROM call_sequence) ORDER BY started, id
"""


class Transaction:
    """BEGIN IMMEDIATE ... COMMIT, or ROLLBACK on error: a page lands whole or not at all."""

    def __init__(self, db: sqlite3.Connection) -> None:
        self.db = db

    def __enter__(self) -> sqlite3.Connection:
        self.db.execute("BEGIN IMMEDIATE")
        return self.db

    def __exit__(self, exc_type: object, *rest: object) -> None:
        self.db.execute("COMMIT" if exc_type is None else "ROLLBACK")


def open_for_writing(path: Path) -> sqlite3.Connection:
    if not path.exists():
        path.touch(mode=0o600)
    db = sqlite3.connect(path, timeout=30, isolation_level=None)
    db.execute("PRAGMA journal_mode=WAL")
    db.execute("PRAGMA synchronous=NORMAL")
    db.executescript(SCHEMA)
    db.execute(NUMBER_OLD_CALLS)  # the migration of an older catalog; a no-op after it
    return db


def open_read_only(path: Path) -> sqlite3.Connection:
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
    _missing_tables_as_empty(db)
    return db


def _missing_tables_as_empty(db: sqlite3.Connection) -> None:
    """A catalog written by an earlier version lacks the tables added since, and a
    read-only connection cannot add them (the next sync does): empty temporary stand-ins
    answer instead, so ``status`` and searches work right after an upgrade."""
    present = {name for (name,) in db.execute("SELECT name FROM sqlite_master WHERE type='table'")}
    for statement in _statements(SCHEMA):
        table = re.search(r"CREATE TABLE IF NOT EXISTS (\w+)", statement)
        if table and table.group(1) not in present:
            db.execute(statement.replace("CREATE TABLE IF NOT EXISTS", "CREATE TEMP TABLE", 1))


def _statements(script: str) -> list[str]:
    """The statements of an SQL script (comments may hold semicolons: SQLite decides)."""
    found, buffer = [], ""
    for line in script.splitlines(keepends=True):
        buffer += line
        if sqlite3.complete_statement(buffer):
            found.append(buffer)
            buffer = ""
    return found
