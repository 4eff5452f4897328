"""Which engine holds an index's documents, and how to reach it: flags > environment >
config file (``engine``, ``opensearch_url``, ``opensearch_prefix``; see :mod:`.settings`).

``whoosh`` (the default) keeps them in the index directory; ``opensearch`` in a cluster
reached at ``--opensearch-url`` / ``GONG_SEARCH_OPENSEARCH_URL``. Credentials for the
cluster come from the environment (``GONG_SEARCH_OPENSEARCH_USER`` and ``..._PASSWORD``,
or ``..._API_KEY``), else the credentials file (``opensearch_user``,
``opensearch_password``, ``opensearch_api_key``), never the config file, and are wrapped
in :class:`~.config.Secret` at once; new indexes get ``GONG_SEARCH_OPENSEARCH_SHARDS``
primary shards (default 1) under the prefix (default ``gong-search``), one prefix per
tenant. The catalog stays local either way.
"""

from __future__ import annotations

import os
from dataclasses import dataclass, field, replace
from urllib.parse import urlsplit

from . import settings
from .config import Secret, credentials_path, is_loopback, read_credentials_file
from .errors import ConfigError

ENGINES = ("whoosh", "opensearch")
DEFAULT_URL = settings.KEYS["opensearch_url"][1]
DEFAULT_PREFIX = settings.KEYS["opensearch_prefix"][1]


@dataclass(frozen=True)
class EngineChoice:
    name: str = "whoosh"
    url: str = DEFAULT_URL
    prefix: str = DEFAULT_PREFIX  # index names start with it: one prefix per tenant
    user: str | None = None
    password: Secret | None = field(default=None, repr=False)
    api_key: Secret | None = field(default=None, repr=False)
    shards: int = 1  # primary shards of a new index (see docs/scale-out.md)


_chosen: EngineChoice | None = None


def resolve(engine: str | None = None, url: str | None = None) -> EngineChoice:
    """The choice from flags, the environment, then the config file, checked (one-line
    errors)."""
    env = os.environ
    name = settings.value("engine", engine).strip().lower()
    if name not in ENGINES:
        raise ConfigError(f"unknown engine {name!r}; choose one of: {', '.join(ENGINES)}")
    secrets = _credentials() if name == "opensearch" else {}
    chosen = EngineChoice(
        name=name,
        url=_checked_url(settings.value("opensearch_url", url)),
        prefix=settings.value("opensearch_prefix"),
        user=secrets.get("user"),
        password=_secret(secrets.get("password")),
        api_key=_secret(secrets.get("api_key")),
        shards=_shards(env.get("GONG_SEARCH_OPENSEARCH_SHARDS") or "1"),
    )
    if not chosen.prefix.replace("-", "").replace("_", "").isalnum() or chosen.prefix != (
        chosen.prefix.lower()
    ):
        raise ConfigError("the OpenSearch index prefix must be lower-case letters, digits, -, _")
    return chosen


def _credentials() -> dict[str, str]:
    """user/password or api_key for the cluster: the environment's when it gives any,
    else the credentials file's ``opensearch_*`` keys (a missing file: none)."""
    names = ("user", "password", "api_key")
    found = {n: os.environ.get(f"GONG_SEARCH_OPENSEARCH_{n.upper()}", "") for n in names}
    if not any(found.values()) and credentials_path().is_file():
        stored = read_credentials_file(credentials_path())
        found = {n: stored.get(f"opensearch_{n}", "") for n in names}
    return {n: v for n, v in found.items() if v}


def use(engine: str | None = None, url: str | None = None) -> EngineChoice:
    """Make the flags' choice the one :func:`current` returns for this process (the CLI)."""
    global _chosen
    _chosen = resolve(engine, url)
    return _chosen


def reset() -> None:
    """Forget :func:`use`'s choice (each CLI invocation makes its own)."""
    global _chosen
    _chosen = None


def current() -> EngineChoice:
    """The choice made by :func:`use`, else the environment's."""
    return _chosen if _chosen is not None else resolve()


def with_url(choice: EngineChoice, url: str) -> EngineChoice:
    return replace(choice, url=_checked_url(url))


def _shards(value: str) -> int:
    if not value.isdigit() or not 1 <= int(value) <= 1024:
        raise ConfigError("GONG_SEARCH_OPENSEARCH_SHARDS must be a whole number from 1 to 1024")
    return int(value)


def _secret(value: str | None) -> Secret | None:
    return Secret(value) if value else None


def _checked_url(url: str) -> str:
    """An http(s) URL without user:password (credentials come from the environment) and
    plain http only to loopback, as for Gong's base URL."""
    try:
        parts = urlsplit(url)
        host = parts.hostname
    except ValueError:
        raise ConfigError("--opensearch-url is not a valid URL") from None
    if "@" in parts.netloc:
        raise ConfigError(
            "--opensearch-url must not hold credentials; set GONG_SEARCH_OPENSEARCH_USER "
            "and GONG_SEARCH_OPENSEARCH_PASSWORD (or GONG_SEARCH_OPENSEARCH_API_KEY)"
        )
    if parts.scheme not in ("http", "https") or not host:
        raise ConfigError(f"--opensearch-url must be an http(s) URL, got {url!r}")
    if parts.scheme == "http" and not is_loopback(host):
        raise ConfigError("--opensearch-url uses plain http:// to a non-loopback host; use https")
    return url.rstrip("/")
