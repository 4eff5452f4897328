"""Human-facing output with rich: sync progress, status, hits, transcripts.

Every string from data is handed to rich through :func:`_text`: as ``Text`` (never
markup), so ``[inaudible]`` prints as spoken, and through :func:`gong_search.terminal.clean`,
so names, titles and URLs chosen by call participants cannot drive the terminal. Links are
printed only for ``https://`` URLs. Machine formats (json, jsonl, csv) live in
:mod:`gong_search.export` and stay faithful.
"""

from __future__ import annotations

import sys
from functools import singledispatch
from typing import TextIO

from rich.console import Console
from rich.table import Table
from rich.text import Text

from .accounts import AccountList
from .calls import CallList
from .dates import format_offset, shown
from .engine import FacetCount
from .search import ContextSentence, Count, Hit, SearchResult
from .show import CallView, SpeakerList
from .status import Status
from .terminal import clean, colour_settings, plural, safe_url


def _text(value: str, style: str = "") -> Text:
    """Data for a person's terminal: sanitised, and never parsed as markup."""
    return Text(clean(value), style=style)


def _print_link(console: Console, url: str, style: str = "", indent: str = "") -> None:
    """The call's link on its own line, whole (never wrapped), if it is an https:// URL."""
    link = safe_url(url)
    if link is not None:
        console.print(_text(indent + link, style), no_wrap=True, overflow="ignore", crop=False)


class _Console(Console):
    """rich's Console, but a closed pipe is left to the CLI (quiet exit 141), where rich
    would exit 1 itself: 1 means "no hits" to a script."""

    def on_broken_pipe(self) -> None:
        self.quiet = True
        raise BrokenPipeError


def stderr_console() -> Console:
    return _Console(stderr=True, highlight=False, markup=False, emoji=False, **colour_settings())


def output_console(out: TextIO) -> Console:
    """For stdout or an output file: plain text (no markup, emoji or highlighting); colour
    on stdout as ``--color`` says, never in a file."""
    colour = {"force_terminal": None, **colour_settings()}
    return _Console(
        file=out,
        highlight=False,
        markup=False,
        emoji=False,
        soft_wrap=True,
        **(colour if out is sys.stdout else {"force_terminal": False}),
        width=None if out.isatty() else 160,  # tables in pipes and files: don't squeeze
    )


@singledispatch
def render(result: object, console: Console, plain: bool = False) -> None:
    """A result for people (``--format table``, or ``text``: without styles)."""
    raise TypeError(f"no table for {type(result).__name__}")


@render.register
def _(result: Status, console: Console, plain: bool = False) -> None:
    """Key/value rows, then each problem on stderr (the exit code says there are some)."""
    table = Table(show_header=False, box=None)
    rows = [
        ("index", result.index_dir),
        ("calls", str(result.calls)),
        ("sentences", str(result.sentences)),
        ("speakers", str(result.speakers)),
        ("users", str(result.users)),
        ("pending transcripts", str(result.pending_transcripts)),
        ("no transcript yet", f"{result.without_transcript} calls"),
        ("failed calls", str(len(result.failed_calls))),
        ("calls from", result.first_call or "-"),
        ("calls to", result.last_call or "-"),
        ("last sync", result.last_sync or "never"),
        ("watermark", result.watermark or "-"),
        ("index size", f"{result.index_bytes / 1e6:.1f} MB"),
        (
            "engine",
            result.engine
            + (f" (cluster {result.cluster_health})" if result.cluster_health else ""),
        ),  # fmt: skip
        ("catalog and index", _agreement(result)),
    ]
    for key, value in rows:
        table.add_row(key, _text(value))
    for pending in result.pending[:20]:
        table.add_row("pending", _text(f"{pending['call_id']} (started {pending['started']})"))
    console.print(table)
    for problem in result.problems:
        stderr_console().print(_text(f"problem: {problem}"))


def _agreement(result: Status) -> str:
    if result.in_sync:
        return "agree" + (" (a sync is running)" if result.sync_running else "")
    return "a sync is running (the index follows each page)" if result.sync_running else "DIFFER"


