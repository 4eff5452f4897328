"""Bad CLI input, hostile data and secrets (issue 8; see docs/reliability.md).

Complements tests/test_search.py, test_workflow.py and test_config.py, which already cover
malformed queries, bad dates and ranges, negative --limit, unknown call ids, a missing
--index, bad credential files and the credentials permission warning.
"""

from __future__ import annotations

import base64
import csv
import io
import json
import os
import ssl
import stat
import subprocess
import sys
from collections.abc import Iterator
from datetime import UTC, datetime
from functools import partial
from pathlib import Path

import pytest
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from gong_search import export
from gong_search.config import Credentials, Secret
from gong_search.errors import QueryError
from gong_search.gong import client as client_module
from gong_search.gong.client import GongClient, RetryPolicy
from gong_search.harvest import SyncOptions, sync
from gong_search.search import (
    ContextSentence,
    Hit,
    SearchOptions,
    SearchResult,
    search,
    validate_query,
)

from .conftest import cli, client_for, make_simulator, sim_env

COMMANDS = ("check", "simulate", "sync", "status", "reindex", "search", "show", "speakers", "demo")


@pytest.fixture(scope="module")
def small_index(tmp_path_factory: pytest.TempPathFactory) -> Iterator[Path]:
    index_dir = tmp_path_factory.mktemp("small") / "ix"
    with make_simulator(calls=40, call_length=(3, 10)) as sim, client_for(sim) as client:
        sync(index_dir, client, SyncOptions())
    yield index_dir


def gong_cli(*args: str | bytes, cwd: Path | None = None, umask: int | None = None, env=None):
    return subprocess.run(
        [sys.executable, "-m", "gong_search", *args],
        env={**os.environ, **(env or {})},
        cwd=cwd,
        capture_output=True,
        timeout=120,
        preexec_fn=(lambda: os.umask(umask)) if umask is not None else None,
    )


def assert_one_line_exit_2(result) -> str:
    """``result`` from ``cli()`` (str streams) or ``gong_cli()`` (bytes): one line, exit 2."""
    code = getattr(result, "exit_code", None)
    code = result.returncode if code is None else code
    stderr = result.stderr if isinstance(result.stderr, str) else result.stderr.decode()
    assert code == 2, stderr
    assert "Traceback" not in stderr and len(stderr.strip().splitlines()) == 1, stderr
    return stderr


# -- bad CLI input -------------------------------------------------------------------------


def test_credentials_path_that_is_a_directory(tmp_path: Path) -> None:
    stderr = assert_one_line_exit_2(cli("check", "--credentials", str(tmp_path)))
    assert "cannot read credentials file" in stderr


def test_credentials_file_that_is_not_utf8(tmp_path: Path) -> None:
    path = tmp_path / "creds.json"
    path.write_bytes(b'{"secret_key": "\xff\xfe"}')
    path.chmod(0o600)
    stderr = assert_one_line_exit_2(cli("check", "--credentials", str(path)))
    assert "cannot read credentials file" in stderr and str(path) in stderr


@pytest.mark.parametrize("command", ["check", "sync"])
def test_base_url_that_does_not_answer(tmp_path: Path, monkeypatch, command) -> None:
    quick = partial(RetryPolicy, backoff_base=0.01, backoff_max=0.02, network_budget=0.3)
    monkeypatch.setattr(client_module, "RetryPolicy", quick)
    env = {
        "GONG_BASE_URL": "http://127.0.0.1:9",
        "GONG_ACCESS_KEY": "a",
        "GONG_ACCESS_KEY_SECRET": "b",
    }
    args = ["sync", "--index", str(tmp_path / "ix")] if command == "sync" else ["check"]
    result = cli(*args, env=env)
    error = [line for line in result.stderr.splitlines() if "error:" in line]
    assert result.exit_code == 2 and "Traceback" not in result.stderr
    # check says at once that nothing listens (issue 16); sync retries, then gives up
    said = "connection refused" if command == "check" else "gave up after"
    assert len(error) == 1 and said in error[0] and "127.0.0.1:9" in error[0]


@pytest.mark.parametrize("target", ["missing-dir/out.csv", "."])
def test_output_path_that_cannot_be_written(small_index: Path, tmp_path: Path, target) -> None:
    out = tmp_path / target
    stderr = assert_one_line_exit_2(cli("pricing", "--index", str(small_index), "--csv", str(out)))
    assert "cannot write" in stderr


@pytest.mark.parametrize(
    "command", [("status",), ("reindex",), ("show", "1"), ("speakers",), ("pricing",)]
)
def test_index_path_that_is_not_an_index(tmp_path: Path, command) -> None:
    not_an_index = tmp_path / "notes.txt"
    not_an_index.write_text("hello")
    for path in (not_an_index, tmp_path, tmp_path / "missing"):
        assert_one_line_exit_2(cli(*command, "--index", str(path)))
    assert not_an_index.read_text() == "hello"  # nothing lost


