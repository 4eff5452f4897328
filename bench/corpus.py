"""A benchmark corpus: a synthetic tenant sized to N sentences, synced once and cached.

Layout of ``bench/.cache/<sentences>-<seed>-<generator>/`` (see :func:`generator_version`)::

    meta.json       tenant shape (calls, anchor), query parameters, cached throughput figures
    index/          the synced gong-search index dir (catalog.sqlite3 + whoosh generation)
    fts5.sqlite3    the FTS5 baseline built from the same catalog

The tenant's anchor (the newest call start) is fixed when the corpus is first built, so a
re-sync of the same size and seed reproduces the same calls and start times.
"""

from __future__ import annotations

import hashlib
import json
from dataclasses import dataclass
from datetime import UTC, datetime, timedelta
from pathlib import Path
from typing import Any

from gong_search.simulator import SimulatorConfig, SyntheticTenant

ROOT = Path(__file__).resolve().parent.parent
CACHE = ROOT / "bench" / ".cache"
CALL_LENGTH = (200, 1500)
SPAN_DAYS = 60.0


def calls_for(sentences: int, seed: int) -> tuple[int, int]:
    """(calls, sentences) of the smallest tenant whose synced calls hold >= ``sentences``.

    Call ``i`` of a synthetic tenant does not depend on the tenant's size, so we can walk
    the calls of a huge tenant and stop when enough sentences are reached. Private calls
    are skipped, because sync skips them too.
    """
    tenant = SyntheticTenant(calls=10**8, seed=seed, call_length=CALL_LENGTH)
    total = calls = 0
    while total < sentences:
        call_id = tenant.call_id(calls)
        calls += 1
        record = tenant.call(call_id)
        if record and not record["metaData"].get("isPrivate"):
            total += len(tenant.labels(call_id))
    return calls, total


def generator_version() -> str:
    """A digest of the simulator's sources and the index schema (8 hex digits)."""
    package = ROOT / "gong_search"
    sources = sorted((package / "simulator").glob("*.py"))
    sources.append(package / "engines" / "whoosh" / "schema.py")
    digest = hashlib.sha256()
    for path in sources:
        digest.update(path.name.encode() + b"\0" + path.read_bytes())
    return digest.hexdigest()[:8]


@dataclass
class Corpus:
    sentences: int
    seed: int

    @property
    def key(self) -> str:
        """Size, seed and what made the cached files: figures from a cache built by another
        generator or index schema are not comparable (issue 20), so those get a new one."""
        return f"{self.sentences}-{self.seed}-{generator_version()}"

    @property
    def root(self) -> Path:
        return CACHE / self.key

    @property
    def index_dir(self) -> Path:
        return self.root / "index"

    @property
    def fts_path(self) -> Path:
        return self.root / "fts5.sqlite3"

    @property
    def meta_path(self) -> Path:
        return self.root / "meta.json"

    def meta(self) -> dict[str, Any]:
        try:
            return json.loads(self.meta_path.read_text())
        except FileNotFoundError:
            return {}

    def save_meta(self, **updates: Any) -> dict[str, Any]:
        meta = {**self.meta(), **updates}
        self.root.mkdir(parents=True, exist_ok=True)
        self.meta_path.write_text(json.dumps(meta, indent=2, sort_keys=True))
        return meta

    def shape(self) -> dict[str, Any]:
        """Calls and anchor, computed once and remembered in meta.json."""
        meta = self.meta()
        if "calls" not in meta:
            calls, expected = calls_for(self.sentences, self.seed)
            anchor = datetime.now(UTC).replace(microsecond=0, second=0, minute=0)
            meta = self.save_meta(
                calls=calls, expected_sentences=expected, anchor=anchor.isoformat()
            )
        return meta

    @property
    def is_synced(self) -> bool:
        return bool(self.meta().get("synced")) and (self.index_dir / "CURRENT").exists()

    def simulator_config(self, rate: float = 0.0) -> SimulatorConfig:
        shape = self.shape()
        return SimulatorConfig(
            calls=shape["calls"],
            seed=self.seed,
            call_length=CALL_LENGTH,
            rate=rate,
            anchor=datetime.fromisoformat(shape["anchor"]),
            span_days=SPAN_DAYS,
        )

    def window(self) -> tuple[datetime, datetime]:
        """A sync window that holds every call of the tenant, whatever today's date is."""
        anchor = datetime.fromisoformat(self.shape()["anchor"])
        return anchor - timedelta(days=SPAN_DAYS + 1), anchor + timedelta(days=1)
