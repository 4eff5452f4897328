"""The command line: parse arguments, call one library function, render. No logic here.

Errors raised by the library are :class:`GongSearchError`s; :class:`GongGroup` turns them
into one line on stderr (or one JSON object with ``--format json/jsonl``) and an exit code.
"""

from __future__ import annotations

import shlex
import shutil
import signal
import sys
from pathlib import Path
from typing import Annotated, Any

import click
import typer
from typer.core import TyperGroup

from . import config, engine_choice, exits
from .cli_common import (
    SHOW_FORMATS,
    SPEAKERS_FORMATS,
    STATUS_FORMATS,
    EngineOpt,
    IndexOpt,
    OpenSearchUrlOpt,
    choose_engine,
    format_option,
    say,
)
from .cli_search import search_command
from .cli_sync import check, simulate, sync
from .cliparse import QueryCommand, first_positional, non_utf8_argument, one_edit_apart
from .errors import GongSearchError
from .exits import EXIT_SIGINT, EXIT_SIGTERM
from .terminal import clean, plural

_STOPPED = "stopped cleanly; everything committed so far is kept - run the same command to resume"


class GongGroup(TyperGroup):
    """Routes a bare query to ``search``, and handles errors in one place for every command."""

    def parse_args(self, ctx: click.Context, args: list[str]) -> list[str]:
        if args and args[0] not in self.commands and args[0] not in ("-h", "--help"):
            args = self._route(ctx, args)
        ctx.meta["argv"] = list(args)  # for choosing the error format later
        return super().parse_args(ctx, args)

    def _route(self, ctx: click.Context, args: list[str]) -> list[str]:
        """``[opts] CMD ...`` -> ``CMD [opts] ...``; anything else is a search query."""
        position = first_positional(args, self._value_options(ctx))
        if position is not None and args[position] in self.commands:
            return [args[position], *args[:position], *args[position + 1 :]]
        if position is not None:
            near = [name for name in self.commands if one_edit_apart(args[position], name)]
            if near:
                typer.echo(
                    f"gong-search: searching for {clean(repr(args[position]))}; did you mean "
                    f"the `{near[0]}` command?",
                    err=True,
                )
        return ["search", *args]

    def _value_options(self, ctx: click.Context) -> set[str]:
        """Every option name, across commands, that takes a value."""
        names: set[str] = set()
        for command in self.commands.values():
            for param in command.get_params(ctx):
                if isinstance(param, click.Option) and not param.is_flag:
                    names.update(param.opts)
        return names

    def invoke(self, ctx: click.Context) -> Any:
        args = ctx.meta.get("argv", [])
        as_json = exits.wants_json(args)
        try:
            _check_utf8(args)
            engine_choice.reset()  # in-process callers (tests) run many commands
            return super().invoke(ctx)
        except GongSearchError as exc:
            exits.fail(str(exc), exc.code, exc.exit_code, as_json)
        except click.UsageError as exc:
            where = exc.ctx.command_path if exc.ctx else "gong-search"
            exits.fail(f"{exc.format_message()} (see {where} --help)", "usage", 2, as_json)
        except KeyboardInterrupt:
            exits.fail(f"interrupted (SIGINT): {_STOPPED}", "interrupted", EXIT_SIGINT, False)
        except exits.Terminated:
            exits.fail(f"terminated (SIGTERM): {_STOPPED}", "terminated", EXIT_SIGTERM, False)
        except BrokenPipeError:
            raise typer.Exit(exits.quiet_broken_pipe()) from None
        except (click.exceptions.Exit, click.ClickException, click.Abort):
            raise
        except Exception as exc:  # a bug: logged, one line, exit 3 (never 1, an answer)
            if isinstance(exc.__context__, KeyboardInterrupt):  # Ctrl-C broke a lock, say
                exits.fail(f"interrupted (SIGINT): {_STOPPED}", "interrupted", EXIT_SIGINT, False)
            exits.fail_unexpected(exc, args, as_json)


def _check_utf8(args: list[str]) -> None:
    bad = non_utf8_argument(args)
    if bad is not None:
        raise GongSearchError(
            f"argument {ascii(bad)} is not valid UTF-8 text; check the terminal's encoding"
        )


app = typer.Typer(
    cls=GongGroup,
    help="Search your company's Gong call transcripts locally.",
    no_args_is_help=True,
    add_completion=False,
    context_settings={"help_option_names": ["-h", "--help"]},
    rich_markup_mode="rich",
    pretty_exceptions_show_locals=False,  # locals could hold credentials
)
# Registered in the order ``--help`` lists them.
app.command()(check)
app.command()(simulate)
app.command()(sync)


