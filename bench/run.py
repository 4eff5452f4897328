"""``python -m bench --sentences N [--seed S] [--repeat R] [--quick] [--profile]``.

One run measures every figure of issue 7 on one corpus, ours and SQLite FTS5's side by
side, and merges the results for this size into bench/results.json and bench/RESULTS.md.
The corpus (the synced index and catalog, and the FTS5 database) is cached under
bench/.cache/<sentences>-<seed>/; ``--quick`` also reuses the cached throughput figures
and runs fewer repetitions, for a fast look at query changes.
"""

from __future__ import annotations

import argparse
import cProfile
import io
import pstats
import re
import shutil
import sqlite3
import sys
import time
from collections import Counter
from datetime import datetime
from pathlib import Path
from typing import Any

from gong_search.catalog import Catalog
from gong_search.engine import open_engine
from gong_search.sentences import normalize_name
from gong_search.simulator import SyntheticTenant

from . import cold, quality, queries, report, throughput
from .corpus import CALL_LENGTH, Corpus
from .stats import dir_bytes, summarize


def log(message: str) -> None:
    print(f"[bench {time.strftime('%H:%M:%S')}] {message}", file=sys.stderr, flush=True)


def parse_args(argv: list[str] | None) -> argparse.Namespace:
    parser = argparse.ArgumentParser(prog="python -m bench", description=__doc__.splitlines()[0])
    parser.add_argument("--sentences", type=int, required=True, help="corpus size, e.g. 100000")
    parser.add_argument("--seed", type=int, default=1)
    parser.add_argument("--repeat", type=int, help="timed runs per query class (default 50)")
    parser.add_argument(
        "--sync-runs", type=int, help="sync and bulk runs (default 3 up to 200k sentences, else 1)"
    )
    parser.add_argument(
        "--quick", action="store_true", help="reuse cached throughput figures; fewer repetitions"
    )
    parser.add_argument(
        "--profile",
        action="store_true",
        help="also cProfile one extra sync and the slowest query class",
    )
    parser.add_argument(
        "--engine",
        choices=("whoosh", "opensearch"),
        default="whoosh",
        help="opensearch: that engine beside Whoosh and FTS5 (bench/opensearch.py)",
    )
    parser.add_argument(
        "--opensearch-url", help="a cluster to measure (default: start a node from the harness)"
    )
    args = parser.parse_args(argv)
    args.repeat = args.repeat or (15 if args.quick else 50)
    args.sync_runs = args.sync_runs or (3 if args.sentences <= 200_000 else 1)
    big = args.sentences >= 1_000_000
    args.per_call_repeat = min(args.repeat, 10 if big or args.quick else 20)
    args.cold_runs = 5 if args.quick else 10
    return args


# -- throughput (figures 1, 2) ---------------------------------------------------------------


