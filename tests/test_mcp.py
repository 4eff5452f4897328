"""The MCP server end to end: the SDK's own client talks to a real ``gong-search mcp``
subprocess (stdio, then streamable HTTP) serving an index synced from the simulator, and
every answer is checked against the library (the oracle) and the documented caps."""

from __future__ import annotations

import dataclasses
import json
import shutil
import socket
import threading
from collections.abc import Iterator
from datetime import UTC, datetime, timedelta
from pathlib import Path

import click
import httpx
import pytest
from typer.main import get_command

from gong_search import SearchOptions, count, search
from gong_search.accounts import list_accounts
from gong_search.call_options import CallsOptions
from gong_search.calls import list_calls
from gong_search.cli import app
from gong_search.mcp_schema import (
    CAPS,
    MAX_CHARS,
    SEARCH_HIDDEN,
    facets_schema,
    model_schema,
    search_schema,
)
from gong_search.search import count_with_facets
from gong_search.status import status

from .conftest import cli, make_simulator, run_sync
from .mcp_client import McpClient, http_server, http_session, stdio_session

TOOL_NAMES = {
    *("search", "count", "facets", "list_calls", "show_call", "speakers", "accounts"),
    "status",
}


@pytest.fixture(scope="module")
def client(synced_index: Path, tmp_path_factory: pytest.TempPathFactory) -> Iterator[McpClient]:
    with stdio_session(synced_index, tmp_path_factory.mktemp("state")) as session:
        yield session


def _ids(hits: list[dict]) -> list[tuple[str, str, str]]:
    return [(h["call_id"], h["at"], h["text"]) for h in hits]


# -- tools and schemas -----------------------------------------------------------------


def test_every_tool_is_listed_read_only_with_a_description_and_an_object_schema(
    client: McpClient,
) -> None:
    tools = client.tools()
    assert set(tools) == TOOL_NAMES
    for tool in tools.values():
        assert len(tool.description) > 150, tool.name
        assert tool.inputSchema["type"] == "object"
        assert tool.inputSchema["additionalProperties"] is False
        assert tool.annotations.readOnlyHint is True
    assert tools["search"].inputSchema["required"] == ["query"]
    assert tools["show_call"].inputSchema["required"] == ["call_id"]


def test_search_schema_is_the_request_model_with_the_tools_bounds(client: McpClient) -> None:
    listed = client.tools()["search"].inputSchema["properties"]
    model = SearchOptions.json_schema()["properties"]
    assert set(listed) == {"query"} | set(model) - set(SEARCH_HIDDEN)
    for name, prop in model.items():
        if name in SEARCH_HIDDEN:
            continue
        assert listed[name]["description"].startswith(prop["description"]), name
        assert listed[name]["type"] == prop["type"], name
    for name, (low, high, _) in CAPS.items():
        assert (listed[name]["minimum"], listed[name]["maximum"]) == (low, high)
    counting = client.tools()["count"].inputSchema["properties"]
    assert "limit" not in counting and "speakers" in counting
    faceting = client.tools()["facets"].inputSchema
    assert faceting["properties"]["facets"] == model["facets"]
    assert set(faceting["required"]) == {"query", "facets"}


def _cli_options(command: str) -> dict[str, click.Option]:
    group = get_command(app)
    ctx = click.Context(group)
    params = group.get_command(ctx, command).get_params(ctx)
    return {opt: p for p in params if isinstance(p, click.Option) for opt in p.opts}


@pytest.mark.parametrize(
    ("model", "command", "properties"),
    [
        (
            SearchOptions,
            "search",
            {**facets_schema()["properties"], **search_schema()["properties"]},
        ),
        (CallsOptions, "calls", model_schema(CallsOptions.json_schema())["properties"]),
    ],
)
def test_tool_schemas_and_cli_options_come_from_one_definition(model, command, properties) -> None:
    """Every flagged model field is a CLI option with the model's help and an argument of
    the search or facets tool with the model's description: a filter added to the model
    without either fails here."""
    options = _cli_options(command)
    for field in dataclasses.fields(model):
        flag = field.metadata.get("flag")
        if not flag:
            continue
        assert flag in options, f"{command} lacks {flag}"
        assert options[flag].help == field.metadata["help"], flag
        assert properties[field.name]["description"].startswith(field.metadata["help"])


