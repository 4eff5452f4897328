"""Where an index lives in the cluster, the client, and OpenSearch's errors at the boundary.

An index directory's documents live behind one alias, ``<prefix>-<digest of the index
directory>``, pointing at one generation ``<alias>-g<n>``; ``reindex`` builds the next
generation and moves the alias atomically. Client errors never leave this package: an
unreachable or unhealthy cluster and a missing index are
:class:`~gong_search.errors.IndexStoreError`, a query OpenSearch refuses a
:class:`~gong_search.errors.QueryError`. No message holds credentials.
"""

from __future__ import annotations

import hashlib
from collections.abc import Iterator
from contextlib import contextmanager
from pathlib import Path

from opensearchpy import OpenSearch
from opensearchpy import exceptions as os_errors

from ...engine_choice import EngineChoice
from ...errors import IndexStoreError, QueryError
from .mapping import index_body

REQUEST_TIMEOUT = 60  # seconds; bulk pages and deep pages stay well below it


def alias_for(choice: EngineChoice, index_dir: Path) -> str:
    digest = hashlib.sha256(str(Path(index_dir).resolve()).encode()).hexdigest()[:12]
    return f"{choice.prefix}-{digest}"


def client_for(choice: EngineChoice) -> OpenSearch:
    """TLS verification on; basic auth or an API key from the environment."""
    options: dict = {"verify_certs": True, "timeout": REQUEST_TIMEOUT, "max_retries": 1}
    if choice.api_key is not None:
        options["headers"] = {"Authorization": f"ApiKey {choice.api_key.reveal()}"}
    elif choice.user and choice.password is not None:
        options["http_auth"] = (choice.user, choice.password.reveal())
    return OpenSearch(hosts=[choice.url], **options)


@contextmanager
def talking(url: str) -> Iterator[None]:
    """OpenSearch's errors as one-line gong-search errors naming the cluster."""
    try:
        yield
    except os_errors.NotFoundError:
        raise IndexStoreError(
            f"{url}: no search index for this catalog (run `gong-search sync` or `reindex`)"
        ) from None
    except (os_errors.AuthenticationException, os_errors.AuthorizationException) as exc:
        raise IndexStoreError(
            f"{url}: OpenSearch refused the credentials ({exc.status_code})"
        ) from None
    except os_errors.ConnectionError as exc:
        raise IndexStoreError(
            f"{url}: cannot reach OpenSearch ({type(exc.info).__name__ if exc.info else 'error'})"
        ) from None
    except os_errors.RequestError as exc:
        raise QueryError(f"OpenSearch refused the query: {_reason(exc)}") from None
    except os_errors.TransportError as exc:
        raise IndexStoreError(
            f"{url}: OpenSearch failed ({exc.status_code}): {_reason(exc)}"
        ) from None


def _reason(exc: os_errors.TransportError) -> str:
    info = exc.info if isinstance(exc.info, dict) else {}
    error = info.get("error")
    if isinstance(error, dict):
        causes = error.get("root_cause") or [error]
        return str(causes[0].get("reason", error.get("type", "")))[:300]
    return str(exc.error)[:300]


class Store:
    """One index directory's documents in one cluster."""

    def __init__(self, choice: EngineChoice, index_dir: Path) -> None:
        self.url = choice.url
        self.shards = choice.shards
        self.alias = alias_for(choice, index_dir)
        self.client = client_for(choice)

    def exists(self) -> bool:
        with talking(self.url):
            return bool(self.client.indices.exists_alias(name=self.alias))

    def generations(self) -> list[str]:
        with talking(self.url):
            found = self.client.indices.get(index=f"{self.alias}-g*", expand_wildcards="all")
        return sorted(found, key=lambda name: int(name.rsplit("-g", 1)[1]))

    def live(self) -> str | None:
        with talking(self.url):
            if not self.client.indices.exists_alias(name=self.alias):
                return None
            return next(iter(self.client.indices.get_alias(name=self.alias)))

    def new_generation(self) -> str:
        names = self.generations()
        last = int(names[-1].rsplit("-g", 1)[1]) if names else 0
        name = f"{self.alias}-g{last + 1}"
        with talking(self.url):
            self.client.indices.create(index=name, body=index_body(self.shards))
        return name

    def switch_to(self, generation: str) -> None:
        """Atomically point the alias at ``generation``, then drop the others."""
        old = self.live()
        actions: list[dict] = [{"add": {"index": generation, "alias": self.alias}}]
        if old:
            actions.insert(0, {"remove": {"index": old, "alias": self.alias}})
        with talking(self.url):
            self.client.indices.update_aliases(body={"actions": actions})
        self.remove_abandoned()

    def remove_abandoned(self) -> None:
        """Delete generations the alias does not name (a reindex that died half-way).
        Only under the sync lock: a running reindex's generation looks just the same."""
        live = self.live()
        for name in self.generations():
            if name != live:
                with talking(self.url):
                    self.client.indices.delete(index=name)

    def refresh(self, index: str | None = None) -> None:
        with talking(self.url):
            self.client.indices.refresh(index=index or self.alias)

    def refuse_if_red(self) -> None:
        """A red cluster has lost a primary: committing would silently drop documents."""
        with talking(self.url):
            health = self.client.cluster.health(
                index=self.alias, params={"timeout": "5s"}, request_timeout=10
            )
        if health.get("status") == "red":
            raise IndexStoreError(
                f"{self.url}: the OpenSearch cluster is red (a shard of {self.alias} has no "
                "live copy); nothing was committed: bring the node back and sync again"
            )

    def bulk(self, lines: list[dict], index: str | None = None) -> None:
        """Send ``lines`` (action, document, ...) in one request; any item error fails."""
        if not lines:
            return
        with talking(self.url):
            answer = self.client.bulk(body=lines, index=index or self.alias, request_timeout=120)
        if answer.get("errors"):
            failed = next(
                item for item in answer["items"] for op in item.values() if op.get("error")
            )
            error = next(iter(failed.values()))["error"]
            raise IndexStoreError(f"{self.url}: indexing failed: {error.get('reason', error)}")

    def search(self, body: dict, **kw: object) -> dict:
        with talking(self.url):
            return self.client.search(index=kw.pop("index", self.alias), body=body, **kw)

    def sources(self, ids: list[str], field: str) -> dict[str, dict]:
        """Document id -> its ``_source`` (only ``field``) for the ``ids`` that exist."""
        found: dict[str, dict] = {}
        for start in range(0, len(ids), 1_000):
            with talking(self.url):
                docs = self.client.mget(
                    body={"ids": ids[start : start + 1_000]}, index=self.alias,
                    params={"_source_includes": field},
                )["docs"]  # fmt: skip
            found.update((d["_id"], d["_source"]) for d in docs if d.get("found"))
        return found

    def count(self, body: dict) -> int:
        with talking(self.url):
            return int(self.client.count(index=self.alias, body=body)["count"])
