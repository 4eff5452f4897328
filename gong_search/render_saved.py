"""Tables for saved searches (``saved list``/``show``), part of the output layer:
registered with ``render`` when imported, as :mod:`.render_activity` is."""

from __future__ import annotations

from typing import Any

from rich.console import Console
from rich.table import Table

from .render import _text, render, render_hits
from .saved import SavedList
from .search import SearchResult
from .terminal import plural
from .tracker_compare import Comparison
from .trackers import TrackerImport
from .watch import WatchReport


@render.register
def render_saved(result: SavedList, console: Console, plain: bool = False) -> None:
    table = Table("name", "query", "options", "note", box=None)
    for saved in result.searches:
        options = " ".join(as_flags(saved.options, saved.tz))
        table.add_row(*(_text(cell) for cell in (saved.name, saved.query, options, saved.note)))
    console.print(table)


def as_flags(options: dict[str, Any], tz: str | None = None) -> list[str]:
    """Stored fields as the search flags that set them (``--from 30d --customer``)."""
    import shlex

    from .model import flag_of
    from .search_options import SearchOptions

    model = SearchOptions()
    words = []
    for name, value in options.items():
        if name == "mode":
            words += [] if value == "default" else [f"--{value}"]
            continue
        flag = flag_of(model, name)
        flag = flag if flag.startswith("-") else "--" + flag.replace("_", "-")
        if isinstance(value, bool):
            words += [flag] if value else []
        elif isinstance(value, list):
            words += [f"{flag} {shlex.quote(str(v))}" for v in value]
        else:
            words.append(f"{flag} {shlex.quote(str(value))}")
    return words + ([f"--tz {shlex.quote(tz)}"] if tz else [])


@render.register
def render_watch(result: WatchReport, console: Console, plain: bool = False) -> None:
    """A heading per saved search with new hits, then its hits as ``search`` lists them."""
    for watched in result.searches:
        if not watched.hits:
            continue
        count = plural(len(watched.hits), "new hit")
        console.print(_text(f"{watched.name}: {count}", "bold"))
        page = SearchResult(watched.name, watched.hits, len(watched.hits), 0, [], 0, 0)
        render_hits(page, console, plain)
        console.print()


@render.register
def render_import(result: TrackerImport, console: Console, plain: bool = False) -> None:
    """A line per tracker (imported, replaced or skipped), its notes indented below."""
    for mapped in result.trackers:
        console.print(_text(f"{mapped.status:<9} {mapped.name}"))
        for note in mapped.notes:
            console.print(_text(f"          note: {note}", "dim"))


@render.register
def render_comparison(result: Comparison, console: Console, plain: bool = False) -> None:
    """The summary line, then each call where Gong and the local search differ."""
    console.print(_text(result.summary(), "bold"))
    if result.calls_without_occurrences:
        unplaced = plural(result.calls_without_occurrences, "call")
        console.print(
            _text(f"{unplaced} left out: Gong counted the tracker but placed no occurrence")
        )
    for difference in result.differences:
        console.print(_text(f"\n{difference.title or difference.call_id}  {difference.url}"))
        for side, hits in (
            ("Gong only", difference.gong_only),
            ("local only", difference.local_only),
        ):
            for hit in hits:
                console.print(_text(f"  {side:<10} {hit.at:>7}  {hit.speaker_name}: {hit.text}"))
