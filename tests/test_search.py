"""The query layer through the real CLI on a hand-written tenant synced over HTTP."""

from __future__ import annotations

import csv
import io
import json
from pathlib import Path

import pytest

from gong_search.search import SearchOptions, count, search

from .conftest import cli
from .crafted import C1, C2, NOW


def hits(index: Path, *args: str) -> list[dict]:
    result = cli(*args, "--index", str(index), "--format", "jsonl", "--limit", "0")
    assert result.exit_code in (0, 1), result.stderr
    return [json.loads(line) for line in result.stdout.splitlines()]


def texts(index: Path, *args: str) -> list[str]:
    return [h["text"] for h in hits(index, *args)]


def test_sentences_with_both_words_rank_above_one_word(crafted_index: Path) -> None:
    found = texts(crafted_index, "pricing", "objection")
    both = {
        "Your pricing is a real objection for our team.",
        "The renewal pricing objection came up again.",
    }
    assert set(found[:2]) == both
    assert "The pricing seems high." in found[2:]  # one word still found, lower


def test_json_reports_hits_matching_all_words(crafted_index: Path) -> None:
    result = cli("pricing objection", "--index", str(crafted_index), "--format", "json")
    data = json.loads(result.stdout)
    assert data["total_all_words"] == 2 and data["total"] > 2
    assert data["schema_version"] == 1 and data["query"] == "pricing objection"


def test_phrase_matches_only_adjacent_words(crafted_index: Path) -> None:
    assert texts(crafted_index, '"pricing objection"') == [
        "The renewal pricing objection came up again."
    ]


def test_all_and_any_modes(crafted_index: Path) -> None:
    assert len(texts(crafted_index, "--all", "pricing objection")) == 2
    assert len(texts(crafted_index, "--any", "pricing objection")) == len(
        texts(crafted_index, "pricing objection")
    )


def test_stemming_and_accent_folding(crafted_index: Path) -> None:
    assert "Your pricing is a real objection for our team." in texts(crafted_index, "objections")
    assert "We had objections last year too." in texts(crafted_index, "objection")
    assert texts(crafted_index, "cafe") == ["Let me show the café dashboard."]
    assert texts(crafted_index, "müller") == []  # names are not transcript text


def test_not_and_minus_exclude(crafted_index: Path) -> None:
    with_not = texts(crafted_index, "pricing NOT discount")
    assert with_not and not any("discount" in t for t in with_not)
    assert texts(crafted_index, "pricing -discount") == with_not


def test_prefix_and_fuzzy(crafted_index: Path) -> None:
    assert "Security review is pending." in texts(crafted_index, "secur*")
    assert "Security review is pending." in texts(crafted_index, "--fuzzy", "securty")
    assert texts(crafted_index, "securty") == []


def test_literal_ignores_syntax(crafted_index: Path) -> None:
    assert texts(crafted_index, "--literal", "pricing objection") == [
        "The renewal pricing objection came up again."
    ]
    assert texts(crafted_index, "--literal", '"unclosed') == []


def test_field_queries(crafted_index: Path) -> None:
    assert set(texts(crafted_index, "pricing", "affiliation:internal")) == {
        "We can offer a discount on pricing."
    }
    assert {h["call_id"] for h in hits(crafted_index, f"call:{C2}", "pricing")} == {C2}


@pytest.mark.parametrize(
    ("args", "expected"),
    [
        (("--speaker", "jon smth"), {"John Smith"}),
        (("--speaker", "JOHN"), {"John Smith"}),
        (("--speaker", "zoe muller"), {"Zoë Müller"}),
        (("--speaker", "john.smith"), {"John Smith"}),
        (("--speaker", "rita", "--speaker", "sam"), {"Rita Rep", "Sam Seller"}),
    ],
)
def test_fuzzy_speaker_filter(crafted_index: Path, args, expected) -> None:
    found = hits(crafted_index, "pricing OR the OR we OR let", *args)
    assert found and {h["speaker_name"] for h in found} == expected


def test_speaker_with_no_match_lists_closest(crafted_index: Path) -> None:
    result = cli("pricing", "--speaker", "xavier", "--index", str(crafted_index))
    assert result.exit_code == 2
    assert "no speaker matches 'xavier'" in result.stderr and "closest:" in result.stderr


