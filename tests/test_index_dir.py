"""The index directory: its modes, what it refuses, interrupted reindexes, read-only copies
(issue 12). Every test drives the real CLI, in-process or as a subprocess when it needs a
umask, a signal or another user.
"""

from __future__ import annotations

import json
import os
import shutil
import signal
import stat
import subprocess
import sys
import tempfile
import time
from collections.abc import Iterator
from pathlib import Path

import pytest

from gong_search.engines.whoosh.store import current_dir

from .conftest import cli, make_simulator, run_sync, sim_env
from .test_exports import QUERY, copy_index, file_size_limit, listing, small_index
from .test_hostile_input import assert_one_line_exit_2, gong_cli


@pytest.fixture(scope="module")
def ix(tmp_path_factory: pytest.TempPathFactory) -> Path:
    return small_index(tmp_path_factory)


# -- the index directory -------------------------------------------------------------------


@pytest.mark.parametrize("mode", [0o755, 0o1777])
def test_sync_never_changes_the_mode_of_an_existing_directory(tmp_path: Path, mode) -> None:
    existing = tmp_path / "shared"
    existing.mkdir()
    existing.chmod(mode)
    with make_simulator(calls=5, call_length=(3, 5)) as sim:
        for _ in range(2):  # creating the index, then syncing it again
            result = cli("sync", "--rate", "0", "--index", str(existing), env=sim_env(sim))
            assert result.exit_code == 0, result.stderr
    assert stat.S_IMODE(existing.stat().st_mode) == mode


def test_sync_creates_a_missing_index_directory_private(tmp_path: Path) -> None:
    with make_simulator(calls=5, call_length=(3, 5)) as sim:
        result = cli("sync", "--rate", "0", "--index", str(tmp_path / "a" / "ix"), env=sim_env(sim))
    assert result.exit_code == 0, result.stderr
    assert stat.S_IMODE((tmp_path / "a" / "ix").stat().st_mode) == 0o700


def test_sync_refuses_a_non_empty_directory_without_a_catalog(tmp_path: Path) -> None:
    home = tmp_path / "home"
    home.mkdir()
    home.chmod(0o755)
    (home / "notes.txt").write_text("mine")
    with make_simulator(calls=5, call_length=(3, 5)) as sim:
        stderr = assert_one_line_exit_2(cli("sync", "--index", str(home), env=sim_env(sim)))
    assert str(home) in stderr and "subdirectory" in stderr
    assert [p.name for p in home.iterdir()] == ["notes.txt"]
    assert stat.S_IMODE(home.stat().st_mode) == 0o755


def test_every_index_file_is_owner_only_even_with_umask_0(tmp_path: Path) -> None:
    ix = tmp_path / "ix"
    with make_simulator(calls=20, call_length=(3, 10)) as sim:
        synced = gong_cli("sync", "--rate", "0", "--index", str(ix), env=sim_env(sim), umask=0)
    reindexed = gong_cli("reindex", "--index", str(ix), umask=0)
    assert synced.returncode == 0 and reindexed.returncode == 0, reindexed.stderr
    assert stat.S_IMODE(ix.stat().st_mode) == 0o700
    for path in ix.rglob("*"):
        mode = stat.S_IMODE(path.stat().st_mode)
        assert mode & 0o077 == 0, path  # Whoosh's empty lock file is 0700, the rest 0600
        assert path.is_dir() or path.name == "MAIN_WRITELOCK" or mode == 0o600, path


# -- interrupted reindex ---------------------------------------------------------------------


@pytest.mark.parametrize("command", ["reindex", "sync"])
def test_abandoned_generations_are_removed_by_the_next_run(ix: Path, tmp_path: Path, command):
    copy = copy_index(ix, tmp_path)
    crashed = gong_cli("reindex", "--index", str(copy), env={"GONG_SEARCH_CRASH_AT": "mid_reindex"})
    assert crashed.returncode == 99, crashed.stderr
    assert len(list(copy.glob("whoosh-*"))) == 2  # the live one and the abandoned one
    with make_simulator(calls=30, call_length=(3, 10)) as sim:
        result = gong_cli(command, "--index", str(copy), env=sim_env(sim))
    assert result.returncode == 0, result.stderr
    assert list(copy.glob("whoosh-*")) == [current_dir(copy)]
    assert cli("status", "--index", str(copy)).exit_code == 0  # index and catalog agree


