"""Writing: a call's documents replaced or deleted, made visible by ``commit`` only.

Nothing reaches the cluster before ``commit`` (the index has no periodic refresh, and the
writer keeps its page of calls in memory), so a cancelled or crashed writer changes
nothing searchable. ``commit`` refuses a red cluster, deletes the touched calls' documents,
indexes their new ones (each call's *call document*, with the catalog version, last),
then refreshes: a sync's page is searchable when the sync says it is.
"""

from __future__ import annotations

from collections.abc import Iterable, Iterator

from ...sentences import CallSentences
from ..documents import call_fields, keys, note_fields, sentence_fields
from .store import Store

BATCH = 2_000  # documents per bulk request


def documents(joined: CallSentences, version: str) -> Iterator[tuple[str, dict]]:
    """(id, document) for every sentence and note of a call, then its call document; each
    carries the call's fields (empty ones left out, as Whoosh indexes no empty term)."""
    call = joined.call
    fields = call_fields(joined)
    facts = fields.pop("facts")
    shared = {"call_id": call.id, "started": fields.pop("call_started")}
    shared |= {name: value for name, value in fields.items() if value not in (None, "", [])}
    for row in joined.rows:
        doc = {**shared, "kind": "sentence", **sentence_fields(row)}
        if row.trackers:
            doc.update(trackers=keys(row.trackers), tracker_names=list(row.trackers))
        yield f"{call.id}/{row.ordinal}", doc
    for note in joined.notes:
        yield f"{call.id}/{note.ordinal}", {**shared, **note_fields(note)}
    yield f"{call.id}/call", {**shared, "kind": "call", "hash": version, "facts": facts,
                              "sentences": len(joined.rows)}  # fmt: skip


def index_in_batches(
    store: Store, calls: Iterable[tuple[CallSentences, str]], index: str | None = None
) -> int:
    """Bulk-index ``calls``; returns sentences sent."""
    lines: list[dict] = []
    count = 0
    for joined, version in calls:
        for doc_id, doc in documents(joined, version):
            lines += [{"index": {"_id": doc_id}}, doc]
        count += len(joined.rows)
        if len(lines) >= 2 * BATCH:
            store.bulk(lines, index)
            lines = []
    store.bulk(lines, index)
    return count


def existing_ids(store: Store, call_ids: list[str]) -> Iterator[str]:
    """The ids of every document of ``call_ids`` (search_after; delete-by-query is a
    module a bare node does not load)."""
    after: list | None = None
    while True:
        body: dict = {"query": {"terms": {"call_id": call_ids}}, "_source": False,
                      "size": BATCH, "sort": [{"call_id": "asc"}, {"ordinal": "asc"}],
                      "track_total_hits": False}  # fmt: skip
        if after is not None:
            body["search_after"] = after
        hits = store.search(body)["hits"]["hits"]
        yield from (hit["_id"] for hit in hits)
        if len(hits) < BATCH:
            return
        after = hits[-1]["sort"]


class OpenSearchWriter:
    """:class:`gong_search.engine.Writer`: the page's calls, kept until commit."""

    def __init__(self, store: Store) -> None:
        self.store = store
        self._pending: dict[str, tuple[CallSentences, str] | None] = {}
        self.sentences_added = 0

    def replace(self, joined: CallSentences, version: str) -> None:
        self._pending[joined.call.id] = (joined, version)
        self.sentences_added += len(joined.rows)

    def delete(self, call_id: str) -> None:
        self._pending[call_id] = None

    def flush(self) -> None:
        """Nothing ahead of ``commit``: the page's documents are sent by it."""

    def commit(self) -> None:
        if not self._pending:
            return
        store = self.store
        store.refuse_if_red()
        store.refresh()  # a crashed writer's unrefreshed documents become deletable
        gone = [{"delete": {"_id": doc_id}} for doc_id in existing_ids(store, list(self._pending))]
        for start in range(0, len(gone), BATCH):
            store.bulk(gone[start : start + BATCH])
        index_in_batches(store, (call for call in self._pending.values() if call is not None))
        store.refresh()
        self._pending.clear()

    def cancel(self) -> None:
        self._pending.clear()

    def close(self) -> None:
        self.cancel()

    def __enter__(self) -> OpenSearchWriter:
        return self

    def __exit__(self, exc_type: object, *rest: object) -> None:
        if exc_type is None:
            self.commit()
        self.close()