@pytest.mark.parametrize(
    "argv",
    [
        [b"pric\xffing"],
        [b"\xff\xfe"],
        [b"pricing", b"--speaker", b"\xff"],
        [b"show", b"\xff"],
        [b"pricing", b"--title", b"caf\xe9"],
    ],
)
def test_non_utf8_arguments_are_one_line_exit_2(small_index: Path, argv) -> None:
    result = gong_cli(*argv, b"--index", str(small_index).encode())
    assert result.returncode == 2, result.stderr
    stderr = result.stderr.decode()
    assert "not valid UTF-8" in stderr and "Traceback" not in stderr
    assert len(stderr.strip().splitlines()) == 1


def test_non_utf8_path_is_still_a_path(tmp_path: Path) -> None:
    """File names may be any bytes: they are not rejected, just used (here: no index)."""
    result = gong_cli(b"status", b"--index", str(tmp_path).encode() + b"/ix\xff")
    assert result.returncode == 2 and b"no gong-search" in result.stderr


# -- hypothesis: random queries never crash the query layer -------------------------------

TOKENS = [
    *"abc pricing \"()*:-+~^?[]{}<>\\/!&|,.'",
    "AND",
    "OR",
    "NOT",
    "TO",
    "text:",
    "speaker:",
    "call:",
    "title:",
    "email:",
    "topic:",
    "account:",
    "host:",
    "affiliation:",
    "nosuch:",
    "\x00",
    "\udcff",
    "é",
    "ß",
    "🙂",
    "*",
]
QUERIES = st.lists(st.sampled_from(TOKENS), max_size=12).map("".join) | st.text(max_size=40)


@settings(max_examples=250, deadline=None, suppress_health_check=list(HealthCheck))
@given(
    query=QUERIES,
    mode=st.sampled_from(["default", "all", "any", "literal"]),
    fuzzy=st.booleans(),
    sort=st.sampled_from(["relevance", "date"]),
)
def test_random_queries_raise_only_query_errors(small_index, query, mode, fuzzy, sort) -> None:
    try:
        validate_query(query, mode)
        search(small_index, query, SearchOptions(mode=mode, fuzzy=fuzzy, sort=sort, limit=3))
    except QueryError:
        pass


# -- security: the secret ------------------------------------------------------------------

SECRET = "S3cr3t-Zq8pW1xLmN4v"
WRONG = "WrOnG-S3cr3t-Kx7Yt2"


def test_secret_never_appears_in_output_files_or_logs(tmp_path: Path, caplog) -> None:
    """A failing (401) and a succeeding sync, then grep everything they wrote."""
    needles = [
        s.encode()
        for secret in (SECRET, WRONG)
        for s in (secret, base64.b64encode(f"demo:{secret}".encode()).decode())
    ]
    ix = tmp_path / "ix"
    with make_simulator(calls=40, call_length=(3, 10), secret_key=SECRET) as sim:
        env = {**sim_env(sim), "GONG_ACCESS_KEY_SECRET": WRONG}
        failing = gong_cli("sync", "--rate", "0", "--index", str(ix), env=env)
        assert failing.returncode == 2 and b"rejected the credentials (401)" in failing.stderr
        env["GONG_ACCESS_KEY_SECRET"] = SECRET
        ok = gong_cli("sync", "--rate", "0", "--index", str(ix), env=env)
        assert ok.returncode == 0, ok.stderr
        flag = gong_cli("check", "--secret-key", SECRET, env={**env, "GONG_ACCESS_KEY_SECRET": ""})
        assert flag.returncode == 0, flag.stderr
        caplog.set_level("DEBUG")  # httpx/httpcore debug logging, in-process
        creds = Credentials(sim.base_url, "demo", Secret(SECRET))
        with GongClient(creds, rate=0) as client:
            sync(tmp_path / "ix2", client, SyncOptions())
            text = repr(client) + repr(creds) + str(vars(client))
    outputs = [
        failing.stdout,
        failing.stderr,
        ok.stdout,
        ok.stderr,
        flag.stdout,
        flag.stderr,
        caplog.text.encode(),
        text.encode(),
    ]
    files = [
        p.read_bytes() for root in (ix, tmp_path / "ix2") for p in root.rglob("*") if p.is_file()
    ]
    assert len(files) > 5
    for blob in outputs + files:
        assert not any(needle in blob for needle in needles)


def test_plain_http_refused_for_remote_hosts_from_flags_and_env() -> None:
    flags = cli(
        "check", "--base-url", "http://api.gong.io", "--access-key", "a", "--secret-key", "b"
    )
    assert "plain http:// to a non-loopback host" in assert_one_line_exit_2(flags)
    env = cli(
        "check",
        env={
            "GONG_BASE_URL": "http://10.0.0.1",
            "GONG_ACCESS_KEY": "a",
            "GONG_ACCESS_KEY_SECRET": "b",
        },
    )
    assert "plain http://" in assert_one_line_exit_2(env)