def test_a_field_added_to_a_model_appears_in_the_tool_schema() -> None:
    from gong_search.model import option

    @dataclasses.dataclass(frozen=True)
    class Wider(CallsOptions):
        stages: tuple[str, ...] = option((), "Deal stage (repeatable).", flag="--stage")

    assert "stages" in model_schema(Wider.json_schema())["properties"]
    assert "stages" not in model_schema(CallsOptions.json_schema())["properties"]


# -- search and count ------------------------------------------------------------------


def test_search_hits_are_the_librarys_with_citations(client: McpClient, synced_index: Path) -> None:
    args = {"query": "pricing", "customer": True, "limit": 7, "before": 1}
    answer = client.call("search", args).json
    expected = search(synced_index, "pricing", SearchOptions(customer=True, limit=7, before=1))
    assert _ids(answer["hits"]) == [(h.call_id, h.at, h.text) for h in expected.hits]
    assert answer["total"] == expected.total and answer["next_offset"] == expected.next_offset
    for hit in answer["hits"]:
        assert hit["call_url"].startswith("https://") and hit["call_url"].endswith(hit["call_id"])
        assert hit["affiliation"] != "Internal" and hit["speaker"] and hit["date"][:4].isdigit()
        assert all(not domain.endswith("northwind-cloud.com") for domain in hit["accounts"])
    assert any(hit["context_before"] for hit in answer["hits"])


def test_search_defaults_to_ten_hits_and_pages_with_next_offset(
    client: McpClient, synced_index: Path
) -> None:
    first = client.call("search", {"query": "budget OR pricing"}).json
    assert len(first["hits"]) == CAPS["limit"][2] and first["truncated"]
    second = client.call("search", {"query": "budget OR pricing", "offset": first["next_offset"]})
    whole = search(synced_index, "budget OR pricing", SearchOptions(limit=20))
    paged = _ids(first["hits"]) + _ids(second.json["hits"])
    assert paged == [(h.call_id, h.at, h.text) for h in whole.hits]


def test_no_search_answer_exceeds_the_cap_and_a_cut_says_how_to_go_on(
    client: McpClient, synced_index: Path
) -> None:
    args = {"query": "the OR a OR we", "limit": 50, "before": 5, "after": 5}
    answer = client.call("search", args)
    assert len(answer.text) <= MAX_CHARS
    cut = answer.json
    assert cut["truncated"] and len(cut["hits"]) < 50
    assert f"offset={cut['next_offset']}" in cut["note"]
    rest = client.call("search", {**args, "offset": cut["next_offset"], "limit": 1}).json
    whole = search(synced_index, "the OR a OR we", SearchOptions(limit=cut["next_offset"] + 1))
    assert _ids(rest["hits"]) == [(h.call_id, h.at, h.text) for h in whole.hits[-1:]]


def test_count_is_the_librarys_count(client: McpClient, synced_index: Path) -> None:
    answer = client.call("count", {"query": "pricing", "internal": True}).json
    sentences, calls = count(synced_index, "pricing", SearchOptions(internal=True))
    assert (answer["sentences"], answer["calls"]) == (sentences, calls) and sentences > 0


def test_facets_are_the_librarys_exact_counts_top_first(
    client: McpClient, synced_index: Path
) -> None:
    args = {"query": "pricing", "customer": True, "facets": ["account", "speaker"], "top": 3}
    answer = client.call("facets", args).json
    options = SearchOptions(customer=True, facets=("account", "speaker"))
    expected = count_with_facets(synced_index, "pricing", options)
    assert (answer["sentences"], answer["calls"]) == (expected.sentences, expected.calls)
    for name in ("account", "speaker"):
        values = [(v.value, v.sentences, v.calls) for v in expected.facets[name]]
        shown = [(v["value"], v["sentences"], v["calls"]) for v in answer["facets"][name]]
        assert shown == values[:3]
        assert answer["more_values"].get(name, 0) == max(0, len(values) - 3)


def test_facets_over_everything_stay_under_the_cap(client: McpClient) -> None:
    every = client.tools()["facets"].inputSchema["properties"]["facets"]["items"]["enum"]
    answer = client.call("facets", {"query": "the OR a", "facets": every, "top": 100})
    assert not answer.is_error and len(answer.text) <= MAX_CHARS
    assert set(answer.json["facets"]) == set(every)


