"""Issue 16 (CLI manners people expect from ripgrep, gh and sqlite-utils), through the real
CLI: --version, completion, --color, help at 80 columns, dates, one time-zone rule, show,
one rule for formats in pipes, spreadsheet columns."""

from __future__ import annotations

import csv
import io
import json
import os
import platform
import shlex
import subprocess
import sys
from datetime import UTC, datetime, timedelta
from importlib import metadata
from pathlib import Path

import pytest
import typer.main
from typer.testing import CliRunner

import gong_search
from gong_search.cli import app
from gong_search.names import is_crm_id

from .conftest import cli
from .crafted import C1, C2, CALLS, NOW


def ids(result) -> set[str]:
    assert result.exit_code in (0, 1), result.stderr
    return {json.loads(line)["call_id"] for line in result.stdout.splitlines()}


# -- --version -----------------------------------------------------------------------------


@pytest.mark.parametrize("args", [("--version",), ("-V",), ("status", "--version")])
def test_version_names_package_python_whoosh_and_schemas(args) -> None:
    result = cli(*args)
    assert result.exit_code == 0, result.stderr
    assert f"gong-search {gong_search.__version__}" in result.stdout
    assert f"Python {platform.python_version()}" in result.stdout
    assert f"whoosh-reloaded {metadata.version('whoosh-reloaded')}" in result.stdout
    assert "index schema " in result.stdout and "JSON schema_version 1" in result.stdout


def test_version_after_double_dash_is_a_query_word(crafted_index: Path) -> None:
    result = cli("--index", str(crafted_index), "--", "--version")
    assert result.exit_code == 2 and "gong-search 0" not in result.stdout


# -- shell completion ----------------------------------------------------------------------


@pytest.mark.parametrize("shell", ["bash", "zsh", "fish"])
def test_completion_prints_a_script_for_each_shell(shell: str) -> None:
    result = cli("completion", shell)
    assert result.exit_code == 0 and "_GONG_SEARCH_COMPLETE" in result.stdout
    assert "gong-search" in result.stdout


def complete(words: str, env: dict[str, str] | None = None) -> list[str]:
    """What bash is offered for the last word of ``words`` (a trailing space: a new word)."""
    cword = len(words.split()) - (0 if words.endswith(" ") else 1)
    env = {"COMP_WORDS": words, "COMP_CWORD": str(cword), "_GONG_SEARCH_COMPLETE": "complete_bash"}
    result = CliRunner().invoke(app, [], env=env, prog_name="gong-search")
    assert result.exit_code == 0, result.output
    return [line for line in result.stdout.splitlines() if line]


def test_completion_offers_speakers_and_accounts_from_the_index(crafted_index: Path) -> None:
    ix = str(crafted_index)
    assert complete(f"gong-search pricing --index {ix} --speaker jo") == [
        "john.smith@acme-logistics.com"
    ]
    assert "zoe@globex.io" in complete(f"gong-search pricing --index {ix} --speaker zo")
    assert complete(f"gong-search pricing --index {ix} --account ac") == ["acme-logistics.com"]


def test_completion_offers_choices_commands_and_nothing_without_an_index(tmp_path) -> None:
    assert complete("gong-search pricing -f ") == ["table", "json", "jsonl", "csv"]
    assert complete("gong-search pricing --sort ") == ["relevance", "date"]
    assert "completion" in complete("gong-search comp")
    assert complete(f"gong-search x --index {tmp_path / 'none'} --speaker a") == []


def test_completion_variable_without_a_shell_is_one_line_not_a_traceback() -> None:
    env = {**os.environ, "_GONG_SEARCH_COMPLETE": "complete_bash"}
    env.pop("COMP_WORDS", None)
    done = subprocess.run(
        [sys.executable, "-m", "gong_search"], env=env, capture_output=True, text=True
    )
    assert done.returncode != 0 and "Traceback" not in done.stderr
    assert len(done.stderr.strip().splitlines()) == 1, done.stderr


# -- --color -------------------------------------------------------------------------------


