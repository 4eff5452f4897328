"""Ranking quality on real meetings: ``../shared/qmsum-dev`` (issue 15), ours vs FTS5.

The recorded tenant is served by the simulator and synced through the real sync path
into ``bench/.cache/qmsum/index`` (once; ``--reindex`` rebuilds only the Whoosh index
from the synced catalog after a schema change); the FTS5 baseline is built from the same
catalog. Each keyword query (its words, punctuation dropped, for both systems) is judged
as the set's README says:

* within the judged call (``--call``): nDCG@10 and P@10 (binary gains), success@10 (a
  relevant sentence in the top 10), recall@50;
* corpus-wide: call success@10 (the judged call among the calls of the top 10 hits) and
  MRR@50 of the first relevant sentence.

FTS5 runs the words ORed, ranked by its bm25 (ties by insertion order). Designs not yet
in the engine are measured on the same sentences by :mod:`bench.context_study`::

    .venv/bin/python -m bench.qmsum --split val
"""

from __future__ import annotations

import argparse
import json
import math
import random
import re
import sqlite3
import time
from collections.abc import Callable
from dataclasses import dataclass
from datetime import UTC, datetime
from pathlib import Path
from typing import Any

from gong_search.catalog import Catalog
from gong_search.engine import open_engine
from gong_search.search import SearchOptions, search_open

from . import fts
from .corpus import CACHE, ROOT

DATASET = ROOT.parent / "shared" / "qmsum-dev"
HOME = CACHE / "qmsum"
K, DEEP = 10, 50
Ranked = list[tuple[str, int]]  # (call id, start_ms) in rank order


@dataclass(frozen=True)
class Judged:
    qid: str
    text: str
    call_id: str
    split: str
    spans: tuple[tuple[int, int], ...]  # [startMs, endMs] of the judged call

    def relevant(self, call_id: str, start_ms: int) -> bool:
        return call_id == self.call_id and any(a <= start_ms <= b for a, b in self.spans)


def load_queries(split: str, sample: int | None, seed: int = 1) -> list[Judged]:
    found = []
    for line in (DATASET / "qrels_keywords.jsonl").read_text().splitlines():
        q = json.loads(line)
        if split not in ("all", q["split"]):
            continue
        spans = tuple(
            (r["startMs"], r["endMs"]) for r in q["relevant"] if r["callId"] == q["callId"]
        )
        words = " ".join(re.findall(r"\w+", q["query"]))
        if words and spans:
            found.append(Judged(q["qid"], words, q["callId"], q["split"], spans))
    if sample and sample < len(found):
        found = random.Random(seed).sample(found, sample)
    return found


# -- the corpus ------------------------------------------------------------------------------


def prepare(reindex: bool) -> tuple[Path, Path]:
    """The synced index and FTS5 file, built on first use."""
    index_dir, fts_path = HOME / "index", HOME / "fts5.sqlite3"
    if not (index_dir / "CURRENT").exists():
        _sync(index_dir)
        reindex = False
    if reindex:
        with Catalog(index_dir, create=False) as catalog:
            hashes = catalog.content_hashes()
            calls = ((j, hashes[j.call.id]) for j in catalog.iter_call_sentences())
            open_engine(index_dir).rebuild(calls)
    if not fts_path.exists():
        with Catalog(index_dir, create=False) as catalog:
            fts.build(fts_path, catalog.iter_call_sentences())
    return index_dir, fts_path


def _sync(index_dir: Path) -> None:
    from gong_search.config import Credentials, Secret
    from gong_search.gong.client import GongClient
    from gong_search.harvest import SyncOptions, sync
    from gong_search.simulator import Simulator, SimulatorConfig

    simulator = Simulator(SimulatorConfig(tenant_dir=DATASET, rate=0.0)).start()
    try:
        creds = Credentials(simulator.base_url, "demo", Secret("demo"))
        window = SyncOptions(start=datetime(2022, 12, 1, tzinfo=UTC), end=datetime.now(UTC))
        with GongClient(creds, rate=0) as client:
            print(sync(index_dir, client, window).summary())
    finally:
        simulator.stop()


def relevant_counts(catalog: Catalog, queries: list[Judged]) -> dict[str, int]:
    """qid -> relevant sentences in the judged call (nDCG's ideal, recall's denominator)."""
    starts: dict[str, list[int]] = {}
    for call_id in {q.call_id for q in queries}:
        joined = catalog.call_sentences(call_id)
        starts[call_id] = [row.start_ms for row in joined.rows] if joined else []
    return {q.qid: sum(q.relevant(q.call_id, s) for s in starts[q.call_id]) for q in queries}


