"""``watch``: for each saved search, its hits in the calls indexed since it was last watched.

Every call the catalog stores new or changed takes the next number of a monotonic sequence
(``call_sequence``); each saved search keeps the number it has reported up to. A watch
reads the calls numbered past that mark, searches only them, and the caller writes the
report and only then :func:`advance` s the marks: a crash in between reports the same hits
again, never loses them. A call the catalog holds but the engine does not reflect yet (a
sync stopped between its two commits) holds the mark back until the next sync repairs it.

A saved search starts marked at the moment it is saved: its first watch reports the calls
indexed after that, not all of history (``saved run`` is for history).
"""

from __future__ import annotations

from collections.abc import Iterable, Iterator
from dataclasses import dataclass, replace
from pathlib import Path
from typing import Any

from .catalog import Catalog
from .engine import open_engine
from .saved import SavedSearch, existing_catalog, load_all
from .search import SCHEMA_VERSION, Hit, search_open
from .terminal import clean, plural

# the marks of the named saved searches (all when none are named)
_MARKS = "SELECT name, watched_seq FROM saved_searches"


@dataclass(frozen=True)
class Watched:
    """One saved search's new hits, over ``calls`` newly indexed calls, and the mark to
    store once they are reported."""

    name: str
    calls: int
    hits: list[Hit]
    mark: int

    def as_json(self) -> dict[str, Any]:
        from .export import hit_json

        rows = [hit_json(h) for h in self.hits]
        return {"name": self.name, "new_calls": self.calls, "hits": rows}


@dataclass(frozen=True)
class WatchReport:
    searches: list[Watched]

    @property
    def hits(self) -> int:
        return sum(len(w.hits) for w in self.searches)

    def as_json(self) -> dict[str, Any]:
        return {
            "schema_version": SCHEMA_VERSION,
            "saved_searches": [w.as_json() for w in self.searches],
        }

    def json_rows(self) -> Iterator[dict[str, Any]]:
        """One object per hit: the hit's usual keys plus ``saved_search``."""
        from .export import hit_json

        return ({**hit_json(h), "saved_search": w.name} for w in self.searches for h in w.hits)


def collect(index_dir: Path, names: Iterable[str] = ()) -> WatchReport:
    """Each named saved search (every one when none is named) over its new calls."""
    with existing_catalog(index_dir) as catalog, open_engine(Path(index_dir)).searcher() as engine:
        searches = load_all(catalog, names)
        marks = dict(catalog.db.execute(_MARKS).fetchall())
        numbered = catalog.db.execute("SELECT seq, call_id FROM call_sequence ORDER BY seq")
        sequence = numbered.fetchall()
        indexed = _indexed(catalog, index_dir)
        found = []
        for saved in searches:
            calls, mark = new_calls(sequence, indexed, marks[saved.name])
            hits = _hits(catalog, engine, saved, calls)
            found.append(Watched(saved.name, len(calls), hits, mark))
    return WatchReport(found)


def _indexed(catalog: Catalog, index_dir: Path) -> set[str]:
    """The calls whose catalog version the engine reflects: safe to report."""
    versions = open_engine(Path(index_dir)).versions()
    return {c for c, digest in catalog.content_hashes().items() if versions.get(c) == digest}


def new_calls(
    sequence: list[tuple[int, str]], indexed: set[str], mark: int
) -> tuple[list[str], int]:
    """The calls numbered past ``mark`` up to the first one not indexed yet, and the new
    mark: it never passes a call that could not be searched."""
    calls, new_mark = [], mark
    for seq, call_id in sequence:
        if seq <= mark:
            continue
        if call_id not in indexed:
            break
        calls.append(call_id)
        new_mark = seq
    return calls, new_mark


def _hits(catalog: Catalog, engine: Any, saved: SavedSearch, calls: list[str]) -> list[Hit]:
    """Every hit of ``saved`` in ``calls`` (its own ``--call`` still applies)."""
    options = saved.request({"limit": 0, "offset": 0, "facets": ()})
    if options.call_ids:
        calls = [c for c in calls if c in set(options.call_ids)]
    if not calls:  # no call filter would mean every call
        return []
    return search_open(catalog, engine, saved.query, replace(options, call_ids=tuple(calls))).hits


def advance(index_dir: Path, report: WatchReport) -> None:
    """Store the marks of a report that has been written: its hits are not new any more."""
    with existing_catalog(index_dir) as catalog, catalog.transaction() as db:
        db.executemany(
            "UPDATE saved_searches SET watched_seq = max(watched_seq, ?) WHERE name = ?",
            [(w.mark, w.name) for w in report.searches],
        )


# -- digests for chat and documents ----------------------------------------------------------


def digest(report: WatchReport, style: str) -> str:
    """``slack`` (mrkdwn) or ``markdown`` text: a heading per saved search, a line per hit."""
    lines: list[str] = []
    for watched in report.searches:
        if not watched.hits:
            continue
        calls = len({h.call_id for h in watched.hits})
        head = f"{watched.name}: {plural(len(watched.hits), 'new hit')} in {plural(calls, 'call')}"
        lines.append(f"*{_slack(head)}*" if style == "slack" else f"## {_md(head)}")
        lines += [_line(hit, style) for hit in watched.hits]
        lines.append("")
    return "\n".join(lines)


def _line(hit: Hit, style: str) -> str:
    when = f"{hit.call_started:%Y-%m-%d}" + (f" {hit.at}" if hit.at else "")
    title = hit.call_title or hit.call_id
    if style == "slack":
        call = f"<{hit.call_url}|{_slack(title)}>" if hit.call_url else _slack(title)
        return f"• {call} {when} {_slack(hit.speaker_name)}: {_slack(hit.text)}"
    call = f"[{_md(title)}]({hit.call_url})" if hit.call_url else _md(title)
    return f"- {call} {when} **{_md(hit.speaker_name)}**: {_md(hit.text)}"


def _slack(text: str) -> str:
    """Slack's three control characters escaped, so a transcript cannot make a link."""
    return clean(text).replace("&", "&amp;").replace("<", "&lt;").replace(">", "&gt;")


def _md(text: str) -> str:
    """Markdown's syntax characters escaped: what was said stays plain text."""
    return "".join("\\" + c if c in "\\`*_[]()<>#|!" else c for c in clean(text))
