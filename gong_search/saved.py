"""Saved searches: a name, a query and its options, kept in the catalog beside the calls.

The options are stored as typed (``{"start": "30d", "accounts": ["globex"]}``), the
:class:`SearchOptions` fields the flags set, so a relative date stays relative and the one
request model validates them, when saved and each time they run. Each saved search also
holds ``watch``'s mark: the call sequence number it has reported up to (see :mod:`.watch`).
"""

from __future__ import annotations

import json
from collections.abc import Iterable, Iterator, Mapping
from dataclasses import dataclass, field, replace
from pathlib import Path
from typing import Any

from .catalog import Catalog
from .dates import parse_window
from .errors import CatalogError, NotFoundError, QueryError
from .index_dir import CATALOG_NAME, no_index_here
from .search_options import SearchOptions, within_bounds

SCHEMA_VERSION = 1
MAX_NAME_CHARS = 100
_NOT_STORED = ("highlight",)  # set by the output format each run


@dataclass(frozen=True)
class SavedSearch:
    """A query, its options as typed, and a note on what could not be kept (a tracker
    rule the index cannot express); ``tz`` reads its dates, as ``--tz`` did; ``tracker``
    names the Gong tracker it was imported from (what ``trackers compare`` reads)."""

    name: str
    query: str = ""
    options: dict[str, Any] = field(default_factory=dict)
    tz: str | None = None
    note: str = ""
    tracker: str = ""

    def __post_init__(self) -> None:
        check_name(self.name)
        within_bounds("the query", self.query)
        self.request()  # refused now, not at its first run

    def request(
        self, overrides: Mapping[str, Any] | None = None, tz: str | None = None
    ) -> SearchOptions:
        """Its validated :class:`SearchOptions`, ``overrides`` (typed fields) winning."""
        fields = {**self.options, **(overrides or {})}
        return options_from(fields, tz or self.tz)

    def spec(self) -> dict[str, Any]:
        """What is stored and exported: everything but the name, empty parts left out."""
        found: dict[str, Any] = {"query": self.query, "options": self.options}
        if self.tz:
            found["tz"] = self.tz
        if self.note:
            found["note"] = self.note
        if self.tracker:
            found["tracker"] = self.tracker
        return found

    def as_json(self) -> dict[str, Any]:
        return {"name": self.name, **self.spec()}

    @classmethod
    def from_json(cls, raw: Any, where: str = "saved search") -> SavedSearch:
        """One entry of an exported file (or the catalog), every part checked."""
        if not isinstance(raw, dict) or not isinstance(raw.get("name"), str):
            raise QueryError(f"{where}: each saved search needs a name (text)")
        unknown = set(raw) - {"name", "query", "options", "tz", "note", "tracker"}
        if unknown:
            raise QueryError(f"{where}: unknown key {sorted(unknown)[0]!r} in {raw['name']!r}")
        options = raw.get("options") or {}
        texts = (
            raw.get("query", ""),
            raw.get("tz") or "",
            raw.get("note", ""),
            raw.get("tracker", ""),
        )
        if not isinstance(options, dict) or not all(isinstance(t, str) for t in texts):
            raise QueryError(f"{where}: {raw['name']!r} has a malformed query or options")
        return cls(raw["name"], texts[0], dict(options), texts[1] or None, texts[2], texts[3])


def options_from(fields: Mapping[str, Any], tz: str | None = None) -> SearchOptions:
    """One validated request from typed fields; dates (typed text) are read in ``tz``."""
    rest = {k: v for k, v in fields.items() if k not in ("start", "end")}
    start, end = _window(fields.get("start"), fields.get("end"), tz)
    options = SearchOptions.from_mapping(rest)
    return replace(options, start=start, end=end) if start or end else options


def _window(start: Any, end: Any, tz: str | None) -> tuple[Any, Any]:
    for flag, value in (("--from", start), ("--to", end)):
        if value is not None and not isinstance(value, str):
            raise QueryError(f"{flag} must be a date as text, not {value!r}")
    return parse_window(start, end, tz)


def stored_fields(fields: Mapping[str, Any]) -> dict[str, Any]:
    """Typed fields as JSON keeps them (tuples as lists), without per-run ones."""
    return {
        k: list(v) if isinstance(v, tuple) else v for k, v in fields.items() if k not in _NOT_STORED
    }


def check_name(name: str) -> None:
    """Names are typed in commands and shown in tables and digests: short plain text."""
    if not name.strip() or len(name) > MAX_NAME_CHARS or not name.isprintable():
        raise QueryError(
            f"a saved search name must be 1 to {MAX_NAME_CHARS} printable characters, not {name!r}"
        )


# -- the catalog's table ---------------------------------------------------------------------


def existing_catalog(index_dir: Path) -> Catalog:
    """The index's catalog opened for writing, but never created: saving a search where
    there is no index (a typo in --index) is an error, not a new empty index."""
    if not (Path(index_dir) / CATALOG_NAME).exists():
        raise CatalogError(no_index_here(Path(index_dir)))
    return Catalog(Path(index_dir))


