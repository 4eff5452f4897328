"""Progress for ``sync`` and ``reindex``: one bar designed for 80 columns on a terminal,
one plain line at most every 2 s otherwise (cron logs).

The bar counts calls *done* (indexed, unchanged, pending or skipped), not calls listed, so
it reaches the end when the work does; its two times are labelled, and large counts are
shortened (``14.4k``) so the line fits 80 columns:

    syncing 1,000/1,200 calls ━━━━━━╺━ 14.4k sentences  0:12 so far, ~0:03 left
"""

from __future__ import annotations

import sys
import time
from typing import TextIO

from rich.progress import BarColumn, Progress, TextColumn

from .render import _text, stderr_console
from .sync_report import SyncReport
from .terminal import plural

BAR_WIDTH = 8


def compact(n: int) -> str:
    """``9,999``, ``14.4k``, ``250k``, ``1.2M``: a count in at most 5 characters."""
    if n < 10_000:
        return f"{n:,}"
    if n < 99_950:
        return f"{n / 1000:.1f}k"
    if n < 999_500:
        return f"{n / 1000:.0f}k"
    return f"{n / 1_000_000:.1f}M"


def clock(seconds: float) -> str:
    """``0:12``, ``59:59``, ``9h59m``: a duration in at most 6 characters (99h+ as ``99h+``)."""
    minutes, secs = divmod(int(seconds), 60)
    hours, minutes = divmod(minutes, 60)
    if hours >= 100:
        return "99h+"
    return f"{hours}h{minutes:02d}m" if hours else f"{minutes}:{secs:02d}"


def bar_texts(verb: str, done: int, total: int, sentences: int, elapsed: float) -> tuple[str, str]:
    """What stands left and right of the bar: at most 80 columns with it, whatever the
    counts (``indexing 99.9k/99.9k calls`` ... ``10.0M sentences  9h59m so far, ~9h59m left``)."""
    left = f"{verb} {compact(done)}/{compact(total)} calls" if total else verb
    times = f"{clock(elapsed)} so far"
    if total and done:
        times += f", ~{clock(elapsed * (total - done) / done)} left"
    return left, f"{compact(sentences)} sentences  {times}"


class ProgressView:
    """The display: ``verb`` is what the bar says (``syncing``, ``indexing``); ``name``
    starts each plain line (``sync:``); ``plain=False``: nothing off a terminal."""

    PLAIN_INTERVAL = 2.0

    def __init__(
        self, verb: str, name: str, stream: TextIO | None = None, plain: bool = True
    ) -> None:
        self.verb, self.name, self.plain = verb, name, plain
        self.stream = stream or sys.stderr
        self._progress: Progress | None = None
        self._task = None
        self._started = time.monotonic()
        self._last_line = 0.0

    def __enter__(self) -> ProgressView:
        if self.stream.isatty():
            self._progress = Progress(
                TextColumn("{task.fields[left]}"),
                BarColumn(bar_width=BAR_WIDTH),
                TextColumn("{task.fields[right]}"),
                console=stderr_console(),
                transient=True,
                expand=False,
            )
            self._progress.start()
            self._task = self._progress.add_task(self.verb, total=None, left=self.verb, right="")
        return self

    def __exit__(self, *exc: object) -> None:
        if self._progress is not None:
            self._progress.stop()

    def note(self, line: str) -> None:
        """A line above the bar (or in the log): the window, a retry."""
        if self._progress is not None:
            self._progress.console.print(_text(line))
        else:
            print(line, file=self.stream, flush=True)

    def show(self, done: int, total: int, sentences: int, requests: int | None = None) -> None:
        elapsed = time.monotonic() - self._started
        if self._progress is not None:
            left, right = bar_texts(self.verb, done, total, sentences, elapsed)
            self._progress.update(
                self._task, completed=done, total=total or None, left=left, right=right
            )
            return
        now = time.monotonic()
        due = now - self._last_line >= self.PLAIN_INTERVAL or done >= total
        if self.plain and total and due:
            self._last_line = now
            asked = f"{plural(requests, 'request')}, " if requests is not None else ""
            print(
                f"{self.name}: {done}/{plural(total, 'call')}, "
                f"{plural(sentences, 'sentence')}, {asked}{elapsed:.0f} s",
                file=self.stream,
                flush=True,
            )


class SyncProgressView(ProgressView):
    """``sync``'s progress: the window first, retries as they happen, then the bar."""

    def __init__(self, stream: TextIO | None = None, where: str = "") -> None:
        super().__init__("syncing", "sync", stream)
        self._window_shown = False
        self._where = f"; index: {where}" if where else ""

    def update(self, report: SyncReport) -> None:
        if report.start and report.end and not self._window_shown:
            self._window_shown = True
            start, end = report.start.astimezone(), report.end.astimezone()
            self.note(
                f"window: {start:%Y-%m-%d %H:%M} to {end:%Y-%m-%d %H:%M} ({report.window_note})"
                + self._where
            )
        done = (
            report.added
            + report.updated
            + report.unchanged
            + report.pending
            + report.skipped_private
            + len(report.failed)
        )
        total = report.total_listed
        self.show(min(done, total) if total else done, total, report.sentences, report.requests)

    def retrying(self, attempt: int, attempts: int, reason: str, wait: float) -> None:
        """Said before each retry, so a long wait on a flaky network is not a frozen bar."""
        self.note(f"retrying ({attempt}/{attempts}) in {wait:.0f} s: {reason}")
