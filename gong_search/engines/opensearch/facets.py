"""Facet counts over every match, exact: composite aggregations read to their last page
(every bucket), never a terms aggregation's per-shard top values, which are approximate
once a value's counts are spread over shards.

Per-call facets (account, deal, month...): matches per call (one composite on
``call_id``), then each call's facet values read from its call document, counted as the
Whoosh engine counts them (a call's matches count under each of its values). Per-sentence
facets (speaker, affiliation, kind, tracker): one composite on (value, call). Values,
labels and order are :mod:`..whoosh.facets`'s: most sentences first, then by value.
"""

from __future__ import annotations

from collections.abc import Iterator

from ...engine import CALL_FACETS, FacetCount
from ...keys import normalize_name
from ..whoosh.facets import _ranked
from .store import Store

PAGE = 10_000  # buckets per composite request
FIELDS = {"speaker": "speaker_key", "affiliation": "affiliation", "kind": "kind",
          "tracker": "trackers"}  # fmt: skip
LABELS = {"speaker": "speaker_name", "tracker": "tracker_names"}  # display names by key

Counts = dict[str, list[int]]  # value -> [sentences, calls]


def composite(store: Store, q: dict, sources: dict[str, str]) -> Iterator[tuple[dict, int]]:
    """(key, documents) for every combination of ``sources``' values among ``q``'s
    documents, page after page."""
    after: dict | None = None
    while True:
        terms = [{key: {"terms": {"field": field}}} for key, field in sources.items()]
        spec: dict = {"size": PAGE, "sources": terms}
        if after:
            spec["after"] = after
        body = {"query": q, "size": 0, "track_total_hits": False,
                "aggs": {"c": {"composite": spec}}}  # fmt: skip
        found = store.search(body)["aggregations"]["c"]
        yield from ((bucket["key"], bucket["doc_count"]) for bucket in found["buckets"])
        after = found.get("after_key")
        if not found["buckets"] or not after:
            return


def facet_counts(store: Store, q: dict, names: tuple[str, ...]) -> dict[str, list[FacetCount]]:
    """Counts per value of each facet in ``names`` over ``q``'s documents."""
    found: dict[str, Counts] = {}
    per_call_names = [name for name in names if name in CALL_FACETS]
    if per_call_names:
        per_call = {key["c"]: n for key, n in composite(store, q, {"c": "call_id"})}
        facts = store.sources([f"{call_id}/call" for call_id in per_call], "facts")
        for name in per_call_names:
            found[name] = _call_facet(per_call, facts, name)
    for name in names:
        if name not in CALL_FACETS:
            found[name] = _sentence_facet(store, q, name)
    return {name: _ranked(found[name]) for name in names}


def _call_facet(per_call: dict[str, int], facts: dict[str, dict], name: str) -> Counts:
    counts: Counts = {}
    for call_id, sentences in per_call.items():
        values = (facts.get(f"{call_id}/call") or {}).get("facts", {}).get(name, [])
        for value in values:
            entry = counts.setdefault(value, [0, 0])
            entry[0] += sentences
            entry[1] += 1
    return counts


def _sentence_facet(store: Store, q: dict, name: str) -> Counts:
    counts: Counts = {}
    for key, sentences in composite(store, q, {"v": FIELDS[name], "c": "call_id"}):
        entry = counts.setdefault(_label(name, key["v"]), [0, 0])
        entry[0] += sentences
        entry[1] += 1
    if name not in LABELS:
        return counts
    names = _names(store, q, name)
    return {names.get(value, value): entry for value, entry in counts.items()}


def _label(name: str, value: str) -> str:
    if name == "affiliation":
        return value.capitalize()
    return "transcript" if name == "kind" and value == "sentence" else value


def _names(store: Store, q: dict, name: str) -> dict[str, str]:
    """A speaker's or tracker's name for its key, as indexed (the first in order where
    one key has several spellings)."""
    labels: dict[str, str] = {}
    for key, _n in composite(store, q, {"k": FIELDS[name], "n": LABELS[name]}):
        if name == "speaker" or normalize_name(key["n"]) == key["k"]:
            labels.setdefault(key["k"], key["n"] or key["k"])
    return labels
