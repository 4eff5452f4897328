"""The MCP server's tools: what each is for (written for an agent), its input schema, and
a bounded JSON answer, all over the library. No MCP SDK here (see ``mcp_server.py``).

Input schemas come from the request models (``SearchOptions``, ``CallsOptions``,
``WindowOptions``): a filter added to a model appears in the tools by itself. The tools only
narrow a few bounds (``CAPS``) so that every answer stays under :data:`MAX_CHARS`; when it
would not, items are left out from the end and the answer says so (``truncated``,
``next_offset``, ``note``), never a silent cut.
"""

from __future__ import annotations

from collections.abc import Callable, Mapping
from dataclasses import dataclass
from pathlib import Path
from typing import Any

from .calls import CallsOptions, WindowOptions, call_accounts, call_window, list_calls
from .errors import GongSearchError, QueryError
from .export import dumps
from .names import closest_names
from .search import Hit, count, search
from .search_options import SearchOptions
from .show import list_speakers, speaker_json
from .status import status

MAX_CHARS = 20_000  # per answer, JSON text included
MAX_SENTENCE_CHARS = 1_000  # per sentence text; longer ones end in CLIPPED
CLIPPED = " [...]"
# (minimum, maximum, default here) for the options whose bounds the tools narrow
CAPS: dict[str, tuple[int, int, int | None]] = {
    "limit": (1, 50, 10),
    "before": (0, 5, None),
    "after": (0, 5, None),
}
CALL_CAPS: dict[str, tuple[int, int, int | None]] = {"limit": (1, 100, 20)}
WINDOW_CAPS: dict[str, tuple[int, int, int | None]] = {
    "before": (0, 200, None),
    "after": (0, 200, None),
}
SEARCH_HIDDEN = ("highlight",)  # character spans are for terminals
PAGING = ("sort", "limit", "offset", "per_call", "before", "after")  # not for count
QUERY_HELP = (
    'Words, "exact phrases", AND/OR/NOT (uppercase), -word to exclude, word* for a prefix, '
    "field:value (speaker:, affiliation:, topic:, title:, account:, host:, call:, email:). "
    "Plain words: sentences with every word rank first, then those with some."
)


@dataclass(frozen=True)
class Tool:
    name: str
    description: str
    schema: dict[str, Any]
    run: Callable[[Path, dict[str, Any]], dict[str, Any]]


# -- schemas ---------------------------------------------------------------------------


def model_schema(
    model_schema: dict[str, Any],
    caps: Mapping[str, tuple[int, int, int | None]] = {},
    hidden: tuple[str, ...] = (),
    extra: dict[str, Any] | None = None,
    required: tuple[str, ...] = (),
) -> dict[str, Any]:
    """A tool's input schema: ``extra`` properties first, then the model's, with the
    tool's own bounds (``caps``) written into them."""
    properties = dict(extra or {})
    for name, prop in model_schema["properties"].items():
        if name in hidden:
            continue
        prop = dict(prop)
        if name in caps:
            low, high, default = caps[name]
            prop.update(minimum=low, maximum=high)
            prop["description"] += f" At most {high} here."
            if default is not None:
                prop["default"] = default
        properties[name] = prop
    return {
        "type": "object",
        "properties": properties,
        "required": list(required),
        "additionalProperties": False,
    }


def search_schema(paging: bool = True) -> dict[str, Any]:
    hidden = SEARCH_HIDDEN if paging else SEARCH_HIDDEN + PAGING
    query = {"query": {"type": "string", "description": QUERY_HELP}}
    return model_schema(SearchOptions.json_schema(), CAPS, hidden, query, ("query",))


def _options(
    arguments: dict[str, Any],
    schema: dict[str, Any],
    caps: Mapping[str, tuple[int, int, int | None]],
    parse: Callable[[Mapping[str, Any]], Any],
) -> Any:
    """The request model from a tool's arguments: the model's own checks and messages
    (as on the command line), plus the tool's bounds and defaults."""
    unknown = sorted(set(arguments) - set(schema["properties"]))
    if unknown:
        known = ", ".join(schema["properties"])
        raise QueryError(f"unknown argument {unknown[0]!r} (known: {known})")
    values = {name: default for name, (_, _, default) in caps.items() if default is not None}
    values.update(arguments)
    parsed = parse(values)
    for name, (low, high, _) in caps.items():
        value = parsed[name] if isinstance(parsed, dict) else getattr(parsed, name)
        if not isinstance(value, int) or isinstance(value, bool) or not low <= value <= high:
            raise QueryError(f"{name} must be a whole number from {low} to {high}, not {value!r}")
    return parsed


