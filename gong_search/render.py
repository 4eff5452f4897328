"""Human-facing output with rich: sync progress, status, hits, transcripts.

Every string from data is handed to rich through :func:`_text`: as ``Text`` (never
markup), so ``[inaudible]`` prints as spoken, and through :func:`gong_search.terminal.clean`,
so names, titles and URLs chosen by call participants cannot drive the terminal. Links are
printed only for ``https://`` URLs. Machine formats (json, jsonl, csv) live in
:mod:`gong_search.export` and stay faithful.
"""

from __future__ import annotations

import sys
import time
from functools import singledispatch
from typing import TextIO

from rich.console import Console
from rich.progress import (
    BarColumn,
    MofNCompleteColumn,
    Progress,
    TextColumn,
    TimeElapsedColumn,
    TimeRemainingColumn,
)
from rich.table import Table
from rich.text import Text

from .dates import format_offset
from .harvest import SyncReport
from .search import ContextSentence, Count, Hit, SearchResult
from .show import CallView, SpeakerList
from .status import Status
from .terminal import clean, plural, safe_url


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
    return _Console(stderr=True, highlight=False, markup=False, emoji=False)


def output_console(out: TextIO) -> Console:
    """For stdout or an output file: plain text (no markup, emoji or highlighting)."""
    return _Console(
        file=out,
        highlight=False,
        markup=False,
        emoji=False,
        soft_wrap=True,
        force_terminal=None if out is sys.stdout else False,
        width=None if out.isatty() else 160,  # tables in pipes and files: don't squeeze
    )


class SyncProgressView:
    """A rich bar on a terminal; otherwise one plain line per page, at most every 2 s."""

    PLAIN_INTERVAL = 2.0

    def __init__(self, stream: TextIO | None = None) -> None:
        self.stream = stream or sys.stderr
        self.live = self.stream.isatty()
        self._progress: Progress | None = None
        self._task = None
        self._started = time.monotonic()
        self._last_line = 0.0
        self._window_shown = False

    def __enter__(self) -> SyncProgressView:
        if self.live:
            self._progress = Progress(
                TextColumn("syncing"),
                BarColumn(),
                MofNCompleteColumn(),
                TextColumn(
                    "calls · {task.fields[sentences]} sentences · "
                    "{task.fields[requests]} requests ({task.fields[rate]:.1f}/s)"
                ),
                TimeElapsedColumn(),
                TimeRemainingColumn(),
                console=stderr_console(),
                transient=True,
            )
            self._progress.start()
            self._task = self._progress.add_task(
                "sync", total=None, sentences=0, requests=0, rate=0.0
            )
        return self

    def __exit__(self, *exc: object) -> None:
        if self._progress is not None:
            self._progress.stop()

    def update(self, report: SyncReport) -> None:
        if report.start and not self._window_shown:
            self._window_shown = True
            start, end = report.start.astimezone(), report.end.astimezone()
            line = f"window: {start:%Y-%m-%d %H:%M} to {end:%Y-%m-%d %H:%M} ({report.window_note})"
            if self._progress is not None:
                self._progress.console.print(_text(line))
            else:
                print(line, file=self.stream, flush=True)
        elapsed = max(1e-6, time.monotonic() - self._started)
        if self._progress is not None:
            self._progress.update(
                self._task,
                completed=report.listed,
                total=report.total_listed or None,
                sentences=report.sentences,
                requests=report.requests,
                rate=report.requests / elapsed,
            )
            return
        now = time.monotonic()
        if not report.total_listed:
            return  # nothing listed yet: no "0/0" line
        if now - self._last_line >= self.PLAIN_INTERVAL or report.listed >= report.total_listed:
            self._last_line = now
            print(
                f"sync: {report.listed}/{plural(report.total_listed, 'call')}, "
                f"{plural(report.sentences, 'sentence')}, {plural(report.requests, 'request')}, "
                f"{elapsed:.0f} s",
                file=self.stream,
                flush=True,
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


@render.register
def render_hits(result: SearchResult, console: Console, plain: bool = False) -> None:
    """A readable listing for a terminal: one block per hit, context dimmed."""
    for n, hit in enumerate(result.hits, start=result.offset + 1):
        header = Text(f"{n}. ", style="bold")
        header.append_text(_text(hit.call_title or hit.call_id, "bold"))
        header.append(f"  {hit.call_started:%Y-%m-%d %H:%M}  at {hit.at}", style="cyan")
        console.print(header)
        for ctx in hit.context_before:
            console.print(_context_line(ctx))
        line = _text(f"   {hit.speaker_name} ({hit.affiliation}): ", "green")
        line.append_text(hit_text(hit))
        console.print(line)
        for ctx in hit.context_after:
            console.print(_context_line(ctx))
        _print_link(console, hit.call_url, "blue", indent="   ")
    console.print(Text(result_summary(result), style="dim"))


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
    started = c.started.astimezone()  # the reader's local time, like search hits
    host = view.host_name or "-"
    console.print(_text(f"{started:%Y-%m-%d %H:%M %Z}  ·  host {host}  ·  id {c.id}"))
    _print_link(console, c.url)
    for p in c.parties:
        email = f" <{p.email}>" if p.email else ""
        console.print(_text(f"  - {p.display_name or 'unnamed'}{email} ({p.affiliation})"))
    console.print()
    speaker = None
    for row in view.rows:
        if row.speaker_name != speaker:
            speaker = row.speaker_name
            console.print(_text(f"{speaker} ({row.affiliation})", "" if plain else "green"))
        console.print(_text(f"  {format_offset(row.start_ms):>8}  {row.text}"))


@render.register
def _(result: SpeakerList, console: Console, plain: bool = False) -> None:
    if not result.speakers:
        return  # the command says on stderr that none matched
    table = Table("name", "affiliation", "email", "calls", "sentences", box=None)
    for s in result.speakers:
        cells = (s.name, s.affiliation, s.email, str(s.calls), str(s.sentences))
        table.add_row(*(_text(cell) for cell in cells))
    console.print(table)
