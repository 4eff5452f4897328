"""Figure 3: warm query latency, ours and FTS5's, per query class.

Three ways of running our search are timed, because they answer different questions:

* ``engine``: ``SearchIndex.search`` alone with filters resolved beforehand (what
  the engine costs; the number to optimise);
* ``warm``: a long-lived ``Catalog`` + ``SearchIndex`` running every step of
  ``gong_search.search.search`` (validation, fuzzy speaker resolution, hits with call
  titles, context) plus the CSV writer for the export class: what a long-lived process
  (an agent, a server) pays per query. The issue's latency targets apply to this one;
* ``per_call``: the public ``gong_search.search.search()``, which opens the catalog and the
  index on every call (what a script calling the library pays).
"""

from __future__ import annotations

import importlib
import io
from dataclasses import dataclass, field, replace
from datetime import datetime
from pathlib import Path
from typing import Any

from gong_search.catalog import Catalog
from gong_search.engine import Searcher, open_engine
from gong_search.export import write_csv
from gong_search.filtering import resolve_filters

from .fts import Fts, FtsQuery, match_expression
from .stats import summarize, time_calls

# the package binds ``gong_search.search`` to the search *function*; we want the module
api = importlib.import_module("gong_search.search")


@dataclass(frozen=True)
class QueryClass:
    """One row of the latency table: our query and its FTS5 equivalent."""

    name: str
    text: str
    options: dict[str, Any] = field(default_factory=dict)
    csv: bool = False

    def search_options(self) -> api.SearchOptions:
        return api.SearchOptions(**self.options)

    def fts(self) -> FtsQuery:
        o = self.options
        affiliations = ("external", "unknown") if o.get("customer") else ()
        return FtsQuery(
            match=match_expression(self.text),
            affiliations=affiliations,
            start=o.get("start"),
            end=o.get("end"),
            speaker=(o.get("speakers") or (None,))[0],
            sort_date=o.get("sort") == "date",
            limit=o.get("limit", 20),
            context=o.get("before", 0),
            csv=self.csv,
            facets=bool(o.get("facets")),
        )


def query_classes(params: dict[str, Any]) -> list[QueryClass]:
    """The nine classes of issue 7 and the facet class of issue 14; corpus-dependent
    values come from ``params``."""
    start = datetime.fromisoformat(params["date_from"])
    end = datetime.fromisoformat(params["date_to"])
    return [
        QueryClass("one common word", "team"),
        QueryClass("one rare word", params["rare_word"]),
        QueryClass("two words", "security review"),
        QueryClass("phrase", '"rollout plan"'),
        QueryClass(
            "two words + customer + dates",
            "budget approval",
            {"customer": True, "start": start, "end": end},
        ),
        QueryClass("speaker (fuzzy)", "pricing", {"speakers": (params["speaker"],)}),
        QueryClass("sort by date", "discount", {"sort": "date"}),
        QueryClass("context -C 2", "discount", {"before": 2, "after": 2}),
        # as `--csv` runs it: no highlight spans (CSV has no column for them)
        QueryClass(
            "CSV export, 1,000 hits", "budget", {"limit": 1000, "highlight": False}, csv=True
        ),
        # issue 14: exact counts over every match of a common word (~10% of sentences)
        QueryClass(
            "facets: speaker, account, month", "team", {"facets": ("speaker", "account", "month")}
        ),
    ]


def warm_search(
    catalog: Catalog, engine: Searcher, text: str, options: api.SearchOptions
) -> api.SearchResult:
    """``gong_search.search.search`` on an already open catalog and index."""
    return api.search_open(catalog, engine, text, options)


def _export(result: api.SearchResult, csv: bool) -> None:
    if csv:
        write_csv(result.hits, io.StringIO())


class Runners:
    """Open handles for every way of answering a :class:`QueryClass`."""

    def __init__(self, index_dir: Path, fts_path: Path) -> None:
        self.index_dir = index_dir
        self.catalog = Catalog(index_dir, create=False)
        self.engine = open_engine(index_dir).searcher()
        self.fts_db = Fts(fts_path)

    def close(self) -> None:
        self.catalog.close()
        self.engine.close()
        self.fts_db.close()

    def engine_fn(self, q: QueryClass):
        options = q.search_options()
        filters, _ = resolve_filters(options, self.catalog, self.engine)

        def run() -> None:
            result = self.engine.search(
                q.text, options.mode, options.fuzzy, filters, sort=options.sort, want=options.limit
            )
            len(result.hits)  # builds the hits: part of what is timed
            if options.facets:
                self.engine.facets(q.text, options.mode, options.fuzzy, filters, options.facets)

        return run

    def warm_fn(self, q: QueryClass):
        options = q.search_options()
        return lambda: _export(warm_search(self.catalog, self.engine, q.text, options), q.csv)

    def per_call_fn(self, q: QueryClass):
        options = q.search_options()
        return lambda: _export(api.search(self.index_dir, q.text, options), q.csv)

    def fts_fn(self, q: QueryClass):
        fq = q.fts()
        return lambda: self.fts_db.search(fq)


def measure(
    runners: Runners, classes: list[QueryClass], repeat: int, per_call_repeat: int
) -> list[dict[str, Any]]:
    """Latency rows (ms): median/p95 for engine, warm, per-call and FTS5, plus hit counts."""
    rows = []
    for q in classes:
        row: dict[str, Any] = {"name": q.name, "query": q.text, "options": _shown(q.options)}
        row["engine"] = summarize(time_calls(runners.engine_fn(q), repeat), 1000)
        row["warm"] = summarize(time_calls(runners.warm_fn(q), repeat), 1000)
        row["per_call"] = summarize(time_calls(runners.per_call_fn(q), per_call_repeat), 1000)
        row["fts5"] = summarize(time_calls(runners.fts_fn(q), repeat), 1000)
        result = warm_search(runners.catalog, runners.engine, q.text, q.search_options())
        row["hits"], row["total"] = len(result.hits), result.total
        row["fts5_hits"] = len(runners.fts_db.search(q.fts()))
        rows.append(row)
    return rows


def _shown(options: dict[str, Any]) -> dict[str, Any]:
    return {k: (v.isoformat() if isinstance(v, datetime) else v) for k, v in options.items()}


def slowest(rows: list[dict[str, Any]], classes: list[QueryClass]) -> QueryClass:
    worst = max(rows, key=lambda r: r["warm"]["p95"])
    return next(q for q in classes if q.name == worst["name"])


def with_limit(q: QueryClass, limit: int) -> QueryClass:
    return replace(q, options={**q.options, "limit": limit})
