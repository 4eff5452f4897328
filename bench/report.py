"""Write bench/results.json (machine) and bench/RESULTS.md (human), one section per size.

Each run replaces only its own size's section, so running 100k and 1M separately builds
up one report. The targets are issue 7's, evaluated on the ``warm`` query runner.
"""

from __future__ import annotations

import json
import os
import platform
import subprocess
from pathlib import Path
from typing import Any

from .corpus import ROOT

RESULTS_JSON = ROOT / "bench" / "results.json"
RESULTS_MD = ROOT / "bench" / "RESULTS.md"
ANALYSIS_MD = ROOT / "bench" / "ANALYSIS.md"  # hand-written; appended to RESULTS.md


def machine() -> dict[str, Any]:
    cpu = "unknown"
    for line in Path("/proc/cpuinfo").read_text().splitlines():
        if line.startswith("model name"):
            cpu = line.split(":", 1)[1].strip()
            break
    mem_kb = next(
        int(line.split()[1])
        for line in Path("/proc/meminfo").read_text().splitlines()
        if line.startswith("MemTotal:")
    )
    return {
        "cpu": cpu,
        "nproc": os.cpu_count(),
        "memory_gib": round(mem_kb / 2**20, 1),
        "python": platform.python_version(),
        "kernel": platform.release(),
    }


def git_revision() -> str:
    try:
        rev = subprocess.run(
            ["git", "rev-parse", "HEAD"], cwd=ROOT, capture_output=True, text=True, check=True
        ).stdout.strip()
        dirty = subprocess.run(
            ["git", "status", "--porcelain", "gong_search"],
            cwd=ROOT,
            capture_output=True,
            text=True,
        ).stdout.strip()
        return rev + (" (+ uncommitted changes in gong_search/)" if dirty else "")
    except (OSError, subprocess.CalledProcessError):
        return "unknown"


def targets(section: dict[str, Any]) -> list[dict[str, Any]]:
    """Issue 7's targets for this size: (target, figure, met)."""
    size = section["corpus"]["sentences_target"]
    big = size >= 1_000_000
    found: list[dict[str, Any]] = []

    def add(name: str, figure: str, met: bool | None) -> None:
        found.append({"target": name, "figure": figure, "met": met})

    queries = section.get("queries") or []
    if queries:
        worst = max(queries, key=lambda r: r["warm"]["p95"])
        worst_p50 = max(queries, key=lambda r: r["warm"]["median"])
        limit = 100 if big else 50
        add(
            f"query p95 <= {limit} ms, every class (warm)",
            f"worst p95 {worst['warm']['p95']:.1f} ms ({worst['name']})",
            worst["warm"]["p95"] <= limit,
        )
        if big:
            add(
                "query p50 <= 25 ms, every class (warm)",
                f"worst p50 {worst_p50['warm']['median']:.1f} ms ({worst_p50['name']})",
                worst_p50["warm"]["median"] <= 25,
            )
    cold = section.get("cold")
    if cold:
        p50 = cold["ours"]["median"]
        add(
            "cold CLI <= 0.4 s wall" + ("" if big else " (set for 1M; shown for reference)"),
            f"median {p50:.0f} ms, p95 {cold['ours']['p95']:.0f} ms",
            p50 <= 400,
        )
    sync, bulk = section.get("sync"), section.get("bulk")
    if sync and bulk:
        rate, limit = sync["sentences_per_s"]["median"], bulk["whoosh_sentences_per_s"]["median"]
        add(
            "sync >= 90% of the bulk-index rate",
            f"{rate:,.0f} vs {limit:,.0f} sentences/s = {rate / limit:.0%}",
            rate >= 0.9 * limit,
        )
        add("sync >= 3,000 sentences/s end to end", f"{rate:,.0f} sentences/s", rate >= 3000)
        rss = sync["peak_rss_tree_mb"]["median"]
        add("sync peak RSS <= 500 MB (all processes)", f"{rss:.0f} MB", rss <= 500)
    if cold and cold["ours"]["peak_rss_mb"] is not None:
        rss = cold["ours"]["peak_rss_mb"]
        add("search peak RSS <= 300 MB", f"{rss:.0f} MB (CLI process)", rss <= 300)
    size_fig = section.get("size")
    if size_fig:
        r = size_fig["ratio_synced"]
        figure = f"{r:.2f}x (synced index)"
        if size_fig.get("ratio_bulk"):
            figure += f"; {size_fig['ratio_bulk']:.2f}x (bulk-built)"
        add("index size <= 2x FTS5", figure, r <= 2)
    quality = section.get("quality")
    if quality:
        m = quality["mean"]
        best = max(m["fts5_or"]["ndcg"], m["fts5_and"]["ndcg"])
        add(
            "nDCG@10 >= FTS5",
            f"{m['ours']['ndcg']:.3f} vs FTS5 OR {m['fts5_or']['ndcg']:.3f}"
            f" / AND {m['fts5_and']['ndcg']:.3f}",
            m["ours"]["ndcg"] >= best,
        )
    return found


def save(section: dict[str, Any]) -> dict[str, Any]:
    """Merge this size's section into results.json and re-render RESULTS.md."""
    data = _load()
    data.setdefault("sizes", {})[str(section["corpus"]["sentences_target"])] = section
    data["machine"] = section["machine"]
    return _write(data)


def save_opensearch(section: dict[str, Any]) -> dict[str, Any]:
    """Merge an OpenSearch run (``python -m bench --engine opensearch``) for its size."""
    data = _load()
    data.setdefault("opensearch", {})[str(section["corpus"]["sentences_target"])] = section
    data.setdefault("machine", machine())
    return _write(data)


def _load() -> dict[str, Any]:
    try:
        return json.loads(RESULTS_JSON.read_text())
    except (FileNotFoundError, json.JSONDecodeError):
        return {}


def _write(data: dict[str, Any]) -> dict[str, Any]:
    RESULTS_JSON.write_text(json.dumps(data, indent=2, sort_keys=True) + "\n")
    from .render import render
    from .render_opensearch import render_opensearch

    analysis = ANALYSIS_MD.read_text() if ANALYSIS_MD.exists() else ""
    text = render(data) + render_opensearch(data.get("opensearch", {}))
    RESULTS_MD.write_text(text + ("\n" + analysis if analysis else ""))
    return data
