"""The CLI on the OpenSearch engine, against a real node: sync, search, show, status,
paging, reindex and crash repair give what the Whoosh engine gives on the same tenant.

Equivalence as issue 21 defines it: the same totals, counts and ``--sort date`` lists; for
relevance, at least 90% of the top 20 in common and the same tier order (``all_words``).
"""

from __future__ import annotations

import json
import os
import shlex
import subprocess
import sys
from pathlib import Path

import pytest

from gong_search.engine import FACETS, Filters, open_engine
from gong_search.engine_choice import EngineChoice
from gong_search.engines.opensearch import searcher as os_searcher

from .conftest import cli, sim_env
from .readme_examples import search_examples, show_examples

# beside every search example of the README (parsed from it, see readme_examples): names
# this tenant has, where the README's (the demo tenant's) may find nothing here
TENANT_QUERIES = [
    ["renewal", "--speaker", "jonas"],
    ["speaker:jonas pricing"],
    ["affiliation:external security"],
    ["pricing host:rita"],
    ["we can", "--internal"],
    ["pricing", "--facet", ",".join(FACETS), "--in", "all"],
    ["we OR pricing OR security", "--facet", ",".join(FACETS)],
    ["budget", "--participant", "jonas", "--in", "all"],
    ["pricing OR security OR budget", "--outcome", "meeting booked", "--min-duration", "5",
     "--facet", "month"],
    ["security review", "--stage", "negotiation", "--direction", "outbound", "--scope",
     "external", "--language", "eng"],
    ["pricing OR budget", "--deal-now", "--stage", "closed won", "--facet", "stage_now,deal"],
    ["the OR we", "--in", "comments", "--facet", "kind,speaker"],
    ["--tracker", "budget", "--facet", "tracker,speaker"],
    ["we", "--max-duration", "10", "--host", "jonas"],
    ["the", "--in", "summary", "-C", "1"],
]  # fmt: skip
CALL = "CALL-ID"  # stands for a real call of the tenant (README: CALL_ID, call:<id>)
# notes ranked by several words: both engines weigh a note field among the notes holding it
NOTES_RANKED = ["integrat* OR secur*", "--in", "all"]
EXAMPLES = [*search_examples(CALL), *TENANT_QUERIES, NOTES_RANKED]


@pytest.fixture(scope="module")
def both(shared_sim, opensearch_url: str, tmp_path_factory) -> tuple[list[str], list[str]]:
    """The shared tenant synced by the CLI twice: Whoosh, then OpenSearch; the arguments
    that point a command at each."""
    base = tmp_path_factory.mktemp("engines")
    whoosh = ["--index", str(base / "whoosh")]
    opensearch = ["--index", str(base / "os"), "--engine", "opensearch",
                  "--opensearch-url", opensearch_url]  # fmt: skip
    for args in (whoosh, opensearch):
        done = cli("sync", "--rate", "0", *args, env=sim_env(shared_sim))
        assert done.exit_code == 0, done.stderr
    return whoosh, opensearch


@pytest.fixture(scope="module")
def call_id(both) -> str:
    """A call of the tenant with notes (a brief, key points...), for the README's CALL_ID."""
    whoosh, _ = both
    return hits(whoosh, "the OR we", "--in", "summary", "-n", "1")[0]["call_id"]


def hits(args: list[str], *query: str) -> list[dict]:
    done = cli(*args, "-f", "jsonl", *query)  # the query last: it may hold a --
    assert done.exit_code in (0, 1), done.stderr
    return [json.loads(line) for line in done.stdout.splitlines()]


def key(hit: dict) -> tuple:
    return hit["call_id"], hit["start_ms"], hit.get("kind"), hit["text"]


