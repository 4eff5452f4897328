"""Gong's keyword trackers as saved searches, through the simulator and the real CLI:
import, run over history with facets, compare with Gong's occurrences (checked against a
brute-force model of the tenant), and the sentence rules (question, first minutes, exact
words) against a brute-force oracle."""

from __future__ import annotations

import json
import re
import shutil
from pathlib import Path

import pytest
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from gong_search.catalog import Catalog
from gong_search.engine import Filters, open_engine
from gong_search.engines.whoosh.schema import analyze
from gong_search.gong.tracker_settings import KeywordTracker, LanguageKeywords, Workspace
from gong_search.trackers import Vocabulary, map_trackers

from .conftest import cli, sim_env


@pytest.fixture(scope="module")
def imported(shared_sim, synced_index: Path, tmp_path_factory) -> Path:
    """A copy of the shared synced index with the tenant's trackers imported."""
    ix = tmp_path_factory.mktemp("trackers") / "ix"
    shutil.copytree(synced_index, ix)
    result = cli("trackers", "import", "--index", str(ix), "-f", "json", env=sim_env(shared_sim))
    assert result.exit_code == 0, result.stderr
    return ix


def definitions(shared_sim) -> list[dict]:
    import httpx

    with httpx.Client(base_url=shared_sim.base_url, auth=("demo", "demo")) as http:
        return http.get("/v2/settings/trackers").json()["keywordTrackers"]


def saved(ix: Path, name: str) -> dict:
    shown = cli("saved", "show", name, "--index", str(ix), "-f", "json")
    assert shown.exit_code == 0, shown.stderr
    return json.loads(shown.stdout)["saved_searches"][0]


def test_import_makes_a_saved_search_per_keyword_tracker(shared_sim, synced_index, tmp_path):
    ix = tmp_path / "ix"
    shutil.copytree(synced_index, ix)
    result = cli("trackers", "import", "--index", str(ix), "-f", "jsonl", env=sim_env(shared_sim))
    assert result.exit_code == 0, result.stderr
    rows = {r["name"]: r for r in map(json.loads, result.stdout.splitlines())}
    keyword = {d["trackerName"] for d in definitions(shared_sim) if d["languageKeywords"]}
    smart = {d["trackerName"] for d in definitions(shared_sim)} - keyword
    assert {n for n, r in rows.items() if r["status"] == "imported"} == keyword
    assert all(rows[n]["status"] == "skipped" and rows[n]["notes"] for n in smart)
    again = cli("trackers", "import", "--index", str(ix), "-f", "json", env=sim_env(shared_sim))
    statuses = {t["status"] for t in json.loads(again.stdout)["trackers"] if t["name"] in keyword}
    assert statuses == {"replaced"}  # a re-import takes Gong's latest rules


def test_import_maps_gongs_rules(shared_sim, imported: Path) -> None:
    by_name = {d["trackerName"]: d for d in definitions(shared_sim)}
    for name, definition in by_name.items():
        if not definition["languageKeywords"]:
            continue
        entry = saved(imported, name)
        keywords = [k for lk in definition["languageKeywords"] for k in lk["keywords"]]
        assert entry["query"] == " OR ".join(f'"{k}"' for k in keywords)
        assert entry["tracker"] == name
        options = entry["options"]
        side = {"Company": {"internal": True}, "NonCompany": {"customer": True}}
        expected = dict(side.get(definition["affiliation"], {}))
        languages = {lk["language"] for lk in definition["languageKeywords"]}
        if "mul" not in languages:
            expected["languages"] = sorted(languages)
        assert options == expected  # both workspaces hold identical copies: no filter


def test_competitors_runs_over_history_with_an_account_facet(imported: Path) -> None:
    ran = cli("saved", "run", "Competitors", "--from", "2020-01-01", "--facet", "account",
              "--index", str(imported), "-f", "json")  # fmt: skip
    assert ran.exit_code == 0, ran.stderr
    found = json.loads(ran.stdout)
    entry = saved(imported, "Competitors")
    direct = cli("search", entry["query"], "--from", "2020-01-01", "--facet", "account",
                 "--index", str(imported), "-f", "json")  # fmt: skip
    assert found == json.loads(direct.stdout)
    assert found["facets"]["account"] and found["total"] > 0


