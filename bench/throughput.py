"""Figures 1, 2 and 5 (memory): sync end to end, the bulk indexing limit, API efficiency.

The simulator runs in this process (a thread serving 127.0.0.1); the sync runs in a child
process (``bench.sync_worker``) so its peak memory is its own. Peak RSS is reported two
ways: the child's ``ru_maxrss`` from ``wait4`` and the sampled sum over the child and any
processes it starts (the issue asks for "all its processes together").
"""

from __future__ import annotations

import json
import shutil
import subprocess
import sys
import tempfile
import time
from datetime import UTC, datetime, timedelta
from pathlib import Path
from typing import Any

from gong_search.simulator import Simulator, SimulatorConfig

from .corpus import ROOT, Corpus
from .stats import TreeRssSampler, measured_command, read_peak_mb

API_CALLS = 1000  # calls synced for the API-efficiency figure
API_CALL_LENGTH = (5, 20)  # short calls: the request count does not depend on call length
API_RATE = 3.0


def run_worker(args: list[str]) -> dict[str, Any]:
    """Run ``bench.sync_worker`` with ``args``; its JSON plus peak RSS figures and wall time."""
    cmd, rss_file = measured_command([sys.executable, "-m", "bench.sync_worker", *args])
    started = time.perf_counter()
    with tempfile.TemporaryFile("w+") as out, tempfile.TemporaryFile("w+") as err:
        proc = subprocess.Popen(cmd, cwd=ROOT, stdout=out, stderr=err)
        with TreeRssSampler(proc.pid) as sampler:
            proc.wait()
        wall = time.perf_counter() - started
        out.seek(0)
        err.seek(0)
        stdout, stderr = out.read(), err.read()
    peak = read_peak_mb(rss_file)
    if proc.returncode != 0:
        raise RuntimeError(f"sync worker {args[0]} failed:\n{stderr[-3000:]}")
    result = json.loads(stdout.strip().splitlines()[-1])
    result["wall_seconds"] = wall
    result["peak_rss_tree_mb"] = sampler.peak / 2**20
    result["peak_rss_anon_tree_mb"] = sampler.peak_anon / 2**20
    result["peak_rss_maxrss_mb"] = peak
    return result


def measure_sync(corpus: Corpus, target: Path, profile: Path | None = None) -> dict[str, Any]:
    """One end-to-end sync of the whole tenant into ``target`` (must not exist)."""
    start, end = corpus.window()
    with Simulator(corpus.simulator_config(rate=0.0)) as sim:
        args = [
            "sync",
            "--base-url",
            sim.base_url,
            "--index",
            str(target),
            "--start",
            start.isoformat(),
            "--end",
            end.isoformat(),
            "--rate",
            "0",
        ]
        if profile:
            args += ["--profile", str(profile)]
        result = run_worker(args)
    result["sentences_per_s"] = result["sentences"] / result["seconds"]
    return result


def measure_bulk(
    corpus: Corpus, scratch: Path, fts_out: Path, profile: Path | None = None
) -> dict[str, Any]:
    """``index.rebuild`` and the FTS5 load of the synced catalog's sentences (no HTTP)."""
    shutil.rmtree(scratch, ignore_errors=True)
    args = [
        "bulk",
        "--catalog",
        str(corpus.index_dir),
        "--index",
        str(scratch),
        "--fts",
        str(fts_out),
    ]
    if profile:
        args += ["--profile", str(profile)]
    result = run_worker(args)
    result["whoosh_sentences_per_s"] = result["sentences"] / result["whoosh_seconds"]
    result["fts_sentences_per_s"] = result["fts_sentences"] / result["fts_seconds"]
    return result


def measure_api(corpus: Corpus, scratch: Path) -> dict[str, Any]:
    """Requests per 1,000 calls and the share of the 3 req/s budget used, limits on.

    Both the client (its default 3 req/s) and the simulator (Gong's 3 req/s) limit here.
    """
    shutil.rmtree(scratch, ignore_errors=True)
    config = SimulatorConfig(
        calls=API_CALLS, seed=corpus.seed, call_length=API_CALL_LENGTH, rate=API_RATE
    )
    with Simulator(config) as sim:
        end = datetime.now(UTC) + timedelta(days=1)
        start = end - timedelta(days=config.span_days + 2)
        result = run_worker(
            [
                "sync",
                "--base-url",
                sim.base_url,
                "--index",
                str(scratch),
                "--start",
                start.isoformat(),
                "--end",
                end.isoformat(),
                "--rate",
                str(API_RATE),
            ]
        )
        statuses = [status for _m, _p, status in sim.request_log]
    shutil.rmtree(scratch, ignore_errors=True)
    requests = result["requests"]
    return {
        "calls": API_CALLS,
        "call_length": list(API_CALL_LENGTH),
        "sentences": result["sentences"],
        "requests": requests,
        "requests_per_1000_calls": requests / API_CALLS * 1000,
        "seconds": result["seconds"],
        "budget_fraction": requests / (result["seconds"] * API_RATE),
        "http_429": statuses.count(429),
    }
