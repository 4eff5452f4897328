"""The ``activity`` table: one row per Gong user, Gong's counters then the index's talk.

Part of the output layer; kept beside ``render.py`` and registered with its ``render``
when imported (``cli_activity`` does), so ``emit(report, "table")`` draws it.
"""

from __future__ import annotations

from rich.console import Console
from rich.table import Table

from .activity import TABLE_COUNTERS, ActivityReport
from .render import _text, render
from .terminal import plural


@render.register
def render_activity(result: ActivityReport, console: Console, plain: bool = False) -> None:
    """Each group's first heading names its source (``Gong:``, ``index:``); the window
    and the index's totals go on the line above, a missing index's note below."""
    console.print(_text(activity_heading(result)))
    table = Table("\nuser", box=None, pad_edge=False, collapse_padding=True)
    for heading, _names in TABLE_COUNTERS:
        table.add_column(heading, justify="right")
    if result.talk is not None:
        for heading in ("index:\ncalls", "\nsentences", "\ntalk"):
            table.add_column(heading, justify="right")
    for row in result.rows:
        cells = [row.name]
        cells += ["/".join(str(row.counts[n]) for n in names) for _h, names in TABLE_COUNTERS]
        if row.talk is not None:
            cells += [str(row.talk.calls), str(row.talk.sentences), _percent(row.talk_share)]
        table.add_row(*(_text(cell) for cell in cells))
    console.print(table)
    if result.index_note:
        console.print(_text(result.index_note))


def activity_heading(result: ActivityReport) -> str:
    """The window as whole days (the last one included) and, with an index, its totals."""
    last = result.end.fromordinal(result.end.toordinal() - 1)
    zone = f" ({result.window.time_zone})" if result.window.time_zone else ""
    text = f"{result.start} to {last}{zone}"
    talk = result.talk
    if talk is not None:
        text += (
            f"; index: {plural(talk.calls, 'call')}, {plural(talk.sentences, 'sentence')}, "
            f"customers said {_percent(talk.customer_share)} of them"
        )
    return text


def _percent(share: float | None) -> str:
    return "-" if share is None else f"{share:.1%}"
