"""The command line: parse arguments, call one library function, render. No logic here.

Errors raised by the library are :class:`GongSearchError`s; :class:`GongGroup` turns them
into one line on stderr (or one JSON object with ``--format json/jsonl``) and an exit code.
"""

from __future__ import annotations

import os
import shlex
import shutil
import signal
import sys
from pathlib import Path
from typing import Annotated, Any

import click
import typer
from typer.core import TyperGroup

from . import config, engine_choice, exits, settings
from .cli_activity import activity
from .cli_common import (
    PIPED_HELP,
    STATUS_FORMATS,
    EngineOpt,
    IndexOpt,
    OpenSearchUrlOpt,
    choose_engine,
    format_option,
    say,
)
from .cli_config import config_command
from .cli_help import TOP_HELP, HelpContext, use_plain_help
from .cli_mcp import calls, mcp
from .cli_read import accounts, show, speakers
from .cli_saved import saved_app
from .cli_search import search_command
from .cli_serve import serve
from .cli_sync import check, simulate, sync
from .cli_trackers import trackers_app
from .cli_watch import watch
from .cliparse import (
    COLOR_CHOICES,
    QueryCommand,
    first_positional,
    non_utf8_argument,
    one_edit_apart,
    take_global_options,
)
from .completion import COMPLETE_VAR, PROG_NAME, completion
from .dates import set_display_zone
from .errors import GongSearchError
from .exits import EXIT_SIGINT, EXIT_SIGTERM
from .output import piped_default
from .terminal import clean, plural, set_colour
from .version import version_text

_STOPPED = "stopped cleanly; everything committed so far is kept - run the same command to resume"


class GongGroup(TyperGroup):
    """Routes a bare query to ``search``, and handles errors in one place for every command."""

    context_class = HelpContext

    def get_command(self, ctx: click.Context, cmd_name: str) -> click.Command | None:
        command = super().get_command(ctx, cmd_name)
        return use_plain_help(command) if command is not None else None

    def parse_args(self, ctx: click.Context, args: list[str]) -> list[str]:
        args, wanted = take_global_options(args)
        set_colour(wanted.color)
        set_display_zone(None)  # each run starts local; --tz of search/show changes it
        if wanted.version and not ctx.resilient_parsing:
            typer.echo(version_text())
            ctx.exit(0)
        if args and args[0] not in self.commands and args[0] not in ("-h", "--help"):
            args = self._route(ctx, args)
        ctx.meta["argv"] = list(args)  # for choosing the error format later
        return super().parse_args(ctx, args)

    def _route(self, ctx: click.Context, args: list[str]) -> list[str]:
        """``[opts] CMD ...`` -> ``CMD [opts] ...`` (``GROUP SUB [opts] ...`` for a command
        group such as ``saved``); anything else is a search query."""
        position = first_positional(args, self._value_options(ctx))
        if position is not None and args[position] in self.commands:
            name, before, after = args[position], args[:position], args[position + 1 :]
            command = self.commands[name]
            if isinstance(command, click.Group) and after and after[0] in command.commands:
                return [name, after[0], *before, *after[1:]]
            return [name, *before, *after]
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
            settings.file_values()  # a broken config file is one line, whatever the command
            engine_choice.reset()  # in-process callers (tests) run many commands
            return super().invoke(ctx)
        except GongSearchError as exc:
            exits.fail(str(exc), exc.code, exc.exit_code, as_json)
        except click.UsageError as exc:
            where = exc.ctx.command_path if exc.ctx else "gong-search"
            exits.fail(f"{exc.format_message()} (see {where} --help)", "usage", 2, as_json)
        except KeyboardInterrupt as exc:
            exits.release(exc)
            exits.fail(f"interrupted (SIGINT): {_STOPPED}", "interrupted", EXIT_SIGINT, False)
        except exits.Terminated as exc:
            exits.release(exc)
            exits.fail(f"terminated (SIGTERM): {_STOPPED}", "terminated", EXIT_SIGTERM, False)
        except BrokenPipeError:
            raise typer.Exit(exits.quiet_broken_pipe()) from None
        except (click.exceptions.Exit, click.ClickException, click.Abort):
            raise
        except Exception as exc:  # a bug: logged, one line, exit 3 (never 1, an answer)
            if isinstance(exc.__context__, KeyboardInterrupt):  # Ctrl-C broke a lock, say
                exits.fail(f"interrupted (SIGINT): {_STOPPED}", "interrupted", EXIT_SIGINT, False)
            exits.fail_unexpected(exc, args, as_json)
        finally:
            engine_choice.reset()  # ... and a library call after one must not inherit its engine


def _check_utf8(args: list[str]) -> None:
    bad = non_utf8_argument(args)
    if bad is not None:
        raise GongSearchError(
            f"argument {ascii(bad)} is not valid UTF-8 text; check the terminal's encoding"
        )


