"""Exports: the format a file gets, stdout, the BOM, and writing files safely (issues 11, 12).

Every test drives the real CLI, in-process (``cli``) or as a subprocess when it needs a real
pipe, a working directory or a file-size limit.
"""

from __future__ import annotations

import csv
import io
import json
import resource
import shutil
import signal
import subprocess
import sys
from pathlib import Path

import pytest

from . import crafted
from .conftest import cli, make_simulator, run_sync
from .test_hostile_input import assert_one_line_exit_2, gong_cli

QUERY = "pricing"


def small_index(tmp_path_factory: pytest.TempPathFactory) -> Path:
    """A small synced index that tests only read (copy it to change it)."""
    index_dir = tmp_path_factory.mktemp("files") / "ix"
    with make_simulator(calls=30, call_length=(3, 10)) as sim:
        run_sync(sim, index_dir)
    return index_dir


@pytest.fixture(scope="module")
def ix(tmp_path_factory: pytest.TempPathFactory) -> Path:
    return small_index(tmp_path_factory)


def search(index_dir: Path, *args: str, cwd: Path | None = None, **kwargs):
    """The CLI in a subprocess, so stdout is a real pipe and the cwd is ``cwd``."""
    return gong_cli(QUERY, "--index", str(index_dir), "--limit", "0", *args, cwd=cwd, **kwargs)


def copy_index(ix: Path, tmp_path: Path) -> Path:
    copy = tmp_path / "copy"
    shutil.copytree(ix, copy)
    return copy


def listing(directory: Path) -> dict[str, tuple[int, int]]:
    """Every file under ``directory`` with its size and mtime: what "unchanged" means."""
    return {
        str(p.relative_to(directory)): (p.stat().st_size, p.stat().st_mtime_ns)
        for p in sorted(directory.rglob("*"))
    }


# -- export formats ------------------------------------------------------------------------


@pytest.mark.parametrize(
    ("name", "kind"),
    [("out.csv", "csv"), ("out.json", "json"), ("out.jsonl", "jsonl"), ("out.NDJSON", "jsonl")],
)
def test_output_format_follows_the_file_extension(ix: Path, tmp_path: Path, name, kind) -> None:
    out = tmp_path / name
    assert cli(QUERY, "--index", str(ix), "-o", str(out)).exit_code == 0
    text = out.read_text(encoding="utf-8-sig")
    if kind == "csv":
        assert next(csv.reader(io.StringIO(text)))[0] == "call_id"
    elif kind == "json":
        assert json.loads(text)["hits"]
    else:
        assert all(json.loads(line)["call_id"] for line in text.splitlines())


def test_output_with_an_unknown_extension_needs_a_format(ix: Path, tmp_path: Path) -> None:
    out = tmp_path / "out.txt"
    stderr = assert_one_line_exit_2(cli(QUERY, "--index", str(ix), "-o", str(out)))
    assert "--format" in stderr and "out.txt" in stderr and not out.exists()
    assert cli(QUERY, "--index", str(ix), "-o", str(out), "-f", "csv").exit_code == 0
    assert out.read_text(encoding="utf-8-sig").startswith("call_id,")  # --format wins


@pytest.mark.parametrize("args", [["--csv", "-"], ["-o", "-", "-f", "csv"]])
def test_dash_means_stdout(ix: Path, tmp_path: Path, args) -> None:
    result = search(ix, *args, cwd=tmp_path)
    assert result.returncode == 0, result.stderr
    assert result.stdout.startswith(b"call_id,") and list(tmp_path.iterdir()) == []


def test_csv_has_a_bom_in_files_and_not_on_stdout_unless_asked(ix: Path, tmp_path: Path) -> None:
    piped = search(ix, "-f", "csv").stdout.decode("utf-8")
    assert list(csv.DictReader(io.StringIO(piped)))[0]["call_id"]
    assert search(ix, "-f", "csv", "--bom").stdout.startswith(b"\xef\xbb\xbfcall_id,")
    search(ix, "--csv", str(tmp_path / "excel.csv"))
    assert (tmp_path / "excel.csv").read_bytes().startswith(b"\xef\xbb\xbfcall_id,")
    search(ix, "--csv", str(tmp_path / "plain.csv"), "--no-bom")
    assert (tmp_path / "plain.csv").read_bytes().startswith(b"call_id,")