def test_color_always_colours_a_pipe_and_never_wins_over_force_color(crafted_index) -> None:
    ix = str(crafted_index)
    always = cli("pricing", "--index", ix, "--color", "always")  # CliRunner: a pipe
    assert always.exit_code == 0 and "\x1b[" in always.stdout
    assert "matching sentences" in always.stdout  # colour is for people: a table
    never = cli("pricing", "--index", ix, "-f", "table", "--color=never", env={"FORCE_COLOR": "1"})
    assert never.exit_code == 0 and "\x1b[" not in never.stdout
    auto = cli("--color", "auto", "show", C1, "--index", ix, "-f", "table")
    assert auto.exit_code == 0 and "\x1b[" not in auto.stdout


def test_a_bad_color_value_is_a_one_line_usage_error() -> None:
    result = cli("pricing", "--color", "sometimes")
    assert result.exit_code == 2 and "auto, always or never" in result.stderr
    assert len(result.stderr.strip().splitlines()) == 1


# -- help ----------------------------------------------------------------------------------

COMMANDS = sorted(typer.main.get_command(app).commands)  # type: ignore[attr-defined]


@pytest.mark.parametrize("command", ["", *COMMANDS])
def test_every_help_fits_80_columns_and_has_examples(command: str) -> None:
    args = [command, "--help"] if command else ["--help"]
    result = cli(*args, env={"COLUMNS": "80"})
    assert result.exit_code == 0, result.stderr
    lines = result.stdout.splitlines()
    assert not [line for line in lines if len(line) > 80], command
    assert "…" not in result.stdout and "\\[" not in result.stdout
    assert "Examples:" in result.stdout, command


def test_top_level_help_says_query_is_short_for_search_and_lists_exit_codes() -> None:
    raw = cli("--help", env={"COLUMNS": "80"}).stdout
    out = " ".join(raw.split())
    assert "`gong-search QUERY [OPTIONS]` is short for `gong-search search QUERY [OPTIONS]`" in out
    assert "Exit codes: 0" in out and "--color [auto|always|never]" in out
    commands = raw.split("Commands:")[1].strip().splitlines()
    assert len(commands) == len(COMMANDS)
    assert not [line for line in commands if line.endswith("...")], commands  # cut short


def test_search_help_lists_the_choices_of_sort_and_affiliation() -> None:
    out = cli("search", "--help").stdout
    assert "[relevance|date]" in out and "[internal|external|unknown]" in out


def test_sync_help_says_the_secret_flag_is_visible() -> None:
    out = " ".join(cli("sync", "--help").stdout.split())
    assert "visible to other users in the process list" in out
    assert "--secret-key-stdin" in out


# -- dates ---------------------------------------------------------------------------------


def search_ids(ix: Path, *options: str) -> set[str]:
    return ids(cli("pricing", "--index", str(ix), "-f", "jsonl", "-n", "0", *options))


def test_relative_dates_mean_that_long_before_now(crafted_index: Path) -> None:
    assert CALLS[C1][1] == 10 and CALLS[C2][1] == 40  # days ago
    assert search_ids(crafted_index, "--from", "20d") == {C1}
    assert search_ids(crafted_index, "--from", "3w") == {C1}
    assert search_ids(crafted_index, "--from", "2m") == {C1, C2}
    assert search_ids(crafted_index, "--to", "20d") == {C2}
    iso = (datetime.now(UTC) - timedelta(days=20)).isoformat()
    assert search_ids(crafted_index, "--from", iso) == search_ids(crafted_index, "--from", "20d")


@pytest.mark.parametrize(
    "words", ["today", "yesterday", "last week", "this week", "this quarter", "last quarter"]
)
def test_period_words_are_accepted(crafted_index: Path, words: str) -> None:
    result = cli("pricing", "--index", str(crafted_index), "--from", words, "-f", "jsonl")
    assert result.exit_code in (0, 1), result.stderr