def save(catalog: Catalog, saved: SavedSearch, replace_existing: bool = False) -> bool:
    """Store ``saved``; True if it replaced one (its watch mark is kept). A new one is
    marked as watched up to now: ``watch`` reports calls indexed after it was saved."""
    with catalog.transaction() as db:
        exists = db.execute("SELECT 1 FROM saved_searches WHERE name = ?", (saved.name,))
        if exists.fetchone():
            if not replace_existing:
                raise QueryError(
                    f"a saved search named {saved.name!r} exists "
                    "(--replace to overwrite it, or choose another name)"
                )
            db.execute(
                "UPDATE saved_searches SET spec = ? WHERE name = ?",
                (json.dumps(saved.spec()), saved.name),
            )
            return True
        db.execute(
            "INSERT INTO saved_searches VALUES (?, ?, ?)",
            (saved.name, json.dumps(saved.spec()), last_sequence(catalog)),
        )
        return False


def load(catalog: Catalog, name: str) -> SavedSearch:
    row = catalog.db.execute("SELECT spec FROM saved_searches WHERE name = ?", (name,)).fetchone()
    if row is None:
        raise NotFoundError(_unknown(catalog, name))
    return SavedSearch.from_json({"name": name, **json.loads(row[0])})


def load_all(catalog: Catalog, names: Iterable[str] = ()) -> list[SavedSearch]:
    """The named saved searches (every one when ``names`` is empty), by name."""
    wanted = list(dict.fromkeys(names))
    if wanted:
        return [load(catalog, name) for name in wanted]
    rows = catalog.db.execute("SELECT name, spec FROM saved_searches ORDER BY name")
    return [SavedSearch.from_json({"name": n, **json.loads(s)}) for n, s in rows]


def remove(catalog: Catalog, name: str) -> None:
    with catalog.transaction() as db:
        if not db.execute("DELETE FROM saved_searches WHERE name = ?", (name,)).rowcount:
            raise NotFoundError(_unknown(catalog, name))


def _unknown(catalog: Catalog, name: str) -> str:
    names = [n for (n,) in catalog.db.execute("SELECT name FROM saved_searches ORDER BY name")]
    known = ", ".join(repr(n) for n in names[:10]) or "none yet: see gong-search saved add"
    return f"no saved search named {name!r} (saved: {known})"


def last_sequence(catalog: Catalog) -> int:
    """The highest call sequence number given so far (0: no call stored yet)."""
    row = catalog.db.execute("SELECT seq FROM sqlite_sequence WHERE name = 'call_sequence'")
    found = row.fetchone()
    return int(found[0]) if found else 0


# -- sharing: a JSON or TOML file --------------------------------------------------------------


@dataclass(frozen=True)
class SavedList:
    """Saved searches as the output layer writes them (``saved list``, ``saved export``)."""

    searches: list[SavedSearch]

    def as_json(self) -> dict[str, Any]:
        return {"schema_version": SCHEMA_VERSION, "saved_searches": list(self.json_rows())}

    def json_rows(self) -> Iterator[dict[str, Any]]:
        return (s.as_json() for s in self.searches)


def read_file(path: Path) -> list[SavedSearch]:
    """Saved searches from an exported file: TOML if it ends in ``.toml``, else JSON."""
    try:
        text = path.read_text(encoding="utf-8")
    except (OSError, UnicodeDecodeError) as exc:
        raise QueryError(f"{path}: cannot read ({exc})") from None
    try:
        if path.suffix.lower() == ".toml":
            import tomllib

            raw = tomllib.loads(text)
        else:
            raw = json.loads(text)
    except ValueError as exc:  # tomllib.TOMLDecodeError and JSONDecodeError both are
        kind = "TOML" if path.suffix.lower() == ".toml" else "JSON"
        raise QueryError(f"{path}: not valid {kind} ({exc})") from None
    entries = raw.get("saved_searches") if isinstance(raw, dict) else None
    if not isinstance(entries, list):
        raise QueryError(f"{path}: expected a list under 'saved_searches'")
    return [SavedSearch.from_json(entry, str(path)) for entry in entries]


def to_toml(searches: Iterable[SavedSearch]) -> str:
    """A small TOML document: one ``[[saved_searches]]`` table per search."""
    lines = [f"schema_version = {SCHEMA_VERSION}"]
    for saved in searches:
        lines += ["", "[[saved_searches]]", f"name = {_toml(saved.name)}"]
        spec = saved.spec()
        kept = ("query", "tz", "note", "tracker")
        lines += [f"{key} = {_toml(spec[key])}" for key in kept if key in spec]
        if saved.options:
            lines.append("[saved_searches.options]")
            options = saved.options.items()
            lines += [f"{key} = {_toml(value)}" for key, value in options if value is not None]
    return "\n".join(lines) + "\n"


def _toml(value: Any) -> str:
    """A TOML value: JSON's string escapes are TOML's, but DEL must be escaped too."""
    if isinstance(value, list):
        return "[" + ", ".join(_toml(v) for v in value) + "]"
    if isinstance(value, bool):
        return "true" if value else "false"
    if isinstance(value, int | float):
        return json.dumps(value)
    return json.dumps(str(value), ensure_ascii=False).replace("\x7f", "\\u007f")
