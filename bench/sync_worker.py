"""Subprocess entry points for the throughput figures, so their memory is measured alone.

    python -m bench.sync_worker sync --base-url URL --index DIR --start ISO --end ISO --rate R
    python -m bench.sync_worker bulk --catalog DIR --index DIR --fts FILE

Each prints one JSON line with its figures. ``--profile FILE`` runs the work under cProfile
(main thread only) and writes the stats there: never combine it with a measured run.
"""

from __future__ import annotations

import argparse
import cProfile
import json
import sys
import time
from collections.abc import Callable, Iterator
from contextlib import contextmanager
from datetime import datetime
from pathlib import Path
from typing import Any


def run_sync(args: argparse.Namespace) -> dict[str, Any]:
    """A real ``sync`` against the simulator, through the public API, into a fresh dir.

    Also times every stretch with signals held (:class:`DeferSignals`: the page commits,
    during which Ctrl-C waits), since a commit that merges a large segment is what issue 20
    found at 3M sentences."""
    from gong_search.config import Credentials, Secret
    from gong_search.gong.client import GongClient
    from gong_search.harvest import SyncOptions, sync

    creds = Credentials(args.base_url, "demo", Secret("demo"))
    options = SyncOptions(
        start=datetime.fromisoformat(args.start), end=datetime.fromisoformat(args.end)
    )
    started = time.perf_counter()
    with GongClient(creds, rate=args.rate) as client, held_signals() as held:
        report = sync(Path(args.index), client, options)
    seconds = time.perf_counter() - started
    return {
        "seconds": seconds,
        "sentences": report.sentences,
        "calls": report.added + report.updated,
        "requests": report.requests,
        "failed": len(report.failed),
        "summary": report.summary(),
        "signals_held_s": held,
    }


@contextmanager
def held_signals() -> Iterator[list[float]]:
    """Seconds of each :class:`DeferSignals` stretch while inside (a bench-only wrapper)."""
    from gong_search.commit_safety import DeferSignals

    held: list[float] = []
    enter, leave = DeferSignals.__enter__, DeferSignals.__exit__

    def timed_enter(self):
        self.bench_started = time.perf_counter()
        return enter(self)

    def timed_exit(self, *exc):
        held.append(time.perf_counter() - self.bench_started)
        return leave(self, *exc)

    DeferSignals.__enter__, DeferSignals.__exit__ = timed_enter, timed_exit
    try:
        yield held
    finally:
        DeferSignals.__enter__, DeferSignals.__exit__ = enter, leave


def run_bulk(args: argparse.Namespace) -> dict[str, Any]:
    """The indexing limit: the synced catalog loaded into memory first, then indexed twice.

    Loading is timed apart, so ``rebuild`` and the FTS5 load see the very same in-memory
    calls and neither pays for reading the catalog.
    """
    from bench import fts
    from gong_search.catalog import Catalog
    from gong_search.engine import open_engine

    started = time.perf_counter()
    with Catalog(Path(args.catalog), create=False) as catalog:
        hashes = catalog.content_hashes()
        calls = [(j, hashes[j.call.id]) for j in catalog.iter_call_sentences()]
    load = time.perf_counter() - started
    out = Path(args.index)
    out.mkdir(parents=True, exist_ok=True)

    started = time.perf_counter()
    sentences = open_engine(out).rebuild(iter(calls))
    whoosh_seconds = time.perf_counter() - started

    started = time.perf_counter()
    fts_sentences = fts.build(Path(args.fts), (j for j, _h in calls))
    fts_seconds = time.perf_counter() - started
    return {
        "load_seconds": load,
        "sentences": sentences,
        "whoosh_seconds": whoosh_seconds,
        "fts_sentences": fts_sentences,
        "fts_seconds": fts_seconds,
        "calls": len(calls),
    }


def _profiled(work: Callable[[argparse.Namespace], dict], args: argparse.Namespace) -> dict:
    if not args.profile:
        return work(args)
    profiler = cProfile.Profile()
    result = profiler.runcall(work, args)
    profiler.dump_stats(args.profile)
    return result


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    sub = parser.add_subparsers(dest="mode", required=True)
    s = sub.add_parser("sync")
    s.add_argument("--base-url", required=True)
    s.add_argument("--index", required=True)
    s.add_argument("--start", required=True)
    s.add_argument("--end", required=True)
    s.add_argument("--rate", type=float, default=0.0)
    b = sub.add_parser("bulk")
    b.add_argument("--catalog", required=True)
    b.add_argument("--index", required=True)
    b.add_argument("--fts", required=True)
    for p in (s, b):
        p.add_argument("--profile")
    args = parser.parse_args(argv)
    result = _profiled(run_sync if args.mode == "sync" else run_bulk, args)
    sys.stdout.write(json.dumps(result) + "\n")
    return 0


if __name__ == "__main__":
    sys.exit(main())
