"""Soak and load runs for the reliability guarantees (issue 8; results in docs/reliability.md).

Not part of the test suite: they take minutes. Both talk to the built-in simulator over
127.0.0.1 and run the real CLI in subprocesses.

    # (a) seeded random SIGKILLs during sync; every run must resume to identical content
    python bench/soak.py --seed 1 kill --kills 20 --max-seconds 600

    # (b) load: full sync of synthetic tenants, peak RSS per size, 8 concurrent searchers
    python bench/soak.py load --calls 2000 20000 --searchers 8

    # (c) fault mix: syncs through a hostile server (empty and short listings, refused
    # transcript batches, poison records), some with --full; no call may ever be lost
    python bench/soak.py --seed 1 faults --runs 20 --calls 300
"""

from __future__ import annotations

import argparse
import json
import os
import random
import shutil
import signal
import sqlite3
import subprocess
import sys
import tempfile
import threading
import time
from dataclasses import dataclass, field
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT))

from tests.dump import canonical_dump  # noqa: E402
from tests.hostile import (  # noqa: E402
    LISTING,
    TRANSCRIPTS,
    HostileGong,
    Reply,
    Request,
    empty_listing,
    listing_cut_after_page_1,
    rewrite_bytes,
)

QUERIES = ["pricing", '"security review"', "budget OR discount", "renew*", "pricing --customer"]


# -- helpers -------------------------------------------------------------------------------


class SimulatorProcess:
    """``gong-search simulate`` in its own process, so its CPU and memory are not ours."""

    def __init__(self, calls: int, seed: int, call_length: str) -> None:
        self.proc = subprocess.Popen(
            [sys.executable, "-m", "gong_search", "simulate", "--calls", str(calls),
             "--seed", str(seed), "--call-length", call_length, "--rate", "0"],
            stdout=subprocess.PIPE, text=True, cwd=ROOT,
        )  # fmt: skip
        assert self.proc.stdout is not None
        first = self.proc.stdout.readline().strip()
        if not first.startswith("GONG_BASE_URL="):
            raise RuntimeError(f"simulator did not start: {first!r}")
        self.base_url = first.split("=", 1)[1]

    def env(self) -> dict[str, str]:
        return {
            **os.environ,
            "GONG_BASE_URL": self.base_url,
            "GONG_ACCESS_KEY": "demo",
            "GONG_ACCESS_KEY_SECRET": "demo",
        }

    def stop(self) -> None:
        self.proc.send_signal(signal.SIGINT)
        try:
            self.proc.wait(timeout=10)
        except subprocess.TimeoutExpired:
            self.proc.kill()


def sync_cmd(index_dir: Path) -> list[str]:
    return [sys.executable, "-m", "gong_search", "sync", "--rate", "0", "--index", str(index_dir)]


def measured_sync(sim: SimulatorProcess, index_dir: Path) -> tuple[float, int, str]:
    """A complete sync: (seconds, peak RSS in MB of that process alone, summary line).

    The child is reaped with ``wait4`` so the RSS is its own, not the max over all children.
    """
    started = time.monotonic()
    with open(os.devnull, "w") as devnull:
        proc = subprocess.Popen(
            sync_cmd(index_dir), env=sim.env(), stdout=subprocess.PIPE, stderr=devnull, text=True
        )
        assert proc.stdout is not None
        summary = proc.stdout.read().strip()
        _pid, status, usage = os.wait4(proc.pid, 0)
        proc.returncode = os.waitstatus_to_exitcode(status)
    if proc.returncode != 0:
        raise RuntimeError(f"sync failed with exit {proc.returncode}")
    return time.monotonic() - started, usage.ru_maxrss // 1024, summary


# -- (a) random SIGKILL loop ---------------------------------------------------------------


