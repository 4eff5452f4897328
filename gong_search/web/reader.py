"""Searches for the page run on one thread that keeps the catalog and the searcher open.

Opening a large index costs far more than searching it (hundreds of milliseconds at a
million sentences), so pages reuse one open catalog + searcher through the library's
``search_open``/``search_stream``, as a long-lived process should. One thread, because the
engine is pure Python: a second searching thread would only wait for the first (the GIL),
and the SQLite connection stays on the thread that opened it. The reader is reopened in
the background of the next page once it is ``max_age`` seconds old, so a page sees a sync's
commits within about that long, and at once after a read raced a sync's merge.
"""

from __future__ import annotations

import time
from collections.abc import Callable
from concurrent.futures import ThreadPoolExecutor
from pathlib import Path
from typing import TypeVar

from ..catalog import Catalog
from ..engine import Searcher, open_engine
from ..errors import GongSearchError, IndexStoreError

T = TypeVar("T")
MAX_AGE = 10.0


class SearchThread:
    """``thread.run(lambda catalog, searcher: ...)`` on the open reader of ``index_dir``."""

    def __init__(self, index_dir: Path, max_age: float = MAX_AGE) -> None:
        self.index_dir = index_dir
        self.max_age = max_age
        self._pool = ThreadPoolExecutor(max_workers=1, thread_name_prefix="gong-search-page")
        self._reader: tuple[Catalog, Searcher] | None = None
        self._opened = 0.0

    def run(self, work: Callable[[Catalog, Searcher], T]) -> T:
        return self._pool.submit(self._run, work).result()

    def close(self) -> None:
        self._pool.submit(self._close).result()
        self._pool.shutdown()

    def _run(self, work: Callable[[Catalog, Searcher], T]) -> T:
        for attempt in range(2):
            catalog, searcher = self._open()
            try:
                result = work(catalog, searcher)
            except IndexStoreError:  # a sync's merge raced the read: a fresh reader sees it
                self._close()
                if attempt:
                    raise
                continue
            if time.monotonic() - self._opened > self.max_age:
                self._pool.submit(self._reopen)  # after this page, before the next
            return result
        raise AssertionError("unreachable")

    def _open(self) -> tuple[Catalog, Searcher]:
        if self._reader is None:
            catalog = Catalog(self.index_dir, create=False)
            try:
                searcher = open_engine(self.index_dir).searcher()
            except BaseException:
                catalog.close()
                raise
            self._reader, self._opened = (catalog, searcher), time.monotonic()
        return self._reader

    def _reopen(self) -> None:
        self._close()
        try:
            self._open()
        except GongSearchError:
            pass  # the next page opens it again and shows why it cannot

    def _close(self) -> None:
        if self._reader is not None:
            catalog, searcher = self._reader
            self._reader = None
            searcher.close()
            catalog.close()
