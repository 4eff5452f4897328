"""Writing the Whoosh index: a call's documents, replaced or deleted, and full rebuilds.

Writers always ``cancel()`` on failure so Whoosh's lock is released.
"""

from __future__ import annotations

import contextlib
import shutil
from collections.abc import Iterable
from pathlib import Path

from whoosh import index

from ...sentences import CallSentences
from ..documents import call_fields, keys, note_fields, sentence_fields
from .schema import WRITER_SETTINGS
from .store import create_generation, next_generation, open_index, switch_to

# -- writing -----------------------------------------------------------------------------


def sentence_documents(joined: CallSentences) -> Iterable[dict]:
    call_id, started = joined.call.id, int(joined.call.started.timestamp())
    for row in joined.rows:
        doc = {"call_id": call_id, "started": started, **sentence_fields(row)}
        if row.trackers:
            doc["trackers"] = _keywords(row.trackers)
            doc["tracker_names"] = list(row.trackers)
        yield doc


def note_documents(joined: CallSentences) -> Iterable[dict]:
    """Briefs, key points, highlights, outline items and comments (see the schema)."""
    call_id, started = joined.call.id, int(joined.call.started.timestamp())
    for note in joined.notes:
        yield {"call_id": call_id, "started": started, **note_fields(note)}


MULTI_VALUED = ("account", "deal", "stage", "stage_now", "participant")


def call_document(joined: CallSentences, content_hash: str) -> dict:
    """The per-call document: shared fields for filters, facet values, and the hash the
    index reflects."""
    shared = call_fields(joined)
    shared.update({name: ",".join(shared[name]) for name in MULTI_VALUED})
    return {
        "marker_call": joined.call.id,
        "marker_hash": content_hash,
        "is_marker": "1",
        **shared,
        "sentences": len(joined.rows) + len(joined.notes),
    }


def _keywords(values: Iterable[str]) -> str:
    """A keyword field's value: normalised keys, comma-separated (commas in keys dropped)."""
    return ",".join(keys(values))


def _add_call(writer, joined: CallSentences, content_hash: str) -> None:
    for doc in sentence_documents(joined):
        writer.add_document(**doc)
    for doc in note_documents(joined):
        writer.add_document(**doc)
    writer.add_document(**call_document(joined, content_hash))


class IndexUpdater:
    """One Whoosh writer for a batch of call replacements; commit or cancel, never leak.

    Whoosh only deletes documents that are already committed, so replacing the same call
    twice inside one writer would duplicate it: that case commits first.
    """

    def __init__(self, index_dir: Path) -> None:
        self.index_dir = Path(index_dir)
        self._ix = open_index(self.index_dir, create=True)
        self._writer = None
        self._touched: set[str] = set()
        self.sentences_added = 0

    def _w(self):
        if self._writer is None:
            self._writer = self._ix.writer(**WRITER_SETTINGS)
        return self._writer

    def replace(self, joined: CallSentences, content_hash: str) -> None:
        """Make the index hold exactly ``joined`` for its call, tagged with ``content_hash``."""
        if joined.call.id in self._touched:
            self.commit()
        self.delete(joined.call.id)
        _add_call(self._w(), joined, content_hash)
        self.sentences_added += len(joined.rows)

    def delete(self, call_id: str) -> None:
        writer = self._w()
        writer.delete_by_term("call_id", call_id)
        writer.delete_by_term("marker_call", call_id)
        self._touched.add(call_id)

    def commit(self) -> None:
        if self._writer is not None:
            writer, self._writer = self._writer, None
            writer.commit()
        self._touched.clear()

    def cancel(self) -> None:
        if self._writer is not None:
            writer, self._writer = self._writer, None
            writer.cancel()
        self._touched.clear()

    def close(self) -> None:
        self.cancel()
        self._ix.close()

    def __enter__(self) -> IndexUpdater:
        return self

    def __exit__(self, exc_type: object, *rest: object) -> None:
        if exc_type is None:
            self.commit()
        self.close()


def rebuild(index_dir: Path, calls: Iterable[tuple[CallSentences, str]]) -> int:
    """Build a fresh generation from ``calls`` and switch to it only once complete."""
    generation = next_generation(index_dir)
    ix = writer = None
    count = 0
    try:  # from the first directory made: a signal anywhere leaves no half-built generation
        create_generation(generation)
        ix = index.open_dir(str(generation))
        writer = ix.writer(**WRITER_SETTINGS)
        for joined, content_hash in calls:
            _add_call(writer, joined, content_hash)
            count += len(joined.rows)
        writer.commit()
    except BaseException:
        _discard(writer, ix, generation)
        raise
    ix.close()
    switch_to(index_dir, generation)
    return count


def _discard(writer, ix: index.Index | None, generation: Path) -> None:
    """Remove a half-built generation. On a full disk cancelling the writer fails too (it
    flushes as it closes); the directory must go all the same, and the first error is the
    one to report."""
    try:
        with contextlib.suppress(Exception):
            if writer is not None:
                writer.cancel()
        if ix is not None:
            ix.close()
    finally:
        shutil.rmtree(generation, ignore_errors=True)