def kill_loop(args: argparse.Namespace) -> int:
    rng = random.Random(args.seed)
    work = Path(tempfile.mkdtemp(prefix="gong-soak-kill-"))
    sim = SimulatorProcess(args.calls, args.seed, args.call_length)
    deadline = time.monotonic() + args.max_seconds
    kills = runs = 0
    try:
        seconds, _rss, _summary = measured_sync(sim, work / "reference")
        reference = canonical_dump(work / "reference")
        print(f"reference sync: {seconds:.1f} s for {args.calls} calls")
        while kills < args.kills and time.monotonic() < deadline:
            runs += 1
            index_dir = work / f"run-{runs}"
            for _ in range(rng.randint(1, 3)):  # one to three kills before the final resume
                if kills >= args.kills:
                    break
                delay = rng.uniform(0.2, seconds * 1.1)
                proc = subprocess.Popen(
                    sync_cmd(index_dir), env=sim.env(),
                    stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL,
                )  # fmt: skip
                time.sleep(delay)
                finished = proc.poll() is not None
                proc.kill()
                proc.wait()
                kills += not finished
                print(f"run {runs}: SIGKILL after {delay:.2f} s" + (" (had finished)" * finished))
            measured_sync(sim, index_dir)
            same = canonical_dump(index_dir) == reference
            print(f"run {runs}: resumed, content {'identical' if same else 'DIFFERENT'}")
            if not same:
                print(f"FAILED: {index_dir} differs from {work / 'reference'}")
                return 1
            shutil.rmtree(index_dir)
        print(f"kill soak: {kills} kills, {runs} runs, every resume identical (seed {args.seed})")
        return 0
    finally:
        sim.stop()
        if not args.keep:
            shutil.rmtree(work, ignore_errors=True)


# -- (b) load: memory per tenant size, concurrent searches ---------------------------------


@dataclass
class SearchLoad:
    """``searchers`` threads, each running the CLI search in a loop until stopped."""

    index_dir: Path
    searchers: int
    runs: int = 0
    errors: list[str] = field(default_factory=list)
    _stop: threading.Event = field(default_factory=threading.Event)

    def start(self) -> None:
        self.threads = [
            threading.Thread(target=self._worker, args=(n,), daemon=True)
            for n in range(self.searchers)
        ]
        for thread in self.threads:
            thread.start()

    def stop(self) -> None:
        self._stop.set()
        for thread in self.threads:
            thread.join()

    def _worker(self, n: int) -> None:
        while not (self.index_dir / "CURRENT").exists() and not self._stop.is_set():
            time.sleep(0.1)
        while not self._stop.is_set():
            query, *opts = QUERIES[n % len(QUERIES)].split(" --")
            cmd = [sys.executable, "-m", "gong_search", "search", query, "--index",
                   str(self.index_dir), "-f", "jsonl", "--limit", "5",
                   *(f"--{o}" for o in opts)]  # fmt: skip
            done = subprocess.run(cmd, capture_output=True, text=True)
            self.runs += 1
            if done.returncode not in (0, 1) or "Traceback" in done.stderr:
                self.errors.append(f"exit {done.returncode}: {done.stderr.strip()[-300:]}")


def load(args: argparse.Namespace) -> int:
    work = Path(tempfile.mkdtemp(prefix="gong-soak-load-"))
    failures = 0
    try:
        for calls in args.calls:
            sim = SimulatorProcess(calls, args.seed, args.call_length)
            index_dir = work / f"ix-{calls}"
            searches = SearchLoad(index_dir, args.searchers if calls == max(args.calls) else 0)
            searches.start()
            try:
                seconds, rss, summary = measured_sync(sim, index_dir)
            finally:
                searches.stop()
                sim.stop()
            size = sum(p.stat().st_size for p in index_dir.rglob("*") if p.is_file()) / 1e6
            print(f"{calls} calls: {seconds:.0f} s, peak RSS {rss} MB, on disk {size:.0f} MB")
            print(f"  {summary}")
            if searches.searchers:
                print(f"  {searches.searchers} concurrent searchers: {searches.runs} searches, "
                      f"{len(searches.errors)} errors")  # fmt: skip
                for error in searches.errors[:5]:
                    print(f"    {error}")
                failures += len(searches.errors)
        return 1 if failures else 0
    finally:
        if not args.keep:
            shutil.rmtree(work, ignore_errors=True)


# -- (c) fault mix: a hostile server must never cost a call -----------------------------


def _refused_batch(rng: random.Random):
    target, batches = rng.randint(1, 3), []  # refuse the n-th transcript batch of the run

    def tamper(request: Request, forward) -> Reply:
        if request.path == TRANSCRIPTS:
            batches.append(request)
            if len(batches) == target:
                return Reply.of(rng.choice([400, 302, 404]), {"errors": ["refused"]})
        return forward()

    return tamper


def _poison(rng: random.Random):
    pattern, value = rng.choice([
        (rb'"duration": [0-9]+', b'"duration": 1e400'),
        (rb'"duration": [0-9]+', b'"duration": NaN'),
        (rb'"started": "[^"]+"', b'"started": "9999-12-31T23:59:59-12:00"'),
        (rb'"start": [0-9]+', b'"start": -1e400'),
    ])  # fmt: skip
    return rewrite_bytes(TRANSCRIPTS if b'"start"' in value else LISTING, pattern, value)


