"""Searching: rank tiers, exact totals, deep pages, context, vocabulary.

Each rank tier is one query (the later ones exclude the earlier ones' matches), counted
exactly (``_count``) and read only as far as the page reaches, with ``search_after`` in a
point in time past one request (never ``from``). Ties are broken as on Whoosh: newer call
first, then call id, then position in the call. Hits leave as engine-neutral
:class:`~gong_search.engine.RawHit` whose ``handle`` is ``(call_id, ordinal, kind)``.
"""

from __future__ import annotations

from collections.abc import Iterator

from ...engine import FacetCount, Filters, RawHit, RawResult, Sentence
from ...errors import IndexStoreError, QueryError
from ..whoosh.schema import SCHEMA
from .facets import composite, facet_counts
from .filters import DOCUMENTS, filter_clauses, refuse_unhandled
from .mapping import CALL_KEYS
from .query import MAX_EXPANSIONS, Plan, explain, plan
from .store import Store, talking

PAGE = 5_000  # hits per request when reading deep
TIES = [{"started": "desc"}, {"call_id": "asc"}, {"ordinal": "asc"}]
BY_SCORE = [{"_score": "desc"}, *TIES]
ALL_WORDS = "all_words"


class OpenSearchSearcher:
    def __init__(self, store: Store) -> None:
        self.store = store
        if not store.exists():
            raise_missing(store)

    def close(self) -> None:
        """Nothing held open: each search is its own request (points in time are closed
        when their read ends)."""

    def __enter__(self) -> OpenSearchSearcher:
        return self

    def __exit__(self, *exc: object) -> None:
        self.close()

    # -- the seam --

    def search(
        self,
        text: str,
        mode: str,
        fuzzy: bool,
        filters: Filters,
        *,
        sort: str = "relevance",
        want: int | None = 20,
        highlight: bool = True,
    ) -> RawResult:
        refuse_unhandled(filters)
        planned = self._plan(text, mode, fuzzy, filters)
        where = filter_clauses(filters, planned.call_filters)
        marks = (planned.terms, planned.prefixes) if highlight and sort != "date" else None
        if sort == "date":
            q = _bool(planned.matches, where, named=planned.all_words if planned.tiered else None)
            total = self.store.count({"query": q})
            ranked = [(hit, False) for hit in self._read(q, TIES, want)]
        else:
            ranked, total = self._ranked(planned, where, want)
        all_words = total
        if planned.tiered:
            all_words = self.store.count({"query": _bool(planned.all_words, where)})

        def build(found: tuple[dict, bool]) -> RawHit:
            hit, first_tier = found
            has_all = (
                (not planned.tiered) or first_tier or ALL_WORDS in hit.get("matched_queries", ())
            )
            sentence = _sentence(hit["_source"])
            score = 0.0 if sort == "date" else round(float(hit.get("_score") or 0.0), 4)
            spans = _spans(sentence.text, *marks) if marks else []
            handle = (sentence.call_id, sentence.ordinal, hit["_source"].get("kind"))
            return RawHit(handle, sentence, score, has_all, spans)

        return RawResult(ranked, total, all_words, build)  # type: ignore[arg-type]

    def count(self, text: str, mode: str, fuzzy: bool, filters: Filters) -> tuple[int, int]:
        q = self._matching(text, mode, fuzzy, filters)
        return self.store.count({"query": q}), sum(1 for _ in self._distinct("call_id", q))

    def context(self, handle: object, before: int, after: int) -> tuple[list, list]:
        """The same kind's documents around a hit in its call (a transcript's context is
        the transcript), in order: a call's ordinals run sentences first, then notes."""
        call_id, ordinal, kind = handle  # type: ignore[misc]
        if not before and not after:
            return [], []
        around = self._neighbours(call_id, ordinal - before, ordinal + after)  # one request
        earlier = [s for s in around if s.ordinal < ordinal][::-1]
        later = [s for s in around if s.ordinal > ordinal]
        return _same_kind(earlier, kind)[::-1], _same_kind(later, kind)

    def facets(
        self, text: str, mode: str, fuzzy: bool, filters: Filters, names: tuple[str, ...]
    ) -> dict[str, list[FacetCount]]:
        """Exact counts per facet value over every match (see :mod:`.facets`)."""
        return facet_counts(self.store, self._matching(text, mode, fuzzy, filters), names)

    def vocabulary(self, field: str) -> list[str]:
        """Distinct indexed values of a call field (read on call documents) or of
        ``trackers`` (on sentences)."""
        if field in CALL_KEYS:
            return sorted(self._distinct(field, {"term": {"kind": "call"}}))
        if field == "trackers":
            return sorted(self._distinct(field, {"exists": {"field": field}}))
        raise QueryError(f"the OpenSearch engine has no vocabulary for {field!r}")

    def explain(self, text: str, mode: str, fuzzy: bool, filters: Filters | None = None) -> str:
        filters = filters or Filters()
        refuse_unhandled(filters)
        return explain(self._plan(text, mode, fuzzy, filters))

    # -- inside --

    def _matching(self, text: str, mode: str, fuzzy: bool, filters: Filters) -> dict:
        """Every document any tier matches, filtered, as one query."""
        refuse_unhandled(filters)
        planned = self._plan(text, mode, fuzzy, filters)
        return _bool(planned.matches, filter_clauses(filters, planned.call_filters))

    def _plan(self, text: str, mode: str, fuzzy: bool, filters: Filters) -> Plan:
        """The plan, refused (as on Whoosh) when a prefix or wildcard stands for more than
        MAX_EXPANSIONS words: ``a*`` on a large index would be slow and mean little."""
        planned = plan(text, mode, fuzzy, filters)
        store = self.store
        for shown, clause in planned.patterns:
            with talking(store.url):
                checked = store.client.indices.validate_query(
                    index=store.alias,
                    body={"query": clause},
                    params={"explain": "true", "rewrite": "true", "all_shards": "true"},
                )
            words = max(
                (e.get("explanation", "").count("text:") for e in checked["explanations"]),
                default=0,
            )
            if words > MAX_EXPANSIONS:
                raise QueryError(
                    f"{shown!r} matches more than {MAX_EXPANSIONS:,} different words; "
                    "give more letters before the * or ?"
                )
        return planned

    def _ranked(
        self, planned: Plan, where: list[dict], want: int | None
    ) -> tuple[list[tuple[dict, bool]], int]:
        """The first ``want`` hits tier by tier; each tier counted exactly, read only
        when the page reaches into it."""
        ranked: list[tuple[dict, bool]] = []
        total = 0
        earlier: list[dict] = []
        two_tiers = len(planned.tiers) > 1  # else (--any) hits are marked by a named query
        named = planned.all_words if planned.tiered and not two_tiers else None
        for rank, tier in enumerate(planned.tiers):
            q = _bool(tier, where, excluded=earlier)
            total += self.store.count({"query": q})
            left = None if want is None else want - len(ranked)
            if left is None or left > 0:
                read = self._read(_bool(tier, where, earlier, named), BY_SCORE, left)
                ranked += [(hit, rank == 0 and two_tiers) for hit in read]
            earlier.append(tier)
        return ranked, total

    def _read(self, q: dict, sort: list[dict], want: int | None) -> Iterator[dict]:
        """The first ``want`` (None: all) hits of ``q`` in ``sort`` order."""
        if want is not None and want <= PAGE:
            body = {"query": q, "sort": sort, "size": want, "track_total_hits": False}
            yield from self.store.search(body)["hits"]["hits"] if want else []
            return
        yield from self._deep(q, sort, want)

    def _deep(self, q: dict, sort: list[dict], want: int | None) -> Iterator[dict]:
        """search_after in a point in time: one consistent view however deep."""
        store = self.store
        with talking(store.url):
            pit = store.client.create_pit(index=store.alias, params={"keep_alive": "2m"})["pit_id"]
        try:
            after: list | None = None
            read = 0
            while want is None or read < want:
                size = PAGE if want is None else min(PAGE, want - read)
                body: dict = {"query": q, "sort": sort, "size": size, "track_total_hits": False,
                              "pit": {"id": pit, "keep_alive": "2m"}}  # fmt: skip
                if after is not None:
                    body["search_after"] = after
                with talking(store.url):
                    hits = store.client.search(body=body)["hits"]["hits"]
                yield from hits
                read += len(hits)
                if len(hits) < size:
                    return
                after = hits[-1]["sort"]
        finally:
            with talking(store.url):
                store.client.delete_pit(body={"pit_id": [pit]})

    def _distinct(self, field: str, q: dict) -> Iterator[str]:
        """Every distinct value of ``field`` among ``q``'s documents, exactly (composite
        aggregation pages, not the approximate cardinality)."""
        return (key["v"] for key, _n in composite(self.store, q, {"v": field}))

    def _neighbours(self, call_id: str, low: int, high: int) -> list[Sentence]:
        if high < low:
            return []
        where = [
            DOCUMENTS,
            {"term": {"call_id": call_id}},
            {"range": {"ordinal": {"gte": max(0, low), "lte": high}}},
        ]
        q = {"bool": {"filter": where}}
        body = {"query": q, "sort": [{"ordinal": "asc"}], "size": high - max(0, low) + 1}
        return [_sentence(hit["_source"]) for hit in self.store.search(body)["hits"]["hits"]]