@app.command()
def status(
    index: IndexOpt = None,
    format: Annotated[str, format_option(STATUS_FORMATS)] = "table",
    engine: EngineOpt = None,
    opensearch_url: OpenSearchUrlOpt = None,
) -> None:
    """What the index holds: calls, sentences, speakers, dates, pending transcripts, health."""
    from .output import emit
    from .status import status as read_status

    choose_engine(engine, opensearch_url)
    result = read_status(config.index_dir(index))
    emit(result, format)
    if result.problems:  # a running sync's catalog being a page ahead is not a problem
        raise typer.Exit(1)


@app.command()
def reindex(
    index: IndexOpt = None, engine: EngineOpt = None, opensearch_url: OpenSearchUrlOpt = None
) -> None:
    """Rebuild the search index from the local catalog (no network, no quota)."""
    from .harvest import reindex as run_reindex

    choose_engine(engine, opensearch_url)
    signal.signal(signal.SIGTERM, exits.on_stop_signal)  # the half-built generation is removed
    count = run_reindex(config.index_dir(index))
    typer.echo(f"reindexed {plural(count, 'sentence')}")


app.command("search", cls=QueryCommand)(search_command)


@app.command()
def show(
    call_id: Annotated[str, typer.Argument(help="The call id (as in a hit's call_id).")],
    index: IndexOpt = None,
    at: Annotated[str | None, typer.Option("--at", help="Only around this moment (m:ss).")] = None,
    context: Annotated[int, typer.Option("--context", "-C", help="Sentences around --at.")] = 10,
    format: Annotated[str, format_option(SHOW_FORMATS)] = "table",
    engine: EngineOpt = None,
    opensearch_url: OpenSearchUrlOpt = None,
) -> None:
    """A call's header (title, date, URL, parties) and its transcript with speakers and times."""
    from .dates import parse_offset
    from .output import emit
    from .show import show_call

    choose_engine(engine, opensearch_url)
    if context < 0:
        raise GongSearchError("--context must not be negative")
    at_ms = parse_offset(at) if at else None
    emit(show_call(config.index_dir(index), call_id, at_ms, context), format)


@app.command()
def speakers(
    name: Annotated[str | None, typer.Argument(help="Fuzzy name or email to filter by.")] = None,
    index: IndexOpt = None,
    format: Annotated[str, format_option(SPEAKERS_FORMATS)] = "table",
) -> None:
    """Indexed speakers with affiliation, email and call/sentence counts."""
    from .output import emit
    from .show import SpeakerList, list_speakers

    found = list_speakers(config.index_dir(index), name)
    emit(SpeakerList(found), format)
    if not found:
        say(f"no speaker matches {name!r}" if name else "no speakers indexed yet", err=True)
        raise typer.Exit(1)


@app.command()
def demo(
    query: Annotated[list[str] | None, typer.Argument(help="What to search for.")] = None,
) -> None:
    """Try everything without a Gong account: simulate a tenant, sync it, search it."""
    from .demo import DEFAULT_QUERY, build_demo_index
    from .render import SyncProgressView, output_console, render
    from .search import search as run_search

    text = " ".join(query or []) or DEFAULT_QUERY
    typer.echo(
        "Starting the built-in Gong simulator on 127.0.0.1 and syncing a demo tenant...", err=True
    )
    with SyncProgressView() as view:
        index_dir, report = build_demo_index(progress=view.update)
    say(report.summary(), err=True)
    # one hit per call: a first screen of five different conversations
    result = run_search(index_dir, text, limit=5, before=1, after=1, per_call=1)
    typer.echo(f"\nTop hits for {text!r} (one per call):\n")
    render(result, output_console(sys.stdout))
    prog, ix = _program_name(), shlex.quote(str(index_dir))
    csv_path = shlex.quote(str(index_dir.parent / "budget.csv"))
    typer.echo("\nTry next (same demo index):")
    for example in (
        f'{prog} --index {ix} "security review" --customer -n 5',
        f"{prog} --index {ix} discount --speaker jose -C 1",
        f"{prog} --index {ix} speakers",
        f"{prog} --index {ix} status",
        f"{prog} --index {ix} budget --limit 0 --csv {csv_path}",
    ):
        typer.echo(f"  {example}")


def _program_name() -> str:
    """How the user can run gong-search again: by name if it is on PATH, else by path."""
    if shutil.which("gong-search"):
        return "gong-search"
    script = Path(sys.argv[0])
    if script.name == "gong-search" and script.exists():
        return shlex.quote(str(script.resolve()))
    return f"{shlex.quote(sys.executable)} -m gong_search"


def main() -> None:
    """The ``gong-search`` program: exit codes as documented in :mod:`gong_search.exits`."""
    signal.signal(signal.SIGINT, exits.on_stop_signal)
    try:
        app()
    finally:  # a reader that left after our last write shows up at this flush
        try:
            sys.stdout.flush()
        except BrokenPipeError:
            sys.exit(exits.quiet_broken_pipe())