def _query(arguments: dict[str, Any]) -> tuple[str, dict[str, Any]]:
    rest = dict(arguments)
    query = rest.pop("query", None)
    if not isinstance(query, str):
        raise QueryError("query must be text: the words to search for")
    return query, rest


# -- bounded answers -------------------------------------------------------------------


def clip(text: str) -> str:
    """A sentence no longer than :data:`MAX_SENTENCE_CHARS` (so one item always fits)."""
    return text if len(text) <= MAX_SENTENCE_CHARS else text[:MAX_SENTENCE_CHARS] + CLIPPED


def bounded(payload: dict[str, Any], key: str, how_to_continue: Callable[[int], str]) -> str:
    """``payload`` as JSON of at most :data:`MAX_CHARS`: items of ``payload[key]`` are left
    out from the end until it fits, and the answer says how many and how to get them."""
    text = dumps(payload)
    items = payload[key]
    shown = len(items)
    while len(text) > MAX_CHARS and shown:
        shown -= 1 if len(text) - MAX_CHARS < 2_000 else max(1, shown // 4)
        payload[key] = items[:shown]
        payload["truncated"] = True
        payload["note"] = (
            f"answer capped at {MAX_CHARS:,} characters: {shown} of {len(items)} {key} shown; "
            + how_to_continue(shown)
        )
        text = dumps(payload)
    return text


# -- the tools -------------------------------------------------------------------------


def run_search(index_dir: Path, arguments: dict[str, Any]) -> str:
    query, rest = _query(arguments)
    options = _options(rest, search_schema(), CAPS, _search_options)
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
    }


def run_count(index_dir: Path, arguments: dict[str, Any]) -> str:
    query, rest = _query(arguments)
    options = _options(rest, search_schema(paging=False), {}, _search_options)
    sentences, calls = count(index_dir, query, options)
    return dumps({"query": query, "sentences": sentences, "calls": calls})


def run_list_calls(index_dir: Path, arguments: dict[str, Any]) -> str:
    options = _options(arguments, calls_schema(), CALL_CAPS, CallsOptions.from_mapping)
    found = list_calls(index_dir, options)
    payload = {**found.as_json(), "truncated": found.next_offset is not None}
    del payload["schema_version"]
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
    options = _options(rest, window_schema(), WINDOW_CAPS, WindowOptions.from_mapping)
    shown = call_window(index_dir, _call_id(call_id), options).as_json()
    del shown["schema_version"]
    for sentence in shown["sentences"]:
        sentence["text"] = clip(sentence["text"])

    def more(count: int) -> str:
        shown["more_after"] = True
        last = shown["sentences"][count - 1]["at"] if count else options.at
        return f"read on with at={last!r} and before=0, or ask for a smaller window"

    return bounded(shown, "sentences", more)


def _call_id(text: str) -> str:
    """A call id, also from the call URL a hit cites (``...call?id=123``)."""
    text = text.strip()
    return text.rsplit("id=", 1)[1].split("&")[0] if "id=" in text else text


def run_speakers(index_dir: Path, arguments: dict[str, Any]) -> str:
    values = _options(arguments, speakers_schema(), SPEAKER_CAPS, dict)
    name, limit = values.get("name"), values["limit"]
    if name is not None and not isinstance(name, str):
        raise QueryError("name must be text (a name, part of one, or an email)")
    found = list_speakers(index_dir, name or None)
    payload: dict[str, Any] = {
        "total": len(found),
        "truncated": len(found) > limit,
        "speakers": [speaker_json(s) for s in found[:limit]],
    }
    if name and not found:
        everyone = [s.name for s in list_speakers(index_dir)]
        near = ", ".join(closest_names(name, everyone)) or "none indexed"
        payload["note"] = f"no speaker matches {name!r} (closest: {near})"
    elif len(found) > limit:
        payload["note"] = f"{len(found) - limit} more: give a more specific name"
    return bounded(payload, "speakers", lambda shown: "give a more specific name")