def test_search_within_summaries_says_what_kind_each_hit_is(
    client: McpClient, synced_index: Path
) -> None:
    args = {"query": "pricing OR budget OR security", "within": "all", "limit": 50}
    answer = client.call("search", args).json
    hits = answer["hits"]  # as many as fit under the cap
    options = SearchOptions(within="all", limit=50)
    expected = search(synced_index, "pricing OR budget OR security", options).hits
    assert [h["kind"] for h in hits] == [h.kind for h in expected[: len(hits)]]
    assert len(hits) == 50 or answer["next_offset"] == len(hits)
    assert {h["kind"] for h in hits} - {"transcript"}, "no note among the hits"


@pytest.mark.parametrize(
    ("arguments", "cli_args"),
    [
        ({"query": '"open'}, ['"open']),
        ({"query": "pricing", "per_call": -1}, ["pricing", "--per-call", "-1"]),
        ({"query": "pricing", "speakers": ["zzqqxx"]}, ["pricing", "--speaker", "zzqqxx"]),
        ({"query": "pricing", "start": "yesterdayish"}, ["pricing", "--from", "yesterdayish"]),
        ({"query": "pricing", "customer": True, "internal": True}, ["pricing", "--customer"]),
    ],
)
def test_bad_search_arguments_are_tool_errors_with_the_clis_message(
    client: McpClient, synced_index: Path, arguments: dict, cli_args: list[str]
) -> None:
    answer = client.call("search", arguments)
    assert answer.is_error and "\n" not in answer.text
    if "internal" in arguments:
        cli_args = [*cli_args, "--internal"]
    done = cli("search", *cli_args, "--index", str(synced_index), "-f", "table")
    assert done.exit_code == 2
    assert done.stderr.strip() == f"gong-search: error: {answer.text}"


@pytest.mark.parametrize(
    ("tool", "arguments", "says"),
    [
        ("search", {"query": "pricing", "limit": 51}, "limit must be a whole number from 1 to 50"),
        ("search", {"query": "pricing", "limit": 0}, "limit must be a whole number from 1 to 50"),
        ("search", {"query": "pricing", "before": 6}, "before must be a whole number from 0 to 5"),
        ("search", {"query": "pricing", "colour": "red"}, "unknown argument 'colour'"),
        ("search", {}, "query must be text"),
        ("count", {"query": "pricing", "limit": 5}, "unknown argument 'limit'"),
        ("count", {"query": "pricing", "facets": ["account"]}, "unknown argument 'facets'"),
        ("facets", {"query": "pricing"}, "facets: name at least one of account"),
        ("facets", {"query": "pricing", "facets": ["colour"]}, "--facet must be account"),
        ("facets", {"query": "pricing", "facets": ["account"], "top": 0}, "top must be a"),
        ("list_calls", {"limit": 101}, "limit must be a whole number from 1 to 100"),
        ("list_calls", {"participants": ["zzqqxx"]}, "no participant matches 'zzqqxx'"),
        ("list_calls", {"accounts": ["zzqqxx"]}, "no account matches 'zzqqxx' (closest:"),
        ("show_call", {}, "call_id must be a call's id"),
        ("show_call", {"call_id": "123"}, "no call '123' in the index"),
        ("show_call", {"call_id": "1", "at": "soon"}, "'soon' is not a time"),
        ("show_call", {"call_id": "1", "unit": "hours"}, "unit must be sentences or seconds"),
        ("speakers", {"limit": "many"}, "limit must be a whole number from 1 to 100"),
        ("accounts", {"limit": 101}, "limit must be a whole number from 1 to 100"),
        ("accounts", {"name": 7}, "name must be text"),
        ("status", {"verbose": True}, "unknown argument 'verbose'"),
        ("no_such_tool", {}, "unknown tool 'no_such_tool'"),
    ],
)
def test_invalid_arguments_are_one_line_tool_errors(
    client: McpClient, tool: str, arguments: dict, says: str
) -> None:
    answer = client.call(tool, arguments)
    assert answer.is_error and says in answer.text and "\n" not in answer.text


# -- calls, speakers, status -----------------------------------------------------------


