"""The OpenSearch engine: the same documents as the Whoosh engine's, in a cluster.

The catalog stays local (SQLite, the truth); the cluster holds one sentence document per
sentence and one call document per call with the catalog version it reflects, behind an
alias per index directory. Modules: :mod:`.mapping` (analysis, fields), :mod:`.store`
(names, client, errors), :mod:`.writer`, :mod:`.query` (the query language as DSL),
:mod:`.searcher`.
"""

from __future__ import annotations

from collections.abc import Iterable
from pathlib import Path

from ...engine import IndexStats
from ...engine_choice import EngineChoice
from ...sentences import CallSentences
from .searcher import OpenSearchSearcher, raise_missing
from .store import Store, talking
from .writer import OpenSearchWriter, index_in_batches

CALLS = {"term": {"kind": "call"}}


class OpenSearchEngine:
    """:class:`gong_search.engine.Engine` over one alias in one cluster."""

    def __init__(self, index_dir: Path, choice: EngineChoice) -> None:
        self.index_dir = Path(index_dir)
        self.store = Store(choice, self.index_dir)

    def searcher(self) -> OpenSearchSearcher:
        return OpenSearchSearcher(self.store)

    def writer(self) -> OpenSearchWriter:
        if not self.store.exists():
            raise_missing(self.store)
        return OpenSearchWriter(self.store)

    def versions(self) -> dict[str, str]:
        """Every call document's version, read in call id order with search_after."""
        if not self.store.exists():
            raise_missing(self.store)
        found: dict[str, str] = {}
        after: list | None = None
        while True:
            body: dict = {"query": CALLS, "size": 10_000, "sort": [{"call_id": "asc"}],
                          "_source": ["call_id", "hash"], "track_total_hits": False}  # fmt: skip
            if after is not None:
                body["search_after"] = after
            hits = self.store.search(body)["hits"]["hits"]
            found.update((h["_source"]["call_id"], h["_source"]["hash"]) for h in hits)
            if len(hits) < body["size"]:
                return found
            after = hits[-1]["sort"]

    def stats(self) -> IndexStats:
        if not self.store.exists():
            return IndexStats(0, 0, 0)
        sentences = self.store.count({"query": {"term": {"kind": "sentence"}}})
        calls = self.store.count({"query": CALLS})
        with talking(self.store.url):
            stored = self.store.client.indices.stats(index=self.store.alias, metric="store")
        return IndexStats(sentences, calls, int(stored["_all"]["total"]["store"]["size_in_bytes"]))

    def rebuild(self, calls: Iterable[tuple[CallSentences, str]]) -> int:
        """A new generation, filled and refreshed, then the alias moved to it at once."""
        generation = self.store.new_generation()
        try:
            count = index_in_batches(self.store, calls, generation)
            self.store.refresh(generation)
        except BaseException:
            with talking(self.store.url):
                self.store.client.indices.delete(index=generation)
            raise
        self.store.switch_to(generation)
        return count

    def prepare(self) -> None:
        """An empty generation behind the alias if there is none; abandoned ones removed."""
        if self.store.live() is None:
            self.store.switch_to(self.store.new_generation())
        else:
            self.store.remove_abandoned()

    def tidy(self) -> None:
        """Nothing to do: the cluster merges its segments itself."""

    def health(self) -> str:
        """The cluster's health for ``status`` (green, yellow, red)."""
        with talking(self.store.url):
            return str(self.store.client.cluster.health(request_timeout=10)["status"])
