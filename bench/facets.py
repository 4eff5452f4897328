"""Facet latency on an existing index, beside SQLite FTS5 GROUP BY on the same sentences.

    python -m bench.facets --index bench/.cache/<N>-<seed>-<gen>/index \\
        --fts bench/.cache/<N>-<seed>-<gen>/fts5.sqlite3 [--words team,we,pricing]

For each word: its exact matches, then ``Searcher.facets`` for speaker, account and month
warm (a long-lived process: the first run is not timed), p50/p95 of 15 runs, and the
three FTS5 GROUP BY queries (speaker, accounts, month) on the same matches, p50 of 9.
The full harness (``python -m bench``) times the same facets as a query class.
"""

from __future__ import annotations

import argparse
import sqlite3
import statistics
import time
from pathlib import Path

from gong_search.engine import Filters, open_engine

from .fts import FACET_SQL

NAMES = ("speaker", "account", "month")


def _ms(run, times: int) -> list[float]:
    found = []
    for _ in range(times):
        start = time.perf_counter()
        run()
        found.append((time.perf_counter() - start) * 1000)
    return sorted(found)


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--index", type=Path, required=True)
    parser.add_argument("--fts", type=Path, required=True)
    parser.add_argument("--words", default="team,we,pricing")
    args = parser.parse_args()
    searcher = open_engine(args.index).searcher()
    fts = sqlite3.connect(f"file:{args.fts}?mode=ro", uri=True)
    for word in args.words.split(","):
        sentences, calls = searcher.count(word, "default", False, Filters())

        def ours(word=word) -> None:
            searcher.facets(word, "default", False, Filters(), NAMES)

        def theirs(word=word) -> None:
            for column in FACET_SQL.values():
                fts.execute(
                    f"SELECT {column}, count(*), count(DISTINCT s.call_id) FROM sentences_fts"
                    " CROSS JOIN sentences s ON s.id = sentences_fts.rowid"
                    " CROSS JOIN calls c ON c.id = s.call_id"
                    f" WHERE sentences_fts MATCH ? GROUP BY {column}",
                    (f'text : "{word}"',),
                ).fetchall()

        ours()  # warm: what a long-lived process has read once
        warm, baseline = _ms(ours, 15), _ms(theirs, 9)
        print(
            f"{word}: {sentences:,} sentences in {calls:,} calls; facets {', '.join(NAMES)}"
            f" p50 {statistics.median(warm):.0f} ms p95 {warm[13]:.0f} ms;"
            f" FTS5 GROUP BY p50 {statistics.median(baseline):.0f} ms"
        )


if __name__ == "__main__":
    main()
