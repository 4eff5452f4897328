"""The ``search`` command: flags mapped onto one validated :class:`SearchOptions`, the
library's search (or its streamed export), and the hits written in the chosen format.

Every option's help and default comes from the model; so do its rules (a bad value is the
model's :class:`QueryError`). What is the CLI's own: the mode flags, ``-C``, ``--csv``.
"""

from __future__ import annotations

import sys
from pathlib import Path
from typing import Annotated

import click
import typer

from . import config
from .cli_common import (
    SEARCH_FORMATS,
    EngineOpt,
    IndexOpt,
    OpenSearchUrlOpt,
    TzOpt,
    choose_engine,
    format_option,
    say,
)
from .completion import complete_accounts, complete_speakers, complete_trackers
from .engine import WITHIN
from .errors import QueryError
from .model import help_of
from .search_options import AFFILIATIONS, SORTS, SearchOptions
from .terminal import clean, plural

_DEFAULT = SearchOptions()


def _help(name: str) -> str:
    return help_of(SearchOptions, name)


def search_command(
    query: Annotated[
        list[str] | None,
        typer.Argument(
            help='Words, "phrases", AND/OR/NOT, -word, word*, field:value. Operators are '
            "uppercase AND OR NOT; lowercase and/or are searched as words. May be left "
            "out with --tracker."
        ),
    ] = None,
    index: IndexOpt = None,
    engine: EngineOpt = None,
    opensearch_url: OpenSearchUrlOpt = None,
    all_: Annotated[bool, typer.Option("--all", help="Require every word.")] = False,
    any_: Annotated[bool, typer.Option("--any", help="Any word (plain OR).")] = False,
    literal: Annotated[
        bool, typer.Option("--literal", help="The text as one phrase, no syntax.")
    ] = False,
    fuzzy: Annotated[bool, typer.Option("--fuzzy", help=_help("fuzzy"))] = _DEFAULT.fuzzy,
    speaker: Annotated[
        list[str] | None,
        typer.Option("--speaker", help=_help("speakers"), autocompletion=complete_speakers),
    ] = None,
    customer: Annotated[
        bool, typer.Option("--customer", help=_help("customer"))
    ] = _DEFAULT.customer,
    internal: Annotated[
        bool, typer.Option("--internal", help=_help("internal"))
    ] = _DEFAULT.internal,
    affiliation: Annotated[
        list[str] | None,
        typer.Option(
            "--affiliation",
            help=_help("affiliations"),
            click_type=click.Choice(AFFILIATIONS, case_sensitive=False),
        ),
    ] = None,
    from_: Annotated[str | None, typer.Option("--from", help=_help("start"))] = None,
    to: Annotated[str | None, typer.Option("--to", help=_help("end"))] = None,
    tz: TzOpt = None,
    call: Annotated[list[str] | None, typer.Option("--call", help=_help("call_ids"))] = None,
    title: Annotated[str | None, typer.Option("--title", help=_help("title"))] = None,
    host: Annotated[list[str] | None, typer.Option("--host", help=_help("hosts"))] = None,
    account: Annotated[
        list[str] | None,
        typer.Option("--account", help=_help("accounts"), autocompletion=complete_accounts),
    ] = None,
    deal: Annotated[list[str] | None, typer.Option("--deal", help=_help("deals"))] = None,
    stage: Annotated[list[str] | None, typer.Option("--stage", help=_help("stages"))] = None,
    deal_now: Annotated[
        bool, typer.Option("--deal-now", help=_help("deal_now"))
    ] = _DEFAULT.deal_now,
    tracker: Annotated[
        list[str] | None,
        typer.Option("--tracker", help=_help("trackers"), autocompletion=complete_trackers),
    ] = None,
    participant: Annotated[
        list[str] | None, typer.Option("--participant", help=_help("participants"))
    ] = None,
    scope: Annotated[list[str] | None, typer.Option("--scope", help=_help("scopes"))] = None,
    direction: Annotated[
        list[str] | None, typer.Option("--direction", help=_help("directions"))
    ] = None,
    language: Annotated[
        list[str] | None, typer.Option("--language", help=_help("languages"))
    ] = None,
    workspace: Annotated[
        list[str] | None, typer.Option("--workspace", help=_help("workspaces"))
    ] = None,
    outcome: Annotated[list[str] | None, typer.Option("--outcome", help=_help("outcomes"))] = None,
    min_duration: Annotated[
        int | None, typer.Option("--min-duration", help=_help("min_duration"))
    ] = None,
    max_duration: Annotated[
        int | None, typer.Option("--max-duration", help=_help("max_duration"))
    ] = None,
    within: Annotated[
        str, typer.Option("--in", help=_help("within"), click_type=click.Choice(WITHIN))
    ] = _DEFAULT.within,
    facet: Annotated[list[str] | None, typer.Option("--facet", help=_help("facets"))] = None,
    sort: Annotated[
        str, typer.Option("--sort", help=_help("sort"), click_type=click.Choice(SORTS))
    ] = _DEFAULT.sort,
    limit: Annotated[int, typer.Option("--limit", "-n", help=_help("limit"))] = _DEFAULT.limit,
    offset: Annotated[int, typer.Option("--offset", help=_help("offset"))] = _DEFAULT.offset,
    per_call: Annotated[
        int | None, typer.Option("--per-call", help=_help("per_call"))
    ] = _DEFAULT.per_call,
    context: Annotated[
        int, typer.Option("--context", "-C", help="Sentences of context before and after.")
    ] = 0,
    after: Annotated[int | None, typer.Option("--after", "-A", help=_help("after"))] = None,
    before: Annotated[int | None, typer.Option("--before", "-B", help=_help("before"))] = None,
    format: Annotated[
        str | None,
        format_option(SEARCH_FORMATS, "Output format (default: table on a terminal, else jsonl)."),
    ] = None,
    output: Annotated[
        Path | None,
        typer.Option(
            "--output",
            "-o",
            help="Write to this file (- = stdout); its extension sets the format unless -f.",
        ),
    ] = None,
    csv_file: Annotated[
        Path | None, typer.Option("--csv", help="Shortcut for --format csv --output FILE.")
    ] = None,
    bom: Annotated[
        bool | None,
        typer.Option(
            "--bom/--no-bom", help="Start CSV with a byte order mark (default: in files only)."
        ),
    ] = None,
    count: Annotated[
        bool, typer.Option("--count", help="Only count matching sentences and calls.")
    ] = False,
    show_query: Annotated[
        bool,
        typer.Option(
            "--show-query", help="Print the query as it runs (tiers, call filters), then stop."
        ),
    ] = False,
) -> None:
    """Search transcripts: who said it, when, with a link.

    A -word after the query excludes that word (gong-search pricing -trial);
    operators are uppercase AND OR NOT (lowercase and/or are searched as words).
    `gong-search QUERY` is short for `gong-search search QUERY`.

    \b
    Examples:
      gong-search "pricing objection" --customer -C 1
      gong-search renewal --speaker tobias --from "last quarter"
      gong-search budget --from 30d --limit 0 --csv budget.csv
      gong-search "SOC 2" -f json | jq '.hits[].call_url'

    Exit codes: 0 hits, 1 no hits, 2 bad query, option or index.
    """
    from .dates import parse_window, set_display_zone
    from .output import check_target, choose_format, emit
    from .search import count_with_facets
    from .search import explain as run_explain
    from .search import export as run_export
    from .search import search as run_search

    choose_engine(engine, opensearch_url)
    text = " ".join(query or ())
    if csv_file:
        format, output = "csv", csv_file
    fmt = choose_format(format, output)
    if facet and not count and fmt in ("jsonl", "csv"):  # a line per hit: no room for counts
        if format is not None or output is not None:
            raise QueryError(f"--facet needs -f table or json (not {fmt}): counts are not hits")
        fmt = "json"  # piped with --facet: one JSON document, hits and facets
    start, end = parse_window(from_, to, tz)
    set_display_zone(tz)
    options = SearchOptions(
        mode=_mode(all_, any_, literal),
        fuzzy=fuzzy,
        speakers=tuple(speaker or ()),
        customer=customer,
        internal=internal,
        affiliations=tuple(affiliation or ()),
        start=start,
        end=end,
        call_ids=tuple(call or ()),
        title=title,
        hosts=tuple(host or ()),
        accounts=tuple(account or ()),
        deals=tuple(deal or ()),
        stages=tuple(stage or ()),
        deal_now=deal_now,
        trackers=tuple(tracker or ()),
        participants=tuple(participant or ()),
        scopes=tuple(scope or ()),
        directions=tuple(direction or ()),
        languages=tuple(language or ()),
        workspaces=tuple(workspace or ()),
        outcomes=tuple(outcome or ()),
        min_duration=min_duration,
        max_duration=max_duration,
        within=within,
        facets=tuple(facet or ()),
        sort=sort,
        limit=limit,
        offset=offset,
        per_call=per_call,
        before=context if before is None else before,
        after=context if after is None else after,
        highlight=fmt == "table",  # machine formats carry no highlight spans
    )
    index_dir = config.index_dir(index)
    check_target(output, index_dir)
    if show_query:
        shown = run_explain(index_dir, text, options)
        typer.echo("\n".join(clean(line) for line in shown.splitlines()))
        raise typer.Exit(0)
    if count:
        counted = count_with_facets(index_dir, text, options)
        emit(counted, fmt, output)
        raise typer.Exit(0 if counted.sentences else 1)

    def write(result, hits) -> int:
        return _write_result(result, hits, fmt, output, bom)

    if limit == 0 and fmt != "table":  # every match, as a file or a pipe: streamed
        written = run_export(index_dir, text, options, write)
    else:
        result = run_search(index_dir, text, options)
        written = write(result, result.hits)
    raise typer.Exit(0 if written else 1)


