"""Make the index agree with the catalog again (no network): after a crash, or damage."""

from __future__ import annotations

from collections.abc import Callable, Iterator

from .catalog import Catalog
from .commit_safety import crash_point
from .engine import Engine
from .errors import IndexStoreError
from .sentences import CallSentences


def repair(catalog: Catalog, engine: Engine) -> tuple[int, int]:
    """Make the index reflect the catalog exactly; returns (calls fixed, sentences indexed),
    so the sync summary counts the work done here too."""
    engine.prepare()
    wanted = catalog.content_hashes()
    have = engine.versions()
    stale = [cid for cid, h in wanted.items() if have.get(cid) != h]
    orphans = [cid for cid in have if cid not in wanted]
    if not stale and not orphans:
        return 0, 0
    with engine.writer() as writer:
        for call_id in orphans:
            writer.delete(call_id)
        for joined in catalog.iter_call_sentences(stale):
            writer.replace(joined, wanted[joined.call.id])
    return len(stale) + len(orphans), writer.sentences_added


def readable_versions(engine: Engine) -> dict[str, str] | None:
    """The versions the index reflects, or None when the index cannot be read at all.
    Storage errors while *creating* a first index are real errors, though."""
    try:
        engine.prepare()
        return engine.versions()
    except IndexStoreError:
        return None


RebuildProgress = Callable[[int, int, int], None]  # calls done, calls, sentences


def rebuild_from_catalog(
    catalog: Catalog, engine: Engine, progress: RebuildProgress | None = None
) -> int:
    """A fresh index from the catalog (no network); returns sentences indexed.
    ``progress`` is told after each call, so a 20 s ``reindex`` is not a blank screen."""
    return engine.rebuild(_calls_to_index(catalog, progress or (lambda *counts: None)))


def _calls_to_index(
    catalog: Catalog, progress: RebuildProgress
) -> Iterator[tuple[CallSentences, str]]:
    hashes = catalog.content_hashes()
    sentences = 0
    for n, joined in enumerate(catalog.iter_call_sentences()):
        if n == 1:
            crash_point("mid_reindex")
        yield joined, hashes[joined.call.id]
        sentences += len(joined.rows)
        progress(n + 1, len(hashes), sentences)
