"""Word lists scored from posting arrays rank exactly as Whoosh's matchers rank them.

The matcher path is the reference the brute-force oracle (test_ranking_oracle.py)
already checks; here hypothesis draws word lists (AND, OR, AND NOT, nested) and page
sizes over an index of several segments with replaced (deleted) documents, and the array
path must give the same top N, scores and all, as the matchers.
"""

from __future__ import annotations

import random
from collections.abc import Iterator
from dataclasses import replace
from pathlib import Path

import pytest
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st
from whoosh import query

from gong_search.engine import Filters, open_engine
from gong_search.engines.whoosh import array_scoring, topn
from gong_search.engines.whoosh.schema import analyze
from gong_search.engines.whoosh.store import open_index
from gong_search.engines.whoosh.writer import _add_call
from gong_search.sentences import CallSentences

from .test_engine_contract import BUYER, REP, joined

WORDS = ["pricing", "budget", "discount", "review", "team", "renewal"]
FILLER = ["the", "we", "can", "next"]


def _call(rng: random.Random, n: int) -> CallSentences:
    """A call of a few sentences drawn from a small vocabulary (so scores tie often)."""
    rows = []
    for _ in range(rng.randint(3, 12)):
        words = rng.sample(WORDS, rng.randint(1, 3)) + rng.sample(FILLER, rng.randint(0, 4))
        words += [rng.choice(WORDS)] * rng.randint(0, 2)  # term frequencies above 1
        rows.append((rng.choice([BUYER, REP]), " ".join(words)))
    template = joined("c1", rows)
    call_id = f"call{n}"
    return replace(
        template,
        call=replace(template.call, id=call_id),
        rows=[replace(row, call_id=call_id) for row in template.rows],
    )


@pytest.fixture(scope="module")
def searcher(tmp_path_factory: pytest.TempPathFactory) -> Iterator[object]:
    """Four segments (commits without merging), one of only a call without sentences (no
    sentence columns at all), one call re-indexed (deletions)."""
    index_dir: Path = tmp_path_factory.mktemp("segments") / "ix"
    engine = open_engine(index_dir)
    engine.prepare()
    rng = random.Random(7)
    calls = [_call(rng, n) for n in range(30)]
    ix = open_index(index_dir)
    silent = replace(calls[0], call=replace(calls[0].call, id="silent"), rows=[])
    for batch in (calls[:10], [silent], calls[10:20], calls[20:]):
        writer = ix.writer()
        for call in batch:
            _add_call(writer, call, "v1")
        writer.commit(merge=False)
    with engine.writer() as updater:
        updater.replace(calls[3], "v2")
    with engine.searcher() as opened:
        assert len(opened._searcher.leaf_searchers()) > 1
        yield opened


def _word_lists() -> st.SearchStrategy:
    stems = [next(iter(analyze(w))) for w in WORDS]  # what the text field indexes
    term = st.sampled_from(stems + ["absent"]).map(lambda w: query.Term("text", w))
    lists = st.recursive(
        term,
        lambda inner: (
            st.builds(query.Or, st.lists(inner, min_size=2, max_size=3))
            | st.builds(query.And, st.lists(inner, min_size=2, max_size=3))
        ),
        max_leaves=5,
    )
    return lists | st.builds(query.AndNot, lists, term)


@settings(
    max_examples=150, deadline=None, suppress_health_check=[HealthCheck.function_scoped_fixture]
)
@given(q=_word_lists(), want=st.sampled_from([None, 1, 3, 10, 40]))
def test_array_scores_give_the_matchers_top_n(searcher, q, want) -> None:
    s = searcher._searcher
    matched = topn.matching(s, q, None)
    by_arrays = array_scoring.scored_postings(s, q, matched, want)
    assert by_arrays is not None
    by_matchers = topn.scored_matches(s, q, matched, want)
    expected = topn.top(by_matchers, want, searcher._call_of)
    assert topn.top(by_arrays, want, searcher._call_of) == expected
    assert len(expected) == (len(matched) if want is None else min(want, len(matched)))


def test_phrases_and_boosts_are_left_to_the_matchers(searcher) -> None:
    s = searcher._searcher
    phrase = query.Phrase("text", ["pricing", "budget"])
    boosted = query.Term("text", "pricing", boost=2.0)
    inner_not = query.Or([query.AndNot(query.Term("text", "team"), query.Term("text", "the"))])
    for q in (phrase, boosted, inner_not):
        assert array_scoring.scored_postings(s, q, topn.matching(s, q, None), 5) is None


@pytest.mark.parametrize(
    ("filters", "keep"),
    [
        (Filters(affiliations=("external",)), lambda f: f["affiliation"] == "external"),
        (Filters(affiliations=("internal", "unknown")), lambda f: f["affiliation"] != "external"),
        (Filters(speaker_keys=("rita rep",)), lambda f: f["speaker_name"] == "Rita Rep"),
    ],
)
def test_sentence_filters_over_several_segments_keep_exactly_their_sentences(
    searcher, filters, keep
) -> None:
    s = searcher._searcher
    reader = s.reader()
    expected = {
        docnum
        for docnum in topn.matching(s, query.Term("text", "price"), None)
        if keep(reader.stored_fields(docnum))
    }
    assert expected  # the filter keeps some and drops some
    assert expected != topn.matching(s, query.Term("text", "price"), None)
    assert searcher.count("pricing", "default", False, filters)[0] == len(expected)
