"""``python -m bench --engine opensearch --sentences N [--opensearch-url URL]``.

The OpenSearch engine beside the Whoosh engine and SQLite FTS5 on one corpus, in one run:
sync rate (the whole tenant through the simulator, each engine into its own catalog), every
query class (:mod:`bench.queries`, facets included) p50/p95 on all three, the cold CLI,
index sizes, and the OpenSearch node's RSS. Without ``--opensearch-url`` a one-node
cluster is started from the test harness (``tools/opensearch``, heap 512 MB-1 GB) on the
same 2-core machine: that is a convenience for measuring, not the production shape (see
docs/scale-out.md). Figures go to bench/results.json (``opensearch``) and RESULTS.md.
"""

from __future__ import annotations

import argparse
import os
import shutil
import sys
import tempfile
import time
from collections.abc import Iterator
from contextlib import contextmanager
from datetime import datetime
from pathlib import Path
from typing import Any

from gong_search import engine_choice
from gong_search.engine import open_engine

from . import cold, queries, report, throughput
from .corpus import ROOT, Corpus
from .stats import dir_bytes

ENGINE_ENV = ("GONG_SEARCH_ENGINE", "GONG_SEARCH_OPENSEARCH_URL", "GONG_SEARCH_OPENSEARCH_PREFIX")


def log(message: str) -> None:
    print(f"[bench {time.strftime('%H:%M:%S')}] {message}", file=sys.stderr, flush=True)


@contextmanager
def engine(url: str | None) -> Iterator[None]:
    """This process and its children on OpenSearch at ``url`` (None: Whoosh)."""
    saved = {name: os.environ.pop(name, None) for name in ENGINE_ENV}
    if url:
        os.environ.update(
            GONG_SEARCH_ENGINE="opensearch",
            GONG_SEARCH_OPENSEARCH_URL=url,
            GONG_SEARCH_OPENSEARCH_PREFIX="bench",
        )
    engine_choice.reset()
    try:
        yield
    finally:
        for name in ENGINE_ENV:
            os.environ.pop(name, None)
        os.environ.update({k: v for k, v in saved.items() if v is not None})
        engine_choice.reset()


@contextmanager
def cluster(url: str | None) -> Iterator[tuple[str, int | None]]:
    """(url, node PID or None) of the cluster to measure: the given one, or a node started
    from the test harness for this run and stopped by its PID at the end."""
    if url:
        yield url, None
        return
    sys.path.insert(0, str(ROOT))
    from tests import opensearch_node

    opensearch_node.build()
    with tempfile.TemporaryDirectory(prefix="bench-opensearch-") as home:
        node = opensearch_node.Node(Path(home), **{"discovery.type": "single-node"})
        try:
            node.start()
            yield node.url, node.process.pid  # type: ignore[union-attr]
        finally:
            node.stop()


def node_rss_mb(pid: int | None) -> dict[str, float | None]:
    """The node JVM's resident set now and at its peak (/proc), MB."""
    if pid is None:
        return {"rss_mb": None, "peak_rss_mb": None}
    fields = {}
    for line in Path(f"/proc/{pid}/status").read_text().splitlines():
        name, _, value = line.partition(":")
        if name in ("VmRSS", "VmHWM"):
            fields[name] = int(value.split()[0]) / 1024
    return {"rss_mb": fields.get("VmRSS"), "peak_rss_mb": fields.get("VmHWM")}


def main(args: argparse.Namespace) -> int:
    from .run import query_params, throughput_figures

    started = time.monotonic()
    corpus = Corpus(args.sentences, args.seed)
    shape = corpus.shape()
    log(f"corpus {corpus.key}: {shape['calls']} calls; Whoosh sync and FTS5 first ...")
    with engine(None):
        whoosh_figures = throughput_figures(corpus, args)
        params = query_params(corpus)
    classes = queries.query_classes(params)
    with cluster(args.opensearch_url) as (url, pid):
        target = corpus.root / "opensearch-index"
        shutil.rmtree(target, ignore_errors=True)
        with engine(url):
            log(f"OpenSearch sync into {url} ...")
            synced = throughput.measure_sync(corpus, target)
            log(f"  {synced['summary']} ({synced['sentences_per_s']:,.0f} sentences/s)")
            after_sync = node_rss_mb(pid)
            os_rows = _latencies(target, corpus, classes, args)
            log(f"cold CLI on OpenSearch: {args.cold_runs} runs ...")
            os_cold = cold.measure(target, corpus.fts_path, args.cold_runs)["ours"]
            stats = open_engine(target).stats()
            node = {"after_sync": after_sync, "after_queries": node_rss_mb(pid)}
            health = open_engine(target).health()  # type: ignore[attr-defined]
    with engine(None):
        whoosh_rows = _latencies(corpus.index_dir, corpus, classes, args)
        log(f"cold CLI on Whoosh and FTS5: {args.cold_runs} runs ...")
        whoosh_cold = cold.measure(corpus.index_dir, corpus.fts_path, args.cold_runs)
        whoosh_bytes = open_engine(corpus.index_dir).stats().bytes
    section = {
        "command": "python -m bench " + " ".join(sys.argv[1:]),
        "date": datetime.now().astimezone().isoformat(timespec="seconds"),
        "git": report.git_revision(),
        "cluster": {
            "url_given": bool(args.opensearch_url),
            "health": health,
            "started_node_heap": "-Xms512m -Xmx1g" if pid else None,
        },
        "corpus": {
            "sentences_target": args.sentences,
            "seed": args.seed,
            "calls": shape["calls"],
            "sentences": stats.sentences,
        },
        "sync": {
            "opensearch": _sync_figures(synced),
            "whoosh": _sync_figures(whoosh_figures["sync"]["runs"][0]),
        },
        "queries": [_side_by_side(o, w) for o, w in zip(os_rows, whoosh_rows, strict=True)],
        "cold": {"opensearch": os_cold, "whoosh": whoosh_cold["ours"], "fts5": whoosh_cold["fts5"]},
        "size": {
            "opensearch": stats.bytes,
            "whoosh": whoosh_bytes,
            "fts5": corpus.fts_path.stat().st_size,
            "opensearch_catalog_dir": dir_bytes(target),
        },
        "node_rss": node,
        "run_seconds": time.monotonic() - started,
    }
    report.save_opensearch(section)
    log(f"done in {section['run_seconds'] / 60:.1f} min; wrote {report.RESULTS_MD}")
    return 0


def _latencies(index_dir: Path, corpus: Corpus, classes: list, args) -> list[dict[str, Any]]:
    runners = queries.Runners(index_dir, corpus.fts_path)
    try:
        log(f"query latency ({runners.engine.__class__.__name__}): {len(classes)} classes ...")
        return queries.measure(runners, classes, args.repeat, args.per_call_repeat)
    finally:
        runners.close()


def _sync_figures(run: dict[str, Any]) -> dict[str, Any]:
    keys = ("sentences", "seconds", "sentences_per_s", "peak_rss_tree_mb")
    return {key: run.get(key) for key in keys}


def _side_by_side(ours: dict[str, Any], whoosh: dict[str, Any]) -> dict[str, Any]:
    """One query class on both engines (and FTS5); the totals must agree."""
    return {
        "name": ours["name"],
        "query": ours["query"],
        "options": ours["options"],
        "opensearch": {"engine": ours["engine"], "warm": ours["warm"], "total": ours["total"]},
        "whoosh": {"engine": whoosh["engine"], "warm": whoosh["warm"], "total": whoosh["total"]},
        "fts5": whoosh["fts5"],
        "totals_agree": ours["total"] == whoosh["total"],
    }
