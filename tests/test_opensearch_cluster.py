"""A real two-node OpenSearch cluster: shards on both nodes, searches answered by either,
one node lost without losing anything, and no commit while the cluster is red."""

from __future__ import annotations

from collections.abc import Iterator
from pathlib import Path

import pytest

from gong_search.engine import Engine, Filters, open_engine
from gong_search.engine_choice import EngineChoice
from gong_search.errors import IndexStoreError

from . import opensearch_node
from .opensearch_node import Node, get_json
from .test_engine_contract import CALLS, REP, joined


def test_missing_java_or_maven_is_a_one_line_reason(monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setenv("PATH", "/nonexistent")
    assert opensearch_node.missing_tools() == "OpenSearch tests need java and mvn on PATH"


@pytest.fixture(scope="module")
def cluster(tmp_path_factory: pytest.TempPathFactory) -> Iterator[tuple[Node, Node]]:
    """node-1 (cluster manager and data) and node-2 (data only, so stopping it keeps the
    cluster's one voting node)."""
    opensearch_node.ready()
    base = tmp_path_factory.mktemp("cluster")
    first = Node(base / "n1", "node-1")
    second = Node(base / "n2", "node-2", **{"node.roles": "data,ingest"})
    seeds = f"127.0.0.1:{first.transport_port},127.0.0.1:{second.transport_port}"
    first.settings |= {"discovery.seed_hosts": seeds,
                       "cluster.initial_cluster_manager_nodes": "node-1"}  # fmt: skip
    second.settings |= {"discovery.seed_hosts": seeds}
    try:
        first.start(wait_for="")
        second.start(wait_for="")
        first.wait("green")
        get_json(f"{first.url}/_cluster/health?wait_for_nodes=2&timeout=60s", timeout=70)
        yield first, second
    finally:
        second.stop()
        first.stop()


def engine_on(url: str, index_dir: Path) -> Engine:
    return open_engine(index_dir, EngineChoice("opensearch", url, shards=2))


def texts(engine: Engine, query: str) -> list[str]:
    with engine.searcher() as searcher:
        hits = searcher.search(query, "default", False, Filters(), want=None).hits
    return [h.sentence.text for h in hits]


def test_two_nodes_share_the_shards_and_survive_losing_one(cluster, tmp_path: Path) -> None:
    first, second = cluster
    engine = engine_on(first.url, tmp_path / "ix")
    engine.prepare()
    with engine.writer() as writer:
        for call_id in CALLS:
            writer.replace(joined(call_id), f"v1-{call_id}")
    alias = engine.store.alias  # type: ignore[attr-defined]
    get_json(f"{first.url}/_cluster/health/{alias}?wait_for_status=green&timeout=60s", 70)
    shards = get_json(f"{first.url}/_cat/shards/{alias}?format=json")
    assert {(s["shard"], s["prirep"]) for s in shards} == {
        (n, kind) for n in ("0", "1") for kind in ("p", "r")
    }  # 2 shards, 1 replica each
    assert {s["node"] for s in shards} == {"node-1", "node-2"}
    expected = texts(engine, "pricing objection")
    assert len(expected) == 7
    assert texts(engine_on(second.url, tmp_path / "ix"), "pricing objection") == expected

    second.stop()
    health = get_json(f"{first.url}/_cluster/health/{alias}?wait_for_status=yellow&timeout=60s")
    # yellow while the lost replicas are missing; green again once auto_expand_replicas
    # (0-1) shrinks the index to the one node left
    assert health["status"] in ("yellow", "green") and health["number_of_nodes"] == 1
    assert texts(engine, "pricing objection") == expected  # nothing lost
    assert engine.versions() == {c: f"v1-{c}" for c in CALLS}
    second.start()  # back for the next test
    get_json(f"{first.url}/_cluster/health?wait_for_nodes=2&timeout=60s", timeout=70)


def test_a_commit_is_refused_while_the_cluster_is_red(cluster, tmp_path: Path) -> None:
    first, second = cluster
    engine = engine_on(first.url, tmp_path / "ix")
    engine.prepare()
    with engine.writer() as writer:
        writer.replace(joined("c1"), "v1-c1")
    live = engine.store.live()  # type: ignore[attr-defined]
    engine.store.client.indices.put_settings(  # type: ignore[attr-defined]
        index=live,
        body={
            "index": {
                "auto_expand_replicas": "false",
                "number_of_replicas": 0,
                "routing.allocation.require._name": "node-2",
            }
        },  # fmt: skip
    )
    get_json(f"{first.url}/_cluster/health/{live}?wait_for_no_relocating_shards=true"
             "&wait_for_status=green&timeout=60s", timeout=70)  # fmt: skip
    second.stop()  # every copy of every shard was on node-2
    writer = engine.writer()
    writer.replace(joined("c2"), "v1-c2")
    with pytest.raises(IndexStoreError, match="cluster is red"):
        writer.commit()
    writer.close()
    second.start()
    get_json(f"{first.url}/_cluster/health/{live}?wait_for_status=green&timeout=60s", 70)
    assert engine.versions() == {"c1": "v1-c1"}  # nothing of the refused commit
    with engine.writer() as retry:
        retry.replace(joined("c2", [(REP, "Back again.")]), "v1-c2")
    assert texts(engine, "back") == ["Back again."]
