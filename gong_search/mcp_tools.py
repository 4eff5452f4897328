"""The MCP server's tools: what each is for (written for an agent) and its answer, a
bounded JSON text built from the library's results. No MCP SDK here (``mcp_server.py``);
schemas and bounds are in ``mcp_schema.py``.
"""

from __future__ import annotations

from collections.abc import Callable, Mapping
from dataclasses import dataclass
from pathlib import Path
from typing import Any

from .accounts import list_accounts
from .call_options import CallsOptions, WindowOptions
from .calls import call_accounts, call_window, list_calls
from .engine import FACETS
from .errors import GongSearchError, QueryError
from .export import dumps
from .mcp_schema import (
    CALL_CAPS,
    CAPS,
    CLIPPED,
    FACET_CAPS,
    MAX_CHARS,
    MAX_SENTENCE_CHARS,
    NAME_CAPS,
    STATUS_SCHEMA,
    WINDOW_CAPS,
    bounded,
    calls_schema,
    clip,
    facets_schema,
    name_schema,
    parse_arguments,
    search_schema,
    split_query,
    window_schema,
)
from .names import no_match
from .search import Hit, count, count_with_facets, facets_json, search
from .search_options import SearchOptions
from .show import list_speakers, speaker_json
from .status import status


@dataclass(frozen=True)
class Tool:
    name: str
    description: str
    schema: dict[str, Any]
    run: Callable[[Path, dict[str, Any]], str]


def run_search(index_dir: Path, arguments: dict[str, Any]) -> str:
    query, rest = split_query(arguments)
    options = parse_arguments(rest, search_schema(), CAPS, _search_options)
    result = search(index_dir, query, options)
    accounts = call_accounts(index_dir, {h.call_id for h in result.hits}) if result.hits else {}
    payload = {
        "query": query,
        "total": result.total,
        "total_all_words": result.total_all_words,
        "offset": result.offset,
        "truncated": result.truncated,
        "next_offset": result.next_offset,
        "matched_speakers": result.matched_speakers,
        "hits": [_hit(h, accounts.get(h.call_id, [])) for h in result.hits],
    }
    if result.truncated:
        payload["note"] = f"more hits: call again with offset={result.next_offset}"

    def more(shown: int) -> str:
        payload["next_offset"] = result.offset + shown
        return (
            f"call again with offset={result.offset + shown}, or narrow the search "
            "(filters, per_call, fewer context sentences)"
        )

    return bounded(payload, "hits", more)


def _search_options(values: Mapping[str, Any]) -> SearchOptions:
    return SearchOptions.from_mapping({**values, "highlight": False})


def _hit(hit: Hit, accounts: list[str]) -> dict[str, Any]:
    return {
        "call_id": hit.call_id,
        "call_title": hit.call_title,
        "call_url": hit.call_url,
        "date": hit.call_started.isoformat(),
        "accounts": accounts,
        "speaker": hit.speaker_name,
        "speaker_email": hit.speaker_email,
        "affiliation": hit.affiliation,
        "at": hit.at,
        "text": clip(hit.text),
        "context_before": [f"{c.at} {c.speaker_name}: {clip(c.text)}" for c in hit.context_before],
        "context_after": [f"{c.at} {c.speaker_name}: {clip(c.text)}" for c in hit.context_after],
        "kind": hit.kind,  # transcript, or a note: brief, key_point, highlight, outline, comment
        **({"heading": clip(hit.heading)} if hit.heading else {}),
        **({"trackers": list(hit.trackers)} if hit.trackers else {}),
    }


def run_count(index_dir: Path, arguments: dict[str, Any]) -> str:
    query, rest = split_query(arguments)
    options = parse_arguments(rest, search_schema(paging=False), {}, _search_options)
    sentences, calls = count(index_dir, query, options)
    return dumps({"query": query, "sentences": sentences, "calls": calls})