def test_a_period_as_to_ends_after_it() -> None:
    from gong_search.dates import parse_when

    start = parse_when("yesterday", "UTC", option="--from")
    end = parse_when("yesterday", "UTC", option="--to")
    assert end - start == timedelta(days=1) and end.date() == datetime.now(UTC).date()
    first = parse_when("last quarter", "UTC", option="--from")
    after = parse_when("last quarter", "UTC", option="--to")
    assert first.day == after.day == 1 and first.month % 3 == after.month % 3 == 1
    assert after == parse_when("this quarter", "UTC", option="--from")
    assert 89 <= (after - first).days <= 92


def test_unpadded_iso_dates_equal_padded_ones(crafted_index: Path) -> None:
    day = (NOW - timedelta(days=20)).date()
    loose = f"{day.year}-{day.month}-{day.day}"
    padded = day.isoformat()
    assert search_ids(crafted_index, "--from", loose, "--tz", "UTC") == search_ids(
        crafted_index, "--from", padded, "--tz", "UTC"
    )


def test_slashed_dates_are_refused_saying_why(crafted_index: Path) -> None:
    result = cli("pricing", "--index", str(crafted_index), "--from", "11/05/2026")
    assert result.exit_code == 2
    error = json.loads(result.stderr)["error"]
    assert "ambiguous" in error and "2026-11-05" in error and "2026-05-11" in error
    result = cli("pricing", "--index", str(crafted_index), "--from", "25/12/2026")
    assert result.exit_code == 2 and "2026-12-25" in result.stderr


# -- one time-zone rule --------------------------------------------------------------------


def test_search_headers_and_show_are_in_the_tz_zone_with_its_label(crafted_index) -> None:
    ix = str(crafted_index)
    started = NOW - timedelta(days=CALLS[C1][1])
    for zone, label in (("UTC", "UTC"), ("Asia/Tokyo", "JST")):
        here = started.astimezone(__import__("zoneinfo").ZoneInfo(zone))
        stamp = f"{here:%Y-%m-%d %H:%M} {label}"
        hits = cli("welcome", "--index", ix, "-f", "table", "--tz", zone).stdout
        assert stamp in hits, hits
        shown = cli("show", C1, "--index", ix, "-f", "table", "--tz", zone).stdout
        assert stamp in shown, shown


# -- show ----------------------------------------------------------------------------------


def test_show_accepts_the_call_url_search_prints(crafted_index: Path) -> None:
    ix = str(crafted_index)
    url = json.loads(cli("welcome", "--index", ix, "-f", "jsonl").stdout.splitlines()[0])
    by_url = cli("show", url["call_url"], "--index", ix, "-f", "json")
    by_id = cli("show", C1, "--index", ix, "-f", "json")
    assert by_url.exit_code == 0 and by_url.stdout == by_id.stdout


def test_show_at_marks_the_sentence_a_hit_points_at(crafted_index: Path) -> None:
    ix = str(crafted_index)
    hit = json.loads(cli("dashboard", "--index", ix, "-f", "jsonl").stdout.splitlines()[0])
    table = cli("show", hit["call_id"], "--at", hit["at"], "-C", "1", "--index", ix, "-f", "table")
    marked = [line for line in table.stdout.splitlines() if line.startswith(">")]
    assert len(marked) == 1 and hit["at"] in marked[0] and hit["text"] in marked[0]
    view = json.loads(
        cli("show", hit["call_id"], "--at", hit["at"], "--index", ix, "-f", "json").stdout
    )
    target = [s for s in view["sentences"] if s["ordinal"] == view["target_ordinal"]]
    assert [s["text"] for s in target] == [hit["text"]]


@pytest.mark.parametrize(("at", "says"), [("99:99", "up to 59"), ("59:00", "after the call")])
def test_show_at_past_the_call_or_not_a_time_is_refused(crafted_index, at, says) -> None:
    result = cli("show", C1, "--at", at, "--index", str(crafted_index), "-f", "table")
    assert result.exit_code == 2 and says in result.stderr
    assert len(result.stderr.strip().splitlines()) == 1