def test_matched_speakers_are_reported(crafted_index: Path) -> None:
    result = cli("pricing", "--speaker", "jon smth", "--index", str(crafted_index), "-f", "json")
    assert json.loads(result.stdout)["matched_speakers"] == [
        "John Smith <john.smith@acme-logistics.com> (External)"
    ]


def test_customer_includes_unknown_dial_ins(crafted_index: Path) -> None:
    found = hits(crafted_index, "objections", "--customer")
    assert {h["affiliation"] for h in found} == {"External", "Unknown"}
    assert all(h["affiliation"] == "Internal" for h in hits(crafted_index, "pricing", "--internal"))
    assert {
        h["affiliation"] for h in hits(crafted_index, "objections", "--affiliation", "unknown")
    } == {"Unknown"}


def test_date_call_title_host_account_filters(crafted_index: Path) -> None:
    recent = NOW.date().toordinal() - 20
    from datetime import date

    cutoff = date.fromordinal(recent).isoformat()
    assert {h["call_id"] for h in hits(crafted_index, "pricing", "--from", cutoff)} == {C1}
    assert {h["call_id"] for h in hits(crafted_index, "pricing", "--to", cutoff)} == {C2}
    assert {h["call_id"] for h in hits(crafted_index, "pricing", "--call", C2)} == {C2}
    assert {h["call_id"] for h in hits(crafted_index, "pricing", "--title", "renewal")} == {C2}
    assert {h["call_id"] for h in hits(crafted_index, "pricing", "--host", "rita")} == {C1}
    assert {h["call_id"] for h in hits(crafted_index, "pricing", "--account", "acme")} == {C1}
    combined = hits(crafted_index, "pricing", "--account", "globex", "--customer")
    assert [h["text"] for h in combined] == ["The renewal pricing objection came up again."]


def test_context_never_crosses_calls(crafted_index: Path) -> None:
    found = hits(crafted_index, '"renewal pricing"', "-C", "2")
    assert found[0]["context_before"] == []
    assert [c["text"] for c in found[0]["context_after"]] == [
        "We can offer a discount on pricing.",
        "Security review is pending.",
    ]
    only_before = hits(crafted_index, "dashboard", "-B", "1")[0]
    assert [c["text"] for c in only_before["context_before"]] == [
        "We had objections last year too."
    ] and only_before["context_after"] == []


def test_per_call_cap(crafted_index: Path) -> None:
    found = hits(crafted_index, "pricing", "--per-call", "1")
    assert len(found) == len({h["call_id"] for h in found}) == 2


def test_paging_is_stable_when_many_hits_tie(synced_index: Path) -> None:
    """The synthetic tenant repeats sentences: hundreds of equal scores across pages."""
    ix = str(synced_index)
    everything = [
        json.loads(x)
        for x in cli("the", "--index", ix, "-f", "jsonl", "-n", "60").stdout.splitlines()
    ]
    pages = []
    for offset in (0, 20, 40):
        out = cli("the", "--index", ix, "-f", "jsonl", "-n", "20", "--offset", str(offset))
        pages += [json.loads(x) for x in out.stdout.splitlines()]
    key = [(h["call_id"], h["start_ms"]) for h in pages]
    assert key == [(h["call_id"], h["start_ms"]) for h in everything] and len(set(key)) == 60
    tied = [h for h in everything if h["score"] == everything[0]["score"]]
    assert [h["call_started"] for h in tied] == sorted(
        (h["call_started"] for h in tied), reverse=True
    )


def test_offset_paging_has_no_duplicates_or_gaps(crafted_index: Path) -> None:
    everything = hits(crafted_index, "pricing OR the OR we")
    pages = []
    for offset in range(0, len(everything), 2):
        result = cli(
            "pricing OR the OR we",
            "--index",
            str(crafted_index),
            "-f",
            "jsonl",
            "--limit",
            "2",
            "--offset",
            str(offset),
        )
        pages += [json.loads(x) for x in result.stdout.splitlines()]
    assert [(h["call_id"], h["start_ms"]) for h in pages] == [
        (h["call_id"], h["start_ms"]) for h in everything
    ]