def run_status(index_dir: Path, arguments: dict[str, Any]) -> str:
    _options(arguments, STATUS_SCHEMA, {}, dict)
    payload = status(index_dir).as_json()
    del payload["schema_version"]
    return bounded(payload, "pending", lambda shown: "the pending calls are listed oldest first")


SPEAKER_CAPS: dict[str, tuple[int, int, int | None]] = {"limit": (1, 100, 20)}
STATUS_SCHEMA = model_schema({"properties": {}})


def calls_schema() -> dict[str, Any]:
    return model_schema(CallsOptions.json_schema(), CALL_CAPS)


def window_schema(with_call: bool = False) -> dict[str, Any]:
    call = {
        "call_id": {
            "type": "string",
            "description": "The call's id (a hit's call_id), or its Gong URL.",
        }
    }
    extra = call if with_call else None
    required = ("call_id",) if with_call else ()
    return model_schema(WindowOptions.json_schema(), WINDOW_CAPS, (), extra, required)


def speakers_schema() -> dict[str, Any]:
    properties = {
        "name": {
            "type": "string",
            "description": "A name, part of one, a typo of one, or an email; omit to list "
            "everyone (busiest first).",
        },
        "limit": {"type": "integer", "description": "Speakers to return.", "default": 20},
    }
    return model_schema({"properties": properties}, SPEAKER_CAPS)


# -- the list an agent sees ------------------------------------------------------------

_CITE = (
    "Cite call_url (the call in Gong) with the date and `at` (m:ss into the call) for every claim."
)
TOOLS = (
    Tool(
        "search",
        "Find what was said on sales calls: ranked sentences from every synced Gong call "
        "transcript, each with who said it (speaker, affiliation Internal/External/Unknown), "
        "the call's title, date, accounts (customer email domains), `at` and its call_url. "
        "Use for 'what did customers say about X' questions; filter with customer=true, "
        "speakers, accounts, start/end (YYYY-MM-DD), title, hosts, call_ids; per_call=1 gives "
        "one hit per call; before/after add context sentences. "
        f"{CAPS['limit'][2]} hits by default, at most {CAPS['limit'][1]}; every answer is "
        f"at most {MAX_CHARS:,} characters (sentences over {MAX_SENTENCE_CHARS:,} characters "
        f"end in '{CLIPPED.strip()}'). `total` counts every match; when `truncated`, page "
        f"with offset=next_offset. {_CITE}",
        search_schema(),
        run_search,
    ),
    Tool(
        "count",
        "How many sentences and calls match a query and filters (same query language and "
        "filters as search), exactly, without returning hits. Use for 'how often / on how "
        "many calls' questions, or to compare before and after a date.",
        search_schema(paging=False),
        run_count,
    ),
    Tool(
        "list_calls",
        "List synced calls, newest first, by date window (start/end), accounts (customer "
        "email domain, fuzzy), participants (someone who spoke, fuzzy) or title words: id, "
        "title, url, started, duration (seconds), accounts, host and number of transcript "
        "sentences. Use to find calls before reading one with show_call, or to answer "
        f"'which calls did we have with X'. {CALL_CAPS['limit'][2]} calls by default, at "
        f"most {CALL_CAPS['limit'][1]}; page with offset=next_offset.",
        calls_schema(),
        run_list_calls,
    ),
    Tool(
        "show_call",
        "Read part of one call's transcript: the call's header (title, url, started, "
        "duration, host, accounts, parties with affiliation and job title) and the "
        "sentences around `at` (m:ss, e.g. a search hit's `at`), `before`/`after` counted "
        "in sentences (default) or seconds. Without `at` it reads from the start. "
        "more_before/more_after say whether the transcript goes on; read on by calling "
        f"again with a later `at`. At most {MAX_CHARS:,} characters per answer. {_CITE}",
        window_schema(with_call=True),
        run_show_call,
    ),
    Tool(
        "speakers",
        "Resolve a person's name (typos, accents, first name, email) to the exact speakers "
        "in the index, with email, affiliation and how many calls and sentences each has; "
        "without a name, everyone, busiest first. Use it to disambiguate before filtering "
        "search by speakers; no match lists the closest names.",
        speakers_schema(),
        run_speakers,
    ),
    Tool(
        "status",
        "What the index covers: number of calls, sentences and speakers, first and last "
        "call date, last sync time, calls whose transcript is pending or missing, and "
        "whether the index is healthy. Use it to say what the answers cannot include "
        "(calls after the last sync, before the first call).",
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
