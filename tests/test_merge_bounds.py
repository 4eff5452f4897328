"""Bounded merges (issue 20): no index commit merges more than the cap, whatever the
index size, and a search over many unmerged segments gives exactly the oracle's answer.

The cap is forced tiny here (a few dozen documents) so that a small tenant, re-indexed a
call at a time, makes many segments and many merge decisions.
"""

from __future__ import annotations

import shutil
import subprocess
import sys
from collections.abc import Iterator
from pathlib import Path

import pytest
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from gong_search.catalog import Catalog
from gong_search.engine import open_engine
from gong_search.engines.whoosh import writer as whoosh_writer
from gong_search.engines.whoosh.store import current_dir
from gong_search.search import SearchOptions, search_open

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
QUERIES = ["pricing", "budget approval", "the we", '"team review"']


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


# -- tidy: larger merges between pages, interruptible ----------------------------------


def _segment_count(index_dir: Path) -> int:
    with open_engine(index_dir).searcher() as searcher:
        return len(searcher._searcher.reader().leaf_readers())


def _all_hits(index_dir: Path, text: str) -> tuple[list, int]:
    with Catalog(index_dir, create=False) as catalog, open_engine(index_dir).searcher() as eng:
        result = search_open(catalog, eng, text, SearchOptions(limit=0, sort="date"))
        return [(h.call_id, h.ordinal) for h in result.hits], result.total


@pytest.fixture
def segmented_copy(many_segments, tmp_path: Path) -> Path:
    corpus, _merged = many_segments
    copy = tmp_path / "index"
    shutil.copytree(corpus.catalog.path.parent, copy)
    return copy


def test_tidy_merges_the_smallest_segments_down_to_the_limit(
    segmented_copy: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    before = {text: _all_hits(segmented_copy, text) for text in QUERIES}
    segments = _segment_count(segmented_copy)
    assert segments > 2
    monkeypatch.setattr(whoosh_writer, "MAX_SEGMENTS", 1)
    monkeypatch.setattr(whoosh_writer, "TIDY_FANOUT", 2)
    rounds = 0
    while whoosh_writer.tidy(segmented_copy):
        rounds += 1
    assert rounds == segments - 1 and _segment_count(segmented_copy) == 1
    assert {text: _all_hits(segmented_copy, text) for text in QUERIES} == before


KILL_MID_TIDY = """
import os, sys
from gong_search.engines.whoosh import writer
writer.MAX_SEGMENTS, writer.TIDY_FANOUT = 1, 3
opened = []
class Dying(writer.SegmentReader):
    def __init__(self, *args, **kwargs):
        opened.append(1)
        if len(opened) == 2:  # the first segment is merged, the second never
            os._exit(99)
        super().__init__(*args, **kwargs)
writer.SegmentReader = Dying
writer.tidy(sys.argv[1])
"""


def test_a_tidy_killed_mid_merge_loses_nothing_and_the_next_one_cleans_up(
    segmented_copy: Path,
) -> None:
    before = {text: _all_hits(segmented_copy, text) for text in QUERIES}
    files = set(current_dir(segmented_copy).iterdir())
    killed = subprocess.run([sys.executable, "-c", KILL_MID_TIDY, str(segmented_copy)])
    assert killed.returncode == 99
    assert {text: _all_hits(segmented_copy, text) for text in QUERIES} == before
    left = set(current_dir(segmented_copy).iterdir()) - files
    assert left  # the killed merge's files
    with open_engine(segmented_copy).writer() as updater:  # Whoosh's lock was released
        updater.delete("no such call")
    assert not left & set(current_dir(segmented_copy).iterdir())  # the next commit removed them
    assert {text: _all_hits(segmented_copy, text) for text in QUERIES} == before


def test_context_over_many_segments_is_the_calls_neighbouring_sentences(many_segments) -> None:
    """Whoosh's own multi-segment column misreads a field some segments lack (``kind``:
    no segment of this tenant has a note); context must still be the call's neighbours."""
    corpus, _merged = many_segments
    result = search_open(
        corpus.catalog, corpus.engine, "pricing", SearchOptions(limit=0, before=2, after=2)
    )
    assert result.hits
    for hit in result.hits:
        texts = {r.ordinal: r.text for r in corpus.catalog.call_sentences(hit.call_id).rows}
        assert [c.text for c in hit.context_before] == [
            texts[o] for o in range(hit.ordinal - 2, hit.ordinal) if o in texts
        ]
        assert [c.text for c in hit.context_after] == [
            texts[o] for o in range(hit.ordinal + 1, hit.ordinal + 3) if o in texts
        ]


def test_a_flushed_but_cancelled_page_changes_nothing_and_its_files_go(
    segmented_copy: Path,
) -> None:
    """What a Ctrl-C during the flush (before the signal-held commit) leaves behind."""
    before = {text: _all_hits(segmented_copy, text) for text in QUERIES}
    versions = open_engine(segmented_copy).versions()
    files = set(current_dir(segmented_copy).iterdir())
    with Catalog(segmented_copy) as catalog:
        joined = catalog.call_sentences(sorted(versions)[0])
    updater = open_engine(segmented_copy).writer()
    updater.replace(joined, "another version")
    updater.flush()
    updater.close()  # cancels, as the committer's writer does on KeyboardInterrupt
    assert open_engine(segmented_copy).versions() == versions
    assert {text: _all_hits(segmented_copy, text) for text in QUERIES} == before
    left = set(current_dir(segmented_copy).iterdir()) - files
    assert left  # the flushed segment's files, referenced by nothing
    with open_engine(segmented_copy).writer() as updater:
        updater.delete("no such call")
    assert not left & set(current_dir(segmented_copy).iterdir())
