"""Issue 11 (a new user's first pass): dash words in queries, one format list per command,
counts that read as English, and paging lines that make sense at the edges."""

from __future__ import annotations

import json
from pathlib import Path

import pytest

from .conftest import cli


def jsonl(result) -> list[dict]:
    assert result.exit_code in (0, 1), result.stderr
    return [json.loads(line) for line in result.stdout.splitlines()]


# -- a. dash words after the query are query words ----------------------------------------


def test_dash_word_after_the_query_excludes_it_like_the_quoted_query(crafted_index: Path) -> None:
    ix = str(crafted_index)
    quoted = cli("pricing -discount", "--index", ix, "-f", "jsonl")
    bare = cli("pricing", "-discount", "--index", ix, "-f", "jsonl")
    assert bare.exit_code == 0, bare.stderr
    assert bare.stdout == quoted.stdout
    assert "discount" not in bare.stdout and "pricing" in bare.stdout.lower()


def test_real_options_still_work_after_the_query(crafted_index: Path) -> None:
    ix = str(crafted_index)
    assert len(jsonl(cli("pricing", "-n", "1", "--index", ix, "-f", "jsonl"))) == 1
    assert len(jsonl(cli("pricing", "-discount", "-n", "2", "--index", ix, "-fjsonl"))) == 2
    assert len(jsonl(cli("pricing", "-n1", "--index", ix, "--format=jsonl"))) == 1


def test_dash_word_between_query_words_keeps_their_order(crafted_index: Path) -> None:
    ix = str(crafted_index)
    quoted = cli("search", "pricing -discount objection", "--index", ix, "-f", "jsonl")
    bare = cli("search", "pricing", "-discount", "objection", "--index", ix, "-f", "jsonl")
    assert bare.stdout == quoted.stdout and bare.exit_code == quoted.exit_code == 0


@pytest.mark.parametrize(
    ("args", "hint"),
    [
        (("-trial", "pricing"), "quote the query: gong-search -- '-trial pricing'"),
        (("pricing", "-onboarding"), "quote the query: gong-search 'pricing -onboarding'"),
    ],
)
def test_ambiguous_dash_words_say_to_quote_the_query(crafted_index: Path, args, hint) -> None:
    result = cli(*args, "--index", str(crafted_index))
    assert result.exit_code == 2
    assert hint in result.stderr and "Traceback" not in result.stderr
    assert len(result.stderr.strip().splitlines()) == 1, result.stderr


def test_search_help_says_operators_are_uppercase() -> None:
    out = " ".join(cli("search", "--help").stdout.split())
    assert "operators are uppercase AND OR NOT" in out
    assert "lowercase and/or are searched as words" in out


# -- b. one format list per command --------------------------------------------------------

FORMATS = {
    "search": ("table", "json", "jsonl", "csv"),
    "show": ("table", "json", "jsonl", "text"),
    "speakers": ("table", "json", "jsonl"),
    "status": ("table", "json"),
}


def _command(name: str, ix: str) -> list[str]:
    from .crafted import C1

    return {
        "search": ["search", "pricing"],
        "show": ["show", C1],
        "speakers": ["speakers"],
        "status": ["status"],
    }[name] + ["--index", ix]


@pytest.mark.parametrize("name", list(FORMATS))
def test_help_lists_exactly_the_formats_the_command_accepts(name: str, crafted_index) -> None:
    help_text = cli(name, "--help").stdout
    assert "[" + "|".join(FORMATS[name]) + "]" in help_text, help_text
    for fmt in FORMATS[name]:
        result = cli(*_command(name, str(crafted_index)), "-f", fmt)
        assert result.exit_code == 0, (name, fmt, result.stderr)


UNKNOWN = [(n, f) for n in FORMATS for f in ("text", "xml", "csv", "jsonl") if f not in FORMATS[n]]


@pytest.mark.parametrize(("name", "fmt"), UNKNOWN)
def test_an_unknown_format_is_a_one_line_usage_error(name: str, fmt: str, crafted_index) -> None:
    result = cli(*_command(name, str(crafted_index)), "-f", fmt)
    assert result.exit_code == 2, (name, fmt, result.stdout)
    assert result.stdout == "" and "Traceback" not in result.stderr
    assert len(result.stderr.strip().splitlines()) == 1, result.stderr
    assert repr(fmt) in result.stderr and all(f in result.stderr for f in FORMATS[name])


# -- c. counts and paging read as English --------------------------------------------------


def test_one_hit_is_singular(crafted_index: Path) -> None:
    ix = str(crafted_index)
    table = cli("security", "--index", ix, "-f", "table").stdout
    assert "1 matching sentence (1 with all words); showing 1-1" in table
    count = cli("security", "--count", "--index", ix, "-f", "table").stdout
    assert count.strip() == "1 matching sentence in 1 call"


def test_no_hits_reads_sensibly(crafted_index: Path) -> None:
    out = cli("zebra", "--index", str(crafted_index), "-f", "table").stdout
    assert "showing 0-0" not in out and "no matching sentences" in out


def test_offset_past_the_end_says_so(crafted_index: Path) -> None:
    result = cli("pricing", "--offset", "400", "--index", str(crafted_index), "-f", "table")
    assert result.exit_code == 1
    assert "showing" not in result.stdout
    assert "no hits on this page (offset 400 of 4)" in result.stdout


def test_sync_summary_and_csv_note_are_pluralised(tmp_path: Path) -> None:
    from .conftest import make_simulator, sim_env
    from .crafted import write_tenant

    with make_simulator(tenant_dir=write_tenant(tmp_path / "tenant")) as sim:
        result = cli("sync", "--rate", "0", "--index", str(tmp_path / "ix"), env=sim_env(sim))
    assert result.exit_code == 0, result.stderr
    assert "1 private call skipped" in result.stdout, result.stdout
    out = tmp_path / "one.csv"
    done = cli("security", "--index", str(tmp_path / "ix"), "--csv", str(out))
    assert f"wrote 1 hit to {out}" in done.stderr
