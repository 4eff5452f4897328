"""Saved searches through the real CLI on a synced copy of the simulator's tenant: add,
list, show, rm, run (with overrides and facets), export/import round trips, refusals."""

from __future__ import annotations

import json
import shutil
import sqlite3
import tomllib
from pathlib import Path

import pytest

from gong_search.index_dir import CATALOG_NAME

from .conftest import cli


@pytest.fixture
def ix(synced_index: Path, tmp_path: Path) -> Path:
    """A private copy of the shared synced index: saved searches write to its catalog."""
    copy = tmp_path / "ix"
    shutil.copytree(synced_index, copy)
    return copy


def jsonl(text: str) -> list[dict]:
    return [json.loads(line) for line in text.splitlines() if line.strip()]


def search_rows(ix: Path, *args: str) -> list[dict]:
    result = cli("search", "--index", str(ix), *args, "-f", "jsonl")
    assert result.exit_code in (0, 1), result.stderr
    return jsonl(result.stdout)


def test_saved_run_gives_what_the_same_search_gives(ix: Path) -> None:
    flags = ("--customer", "--limit", "7", "--sort", "date")
    added = cli("saved", "add", "pricing", "budget OR pricing", *flags, "--index", str(ix))
    assert added.exit_code == 0, added.stderr
    ran = cli("saved", "run", "pricing", "--index", str(ix), "-f", "jsonl")
    expected = search_rows(ix, "budget OR pricing", *flags)
    assert ran.exit_code == 0 and expected
    assert jsonl(ran.stdout) == expected
    assert all(h["affiliation"] != "Internal" for h in expected)


def test_run_options_override_the_saved_ones(ix: Path) -> None:
    cli("saved", "add", "budget", "budget", "--customer", "--limit", "3", "--index", str(ix))
    ran = cli("saved", "run", "budget", "--limit", "5", "--internal", "--index", str(ix))
    assert ran.exit_code == 2 and "--customer and --internal" in ran.stderr  # merged, checked
    ran = cli("saved", "run", "budget", "--limit", "5", "--index", str(ix), "-f", "jsonl")
    assert jsonl(ran.stdout) == search_rows(ix, "budget", "--customer", "--limit", "5")


def test_saved_run_with_facets_counts_like_search(ix: Path) -> None:
    cli("saved", "add", "renewal", "renewal", "--index", str(ix))
    ran = cli("saved", "run", "renewal", "--from", "2020-01-01", "--facet", "account",
              "--index", str(ix), "-f", "json")  # fmt: skip
    direct = cli("search", "renewal", "--from", "2020-01-01", "--facet", "account",
                 "--index", str(ix), "-f", "json")  # fmt: skip
    assert ran.exit_code == 0, ran.stderr
    got, want = json.loads(ran.stdout), json.loads(direct.stdout)
    assert got["facets"] == want["facets"] and got["facets"]["account"]


def test_count_on_a_saved_search(ix: Path) -> None:
    cli("saved", "add", "sec", '"SOC 2" OR GDPR', "--index", str(ix))
    ran = cli("saved", "run", "sec", "--count", "--index", str(ix), "-f", "json")
    direct = cli("search", '"SOC 2" OR GDPR', "--count", "--index", str(ix), "-f", "json")
    assert ran.exit_code == 0 and json.loads(ran.stdout) == json.loads(direct.stdout)


def test_list_show_and_rm(ix: Path) -> None:
    cli("saved", "add", "one", "budget", "--from", "30d", "--index", str(ix))
    cli("saved", "add", "two", "pricing", "--speaker", "ana", "--all", "--index", str(ix))
    listed = cli("saved", "list", "--index", str(ix), "-f", "jsonl")
    rows = {r["name"]: r for r in jsonl(listed.stdout)}
    assert set(rows) == {"one", "two"}
    assert rows["one"]["options"] == {"start": "30d"}  # as typed: stays relative
    assert rows["two"]["options"] == {"speakers": ["ana"], "mode": "all"}
    shown = cli("saved", "show", "two", "--index", str(ix), "-f", "table")
    assert shown.exit_code == 0 and "--speaker ana" in shown.stdout and "--all" in shown.stdout
    assert cli("saved", "rm", "one", "--index", str(ix)).exit_code == 0
    listed = cli("--index", str(ix), "saved", "list", "-f", "json")  # options first work too
    assert [r["name"] for r in json.loads(listed.stdout)["saved_searches"]] == ["two"]
    gone = cli("saved", "show", "one", "--index", str(ix))
    assert gone.exit_code == 2 and "no saved search named 'one'" in gone.stderr
    assert cli("saved", "rm", "one", "--index", str(ix)).exit_code == 2


@pytest.mark.parametrize(
    ("args", "says"),
    [
        (("--limit", "-3"), "--limit must not be negative"),
        (("--from", "someday"), "--from"),
        (("--from", "2026-02-01", "--to", "2026-01-01"), "--to"),
        (("--customer", "--internal"), "--customer and --internal"),
        (("--facet", "colour"), "--facet"),
        (("--format", "json"), "--format is for run"),
        (("--all", "--any"), "choose one of --all, --any, --literal"),
    ],
)
def test_invalid_options_are_refused_at_add(ix: Path, args: tuple[str, ...], says: str) -> None:
    result = cli("saved", "add", "bad", "budget", *args, "--index", str(ix))
    assert result.exit_code == 2 and says in result.stderr
    assert len(result.stderr.strip().splitlines()) == 1 and "Traceback" not in result.stderr
    assert cli("saved", "show", "bad", "--index", str(ix)).exit_code == 2  # nothing stored