def test_show_unknown_call_points_at_the_calls_listing(crafted_index: Path) -> None:
    result = cli("show", "123", "--index", str(crafted_index), "-f", "table")
    assert result.exit_code == 2 and "gong-search calls" in result.stderr
    assert "status" not in result.stderr


# -- one rule for formats in pipes ---------------------------------------------------------


def test_in_a_pipe_every_command_defaults_to_jsonl_or_json(crafted_index: Path) -> None:
    ix = str(crafted_index)
    for args in (("pricing",), ("speakers",), ("show", C1)):
        result = cli(*args, "--index", ix)  # CliRunner's stdout is a pipe
        assert result.exit_code == 0, result.stderr
        rows = [json.loads(line) for line in result.stdout.splitlines()]
        assert rows and all(isinstance(row, dict) for row in rows), args
    status = cli("status", "--index", ix)
    assert json.loads(status.stdout)["schema_version"] == 1
    count = cli("pricing", "--count", "--index", ix)
    assert json.loads(count.stdout)["sentences"] > 0


def test_in_a_pipe_errors_are_json_for_every_command(crafted_index: Path) -> None:
    result = cli("show", "123", "--index", str(crafted_index))
    assert "no call '123'" in json.loads(result.stderr)["error"]


# -- spreadsheets --------------------------------------------------------------------------


def test_csv_has_seconds_as_a_number_and_a_spreadsheet_datetime(crafted_index: Path) -> None:
    ix = str(crafted_index)
    out = cli("pricing", "--index", ix, "--csv", "-", "-n", "0", "--tz", "UTC")
    rows = list(csv.DictReader(io.StringIO(out.stdout)))
    assert rows
    for row in rows:
        assert int(row["at_seconds"]) == int(row["start_ms"]) // 1000
        local = datetime.strptime(row["call_started_local"], "%Y-%m-%d %H:%M:%S")
        iso = datetime.fromisoformat(row["call_started"]).astimezone(UTC)
        assert local == iso.replace(tzinfo=None, microsecond=0)
        assert row["at"]  # the ISO and m:ss columns are kept


# -- one fuzzy name matcher ----------------------------------------------------------------


@pytest.mark.parametrize(
    ("typed", "who"),
    [
        ("jhon", "John Smith"),  # transposition
        ("smtih", "John Smith"),
        ("jon smth", "John Smith"),  # a typo in each word
        ("john.smith", "John Smith"),  # e-mail local part
        ("john.smith@acme-logistics.com", "John Smith"),
        ("js", "John Smith"),  # initials
        ("j smith", "John Smith"),
        ("zoe muller", "Zoë Müller"),  # accents
        ("ZOË", "Zoë Müller"),
        ("zoe@globex.io", "Zoë Müller"),
    ],
)
def test_speakers_and_speaker_filter_match_the_same_person(crafted_index, typed, who) -> None:
    ix = str(crafted_index)
    listed = cli("speakers", typed, "--index", ix, "-f", "json")
    assert listed.exit_code == 0, listed.stderr
    assert [s["name"] for s in json.loads(listed.stdout)["speakers"]] == [who]
    searched = cli("pricing", "--speaker", typed, "--index", ix, "-f", "json", "-n", "0")
    assert searched.exit_code in (0, 1), searched.stderr
    assert {h["speaker_name"] for h in json.loads(searched.stdout)["hits"]} <= {who}
    assert [m.split(" <")[0] for m in json.loads(searched.stdout)["matched_speakers"]] == [who]


def test_a_name_matching_nobody_gets_the_same_suggestions_everywhere(crafted_index) -> None:
    ix = str(crafted_index)
    listed = cli("speakers", "xavier", "--index", ix, "-f", "table")
    searched = cli("pricing", "--speaker", "xavier", "--index", ix, "-f", "table")
    assert listed.exit_code == 1 and searched.exit_code == 2  # an answer; a search that can't run
    suggestion = listed.stderr.strip()
    assert suggestion.startswith("no speaker matches 'xavier' (closest: ")
    assert suggestion in searched.stderr


