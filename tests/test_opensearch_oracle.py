"""The brute-force ranking oracle of issue 11, run against the OpenSearch engine.

The same tie-heavy tenants, drawn queries, modes, filters, sorts, per-call caps and pages
as :mod:`tests.test_ranking_oracle`; only the corpus statistics the oracle's BM25F needs
(document count, document frequency, mean length) are read from OpenSearch, through the
term vectors API, instead of from Whoosh.
"""

from __future__ import annotations

from collections.abc import Iterator
from functools import cache

import pytest
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from gong_search import engine_choice
from gong_search.catalog import Catalog
from gong_search.engine import open_engine
from gong_search.engine_choice import EngineChoice

from .conftest import make_simulator, run_sync
from .test_ranking_oracle import Corpus, _sentences, cases, check_against_oracle, write_tie_tenant


class OpenSearchCorpus(Corpus):
    """Statistics as the engine's similarity sees them (deleted documents included until
    a merge drops them, as Lucene counts)."""

    def df(self, stem: str) -> int:
        return _term_stats(self.engine.store, stem)[0]  # type: ignore[attr-defined]


@cache
def _term_stats_cached(store, stem: str) -> tuple[int, int, int]:
    body = {
        "doc": {"text": stem},
        "per_field_analyzer": {"text": "whitespace"},  # the stem as it is
        "term_statistics": True,
        "field_statistics": True,
    }
    vectors = store.client.termvectors(index=store.alias, body=body)["term_vectors"]["text"]
    fields = vectors["field_statistics"]
    term = vectors["terms"].get(stem, {})
    return term.get("doc_freq", 0), fields["doc_count"], fields["sum_ttf"]


def _term_stats(store, stem: str) -> tuple[int, int, int]:
    return _term_stats_cached(store, stem)


@pytest.fixture(scope="module")
def os_corpora(opensearch_url: str, tmp_path_factory) -> Iterator[list[Corpus]]:
    choice = EngineChoice("opensearch", opensearch_url)
    opened = []
    for seed in (1, 2):
        base = tmp_path_factory.mktemp(f"os-ties{seed}")
        engine_choice.use("opensearch", opensearch_url)
        try:
            with make_simulator(tenant_dir=write_tie_tenant(base / "tenant", seed)) as sim:
                run_sync(sim, base / "index")
        finally:
            engine_choice.reset()
        engine = open_engine(base / "index", choice)
        catalog = Catalog(base / "index", create=False)
        with engine.writer() as updater:  # re-indexed calls: deleted documents count too
            hashes = catalog.content_hashes()
            for call_id in sorted(hashes)[:5]:
                updater.replace(catalog.call_sentences(call_id), hashes[call_id])
        searcher = engine.searcher()
        _df, docs, total_length = _term_stats(searcher.store, "pricing")
        opened.append(OpenSearchCorpus(catalog, searcher, _sentences(catalog), docs,
                                       total_length / docs))  # fmt: skip
    yield opened
    for corpus in opened:
        corpus.catalog.close()


@pytest.mark.parametrize("mode", ["default", "all", "any", "literal"])
@settings(
    max_examples=40, deadline=None, suppress_health_check=[HealthCheck.function_scoped_fixture]
)
@given(data=st.data())
def test_every_page_and_total_on_opensearch_equal_the_brute_force_ordering(
    os_corpora: list[Corpus], mode: str, data: st.DataObject
) -> None:
    corpus = os_corpora[data.draw(st.integers(0, len(os_corpora) - 1), label="corpus")]
    check_against_oracle(corpus, data.draw(cases(mode)), data.draw(st.integers(1, 7)))