def test_a_bad_query_and_a_taken_name_are_refused(ix: Path) -> None:
    bad = cli("saved", "add", "q", '"unclosed', "--index", str(ix))
    assert bad.exit_code == 2 and "Traceback" not in bad.stderr
    assert cli("saved", "add", "q", "budget", "--index", str(ix)).exit_code == 0
    taken = cli("saved", "add", "q", "pricing", "--index", str(ix))
    assert taken.exit_code == 2 and "--replace" in taken.stderr
    assert cli("saved", "add", "q", "pricing", "--replace", "--index", str(ix)).exit_code == 0
    shown = json.loads(cli("saved", "show", "q", "--index", str(ix), "-f", "json").stdout)
    assert shown["saved_searches"][0]["query"] == "pricing"


def test_run_of_an_unknown_name_and_words_after_the_name_are_errors(ix: Path) -> None:
    cli("saved", "add", "known", "budget", "--index", str(ix))
    unknown = cli("saved", "run", "nope", "--index", str(ix))
    assert unknown.exit_code == 2 and "'known'" in unknown.stderr
    words = cli("saved", "run", "known", "pricing", "--index", str(ix))
    assert words.exit_code == 2 and "options only" in words.stderr


def test_no_hits_exit_1(ix: Path) -> None:
    cli("saved", "add", "none", "zzzqqqxxy", "--index", str(ix))
    ran = cli("saved", "run", "none", "--index", str(ix), "-f", "jsonl")
    assert ran.exit_code == 1 and ran.stdout == ""


@pytest.mark.parametrize("suffix", [".json", ".toml"])
def test_export_then_import_round_trips(ix: Path, tmp_path: Path, suffix: str) -> None:
    odd = 'say "hi"\\ ünï \U0001f600'  # quotes, backslash, accents, an emoji
    cli("saved", "add", odd, "budget\x7f", "--customer", "--from", "30d", "--tz", "Europe/Berlin",
        "--index", str(ix))  # fmt: skip
    cli("saved", "add", "plain", '"list price"', "--facet", "account,speaker", "--limit", "0",
        "--index", str(ix))  # fmt: skip
    before = json.loads(cli("saved", "list", "--index", str(ix), "-f", "json").stdout)
    assert len(before["saved_searches"]) == 2
    shared = tmp_path / f"team{suffix}"
    assert cli("saved", "export", str(shared), "--index", str(ix)).exit_code == 0
    parsed = (tomllib.loads if suffix == ".toml" else json.loads)(shared.read_text())
    assert len(parsed["saved_searches"]) == 2
    other = tmp_path / "other"
    shutil.copytree(ix, other)
    for name in (odd, "plain"):
        cli("saved", "rm", name, "--index", str(other))
    imported = cli("saved", "import", str(shared), "--index", str(other))
    assert imported.exit_code == 0, imported.stderr
    after = json.loads(cli("saved", "list", "--index", str(other), "-f", "json").stdout)
    assert after == before


def test_export_to_stdout_is_json(ix: Path) -> None:
    cli("saved", "add", "b", "budget", "--index", str(ix))
    out = cli("saved", "export", "--index", str(ix))
    assert json.loads(out.stdout)["saved_searches"][0]["name"] == "b"


@pytest.mark.parametrize(
    ("content", "says"),
    [
        ("{not json", "not valid JSON"),
        ('{"saved_searches": [{"name": "x", "options": {"limit": -1}}]}', "--limit"),
        ('{"saved_searches": [{"name": "x", "options": {"colour": 1}}]}', "unknown option"),
        ('{"saved_searches": [{"query": "x"}]}', "needs a name"),
        ('{"searches": []}', "saved_searches"),
    ],
)
def test_import_refuses_a_bad_file_whole(ix: Path, tmp_path: Path, content: str, says: str) -> None:
    bad = tmp_path / "bad.json"
    bad.write_text(content)
    result = cli("saved", "import", str(bad), "--index", str(ix))
    assert result.exit_code == 2 and says in result.stderr, result.stderr
    assert cli("saved", "list", "--index", str(ix)).exit_code == 1  # nothing imported


def test_an_older_catalog_gets_the_tables_and_numbers_its_calls(ix: Path) -> None:
    db = sqlite3.connect(ix / CATALOG_NAME)
    calls = db.execute("SELECT count(*) FROM calls").fetchone()[0]
    db.execute("DROP TABLE saved_searches")
    db.execute("DROP TABLE call_sequence")
    db.commit()
    db.close()
    assert cli("saved", "list", "--index", str(ix)).exit_code == 1  # read-only: none yet
    assert cli("saved", "add", "b", "budget", "--index", str(ix)).exit_code == 0
    db = sqlite3.connect(ix / CATALOG_NAME)
    numbered = db.execute("SELECT count(*), count(DISTINCT seq) FROM call_sequence").fetchone()
    assert numbered == (calls, calls)


def test_saving_where_there_is_no_index_creates_none(tmp_path: Path) -> None:
    missing = tmp_path / "typo"
    result = cli("saved", "add", "b", "budget", "--index", str(missing))
    assert result.exit_code == 2 and "no gong-search index here" in result.stderr
    assert not missing.exists()