@pytest.mark.parametrize("example", EXAMPLES, ids=lambda e: shlex.join(e))
def test_every_readme_search_matches_the_whoosh_engine(both, call_id, example: list[str]) -> None:
    """Counts (with facets), --sort date lists and totals identical; the top 20 by
    relevance at least 90% the same, in the same tiers."""
    query = [word.replace(CALL, call_id) for word in example]
    counted = [cli(*args, "--count", "-f", "json", *query) for args in both]
    assert counted[0] == counted[1]  # exit code, stdout (counts, facets), stderr
    if counted[0].exit_code == 2:  # refused the same way on both (no such name here)
        return
    listed = _without_facets(query)
    dated = [[key(h) for h in hits(args, "--sort", "date", "-n", "0", *listed)] for args in both]
    assert dated[0] == dated[1]
    ranked = [json.loads(cli(*args, "-n", "20", "-f", "json", *query).stdout) for args in both]
    for field in ("total", "total_all_words", "next_offset", "facets"):
        assert ranked[0].get(field) == ranked[1].get(field)
    top = [[key(h) for h in r.get("hits", [])] for r in ranked]
    assert len(set(top[0]) & set(top[1])) >= 0.9 * len(top[0])
    assert [h["all_words"] for h in ranked[0].get("hits", [])] == [
        h["all_words"] for h in ranked[1].get("hits", [])
    ]


def _without_facets(query: list[str]) -> list[str]:
    """The search without ``--facet`` (a list of hits cannot hold counts)."""
    at = [i for i, word in enumerate(query) if word == "--facet"]
    return [w for i, w in enumerate(query) if i not in at and i - 1 not in at]


def test_the_readme_examples_search_this_tenant(both, call_id) -> None:
    """The equivalence above is not vacuous: most examples find something here, and
    between them they filter, count facets and read notes."""
    whoosh, _ = both
    examples = [[w.replace(CALL, call_id) for w in example] for example in EXAMPLES[:-1]]
    found = [e for e in examples if cli(*whoosh, "--count", *e).exit_code == 0]
    assert len(found) >= 0.6 * len(examples), [e for e in examples if e not in found]
    used = {word for example in found for word in example}
    assert {"--facet", "--in", "--tracker", "--customer"} <= used


def test_show_summary_is_the_same_on_both_engines(both, call_id) -> None:
    shown = [[cli(*example, *args) for args in both] for example in show_examples(call_id)]
    assert shown and all(a == b and a.exit_code == 0 and a.stdout for a, b in shown)


def test_pages_are_slices_of_one_order_on_opensearch(both) -> None:
    _, opensearch = both
    first = [key(h) for h in hits(opensearch, "pricing OR security OR we", "-n", "30")]
    pages = []
    for offset in range(0, 30, 7):
        pages += hits(opensearch, "pricing OR security OR we", "-n", "7", "--offset", str(offset))
    assert [key(h) for h in pages][:30] == first and len(first) == 30


def test_deep_reads_walk_a_point_in_time_page_by_page(both, monkeypatch, tmp_path) -> None:
    """Past one request, hits come from search_after in a point in time: the same list
    whatever the page size."""
    _, opensearch = both
    choice = EngineChoice("opensearch", opensearch[-1])
    engine = open_engine(Path(opensearch[1]), choice)
    with engine.searcher() as searcher:
        whole = searcher.search("we OR the", "default", False, Filters(), want=None).hits
        monkeypatch.setattr(os_searcher, "PAGE", 7)
        paged = searcher.search("we OR the", "default", False, Filters(), want=None).hits
        dated = searcher.search("we", "default", False, Filters(), sort="date", want=50).hits
    assert len(whole) > 7 * 3
    assert [h.handle for h in paged] == [h.handle for h in whole]
    assert len(dated) == 50


def test_status_names_the_engine_and_cluster_health(both) -> None:
    _, opensearch = both
    done = cli("status", *opensearch, "-f", "json")
    shown = json.loads(done.stdout)
    assert done.exit_code == 0, done.stderr
    assert shown["engine"] == "opensearch" and shown["cluster_health"] in ("green", "yellow")
    assert shown["in_sync"] and shown["sentences"] > 0


def test_show_and_reindex_work_with_the_opensearch_engine(both, tmp_path) -> None:
    _, opensearch = both
    call_id = hits(opensearch, "pricing", "-n", "1")[0]["call_id"]
    assert cli("show", call_id, *opensearch).exit_code == 0
    before = cli("pricing", *opensearch, "--count", "-f", "json").stdout
    done = cli("reindex", *opensearch)
    assert done.exit_code == 0 and done.stdout.startswith("reindexed "), done.stderr
    assert cli("pricing", *opensearch, "--count", "-f", "json").stdout == before


