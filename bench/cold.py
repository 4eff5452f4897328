"""Figure 4 and search memory: whole-process wall time of a cold CLI query.

"Cold" means a new process (interpreter start, imports, opening the index, one search,
output); the files are in the OS page cache (one unmeasured run first), as they are for a
user who searches repeatedly. The FTS5 comparison is a ``python -c`` script doing the same
top-20 query, and ``python -c pass`` shows the interpreter's own floor.
"""

from __future__ import annotations

import subprocess
import sys
import time
from pathlib import Path
from typing import Any

from .corpus import ROOT
from .fts import COLD_SCRIPT
from .stats import measured_command, read_peak_mb, summarize

CLI = ROOT / ".venv" / "bin" / "gong-search"
QUERY = "pricing objection"


def _timed(cmd: list[str]) -> tuple[float, float | None]:
    """(wall seconds, peak RSS MB) of one process run to completion."""
    wrapped, rss_file = measured_command(cmd)
    started = time.perf_counter()
    done = subprocess.run(wrapped, stdout=subprocess.DEVNULL, stderr=subprocess.PIPE, text=True)
    wall = time.perf_counter() - started
    peak = read_peak_mb(rss_file)
    if done.returncode not in (0, 1):  # 1 = no hits, still a search
        raise RuntimeError(f"{cmd[:3]} failed: {done.stderr[-2000:]}")
    return wall, peak


def _series(cmd: list[str], runs: int) -> dict[str, Any]:
    _timed(cmd)  # page cache warm-up, not measured
    samples = [_timed(cmd) for _ in range(runs)]
    result = summarize([wall for wall, _ in samples], 1000)
    peaks = [rss for _, rss in samples if rss is not None]
    result["peak_rss_mb"] = max(peaks) if peaks else None
    return result


def measure(index_dir: Path, fts_path: Path, runs: int) -> dict[str, Any]:
    python = sys.executable
    return {
        "query": QUERY,
        "ours": _series([str(CLI), QUERY, "--index", str(index_dir), "-f", "jsonl"], runs),
        "fts5": _series([python, "-c", COLD_SCRIPT, str(fts_path), QUERY], runs),
        "python_floor": _series([python, "-c", "pass"], runs),
        "import_cli": _series([python, "-c", "import gong_search.cli"], runs),
    }
