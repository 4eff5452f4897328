"""Bounded merges (issue 20): no index commit merges more than the cap, whatever the
index size, and a search over many unmerged segments gives exactly the oracle's answer.

The cap is forced tiny here (a few dozen documents) so that a small tenant, re-indexed a
call at a time, makes many segments and many merge decisions.
"""

from __future__ import annotations

from collections.abc import Iterator
from pathlib import Path

import pytest
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from gong_search.catalog import Catalog
from gong_search.engine import open_engine
from gong_search.engines.whoosh import writer as whoosh_writer

from .conftest import make_simulator, run_sync
from .test_ranking_oracle import (
    Corpus,
    _sentences,
    _without_notes,
    cases,
    check_against_oracle,
    write_tie_tenant,
)

TINY_CAP, TINY_FANOUT = 40, 2


@given(
    sizes=st.lists(st.integers(0, 200), max_size=30),
    cap=st.integers(0, 500),
    fanout=st.integers(1, 6),
)
def test_merge_plan_never_takes_more_than_the_cap_and_takes_the_smallest(
    sizes: list[int], cap: int, fanout: int
) -> None:
    picked = whoosh_writer.plan_merge(sizes, cap, fanout)
    assert sum(sizes[i] for i in picked) <= cap
    assert len(set(picked)) == len(picked)
    assert not picked or len(picked) >= fanout
    if picked:  # nothing left out is smaller than what was taken
        left = [s for i, s in enumerate(sizes) if i not in picked]
        assert not left or min(left) >= max(sizes[i] for i in picked)


class _RecordingReader(whoosh_writer.SegmentReader):
    """The reader a merge opens on each segment it merges: records the segment's size."""

    merged: list[int] = []

    def __init__(self, storage, schema, segment, *args, **kwargs) -> None:
        _RecordingReader.merged.append(segment.doc_count_all())
        super().__init__(storage, schema, segment, *args, **kwargs)


def _reindex_call_by_call(index_dir: Path) -> list[int]:
    """Re-index every call in its own commit, as many small syncs would; returns, per
    commit, how many documents of earlier segments it merged."""
    merged_per_commit = []
    with Catalog(index_dir) as catalog:
        hashes = catalog.content_hashes()
        for call_id in sorted(hashes):
            _RecordingReader.merged = []
            with open_engine(index_dir).writer() as updater:
                updater.replace(catalog.call_sentences(call_id), hashes[call_id])
            merged_per_commit.append(sum(_RecordingReader.merged))
    return merged_per_commit


@pytest.fixture(scope="module")
def many_segments(tmp_path_factory: pytest.TempPathFactory) -> Iterator[tuple[Corpus, list]]:
    base = tmp_path_factory.mktemp("segments")
    with make_simulator(tenant_dir=write_tie_tenant(base / "tenant", 3)) as simulator:
        run_sync(simulator, base / "index")
    with pytest.MonkeyPatch.context() as patch:
        patch.setattr(whoosh_writer, "MERGE_CAP", TINY_CAP)
        patch.setattr(whoosh_writer, "MERGE_FANOUT", TINY_FANOUT)
        patch.setattr(whoosh_writer, "SegmentReader", _RecordingReader)
        merged = _reindex_call_by_call(base / "index")
    catalog = Catalog(base / "index", create=False)
    engine = open_engine(base / "index").searcher()
    searcher = engine._searcher
    docs = _without_notes(searcher)
    yield (
        Corpus(catalog, engine, _sentences(catalog), docs, searcher.field_length("text") / docs),
        merged,
    )
    engine.close()
    catalog.close()


def test_no_commit_merges_more_than_the_cap(many_segments) -> None:
    corpus, merged = many_segments
    assert max(merged) <= TINY_CAP
    assert any(merged), "the tenant is too small to make a merge: the test checks nothing"
    assert len(corpus.engine._searcher.reader().leaf_readers()) > 3  # many segments stay


@pytest.mark.parametrize("mode", ["default", "literal"])
@settings(
    max_examples=60, deadline=None, suppress_health_check=[HealthCheck.function_scoped_fixture]
)
@given(data=st.data())
def test_search_over_many_segments_equals_the_brute_force_ordering(
    many_segments, mode: str, data: st.DataObject
) -> None:
    corpus, _merged = many_segments
    check_against_oracle(corpus, data.draw(cases(mode)), data.draw(st.integers(1, 7)))