def test_full_width_formula_starts_are_neutralised(tmp_path: Path, monkeypatch) -> None:
    cells = ["＝1+1", "＋cmd", "－2", "＠SUM(A1)"]
    call = ("Full-width call", 3, "501", [crafted.RITA], [("1", c) for c in cells], False)
    monkeypatch.setitem(crafted.CALLS, "1000000000000000004", call)
    with make_simulator(tenant_dir=crafted.write_tenant(tmp_path / "tenant")) as sim:
        run_sync(sim, tmp_path / "ix")
    result = cli("call:1000000000000000004", "--index", str(tmp_path / "ix"), "--csv", "-")
    texts = [row["text"] for row in csv.DictReader(io.StringIO(result.stdout))]
    assert sorted(texts) == sorted("'" + c for c in cells)


# -- writing an export safely --------------------------------------------------------------


def file_size_limit(limit: int):
    def apply() -> None:
        signal.signal(signal.SIGXFSZ, signal.SIG_IGN)  # EFBIG as an error, not a kill
        resource.setrlimit(resource.RLIMIT_FSIZE, (limit, limit))

    return apply


@pytest.mark.parametrize("option", ["--csv", "-o"])
def test_failed_export_is_one_line_and_leaves_no_partial_file(ix: Path, tmp_path: Path, option):
    out = tmp_path / "hits.csv"
    out.write_text("the previous export\n")
    many = ["the OR we OR you OR a OR to", "-C", "5", "-n", "0"]  # well over the limit
    result = subprocess.run(
        [sys.executable, "-m", "gong_search", *many, "--index", str(ix), option, out],
        capture_output=True,
        preexec_fn=file_size_limit(40_000),  # above SQLite's 32 kB shared-memory file
        timeout=120,
    )
    stderr = assert_one_line_exit_2(result)
    assert "cannot write" in stderr and str(out) in stderr
    assert [p.name for p in tmp_path.iterdir()] == ["hits.csv"]
    assert out.read_text() == "the previous export\n"


def test_output_to_a_symlink_is_refused(ix: Path, tmp_path: Path) -> None:
    victim = tmp_path / "notes.txt"
    victim.write_text("keep me")
    link = tmp_path / "out.csv"
    link.symlink_to(victim)
    stderr = assert_one_line_exit_2(cli(QUERY, "--index", str(ix), "--csv", str(link)))
    assert "symbolic link" in stderr and victim.read_text() == "keep me"


@pytest.mark.parametrize("target", ["catalog.sqlite3", "CURRENT", "new.csv", "whoosh-1/x.csv"])
def test_output_inside_the_index_directory_is_refused(ix: Path, tmp_path: Path, target) -> None:
    copy = copy_index(ix, tmp_path)
    before = listing(copy)
    inside = str(copy / ".." / copy.name / target)
    stderr = assert_one_line_exit_2(cli(QUERY, "--index", str(copy), "-f", "csv", "-o", inside))
    assert "index directory" in stderr
    assert listing(copy) == before


def test_exports_stream_hits_instead_of_holding_them_all(synced_index: Path) -> None:
    """An export of every match builds each hit as it is written: its memory peak stays
    well below that of holding every hit, and the CLI writes the same rows either way."""
    import tracemalloc

    from gong_search.export import hit_json, write_jsonl
    from gong_search.search import SearchOptions, export, search

    query, options = "the OR we OR to", SearchOptions(limit=0, before=1, after=1)

    def peak(run) -> int:
        tracemalloc.start()
        try:
            run()
            return tracemalloc.get_traced_memory()[1]
        finally:
            tracemalloc.stop()

    def streamed() -> int:
        return export(synced_index, query, options, lambda _r, hits: sum(1 for _ in hits))

    held = peak(lambda: search(synced_index, query, options))
    assert streamed() >= 300 and peak(streamed) < held / 2
    lines = cli(query, "--index", str(synced_index), "-n", "0", "-C", "1", "-f", "jsonl").stdout
    everything = search(synced_index, query, options)
    out = io.StringIO()
    write_jsonl((hit_json(h) for h in everything.hits), out)
    assert lines == out.getvalue()
