"""Shared fixtures: simulators on 127.0.0.1 (random ports), synced indexes, the real CLI."""

from __future__ import annotations

import os
from collections.abc import Iterator
from dataclasses import dataclass
from pathlib import Path

import pytest
from typer.testing import CliRunner

from gong_search.cli import app
from gong_search.config import Credentials, Secret
from gong_search.gong.client import GongClient, RetryPolicy
from gong_search.harvest import SyncOptions, sync
from gong_search.simulator import Simulator, SimulatorConfig

SMALL = {"calls": 60, "seed": 7, "call_length": (5, 25), "rate": 0.0}


@pytest.fixture(autouse=True)
def _isolated_env(monkeypatch: pytest.MonkeyPatch, tmp_path: Path) -> None:
    """No test may read the developer's real credentials, write to ./index or log to ~."""
    for var in (
        "GONG_BASE_URL",
        "GONG_ACCESS_KEY",
        "GONG_ACCESS_KEY_SECRET",
        "GONG_SECRET_KEY",
        "GONG_CREDENTIALS",
        "GONG_SEARCH_INDEX",
        "GONG_SEARCH_CRASH_AT",
    ):
        monkeypatch.delenv(var, raising=False)
    monkeypatch.setenv("GONG_CREDENTIALS", str(tmp_path / "no-credentials.json"))
    monkeypatch.setenv("GONG_SEARCH_INDEX", str(tmp_path / "default-index"))
    monkeypatch.setenv("XDG_STATE_HOME", str(tmp_path / "state"))  # the error log
    monkeypatch.setenv("XDG_CONFIG_HOME", str(tmp_path / "config"))  # no config.toml
    monkeypatch.setenv("XDG_CACHE_HOME", str(tmp_path / "cache"))  # no demo index
    for var in ("GONG_SEARCH_CONFIG", "GONG_SEARCH_TZ", "GONG_SEARCH_FORMAT", "GONG_SEARCH_ENGINE",
                "GONG_SEARCH_OPENSEARCH_URL", "GONG_SEARCH_OPENSEARCH_PREFIX"):  # fmt: skip
        monkeypatch.delenv(var, raising=False)


def make_simulator(**overrides) -> Simulator:
    return Simulator(SimulatorConfig(**{**SMALL, **overrides})).start()


@pytest.fixture
def sim() -> Iterator[Simulator]:
    """A fresh small simulator per test (tests may mutate it)."""
    simulator = make_simulator()
    yield simulator
    simulator.stop()


@pytest.fixture(scope="session")
def shared_sim() -> Iterator[Simulator]:
    """A read-only simulator shared by the whole session."""
    simulator = make_simulator()
    yield simulator
    simulator.stop()


def client_for(simulator: Simulator, rate: float = 0.0, **retry) -> GongClient:
    creds = Credentials(simulator.base_url, "demo", Secret("demo"))
    policy = RetryPolicy(backoff_base=0.01, backoff_max=0.05, **retry)
    return GongClient(creds, rate=rate, retry=policy)


def run_sync(simulator: Simulator, index_dir: Path, **options) -> object:
    with client_for(simulator) as client:
        return sync(index_dir, client, SyncOptions(**options))


@pytest.fixture(scope="session")
def synced_index(shared_sim: Simulator, tmp_path_factory: pytest.TempPathFactory) -> Path:
    """The shared tenant synced once (whole window): read-only for search tests."""
    index_dir = tmp_path_factory.mktemp("synced") / "index"
    run_sync(shared_sim, index_dir)
    return index_dir


@dataclass
class CliResult:
    exit_code: int
    stdout: str
    stderr: str


def cli(*args: str, env: dict[str, str] | None = None) -> CliResult:
    """Run the real Typer app in-process and capture stdout and stderr separately."""
    runner = CliRunner()
    result = runner.invoke(app, list(args), env=env, catch_exceptions=False)
    return CliResult(result.exit_code, result.stdout, result.stderr)


def sim_env(simulator: Simulator) -> dict[str, str]:
    return {
        "GONG_BASE_URL": simulator.base_url,
        "GONG_ACCESS_KEY": "demo",
        "GONG_ACCESS_KEY_SECRET": "demo",
    }


os.environ.setdefault("COLUMNS", "200")


@pytest.fixture(scope="session")
def crafted_index(tmp_path_factory: pytest.TempPathFactory) -> Path:
    """The hand-written tenant of tests/crafted.py, synced through the simulator."""
    from .crafted import write_tenant

    base = tmp_path_factory.mktemp("crafted")
    with make_simulator(tenant_dir=write_tenant(base / "tenant")) as simulator:
        run_sync(simulator, base / "index")
    return base / "index"


@pytest.fixture(scope="session")
def hostile_index(tmp_path_factory: pytest.TempPathFactory) -> Path:
    """tests/web_tenant.py's calls (script, markup, javascript: links) synced via the simulator."""
    from .web_tenant import write_tenant

    base = tmp_path_factory.mktemp("hostile-web")
    with make_simulator(tenant_dir=write_tenant(base / "tenant")) as simulator:
        run_sync(simulator, base / "index")
    return base / "index"


@pytest.fixture(scope="session")
def web_url(synced_index: Path) -> Iterator[str]:
    """The search page over the shared synced index, on 127.0.0.1 (a random port)."""
    from gong_search.web.server import WebServer

    with WebServer(synced_index, port=0) as server:
        yield server.url


@pytest.fixture(scope="session")
def hostile_url(hostile_index: Path) -> Iterator[str]:
    from gong_search.web.server import WebServer

    with WebServer(hostile_index, port=0) as server:
        yield server.url


@pytest.fixture(scope="session")
def opensearch_url(tmp_path_factory: pytest.TempPathFactory) -> Iterator[str]:
    """A real single-node OpenSearch cluster for the whole session (see opensearch_node)."""
    from . import opensearch_node

    opensearch_node.ready()
    node = opensearch_node.Node(
        tmp_path_factory.mktemp("opensearch"), **{"discovery.type": "single-node"}
    )
    try:
        yield node.start().url
    finally:
        node.stop()


def pytest_collection_modifyitems(items: list[pytest.Item]) -> None:
    """Tests on a real OpenSearch node may include building the harness and starting (or
    restarting) JVMs: on a loaded 2-core machine that alone can take minutes."""
    for item in items:
        params = getattr(item, "callspec", None)
        on_node = "opensearch_url" in getattr(item, "fixturenames", ()) or (
            params is not None and params.params.get("engine") == "opensearch"
        )
        modules = ("opensearch_cli", "opensearch_cluster", "opensearch_config")
        if on_node or item.module.__name__.endswith(modules):
            item.add_marker(pytest.mark.timeout(900))
