"""Typed errors: every failure a user can cause or meet is one of these.

The CLI turns any ``GongSearchError`` into a one-line message and its ``exit_code``;
anything else is a bug and is allowed to show a traceback.

    GongSearchError                 exit 2 unless said otherwise
    ├── ConfigError                 bad or missing credentials / settings
    ├── GongAPIError                the API answered badly or not at all
    │   ├── AuthError               400/401/403: never retried
    │   ├── CursorExpiredError      400 on a stale cursor: restart the window
    │   ├── RateLimitedError        429 with a Retry-After longer than we will wait (exit 1)
    │   └── UnreachableError        connection errors / timeouts after all retries
    ├── CatalogError                the SQLite catalog is missing, corrupt or unwritable
    ├── IndexStoreError             the search index is missing, corrupt or unwritable
    │   └── IndexChangedError       a read raced a sync's commit: read again
    ├── LockedError                 another sync/reindex holds the lock
    ├── WindowError                 an empty or inverted sync window, before any request
    ├── RemovalRefusedError         --full would remove on an untrustworthy listing (exit 1)
    ├── QueryError                  a malformed search query or filter
    └── NotFoundError               e.g. an unknown call id
"""

from __future__ import annotations


class GongSearchError(Exception):
    """Base class: a clear, one-line, secret-free message for the user."""

    exit_code = 2
    code = "error"


class ConfigError(GongSearchError):
    code = "config"


class GongAPIError(GongSearchError):
    code = "api"

    def __init__(self, message: str, status: int | None = None) -> None:
        super().__init__(message)
        self.status = status


class AuthError(GongAPIError):
    code = "auth"


class CursorExpiredError(GongAPIError):
    code = "cursor_expired"


class RateLimitedError(GongAPIError):
    code = "rate_limited"
    exit_code = 1

    def __init__(self, message: str, retry_after: float) -> None:
        super().__init__(message, status=429)
        self.retry_after = retry_after


class UnreachableError(GongAPIError):
    code = "unreachable"


class CatalogError(GongSearchError):
    code = "catalog"


class IndexStoreError(GongSearchError):
    code = "index"


class IndexChangedError(IndexStoreError):
    """A read raced a sync's commit (what it opened was merged away): read again."""


class LockedError(GongSearchError):
    code = "locked"


class QueryError(GongSearchError):
    code = "query"


class NotFoundError(GongSearchError):
    code = "not_found"


class WindowError(GongSearchError):
    """An empty or inverted sync window, refused before any request."""

    code = "window"


class RemovalRefusedError(GongSearchError):
    """``sync --full`` would remove calls on evidence too weak to trust (exit 1)."""

    code = "removal_refused"
    exit_code = 1
