"""A real OpenSearch node for tests, from the Maven harness in ``tools/opensearch``.

The harness is built once (``mvn -q -B package``; jars cached in ``~/.m2`` and
``tools/opensearch/target``), then each node is a JVM on 127.0.0.1 with free ports and its
home in a temporary directory, stopped by its PID. Locally the tests that need a node are
skipped when Java or Maven is absent; in CI (``GONG_SEARCH_REQUIRE_OPENSEARCH=1``, set by
``.ci/run``) that is a failure instead.
"""

from __future__ import annotations

import json
import os
import shutil
import signal
import socket
import subprocess
import time
import urllib.request
from pathlib import Path

HARNESS = Path(__file__).resolve().parent.parent / "tools" / "opensearch"
JAR = HARNESS / "target" / "opensearch-test-node-1.jar"
REQUIRED_ENV = "GONG_SEARCH_REQUIRE_OPENSEARCH"
HEAP = ("-Xms512m", "-Xmx1g")  # fits the 2-core, shared machines
START_TIMEOUT = 300.0  # a loaded 2-core machine has taken 40 s to initialise a node


def missing_tools() -> str | None:
    """Why no node can be started here (None: Java and Maven are both there)."""
    absent = [tool for tool in ("java", "mvn") if shutil.which(tool) is None]
    return f"OpenSearch tests need {' and '.join(absent)} on PATH" if absent else None


def required() -> bool:
    return os.environ.get(REQUIRED_ENV) == "1"


def ready() -> None:
    """Built and startable, or the test stops: skipped where Java or Maven is absent,
    failed instead where CI requires these tests (``REQUIRED_ENV``)."""
    import pytest

    reason = missing_tools()
    if reason:
        if required():
            pytest.fail(reason)
        pytest.skip(reason)
    build()


def build() -> None:
    """Compile the launcher and copy the runtime jars, unless already up to date."""
    sources = [HARNESS / "pom.xml", *HARNESS.glob("src/**/*.java")]
    newest = max(p.stat().st_mtime for p in sources)
    if JAR.exists() and JAR.stat().st_mtime >= newest and (HARNESS / "target" / "lib").is_dir():
        return
    shutil.rmtree(HARNESS / "target", ignore_errors=True)  # no stale jars on the class path
    done = subprocess.run(
        ["mvn", "-q", "-B", "package"], cwd=HARNESS, capture_output=True, text=True, timeout=900
    )
    if done.returncode != 0:
        raise RuntimeError(f"mvn package failed in {HARNESS}:\n{done.stdout[-3000:]}")


def free_port() -> int:
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        return sock.getsockname()[1]


def get_json(url: str, timeout: float = 5.0) -> dict:
    with urllib.request.urlopen(url, timeout=timeout) as answer:
        return json.load(answer)


class Node:
    """One OpenSearch JVM; ``url`` is its HTTP address once :meth:`start` returns."""

    def __init__(self, home: Path, name: str = "node-1", **settings: str) -> None:
        self.home = home
        self.name = name
        self.http_port = free_port()
        self.transport_port = free_port()
        self.url = f"http://127.0.0.1:{self.http_port}"
        self.settings = {
            "node.name": name,
            "cluster.name": "gong-search-test",
            "path.home": str(home),
            "path.data": str(home / "data"),
            "network.host": "127.0.0.1",
            "http.port": str(self.http_port),
            "transport.port": str(self.transport_port),
            "cluster.routing.allocation.disk.threshold_enabled": "false",
            **settings,
        }
        self.process: subprocess.Popen | None = None

    def start(self, wait_for: str = "yellow") -> Node:
        self.home.mkdir(parents=True, exist_ok=True)
        log = open(self.home / "node.log", "wb")  # noqa: SIM115 (the JVM writes it)
        class_path = f"{JAR}{os.pathsep}{HARNESS / 'target' / 'lib' / '*'}"
        args = [f"{key}={value}" for key, value in self.settings.items()]
        self.process = subprocess.Popen(
            ["java", *HEAP, "-cp", class_path, "gongsearch.TestNode", *args],
            stdout=log,
            stderr=subprocess.STDOUT,
            stdin=subprocess.DEVNULL,
        )
        log.close()
        if wait_for:
            self.wait(wait_for)
        return self

    def wait(self, status: str, timeout: float = START_TIMEOUT) -> None:
        """Until the cluster reports ``status`` (or better) through this node."""
        deadline = time.monotonic() + timeout
        while time.monotonic() < deadline:
            if self.process is not None and self.process.poll() is not None:
                raise RuntimeError(f"{self.name} exited:\n{self.log_tail()}")
            try:
                get_json(f"{self.url}/_cluster/health?wait_for_status={status}&timeout=2s")
                return
            except OSError:
                time.sleep(0.5)
        raise RuntimeError(f"{self.name} not {status} after {timeout:.0f} s:\n{self.log_tail()}")

    def log_tail(self) -> str:
        return (self.home / "node.log").read_text(errors="replace")[-3000:]

    def stop(self) -> None:
        """SIGTERM by PID (the launcher closes the node), SIGKILL if it hangs."""
        if self.process is None or self.process.poll() is not None:
            return
        os.kill(self.process.pid, signal.SIGTERM)
        try:
            self.process.wait(timeout=30)
        except subprocess.TimeoutExpired:
            os.kill(self.process.pid, signal.SIGKILL)
            self.process.wait(timeout=10)
