"""Before/after timing of one change: the query classes on one cached index, CPU time.

The full harness times wall clock once per run; on a shared 2-core machine two runs of it
minutes apart differ by more than most changes do. For a before/after comparison run this
from both checkouts, alternating, on the *same* cached index, and compare the best median
per class (CPU time, so waiting for the other tenant of the machine does not count)::

    for round in 1 2 3; do
      python bench/ab.py --sentences 100000 --code /path/to/before >> before.txt
      python bench/ab.py --sentences 100000 --code . >> after.txt
    done

The cached corpus is the one ``python -m bench --sentences N`` built with this generator;
``--corpus DIR`` (a ``meta.json`` and an ``index/``) times another index of the same tenant,
e.g. one built with another segment layout.

Prints one line per class: name, median and p95 in ms, total and hits returned.
"""

from __future__ import annotations

import argparse
import importlib
import io
import json
import statistics
import sys
import time
from datetime import datetime
from pathlib import Path

HERE = Path(__file__).resolve().parent


def classes(params: dict) -> list[tuple[str, str, dict]]:
    """The harness's nine classes (bench/queries.py) plus two common words together."""
    window = {
        "start": datetime.fromisoformat(params["date_from"]),
        "end": datetime.fromisoformat(params["date_to"]),
    }
    return [
        ("one common word", "team", {}),
        ("one rare word", params["rare_word"], {}),
        ("two words", "security review", {}),
        ("phrase", '"rollout plan"', {}),
        ("two words + customer + dates", "budget approval", {"customer": True, **window}),
        ("speaker (fuzzy)", "pricing", {"speakers": (params["speaker"],)}),
        ("sort by date", "discount", {"sort": "date"}),
        ("context -C 2", "discount", {"before": 2, "after": 2}),
        ("CSV export, 1,000 hits", "budget", {"limit": 1000, "highlight": False}),
        ("two common words", "the we", {}),
    ]


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--sentences", type=int, required=True, help="a cached corpus size")
    parser.add_argument("--seed", type=int, default=1)
    parser.add_argument("--repeat", type=int, default=21)
    parser.add_argument("--code", type=Path, default=Path("."), help="the checkout to time")
    parser.add_argument(
        "--corpus", type=Path, help="a corpus directory (meta.json, index/) instead of the cache"
    )
    args = parser.parse_args()
    sys.path.insert(0, str(args.code.resolve()))  # its gong_search, not the installed one
    sys.path.insert(1, str(HERE.parent))  # this checkout's bench, for the corpus key
    from bench.corpus import Corpus
    from gong_search.catalog import Catalog

    # keyed by the generator, as run.py's, unless a corpus directory is named
    corpus = args.corpus or Corpus(args.sentences, args.seed).root
    params = json.loads((corpus / "meta.json").read_text())["query_params"]
    with (
        Catalog(corpus / "index", create=False) as catalog,
        _searcher(corpus / "index") as engine,
    ):
        for name, text, options in classes(params):
            print(f"{name:30s} {_time(catalog, engine, text, options, args.repeat)}", flush=True)


def _searcher(index_dir: Path):
    import gong_search

    if not (Path(gong_search.__file__).parent / "engine.py").exists():
        from gong_search.index import SearchIndex  # a checkout from before the engine seam

        return SearchIndex(index_dir)
    from gong_search.engine import open_engine

    return open_engine(index_dir).searcher()


def _time(catalog, engine, text: str, options: dict, repeat: int) -> str:
    api = importlib.import_module("gong_search.search")
    write_csv = importlib.import_module("gong_search.export").write_csv
    opts = api.SearchOptions(**options)

    def run():
        result = api.search_open(catalog, engine, text, opts)
        if opts.limit == 1000:
            write_csv(result.hits, io.StringIO())
        return result

    result = run()  # warm-up
    times = []
    for _ in range(repeat):
        started = time.process_time()
        run()
        times.append((time.process_time() - started) * 1000)
    times.sort()
    p95 = times[int(0.95 * (len(times) - 1))]
    return (
        f"{statistics.median(times):8.1f} {p95:8.1f}  total={result.total} hits={len(result.hits)}"
    )


if __name__ == "__main__":
    main()
