"""Figure 6: ranking quality on the generator's labelled intents.

For each intent in ``gong_search.simulator.INTENTS`` (label -> the query a user would type),
the relevant sentences are those the generator labelled with that intent; labels come from
``SyntheticTenant.labels(call_id)`` in transcript order, which is our ``ordinal``. Binary
relevance; nDCG@10 and P@10 averaged over intents. FTS5 runs the same words OR'ed (what
bm25 naturally ranks) and AND'ed (stricter; may return fewer than 10).
"""

from __future__ import annotations

import importlib
import math
from typing import Any

from gong_search.simulator import INTENTS, SyntheticTenant

from .fts import FtsQuery, match_expression
from .queries import Runners, warm_search

# the package binds ``gong_search.search`` to the search *function*; we want the module
api = importlib.import_module("gong_search.search")

K = 10


def relevance(tenant: SyntheticTenant, call_ids: list[str]) -> dict[str, set[tuple[str, int]]]:
    """intent -> {(call_id, ordinal)} over the synced calls."""
    relevant: dict[str, set[tuple[str, int]]] = {intent: set() for intent in INTENTS}
    for call_id in call_ids:
        for ordinal, label in enumerate(tenant.labels(call_id)):
            if label in relevant:
                relevant[label].add((call_id, ordinal))
    return relevant


def ndcg(ranked: list[tuple[str, int]], relevant: set[tuple[str, int]], k: int = K) -> float:
    gains = sum(1 / math.log2(i + 2) for i, key in enumerate(ranked[:k]) if key in relevant)
    ideal = sum(1 / math.log2(i + 2) for i in range(min(k, len(relevant))))
    return gains / ideal if ideal else 0.0


def precision(ranked: list[tuple[str, int]], relevant: set[tuple[str, int]], k: int = K) -> float:
    return sum(key in relevant for key in ranked[:k]) / k


def evaluate(runners: Runners, tenant: SyntheticTenant, call_ids: list[str]) -> dict[str, Any]:
    relevant = relevance(tenant, call_ids)
    systems = {"ours": [], "fts5_or": [], "fts5_and": []}
    per_intent = []
    for intent, text in INTENTS.items():
        result = warm_search(runners.catalog, runners.engine, text, api.SearchOptions(limit=K))
        ranked = {
            "ours": [(h.call_id, h.ordinal) for h in result.hits],
            "fts5_or": _fts(runners, text, "OR"),
            "fts5_and": _fts(runners, text, "AND"),
        }
        row: dict[str, Any] = {"intent": intent, "query": text, "relevant": len(relevant[intent])}
        for system, keys in ranked.items():
            scores = {"ndcg": ndcg(keys, relevant[intent]), "p": precision(keys, relevant[intent])}
            systems[system].append(scores)
            row[system] = scores
        per_intent.append(row)
    means = {
        system: {m: sum(s[m] for s in scores) / len(scores) for m in ("ndcg", "p")}
        for system, scores in systems.items()
    }
    return {"k": K, "mean": means, "per_intent": per_intent}


def _fts(runners: Runners, text: str, operator: str) -> list[tuple[str, int]]:
    hits = runners.fts_db.search(FtsQuery(match=match_expression(text, operator), limit=K))
    return [(h["call_id"], h["ordinal"]) for h in hits]
