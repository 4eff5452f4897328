"""The storage half of a sync: commit fetched calls to the catalog, then to the index.

The order is what makes a sync crash-safe (docs/reliability.md): the catalog transaction
first, with the watermark, then the index commit, which tags each call with the catalog
content hash it reflects; whatever a crash interrupts, :func:`repair` at the start of the
next run makes the two agree again. SIGINT/SIGTERM are held across both commits
(:class:`DeferSignals`), so a stop lands on a page boundary. The page's documents are
written to the index writer and flushed (the bounded merge and the new segment's files)
*before* that window, nothing of it visible yet, so a signal while a page is being indexed
stops at once: the writer is cancelled and neither store has the page. Only the catalog
transaction and the index's table-of-contents switch run with signals held: Ctrl-C answers
within a second.
Runs on the main thread only; each commit returns a :class:`Tally` for the harvester.
"""

from __future__ import annotations

from collections.abc import Callable
from datetime import datetime

from .catalog import Catalog, StoredCall
from .commit_safety import DeferSignals, crash_point
from .engine import Engine
from .gong.records import Call, Transcript
from .sync_report import Tally
from .window import WATERMARK, advance_watermark, clamped_start


class Committer:
    """Owns the writes of one run: catalog rows, index documents, and the watermark."""

    def __init__(
        self, catalog: Catalog, engine: Engine, window_end: datetime, pending_since: datetime
    ) -> None:
        """``pending_since``: a call started after it and still without a transcript is
        "pending" (Gong may not have one yet); an older one is stored as having none."""
        self.catalog = catalog
        self.engine = engine
        self.window_end = window_end
        self.pending_since = pending_since
        self.indexed = engine.versions()  # call id -> the content hash the index reflects
        self.synced_starts: list[datetime] = []

    def store(self, calls: list[Call], transcripts: dict[str, Transcript]) -> Tally:
        """Store and index ``calls`` as one page commit; a call already stored with a
        transcript keeps it when Gong now sends none (never degrade a ready call)."""
        if not calls:
            return Tally()
        states = self.catalog.transcript_states(c.id for c in calls)
        stored = [self._stored(call, self._transcript(call, transcripts, states)) for call in calls]

        def commit_catalog() -> None:
            self.catalog.store_calls(stored)
            self._advance_watermark(calls)
            crash_point("after_catalog_commit")

        was_ready = {c for c, s in states.items() if s == "ready"}
        tally = self._index(stored, was_ready, commit_catalog)
        self.engine.tidy()  # after the page is in both stores: a stop here loses nothing
        return tally

    def refresh(self, calls: list[Call]) -> Tally:
        """New details for stored calls (an older catalog's upgrade): their transcripts
        stay as stored, the watermark does not move, changed calls are re-indexed."""
        if not calls:
            return Tally()
        states = self.catalog.transcript_states(c.id for c in calls)
        stored = [self._stored(call, self._transcript(call, {}, states)) for call in calls]
        indexed = self._index(stored, set(states), lambda: self.catalog.store_calls(stored))
        return Tally(refreshed=len(stored), sentences=indexed.sentences)

    def delete(self, call_ids: list[str]) -> Tally:
        """Remove calls from the catalog, then the index (one page commit, signals held)."""
        if not call_ids:
            return Tally()
        with DeferSignals():
            self.catalog.delete_calls(call_ids)
            with self.engine.writer() as writer:
                for call_id in call_ids:
                    writer.delete(call_id)
        for call_id in call_ids:
            self.indexed.pop(call_id, None)
        return Tally(removed=len(call_ids))

    def forget_vanished(self, gone: set[str]) -> Tally:
        """Calls deleted in Gong meanwhile: no longer retried, and removed if stored."""
        self.catalog.forget_failed(gone)
        return self.delete([cid for cid in gone if self.catalog.call(cid) is not None])

    def _transcript(
        self, call: Call, transcripts: dict[str, Transcript], states: dict[str, str]
    ) -> Transcript | None:
        transcript = transcripts.get(call.id)
        if not (transcript and transcript.sentence_count) and states.get(call.id) == "ready":
            return self.catalog.transcript(call.id)
        return transcript

    def _stored(self, call: Call, transcript: Transcript | None) -> StoredCall:
        joined = self.catalog.join(call, transcript)
        if joined.rows:
            state = "ready"
        elif call.started >= self.pending_since:
            state = "pending"
        else:
            state = "none"
        if transcript is None:
            transcript = Transcript(call.id, (), raw={"callId": call.id, "transcript": []})
        return StoredCall(joined, transcript, joined.content_hash(), state)

    def _advance_watermark(self, calls: list[Call]) -> None:
        """Record progress after each page: a stopped run resumes here, not from scratch."""
        self.synced_starts.append(clamped_start((c.started for c in calls), self.window_end))
        watermark = advance_watermark(self.catalog.get_state(WATERMARK), self.synced_starts)
        if watermark:
            self.catalog.set_state(WATERMARK, watermark)

    def _index(
        self, stored: list[StoredCall], was_ready: set[str], commit_catalog: Callable[[], None]
    ) -> Tally:
        """Write the changed calls to an index writer, then commit the catalog
        (``commit_catalog``) and the index with signals held; count the calls as the
        summary reports them."""
        changed = [s for s in stored if self.indexed.get(s.call.id) != s.content_hash]
        sentences = 0
        if not changed:
            with DeferSignals():
                commit_catalog()
        else:
            with self.engine.writer() as writer:  # cancelled on any exception, Ctrl-C too
                for n, item in enumerate(changed):
                    writer.replace(item.joined, item.content_hash)
                    if n == len(changed) // 2:
                        crash_point("mid_index")
                writer.flush()  # the slow part of the commit, still interruptible
                with DeferSignals():
                    commit_catalog()
                    crash_point("before_index_commit")
                    writer.commit()
            self.indexed.update((item.call.id, item.content_hash) for item in changed)
            sentences = writer.sentences_added
        changed_ids = {item.call.id for item in changed}
        fresh = [s for s in stored if s.transcript_state != "pending" and s.call.id in changed_ids]
        return Tally(
            unchanged=len(stored) - len(changed),
            pending=sum(s.transcript_state == "pending" for s in stored),
            added=sum(s.call.id not in was_ready for s in fresh),
            updated=sum(s.call.id in was_ready for s in fresh),
            sentences=sentences,
            unmatched_sentences=sum(item.joined.unmatched for item in changed),
        )
