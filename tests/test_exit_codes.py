"""Issue 12.17: an exit code means one thing. Bugs exit 3 with the details in a private log,
a closed pipe ends quietly (141), a second Ctrl-C during cleanup prints no traceback."""

from __future__ import annotations

import os
import signal
import stat
import subprocess
import sys
import time
from importlib import import_module
from pathlib import Path

import pytest

from gong_search import harvest

from .conftest import cli, make_simulator, sim_env

SECRET = "Zq8pW1xLmN4v-not-for-logs"


def _boom(*args: object, **kwargs: object) -> None:
    raise RuntimeError(f"internal failure near {SECRET}\x1b[2J")


def _assert_bug_report(result, state: Path) -> None:
    assert result.exit_code == 3, (result.exit_code, result.stderr)
    lines = [
        line
        for line in result.stderr.strip().splitlines()
        if not line.startswith("warning: --secret-key is visible")  # the flag's own warning
    ]
    assert "Traceback" not in result.stderr and len(lines) == 1
    log = state / "gong-search" / "errors.log"
    assert str(log) in result.stderr and "RuntimeError" in result.stderr
    assert stat.S_IMODE(log.stat().st_mode) == 0o600
    text = log.read_text()
    assert "Traceback" in text and "RuntimeError: internal failure" in text
    assert SECRET not in text and SECRET not in result.stderr


def test_a_bug_in_search_exits_3_not_1_and_logs_the_traceback(
    crafted_index: Path, tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.setattr(import_module("gong_search.search"), "search", _boom)
    env = {"GONG_ACCESS_KEY_SECRET": SECRET}
    for fmt in ("table", "json"):
        result = cli("pricing", "--index", str(crafted_index), "-f", fmt, env=env)
        _assert_bug_report(result, tmp_path / "state")


def test_a_bug_in_sync_exits_3_not_1(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setattr(harvest, "sync", _boom)
    with make_simulator() as sim:
        args = ("sync", "--index", str(tmp_path / "ix"), "--secret-key", SECRET)
        result = cli(*args, env={**sim_env(sim), "GONG_ACCESS_KEY_SECRET": ""})
    _assert_bug_report(result, tmp_path / "state")


def gong_search(*args: str, **popen: object) -> subprocess.Popen:
    return subprocess.Popen(
        [sys.executable, "-m", "gong_search", *args],
        stderr=subprocess.PIPE,
        text=True,
        **popen,
    )


@pytest.mark.parametrize("fmt", ["jsonl", "table", "csv"])
def test_a_closed_pipe_ends_quietly_with_141(synced_index: Path, fmt: str) -> None:
    """``gong-search ... | head -1``: the reader is gone before the hits are written."""
    read_end, write_end = os.pipe()
    os.close(read_end)
    args = ("pricing", "OR", "the", "--index", str(synced_index), "-n", "0", "-f", fmt)
    process = gong_search(*args, stdout=write_end)
    os.close(write_end)
    _, stderr = process.communicate(timeout=120)
    assert process.returncode == 141, stderr
    assert stderr == ""


def test_head_on_many_hits_is_quiet(synced_index: Path) -> None:
    command = (
        f"{sys.executable} -m gong_search pricing OR the --index {synced_index} -n 0 -f table"
        ' | head -1; echo "status=${PIPESTATUS[0]}" >&2'
    )
    done = subprocess.run(["bash", "-c", command], capture_output=True, text=True, timeout=120)
    assert len(done.stdout.splitlines()) == 1
    assert done.stderr.strip() == "status=141"


@pytest.mark.parametrize("gap", [0.0, 0.0, 0.0, 0.01, 0.05, 0.3])
def test_a_second_ctrl_c_during_cleanup_prints_no_traceback(tmp_path: Path, gap: float) -> None:
    with make_simulator(calls=300, call_length=(20, 60)) as sim:
        args = ("sync", "--rate", "2", "--index", str(tmp_path / "ix"))
        process = gong_search(*args, env={**os.environ, **sim_env(sim)}, stdout=subprocess.PIPE)
        assert process.stderr is not None
        assert process.stderr.readline().startswith("window:")  # syncing now
        time.sleep(0.3)
        process.send_signal(signal.SIGINT)
        time.sleep(gap)
        process.send_signal(signal.SIGINT)
        _, stderr = process.communicate(timeout=60)
    assert process.returncode == 130, stderr
    assert "Traceback" not in stderr and "Exception ignored" not in stderr, stderr
