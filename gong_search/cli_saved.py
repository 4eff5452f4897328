"""``gong-search saved ...``: keep a query and its options under a name, run it later.

``saved add`` and ``saved run`` take the very flags of ``search``: the words after the name
are parsed by the ``search`` command itself (its one declaration of every option), and the
flags given are turned into :class:`SearchOptions` fields by ``cli_search.flag_fields``.
"""

from __future__ import annotations

from pathlib import Path
from typing import Annotated, Any

import click
import typer
from click.core import ParameterSource

from . import config
from .cli_common import PIPED_HELP, IndexOpt, choose_engine, format_option, say
from .cli_search import PARAM_FIELDS, answer, facets_format, flag_fields
from .errors import QueryError

SAVED_FORMATS = ("table", "json", "jsonl")
EXPORT_FORMATS = ("json", "toml")
# search's own parameters that a saved search keeps besides its fields
_KEPT = {"query", "tz", "all_", "any_", "literal", "context"}
_RUN_OUTPUT = {"format", "output", "csv_file", "bom", "count", "show_query", "engine"}
_PASS_THROUGH = {"ignore_unknown_options": True, "allow_interspersed_args": True}

saved_app = typer.Typer(
    help="""Saved searches: a query and its options, kept under a name.

    \b
    Examples:
      gong-search saved add competitors '"Acme" OR Initech' --customer
      gong-search saved list
      gong-search saved run competitors --from 'this quarter' --facet account
      gong-search saved export team.toml
    """,
    no_args_is_help=True,
    rich_markup_mode=None,
    context_settings={"help_option_names": ["-h", "--help"]},
)

SearchArgs = Annotated[
    list[str] | None,
    typer.Argument(help="Search words and any search option (see gong-search search --help)."),
]


def search_flags(ctx: click.Context, args: list[str]) -> tuple[dict[str, Any], set[str]]:
    """``args`` parsed by the ``search`` command: its parameters, and which were typed."""
    root = ctx.find_root()
    search = root.command.get_command(root, "search")  # type: ignore[attr-defined]
    parsed = search.make_context("search", list(args), parent=ctx)
    given = {
        name
        for name in parsed.params
        if parsed.get_parameter_source(name) == ParameterSource.COMMANDLINE
    }
    return parsed.params, given


@saved_app.command("add", context_settings=_PASS_THROUGH)
def add(
    ctx: typer.Context,
    name: Annotated[str, typer.Argument(help="A name to run it by (quote spaces).")],
    args: SearchArgs = None,
    replace: Annotated[bool, typer.Option("--replace", help="Overwrite a same-named one.")] = False,
    index: IndexOpt = None,
) -> None:
    """Save a query and its search options under NAME.

    After NAME come the query and options, as `search` takes them.

    Options are checked now; dates stay as typed, so --from 30d is always the last 30
    days. Output options (--format, --count, ...) belong to `saved run`.

    \b
    Examples:
      gong-search saved add pricing '"too expensive" OR discount' --customer
      gong-search saved add churn 'cancel* OR churn' --from 90d --facet account
      gong-search saved add renewals renewal --replace --in all

    Exit codes: 0 saved, 2 a bad option or query, or the name is taken.
    """
    from .query_check import validate_request
    from .saved import SavedSearch, existing_catalog, save, stored_fields

    params, given = search_flags(ctx, args or [])
    extra = sorted(given - set(PARAM_FIELDS) - _KEPT)
    if extra:
        raise QueryError(f"saved add keeps search options only; {_flag(ctx, extra[0])} is for run")
    query = " ".join(params.get("query") or ())
    fields = stored_fields(flag_fields(params, given))
    saved = SavedSearch(name, query, fields, params.get("tz"))
    validate_request(query, saved.request())
    with existing_catalog(config.index_dir(index)) as catalog:
        replaced = save(catalog, saved, replace)
    say(f"{'replaced' if replaced else 'saved'} {name!r}: gong-search saved run {_quoted(name)}")


@saved_app.command("list")
def list_(
    index: IndexOpt = None,
    format: Annotated[str | None, format_option(SAVED_FORMATS, PIPED_HELP)] = None,
) -> None:
    """List saved searches: name, query, options and notes.

    \b
    Examples:
      gong-search saved list
      gong-search saved list -f json | jq -r '.saved_searches[].name'

    Exit codes: 0 listed, 1 none saved yet, 2 no index.
    """
    from .saved import SavedList, load_all

    found = _read(index, load_all)
    _emit(SavedList(found), format)
    if not found:
        say("no saved searches yet (gong-search saved add NAME QUERY ...)", err=True)
        raise typer.Exit(1)


@saved_app.command("show")
def show(
    name: Annotated[str, typer.Argument(help="The saved search's name.")],
    index: IndexOpt = None,
    format: Annotated[str | None, format_option(SAVED_FORMATS, PIPED_HELP)] = None,
) -> None:
    """Show one saved search: its query, options (as flags) and notes.

    \b
    Examples:
      gong-search saved show competitors
      gong-search saved show competitors -f json

    Exit codes: 0 shown, 2 no such saved search.
    """
    from .saved import SavedList, load

    _emit(SavedList([_read(index, lambda catalog: load(catalog, name))]), format)


