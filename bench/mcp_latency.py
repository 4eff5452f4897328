"""MCP latency: a ``search`` tool call vs the library call it wraps, p50/p95 (issue 17).

    .venv/bin/python -m bench.mcp_latency --index bench/.cache/1000000-1/index --repeat 30

For each query class, the library's ``gong_search.search`` (which opens the index per call,
as the server does) and the same search as a ``search`` tool call through the MCP SDK's
client to a ``gong-search mcp`` subprocess over stdio are timed alternately (so both see
the same cache state); the difference is the protocol's cost: JSON-RPC over a pipe, the
answer's JSON, its accounts lookup and the worker thread. Read-only on the index (point
``--index`` at a copy if its directory must not gain SQLite's -wal/-shm files).
"""

from __future__ import annotations

import argparse
import json
import sys
import time
from pathlib import Path
from typing import Any

import anyio
from mcp import ClientSession, StdioServerParameters
from mcp.client.stdio import stdio_client

from gong_search import SearchOptions, search

from .stats import summarize

CLASSES: list[tuple[str, dict[str, Any]]] = [
    ("one common word", {"query": "team"}),
    ("two words", {"query": "security review"}),
    ("phrase", {"query": '"rollout plan"'}),
    ("two words + customer", {"query": "budget approval", "customer": True}),
    ("one hit per call", {"query": "pricing", "per_call": 1}),
    ("context 2+2", {"query": "discount", "before": 2, "after": 2}),
]


def library_call(index: Path, arguments: dict[str, Any]) -> None:
    rest = {k: v for k, v in arguments.items() if k != "query"}
    search(index, arguments["query"], SearchOptions(limit=10, highlight=False, **rest))


async def measure(index: Path, repeat: int) -> list[dict[str, Any]]:
    params = StdioServerParameters(
        command=sys.executable, args=["-m", "gong_search", "mcp", "--index", str(index)]
    )
    rows = []
    async with stdio_client(params) as (read, write), ClientSession(read, write) as session:
        await session.initialize()
        for name, arguments in CLASSES:
            library, tool, chars = [], [], 0
            for attempt in range(repeat + 1):  # the first of each is a warm-up
                start = time.perf_counter()
                library_call(index, arguments)
                middle = time.perf_counter()
                result = await session.call_tool("search", arguments)
                end = time.perf_counter()
                assert not result.isError, result.content[0].text
                chars = len(result.content[0].text)
                if attempt:
                    library.append(middle - start)
                    tool.append(end - middle)
            rows.append(
                {
                    "class": name,
                    "library": summarize(library, 1000),
                    "tool": summarize(tool, 1000),
                    "answer_chars": chars,
                }
            )
    return rows


def table(rows: list[dict[str, Any]]) -> str:
    lines = [
        "| query class | library p50 / p95 ms | tool call p50 / p95 ms | overhead p50 ms "
        "| answer chars |",
        "|---|---|---|---|---|",
    ]
    for r in rows:
        lib, tool = r["library"], r["tool"]
        lines.append(
            f"| {r['class']} | {lib['median']:.1f} / {lib['p95']:.1f} "
            f"| {tool['median']:.1f} / {tool['p95']:.1f} "
            f"| {tool['median'] - lib['median']:.1f} | {r['answer_chars']:,} |"
        )
    return "\n".join(lines)


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--index", type=Path, required=True)
    parser.add_argument("--repeat", type=int, default=30)
    parser.add_argument("--json", action="store_true", help="JSON rows instead of a table")
    args = parser.parse_args()
    rows = anyio.run(measure, args.index, args.repeat)
    print(json.dumps(rows, indent=2) if args.json else table(rows))


if __name__ == "__main__":
    main()