def test_sort_by_date_puts_newest_call_first(crafted_index: Path) -> None:
    found = hits(crafted_index, "pricing", "--sort", "date")
    assert [h["call_id"] for h in found] == sorted(
        (h["call_id"] for h in found), key=lambda c: c != C1
    )


def test_every_format_round_trips_to_the_same_hits(crafted_index: Path, tmp_path: Path) -> None:
    base = ["pricing objection", "--index", str(crafted_index), "-C", "1"]
    as_json = json.loads(cli(*base, "-f", "json").stdout)["hits"]
    as_jsonl = [json.loads(x) for x in cli(*base, "-f", "jsonl").stdout.splitlines()]
    assert as_json == as_jsonl
    assert cli(*base, "--csv", str(tmp_path / "out.csv")).exit_code == 0
    raw = (tmp_path / "out.csv").read_bytes()
    assert raw.startswith(b"\xef\xbb\xbf")
    rows = list(csv.DictReader(io.StringIO(raw.decode("utf-8-sig"))))
    assert [r["call_id"] for r in rows] == [h["call_id"] for h in as_json]
    assert [r["text"] for r in rows] == [h["text"] for h in as_json]
    assert [float(r["score"]) for r in rows] == [h["score"] for h in as_json]
    assert [r["all_words"] == "True" for r in rows] == [h["all_words"] for h in as_json]
    for hit in as_json:
        assert hit["call_url"].endswith(hit["call_id"]) and isinstance(hit["call_id"], str)
        assert set(hit) >= {
            "call_title",
            "call_started",
            "speaker_name",
            "speaker_email",
            "affiliation",
            "start_ms",
            "end_ms",
            "at",
            "score",
            "context_before",
            "context_after",
        }


def test_csv_neutralises_formula_cells(crafted_index: Path, tmp_path: Path) -> None:
    out = tmp_path / "x.csv"
    cli("hyperlink OR dash", "--index", str(crafted_index), "--csv", str(out))
    rows = list(csv.DictReader(io.StringIO(out.read_text(encoding="utf-8-sig"))))
    cells = [r["text"] for r in rows]
    assert '\'=HYPERLINK("http://evil.example","click")' in cells
    assert "'-starts with a dash" in cells
    assert not any(c[:1] in "=+-@\t\r" for r in rows for c in r.values() if c)


def test_markup_looking_text_prints_intact(crafted_index: Path) -> None:
    result = cli("inaudible", "--index", str(crafted_index), "-f", "table")
    assert "[inaudible] and [bold]not bold[/bold]" in result.stdout


def test_count_only(crafted_index: Path) -> None:
    result = cli("pricing", "--count", "--index", str(crafted_index), "-f", "json")
    assert json.loads(result.stdout) == {"schema_version": 1, "sentences": 4, "calls": 2}


@pytest.mark.parametrize(
    ("query", "message"),
    [
        ('"unclosed', "unbalanced quote"),
        ("(pricing", "unbalanced parenthesis"),
        ("pricing)", "unbalanced parenthesis"),
        ("nosuchfield:x", "unknown field 'nosuchfield'"),
        ("   ", "empty query"),
        ("NOT pricing", "no searchable word"),
        ("!!!", "no searchable word"),
    ],
)
def test_malformed_queries_are_one_line_exit_2(crafted_index: Path, query, message) -> None:
    result = cli("search", query, "--index", str(crafted_index))
    assert result.exit_code == 2
    assert message in result.stderr and len(result.stderr.strip().splitlines()) == 1


@pytest.mark.parametrize(
    "args",
    [
        ("--limit", "-1"),
        ("--from", "someday"),  # "yesterday" is a date since issue 16
        ("--from", "2026-02-01", "--to", "2026-01-01"),
        ("--sort", "size"),
        ("--format", "xml"),
        ("--affiliation", "partner"),
    ],
)
def test_bad_options_exit_2(crafted_index: Path, args) -> None:
    result = cli("pricing", *args, "--index", str(crafted_index))
    assert result.exit_code == 2 and "Traceback" not in result.stderr


