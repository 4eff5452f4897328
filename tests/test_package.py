"""The package's public surface: a curated API, a fast import, docs for every command."""

from __future__ import annotations

import subprocess
import sys
from pathlib import Path

import gong_search

ROOT = Path(__file__).resolve().parents[1]


def test_public_api_is_the_documented_list() -> None:
    assert gong_search.__all__ == sorted(
        [
            "search",
            "count",
            "SearchOptions",
            "SearchResult",
            "Hit",
            "sync",
            "SyncOptions",
            "SyncReport",
            "reindex",
            "show_call",
            "list_speakers",
            "status",
            "GongClient",
            "load_credentials",
            "GongSearchError",
        ]
    )
    for name in gong_search.__all__:
        assert getattr(gong_search, name) is not None


def test_library_search_example_from_readme_runs(crafted_index: Path) -> None:
    from gong_search import SearchOptions, search

    result = search(
        crafted_index, "pricing objection", SearchOptions(customer=True, limit=5, before=1)
    )
    assert result.hits and all(h.affiliation != "Internal" for h in result.hits)


def test_every_command_is_documented_in_the_readme() -> None:
    readme = (ROOT / "README.md").read_text()
    for command in (
        "demo",
        "check",
        "sync",
        "status",
        "reindex",
        "show",
        "speakers",
        "simulate",
        "search",
        "calls",
        "mcp",
        "serve",
    ):
        assert f"gong-search {command}" in readme or f"`{command}" in readme, command


def test_python_dash_m_works_and_imports_cleanly_under_warnings_as_errors() -> None:
    done = subprocess.run(
        [sys.executable, "-W", "error", "-m", "gong_search", "--help"],
        capture_output=True,
        text=True,
    )
    assert done.returncode == 0, done.stderr
    assert "search" in done.stdout and "sync" in done.stdout
    done = subprocess.run(
        [sys.executable, "-W", "error", "-c", "import whoosh.index"], capture_output=True, text=True
    )
    assert done.returncode == 0, done.stderr


def test_readme_test_command_is_what_ci_runs() -> None:
    readme = (ROOT / "README.md").read_text()
    ci = (ROOT / ".ci" / "run").read_text()
    assert ".venv/bin/python -m pytest -q -p no:cacheprovider" in readme
    assert ".venv/bin/python -m pytest -q -p no:cacheprovider" in ci
    assert readme.index("gong-search demo") < readme.index("pytest")