# -- the systems -----------------------------------------------------------------------------


def ours(catalog: Catalog, engine) -> Callable[[str, str | None, int], Ranked]:
    def run(text: str, call_id: str | None, limit: int) -> Ranked:
        calls = (call_id,) if call_id else ()
        options = SearchOptions(call_ids=calls, limit=limit, highlight=False)
        return [(h.call_id, h.start_ms) for h in search_open(catalog, engine, text, options).hits]

    return run


def fts5(db: sqlite3.Connection) -> Callable[[str, str | None, int], Ranked]:
    def run(text: str, call_id: str | None, limit: int) -> Ranked:
        where = "sentences_fts MATCH ?" + (" AND s.call_id = ?" if call_id else "")
        params: list[Any] = [fts.match_expression(text, "OR")]
        params += [call_id] if call_id else []
        sql = (
            "SELECT s.call_id, s.start_ms FROM sentences_fts JOIN sentences s"
            f" ON s.id = sentences_fts.rowid WHERE {where} ORDER BY rank, s.id LIMIT ?"
        )
        return list(db.execute(sql, [*params, limit]))

    return run


# -- the measures ----------------------------------------------------------------------------


def judge(q: Judged, within: Ranked, corpus: Ranked, relevant: int) -> dict[str, float]:
    gains = [q.relevant(c, s) for c, s in within]
    dcg = sum(1 / math.log2(i + 2) for i, g in enumerate(gains[:K]) if g)
    ideal = sum(1 / math.log2(i + 2) for i in range(min(K, relevant)))
    first = next((i for i, (c, s) in enumerate(corpus[:DEEP]) if q.relevant(c, s)), None)
    return {
        "ndcg10": dcg / ideal if ideal else 0.0,
        "p10": sum(gains[:K]) / K,
        "success10": float(any(gains[:K])),
        "recall50": sum(gains[:DEEP]) / relevant if relevant else 0.0,
        "call_success10": float(q.call_id in {c for c, _s in corpus[:K]}),
        "call_success10_1pc": float(q.call_id in _calls(corpus)[:K]),
        "mrr50": 1 / (first + 1) if first is not None else 0.0,
    }


def _calls(ranked: Ranked) -> list[str]:
    """The calls of ``ranked`` in order of their first hit (one hit per call)."""
    return list(dict.fromkeys(c for c, _s in ranked))


def evaluate(run, queries: list[Judged], counts: dict[str, int]) -> dict[str, float]:
    rows = [
        judge(q, run(q.text, q.call_id, DEEP), run(q.text, None, DEEP), counts[q.qid])
        for q in queries
    ]
    return {m: sum(r[m] for r in rows) / len(rows) for m in rows[0]}


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(prog="python -m bench.qmsum", description=__doc__)
    parser.add_argument("--split", default="val", choices=["train", "val", "all"])
    parser.add_argument("--sample", type=int, help="a random sample of this many queries")
    parser.add_argument("--reindex", action="store_true", help="rebuild the Whoosh index")
    parser.add_argument("--out", type=Path, help="write the figures as JSON here")
    args = parser.parse_args(argv)
    index_dir, fts_path = prepare(args.reindex)
    queries = load_queries(args.split, args.sample)
    figures: dict[str, Any] = {"split": args.split, "queries": len(queries)}
    db = sqlite3.connect(f"file:{fts_path}?mode=ro", uri=True)
    with Catalog(index_dir, create=False) as catalog, open_engine(index_dir).searcher() as eng:
        counts = relevant_counts(catalog, queries)
        for name, run in (("fts5_or", fts5(db)), ("gong-search", ours(catalog, eng))):
            figures[name] = _timed(evaluate, run, queries, counts)
            print(name, figures[name], flush=True)
    db.close()
    if args.out:
        args.out.write_text(json.dumps(figures, indent=2))
    return 0


def _timed(measure, *args) -> dict[str, float]:
    started = time.perf_counter()
    found = measure(*args)
    return {**{k: round(v, 4) for k, v in found.items()}, "seconds": time.perf_counter() - started}


if __name__ == "__main__":
    raise SystemExit(main())