def test_list_calls_filters_by_account_and_window_newest_first(
    client: McpClient, synced_index: Path
) -> None:
    everything = list_calls(synced_index, CallsOptions(limit=0)).calls
    middle = sorted(c.call.started for c in everything)[len(everything) // 2]
    domain = next(d for c in everything for d in c.as_json()["accounts"])
    args = {"accounts": [domain.split(".")[0]], "start": middle.isoformat(), "limit": 100}
    answer = client.call("list_calls", args).json
    expected = [
        c.call.id
        for c in everything
        if domain in c.as_json()["accounts"] and c.call.started >= middle
    ]
    assert [c["call_id"] for c in answer["calls"]] == expected and expected
    assert answer["total"] == len(expected)
    for listed in answer["calls"]:
        assert listed["url"].endswith(listed["call_id"]) and listed["duration"] > 0
        assert listed["sentences"] >= 0 and listed["title"]


def test_list_calls_pages_and_stays_under_the_cap(client: McpClient) -> None:
    first = client.call("list_calls", {"limit": 5})
    assert len(first.text) <= MAX_CHARS
    page = first.json
    assert len(page["calls"]) == 5 and page["next_offset"] == 5
    second = client.call("list_calls", {"limit": 5, "offset": 5}).json
    both = client.call("list_calls", {"limit": 10}).json
    assert page["calls"] + second["calls"] == both["calls"]


def test_show_call_reads_a_window_around_a_hit_by_id_or_url(
    client: McpClient, synced_index: Path
) -> None:
    hit = search(synced_index, "pricing", SearchOptions(limit=1)).hits[0]
    shown = client.call("show_call", {"call_id": hit.call_url, "at": hit.at, "before": 2}).json
    texts = [s["text"] for s in shown["sentences"]]
    assert hit.text in texts and texts.index(hit.text) <= 2 and len(texts) <= 2 + 1 + 10
    assert shown["call_id"] == hit.call_id and shown["url"] == hit.call_url
    assert shown["parties"] and shown["title"] == hit.call_title
    by_id = client.call("show_call", {"call_id": hit.call_id, "at": hit.at, "before": 2}).json
    assert by_id == shown
    start = client.call("show_call", {"call_id": hit.call_id, "after": 2}).json
    assert [s["ordinal"] for s in start["sentences"]] == [0, 1, 2]
    assert start["more_before"] is False
    seconds = client.call(
        "show_call",
        {"call_id": hit.call_id, "at": "0:30", "before": 5, "after": 20, "unit": "seconds"},
    ).json
    assert seconds["sentences"]
    assert all(25_000 <= s["start_ms"] <= 50_000 for s in seconds["sentences"])


def test_speakers_resolves_a_typo_and_suggests_on_no_match(client: McpClient) -> None:
    everyone = client.call("speakers", {"limit": 100}).json["speakers"]
    name = everyone[0]["name"]
    typo = name[:-2] + name[-1] + name[-2]  # the last two letters swapped
    found = client.call("speakers", {"name": typo}).json
    assert name in [s["name"] for s in found["speakers"]]
    none = client.call("speakers", {"name": "zzqqxx"}).json
    assert none["speakers"] == [] and "closest:" in none["note"]


def test_accounts_resolves_a_fuzzy_company_name_like_the_library(
    client: McpClient, synced_index: Path
) -> None:
    everyone = list_accounts(synced_index)
    listed = client.call("accounts", {"limit": 100}).json
    assert [a["name"] for a in listed["accounts"]] == [a.name for a in everyone]
    wanted = everyone[0].name.split()[0].lower()[:-1]  # a first word, one letter short
    found = client.call("accounts", {"name": wanted}).json["accounts"]
    assert [a["name"] for a in found] == [a.name for a in list_accounts(synced_index, wanted)]
    assert everyone[0].name in [a["name"] for a in found]
    none = client.call("accounts", {"name": "zzqqxx"}).json
    assert none["accounts"] == [] and "no account matches 'zzqqxx' (closest:" in none["note"]


def test_status_reports_the_indexs_coverage(client: McpClient, synced_index: Path) -> None:
    answer = client.call("status").json
    expected = status(synced_index).as_json()
    for key in ("calls", "sentences", "first_call", "last_call", "last_sync", "in_sync"):
        assert answer[key] == expected[key], key


# -- a missing or damaged index --------------------------------------------------------


def test_a_missing_then_damaged_index_is_a_tool_error_and_the_server_goes_on(
    synced_index: Path, tmp_path: Path
) -> None:
    index = tmp_path / "index"
    with stdio_session(index, tmp_path / "state") as session:
        for tool, args in (("search", {"query": "pricing"}), ("status", {}), ("list_calls", {})):
            answer = session.call(tool, args)
            assert answer.is_error and "no gong-search index here" in answer.text, tool
        shutil.copytree(synced_index, index)
        assert session.call("search", {"query": "pricing"}).json["hits"]
        (index / "catalog.sqlite3").write_bytes(b"not a database" * 100)
        for name in ("catalog.sqlite3-wal", "catalog.sqlite3-shm"):
            (index / name).unlink(missing_ok=True)
        damaged = session.call("search", {"query": "pricing"})
        assert damaged.is_error and "catalog" in damaged.text and "\n" not in damaged.text
        assert session.call("speakers", {}).is_error


def test_tool_calls_during_a_sync_answer_from_the_last_commit(tmp_path: Path) -> None:
    index = tmp_path / "index"
    week_ago = datetime.now(UTC) - timedelta(days=7)
    with make_simulator(calls=150) as simulator:
        run_sync(simulator, index, start=week_ago)
        with stdio_session(index, tmp_path / "state") as session:
            before = session.call("count", {"query": "pricing OR budget"}).json["sentences"]
            everything = {"start": week_ago - timedelta(days=90)}
            backfill = threading.Thread(target=run_sync, args=(simulator, index), kwargs=everything)
            backfill.start()
            seen = [before]
            while backfill.is_alive():
                answer = session.call("search", {"query": "pricing OR budget", "limit": 3})
                seen.append(answer.json["total"])
            backfill.join()
            after = session.call("count", {"query": "pricing OR budget"}).json["sentences"]
    assert len(seen) > 2, "no tool call ran during the sync"
    assert seen == sorted(seen) and after > before
    assert after == count(index, "pricing OR budget")[0]


# -- streamable HTTP -------------------------------------------------------------------


def test_http_serves_the_same_tools_only_with_the_bearer_token(
    synced_index: Path, tmp_path: Path
) -> None:
    with http_server(synced_index, tmp_path / "state") as (url, token):
        assert len(token) >= 32
        initialize = {"jsonrpc": "2.0", "id": 1, "method": "initialize", "params": {}}
        headers = {"Accept": "application/json, text/event-stream"}
        for auth in ({}, {"Authorization": "Bearer wrong"}, {"Authorization": token}):
            refused = httpx.post(url, json=initialize, headers={**headers, **auth})
            assert refused.status_code == 401
            assert refused.headers["www-authenticate"] == "Bearer"
        with http_session(url, token) as session:
            assert set(session.tools()) == TOOL_NAMES
            answer = session.call("search", {"query": "pricing", "limit": 3}).json
            expected = search(synced_index, "pricing", SearchOptions(limit=3))
            assert _ids(answer["hits"]) == [(h.call_id, h.at, h.text) for h in expected.hits]
            assert session.call("search", {"query": '"open'}).is_error


def test_http_takes_its_token_from_a_file_and_never_prints_it(
    synced_index: Path, tmp_path: Path
) -> None:
    token_file = tmp_path / "token"
    token_file.write_text("a-token-chosen-by-the-user-0123456789\n")
    with http_server(synced_index, tmp_path / "state", "--token-file", str(token_file)) as (
        url,
        printed,
    ):
        assert printed == ""
        with http_session(url, "a-token-chosen-by-the-user-0123456789") as session:
            assert json.loads(session.call("status").text)["calls"] > 0


@pytest.mark.parametrize(
    ("args", "says"),
    [
        (["--http", "--host", "0.0.0.0"], "refusing to listen on 0.0.0.0: not a loopback"),
        (["--http", "--host", "10.1.2.3", "--allow-remote"], "--allow-remote needs --token-file"),
        (["--port", "9000"], "need --http"),
        (["--http", "--token-file", "/nonexistent/token"], "cannot read the token file"),
    ],
)
def test_mcp_refuses_unsafe_or_inconsistent_options(args: list[str], says: str) -> None:
    done = cli("mcp", *args)
    assert done.exit_code == 2 and says in done.stderr


def test_a_port_in_use_is_a_one_line_error(tmp_path: Path) -> None:
    with socket.socket() as taken:
        taken.bind(("127.0.0.1", 0))
        taken.listen()
        port = str(taken.getsockname()[1])
        done = cli("mcp", "--http", "--port", port, "--index", str(tmp_path / "index"))
    assert done.exit_code == 2
    assert f"cannot listen on 127.0.0.1:{port} (Address already in use)" in done.stderr


def test_mcp_refuses_a_short_token(tmp_path: Path) -> None:
    (tmp_path / "token").write_text("short\n")
    done = cli("mcp", "--http", "--token-file", str(tmp_path / "token"))
    assert done.exit_code == 2 and "at least 16 printable characters" in done.stderr