def throughput_figures(corpus: Corpus, args: argparse.Namespace) -> dict[str, Any]:
    """Sync, bulk and API figures: measured now, or reused from meta.json with --quick."""
    cached = corpus.meta().get("throughput")
    if args.quick and cached and corpus.is_synced and corpus.fts_path.exists():
        log("--quick: reusing cached sync, bulk and API figures")
        for key in ("sync", "bulk", "api"):
            cached[key]["cached"] = True
        return cached
    syncs, bulks = [], []
    bulk_bytes = 0
    for run in range(args.sync_runs):
        fresh = not corpus.is_synced
        target = corpus.index_dir if fresh else corpus.root / "scratch-sync"
        shutil.rmtree(target, ignore_errors=True)
        log(f"sync {run + 1}/{args.sync_runs} into {target.name}/ ...")
        result = throughput.measure_sync(corpus, target)
        log(
            f"  {result['summary']} ({result['sentences_per_s']:,.0f} sentences/s, "
            f"peak RSS {result['peak_rss_tree_mb']:.0f} MB)"
        )
        if fresh:
            corpus.save_meta(synced=True, synced_sentences=result["sentences"])
        else:
            shutil.rmtree(target, ignore_errors=True)
        syncs.append(result)
        log(f"bulk {run + 1}/{args.sync_runs}: index.rebuild + FTS5 load ...")
        scratch, fts_tmp = corpus.root / "scratch-bulk", corpus.root / "fts5.tmp"
        bulk = throughput.measure_bulk(corpus, scratch, fts_tmp)
        bulk_bytes = open_engine(scratch).stats().bytes
        shutil.rmtree(scratch, ignore_errors=True)
        fts_tmp.replace(corpus.fts_path)
        log(
            f"  rebuild {bulk['whoosh_sentences_per_s']:,.0f} sentences/s, "
            f"FTS5 {bulk['fts_sentences_per_s']:,.0f} sentences/s"
        )
        bulks.append(bulk)
    log(f"API efficiency: {throughput.API_CALLS} short calls at 3 req/s ...")
    api = throughput.measure_api(corpus, corpus.root / "scratch-api")
    log(
        f"  {api['requests']} requests in {api['seconds']:.1f} s "
        f"({api['budget_fraction']:.0%} of the budget)"
    )
    measured_at = datetime.now().astimezone().isoformat(timespec="seconds")
    figures = {
        "sync": _combine(
            syncs,
            ["sentences_per_s", "seconds", "peak_rss_tree_mb", "peak_rss_maxrss_mb"],
            measured_at,
        ),
        "bulk": _combine(
            bulks,
            [
                "whoosh_sentences_per_s",
                "whoosh_seconds",
                "fts_sentences_per_s",
                "fts_seconds",
                "load_seconds",
                "peak_rss_tree_mb",
                "peak_rss_maxrss_mb",
            ],
            measured_at,
        ),
        "api": {**api, "measured_at": measured_at},
        "bulk_index_bytes": bulk_bytes,
    }
    corpus.save_meta(throughput=figures)
    return figures


def _combine(runs: list[dict[str, Any]], keys: list[str], measured_at: str) -> dict[str, Any]:
    """Median/p95 per figure over runs; for a rate, p95 is the slowest run (5th percentile)."""
    combined: dict[str, Any] = {"runs": runs, "measured_at": measured_at}
    for key in keys:
        values = [r[key] for r in runs if r.get(key) is not None]
        stat = summarize(values)
        if key.endswith("_per_s"):
            stat["p95"] = min(values)
        combined[key] = stat
    combined["sentences"] = runs[0].get("sentences")
    combined["requests"] = runs[0].get("requests")
    return combined


# -- corpus-dependent query parameters -------------------------------------------------------


def query_params(corpus: Corpus) -> dict[str, Any]:
    """Rare word, fuzzy speaker and date range for this corpus; computed once, cached."""
    meta = corpus.meta()
    if "query_params" in meta:
        return meta["query_params"]
    with Catalog(corpus.index_dir, create=False) as catalog:
        first, last = catalog.date_range()
        speakers = [s for s in catalog.speakers() if s.affiliation == "External"]
    span = last - first
    params = {
        "date_from": (first + span / 4).isoformat(),
        "date_to": (first + span * 3 / 4).isoformat(),
        "speaker": normalize_name(speakers[0].name).split()[0],
        "rare_word": _rare_word(corpus.fts_path),
    }
    corpus.save_meta(query_params=params)
    return params


def _rare_word(fts_path: Path) -> str:
    """The least frequent word of 5+ letters that still occurs at least 3 times."""
    counts: Counter[str] = Counter()
    db = sqlite3.connect(fts_path)
    for (text,) in db.execute("SELECT text FROM sentences"):
        counts.update(re.findall(r"[a-z]{5,}", text.lower()))
    db.close()
    return min((n, w) for w, n in counts.items() if n >= 3)[1]


# -- profiles --------------------------------------------------------------------------------


def top15(stats_source: str | cProfile.Profile) -> str:
    out = io.StringIO()
    stats = pstats.Stats(stats_source, stream=out)
    stats.sort_stats("cumulative").print_stats(r"^(?!.*/bench/)", 15)
    return out.getvalue()


