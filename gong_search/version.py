"""``gong-search --version``: what a bug report needs to reproduce a run."""

from __future__ import annotations

import hashlib
import platform
from importlib import metadata


def version_text() -> str:
    """Package, Python, Whoosh and the two schema versions (the index's and the JSON's)."""
    from . import __version__
    from .engines.whoosh.schema import SCHEMA
    from .search import SCHEMA_VERSION

    fields = ",".join(sorted(SCHEMA.names()))
    index_schema = hashlib.sha256(fields.encode()).hexdigest()[:8]
    return "\n".join(
        (
            f"gong-search {__version__}",
            f"Python {platform.python_version()} ({platform.python_implementation()})",
            f"whoosh-reloaded {_installed('whoosh-reloaded')}",
            f"index schema {index_schema} (an index of another schema needs `reindex`)",
            f"JSON schema_version {SCHEMA_VERSION}",
        )
    )


def _installed(distribution: str) -> str:
    try:
        return metadata.version(distribution)
    except metadata.PackageNotFoundError:
        return "not installed"