def hit_text(hit: Hit) -> Text:
    """The sentence with its matched words highlighted; never parsed as markup."""
    text = _text(hit.text)  # same length as hit.text: the spans still fit
    for start, end in hit.highlights:
        text.stylize("bold yellow", start, end)
    return text


@render.register
def _(result: Count, console: Console, plain: bool = False) -> None:
    calls = plural(result.calls, "call")
    console.print(f"{plural(result.sentences, 'matching sentence')} in {calls}")
    render_facets(result.facets, console)


FACET_ROWS = 10  # values per facet in the table; JSON has them all


def render_facets(facets: dict[str, list[FacetCount]], console: Console) -> None:
    """Each facet as a compact table: value, sentences, calls (the top values)."""
    for name, counts in facets.items():
        table = Table(name, "sentences", "calls", box=None, title_justify="left")
        for c in counts[:FACET_ROWS]:
            table.add_row(_text(c.value), str(c.sentences), str(c.calls))
        if len(counts) > FACET_ROWS:
            table.add_row(_text(f"... {len(counts) - FACET_ROWS} more (-f json has all)"), "", "")
        if not counts:
            table.add_row(_text("(none)"), "", "")
        console.print()
        console.print(table)


@render.register
def render_hits(result: SearchResult, console: Console, plain: bool = False) -> None:
    """A readable listing for a terminal: one block per hit, context dimmed."""
    for n, hit in enumerate(result.hits, start=result.offset + 1):
        header = Text(f"{n}. ", style="bold")
        header.append_text(_text(hit.call_title or hit.call_id, "bold"))
        at = f"  at {hit.at}" if hit.at else ""
        header.append(f"  {shown(hit.call_started)}{at}", style="cyan")
        console.print(header)
        for ctx in hit.context_before:
            console.print(_context_line(ctx))
        line = _text(f"   {_who(hit)}: ", "green")
        line.append_text(hit_text(hit))
        console.print(line)
        for ctx in hit.context_after:
            console.print(_context_line(ctx))
        if hit.trackers:
            console.print(_text(f"   trackers: {', '.join(hit.trackers)}", "magenta"))
        _print_link(console, hit.call_url, "blue", indent="   ")
    console.print(Text(result_summary(result), style="dim"))
    render_facets(result.facets, console)


def _who(hit: Hit) -> str:
    """Who said it, or for a note what it is: "[brief]", "[comment] Ana Lee"."""
    if hit.kind == "transcript":
        return f"{hit.speaker_name} ({hit.affiliation})"
    label = f"[{hit.kind.replace('_', ' ')}{': ' + hit.heading if hit.heading else ''}]"
    return f"{label} {hit.speaker_name}".strip()


def result_summary(result: SearchResult, shown: int | None = None) -> str:
    """The count line under the hits (``shown``: how many were written, when they were
    streamed rather than held in ``result.hits``); also says when a page is empty and why."""
    if not result.total:
        return "no matching sentences"
    text = (
        f"{plural(result.total, 'matching sentence')} ({result.total_all_words} with all words); "
    )
    shown = len(result.hits) if shown is None else shown
    if not shown:
        return text + f"no hits on this page (offset {result.offset} of {result.pageable})"
    text += f"showing {result.offset + 1}-{result.offset + shown}"
    if result.next_offset is not None:
        text += f"; next page: --offset {result.next_offset}"
    return text


def _context_line(ctx: ContextSentence) -> Text:
    return _text(f"   {ctx.at}  {ctx.speaker_name}: {ctx.text}", "dim")


@render.register
def render_call(view: CallView, console: Console, plain: bool = False) -> None:
    """Header, parties, then one line per sentence (speaker changes start a new block)."""
    c = view.call
    console.print(_text(c.title or c.id, "" if plain else "bold"))
    host = view.host_name or "-"
    console.print(_text(f"{shown(c.started)}  ·  host {host}  ·  id {c.id}"))
    _print_link(console, c.url)
    for p in c.parties:
        email = f" <{p.email}>" if p.email else ""
        console.print(_text(f"  - {p.display_name or 'unnamed'}{email} ({p.affiliation})"))
    _render_facts(view, console)
    console.print()
    if view.summary:
        _render_notes(view, console, plain)
        return
    speaker = None
    for row in view.rows:
        if row.speaker_name != speaker:
            speaker = row.speaker_name
            console.print(_text(f"{speaker} ({row.affiliation})", "" if plain else "green"))
        marked = view.is_target(row)  # the sentence --at points at
        line = f"{'>' if marked else ' '} {format_offset(row.start_ms):>8}  {row.text}"
        console.print(_text(line, "bold" if marked and not plain else ""))


