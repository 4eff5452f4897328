"""Make the index agree with the catalog again (no network): after a crash, or damage."""

from __future__ import annotations

from collections.abc import Iterator
from pathlib import Path

from . import index as idx
from .catalog import Catalog
from .commit_safety import DISK_FULL, crash_point
from .errors import IndexStoreError
from .sentences import CallSentences


def repair(catalog: Catalog, index_dir: Path) -> tuple[int, int]:
    """Make the index reflect the catalog exactly; returns (calls fixed, sentences indexed),
    so the sync summary counts the work done here too."""
    idx.open_index(index_dir, create=True).close()
    wanted = catalog.content_hashes()
    have = idx.markers(index_dir)
    stale = [cid for cid, h in wanted.items() if have.get(cid) != h]
    orphans = [cid for cid in have if cid not in wanted]
    if not stale and not orphans:
        return 0, 0
    with idx.IndexUpdater(index_dir) as updater:
        for call_id in orphans:
            updater.delete(call_id)
        for joined in catalog.iter_call_sentences(stale):
            updater.replace(joined, wanted[joined.call.id])
    return len(stale) + len(orphans), updater.sentences_added


def readable_markers(index_dir: Path) -> dict[str, str] | None:
    """The index's call markers, or None when the index cannot be read at all.

    Missing or truncated Whoosh files surface as many unrelated exception types (pickle,
    struct, EOF, file-not-found...), the same reason :func:`index.open_index` catches
    ``Exception``. Storage errors while *creating* a first index are real errors, though.
    """
    try:
        idx.open_index(index_dir, create=True).close()
        return idx.markers(index_dir)
    except IndexStoreError:
        return None
    except Exception as exc:  # noqa: BLE001 - see the docstring
        if isinstance(exc, OSError) and exc.errno in DISK_FULL:
            raise
        return None


def rebuild_from_catalog(catalog: Catalog, index_dir: Path) -> int:
    """A fresh index generation from the catalog (no network); returns sentences indexed."""
    return idx.rebuild(index_dir, _calls_to_index(catalog))


def _calls_to_index(catalog: Catalog) -> Iterator[tuple[CallSentences, str]]:
    hashes = catalog.content_hashes()
    for n, joined in enumerate(catalog.iter_call_sentences()):
        if n == 1:
            crash_point("mid_reindex")
        yield joined, hashes[joined.call.id]