def test_exit_codes_like_grep(crafted_index: Path, tmp_path: Path) -> None:
    assert cli("pricing", "--index", str(crafted_index)).exit_code == 0
    assert cli("zebra", "--index", str(crafted_index)).exit_code == 1
    missing = cli("pricing", "--index", str(tmp_path / "nope"))
    assert missing.exit_code == 2 and "no gong-search index here" in missing.stderr


def test_bare_query_equals_search_command_and_options_go_anywhere(crafted_index: Path) -> None:
    ix = str(crafted_index)
    bare = cli("pricing", "--index", ix, "-f", "jsonl").stdout
    assert cli("search", "pricing", "--index", ix, "-f", "jsonl").stdout == bare
    assert cli("--index", ix, "-f", "jsonl", "pricing").stdout == bare


def test_search_for_a_command_name_and_dash_queries(crafted_index: Path) -> None:
    ix = str(crafted_index)
    assert cli("search", "sync", "--index", ix).exit_code == 1  # searched, nothing found
    dash = cli("--index", ix, "-f", "jsonl", "--", "-discount", "pricing")
    assert dash.exit_code == 0 and "discount" not in dash.stdout


def test_near_miss_command_hints_but_searches(crafted_index: Path) -> None:
    result = cli("stauts", "--index", str(crafted_index))
    assert "did you mean the `status` command?" in result.stderr
    assert result.exit_code == 1


def test_library_api_matches_cli(crafted_index: Path) -> None:
    result = search(crafted_index, "pricing objection", SearchOptions(limit=2))
    assert [h.call_id for h in result.hits] == [
        h["call_id"] for h in hits(crafted_index, "pricing objection")[:2]
    ]
    assert result.total_all_words == 2 and result.next_offset == 2


def test_call_fields_in_the_query_act_as_call_filters(crafted_index: Path) -> None:
    assert {h["call_id"] for h in hits(crafted_index, "pricing title:renewal")} == {C2}
    assert {h["call_id"] for h in hits(crafted_index, "pricing account:acme-logistics.com")} == {C1}
    assert {h["call_id"] for h in hits(crafted_index, 'pricing host:"sam seller"')} == {C2}
    for bad in ("title:renewal", "pricing OR title:renewal"):
        result = cli(bad, "--index", str(crafted_index))
        assert result.exit_code == 2 and "title:" in result.stderr


def test_count_matches_search_total_with_filters(crafted_index: Path) -> None:
    ix = str(crafted_index)
    counted = json.loads(
        cli("pricing", "--customer", "--count", "--index", ix, "-f", "json").stdout
    )
    searched = json.loads(cli("pricing", "--customer", "--index", ix, "-f", "json").stdout)
    assert counted["sentences"] == searched["total"] == len(searched["hits"])


def test_totals_are_exact_whatever_the_page_size(synced_index: Path) -> None:
    """Totals used to stop counting at a cap (and before that, to undercount while saying
    they were exact): every mode now reports the same exact total for any page size."""
    for mode in ("default", "any", "all"):
        counted, _calls = count(synced_index, "the we", SearchOptions(mode=mode))
        for limit in (1, 20, 0):
            result = search(synced_index, "the we", SearchOptions(mode=mode, limit=limit))
            assert result.total == counted and result.total_exact is True
    counted, _calls = count(synced_index, "the we")
    shown = cli("the we", "--index", str(synced_index), "-f", "table").stdout
    assert f"{counted} matching sentences" in shown and "next page: --offset 20" in shown


def test_explicit_and_is_strict_and_boolean_groups_work(crafted_index: Path) -> None:
    assert texts(crafted_index, "pricing AND discount") == ["We can offer a discount on pricing."]
    assert set(texts(crafted_index, "pricing AND (objection OR high) NOT renewal")) == {
        "Your pricing is a real objection for our team.",
        "The pricing seems high.",
    }
    assert texts(crafted_index, '"renewal pricing" NOT discount') == [
        "The renewal pricing objection came up again."
    ]


def test_prefix_finds_words_whose_stem_is_shorter_than_the_prefix(crafted_index: Path) -> None:
    assert "Security review is pending." in texts(crafted_index, "securit*")
    assert "We had objections last year too." in texts(crafted_index, "objectio*")