def test_tls_verification_is_always_on() -> None:
    creds = Credentials("https://us-1.api.gong.io", "a", Secret("b"))
    with GongClient(creds, rate=0) as client:
        context = client._http._transport._pool._ssl_context
    assert context.verify_mode == ssl.CERT_REQUIRED and context.check_hostname
    assert "verify" not in GongClient.__init__.__code__.co_varnames
    for command in COMMANDS:
        options = [w for w in cli(command, "--help").stdout.lower().split() if w.startswith("--")]
        assert not [o for o in options if any(w in o for w in ("insecure", "verify", "tls", "ssl"))]


# -- security: exports ---------------------------------------------------------------------

HOSTILE = st.text(
    alphabet=st.characters(codec=None, exclude_categories=())
    | st.sampled_from(["\ud800", "\udfff", "\x00", "\x1b", "\u2028", "=", "+", "-", "@"]),
    max_size=30,
)


def make_hit(text: str, name: str = "Ann") -> Hit:
    context = [ContextSentence(name, "0:01", 1000, text)]
    return Hit(
        "1",
        text,
        "https://x/1",
        datetime(2025, 1, 1, tzinfo=UTC),
        name,
        "a@b.c",
        "External",
        0,
        1,
        "0:00",
        text,
        1.0,
        0,
        [],
        context,
        context,
    )


@settings(max_examples=200, deadline=None)
@given(text=HOSTILE, name=HOSTILE)
def test_json_output_is_valid_for_any_transcript_text(text, name) -> None:
    result = SearchResult("q", [make_hit(text, name)], 1, 1, [], 0, 20)
    out = io.StringIO()
    export.write_json(result, out)
    out.getvalue().encode("utf-8")  # readable UTF-8 (issue 13), yet valid whatever the text held
    data = json.loads(out.getvalue())
    assert data["hits"][0]["text"] == text and data["hits"][0]["speaker_name"] == name
    line = io.StringIO()
    export.write_jsonl([export.hit_json(result.hits[0])], line)
    assert json.loads(line.getvalue())["text"] == text


@settings(max_examples=200, deadline=None)
@given(text=HOSTILE.filter(lambda t: "\x00" not in t), name=HOSTILE)
def test_csv_cells_never_start_a_formula(text, name) -> None:
    out = io.StringIO()
    export.write_csv([make_hit(text, name)], out)
    header, row = list(csv.reader(io.StringIO(out.getvalue())))
    for cell in row:
        assert not cell.startswith(("=", "+", "-", "@", "\t", "\r")), cell
    assert row[header.index("text")] in (text, "'" + text)


@pytest.mark.parametrize(("umask", "mode"), [(0o022, 0o644), (0o077, 0o600)])
def test_exports_follow_the_umask(small_index: Path, tmp_path: Path, umask, mode) -> None:
    out = tmp_path / "hits.csv"
    result = gong_cli("pricing", "--index", str(small_index), "--csv", str(out), umask=umask)
    assert result.returncode in (0, 1), result.stderr
    assert stat.S_IMODE(out.stat().st_mode) == mode


def test_catalog_and_index_are_owner_only_even_with_umask_0(tmp_path: Path) -> None:
    ix = tmp_path / "ix"
    with make_simulator(calls=40, call_length=(3, 10)) as sim:
        result = gong_cli("sync", "--rate", "0", "--index", str(ix), env=sim_env(sim), umask=0)
    assert result.returncode == 0, result.stderr
    assert stat.S_IMODE(ix.stat().st_mode) == 0o700
    for path in ix.rglob("*"):
        if path.is_dir():
            assert stat.S_IMODE(path.stat().st_mode) == 0o700, path
        elif path.name.startswith(("catalog.sqlite3", "sync.lock")):
            assert stat.S_IMODE(path.stat().st_mode) & 0o077 == 0, path


def test_world_readable_credentials_warn_on_the_cli(tmp_path: Path, shared_sim) -> None:
    path = tmp_path / "creds.json"
    path.write_text(
        json.dumps({"base_url": shared_sim.base_url, "access_key": "demo", "secret_key": "demo"})
    )
    path.chmod(0o644)
    result = cli("check", "--credentials", str(path))
    assert result.exit_code == 0 and f"run: chmod 600 {path}" in result.stderr


def test_output_paths_are_used_as_given(small_index: Path, tmp_path: Path) -> None:
    """Query text never becomes a path: only the --csv/--output name is written."""
    work = tmp_path / "cwd"
    work.mkdir()
    for query in ("../../escape", "/tmp/evil", "a/b/../c"):
        result = gong_cli(
            "search", "--literal", query, "--index", str(small_index), "--csv", "out.csv", cwd=work
        )
        assert result.returncode in (0, 1), result.stderr
    assert sorted(p.name for p in tmp_path.rglob("*") if p.is_file()) == ["out.csv"]
    assert not Path("/tmp/evil").exists()
