"""A canonical dump of catalog + index content, independent of hit order and docnums."""

from __future__ import annotations

import sqlite3
from pathlib import Path

from whoosh import index as whoosh_index

from gong_search.engines.whoosh.store import current_dir


def canonical_dump(index_dir: Path) -> dict:
    db = sqlite3.connect(Path(index_dir) / "catalog.sqlite3")
    catalog = {
        "calls": sorted(
            db.execute("SELECT id, started, content_hash, transcript_state FROM calls")
        ),
        "transcripts": sorted(db.execute("SELECT call_id, raw FROM transcripts")),
        "speakers": sorted(db.execute("SELECT * FROM call_speakers")),
    }
    db.close()
    ix = whoosh_index.open_dir(str(current_dir(index_dir)))
    with ix.searcher() as searcher:
        docs = sorted(
            tuple(sorted((k, str(v)) for k, v in fields.items()))
            for fields in searcher.all_stored_fields()
        )
    ix.close()
    return {"catalog": catalog, "index": docs}
