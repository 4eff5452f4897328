"""Searching the Whoosh index: plan, filter, rank (:mod:`.topn`), and read hits back.

A searcher is kept open for many queries (a long-lived process reuses it); resolved call
filters are cached on it. Hits leave as engine-neutral :class:`~gong_search.engine.RawHit`
whose ``handle`` is the Whoosh document number, meaningful only to :meth:`context`.
"""

from __future__ import annotations

from pathlib import Path

from whoosh import query

from ...engine import FacetCount, Filters, RawHit, RawResult, Sentence
from . import filters as fl
from . import topn
from .facets import CallIndex, facet_counts
from .query import Plan, listing, parser, plan, retarget
from .schema import TEXT_FIELDS, bm25f, spans
from .store import open_index, reading


class WhooshSearcher:
    def __init__(self, index_dir: Path) -> None:
        self.index_dir = Path(index_dir)
        self._ix = open_index(index_dir)
        with reading(index_dir):
            self._searcher = self._ix.searcher(weighting=bm25f())
        self._reader = self._searcher.reader()
        self._call_ids = fl.column(self._reader, "call_id")
        self._kinds = fl.column(self._reader, "kind")
        self._call_cache: dict[Filters, fl.Ranges] = {}
        self._calls: CallIndex | None = None  # built on the first count or facet request
        self._parser = parser()

    def close(self) -> None:
        self._searcher.close()
        self._ix.close()

    def __enter__(self) -> WhooshSearcher:
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
        """The top ``want`` hits (None = all), with exact totals and, if asked, the
        character spans of matched words (costly on large exports)."""
        with reading(self.index_dir):
            return self._search(text, mode, fuzzy, filters, sort, want, highlight)

    def count(self, text: str, mode: str, fuzzy: bool, filters: Filters) -> tuple[int, int]:
        """(matching sentences, matching calls), exact, without scoring."""
        with reading(self.index_dir):
            ids = self._matching(text, mode, fuzzy, filters)
            return len(ids), self._call_index().calls_with(ids)

    def facets(
        self, text: str, mode: str, fuzzy: bool, filters: Filters, names: tuple[str, ...]
    ) -> dict[str, list[FacetCount]]:
        """Exact counts per facet value over every match (see :mod:`.facets`)."""
        with reading(self.index_dir):
            ids = self._matching(text, mode, fuzzy, filters)
            return facet_counts(self._call_index(), ids, names)

    def _call_index(self) -> CallIndex:
        if self._calls is None:
            self._calls = CallIndex(self._searcher)
        return self._calls

    def context(self, handle: object, before: int, after: int) -> tuple[list, list]:
        """The sentences around a hit in the same call, in order.

        A call's live sentences are consecutive documents, so its neighbours are read
        directly; the walk stops at another call, a call document or a deleted document.
        """
        docnum = int(handle)  # type: ignore[call-overload]
        with reading(self.index_dir):
            call_id = self._call_ids[docnum]
            return (
                self._neighbours(docnum, -1, before, call_id)[::-1],
                self._neighbours(docnum, 1, after, call_id),
            )

    def _matching(self, text: str, mode: str, fuzzy: bool, filters: Filters) -> set[int]:
        planned = self._plan(text, mode, fuzzy, filters)
        return topn.matching(self._searcher, planned.matches, self._allowed(planned, filters))

    def vocabulary(self, field: str) -> list[str]:
        """Distinct indexed values of a keyword field (e.g. every account domain)."""
        with reading(self.index_dir):
            terms = self._reader.lexicon(field)
            return [t.decode() if isinstance(t, bytes) else t for t in terms]

    def explain(self, text: str, mode: str, fuzzy: bool, filters: Filters | None = None) -> str:
        """The query as it runs: each rank tier, then the call filters."""
        with reading(self.index_dir):
            planned = self._plan(text, mode, fuzzy, filters or Filters())
        names = ["every word", "any word"] if len(planned.tiers) > 1 else ["matches"]
        lines = [f"{name}: {tier}" for name, tier in zip(names, planned.tiers, strict=True)]
        lines += [f"call filter: {term}" for term in planned.call_terms]
        return "\n".join(lines)

    # -- inside --

    def _plan(self, text: str, mode: str, fuzzy: bool, filters: Filters) -> Plan:
        """The query over the fields ``--in`` chose; no words with a tracker filter
        lists the sentences where it fired."""
        if not text.strip() and filters.trackers:
            return listing(filters.trackers)
        planned = plan(self._parser, self._reader, text, mode, fuzzy)
        return retarget(planned, TEXT_FIELDS[filters.within])

    def _search(
        self,
        text: str,
        mode: str,
        fuzzy: bool,
        filters: Filters,
        sort: str,
        want: int | None,
        highlight: bool,
    ) -> RawResult:
        planned = self._plan(text, mode, fuzzy, filters)
        allowed = self._allowed(planned, filters)
        wanted = highlight and sort != "date"
        terms = self._highlight_terms(planned.matches, filters) if wanted else set()
        if sort == "date":
            dated = topn.dated_matches(self._searcher, planned.matches, allowed)
            ranked, total, first_tier = topn.top(dated, want, self._call_of), len(dated), None
        else:
            ranked, total, first_tier = self._ranked(planned, allowed, want)
        every = first_tier if first_tier is not None else self._every_word(planned, allowed)

        def build(match: topn.Match) -> RawHit:
            docnum = topn.docnum_of(match)
            sentence = self._sentence(docnum)
            has_all = every is None or docnum in every
            return RawHit(
                docnum, sentence, topn.score_of(match), has_all, spans(sentence.text, terms)
            )

        all_words = total if every is None else len(every)
        return RawResult(ranked, total, all_words, build)  # type: ignore[arg-type]

    def _every_word(self, planned: Plan, allowed: fl.Allowed | None) -> set[int] | None:
        """The matches with every word of the query (None: every match has them all)."""
        if planned.all_words is planned.matches:
            return None
        return topn.matching(self._searcher, planned.all_words, allowed)

    def _ranked(
        self, planned: Plan, allowed: fl.Allowed | None, want: int | None
    ) -> tuple[list[topn.Match], int, set[int] | None]:
        """The first ``want`` documents, tier by tier: every tier is counted exactly
        (posting lists, no scoring); a tier is scored only when the page reaches into it.
        Returns (documents in order, matches in all, the first tier's when it is the
        all-words tier of a tiered plan)."""
        ranked: list[topn.Match] = []
        total = 0
        earlier: set[int] = set()
        first_tier = None
        for rank, tier in enumerate(planned.tiers):
            left = None if want is None else max(0, want - len(ranked))
            matched, scored = topn.tier_matches(self._searcher, tier, allowed, earlier, left)
            total += len(matched)
            ranked.extend(topn.top(scored, left, self._call_of) if left != 0 else [])
            if rank == 0 and len(planned.tiers) > 1:
                first_tier = matched
            earlier |= matched
        return ranked, total, first_tier

    def _allowed(self, planned: Plan, filters: Filters) -> fl.Allowed | None:
        calls = fl.call_query(filters, planned.call_terms)
        ranges = None
        if calls is not None:
            cacheable = not planned.call_terms
            ranges = self._call_cache.get(filters) if cacheable else None
            if ranges is None:
                ranges = fl.call_ranges(self._searcher, calls)
                if cacheable:
                    self._call_cache[filters] = ranges
        kept = None
        for keys in fl.sentence_keys(filters):
            docs = topn.doc_set(self._searcher, keys)
            kept = docs if kept is None else kept & docs
        return fl.allowed(self._searcher, ranges, filters, kept)

    def _call_of(self, docnum: int) -> str:
        return self._call_ids[docnum]

    def _sentence(self, docnum: int) -> Sentence:
        f = self._reader.stored_fields(docnum)
        return Sentence(
            call_id=f["call_id"],
            ordinal=f["ordinal"],
            call_started=f["started"],
            speaker_name=f.get("speaker_name", ""),
            speaker_email=f.get("speaker_email", ""),
            affiliation=f.get("affiliation", "").capitalize(),  # indexed lower case
            start_ms=f.get("start_ms"),
            end_ms=f.get("end_ms"),
            text=f.get("text") or f.get("summary") or f.get("comment") or "",
            kind=f.get("kind") or "transcript",
            trackers=tuple(f.get("tracker_names") or ()),
            heading=f.get("heading", ""),
        )

    def _neighbours(self, docnum: int, step: int, count: int, call_id: str) -> list[Sentence]:
        found: list[Sentence] = []
        reader = self._reader
        kind = self._kinds[docnum]
        position = docnum + step
        while len(found) < count and 0 <= position < reader.doc_count_all():
            if reader.is_deleted(position) or self._call_ids[position] != call_id:
                break
            if self._kinds[position] != kind:  # a transcript's context is the transcript
                break
            found.append(self._sentence(position))
            position += step
        return found

    def _highlight_terms(self, q: query.Query, filters: Filters) -> set[str]:
        fields = TEXT_FIELDS[filters.within]
        found = q.existing_terms(self._reader, phrases=True, expand=True)
        return {t.decode() if isinstance(t, bytes) else t for f, t in found if f in fields}