def _mode(all_: bool, any_: bool, literal: bool) -> str:
    """The one mode the flags ask for (the flags are the CLI's, so this rule is too)."""
    modes = [m for m, on in (("all", all_), ("any", any_), ("literal", literal)) if on]
    if len(modes) > 1:
        raise QueryError("choose one of --all, --any, --literal")
    return modes[0] if modes else "default"


def _write_result(result, hits, fmt: str, output: Path | None, bom: bool | None) -> int:
    """Write ``hits`` (a list, or an iterator of every match) in ``fmt``; returns how many."""
    from . import export
    from .output import is_stdout, open_output
    from .render import output_console, render, result_summary, stderr_console

    with open_output(output, fmt, bom) as out:
        if fmt == "json":
            written = export.write_json(result, out, hits)
        elif fmt == "jsonl":
            written = export.write_jsonl((export.hit_json(h) for h in hits), out)
        elif fmt == "csv":
            written = export.write_csv(hits, out)
        else:
            render(result, output_console(out))
            written = len(result.hits)
    if not is_stdout(output):
        say(f"wrote {plural(written, 'hit')} to {output}", err=True)
    if result.matched_speakers and fmt != "json":
        say("speakers matched: " + "; ".join(result.matched_speakers), err=True)
    if fmt != "table" and sys.stderr.isatty():  # people get a summary; pipes get data only
        stderr_console().print(result_summary(result, shown=written))
    return written