@pytest.mark.parametrize(("typed", "call"), [("acmee", C1), ("globx", C2), ("acme", C1)])
def test_account_names_take_typos_like_speaker_names(crafted_index, typed, call) -> None:
    assert search_ids(crafted_index, "--account", typed) == {call}


def test_a_name_typed_right_never_also_matches_typo_neighbours() -> None:
    from gong_search.catalog import Speaker
    from gong_search.names import match_speakers

    jose = Speaker("jose nunez", "José Núñez", "jose@acme.com", "External", 1, 5)
    rose = Speaker("rose tyler", "Rose Tyler", "rose@acme.com", "External", 1, 9)
    assert [m.speaker for m in match_speakers("jose", [rose, jose])] == [jose]
    assert {m.speaker for m in match_speakers("jsoe", [rose, jose])} == {jose}
    assert {m.speaker for m in match_speakers("rsoe", [rose, jose])} == {rose}


# -- the demo's suggestions ----------------------------------------------------------------


def test_every_command_the_demo_suggests_works_and_searches_find_all_words(tmp_path) -> None:
    import shlex

    demo = cli("demo", env={"XDG_CACHE_HOME": str(tmp_path / "cache")})
    assert demo.exit_code == 0, demo.stderr
    lines = demo.stdout.split("Try next (same demo index):")[1].strip().splitlines()
    assert len(lines) >= 6
    for line in lines:
        words = shlex.split(line)
        args = words[words.index("--index") :]
        if args[2] in ("show", "speakers", "status"):
            result = cli(*args, "-f", "json")
            assert result.exit_code == 0, (line, result.stderr)
            continue
        if "--csv" in args:
            args = args[: args.index("--csv")]
        result = cli(*args, "-f", "json")
        assert result.exit_code == 0, (line, result.stderr)
        assert json.loads(result.stdout)["total_all_words"] > 0, line


# -- check fails fast; sync says where and when it retries ---------------------------------


def closed_port() -> int:
    import socket

    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return s.getsockname()[1]


def test_check_against_a_refused_port_fails_at_once_saying_so() -> None:
    import time

    env = {
        "GONG_BASE_URL": f"http://127.0.0.1:{closed_port()}",
        "GONG_ACCESS_KEY": "demo",
        "GONG_ACCESS_KEY_SECRET": "demo",
    }
    started = time.monotonic()
    result = cli("check", env=env)
    assert time.monotonic() - started < 3
    assert result.exit_code == 2 and "connection refused" in result.stderr
    assert "committed work" not in result.stderr
    assert len(result.stderr.strip().splitlines()) == 1


def test_an_unknown_host_is_told_apart_from_a_refused_port() -> None:
    import socket

    import httpx

    from gong_search.gong.responses import unreachable

    def raised(cause: BaseException) -> httpx.ConnectError:
        try:
            try:
                raise cause
            except OSError as exc:
                raise httpx.ConnectError(str(exc)) from exc
        except httpx.ConnectError as wrapped:
            return wrapped

    assert "DNS" in unreachable(raised(socket.gaierror(-2, "Name or service not known")))
    assert "refused" in unreachable(raised(ConnectionRefusedError(111, "refused")))
    assert unreachable(raised(TimeoutError("slow"))) is None


def test_sync_says_retrying_n_of_8_while_gong_fails(tmp_path: Path) -> None:
    from gong_search.simulator import Simulator, SimulatorConfig

    from .conftest import SMALL, sim_env

    with Simulator(SimulatorConfig(**{**SMALL, "fail_rate": 0.5, "seed": 3})).start() as sim:
        result = cli("sync", "--index", str(tmp_path / "ix"), "--rate", "0", env=sim_env(sim))
    assert "retrying (1/8)" in result.stderr, result.stderr


