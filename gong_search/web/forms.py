"""The search form and the page's URL, both derived from ``SearchOptions.json_schema()``.

The page never lists the filters by hand: each option of the request model becomes a form
field by its JSON Schema type (a flag a checkbox, a list with choices a group of checkboxes,
a list of names a comma-separated text box, a date a date box, ...), so an option added to
:class:`SearchOptions` appears on the page by itself. The URL holds the whole search (the
query ``q`` plus the options as named in the model) so a search is a link: shareable,
bookmarkable, and the back button returns to it.
"""

from __future__ import annotations

from collections.abc import Iterable, Mapping, Sequence
from dataclasses import dataclass, field, fields
from datetime import date, timedelta
from functools import cache
from typing import Any
from urllib.parse import urlencode

from ..errors import QueryError
from ..search_options import SearchOptions

PAGE_SIZES = (10, 20, 50, 100)
CONTEXT = 2  # sentences before and after each hit, shown on demand
# Set by the page itself (paging, context, highlights), never drawn as form fields.
PAGE_OWNED = ("offset", "limit", "before", "after", "highlight", "facets")
# Shown first, in this order; every other option goes under "More filters".
MAIN = ("speakers", "participants", "customer", "internal", "affiliations", "accounts")
MAIN += ("deals", "stages", "trackers")
MAIN += ("start", "end", "title", "sort", "per_call")
LABELS = {
    "speakers": "Said by",
    "participants": "On the call",
    "deals": "Deal",
    "stages": "Deal stage",
    "deal_now": "Stage is the deal's stage now",
    "trackers": "Tracker",
    "scopes": "Call scope",
    "directions": "Direction",
    "languages": "Language",
    "workspaces": "Workspace",
    "outcomes": "Outcome",
    "min_duration": "Minutes, at least",
    "max_duration": "Minutes, at most",
    "within": "Search in",
    "customer": "Customers only",
    "internal": "Internal only",
    "affiliations": "Affiliation",
    "accounts": "Account",
    "start": "From",
    "end": "Before",
    "title": "Call title",
    "per_call": "Hits per call (at most)",
    "call_ids": "Call id",
    "hosts": "Call host",
    "fuzzy": "Typo-tolerant",
    "mode": "Words combine",
}
# How a choice of an option reads on the page, where its value is terse (the URL keeps the
# value); by option, since one value ("all") means different things in different options.
CHOICE_LABELS = {
    ("sort", "date"): "newest first",
    ("mode", "default"): "search syntax",
    ("mode", "all"): "every word",
    ("mode", "any"): "any word",
    ("mode", "literal"): "exact text",
    ("within", "all"): "everything (transcript, summaries, comments)",
}
SUGGESTIONS = {
    "speakers": "speaker-names",
    "participants": "speaker-names",
    "hosts": "host-names",
    "accounts": "account-names",
}
# Facet names of the library (see SearchResult.facets) the page asks for, when it can.
WANTED_FACETS = ("account", "speaker", "tracker", "month")
_FIELDS = {f.name for f in fields(SearchOptions)}


@dataclass(frozen=True)
class FormField:
    """One option as a form control; ``value``/``chosen`` echo what the URL holds."""

    name: str
    label: str
    help: str
    widget: str  # checkbox | choices | select | list | date | number | text
    choices: tuple[str, ...] = ()
    value: str = ""
    chosen: tuple[str, ...] = ()
    minimum: float | None = None
    suggest: str | None = None


@dataclass
class PageRequest:
    """What one page view asks for: the query text, the validated options, the URL's pairs."""

    query: str
    options: SearchOptions
    pairs: list[tuple[str, str]] = field(default_factory=list)


def read_request(params: Any) -> PageRequest:
    """The query string (a Starlette ``QueryParams``/multi-dict) as one validated request;
    a bad value is the model's one-line :class:`QueryError`."""
    pairs = [(k, v.strip()) for k, v in params.multi_items() if v.strip() and k != "token"]
    query = next((v for k, v in pairs if k == "q"), "")
    mapping: dict[str, Any] = {}
    for name, value in pairs:
        if name == "q":
            continue
        if name in mapping and _is_list(name):
            mapping[name] = f"{mapping[name]},{value}"
        else:
            mapping[name] = value
    mapping.update(_page_defaults(mapping))
    return PageRequest(query, SearchOptions.from_mapping(mapping), pairs)


def _page_defaults(mapping: Mapping[str, Any]) -> dict[str, Any]:
    """A page shows a page: a bounded size, context to unfold, highlights, facets."""
    limit = str(mapping.get("limit", "20"))
    if not limit.isdigit() or not 1 <= int(limit) <= PAGE_SIZES[-1]:
        raise QueryError(f"limit must be a whole number from 1 to {PAGE_SIZES[-1]} on the page")
    defaults: dict[str, Any] = {"limit": limit, "highlight": "true"}
    defaults["before"] = mapping.get("before", str(CONTEXT))
    defaults["after"] = mapping.get("after", str(CONTEXT))
    if "facets" in _FIELDS:
        defaults["facets"] = ",".join(available_facets())
    return defaults


