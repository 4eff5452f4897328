"""The ``search`` command: flags mapped onto one validated :class:`SearchOptions`, the
library's search (or its streamed export), and the hits written in the chosen format.

Every option's help and default comes from the model; so do its rules (a bad value is the
model's :class:`QueryError`). What is the CLI's own: the mode flags, ``-C``, ``--csv``.
"""

from __future__ import annotations

import sys
from pathlib import Path
from typing import Annotated, Any

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
    question: Annotated[
        bool, typer.Option("--question", help=_help("questions"))
    ] = _DEFAULT.questions,
    first_minutes: Annotated[
        int | None, typer.Option("--first-minutes", help=_help("said_first"))
    ] = None,
    exact: Annotated[list[str] | None, typer.Option("--exact", help=_help("exact_words"))] = None,
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
    from .dates import set_display_zone
    from .output import choose_format

    choose_engine(engine, opensearch_url)
    params = click.get_current_context().params
    if csv_file:
        format, output = "csv", csv_file
    fmt = choose_format(format, output)
    fmt = facets_format(fmt, facet, count, explicit=format is not None or output is not None)
    fields = flag_fields(params, {name for name, value in params.items() if value is not None})
    options = request(fields, tz, highlight=fmt == "table")
    set_display_zone(tz)
    answer(config.index_dir(index), " ".join(query or ()), options, params, fmt)


def facets_format(fmt: str, facets: object, count: bool, explicit: bool) -> str:
    """``--facet`` needs a format with room for counts: JSON in a pipe, else refused."""
    if facets and not count and fmt in ("jsonl", "csv"):  # a line per hit: no room
        if explicit:
            raise QueryError(f"--facet needs -f table or json (not {fmt}): counts are not hits")
        return "json"  # piped with --facet: one JSON document, hits and facets
    return fmt


# search's parameters that are SearchOptions fields (the rest: mode flags, -C, output)
PARAM_FIELDS = {
    "fuzzy": "fuzzy",
    "speaker": "speakers",
    "customer": "customer",
    "internal": "internal",
    "affiliation": "affiliations",
    "from_": "start",
    "to": "end",
    "call": "call_ids",
    "title": "title",
    "host": "hosts",
    "account": "accounts",
    "deal": "deals",
    "stage": "stages",
    "deal_now": "deal_now",
    "tracker": "trackers",
    "participant": "participants",
    "scope": "scopes",
    "direction": "directions",
    "language": "languages",
    "workspace": "workspaces",
    "outcome": "outcomes",
    "min_duration": "min_duration",
    "max_duration": "max_duration",
    "question": "questions",
    "first_minutes": "said_first",
    "exact": "exact_words",
    "within": "within",
    "facet": "facets",
    "sort": "sort",
    "limit": "limit",
    "offset": "offset",
    "per_call": "per_call",
    "before": "before",
    "after": "after",
}


def flag_fields(params: dict[str, Any], given: set[str]) -> dict[str, Any]:
    """The :class:`SearchOptions` fields that the ``given`` flags of ``search`` set, as
    typed (dates unparsed, so a saved ``--from 30d`` stays relative): what ``search``
    runs with, and what ``saved add`` stores and ``saved run`` overrides with."""
    fields = {
        PARAM_FIELDS[name]: tuple(value) if isinstance(value, list | tuple) else value
        for name, value in params.items()
        if name in given and name in PARAM_FIELDS and value is not None
    }
    if given & {"all_", "any_", "literal"}:
        fields["mode"] = _mode(params["all_"], params["any_"], params["literal"])
    if "context" in given and params["context"] is not None:
        for side in ("before", "after"):
            fields.setdefault(side, params["context"])
    return fields


def request(fields: dict[str, Any], tz: str | None, highlight: bool) -> SearchOptions:
    """One validated :class:`SearchOptions` from typed fields: dates read in ``tz``."""
    from .saved import options_from

    return options_from({**fields, "highlight": highlight}, tz)


def answer(
    index_dir: Path, text: str, options: SearchOptions, params: dict[str, Any], fmt: str
) -> None:
    """Run ``options`` as ``search``'s output flags in ``params`` ask (count, show the
    query, stream an export, or a page), write it in ``fmt`` and exit 0 hits, 1 none."""
    from .output import check_target, emit
    from .search import count_with_facets
    from .search import explain as run_explain
    from .search import export as run_export
    from .search import search as run_search

    named = params.get("csv_file") or params.get("output")  # click's text, not a Path
    output = Path(named) if named is not None else None
    check_target(output, index_dir)
    if params.get("show_query"):
        shown = run_explain(index_dir, text, options)
        typer.echo("\n".join(clean(line) for line in shown.splitlines()))
        raise typer.Exit(0)
    if params.get("count"):
        counted = count_with_facets(index_dir, text, options)
        emit(counted, fmt, output)
        raise typer.Exit(0 if counted.sentences else 1)

    def write(result, hits) -> int:
        return _write_result(result, hits, fmt, output, params.get("bom"))

    if options.limit == 0 and fmt != "table":  # every match, as a file or a pipe: streamed
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
