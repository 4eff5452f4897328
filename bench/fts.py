"""The SQLite FTS5 baseline: the same sentences and fields, the same filters as SQL.

One content table holds what our Whoosh index stores; an external-content FTS5 table
indexes the text and speaker columns with ``porter unicode61 remove_diacritics 2`` (no
text is stored twice). Ranking is FTS5's built-in bm25 (``rank``). Filtered and sorted
queries use ``CROSS JOIN`` so SQLite walks the full-text matches first and looks the few
rows up by rowid: a plain join can pick a plan that scans the content table (issue 7).
"""

from __future__ import annotations

import csv
import io
import re
import sqlite3
from collections.abc import Iterable
from dataclasses import dataclass
from datetime import datetime
from pathlib import Path

from gong_search.sentences import CallSentences, normalize_name

SCHEMA = """
CREATE TABLE calls (
    id TEXT PRIMARY KEY, title TEXT, url TEXT, host TEXT, accounts TEXT, started INTEGER
);
CREATE TABLE sentences (
    id INTEGER PRIMARY KEY, call_id TEXT, ordinal INTEGER, speaker_key TEXT,
    speaker_name TEXT, speaker_email TEXT, affiliation TEXT, topic TEXT,
    started INTEGER, start_ms INTEGER, end_ms INTEGER, text TEXT
);
CREATE TABLE speakers (
    key TEXT PRIMARY KEY, name TEXT, email TEXT, affiliation TEXT, calls INT, sentences INT
);
CREATE VIRTUAL TABLE sentences_fts USING fts5(
    text, speaker_name, speaker_email, content='sentences', content_rowid='id',
    tokenize='porter unicode61 remove_diacritics 2'
);
"""
# built after the bulk load: context lookups (call, ordinal) and speaker filters
INDEXES = (
    "CREATE INDEX sentences_call ON sentences (call_id, ordinal)",
    "CREATE INDEX sentences_speaker ON sentences (speaker_key)",
)


def build(path: Path, calls: Iterable[CallSentences]) -> int:
    """Bulk-load ``calls`` into a fresh FTS5 database at ``path``; returns sentences."""
    path.unlink(missing_ok=True)
    db = sqlite3.connect(path, isolation_level=None)
    db.executescript(SCHEMA)
    db.execute("BEGIN")
    speakers: dict[str, list] = {}
    count = 0
    for joined in calls:
        call, started = joined.call, int(joined.call.started.timestamp())
        db.execute(
            "INSERT INTO calls VALUES (?, ?, ?, ?, ?, ?)",
            (
                call.id,
                call.title,
                call.url,
                normalize_name(joined.host_name),
                ",".join(joined.domains),
                started,
            ),
        )
        rows = []
        seen: set[str] = set()
        for row in joined.rows:
            key = normalize_name(row.speaker_name)
            rows.append(
                (
                    call.id,
                    row.ordinal,
                    key,
                    row.speaker_name,
                    row.speaker_email,
                    row.affiliation.lower(),
                    row.topic.lower(),
                    started,
                    row.start_ms,
                    row.end_ms,
                    row.text,
                )
            )
            entry = speakers.setdefault(
                key, [key, row.speaker_name, row.speaker_email, row.affiliation, 0, 0]
            )
            entry[4] += key not in seen
            entry[5] += 1
            seen.add(key)
        db.executemany(
            "INSERT INTO sentences (call_id, ordinal, speaker_key, speaker_name, speaker_email,"
            " affiliation, topic, started, start_ms, end_ms, text)"
            " VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?)",
            rows,
        )
        count += len(rows)
    db.executemany("INSERT INTO speakers VALUES (?, ?, ?, ?, ?, ?)", speakers.values())
    db.execute("INSERT INTO sentences_fts (sentences_fts) VALUES ('rebuild')")
    for statement in INDEXES:
        db.execute(statement)
    db.execute("COMMIT")
    db.close()
    return count


# -- queries ---------------------------------------------------------------------------------

HIT_COLUMNS = (
    "s.call_id, s.ordinal, s.speaker_name, s.speaker_email, s.affiliation, s.start_ms,"
    " s.end_ms, s.text, c.title, c.url, c.started"
)
HIT_NAMES = (
    "call_id",
    "ordinal",
    "speaker_name",
    "speaker_email",
    "affiliation",
    "start_ms",
    "end_ms",
    "text",
    "call_title",
    "call_url",
    "call_started",
    "score",
)


def match_expression(text: str, operator: str = "OR") -> str:
    """An FTS5 MATCH on the text column: a quoted phrase stays a phrase, words are joined."""
    if text.startswith('"') and text.endswith('"'):
        return f'text : "{text.strip(chr(34))}"'
    words = re.findall(r"\w+", text)
    return "text : (" + f" {operator} ".join(f'"{w}"' for w in words) + ")"


@dataclass(frozen=True)
class FtsQuery:
    """One query in baseline terms (the same meaning as our SearchOptions subset)."""

    match: str
    affiliations: tuple[str, ...] = ()
    start: datetime | None = None
    end: datetime | None = None
    speaker: str | None = None  # fuzzy, resolved like ours against the speakers table
    sort_date: bool = False
    limit: int = 20
    context: int = 0
    csv: bool = False
    facets: bool = False  # also count matches per speaker, account and month