def phrase_in(words: list[str], phrase: list[str]) -> bool:
    n = len(phrase)
    return any(words[i : i + n] == phrase for i in range(len(words) - n + 1))


def brute_comparison(ix: Path, definition: dict) -> tuple[dict, set, set]:
    """Gong's sentences (where the index placed its occurrences) and the sentences the
    mapped rules find (stemmed phrases, speaker side, call language), from the catalog."""
    phrases = [analyze(k) for lk in definition["languageKeywords"] for k in lk["keywords"]]
    languages = {lk["language"] for lk in definition["languageKeywords"]}
    side = definition["affiliation"]
    gong, local = set(), set()
    with Catalog(ix, create=False) as catalog:
        for joined in catalog.iter_call_sentences():
            language_ok = "mul" in languages or joined.call.language in languages
            for row in joined.rows:
                key = (row.call_id, row.ordinal)
                if definition["trackerName"] in row.trackers:
                    gong.add(key)
                internal = row.affiliation == "Internal"
                side_ok = side == "Anyone" or internal == (side == "Company")
                words = analyze(row.text)
                if language_ok and side_ok and any(phrase_in(words, p) for p in phrases):
                    local.add(key)
    tally = {"both": len(gong & local), "gong_only": len(gong - local)}
    tally["local_only"] = len(local - gong)
    return tally, gong, local


def test_compare_agrees_with_the_tenants_truth(shared_sim, imported: Path) -> None:
    for definition in definitions(shared_sim):
        if not definition["languageKeywords"]:
            continue
        name = definition["trackerName"]
        result = cli("trackers", "compare", name, "--index", str(imported), "-f", "json")
        assert result.exit_code == 0, result.stderr
        report = json.loads(result.stdout)
        expected, gong, local = brute_comparison(imported, definition)
        got = {k: report["sentences"][k] for k in ("both", "gong_only", "local_only")}
        assert got == expected, name
        seen = len(gong | local)
        assert report["sentences"]["agreement"] == pytest.approx(len(gong & local) / seen, abs=1e-4)
        assert report["sentences"]["gong_only"] == 0  # every occurrence Gong placed is found
        exact = re.compile(
            "|".join(rf"(?<!\w){re.escape(k)}(?!\w)" for lk in definition["languageKeywords"]
                     for k in lk["keywords"]), re.I)  # fmt: skip
        local_only = [s for d in report["differences"] for s in d["local_only"]]
        assert all(not exact.search(s["text"]) for s in local_only)  # only other word forms
        assert report["summary"].startswith(f"{name} vs Gong's tracker")


def test_compare_table_and_errors(imported: Path) -> None:
    table = cli("trackers", "compare", "Budget", "--index", str(imported), "-f", "table")
    assert table.exit_code == 0 and "sentences agree" in table.stdout
    unknown = cli("trackers", "compare", "Nope", "--index", str(imported))
    assert unknown.exit_code == 2 and "no saved search named 'Nope'" in unknown.stderr


def test_import_without_credentials_is_one_line(synced_index: Path, tmp_path: Path) -> None:
    result = cli("trackers", "import", "--index", str(tmp_path / "ix"))
    assert result.exit_code == 2 and len(result.stderr.strip().splitlines()) == 1


# -- rules that only some trackers have: mapped, or left out with a note ----------------------


def tracker(**rules) -> KeywordTracker:
    base = {
        "id": "1",
        "name": "T",
        "workspace_id": "w1",
        "languages": (LanguageKeywords("eng", ("budget",), True),),
        "affiliation": "Anyone",
        "part_of_question": False,
        "said_at": "Anytime",
        "said_at_interval": None,
        "said_at_unit": "",
        "said_in_topics": (),
        "filter_query": "",
    }
    return KeywordTracker(**{**base, **rules})


VOCABULARY = Vocabulary(frozenset({"eng", "spa"}), frozenset({"w1", "w2"}))
SPACES = [Workspace("w1", "Sales"), Workspace("w2", "Success")]


