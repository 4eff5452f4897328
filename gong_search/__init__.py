"""gong-search: search Gong call transcripts locally.

The public API: the search side is bound eagerly (the ``search`` function must win over
the ``gong_search.search`` module name), the rest lazily so a search pays for no HTTP stack::

    from gong_search import SearchOptions, search
    result = search("index", "pricing objection", SearchOptions(customer=True))
"""

from __future__ import annotations

from importlib import import_module
from typing import Any

from .search import Hit, SearchOptions, SearchResult, count, search

__version__ = "0.1.0"

_EXPORTS = {
    "sync": "gong_search.harvest",
    "SyncOptions": "gong_search.harvest",
    "SyncReport": "gong_search.harvest",
    "reindex": "gong_search.harvest",
    "show_call": "gong_search.show",
    "list_speakers": "gong_search.show",
    "status": "gong_search.status",
    "GongClient": "gong_search.gong.client",
    "load_credentials": "gong_search.config",
    "GongSearchError": "gong_search.errors",
}
__all__ = [
    "GongClient",
    "GongSearchError",
    "Hit",
    "SearchOptions",
    "SearchResult",
    "SyncOptions",
    "SyncReport",
    "count",
    "list_speakers",
    "load_credentials",
    "reindex",
    "search",
    "show_call",
    "status",
    "sync",
]


def __getattr__(name: str) -> Any:
    if name in _EXPORTS:
        return getattr(import_module(_EXPORTS[name]), name)
    raise AttributeError(f"module 'gong_search' has no attribute {name!r}")