def run_facets(index_dir: Path, arguments: dict[str, Any]) -> str:
    query, rest = split_query(arguments)
    top = rest.pop("top", FACET_CAPS["top"][2])
    parse_arguments({"top": top}, {"properties": {"top": {}}}, FACET_CAPS, dict)
    options = parse_arguments(rest, facets_schema(), {}, _search_options)
    if not options.facets:
        raise QueryError("facets: name at least one of " + ", ".join(FACETS))
    counted = count_with_facets(index_dir, query, options)
    every = facets_json(counted.facets)
    while True:
        payload = {
            "query": query,
            "sentences": counted.sentences,
            "calls": counted.calls,
            "facets": {name: values[:top] for name, values in every.items()},
            "more_values": {n: len(v) - top for n, v in every.items() if len(v) > top},
        }
        text = dumps(payload)
        if len(text) <= MAX_CHARS or top == 1:
            return text if len(text) <= MAX_CHARS else dumps({"note": _TOO_BIG})
        top = max(1, top // 2)  # the cap: fewer values per facet, said in more_values


_TOO_BIG = f"the answer would exceed {MAX_CHARS:,} characters; ask for fewer facets"


def run_list_calls(index_dir: Path, arguments: dict[str, Any]) -> str:
    options = parse_arguments(arguments, calls_schema(), CALL_CAPS, CallsOptions.from_mapping)
    found = list_calls(index_dir, options)
    payload = {**found.as_json(), "truncated": found.next_offset is not None}
    del payload["schema_version"]
    for listed in payload["calls"]:
        _clip_notes(listed)
    if found.next_offset is not None:
        payload["note"] = f"more calls: call again with offset={found.next_offset}"

    def more(shown: int) -> str:
        payload["next_offset"] = options.offset + shown
        return f"call again with offset={options.offset + shown}"

    return bounded(payload, "calls", more)


def run_show_call(index_dir: Path, arguments: dict[str, Any]) -> str:
    rest = dict(arguments)
    call_id = rest.pop("call_id", None)
    if not isinstance(call_id, str) or not call_id.strip():
        raise QueryError("call_id must be a call's id (as in a hit's call_id)")
    options = parse_arguments(rest, window_schema(), WINDOW_CAPS, WindowOptions.from_mapping)
    shown = call_window(index_dir, _call_id(call_id), options).as_json()
    del shown["schema_version"]
    _clip_notes(shown)
    for sentence in shown["sentences"]:
        sentence["text"] = clip(sentence["text"])

    def more(count: int) -> str:
        shown["more_after"] = True
        last = shown["sentences"][count - 1]["at"] if count else options.at
        return f"read on with at={last!r} and before=0, or ask for a smaller window"

    return bounded(shown, "sentences", more)


def _clip_notes(call: dict[str, Any]) -> None:
    """Gong's brief and key points, each no longer than a sentence may be."""
    call["brief"] = clip(call["brief"])
    call["key_points"] = [clip(k) for k in call["key_points"]]


def _call_id(text: str) -> str:
    """A call id, also from the call URL a hit cites (``...call?id=123``)."""
    text = text.strip()
    return text.rsplit("id=", 1)[1].split("&")[0] if "id=" in text else text


def run_speakers(index_dir: Path, arguments: dict[str, Any]) -> str:
    name, limit = _name_and_limit(arguments, SPEAKERS_SCHEMA)
    found = [speaker_json(s) for s in list_speakers(index_dir, name)]
    everyone = [s.name for s in list_speakers(index_dir)] if name and not found else []
    return _named_list("speakers", "speaker", found, name, limit, everyone)


def run_accounts(index_dir: Path, arguments: dict[str, Any]) -> str:
    name, limit = _name_and_limit(arguments, ACCOUNTS_SCHEMA)
    found = [a.as_json() for a in list_accounts(index_dir, name)]
    everyone = [a.name for a in list_accounts(index_dir)] if name and not found else []
    return _named_list("accounts", "account", found, name, limit, everyone)


def _name_and_limit(arguments: dict[str, Any], schema: dict[str, Any]) -> tuple[str | None, int]:
    values = parse_arguments(arguments, schema, NAME_CAPS, dict)
    name = values.get("name")
    if name is not None and not isinstance(name, str):
        raise QueryError("name must be text (a name, part of one, or an e-mail)")
    return name or None, values["limit"]


def _named_list(
    key: str, kind: str, found: list[dict], name: str | None, limit: int, everyone: list[str]
) -> str:
    """Matches of a fuzzy name, best first; none at all names the closest instead."""
    payload: dict[str, Any] = {
        "total": len(found),
        "truncated": len(found) > limit,
        key: found[:limit],
    }
    if name and not found:
        payload["note"] = no_match(kind, name, everyone)
    elif len(found) > limit:
        payload["note"] = f"{len(found) - limit} more: give a more specific name"
    return bounded(payload, key, lambda shown: "give a more specific name")


SPEAKERS_SCHEMA = name_schema(
    "Speakers", "A name, part of one, a typo of one, or an e-mail; omit for everyone."
)
ACCOUNTS_SCHEMA = name_schema(
    "Accounts", "A CRM account name or e-mail domain, fuzzy (e.g. globex); omit for all."
)


def run_status(index_dir: Path, arguments: dict[str, Any]) -> str:
    parse_arguments(arguments, STATUS_SCHEMA, {}, dict)
    payload = status(index_dir).as_json()
    del payload["schema_version"]
    return bounded(payload, "pending", lambda shown: "the pending calls are listed oldest first")


# -- the list an agent sees ------------------------------------------------------------

_CITE = (
    "Cite call_url (the call in Gong) with the date and `at` (m:ss into the call) for every claim."
)
TOOLS = (
    Tool(
        "search",
        "Find what was said on sales calls: ranked sentences from every synced Gong call "
        "transcript, each with who said it (speaker, affiliation Internal/External/Unknown), "
        "the call's title, date, accounts (CRM account, else customer e-mail domain), `at` "
        "(m:ss into the call) and its call_url. Use for 'what did customers say about X'. "
        "Filters: customer=true (not said by our people), speakers, accounts, deals, stages, "
        "participants, trackers, start/end (2026-01-05, 7d, 'last quarter'), title, hosts, "
        "call_ids, durations; "
        "within='summary'|'comments'|'all' also searches Gong's briefs, key points and "
        "comments (hit kind says which). per_call=1 gives one hit per call; before/after add "
        f"context sentences. {CAPS['limit'][2]} hits by default, at most {CAPS['limit'][1]}; "
        f"an answer is at most {MAX_CHARS:,} characters (a sentence over "
        f"{MAX_SENTENCE_CHARS:,} ends in '{CLIPPED.strip()}'). `total` counts every match; "
        f"when `truncated`, page with offset=next_offset. {_CITE}",
        search_schema(),
        run_search,
    ),
    Tool(
        "count",
        "How many sentences and calls match a query and filters (the same as search's), "
        "exactly, without hits. Use for 'how often / on how many calls' questions, or to "
        "compare periods (start/end) or groups (customer, accounts).",
        search_schema(paging=False),
        run_count,
    ),
    Tool(
        "facets",
        "Break the matches of a query down by value: facets=['account'] answers 'which "
        "accounts talk about X most', ['speaker'] 'who', ['month'] 'when', ['tracker'], "
        "['deal'], ['stage'], ['outcome'] and more. Each value comes with matching sentences "
        "and calls, most sentences first, exact over every match; `top` values per facet "
        f"(default {FACET_CAPS['top'][2]}), `more_values` says how many were left out. Same "
        "query and filters as search.",
        facets_schema(),
        run_facets,
    ),
    Tool(
        "list_calls",
        "List synced calls, newest first, by date window (start/end, e.g. 'last month'), "
        "accounts, deals, "
        "participants (on the call, fuzzy) or title words: id, title, url, started, duration "
        "(seconds), host, number of transcript sentences, accounts, deals and their stages, "
        "outcome, trackers, and Gong's brief and key points when synced. Use it to find "
        "calls before reading one with show_call, or for 'which calls did we have with X'. "
        f"{CALL_CAPS['limit'][2]} calls by default, at most {CALL_CAPS['limit'][1]}; page "
        "with offset=next_offset.",
        calls_schema(),
        run_list_calls,
    ),
    Tool(
        "show_call",
        "Read part of one call's transcript with the call's facts (title, url, started, "
        "duration, host, parties with affiliation and job title, accounts, deals, outcome, "
        "trackers, brief, key points): the sentences around `at` (m:ss, e.g. a search hit's "
        "`at`), `before`/`after` counted in sentences (default 10) or seconds (unit). "
        "Without `at` it reads from the start. more_before/more_after say whether the "
        "transcript goes on; read on by calling again with a later `at`. At most "
        f"{MAX_CHARS:,} characters per answer. {_CITE}",
        window_schema(with_call=True),
        run_show_call,
    ),
    Tool(
        "speakers",
        "Resolve a person's name (typos, accents, first name, e-mail) to the exact speakers "
        "in the index, with e-mail, affiliation and how many calls and sentences each has; "
        "without a name, everyone, busiest first. Use it to disambiguate before filtering "
        "search by speakers; no match lists the closest names.",
        SPEAKERS_SCHEMA,
        run_speakers,
    ),
    Tool(
        "accounts",
        "Resolve a company name (CRM account name or customer e-mail domain; fuzzy, e.g. "
        "'globex') to the exact accounts in the index, with their domains, number of calls, "
        "first and last call, deals with their current stage and top trackers; without a "
        "name, every account, most calls first. Use it before filtering search or "
        "list_calls by accounts, or for 'which customers did we talk to'.",
        ACCOUNTS_SCHEMA,
        run_accounts,
    ),
    Tool(
        "status",
        "What the index covers: number of calls, sentences and speakers, first and last "
        "call date, last sync time, calls whose transcript is pending or missing, and "
        "whether the index is healthy. Use it to say what answers cannot include (calls "
        "after the last sync or before the first call).",
        STATUS_SCHEMA,
        run_status,
    ),
)


def run_tool(tool: Tool, index_dir: Path, arguments: dict[str, Any] | None) -> tuple[str, bool]:
    """(answer text, is_error): a :class:`GongSearchError` is its one-line message, as on
    the command line; anything else is a bug, logged to the error log, never a crash."""
    from . import exits

    try:
        return tool.run(index_dir, dict(arguments or {})), False
    except GongSearchError as exc:
        return str(exc), True
    except Exception as exc:  # a bug: the server keeps serving
        try:
            where = f"details in {exits.log_error(exc, ['mcp', tool.name])}"
        except OSError:
            where = "could not log the details"
        return f"unexpected {type(exc).__name__}, a bug in gong-search; {where}", True
