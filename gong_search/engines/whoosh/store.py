"""Where the Whoosh index lives and how it is opened: generations, damage, sizes.

Layout under the index directory::

    CURRENT            name of the live generation, replaced atomically by ``reindex``
    whoosh-<n>/        a Whoosh index: one document per sentence + one call document per call

Whoosh's own errors never leave this package: a damaged index is an
:class:`~gong_search.errors.IndexStoreError`, a read racing a sync's merge an
:class:`~gong_search.errors.IndexChangedError` (see :func:`reading`).
"""

from __future__ import annotations

import os
import shutil
import struct
import zlib
from collections.abc import Iterator
from contextlib import contextmanager
from pathlib import Path

from whoosh import index, query

from ...commit_safety import DISK_FULL
from ...errors import IndexChangedError, IndexStoreError
from ...gong.call_content import NOTE_KINDS
from ...index_dir import ensure_private_dir
from .schema import SCHEMA

POINTER = "CURRENT"


# -- locations ---------------------------------------------------------------------------


def current_dir(index_dir: Path) -> Path | None:
    """The live Whoosh directory, or None when no index was ever built here."""
    pointer = Path(index_dir) / POINTER
    try:
        name = pointer.read_text().strip()
    except FileNotFoundError:
        return None
    return Path(index_dir) / name


def new_generation(index_dir: Path) -> Path:
    path = next_generation(index_dir)
    create_generation(path)
    return path


def next_generation(index_dir: Path) -> Path:
    """Where the next generation goes (not created yet)."""
    gens = [
        int(p.name.split("-")[1])
        for p in Path(index_dir).glob("whoosh-*")
        if p.name.split("-")[1].isdigit()
    ]
    return Path(index_dir) / f"whoosh-{max(gens, default=0) + 1}"


def create_generation(path: Path) -> None:
    ensure_private_dir(path)
    index.create_in(str(path), SCHEMA)


def switch_to(index_dir: Path, generation: Path) -> None:
    """Atomically point CURRENT at ``generation`` and drop older generations."""
    tmp = Path(index_dir) / (POINTER + ".tmp")
    fd = os.open(tmp, os.O_WRONLY | os.O_CREAT | os.O_TRUNC, 0o600)
    with os.fdopen(fd, "w") as pointer:
        pointer.write(generation.name)
    os.replace(tmp, Path(index_dir) / POINTER)
    remove_abandoned_generations(index_dir)


def remove_abandoned_generations(index_dir: Path) -> None:
    """Delete every ``whoosh-*`` that CURRENT does not name: superseded ones, and the half
    built ones a reindex stopped by ``kill -9`` or a full disk left behind.

    Only under the sync lock: a running reindex's new generation looks just the same.
    """
    live = current_dir(index_dir)
    for path in Path(index_dir).glob("whoosh-*"):
        if path != live:
            shutil.rmtree(path, ignore_errors=True)


# What Whoosh raises when a segment file is missing, truncated or garbled.
_DAMAGE = (OSError, EOFError, ValueError, KeyError, IndexError, struct.error, zlib.error)
# What a reader racing a writer's merge has been seen to raise besides those (load test).
_RACES = (NotImplementedError, TypeError)


@contextmanager
def reading(index_dir: Path) -> Iterator[None]:
    """Whoosh's errors, mapped at the engine's boundary: a damaged index becomes one
    actionable IndexStoreError, a read racing a sync's merge an IndexChangedError (the
    caller reads again with a fresh searcher)."""
    try:
        yield
    except _RACES as exc:
        raise IndexChangedError(
            f"{index_dir}: the index changed while it was read ({type(exc).__name__})"
        ) from None
    except _DAMAGE as exc:
        raise IndexStoreError(
            f"{index_dir}: index is damaged ({type(exc).__name__}); run `gong-search reindex`"
        ) from None


def open_index(index_dir: Path, *, create: bool = False) -> index.Index:
    path = current_dir(index_dir)
    if path is None or not path.exists():
        if not create:
            raise IndexStoreError(f"{index_dir}: no search index here (run `gong-search sync`)")
        path = new_generation(index_dir)
        switch_to(index_dir, path)
    try:
        ix = index.open_dir(str(path))
    except Exception as exc:  # Whoosh raises many unrelated types for a damaged index
        raise IndexStoreError(
            f"{path}: index is damaged ({type(exc).__name__}); run `gong-search reindex`"
        ) from None
    if not schema_matches(ix):
        ix.close()
        raise IndexStoreError(
            f"{path}: index was built by another gong-search version; run `gong-search reindex`"
        )
    return ix


def schema_matches(ix: index.Index) -> bool:
    """An index written with an older schema must be rebuilt, not half-read."""
    return sorted(ix.schema.names()) == sorted(SCHEMA.names())


def index_bytes(index_dir: Path) -> int:
    path = current_dir(index_dir)
    if path is None or not path.exists():
        return 0
    return sum(f.stat().st_size for f in path.iterdir() if f.is_file())


# -- reading -----------------------------------------------------------------------------


def call_versions(index_dir: Path) -> dict[str, str]:
    """call id -> content hash the index reflects (what crash repair compares against).

    Any failure to read them means the index cannot be trusted (missing or truncated
    Whoosh files surface as many unrelated exception types: pickle, struct, EOF...), so
    all of them are damage here, except a full disk, which is the disk's problem.
    """
    ix = open_index(index_dir)
    try:
        with _unreadable_is_damage(index_dir), reading(index_dir), ix.searcher() as searcher:
            reader = searcher.reader()
            found = {}
            for call_id in reader.lexicon("marker_call"):
                term = call_id.decode() if isinstance(call_id, bytes) else call_id
                doc = searcher.document(marker_call=term)
                if doc:
                    found[term] = doc.get("marker_hash", "")
            return found
    finally:
        ix.close()


@contextmanager
def _unreadable_is_damage(index_dir: Path) -> Iterator[None]:
    try:
        yield
    except IndexStoreError:
        raise
    except Exception as exc:  # see call_versions: Whoosh's many error types for damage
        if isinstance(exc, OSError) and exc.errno in DISK_FULL:
            raise
        raise IndexStoreError(
            f"{index_dir}: index is damaged ({type(exc).__name__}); run `gong-search reindex`"
        ) from None


def document_count(index_dir: Path) -> tuple[int, int]:
    """(live documents of every kind, live note documents)."""
    ix = open_index(index_dir)
    try:
        with reading(index_dir), ix.searcher() as searcher:
            notes = query.Or([query.Term("kind", kind) for kind in NOTE_KINDS])
            return ix.doc_count(), sum(1 for _ in notes.docs(searcher))
    finally:
        ix.close()
