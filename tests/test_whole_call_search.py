"""The whole call as filters and facets (issue 14): accounts, deals, stages, trackers,
participants, notes; facets exact against a brute-force model of the tenant, and the
issue's example commands through the real CLI."""

from __future__ import annotations

import json
import re
import sqlite3
from collections import Counter
from collections.abc import Iterator
from pathlib import Path

import pytest
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from gong_search.engine import Filters, open_engine
from gong_search.engines.whoosh.schema import analyze
from gong_search.index_dir import CATALOG_NAME
from gong_search.keys import normalize_name
from gong_search.simulator import Simulator, SimulatorConfig

from .conftest import cli, run_sync, sim_env
from .whole_call_truth import TruthCall, load_truth

TENANT = {"calls": 120, "seed": 42, "call_length": (30, 90), "rate": 0.0}
WORDS = ("pricing", "budget", "security", "review", "renewal", "team", "contract", "we")
FACETS = ("account", "deal", "stage", "month", "speaker", "affiliation", "tracker", "outcome")


@pytest.fixture(scope="module")
def tenant() -> Iterator[Simulator]:
    with Simulator(SimulatorConfig(**TENANT)).start() as simulator:
        yield simulator


@pytest.fixture(scope="module")
def index(tenant: Simulator, tmp_path_factory: pytest.TempPathFactory) -> Path:
    index_dir = tmp_path_factory.mktemp("whole-call") / "index"
    run_sync(tenant, index_dir)
    return index_dir


@pytest.fixture(scope="module")
def truth(tenant: Simulator) -> list[TruthCall]:
    return load_truth(tenant)


def _search(index: Path, *args: str) -> dict:
    result = cli("--index", str(index), *args, "-f", "json")
    assert result.exit_code in (0, 1), result.stderr
    return json.loads(result.stdout)


def _brute_facets(truth: list[TruthCall], word: str, keep) -> tuple[int, int, dict]:
    """(sentences, calls, facet -> value -> [sentences, calls]) over the matches."""
    counts: dict[str, dict[str, list[int]]] = {name: {} for name in FACETS}
    sentences, calls = 0, 0
    (term,) = analyze(word)
    for call in truth:
        matched = [s for s in call.sentences if term in s.words and keep(call, s)]
        if not matched:
            continue
        sentences, calls = sentences + len(matched), calls + 1
        per_call = {
            "account": Counter({a: len(matched) for a in call.accounts}),
            "deal": Counter({d: len(matched) for d in call.deals}),
            "stage": Counter({s: len(matched) for s in call.stages}),
            "month": Counter({call.started.strftime("%Y-%m"): len(matched)}),
            "outcome": Counter({call.outcome: len(matched)} if call.outcome else {}),
            "speaker": Counter(s.speaker for s in matched),
            "affiliation": Counter(s.affiliation for s in matched),
            "tracker": Counter(t for s in matched for t in s.trackers),
        }
        for name, values in per_call.items():
            for value, n in values.items():
                entry = counts[name].setdefault(value, [0, 0])
                entry[0], entry[1] = entry[0] + n, entry[1] + 1
    return sentences, calls, counts


def _filters(truth: list[TruthCall]):
    """(engine filters, the same rule on the model) for values the tenant really has."""
    accounts = sorted({k for c in truth for k in c.account_keys})
    stages = sorted({normalize_name(s) for c in truth for s in c.stages})
    people = sorted({k for c in truth for k in c.participant_keys if k})
    trackers = sorted({t for c in truth for s in c.sentences for t in s.trackers})
    return st.one_of(
        st.just((Filters(), lambda c, s: True)),
        st.sampled_from(accounts).map(
            lambda a: (Filters(accounts=(a,)), lambda c, s: a in c.account_keys)
        ),
        st.sampled_from(stages).map(
            lambda g: (
                Filters(stages=(g,)),
                lambda c, s: g in {normalize_name(x) for x in c.stages},
            )
        ),
        st.sampled_from(people).map(
            lambda p: (Filters(participants=(p,)), lambda c, s: p in c.participant_keys)
        ),
        st.sampled_from(trackers).map(
            lambda t: (Filters(trackers=(normalize_name(t),)), lambda c, s: t in s.trackers)
        ),
        st.just(
            (
                Filters(affiliations=("external", "unknown")),
                lambda c, s: s.affiliation != "Internal",
            )
        ),
    )


