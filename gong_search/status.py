"""``gong-search status``: what the catalog and index hold, and whether they agree."""

from __future__ import annotations

from dataclasses import asdict, dataclass, field
from datetime import datetime
from pathlib import Path

from .catalog import CATALOG_NAME, Catalog
from .engine import open_engine
from .engine_choice import current as current_engine
from .errors import CatalogError, IndexStoreError
from .index_dir import no_index_here
from .lock import running_holder

SCHEMA_VERSION = 1


@dataclass
class Status:
    index_dir: str
    calls: int = 0
    sentences: int = 0
    speakers: int = 0
    users: int = 0
    pending_transcripts: int = 0
    without_transcript: int = 0
    index_bytes: int = 0
    engine: str = "whoosh"
    cluster_health: str | None = None  # OpenSearch only: green, yellow or red
    first_call: str | None = None
    last_call: str | None = None
    last_sync: str | None = None
    watermark: str | None = None
    in_sync: bool = True
    sync_running: bool = False
    problems: list[str] = field(default_factory=list)
    pending: list[dict] = field(default_factory=list)
    failed_calls: list[str] = field(default_factory=list)

    def as_json(self) -> dict:
        return {"schema_version": SCHEMA_VERSION, **asdict(self)}


def status(index_dir: Path) -> Status:
    """Read-only: safe while a sync runs (it sees the last committed state)."""
    index_dir = Path(index_dir)
    if not (index_dir / CATALOG_NAME).exists():
        raise CatalogError(no_index_here(index_dir))
    result = Status(index_dir=str(index_dir))
    # a sync running at the start or the end of this read explains a catalog a page ahead
    # of the index (one that ends between the two reads would otherwise look like damage)
    running_before = running_holder(index_dir) is not None
    with Catalog(index_dir, create=False) as catalog:
        counts = catalog.counts()
        result.calls = counts["calls"]
        result.users = counts["users"]
        result.pending_transcripts = counts["pending_transcripts"]
        result.without_transcript = counts["without_transcript"]
        result.failed_calls = catalog.failed_ids()
        result.pending = [
            {"call_id": cid, "started": s.isoformat()} for cid, s in catalog.pending_calls()
        ]
        span = catalog.date_range()
        if span:
            result.first_call, result.last_call = (d.isoformat() for d in span)
        result.last_sync = catalog.get_state("last_sync")
        watermark = catalog.get_state("watermark")
        result.watermark = (
            datetime.fromisoformat(watermark).astimezone().isoformat() if watermark else None
        )
        wanted = catalog.content_hashes()
        result.speakers = len(catalog.speakers())
    engine = open_engine(index_dir)
    result.engine = current_engine().name
    try:
        health = getattr(engine, "health", None)  # engines on a cluster report its health
        result.cluster_health = health() if health else None
        have = engine.versions()
        stats = engine.stats()
        result.sentences, result.index_bytes = stats.sentences, stats.bytes
    except IndexStoreError as exc:
        result.in_sync = False
        result.problems.append(str(exc))
        return result
    stale = sum(have.get(cid) != h for cid, h in wanted.items())
    orphans = sum(cid not in wanted for cid in have)
    result.in_sync = not (stale or orphans)
    # mid-page, a running sync has committed the catalog and not yet the index: normal
    result.sync_running = running_before or running_holder(index_dir) is not None
    if not result.in_sync and not result.sync_running:
        result.problems.append(
            f"index differs from catalog for {stale + orphans} calls "
            "(the next sync repairs it; or run `gong-search reindex`)"
        )
    return result
