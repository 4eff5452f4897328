"""`show`, `speakers`, `demo`, and JSON errors for agents, through the real CLI."""

from __future__ import annotations

import json
import os
import subprocess
import sys
from pathlib import Path

import pytest

from .conftest import cli
from .crafted import C1, C2


def test_show_prints_header_parties_and_transcript(crafted_index: Path) -> None:
    result = cli("show", C1, "--index", str(crafted_index), "-f", "text")
    assert result.exit_code == 0, result.stderr
    out = result.stdout
    assert "Acme Logistics <> Northwind: pricing review" in out
    assert f"https://us-1.app.gong.io/call?id={C1}" in out
    assert "John Smith <john.smith@acme-logistics.com> (External)" in out
    assert "+1 312 555 0100 (Unknown)" in out
    assert "Your pricing is a real objection for our team." in out
    assert "[inaudible] and [bold]not bold[/bold]" in out


def test_show_json_has_a_stable_shape(crafted_index: Path) -> None:
    data = json.loads(cli("show", C2, "--index", str(crafted_index), "-f", "json").stdout)
    assert data["schema_version"] == 1 and data["call_id"] == C2
    assert {p["name"] for p in data["parties"]} == {"Sam Seller", "Zoë Müller"}
    assert [s["text"] for s in data["sentences"]][
        0
    ] == "The renewal pricing objection came up again."
    assert data["sentences"][1]["at"] == "0:05"


def test_show_at_limits_to_the_moment(crafted_index: Path) -> None:
    result = cli(
        "show", C1, "--at", "0:15", "-C", "1", "--index", str(crafted_index), "-f", "jsonl"
    )
    rows = [json.loads(x) for x in result.stdout.splitlines()]
    assert [r["at"] for r in rows] == ["0:10", "0:15", "0:20"]


def test_show_unknown_call_is_one_line_exit_2(crafted_index: Path) -> None:
    result = cli("show", "123", "--index", str(crafted_index))
    assert result.exit_code == 2 and result.stderr.count("\n") == 1
    assert "no call '123'" in result.stderr


def test_speakers_lists_counts_and_fuzzy_filters(crafted_index: Path) -> None:
    data = json.loads(cli("speakers", "--index", str(crafted_index), "-f", "json").stdout)
    assert data["schema_version"] == 1
    by_name = {s["name"]: s for s in data["speakers"]}
    assert by_name["John Smith"]["sentences"] == 3 and by_name["John Smith"]["calls"] == 1
    assert by_name["Rita Rep"]["affiliation"] == "Internal"
    assert "Secret" not in json.dumps(data)  # the private call was not indexed
    fuzzy = json.loads(cli("speakers", "zoe", "--index", str(crafted_index), "-f", "json").stdout)
    assert [s["name"] for s in fuzzy["speakers"]] == ["Zoë Müller"]


@pytest.mark.parametrize(
    "args",
    [
        ("show", "999", "-f", "json"),
        ("speakers", "-f", "json", "--index", "/nonexistent/index"),
        ("status", "-f", "json", "--index", "/nonexistent/index"),
        ("search", '"open', "-f", "json"),
        ("search", "x", "--from", "bad", "-f", "jsonl"),
    ],
)
def test_json_formats_report_errors_as_json(crafted_index: Path, args) -> None:
    full = [*args] if "--index" in args else [*args, "--index", str(crafted_index)]
    result = cli(*full)
    assert result.exit_code == 2
    error = json.loads(result.stderr)
    assert set(error) == {"error", "code"} and error["error"]


def test_every_command_has_help() -> None:
    for command in (
        "check",
        "simulate",
        "sync",
        "status",
        "reindex",
        "search",
        "show",
        "speakers",
        "demo",
    ):
        result = cli(command, "--help")
        assert result.exit_code == 0 and "Usage" in result.stdout, command
        assert len(result.stdout.splitlines()) > 3


def test_demo_end_to_end_writes_nothing_to_the_current_directory(tmp_path: Path) -> None:
    work = tmp_path / "cwd"
    work.mkdir()
    env = {**os.environ, "XDG_CACHE_HOME": str(tmp_path / "cache"), "COLUMNS": "120"}
    env.pop("GONG_SEARCH_INDEX", None)
    done = subprocess.run(
        [sys.executable, "-m", "gong_search", "demo"],
        cwd=work,
        env=env,
        capture_output=True,
        text=True,
        timeout=120,
    )
    assert done.returncode == 0, done.stderr
    assert "Top hits for 'pricing objection'" in done.stdout
    assert "https://" in done.stdout and "Try next" in done.stdout
    assert list(work.iterdir()) == []
    assert (tmp_path / "cache" / "gong-search" / "demo-index" / "catalog.sqlite3").exists()


def test_piped_search_reports_errors_as_json_by_default(crafted_index: Path) -> None:
    result = cli('"open', "--index", str(crafted_index))  # CliRunner: stdout is not a tty
    assert json.loads(result.stderr)["code"] == "query"


def test_help_shows_defaults_without_escape_characters() -> None:
    out = cli("simulate", "--help").stdout
    assert "default: 127.0.0.1" in out and "\\[" not in out


def test_speakers_with_no_match_says_so(crafted_index: Path) -> None:
    result = cli("speakers", "zzqxw", "--index", str(crafted_index))
    assert result.exit_code == 1 and "no speaker matches 'zzqxw'" in result.stderr


def test_csv_output_names_the_file_written(crafted_index: Path, tmp_path: Path) -> None:
    out = tmp_path / "hits.csv"
    result = cli("pricing", "--index", str(crafted_index), "--csv", str(out))
    assert f"wrote 4 hits to {out}" in result.stderr and out.exists()