def available_facets() -> tuple[str, ...]:
    """The facets this page shows that the library offers (its schema's choices)."""
    prop = _properties().get("facets", {})
    offered = prop.get("items", {}).get("enum")
    return tuple(f for f in WANTED_FACETS if offered is None or f in offered)


@cache
def _properties() -> dict[str, Any]:
    """The model's JSON Schema properties (the model does not change while serving)."""
    return SearchOptions.json_schema()["properties"]


def _is_list(name: str) -> bool:
    return _properties().get(name, {}).get("type") == "array"


def form_fields(pairs: Sequence[tuple[str, str]]) -> tuple[list[FormField], list[FormField]]:
    """(main fields, more fields) for the options of the model, echoing ``pairs``."""
    props = _properties()
    given: dict[str, list[str]] = {}
    for name, value in pairs:
        given.setdefault(name, []).append(value)
    built = {
        name: _field(name, prop, given.get(name, []))
        for name, prop in props.items()
        if name not in PAGE_OWNED
    }
    main = [built[name] for name in MAIN if name in built]
    more = [f for name, f in built.items() if name not in MAIN]
    return main, more


def _field(name: str, prop: Mapping[str, Any], given: list[str]) -> FormField:
    kind = prop["type"][0] if isinstance(prop["type"], list) else prop["type"]
    label = LABELS.get(name, name.replace("_", " ").capitalize())
    common = {"name": name, "label": label, "help": prop.get("description", "")}
    value = given[-1] if given else ""
    if kind == "boolean":
        checked = value.lower() in ("1", "true", "yes", "on")
        return FormField(widget="checkbox", value="true" if checked else "", **common)
    if kind == "array":
        chosen = tuple(part.strip() for v in given for part in v.split(",") if part.strip())
        if prop["items"].get("enum"):
            return FormField(
                widget="choices", choices=tuple(prop["items"]["enum"]), chosen=chosen, **common
            )
        return FormField(
            widget="list", value=", ".join(chosen), suggest=SUGGESTIONS.get(name), **common
        )
    if prop.get("enum"):
        default = prop.get("default") or ""
        return FormField(
            widget="select", choices=tuple(prop["enum"]), value=value or default, **common
        )
    if prop.get("format") == "date-time":  # a date box, unless the URL holds "7d" and such
        plain = value[:10] if _is_day(value[:10]) else ""
        widget = "date" if plain or not value else "text"
        return FormField(widget=widget, value=plain or value, **common)
    if kind in ("integer", "number"):
        return FormField(widget="number", value=value, minimum=prop.get("minimum"), **common)
    return FormField(widget="text", value=value, **common)


def _is_day(text: str) -> bool:
    try:
        date.fromisoformat(text)
    except ValueError:
        return False
    return len(text) == 10


# -- URLs --------------------------------------------------------------------------------


def url_for(path: str, pairs: Iterable[tuple[str, str]], **changes: str | None) -> str:
    """``path`` with the search's pairs, each name in ``changes`` replaced (None removes it)."""
    kept = [(k, v) for k, v in pairs if k not in changes]
    kept += [(k, v) for k, v in changes.items() if v not in (None, "")]
    return path + ("?" + urlencode(kept) if kept else "")


def page_url(pairs: Sequence[tuple[str, str]], offset: int) -> str:
    """The same search at ``offset`` (offset 0 is left out, so page 1 has one URL)."""
    return url_for("/", pairs, offset=str(offset) if offset else None)


def facet_url(pairs: Sequence[tuple[str, str]], facet: str, value: str) -> str | None:
    """The search narrowed to one facet value, or None when no option filters on it.

    A facet ``account`` filters through the list option ``accounts`` (the plural, as the
    model names its lists); ``month`` (``YYYY-MM``) through the date range."""
    if facet == "month":
        try:
            first = date.fromisoformat(f"{value}-01")
        except ValueError:
            return None
        after = (first + timedelta(days=32)).replace(day=1)
        return url_for("/", pairs, start=first.isoformat(), end=after.isoformat(), offset=None)
    name = facet + "s"
    if name not in _FIELDS:
        return None
    if (name, value) in pairs:  # chosen already: the link takes it off again
        return url_for("/", [p for p in pairs if p != (name, value)], offset=None)
    return url_for("/", [*pairs, (name, value)], offset=None) if "," not in value else None


def facet_chosen(pairs: Sequence[tuple[str, str]], facet: str, value: str) -> bool:
    """Whether the search already filters on this facet value (its link then removes it)."""
    return (facet + "s", value) in pairs


# Date ranges people ask for most, as words the library reads (the URL stays relative:
# a bookmarked "last 7 days" means the last 7 days whenever it is opened).
PRESETS = (
    ("Last 7 days", "7d", None),
    ("Last 30 days", "30d", None),
    ("This quarter", "this quarter", None),
    ("Last quarter", "last quarter", "last quarter"),
    ("Any time", None, None),
)


def date_presets(pairs: Sequence[tuple[str, str]]) -> list[tuple[str, str]]:
    """(label, URL) of the search over each preset range."""
    return [
        (label, url_for("/", pairs, start=start, end=end, offset=None))
        for label, start, end in PRESETS
    ]