def _catalog_ids(index_dir: Path) -> set[str]:
    if not (index_dir / "catalog.sqlite3").exists():
        return set()
    with sqlite3.connect(index_dir / "catalog.sqlite3") as db:
        return {r[0] for r in db.execute("SELECT id FROM calls")}


def _hostile_sync(base_url: str, index_dir: Path, full: bool) -> subprocess.CompletedProcess:
    env = {**os.environ, "GONG_BASE_URL": base_url, "GONG_ACCESS_KEY": "demo",
           "GONG_ACCESS_KEY_SECRET": "demo"}  # fmt: skip
    cmd = sync_cmd(index_dir) + (["--full"] if full else [])
    return subprocess.run(cmd, env=env, capture_output=True, text=True, timeout=300)


def fault_mix(args: argparse.Namespace) -> int:
    rng = random.Random(args.seed)
    work = Path(tempfile.mkdtemp(prefix="gong-soak-faults-"))
    sim = SimulatorProcess(args.calls, args.seed, args.call_length)
    started, tally, lost = time.monotonic(), {}, 0
    try:
        measured_sync(sim, work / "reference")
        reference = canonical_dump(work / "reference")
        for run in range(1, args.runs + 1):
            index_dir = work / f"run-{run}"
            for _ in range(args.syncs):
                name, tamper = rng.choice([
                    ("empty listing", empty_listing),
                    ("short listing", listing_cut_after_page_1),
                    ("refused batch", _refused_batch(rng)),
                    ("poison record", _poison(rng)),
                ])  # fmt: skip
                full = rng.random() < 0.5
                before = _catalog_ids(index_dir)
                with HostileGong(sim.base_url, tamper) as gong:
                    done = _hostile_sync(gong.base_url, index_dir, full)
                missing = before - _catalog_ids(index_dir)
                key = f"{name}{' --full' if full else ''}: exit {done.returncode}"
                tally[key] = tally.get(key, 0) + 1
                if missing or "Traceback" in done.stderr:
                    lost += len(missing)
                    print(f"run {run}: {key} LOST {len(missing)} calls\n{done.stderr[-500:]}")
            for flags in ([], ["--full"]):  # a clean incremental run, then a clean --full
                clean = subprocess.run(sync_cmd(index_dir) + flags, env=sim.env(),
                                       capture_output=True, text=True)  # fmt: skip
            same = canonical_dump(index_dir) == reference
            print(f"run {run}: after the clean runs (exit {clean.returncode}) content "
                  f"{'identical' if same else 'DIFFERENT'}")  # fmt: skip
            lost += 0 if same else 1
        print(json.dumps(tally, indent=1, sort_keys=True))
        print(f"fault mix: {args.runs} runs x {args.syncs} hostile syncs, {lost} calls lost or "
              f"runs different, {time.monotonic() - started:.0f} s (seed {args.seed})")  # fmt: skip
        return 1 if lost else 0
    finally:
        sim.stop()
        if not args.keep:
            shutil.rmtree(work, ignore_errors=True)


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--seed", type=int, default=1)
    parser.add_argument("--call-length", default="5:20", help="sentences per call, MIN:MAX")
    parser.add_argument("--keep", action="store_true", help="keep the work directory")
    sub = parser.add_subparsers(dest="mode", required=True)
    kill = sub.add_parser("kill", help="random SIGKILL loop")
    kill.add_argument("--kills", type=int, default=20)
    kill.add_argument("--max-seconds", type=float, default=600)
    kill.add_argument("--calls", type=int, default=1500)
    heavy = sub.add_parser("load", help="memory and concurrent searches")
    heavy.add_argument("--calls", type=int, nargs="+", default=[2000, 20000])
    heavy.add_argument("--searchers", type=int, default=8)
    faults = sub.add_parser("faults", help="hostile-server fault mix; no call may be lost")
    faults.add_argument("--runs", type=int, default=20)
    faults.add_argument("--syncs", type=int, default=3, help="hostile syncs per run")
    faults.add_argument("--calls", type=int, default=300)
    args = parser.parse_args()
    return {"kill": kill_loop, "load": load, "faults": fault_mix}[args.mode](args)


if __name__ == "__main__":
    sys.exit(main())
