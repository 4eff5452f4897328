"""``gong-search watch``: new hits of saved searches since they were last watched.

The report is written and flushed before the marks move (see :mod:`.watch`): a watch that
dies in between reports the same hits next time instead of losing them.
"""

from __future__ import annotations

import sys
from typing import Annotated

import typer

from . import config
from .cli_common import EngineOpt, IndexOpt, OpenSearchUrlOpt, choose_engine, format_option, say
from .terminal import plural

WATCH_FORMATS = ("table", "jsonl", "json", "slack", "markdown")


def watch(
    names: Annotated[
        list[str] | None, typer.Argument(help="Saved searches to watch (default: all).")
    ] = None,
    index: IndexOpt = None,
    format: Annotated[
        str | None,
        format_option(
            WATCH_FORMATS,
            "Output (default: table on a terminal, else jsonl); slack and "
            "markdown are digest text for a chat or a page.",
        ),
    ] = None,
    engine: EngineOpt = None,
    opensearch_url: OpenSearchUrlOpt = None,
) -> None:
    """New hits of saved searches since their last watch.

    Each saved search remembers what it has reported; its first watch reports
    calls indexed after it was saved (saved run searches all history). Run it
    after each sync, e.g. from cron:

    \b
      gong-search sync && gong-search watch --format jsonl >> hits.jsonl

    \b
    Examples:
      gong-search watch
      gong-search watch competitors pricing
      gong-search watch --format slack | ./post-to-slack.sh

    Exit codes: 0 new hits, 1 none, 2 error (no index, unknown saved search).
    """
    from .commit_safety import crash_point
    from .output import emit, piped_default
    from .watch import advance, collect, digest

    choose_engine(engine, opensearch_url)
    index_dir = config.index_dir(index)
    report = collect(index_dir, names or ())
    if not report.searches:
        say("no saved searches to watch yet (gong-search saved add NAME QUERY ...)", err=True)
        raise typer.Exit(1)
    fmt = piped_default(format, WATCH_FORMATS)
    if fmt in ("slack", "markdown"):
        typer.echo(digest(report, fmt), nl=False)
    else:
        from . import render_saved  # noqa: F401 - registers the table with render()

        emit(report, fmt)
    sys.stdout.flush()  # written and flushed before the marks move
    crash_point("watch_before_mark")
    advance(index_dir, report)
    if sys.stderr.isatty() or fmt == "table":
        searched = plural(len(report.searches), "saved search", "saved searches")
        say(f"{plural(report.hits, 'new hit')} for {searched}", err=True)
    raise typer.Exit(0 if report.hits else 1)
