"""Writing the Whoosh index: a call's documents, replaced or deleted, and full rebuilds.

Writers always ``cancel()`` on failure so Whoosh's lock is released.

Merges are bounded. Whoosh's default policy may merge every segment it finds "small" into
a commit, and at ~3M sentences it merged 2.2M documents in one page commit (11 minutes with
Ctrl-C held). Merging costs about as much per document as indexing it (~1,600-3,300
documents/s on 2 cores), so a page commit here merges only segments of at most
:data:`MERGE_CAP` documents, and those only once :data:`MERGE_FANOUT` of them have piled up
(the tiny segments of frequent small syncs); segments as large as a page are left alone
there. Larger merges happen in :func:`tidy`, between pages and interruptible, and only when
the index has more than :data:`MAX_SEGMENTS` segments.
"""

from __future__ import annotations

import contextlib
import shutil
from collections.abc import Iterable
from pathlib import Path

from whoosh import index
from whoosh.reading import SegmentReader

from ...sentences import CallSentences
from ..documents import call_fields, keys, note_fields, sentence_fields
from .schema import WRITER_SETTINGS
from .store import create_generation, next_generation, open_index, switch_to

# A page commit merges at most this many documents of earlier segments (a few seconds).
MERGE_CAP = 20_000
# ... and only once this many segments small enough to merge have piled up.
MERGE_FANOUT = 8
# Above this many segments, :func:`tidy` merges the smallest, outside any page commit.
MAX_SEGMENTS = 40
TIDY_FANOUT = 10

# -- merging -----------------------------------------------------------------------------


def plan_merge(sizes: list[int], cap: int, fanout: int) -> list[int]:
    """Which segments (indexes into ``sizes``, documents each) a commit merges: the smallest,
    as long as together they hold at most ``cap`` documents, and only when there are at
    least ``fanout`` of them; else none. So no commit merges more than ``cap`` documents."""
    chosen, total = [], 0
    for size, i in sorted((size, i) for i, size in enumerate(sizes)):
        if total + size > cap:
            break
        chosen.append(i)
        total += size
    return chosen if len(chosen) >= fanout else []


def bounded_merge(cap: int, fanout: int):
    """A Whoosh ``mergetype``: merge the segments :func:`plan_merge` picks into the new one."""

    def merge(writer, segments: list) -> list:
        live = [s for s in segments if s.doc_count()]  # wholly deleted ones go for free
        picked = set(plan_merge([s.doc_count_all() for s in live], cap, fanout))
        return _merging(picked)(writer, live)

    return merge


def tidy(index_dir: Path) -> int:
    """Keep the segment count bounded: above :data:`MAX_SEGMENTS`, merge the
    :data:`TIDY_FANOUT` smallest segments in one commit of their own (no new documents).

    Runs between page commits, with signals *not* held: it may take minutes on a large
    index, and a Ctrl-C or ``kill -9`` in the middle only loses the merge (the writer is
    cancelled; Whoosh switches segments at its atomic table-of-contents write, and the
    next commit deletes a killed merge's files). Returns the documents merged.
    """
    ix = open_index(index_dir)
    try:
        segments = ix._segments()
        if len(segments) <= MAX_SEGMENTS:
            return 0
        order = sorted(range(len(segments)), key=lambda i: segments[i].doc_count_all())
        picked = set(order[:TIDY_FANOUT])
        writer = ix.writer(**WRITER_SETTINGS)
        try:
            writer.commit(mergetype=_merging(picked))
        except BaseException:
            with contextlib.suppress(Exception):
                writer.cancel()
            raise
        return sum(segments[i].doc_count_all() for i in picked)
    finally:
        ix.close()


def _merging(picked: set[int]):
    """A Whoosh ``mergetype`` merging the segments at ``picked`` (indexes into the list)."""

    def merge(writer, segments: list) -> list:
        for i in sorted(picked):
            reader = SegmentReader(writer.storage, writer.schema, segments[i])
            writer.add_reader(reader)
            reader.close()
        return [s for i, s in enumerate(segments) if i not in picked]

    return merge


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
        self._flushed: list | None = None  # the segment list once flushed, until commit
        self._touched: set[str] = set()
        self.sentences_added = 0

    def _w(self):
        if self._flushed is not None:  # written out already: that batch goes first
            self.commit()
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

    def flush(self) -> None:
        """The slow part of a commit, none of it visible: the bounded merge (at most
        :data:`MERGE_CAP` earlier documents) and the new segment's files. :meth:`commit`
        then only writes Whoosh's table of contents (an atomic rename), so the commit run
        with signals held takes milliseconds. A signal or crash here leaves files nothing
        refers to, which the next commit deletes. (Whoosh's own ``commit`` is these steps.)
        """
        if self._writer is None or self._flushed is not None:
            return
        writer = self._writer
        segments = writer._merge_segments(bounded_merge(MERGE_CAP, MERGE_FANOUT), False, True)
        if writer._added:
            segments.append(writer._finalize_segment())
        else:
            writer._close_segment()
        self._flushed = segments

    def commit(self) -> None:
        """Make the changes visible (flushing first if :meth:`flush` was not called)."""
        if self._writer is not None:
            self.flush()
            writer, segments = self._writer, self._flushed
            self._writer, self._flushed = None, None
            writer._commit_toc(segments)
            writer._finish()
        self._touched.clear()

    def cancel(self) -> None:
        if self._writer is not None:
            writer, self._writer, self._flushed = self._writer, None, None
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