def raise_missing(store: Store) -> None:
    raise IndexStoreError(
        f"{store.url}: no search index for this catalog (run `gong-search sync` or `reindex`)"
    )


def _bool(
    must: dict, where: list[dict], excluded: list[dict] = (), named: dict | None = None
) -> dict:
    body: dict = {"must": [must], "filter": where}
    if excluded:
        body["must_not"] = list(excluded)
    if named is not None:  # marks the hits with every word (hit.matched_queries), score + 0
        body["should"] = [{"constant_score": {"filter": named, "boost": 0.0, "_name": ALL_WORDS}}]
    return {"bool": body}


def _same_kind(found: list[Sentence], kind: str) -> list[Sentence]:
    """The run of ``found`` (walking away from a hit) of the hit's own kind."""
    wanted = "transcript" if kind == "sentence" else kind
    run = []
    for sentence in found:
        if sentence.kind != wanted:
            break
        run.append(sentence)
    return run


def _sentence(doc: dict) -> Sentence:
    kind = doc.get("kind", "sentence")
    return Sentence(
        call_id=doc["call_id"],
        ordinal=doc["ordinal"],
        call_started=doc["started"],
        speaker_name=doc.get("speaker_name", ""),
        speaker_email=doc.get("speaker_email", ""),
        affiliation=doc.get("affiliation", "").capitalize(),
        start_ms=doc.get("start_ms"),
        end_ms=doc.get("end_ms"),
        text=doc.get("text") or doc.get("summary") or doc.get("comment") or "",
        kind="transcript" if kind == "sentence" else kind,
        trackers=tuple(doc.get("tracker_names") or ()),
        heading=doc.get("heading", ""),
    )


def _spans(text: str, terms: set[str], prefixes: set[str]) -> list[tuple[int, int]]:
    """Character spans of the words whose indexed form is a query term or starts with a
    query prefix (the same analysis as indexing)."""
    if not terms and not prefixes:
        return []
    tokens = SCHEMA["text"].analyzer(text, chars=True, mode="index")
    return [
        (t.startchar, t.endchar)
        for t in tokens
        if t.text in terms or any(t.text.startswith(p) for p in prefixes)
    ]