# what our --facet speaker,account,month counts: sentences and calls per value
FACET_SQL = {
    "speaker": "s.speaker_key",
    "account": "c.accounts",
    "month": "strftime('%Y-%m', c.started, 'unixepoch')",
}


class Fts:
    """A long-lived connection answering :class:`FtsQuery` the way our search answers."""

    def __init__(self, path: Path) -> None:
        self.db = sqlite3.connect(f"file:{path}?mode=ro", uri=True)

    def close(self) -> None:
        self.db.close()

    def speaker_keys(self, wanted: str) -> list[str]:
        """The same fuzzy resolution our search does (its own matcher, our speaker list)."""
        from gong_search.catalog import Speaker
        from gong_search.names import match_speakers

        rows = self.db.execute(
            "SELECT key, name, email, affiliation, calls, sentences FROM speakers"
            " ORDER BY sentences DESC, key"
        )
        return [m.speaker.key for m in match_speakers(wanted, [Speaker(*r) for r in rows])]

    def search(self, q: FtsQuery) -> list[dict]:
        sql, params = self._sql(q)
        hits = [dict(zip(HIT_NAMES, row, strict=True)) for row in self.db.execute(sql, params)]
        if q.context:
            for hit in hits:
                hit["context"] = self._context(hit, q.context)
        if q.facets:
            for column in FACET_SQL.values():
                self.db.execute(
                    f"SELECT {column}, count(*), count(DISTINCT s.call_id) FROM sentences_fts"
                    " CROSS JOIN sentences s ON s.id = sentences_fts.rowid"
                    " CROSS JOIN calls c ON c.id = s.call_id"
                    f" WHERE sentences_fts MATCH ? GROUP BY {column}",
                    (q.match,),
                ).fetchall()
        if q.csv:
            out = io.StringIO()
            writer = csv.writer(out)
            writer.writerow(HIT_NAMES)
            writer.writerows([h[n] for n in HIT_NAMES] for h in hits)
        return hits

    def _sql(self, q: FtsQuery) -> tuple[str, list]:
        where, params = [], []
        if q.affiliations:
            where.append(f"s.affiliation IN ({','.join('?' * len(q.affiliations))})")
            params += list(q.affiliations)
        if q.start:
            where.append("c.started >= ?")
            params.append(int(q.start.timestamp()))
        if q.end:
            where.append("c.started < ?")
            params.append(int(q.end.timestamp()))
        if q.speaker:
            keys = self.speaker_keys(q.speaker)
            where.append(f"s.speaker_key IN ({','.join('?' * len(keys))})")
            params += keys
        if not where and not q.sort_date:  # rank the top N first, then fetch N rows
            sql = (
                f"SELECT {HIT_COLUMNS}, f.rank FROM (SELECT rowid, rank FROM sentences_fts"
                " WHERE sentences_fts MATCH ? ORDER BY rank LIMIT ?) AS f"
                " CROSS JOIN sentences s ON s.id = f.rowid"
                " CROSS JOIN calls c ON c.id = s.call_id ORDER BY f.rank"
            )
            return sql, [q.match, q.limit]
        order = "c.started DESC, s.ordinal" if q.sort_date else "sentences_fts.rank"
        sql = (
            f"SELECT {HIT_COLUMNS}, sentences_fts.rank FROM sentences_fts"
            " CROSS JOIN sentences s ON s.id = sentences_fts.rowid"
            " CROSS JOIN calls c ON c.id = s.call_id"
            f" WHERE sentences_fts MATCH ? {''.join(' AND ' + w for w in where)}"
            f" ORDER BY {order} LIMIT ?"
        )
        return sql, [q.match, *params, q.limit]

    def _context(self, hit: dict, size: int) -> list[tuple]:
        return self.db.execute(
            "SELECT ordinal, speaker_name, start_ms, text FROM sentences"
            " WHERE call_id = ? AND ordinal BETWEEN ? AND ? AND ordinal != ? ORDER BY ordinal",
            (hit["call_id"], hit["ordinal"] - size, hit["ordinal"] + size, hit["ordinal"]),
        ).fetchall()


COLD_SCRIPT = """
import json, sqlite3, sys
db = sqlite3.connect(f"file:{sys.argv[1]}?mode=ro", uri=True)
words = sys.argv[2].split()
match = "text : (" + " OR ".join(f'"{w}"' for w in words) + ")"
rows = db.execute(
    "SELECT s.call_id, s.ordinal, s.speaker_name, s.speaker_email, s.affiliation, s.start_ms,"
    " s.end_ms, s.text, c.title, c.url, c.started, f.rank FROM (SELECT rowid, rank FROM"
    " sentences_fts WHERE sentences_fts MATCH ? ORDER BY rank LIMIT 20) AS f CROSS JOIN"
    " sentences s ON s.id = f.rowid CROSS JOIN calls c ON c.id = s.call_id ORDER BY f.rank",
    (match,),
)
for row in rows:
    sys.stdout.write(json.dumps(row) + "\\n")
"""