def test_an_unreachable_cluster_is_one_line_without_a_traceback(tmp_path, both) -> None:
    whoosh, _ = both
    secret = {"GONG_SEARCH_OPENSEARCH_USER": "ann", "GONG_SEARCH_OPENSEARCH_PASSWORD": "s3kr1t"}
    done = cli("pricing", whoosh[0], whoosh[1], "--engine", "opensearch",
               "--opensearch-url", "http://127.0.0.1:9", env=secret)  # fmt: skip
    assert done.exit_code == 2 and len(done.stderr.strip().splitlines()) == 1
    assert "cannot reach OpenSearch" in done.stderr and "s3kr1t" not in done.stderr + done.stdout
    bad = cli("pricing", *whoosh, "--engine", "opensearch",
              "--opensearch-url", "http://user:pw@127.0.0.1:9")  # fmt: skip
    assert bad.exit_code == 2 and "pw" not in bad.stderr + bad.stdout


@pytest.mark.parametrize("point", ["after_catalog_commit", "mid_index", "before_index_commit"])
def test_killed_sync_on_opensearch_resumes_to_the_same_answers(shared_sim, both, tmp_path, point):
    _, reference = both
    env = {
        **os.environ,
        **sim_env(shared_sim),
        "GONG_SEARCH_INDEX": str(tmp_path / "ix"),
        "GONG_SEARCH_ENGINE": "opensearch",
        "GONG_SEARCH_OPENSEARCH_URL": reference[-1],
    }
    command = [sys.executable, "-m", "gong_search", "sync", "--rate", "0"]
    crash_env = {**env, "GONG_SEARCH_CRASH_AT": point}
    crashed = subprocess.run(command, env=crash_env, capture_output=True)
    assert crashed.returncode == 99, crashed.stderr
    resumed = subprocess.run(command, env=env, capture_output=True, text=True)
    assert resumed.returncode == 0, resumed.stderr
    mine = ["--index", str(tmp_path / "ix"), *reference[2:]]
    for query in ("we OR the OR pricing", "security review"):
        got = [key(h) for h in hits(mine, query, "--sort", "date", "-n", "0")]
        assert got == [key(h) for h in hits(reference, query, "--sort", "date", "-n", "0")]
    assert json.loads(cli("status", *mine, "-f", "json").stdout)["in_sync"]


def test_a_prefix_for_too_many_words_is_refused_as_on_whoosh(opensearch_url, tmp_path) -> None:
    """The same bound and message as the Whoosh engine: 1,000 words per prefix."""
    from gong_search.errors import QueryError

    from .test_engine_contract import REP, joined

    words = " ".join(f"zq{n:04d}x" for n in range(1_001))
    engine = open_engine(tmp_path / "ix", EngineChoice("opensearch", opensearch_url))
    engine.prepare()
    with engine.writer() as writer:
        writer.replace(joined("c1", [(REP, words)]), "v1")
    with engine.searcher() as searcher:
        with pytest.raises(QueryError, match="more than 1,000 different words"):
            searcher.search("zq*", "default", False, Filters())
        with pytest.raises(QueryError, match="give more letters"):
            searcher.count("zq*", "default", False, Filters())
        assert searcher.count("zq0*", "default", False, Filters()) == (1, 1)  # 1,000: allowed


def test_a_filter_the_engine_does_not_know_is_refused_not_dropped() -> None:
    """Filters added to the seam later must never widen an OpenSearch answer silently."""
    import dataclasses

    from gong_search.engines.opensearch.filters import HANDLED, NOT_YET, filter_clauses
    from gong_search.errors import QueryError

    # every one translated or knowingly refused
    assert {f.name for f in dataclasses.fields(Filters)} == HANDLED | NOT_YET
    odd = dataclasses.make_dataclass(
        "Later", [("later", tuple, dataclasses.field(default=()))], bases=(Filters,),
        frozen=True,
    )  # fmt: skip
    assert len(filter_clauses(odd(), [])) == 1  # left at its default: nothing to refuse
    with pytest.raises(QueryError, match="cannot filter by later"):
        filter_clauses(odd(later=("pricing?",)), [])
    assert len(filter_clauses(Filters(hosts=("rita rep",)), [])) == 2
