"""The Whoosh engine: a full-text index in a directory beside the catalog.

One document per sentence, plus one *call document* per call holding the fields every
sentence of the call shares (title, host, account domains, start) and the catalog version
the index reflects. Modules: :mod:`.schema` (analysis, scoring), :mod:`.store` (where it
lives, errors), :mod:`.writer`, :mod:`.query` (the query language planned), :mod:`.filters`,
:mod:`.topn` (exact top N and totals), :mod:`.searcher`.
"""

from __future__ import annotations

from collections.abc import Iterable
from pathlib import Path

from ...engine import IndexStats
from ...sentences import CallSentences
from . import store, writer
from .searcher import WhooshSearcher


class WhooshEngine:
    """:class:`gong_search.engine.Engine` over one index directory."""

    def __init__(self, index_dir: Path) -> None:
        self.index_dir = Path(index_dir)

    def searcher(self) -> WhooshSearcher:
        return WhooshSearcher(self.index_dir)

    def writer(self) -> writer.IndexUpdater:
        return writer.IndexUpdater(self.index_dir)

    def versions(self) -> dict[str, str]:
        return store.call_versions(self.index_dir)

    def stats(self) -> IndexStats:
        calls = len(self.versions())
        documents, notes = store.document_count(self.index_dir)  # every kind
        return IndexStats(documents - calls - notes, calls, store.index_bytes(self.index_dir))

    def rebuild(self, calls: Iterable[tuple[CallSentences, str]]) -> int:
        return writer.rebuild(self.index_dir, calls)

    def prepare(self) -> None:
        store.remove_abandoned_generations(self.index_dir)
        store.open_index(self.index_dir, create=True).close()

    def tidy(self) -> None:
        writer.tidy(self.index_dir)