def test_facets_and_counts_are_exact_against_brute_force(index: Path, truth: list[TruthCall]):
    searcher = open_engine(index).searcher()

    @settings(max_examples=60, deadline=None, suppress_health_check=list(HealthCheck))
    @given(word=st.sampled_from(WORDS), chosen=_filters(truth))
    def check(word: str, chosen) -> None:
        filters, keep = chosen
        sentences, calls, expected = _brute_facets(truth, word, keep)
        assert searcher.count(word, "default", False, filters) == (sentences, calls)
        found = searcher.facets(word, "default", False, filters, FACETS)
        for name in FACETS:
            got = {c.value: [c.sentences, c.calls] for c in found[name]}
            assert got == expected[name], name
            ordered = [(-c.sentences, c.value) for c in found[name]]
            assert ordered == sorted(ordered)  # most sentences first, then by value

    with searcher:
        check()


def test_account_facet_agrees_with_count_for_each_value(index: Path):
    """What the facet says of each account is what --account says, through the CLI."""
    result = _search(index, "pricing", "--customer", "--facet", "account,affiliation", "--count")
    assert sum(v["sentences"] for v in result["facets"]["affiliation"]) == result["sentences"]
    for entry in result["facets"]["account"][:4]:
        narrowed = _search(index, "pricing", "--customer", "--account", entry["value"], "--count")
        assert narrowed["sentences"] >= entry["sentences"] > 0  # fuzzy may take in more


def test_pricing_at_globex_by_customers_with_speaker_facet(index, truth):
    found = _search(index, "pricing", "--account", "globex", "--customer", "--facet", "speaker")
    globex = {c.id for c in truth if any("globex" in a.lower() for a in c.accounts)}
    assert found["hits"] and {h["call_id"] for h in found["hits"]} <= globex
    assert all(h["affiliation"] in ("External", "Unknown") for h in found["hits"])
    assert sum(v["sentences"] for v in found["facets"]["speaker"]) == found["total"]


def test_tracker_alone_lists_its_sentences_with_account_counts(index, truth):
    found = _search(index, "--tracker", "Competitors", "--from", "2025-01-01", "--limit", "0")
    expected = [(c, s) for c in truth for s in c.sentences if "Competitors" in s.trackers]
    assert found["total"] == len(expected) > 0
    assert all("Competitors" in h["trackers"] for h in found["hits"])
    starts = [h["call_started"] for h in found["hits"]]
    assert starts == sorted(starts, reverse=True)  # newest first: nothing to rank by
    counted = _search(
        index, "--tracker", "Competitors", "--from", "2025-01-01", "--facet", "account", "--count"
    )
    assert counted["sentences"] == len(expected)
    by_account = Counter(a for c, _s in expected for a in c.accounts)
    assert {v["value"]: v["sentences"] for v in counted["facets"]["account"]} == by_account


def test_deal_and_stage_at_the_time_of_the_call(index, truth):
    found = _search(index, "security review", "--deal", "globex renewal", "--stage", "negotiation")
    wanted = {
        c.id
        for c in truth
        if any("globex renewal" in d.lower() for d in c.deals) and "Negotiation" in c.stages
    }
    assert found["hits"] and {h["call_id"] for h in found["hits"]} <= wanted
    now = _search(
        index, "security review", "--deal", "globex renewal", "--stage", "negotiation",
        "--deal-now", "--count",
    )  # fmt: skip
    assert now["sentences"] != found["total"] or not wanted  # stages moved since


def test_participant_spoke_or_not_and_notes_in_all(index, truth):
    found = _search(index, "budget", "--participant", "ravi", "--in", "all", "--limit", "0")
    ravi = {c.id for c in truth if any(k.startswith("ravi") for k in c.participant_keys)}
    assert found["hits"] and {h["call_id"] for h in found["hits"]} <= ravi
    transcript_only = _search(index, "budget", "--participant", "ravi", "--limit", "0")
    assert {h["kind"] for h in transcript_only["hits"]} == {"transcript"}
    assert found["total"] >= transcript_only["total"]
    notes = _search(index, "budget", "--in", "summary", "--limit", "0")
    assert notes["hits"] and {h["kind"] for h in notes["hits"]} <= {
        "brief", "key_point", "highlight", "outline"
    }  # fmt: skip