def test_hyphenated_words_are_not_exclusions(crafted_index: Path) -> None:
    assert texts(crafted_index, "acme-logistics") == texts(crafted_index, "acme logistics")


def test_an_index_with_no_sentences_yet_answers_no_hits(tmp_path: Path) -> None:
    """What searches see while a first sync has not committed its first page."""
    from gong_search.catalog import Catalog
    from gong_search.engine import open_engine

    Catalog(tmp_path / "ix").close()
    open_engine(tmp_path / "ix").prepare()
    for args in ((), ("--customer", "--from", "2026-01-01"), ("--sort", "date"), ("-C", "1")):
        result = cli("pricing", *args, "--index", str(tmp_path / "ix"))
        assert result.exit_code == 1 and result.stdout == "" and result.stderr == ""


def test_prefix_on_a_call_field_is_a_call_filter(crafted_index: Path) -> None:
    assert {h["call_id"] for h in hits(crafted_index, "pricing account:acme*")} == {C1}
    result = cli("account:a*", "--index", str(crafted_index))
    assert result.exit_code == 2 and "besides title:, host:, account:" in result.stderr


def test_huge_or_deep_queries_are_refused_in_one_line_and_quickly(
    synced_index: Path, monkeypatch
) -> None:
    """Hostile input of issue 12: 1,000 nested parentheses and a 100 KB --title were
    RecursionError tracebacks, one 100 KB token took 47 s, ``a*`` 22 s on a big index."""
    import time

    from gong_search.engines.whoosh import query as planner

    from .test_hostile_input import assert_one_line_exit_2

    ix = str(synced_index)
    cases = {
        "(" * 900 + "pricing" + ")" * 900: "nests parentheses 900 deep",
        "x" * 100_000: "100,000 characters long",
    }
    for query, message in cases.items():
        started = time.monotonic()
        result = cli(query, "--index", ix)
        assert message in assert_one_line_exit_2(result) and time.monotonic() - started < 5
    titled = cli("pricing", "--index", ix, "--title", "renewal " * 12_500)
    assert "--title is 100,000 characters long" in assert_one_line_exit_2(titled)
    monkeypatch.setattr(planner, "MAX_EXPANSIONS", 5)
    assert "give more letters" in assert_one_line_exit_2(cli("a*", "--index", ix))
    assert cli("pric*", "--index", ix, "-f", "json").exit_code == 0  # a real prefix still works


@pytest.mark.parametrize(
    "query",
    ['speaker:"ana lee"', 'pricing speaker:("a b")', 'NOT speaker:"a-b" pricing', '*speaker:"a a"'],
)
def test_a_phrase_in_the_speaker_field_means_its_words(crafted_index: Path, query) -> None:
    """Found by hypothesis: Whoosh failed mid-search (exit 3), the speaker field has no
    word positions; a quoted phrase there now means all of its words."""
    result = cli(query, "--index", str(crafted_index))
    assert result.exit_code in (0, 1) and result.stderr == ""
    both = hits(crafted_index, 'pricing speaker:"john smith"')
    assert both and {h["speaker_name"] for h in both} == {"John Smith"}
    assert hits(crafted_index, 'pricing speaker:"john seller"') == []


def test_show_query_prints_the_tiers_call_filters_and_lowercase_operator_note(
    crafted_index: Path,
) -> None:
    ix = str(crafted_index)
    shown = cli("pricing objection title:renewal", "--show-query", "--index", ix)
    assert shown.exit_code == 0 and shown.stdout.splitlines() == [
        "every word: (text:price AND text:object)",
        "any word: (text:price OR text:object)",
        "call filter: title:renewal",
    ]
    note = cli("pricing or discount", "--show-query", "--index", ix).stdout
    assert "note: or searched as words; operators are upper case" in note
    strict = cli("pricing OR discount", "--show-query", "--index", ix).stdout
    assert strict == "matches: (text:price OR text:discount)\n"
    args = ("--customer", "--speaker", "john", "--account", "acme", "--show-query", "--index", ix)
    filtered = cli("pricing", *args).stdout.splitlines()
    assert filtered[1:] == [
        "filter affiliation: external, unknown",
        "filter account: acme-logistics.com",
        "speaker: John Smith <john.smith@acme-logistics.com> (External)",
    ]