def profiles(
    corpus: Corpus, runners: queries.Runners, slow: queries.QueryClass, repeat: int
) -> dict[str, str]:
    """cProfile the slowest query class (warm) and one extra, unmeasured sync."""
    found = {}
    profiler = cProfile.Profile()
    fn = runners.warm_fn(slow)
    profiler.runcall(lambda: [fn() for _ in range(repeat)])
    found["query"] = f"# warm query class {slow.name!r} x{repeat}\n" + top15(profiler)
    log("profiling one extra sync (not measured) ...")
    target, prof = corpus.root / "scratch-sync", corpus.root / "sync.prof"
    shutil.rmtree(target, ignore_errors=True)
    throughput.measure_sync(corpus, target, profile=prof)
    shutil.rmtree(target, ignore_errors=True)
    found["sync"] = "# sync worker, main thread\n" + top15(str(prof))
    for name, text in found.items():
        (corpus.root / f"profile-{name}.txt").write_text(text)
    return found


# -- the run ---------------------------------------------------------------------------------


def main(argv: list[str] | None = None) -> int:
    args = parse_args(argv)
    if args.engine == "opensearch":
        from . import opensearch

        return opensearch.main(args)
    started = time.monotonic()
    corpus = Corpus(args.sentences, args.seed)
    shape = corpus.shape()
    log(
        f"corpus {corpus.key}: {shape['calls']} calls, ~{shape['expected_sentences']:,} "
        f"sentences, cache {corpus.root}"
    )
    figures = throughput_figures(corpus, args)
    params = query_params(corpus)
    runners = queries.Runners(corpus.index_dir, corpus.fts_path)
    try:
        classes = queries.query_classes(params)
        log(f"query latency: {len(classes)} classes x {args.repeat} runs ...")
        rows = queries.measure(runners, classes, args.repeat, args.per_call_repeat)
        for r in rows:
            log(
                f"  {r['name']:<30} warm {r['warm']['median']:7.1f} / {r['warm']['p95']:7.1f} ms"
                f"   FTS5 {r['fts5']['median']:6.2f} / {r['fts5']['p95']:6.2f} ms"
            )
        log("ranking quality ...")
        with Catalog(corpus.index_dir, create=False) as catalog:
            call_ids = catalog.all_call_ids()
        tenant = SyntheticTenant(calls=shape["calls"], seed=args.seed, call_length=CALL_LENGTH)
        ranking = quality.evaluate(runners, tenant, call_ids)
        profile_text = {}
        if args.profile:
            profile_text = profiles(corpus, runners, queries.slowest(rows, classes), args.repeat)
    finally:
        runners.close()
    log(f"cold CLI: {args.cold_runs} runs each ...")
    cold_figures = cold.measure(corpus.index_dir, corpus.fts_path, args.cold_runs)
    sizes = _sizes(corpus, figures.get("bulk_index_bytes", 0))
    section = {
        "command": "python -m bench " + " ".join(sys.argv[1:] if argv is None else argv),
        "date": datetime.now().astimezone().isoformat(timespec="seconds"),
        "git": report.git_revision(),
        "machine": report.machine(),
        "corpus": {
            "sentences_target": args.sentences,
            "seed": args.seed,
            "calls": shape["calls"],
            "sentences": figures["sync"]["sentences"],
            "call_length": list(CALL_LENGTH),
            "query_params": params,
        },
        "sync": figures["sync"],
        "bulk": figures["bulk"],
        "api": figures["api"],
        "queries": rows,
        "cold": cold_figures,
        "size": sizes,
        "quality": ranking,
        "run_seconds": time.monotonic() - started,
    }
    section["targets"] = report.targets(section)
    report.save(section)
    for t in section["targets"]:
        log(f"target {'met    ' if t['met'] else 'NOT MET'} {t['target']}: {t['figure']}")
    for name, text in profile_text.items():
        print(f"\n==== profile: {name} ====\n{text}")
    log(f"done in {section['run_seconds'] / 60:.1f} min; wrote {report.RESULTS_MD}")
    return 0


def _sizes(corpus: Corpus, bulk_bytes: int) -> dict[str, Any]:
    synced = open_engine(corpus.index_dir).stats().bytes
    fts = corpus.fts_path.stat().st_size
    catalog = sum(p.stat().st_size for p in corpus.index_dir.glob("catalog.sqlite3*"))
    return {
        "whoosh_synced": synced,
        "whoosh_bulk": bulk_bytes,
        "fts5": fts,
        "catalog": catalog,
        "index_dir_total": dir_bytes(corpus.index_dir),
        "ratio_synced": synced / fts,
        "ratio_bulk": bulk_bytes / fts if bulk_bytes else None,
    }