def test_sync_names_the_index_it_writes_and_whether_it_is_new(sim, tmp_path: Path) -> None:
    from .conftest import sim_env

    ix = tmp_path / "ix"
    first = cli("sync", "--index", str(ix), "--rate", "0", env=sim_env(sim))
    window = [line for line in first.stderr.splitlines() if line.startswith("window: ")]
    assert len(window) == 1 and window[0].endswith(f"; index: {ix.resolve()} (new)")
    again = cli("sync", "--index", str(ix), "--rate", "0", env=sim_env(sim))
    assert f"; index: {ix.resolve()}\n" in again.stderr


# -- index location messages ---------------------------------------------------------------


def test_the_parent_of_an_index_gets_did_you_mean(crafted_index: Path) -> None:
    result = cli("pricing", "--index", str(crafted_index.parent), "-f", "table")
    assert result.exit_code == 2
    assert f"did you mean --index {crafted_index.resolve()}?" in result.stderr
    assert str(crafted_index.parent.resolve()) in result.stderr


def test_no_index_names_the_absolute_path_and_the_demo_index(crafted_index, tmp_path) -> None:
    import shutil

    cache = tmp_path / "cache"
    shutil.copytree(crafted_index, cache / "gong-search" / "demo-index")
    env = {"XDG_CACHE_HOME": str(cache), "GONG_SEARCH_INDEX": "nowhere"}
    result = cli("pricing", "-f", "table", env=env)
    assert result.exit_code == 2
    assert str(Path("nowhere").resolve()) in result.stderr
    assert f"--index {cache / 'gong-search' / 'demo-index'}" in result.stderr
    status = cli("status", "-f", "table", env=env)
    assert status.exit_code == 2 and "demo-index" in status.stderr


# -- progress ------------------------------------------------------------------------------


def test_reindex_shows_a_progress_bar_on_a_terminal(crafted_index: Path, tmp_path) -> None:
    import pty
    import shutil

    copy = tmp_path / "ix"
    shutil.copytree(crafted_index, copy)
    primary, secondary = pty.openpty()
    done = subprocess.run(
        [sys.executable, "-m", "gong_search", "reindex", "--index", str(copy)],
        stderr=secondary,
        stdout=subprocess.PIPE,
        text=True,
        env={**os.environ, "COLUMNS": "80", "TERM": "xterm"},
        timeout=120,
    )
    os.close(secondary)
    shown = os.read(primary, 65536).decode()
    os.close(primary)
    sentences = sum(len(CALLS[call][4]) for call in (C1, C2))  # C3 is private: not synced
    assert done.returncode == 0 and done.stdout.strip() == f"reindexed {sentences} sentences"
    assert "indexing 2/2 calls" in shown and f"{sentences} sentences" in shown
    assert "so far" in shown


def test_reindex_off_a_terminal_prints_only_its_result(crafted_index, tmp_path) -> None:
    import shutil

    copy = tmp_path / "ix"
    shutil.copytree(crafted_index, copy)
    result = cli("reindex", "--index", str(copy))
    assert result.exit_code == 0 and result.stderr == ""


@pytest.mark.parametrize(
    "counts",
    [(99_949, 99_949, 9_999_999, 35_999), (1, 999_000, 9_949_999, 359_000), (0, 0, 0, 1)],
)
def test_the_progress_bar_fits_80_columns(counts) -> None:
    from gong_search.progress import BAR_WIDTH, bar_texts

    left, right = bar_texts("indexing", *counts)
    assert len(left) + 1 + BAR_WIDTH + 1 + len(right) <= 80, (left, right)
    assert "so far" in right  # the times are labelled


# -- config file ---------------------------------------------------------------------------


def write_config(tmp_path: Path, text: str) -> dict[str, str]:
    path = tmp_path / "config" / "gong-search" / "config.toml"
    path.parent.mkdir(parents=True, exist_ok=True)
    path.write_text(text)
    return {"XDG_CONFIG_HOME": str(tmp_path / "config")}