@saved_app.command("rm")
def rm(
    name: Annotated[str, typer.Argument(help="The saved search's name.")],
    index: IndexOpt = None,
) -> None:
    """Remove a saved search (and its watch mark).

    \b
    Examples:
      gong-search saved rm competitors

    Exit codes: 0 removed, 2 no such saved search.
    """
    from .saved import existing_catalog, remove

    with existing_catalog(config.index_dir(index)) as catalog:
        remove(catalog, name)
    say(f"removed {name!r}")


@saved_app.command("run", context_settings=_PASS_THROUGH)
def run(
    ctx: typer.Context,
    name: Annotated[str, typer.Argument(help="The saved search's name.")],
    args: Annotated[
        list[str] | None,
        typer.Argument(help="Search options that override the saved ones, and output options."),
    ] = None,
    index: IndexOpt = None,
) -> None:
    """Run a saved search; options given override the saved ones.

    Output is search's: a table on a terminal, JSON Lines in a pipe, --count,
    --facet, --csv FILE, -f json.

    \b
    Examples:
      gong-search saved run competitors
      gong-search saved run competitors --from 2020-01-01 --facet account
      gong-search saved run pricing --limit 0 --csv pricing.csv

    Exit codes: 0 hits, 1 no hits, 2 a bad option, no such saved search or no index.
    """
    from .dates import set_display_zone
    from .output import choose_format
    from .saved import load

    params, given = search_flags(ctx, args or [])
    if params.get("query"):
        raise QueryError(
            f"saved run takes options only, not words ({' '.join(params['query'])!r}); "
            "change the query with saved add --replace"
        )
    choose_engine(params.get("engine"), params.get("opensearch_url"))
    saved = _read(index, lambda catalog: load(catalog, name))
    output = params.get("csv_file") or params.get("output")
    explicit = "csv_file" in given or "format" in given or "output" in given
    fmt = "csv" if params.get("csv_file") else choose_format(params.get("format"), _path(output))
    tz = params.get("tz") or saved.tz
    overrides = {**flag_fields(params, given), "highlight": fmt == "table"}
    options = saved.request(overrides, tz)
    fmt = facets_format(fmt, options.facets, bool(params.get("count")), explicit)
    set_display_zone(tz)
    answer(config.index_dir(index), saved.query, options, params, fmt)


@saved_app.command("export")
def export(
    file: Annotated[
        Path | None, typer.Argument(help="Write here (.toml: TOML, else JSON); default stdout.")
    ] = None,
    index: IndexOpt = None,
    format: Annotated[str | None, format_option(EXPORT_FORMATS)] = None,
) -> None:
    """Export every saved search to share: JSON, or TOML for .toml.

    \b
    Examples:
      gong-search saved export team-searches.toml
      gong-search saved export > team-searches.json

    Exit codes: 0 written (even none), 2 no index or the file cannot be written.
    """
    from .export import dumps
    from .output import open_output
    from .saved import SavedList, load_all, to_toml

    found = _read(index, load_all)
    fmt = format or ("toml" if file and file.suffix.lower() == ".toml" else "json")
    text = to_toml(found) if fmt == "toml" else dumps(SavedList(found).as_json(), indent=2) + "\n"
    with open_output(file, "json", bom=False) as out:
        out.write(text)
    if file is not None:
        say(f"wrote {len(found)} saved searches to {file}", err=True)


@saved_app.command("import")
def import_(
    file: Annotated[Path, typer.Argument(help="A file saved export wrote (.toml or JSON).")],
    index: IndexOpt = None,
) -> None:
    """Add the saved searches of a shared file; same names are replaced.

    Every entry is checked first: one bad entry imports nothing.

    \b
    Examples:
      gong-search saved import team-searches.toml

    Exit codes: 0 imported, 2 a bad file or entry, or no index.
    """
    from .saved import existing_catalog, read_file, save

    found = read_file(file)  # each entry validated as it is read
    with existing_catalog(config.index_dir(index)) as catalog:
        replaced = sum(save(catalog, saved, replace_existing=True) for saved in found)
    say(f"imported {len(found)} saved searches ({replaced} replaced)")


def _read(index: Path | None, read: Any) -> Any:
    """``read(catalog)`` on the index's catalog, opened read-only."""
    from .catalog import Catalog

    with Catalog(config.index_dir(index), create=False) as catalog:
        return read(catalog)


def _emit(result: Any, format: str | None) -> None:
    from . import render_saved  # noqa: F401 - registers the tables with render()
    from .output import emit, piped_default

    emit(result, piped_default(format, SAVED_FORMATS))


def _flag(ctx: click.Context, param: str) -> str:
    """How people type a search parameter: its first option name."""
    root = ctx.find_root()
    search = root.command.get_command(root, "search")  # type: ignore[attr-defined]
    found = next((p for p in search.params if p.name == param), None)
    return found.opts[0] if found is not None and found.opts else param


def _path(value: Any) -> Path | None:
    return Path(value) if value is not None else None


def _quoted(name: str) -> str:
    import shlex

    return shlex.quote(name)
