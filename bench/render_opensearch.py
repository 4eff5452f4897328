"""The OpenSearch sections of RESULTS.md (``python -m bench --engine opensearch``): the
engine beside Whoosh and FTS5 on the same corpus, one section per size."""

from __future__ import annotations

from typing import Any

from .render import _mb, _ms, _table

SHAPE = (
    "A one-node cluster on this shared 2-core machine (heap 512 MB-1 GB, the node, the "
    "simulator, the sync and the queries all competing for the same 2 cores) is **not the "
    "production shape**: it shows what the engine costs per request and that the answers "
    "agree, not what a sized cluster does (see docs/scale-out.md)."
)


def render_opensearch(runs: dict[str, dict[str, Any]]) -> str:
    lines: list[str] = []
    for size in sorted(runs, key=int):
        lines += _section(runs[size])
    return "\n".join(["", *lines]) if lines else ""


def _section(s: dict[str, Any]) -> list[str]:
    c, sync, size = s["corpus"], s["sync"], s["size"]
    lines = [
        f"## OpenSearch engine, {c['sentences_target']:,} sentences (seed {c['seed']})",
        "",
        f"- Command: `{s['command']}`",
        f"- Date: {s['date']}; git: `{s['git']}`; cluster health {s['cluster']['health']}",
        f"- Corpus: {c['calls']:,} calls, {c['sentences']:,} sentences; run took "
        f"{s['run_seconds'] / 60:.1f} min",
        "",
        SHAPE,
        "",
        "### Sync, size, memory",
        "",
    ]
    node = s["node_rss"]
    lines += _table(
        ["figure", "OpenSearch", "Whoosh", "FTS5"],
        [
            [
                "sync end to end, sentences/s",
                f"{sync['opensearch']['sentences_per_s']:,.0f}",
                f"{sync['whoosh']['sentences_per_s']:,.0f}",
                "-",
            ],
            [
                "sync process tree peak RSS, MB",
                _mb(sync["opensearch"]["peak_rss_tree_mb"]),
                _mb(sync["whoosh"]["peak_rss_tree_mb"]),
                "-",
            ],
            [
                "index size, MB",
                _mb(size["opensearch"] / 2**20),
                _mb(size["whoosh"] / 2**20),
                _mb(size["fts5"] / 2**20),
            ],
            [
                "node RSS after sync / after queries (peak), MB",
                f"{_mb(node['after_sync']['rss_mb'])} / {_mb(node['after_queries']['rss_mb'])} "
                f"({_mb(node['after_queries']['peak_rss_mb'])})",
                "-",
                "-",
            ],
            [
                "cold CLI `pricing objection`, ms",
                _ms(s["cold"]["opensearch"], 0),
                _ms(s["cold"]["whoosh"], 0),
                _ms(s["cold"]["fts5"], 0),
            ],
        ],
    )
    lines += ["### Query classes (ms, p50 / p95; warm = the whole search call)", ""]
    lines += _table(
        [
            "class",
            "OpenSearch engine",
            "OpenSearch warm",
            "Whoosh engine",
            "Whoosh warm",
            "FTS5",
            "totals agree",
        ],
        [
            [
                q["name"],
                _ms(q["opensearch"]["engine"]),
                _ms(q["opensearch"]["warm"]),
                _ms(q["whoosh"]["engine"]),
                _ms(q["whoosh"]["warm"]),
                _ms(q["fts5"], 2),
                "yes" if q["totals_agree"] else "**NO**",
            ]
            for q in s["queries"]
        ],
    )
    return lines
