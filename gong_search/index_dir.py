"""The index directory on disk: created private, never taken over, files owner-only.

An index holds the whole company's calls, so what gong-search creates is readable by its
owner only; what it did not create (a home directory, a shared ``/tmp``) it leaves alone.
"""

from __future__ import annotations

import os
from collections.abc import Iterator
from contextlib import contextmanager
from pathlib import Path

from .errors import CatalogError

CATALOG_NAME = "catalog.sqlite3"


def demo_index_dir() -> Path:
    """Where ``demo`` builds its index: a per-user cache, never ``./index``."""
    base = os.environ.get("XDG_CACHE_HOME") or Path.home() / ".cache"
    return Path(base) / "gong-search" / "demo-index"


def no_index_here(path: Path) -> str:
    """What to say when ``path`` holds no index: the absolute path checked, and the index
    the user probably meant (``DIR/index`` when given its parent; the demo's)."""
    where = path.expanduser().resolve()
    message = f"{where}: no gong-search index here"
    if (where / "index" / CATALOG_NAME).exists():
        return f"{message}; did you mean --index {where / 'index'}?"
    demo = demo_index_dir()
    if (demo / CATALOG_NAME).exists() and demo.resolve() != where:
        return f"{message} (run `gong-search sync`; the demo's index is --index {demo})"
    return f"{message} (run `gong-search sync` here, or pass --index or GONG_SEARCH_INDEX)"


def prepare_index_dir(path: Path) -> None:
    """Accept an existing index, an empty directory or a new one; refuse anything else.

    A non-empty directory holding no catalog is someone's files (``--index ~``, ``/tmp``):
    writing an index among them, or making them private, is not ours to do.
    """
    if (path / CATALOG_NAME).exists():
        return
    try:
        foreign = path.is_dir() and any(path.iterdir())
    except OSError as exc:
        raise CatalogError(f"{path}: cannot read index directory ({exc.strerror})") from None
    if foreign:
        raise CatalogError(
            f"{path}: directory is not empty and holds no gong-search index; use a new "
            f"subdirectory, e.g. --index {path / 'gong-index'}"
        )
    ensure_private_dir(path)


def ensure_private_dir(path: Path) -> None:
    """Create ``path`` readable by the owner only: it holds the whole company's calls.

    A directory that already exists keeps its mode: gong-search did not create it, and it
    may be shared on purpose (a sticky ``/tmp``) or be the user's home.
    """
    try:
        path.mkdir(mode=0o700, parents=True)
    except FileExistsError:
        if path.is_dir():
            return
        raise CatalogError(f"{path}: cannot create index directory (not a directory)") from None
    except OSError as exc:
        raise CatalogError(f"{path}: cannot create index directory ({exc.strerror})") from None
    os.chmod(path, 0o700)  # mkdir's mode is reduced by the umask


@contextmanager
def owner_only_files() -> Iterator[None]:
    """Files created meanwhile are readable by their owner only, whatever the umask.

    SQLite and Whoosh create their files (journals, segments, locks) with the process umask;
    an index holds the whole company's calls, so while writing one the umask is 077.
    """
    previous = os.umask(0o077)
    try:
        yield
    finally:
        os.umask(previous)