@pytest.mark.parametrize(
    ("rules", "options", "note"),
    [
        ({"part_of_question": True}, {"questions": True}, None),
        ({"said_at": "First", "said_at_interval": 5, "said_at_unit": "minutes"},
         {"said_first": 5}, None),
        ({"said_at": "Last", "said_at_interval": 5, "said_at_unit": "minutes"}, {}, "saidAt Last"),
        ({"said_at": "First", "said_at_interval": 10, "said_at_unit": "percent"}, {},
         "saidAt First 10 percent"),
        ({"languages": (LanguageKeywords("eng", ("budget",), False),)},
         {"exact_words": ["budget"]}, None),
        ({"affiliation": "Company"}, {"internal": True}, None),
        ({"affiliation": "Robots"}, {}, "affiliation 'Robots'"),
        ({"said_in_topics": ("Pricing",)}, {}, "saidInTopics"),
        ({"filter_query": '{"type": "And"}'}, {}, "filterQuery"),
        ({"languages": (LanguageKeywords("ger", ("budget",), True),)}, None, "no indexed calls"),
    ],
)  # fmt: skip
def test_each_rule_is_mapped_or_noted(rules: dict, options: dict | None, note: str | None):
    (mapped,) = map_trackers([tracker(**rules)], SPACES[:1], VOCABULARY)
    if options is None:
        assert mapped.saved is None and note in " ".join(mapped.notes)
        return
    assert mapped.saved is not None
    expected = {"languages": ["eng"], **options}
    assert mapped.saved.options == expected
    if note:
        assert note in mapped.saved.note
    else:
        assert mapped.saved.note == ""


def test_copies_per_workspace_merge_and_different_ones_are_named_apart() -> None:
    same = [tracker(workspace_id="w1"), tracker(id="2", workspace_id="w2")]
    (merged,) = map_trackers(same, SPACES, VOCABULARY)
    assert merged.name == "T" and "workspaces" not in merged.saved.options
    apart = [tracker(workspace_id="w1"), tracker(id="2", workspace_id="w2", affiliation="Company")]
    names = {
        m.name: m.saved.options.get("workspaces") for m in map_trackers(apart, SPACES, VOCABULARY)
    }
    assert names == {"T (Sales)": ["w1"], "T (Success)": ["w2"]}


# -- the new sentence filters against a brute-force oracle -----------------------------------

QUESTION = re.compile(r"\?[\W_]*$")


def test_sentence_rules_match_a_brute_force_oracle(synced_index: Path) -> None:
    with Catalog(synced_index, create=False) as catalog:
        rows = [r for joined in catalog.iter_call_sentences() for r in joined.rows]
    words = sorted({w for r in rows[:400] for w in re.findall(r"[A-Za-z]{4,}", r.text)})[:60]
    searcher = open_engine(synced_index).searcher()

    @settings(max_examples=50, deadline=None, suppress_health_check=list(HealthCheck))
    @given(
        word=st.sampled_from(words),
        questions=st.booleans(),
        first=st.one_of(st.none(), st.integers(0, 8)),
        exact=st.one_of(st.just(()), st.sampled_from(words).map(lambda w: (w,))),
    )
    def check(word: str, questions: bool, first: int | None, exact: tuple[str, ...]) -> None:
        filters = Filters(
            questions=questions,
            said_first_ms=None if first is None else first * 60_000,
            exact_words=exact,
        )
        (term,) = analyze(word) or ("",)
        pattern = re.compile(rf"(?<!\w){re.escape(exact[0])}(?!\w)", re.I) if exact else None
        expected = {
            (r.call_id, r.ordinal)
            for r in rows
            if term in analyze(r.text)
            and (not questions or QUESTION.search(r.text))
            and (first is None or r.start_ms < first * 60_000)
            and (pattern is None or pattern.search(r.text))
        }
        result = searcher.search(word, "default", False, filters, want=None)
        got = {(h.sentence.call_id, h.sentence.ordinal) for h in result.hits}
        assert got == expected and result.total == len(expected)
        calls = len({c for c, _ in expected})
        assert searcher.count(word, "default", False, filters) == (len(expected), calls)

    with searcher:
        check()


@pytest.mark.parametrize(
    "filters",
    [Filters(questions=True), Filters(said_first_ms=0), Filters(exact_words=("budget",))],
)
def test_opensearch_refuses_the_tracker_rules_in_one_line(filters: Filters) -> None:
    from gong_search.engines.opensearch.filters import refuse_unhandled
    from gong_search.errors import QueryError

    with pytest.raises(QueryError, match="OpenSearch engine cannot filter by"):
        refuse_unhandled(filters)