def test_show_summary_and_header_facts(index, truth):
    call = next(c for c in truth if c.deals and c.sentences)
    shown = cli("--index", str(index), "show", call.id, "--summary", "-f", "table")
    assert shown.exit_code == 0, shown.stderr
    assert "brief" in shown.stdout and "deal: " in shown.stdout
    as_json = json.loads(cli("--index", str(index), "show", call.id, "-f", "json").stdout)
    assert {d["name"] for d in as_json["deals"]} == call.deals
    assert set(as_json["accounts"]) == call.accounts


def test_accounts_command_finds_globex_by_a_fragment(index, truth):
    listed = cli("--index", str(index), "accounts", "glob", "-f", "json")
    assert listed.exit_code == 0, listed.stderr
    names = [a["name"] for a in json.loads(listed.stdout)["accounts"]]
    assert names and all("glob" in n.lower() for n in names)
    globex = [c for c in truth if names[0] in c.accounts]
    assert json.loads(listed.stdout)["accounts"][0]["calls"] == len(globex)
    missing = cli("--index", str(index), "accounts", "zzzzqqq")
    assert missing.exit_code == 1 and "no account matches" in missing.stderr


def test_unknown_filter_values_are_one_line_errors(index):
    for args in (("--deal", "zzzzqqq"), ("--tracker", "zzzzqqq"), ("--language", "xx")):
        result = cli("--index", str(index), "pricing", *args)
        assert result.exit_code == 2 and "Traceback" not in result.stderr
        assert len(result.stderr.strip().splitlines()) == 1, result.stderr
        assert not re.search(r"\b00\w{13,16}\b", result.stderr)  # no CRM id suggested


def test_an_older_catalog_is_refreshed_without_fetching_transcripts(tenant, tmp_path, truth):
    index_dir = tmp_path / "index"
    run_sync(tenant, index_dir)
    usual = _requests_of_a_sync(tenant, index_dir)  # what an incremental sync asks anyway
    _forget_details(index_dir)
    dry = cli("--index", str(index_dir), "sync", "--dry-run", env=sim_env(tenant))
    assert f"{len(truth)} stored calls will have their details refreshed" in dry.stdout
    upgraded = _requests_of_a_sync(tenant, index_dir, "refreshed with CRM")
    assert upgraded["/v2/calls/transcript"] == usual["/v2/calls/transcript"]
    extra = upgraded["/v2/calls/extensive"] - usual["/v2/calls/extensive"]
    assert extra == -(-len(truth) // 100)  # one listing request per 100 stored calls
    assert _search(index_dir, "pricing", "--account", "globex", "--count")["sentences"] > 0


def _requests_of_a_sync(tenant: Simulator, index_dir: Path, says: str = "") -> Counter:
    before = len(tenant.request_log)
    synced = cli("--index", str(index_dir), "sync", env=sim_env(tenant))
    assert synced.exit_code == 0 and says in synced.stdout + synced.stderr, synced.stderr
    return Counter(path for _method, path, _status in tenant.request_log[before:])


def test_reindex_needs_no_network(tenant, tmp_path):
    index_dir = tmp_path / "index"
    run_sync(tenant, index_dir)
    before = len(tenant.request_log)
    assert cli("--index", str(index_dir), "reindex").exit_code == 0
    assert len(tenant.request_log) == before
    assert _search(index_dir, "pricing", "--deal", "renewal", "--count")["sentences"] > 0


def _forget_details(index_dir: Path) -> None:
    """Make the catalog look synced before the whole call was asked for."""
    db = sqlite3.connect(index_dir / CATALOG_NAME)
    rows = db.execute("SELECT id, raw FROM calls").fetchall()
    for call_id, raw in rows:
        call = json.loads(raw)
        call.pop("context", None)
        call["content"] = {"topics": call.get("content", {}).get("topics", [])}
        db.execute("UPDATE calls SET raw = ? WHERE id = ?", (json.dumps(call), call_id))
    db.execute("DELETE FROM state WHERE key = 'details_version'")
    db.commit()
    db.close()


def test_facets_are_never_dropped_from_a_pipe(index):
    """Piped, a search with --facet writes one JSON document (hits and facets); a format
    with a line per hit is refused rather than silently losing the counts."""
    piped = cli("--index", str(index), "pricing", "--facet", "speaker")
    assert piped.exit_code == 0 and "facets" in json.loads(piped.stdout)
    refused = cli("--index", str(index), "pricing", "--facet", "speaker", "-f", "jsonl")
    assert refused.exit_code == 2 and "--facet needs" in refused.stderr
    counted = cli("--index", str(index), "pricing", "--facet", "speaker", "--count", "-f", "jsonl")
    assert "facets" in json.loads(counted.stdout)