def _render_facts(view: CallView, console: Console) -> None:
    """Account, deals (stage at the call, and now when it moved), outcome, trackers, brief."""
    facts = view.facts
    if facts is None:
        return
    lines = []
    if facts.accounts:
        lines.append("account: " + ", ".join(facts.accounts))
    for d in facts.deal_stages:
        moved = f", now {d.stage_now}" if d.stage_now and d.stage_now != d.stage_at_call else ""
        lines.append(f"deal: {d.name} ({d.stage_at_call or 'stage unknown'} at the call{moved})")
    if facts.outcome:
        lines.append(f"outcome: {facts.outcome}")
    if facts.trackers:
        lines.append("trackers: " + ", ".join(f"{n} ({c})" for n, c in facts.trackers))
    brief = next((n.text for n in view.notes if n.kind == "brief"), "")
    if brief and not view.summary:
        lines.append(f"brief: {brief}")
    for line in lines:
        console.print(_text(line))


def _render_notes(view: CallView, console: Console, plain: bool) -> None:
    """``show --summary``: Gong's brief, key points, highlights and outline, with times."""
    heading = None
    for note in view.notes:
        if note.kind == "comment":
            continue
        title = note.kind.replace("_", " ") + (f": {note.heading}" if note.heading else "")
        if title != heading:
            heading = title
            console.print(_text(title, "" if plain else "green"))
        at = "" if note.start_ms is None else format_offset(note.start_ms)
        console.print(_text(f"  {at:>8}  {note.text}"))
    if not view.notes:
        console.print(_text("(Gong gave no summary for this call)"))


@render.register
def _(result: AccountList, console: Console, plain: bool = False) -> None:
    table = Table("account", "calls", "first", "last", "deals", "top trackers", box=None)
    for a in result.accounts:
        deals = "; ".join(f"{n} ({s})" if s else n for n, s in a.deals.items())
        trackers = ", ".join(n for n, _c in a.trackers.most_common(3))
        first = f"{a.first_call.astimezone():%Y-%m-%d}" if a.first_call else ""
        last = f"{a.last_call.astimezone():%Y-%m-%d}" if a.last_call else ""
        cells = (a.name, str(a.calls), first, last, deals, trackers)
        table.add_row(*(_text(cell) for cell in cells))
    console.print(table)


@render.register
def _(result: SpeakerList, console: Console, plain: bool = False) -> None:
    if not result.speakers:
        return  # the command says on stderr that none matched
    table = Table("name", "affiliation", "email", "calls", "sentences", box=None)
    for s in result.speakers:
        cells = (s.name, s.affiliation, s.email, str(s.calls), str(s.sentences))
        table.add_row(*(_text(cell) for cell in cells))
    console.print(table)


@render.register
def _(result: CallList, console: Console, plain: bool = False) -> None:
    """One row per call, then where the page ends (as search's summary line does)."""
    table = Table("date", "title", "account", "duration", "sentences", "id", box=None)
    for c in result.calls:
        call = c.call
        cells = (
            shown(call.started),
            call.title,
            ", ".join(c.as_json()["accounts"]),
            format_offset(call.duration * 1000),
            str(c.sentences),
            call.id,
        )
        table.add_row(*(_text(cell) for cell in cells))
    console.print(table)
    page = f"{result.offset + 1}-{result.offset + len(result.calls)}" if result.calls else "none"
    line = f"{result.total} calls; showing {page}"
    if result.next_offset is not None:
        line += f"; next page: --offset {result.next_offset}"
    console.print(Text(line, style="dim"))
