"""The MCP tools' input schemas and the bounds on their answers, kept apart from what the
tools do (``mcp_tools.py``) and from the SDK (``mcp_server.py``).

Input schemas come from the request models (``SearchOptions``, ``CallsOptions``,
``WindowOptions``): a filter added to a model appears in the tools by itself. The tools only
narrow a few bounds (the ``*_CAPS``) so that every answer stays under :data:`MAX_CHARS`;
when it would not, items are left out from the end and the answer says so (``truncated``,
``next_offset``, ``note``), never a silent cut.
"""

from __future__ import annotations

from collections.abc import Callable, Mapping
from typing import Any

from .call_options import CallsOptions, WindowOptions
from .errors import QueryError
from .export import dumps
from .query_language import FIELDS
from .search_options import SearchOptions

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
FACET_CAPS: dict[str, tuple[int, int, int | None]] = {"top": (1, 100, 20)}
NAME_CAPS: dict[str, tuple[int, int, int | None]] = {"limit": (1, 100, 20)}
SEARCH_HIDDEN = ("highlight", "facets")  # spans are for terminals; facets have their tool
PAGING = ("sort", "limit", "offset", "per_call", "before", "after")  # not for count
QUERY_HELP = (
    'Words, "exact phrases", AND/OR/NOT (uppercase), -word to exclude, word* for a prefix, '
    "field:value (" + ", ".join(f"{name}:" for name in FIELDS) + "). Plain words: sentences "
    "with every word rank first, then those with some. Empty with trackers: the sentences "
    "where those trackers fired."
)


# -- schemas ---------------------------------------------------------------------------


def model_schema(
    base: dict[str, Any],
    caps: Mapping[str, tuple[int, int, int | None]] = {},
    hidden: tuple[str, ...] = (),
    extra: dict[str, Any] | None = None,
    required: tuple[str, ...] = (),
) -> dict[str, Any]:
    """A tool's input schema: ``extra`` properties first, then those of ``base`` (a model's
    JSON Schema) but the ``hidden`` ones, with the tool's own bounds (``caps``) written in."""
    properties = dict(extra or {})
    for name, prop in [*properties.items(), *base["properties"].items()]:
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


def facets_schema() -> dict[str, Any]:
    """count's filters, plus which facets to count (required) and how many values each."""
    hidden = tuple(h for h in SEARCH_HIDDEN + PAGING if h != "facets")
    top = {"type": "integer", "description": "Values per facet, most sentences first."}
    extra = {"query": {"type": "string", "description": QUERY_HELP}, "top": top}
    schema = SearchOptions.json_schema()
    return model_schema(schema, FACET_CAPS, hidden, extra, ("query", "facets"))


def parse_arguments(
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


def split_query(arguments: dict[str, Any]) -> tuple[str, dict[str, Any]]:
    rest = dict(arguments)
    query = rest.pop("query", None)
    if not isinstance(query, str):
        raise QueryError("query must be text: the words to search for")
    return query, rest


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


def name_schema(what: str, name_help: str) -> dict[str, Any]:
    """``speakers`` and ``accounts``: an optional fuzzy name and how many to return."""
    properties = {
        "name": {"type": "string", "description": name_help},
        "limit": {"type": "integer", "description": f"{what} to return."},
    }
    return model_schema({"properties": properties}, NAME_CAPS)


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
    if len(text) > MAX_CHARS:  # the rest alone is too big (hostile data): say so, in bounds
        return dumps(
            {
                "truncated": True,
                "note": f"the answer would exceed {MAX_CHARS:,} characters even without its " + key,
            }
        )
    return text