def test_config_file_sets_index_timezone_and_format(crafted_index, tmp_path) -> None:
    env = write_config(
        tmp_path, f'index = "{crafted_index}"\ntimezone = "Asia/Tokyo"\nformat = "table"\n'
    )
    env["GONG_SEARCH_INDEX"] = ""  # unset: the file decides
    result = cli("welcome", env=env)  # a pipe, but the file asks for tables
    assert result.exit_code == 0, result.stderr
    assert "JST  at" in result.stdout and "matching sentence" in result.stdout
    shown = cli("config", "-f", "json", env=env)
    data = json.loads(shown.stdout)
    assert data["index"]["value"] == str(crafted_index)
    assert data["index"]["source"].startswith("file (")
    assert data["timezone"] == {"value": "Asia/Tokyo", "source": data["index"]["source"]}


def test_config_shows_flag_over_environment_over_file(tmp_path) -> None:
    env = write_config(tmp_path, 'timezone = "Asia/Tokyo"\nindex = "from-file"\n')
    env.update({"GONG_SEARCH_INDEX": "from-env", "GONG_SEARCH_TZ": "Europe/Berlin"})
    data = json.loads(cli("config", "-f", "json", "--tz", "UTC", env=env).stdout)
    assert data["timezone"] == {"value": "UTC", "source": "flag"}
    assert data["index"] == {"value": "from-env", "source": "environment (GONG_SEARCH_INDEX)"}
    table = cli("config", "--index", "from-flag", "-f", "table", env=env).stdout
    assert "from-flag  [flag]" in table and "Europe/Berlin  [environment (GONG_SEARCH_TZ)]" in table
    piped = json.loads(cli("config", "--index", "from-flag", env=env).stdout)  # the pipe rule
    assert piped["index"] == {"value": "from-flag", "source": "flag"}


@pytest.mark.parametrize(
    ("text", "says"),
    [
        ("indx = 'x'\n", "unknown key 'indx'"),
        ("index = [\n", "not valid TOML"),
        ("format = 'xml'\n", "format must be one of"),
    ],
)
def test_a_bad_config_file_is_one_line_naming_it(tmp_path, text, says) -> None:
    env = write_config(tmp_path, text)
    for args in (("config",), ("pricing", "-f", "table")):
        result = cli(*args, env=env)
        assert result.exit_code == 2 and says in result.stderr and "config.toml" in result.stderr
        assert len(result.stderr.strip().splitlines()) == 1


@pytest.fixture(scope="module")
def demo_index(tmp_path_factory: pytest.TempPathFactory) -> Path:
    """The demo's tenant (trackers, summaries), synced once for this module."""
    from gong_search.demo import build_demo_index

    return build_demo_index(tmp_path_factory.mktemp("demo") / "index")[0]


def test_completion_offers_trackers_from_the_index(demo_index: Path) -> None:
    offered = complete(f"gong-search pricing --index {demo_index} --tracker ")
    listed = json.loads(cli("pricing", "--index", str(demo_index), "-n", "0", "-f", "json").stdout)
    fired = {t.lower() for hit in listed["hits"] for t in hit["trackers"]}
    as_typed = {shlex.split(o)[0] for o in offered}  # what bash hands the command
    assert fired and fired <= as_typed
    assert all(len(shlex.split(o)) == 1 for o in offered)  # a name with spaces stays one word
    accounts = complete(f"gong-search pricing --index {demo_index} --account ")
    assert accounts and not any(is_crm_id(a) for a in accounts)
    assert complete(f"gong-search pricing --index {demo_index} --tracker zzz") == []


def test_show_summary_in_a_pipe_is_one_note_a_line(demo_index: Path) -> None:
    index_dir = demo_index
    hit = json.loads(cli("pricing", "--index", str(index_dir), "-n", "1").stdout)
    view = json.loads(
        cli("show", hit["call_id"], "--summary", "--index", str(index_dir), "-f", "json").stdout
    )
    piped = cli("show", hit["call_id"], "--summary", "--index", str(index_dir))
    rows = [json.loads(line) for line in piped.stdout.splitlines()]
    assert view["notes"], "the demo tenant has summaries"
    assert [{k: v for k, v in r.items() if k != "call_id"} for r in rows] == view["notes"]
