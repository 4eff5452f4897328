"""Commit discipline shared by sync, repair and reindex: signals land on page boundaries,
storage failures become one-line errors, and a test hook stands in for ``kill -9``."""

from __future__ import annotations

import contextlib
import errno
import os
import signal
import sqlite3
import threading
from collections.abc import Iterator
from pathlib import Path

from .catalog import CATALOG_NAME
from .errors import CatalogError, IndexStoreError


def crash_point(name: str) -> None:
    """Test hook: ``GONG_SEARCH_CRASH_AT=name`` kills the process here, as ``kill -9`` would."""
    if os.environ.get("GONG_SEARCH_CRASH_AT") == name:
        os._exit(99)


class DeferSignals:
    """Hold SIGINT/SIGTERM while a page is committed, then deliver them.

    Between the catalog commit and the index commit the two disagree. Stopping there would
    be safe (the next sync repairs it), but ``status`` would report them out of sync, so a
    signal is delivered only once both hold the page: every stop lands on a page boundary.
    Only the commits run inside it (the page's documents are written and flushed to the
    index writer before, where a signal just cancels it; the index commit is then an atomic
    switch), so Ctrl-C answers within a second. Handlers can only be
    swapped in the main thread; elsewhere this is a no-op.
    """

    SIGNALS = (signal.SIGINT, signal.SIGTERM)

    def __init__(self) -> None:
        self.caught: list[int] = []
        self._previous: dict[int, object] = {}

    def __enter__(self) -> DeferSignals:
        if threading.current_thread() is threading.main_thread():
            for signum in self.SIGNALS:
                previous = signal.getsignal(signum)
                if previous is not None:  # None: installed outside Python, leave it alone
                    self._previous[signum] = signal.signal(signum, self._hold)
        return self

    def _hold(self, signum: int, frame: object) -> None:
        self.caught.append(signum)

    def __exit__(self, *exc: object) -> None:
        for signum, handler in self._previous.items():
            signal.signal(signum, handler)  # type: ignore[arg-type]
        if self.caught:
            signal.raise_signal(self.caught[0])  # now handled by the restored handler


DISK_FULL = {errno.ENOSPC, errno.EFBIG, errno.EDQUOT}


@contextlib.contextmanager
def storage_errors(index_dir: Path) -> Iterator[None]:
    """Turn storage failures (disk full, file-size limit, I/O errors) into one-line errors.

    SQLite and Whoosh both commit atomically, so whatever failed, the last committed state
    is intact: the message says so, and that the next sync resumes from there.
    """
    after = "everything committed so far is kept and searchable; run sync again"
    try:
        yield
    except sqlite3.Error as exc:
        hint = " (disk full?)" if "full" in str(exc) or "I/O" in str(exc) else ""
        raise CatalogError(
            f"{Path(index_dir) / CATALOG_NAME}: cannot write the catalog: {exc}{hint}; {after}"
        ) from None
    except OSError as exc:
        where = exc.filename or index_dir
        reason = exc.strerror or type(exc).__name__
        if exc.errno in DISK_FULL:
            reason = f"{reason} (disk full or file-size limit)"
        raise IndexStoreError(f"{where}: cannot write: {reason}; free space and {after}") from None
