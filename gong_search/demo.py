"""``gong-search demo``: the whole product on a synthetic tenant, no Gong account needed.

The simulator runs in-process on a free loopback port; the demo index lives in a per-user
cache directory (never ``./index``, never a real index) and is rebuilt on every run.
"""

from __future__ import annotations

import shutil
from pathlib import Path

from .config import Credentials, Secret
from .gong.client import GongClient
from .harvest import SyncOptions, SyncReport, sync
from .index_dir import demo_index_dir
from .simulator import Simulator, SimulatorConfig

DEMO_TENANT = {"calls": 150, "seed": 42, "call_length": (40, 160), "rate": 0.0}
DEFAULT_QUERY = "pricing objection"
# What works best on the demo tenant, one feature each (tests/test_cli_manners.py checks
# that every search here finds sentences with all its words): a phrase said by customers,
# a fuzzy name with a typo, a relative date with one hit per call.
SHOWCASE = (
    ('"SOC 2 report"', "--customer", "-n", "3"),
    ("pricing", "--speaker", "jsoe", "-C", "1", "-n", "3"),
    ('"budget approval"', "--from", "30d", "--per-call", "1", "-n", "3"),
)


def build_demo_index(index_dir: Path | None = None, progress=None) -> tuple[Path, SyncReport]:
    """Serve a synthetic tenant on 127.0.0.1 and sync it into a fresh demo index."""
    index_dir = index_dir or demo_index_dir()
    if index_dir.exists():
        shutil.rmtree(index_dir)
    with Simulator(SimulatorConfig(**DEMO_TENANT)).start() as simulator:
        creds = Credentials(simulator.base_url, "demo", Secret("demo"))
        with GongClient(creds, rate=0) as client:
            report = sync(index_dir, client, SyncOptions(), progress)
    return index_dir, report


def suggestions(top_call: str | None, at: str | None) -> list[tuple[str, ...]]:
    """The commands the demo suggests next (without the program and ``--index``): the
    showcase searches, the top hit's call opened at its moment, then speakers, status and
    an export."""
    read = [("show", top_call, "--at", at, "-C", "2")] if top_call and at else []
    return [*SHOWCASE, *read, ("speakers", "jose"), ("status",)]