@pytest.fixture(scope="module")
def big_ix(tmp_path_factory: pytest.TempPathFactory) -> Path:
    """Big enough that a reindex takes a while, so a signal lands in the middle of it."""
    index_dir = tmp_path_factory.mktemp("big") / "ix"
    with make_simulator(calls=60, call_length=(300, 400)) as sim:
        run_sync(sim, index_dir)
    return index_dir


def test_sigterm_during_reindex_exits_143_and_keeps_the_live_index(big_ix: Path, tmp_path: Path):
    copy = copy_index(big_ix, tmp_path)
    live = current_dir(copy)
    before = listing(live)
    proc = subprocess.Popen(
        [sys.executable, "-m", "gong_search", "reindex", "--index", str(copy)],
        stderr=subprocess.PIPE,
        text=True,
    )
    deadline = time.monotonic() + 60
    while len(list(copy.glob("whoosh-*"))) < 2 and time.monotonic() < deadline:
        time.sleep(0.005)
    proc.send_signal(signal.SIGTERM)  # at once: on a loaded machine a pause may outlast it
    _, stderr = proc.communicate(timeout=60)
    assert proc.returncode == 143, stderr
    assert "Traceback" not in stderr and len(stderr.strip().splitlines()) == 1
    assert list(copy.glob("whoosh-*")) == [live] and listing(live) == before
    assert cli(QUERY, "--index", str(copy), "-f", "json").exit_code == 0


def test_disk_full_during_reindex_is_one_line_and_keeps_the_live_index(big_ix: Path, tmp_path):
    copy = copy_index(big_ix, tmp_path)
    live = current_dir(copy)
    before = listing(live)
    result = subprocess.run(
        [sys.executable, "-m", "gong_search", "reindex", "--index", str(copy)],
        capture_output=True,
        preexec_fn=file_size_limit(200_000),  # smaller than the new generation's postings
        timeout=120,
    )
    stderr = assert_one_line_exit_2(result)
    assert "cannot write" in stderr and "disk full" in stderr
    assert list(copy.glob("whoosh-*")) == [live] and listing(live) == before
    assert cli(QUERY, "--index", str(copy), "-f", "json").exit_code == 0


def test_reindex_refuses_a_directory_without_a_catalog_before_locking(tmp_path: Path) -> None:
    (tmp_path / "notes.txt").write_text("mine")
    assert_one_line_exit_2(cli("reindex", "--index", str(tmp_path)))
    assert [p.name for p in tmp_path.iterdir()] == ["notes.txt"]


# -- a read-only index -----------------------------------------------------------------------


@pytest.fixture
def read_only_copy(ix: Path) -> Iterator[Path]:
    """A copy nobody may write to: ``chmod -R a-w``, read as ``nobody`` when we are root
    (root ignores file modes), in a directory that user can reach."""
    parent = Path(tempfile.mkdtemp())
    parent.chmod(0o755)
    copy = parent / "ix"
    shutil.copytree(ix, copy)
    for path in [copy, *copy.rglob("*")]:
        if os.geteuid() == 0:
            os.chown(path, 65534, 65534)
        path.chmod(stat.S_IMODE(path.stat().st_mode) & ~0o222)
    yield copy
    for path in [copy, *copy.rglob("*")]:
        path.chmod(0o700)
    shutil.rmtree(parent)


def _as_owner_of_the_copy() -> list[str]:
    """Root reads as ``nobody`` (``setpriv`` drops every capability); others as themselves."""
    if os.geteuid() != 0:
        return []
    if not shutil.which("setpriv"):
        pytest.skip("running as root without setpriv: file modes cannot be enforced")
    return ["setpriv", "--reuid=65534", "--regid=65534", "--clear-groups"]


@pytest.mark.parametrize(
    "command", [(QUERY, "-f", "json"), (QUERY, "--count"), ("status",), ("speakers",), ("show",)]
)
def test_a_read_only_copy_of_an_index_can_be_read(ix: Path, read_only_copy: Path, command):
    if command == ("show",):
        first_hit = json.loads(cli(QUERY, "--index", str(ix), "-f", "jsonl").stdout.split("\n")[0])
        command = ("show", first_hit["call_id"])
    before = listing(read_only_copy)
    argv = [sys.executable, "-m", "gong_search", *command, "--index", str(read_only_copy)]
    result = subprocess.run(
        [*_as_owner_of_the_copy(), *argv],
        capture_output=True,
        text=True,
        env={**os.environ, "HOME": str(read_only_copy.parent)},
        timeout=120,
    )
    assert result.returncode == 0, result.stderr
    assert listing(read_only_copy) == before