app = typer.Typer(
    cls=GongGroup,
    help=TOP_HELP,
    no_args_is_help=True,
    add_completion=False,
    context_settings={"help_option_names": ["-h", "--help"]},
    rich_markup_mode=None,
    pretty_exceptions_show_locals=False,  # locals could hold credentials
)


@app.callback()
def _global_options(
    version: Annotated[
        bool, typer.Option("--version", "-V", help="Versions (package, Python, Whoosh, schemas).")
    ] = False,
    color: Annotated[
        str,
        typer.Option(
            "--color",
            help="Colour on a terminal (auto), also in pipes (always), or never; any command.",
            click_type=click.Choice(COLOR_CHOICES),
        ),
    ] = "auto",
) -> None:
    """Listed in the top-level help; GongGroup.parse_args takes these options wherever they
    stand, so they work with every command (and with a bare query)."""


# Registered in the order ``--help`` lists them.
app.command()(check)
app.command()(simulate)
app.command()(sync)
app.command()(activity)


@app.command()
def status(
    index: IndexOpt = None,
    format: Annotated[str | None, format_option(STATUS_FORMATS, PIPED_HELP)] = None,
    engine: EngineOpt = None,
    opensearch_url: OpenSearchUrlOpt = None,
) -> None:
    """What the index holds, and whether it is healthy.

    Calls, sentences, speakers, dates, pending transcripts, last sync, size.

    \b
    Examples:
      gong-search status
      gong-search status -f json | jq .without_transcript

    Exit codes: 0 healthy, 1 catalog and index differ (run reindex), 2 no index.
    """
    from .output import emit
    from .status import status as read_status

    choose_engine(engine, opensearch_url)
    result = read_status(config.index_dir(index))
    emit(result, piped_default(format, STATUS_FORMATS))
    if result.problems:  # a running sync's catalog being a page ahead is not a problem
        raise typer.Exit(1)


@app.command()
def reindex(
    index: IndexOpt = None, engine: EngineOpt = None, opensearch_url: OpenSearchUrlOpt = None
) -> None:
    """Rebuild the search index from the local catalog (no network).

    \b
    Examples:
      gong-search reindex
      gong-search reindex --index ~/gong-index

    Exit codes: 0 rebuilt, 2 no catalog, 130/143 stopped (the old index is kept).
    """
    from .harvest import reindex as run_reindex
    from .progress import ProgressView

    choose_engine(engine, opensearch_url)
    signal.signal(signal.SIGTERM, exits.on_stop_signal)  # the half-built generation is removed
    with ProgressView("indexing", "reindex", plain=False) as view:  # logs get the total
        count = run_reindex(config.index_dir(index), progress=view.show)
    typer.echo(f"reindexed {plural(count, 'sentence')}")


app.command("search", cls=QueryCommand)(search_command)


app.command()(show)
app.command()(speakers)
app.command()(calls)
app.command()(mcp)
app.command()(serve)


app.command()(accounts)
app.add_typer(saved_app, name="saved")
app.add_typer(trackers_app, name="trackers")
app.command()(watch)


@app.command()
def demo(
    query: Annotated[list[str] | None, typer.Argument(help="What to search for.")] = None,
) -> None:
    """Try it without a Gong account: simulate, sync, search.

    Syncs a synthetic tenant into a demo index under ~/.cache/gong-search (never
    ./index), searches it and prints commands to try next.

    \b
    Examples:
      gong-search demo
      gong-search demo "security questionnaire"
    """
    from .demo import DEFAULT_QUERY, build_demo_index, suggestions
    from .progress import SyncProgressView
    from .render import output_console, render
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
    top = result.hits[0] if result.hits else None
    csv_path = shlex.quote(str(index_dir.parent / "budget.csv"))
    typer.echo("\nTry next (same demo index):")
    for words in suggestions(top.call_id if top else None, top.at if top else None):
        typer.echo(f"  {prog} --index {ix} {' '.join(_quote(w) for w in words)}")
    typer.echo(f"  {prog} --index {ix} budget --limit 0 --csv {csv_path}")


def _quote(word: str) -> str:
    """A word as typed: the showcase's phrases keep their double quotes."""
    return word if word.startswith('"') else shlex.quote(word)


app.command()(completion)
app.command("config")(config_command)


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
        app(prog_name=PROG_NAME)
    except KeyError as exc:  # completion's variables missing: run by hand, not by a shell
        if not os.environ.get(COMPLETE_VAR):
            raise
        sys.exit(f"gong-search: error: {COMPLETE_VAR} is set without {exc} (a shell's job)")
    finally:  # a reader that left after our last write shows up at this flush
        try:
            sys.stdout.flush()
        except BrokenPipeError:
            sys.exit(exits.quiet_broken_pipe())
        finally:  # the exit code is decided: a late Ctrl-C must not turn it into -SIGINT
            signal.signal(signal.SIGINT, signal.SIG_IGN)
