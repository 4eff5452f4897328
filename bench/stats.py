"""Timing and memory helpers shared by every figure.

Latencies are reported as median and p95 (nearest-rank), because a single mean hides the
slow tail the targets are written against. Peak RSS of a process *tree* is sampled from
/proc, because ``ru_maxrss`` reports the largest single process, not all of them together.
"""

from __future__ import annotations

import math
import os
import statistics
import tempfile
import threading
import time
from collections.abc import Callable
from pathlib import Path
from typing import Any


def percentile(samples: list[float], pct: float) -> float:
    """Nearest-rank percentile: with few samples it never invents a value between runs."""
    ordered = sorted(samples)
    rank = max(1, math.ceil(pct / 100 * len(ordered)))
    return ordered[rank - 1]


def summarize(samples: list[float], scale: float = 1.0) -> dict[str, Any]:
    """Median and p95 of ``samples`` (multiplied by ``scale``, e.g. 1000 for ms)."""
    if not samples:
        return {"median": None, "p95": None, "n": 0}
    return {
        "median": statistics.median(samples) * scale,
        "p95": percentile(samples, 95) * scale,
        "n": len(samples),
    }


def time_calls(fn: Callable[[], object], repeat: int, warmup: int = 1) -> list[float]:
    """Wall seconds of ``repeat`` calls of ``fn`` after ``warmup`` unmeasured ones."""
    for _ in range(warmup):
        fn()
    samples = []
    for _ in range(repeat):
        started = time.perf_counter()
        fn()
        samples.append(time.perf_counter() - started)
    return samples


def ratio(ours: float | None, baseline: float | None) -> float | None:
    if ours is None or not baseline:
        return None
    return ours / baseline


def dir_bytes(path: Path) -> int:
    return sum(p.stat().st_size for p in Path(path).rglob("*") if p.is_file())


def _children() -> dict[int, list[int]]:
    tree: dict[int, list[int]] = {}
    for entry in os.scandir("/proc"):
        if not entry.name.isdigit():
            continue
        try:
            stat = Path(entry.path, "stat").read_text()
        except OSError:
            continue
        ppid = int(stat.rsplit(")", 1)[1].split()[1])
        tree.setdefault(ppid, []).append(int(entry.name))
    return tree


def tree_rss(pid: int, field: str = "VmRSS") -> int:
    """Resident bytes of ``pid`` and all its descendants right now. ``field`` may name a
    part of it instead: ``RssAnon`` (heap and stacks) leaves out the pages of files mapped
    in (Whoosh maps its segment files), which count in VmRSS once touched."""
    tree = _children()
    total, todo = 0, [pid]
    while todo:
        current = todo.pop()
        todo.extend(tree.get(current, []))
        try:
            for line in Path(f"/proc/{current}/status").read_text().splitlines():
                if line.startswith(f"{field}:"):
                    total += int(line.split()[1]) * 1024
        except OSError:
            continue
    return total


class TreeRssSampler:
    """Samples a process tree's summed RSS every ``interval`` s in a thread; ``peak`` bytes."""

    def __init__(self, pid: int, interval: float = 0.1) -> None:
        self.pid = pid
        self.interval = interval
        self.peak = 0
        self.peak_anon = 0  # RssAnon: without mapped index files
        self._stop = threading.Event()
        self._thread = threading.Thread(target=self._run, name="rss-sampler", daemon=True)

    def _run(self) -> None:
        while not self._stop.is_set():
            self.peak = max(self.peak, tree_rss(self.pid))
            self.peak_anon = max(self.peak_anon, tree_rss(self.pid, "RssAnon"))
            self._stop.wait(self.interval)

    def __enter__(self) -> TreeRssSampler:
        self._thread.start()
        return self

    def __exit__(self, *exc: object) -> None:
        self._stop.set()
        self._thread.join()


GNU_TIME = Path("/usr/bin/time")


def measured_command(cmd: list[str]) -> tuple[list[str], Path | None]:
    """``cmd`` wrapped in GNU time writing the peak RSS (KiB) to a temporary file.

    A child's ``ru_maxrss`` starts at its parent's resident size (Linux records the forked
    copy's high-water mark at exec), so a child of this large process would report our
    size, not its own. A tiny intermediate process (GNU time) makes the figure the child's.
    """
    if not GNU_TIME.exists():
        return cmd, None
    fd, name = tempfile.mkstemp(prefix="bench-rss-")
    os.close(fd)
    return [str(GNU_TIME), "-f", "%M", "-o", name, *cmd], Path(name)


def read_peak_mb(path: Path | None) -> float | None:
    """The peak RSS GNU time wrote (KiB -> MiB), and remove its file."""
    if path is None:
        return None
    try:
        return int(path.read_text().strip().splitlines()[-1]) / 1024
    except (OSError, ValueError, IndexError):
        return None
    finally:
        path.unlink(missing_ok=True)
