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

from . import config, exits
from .cliparse import QueryCommand, first_positional, non_utf8_argument, one_edit_apart
from .errors import GongSearchError
from .exits import EXIT_SIGINT, EXIT_SIGTERM
from .sync_report import DEFAULT_MAX_REMOVAL_SHARE
from .terminal import clean, plural

MAX_DAYS = 3650.0  # --overlap-days, --pending-days: ten years is already absurd
MAX_WAIT = 7 * 86400.0
MAX_RATE = 1000.0

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

# One list of formats per command: its help and its validation both come from here.
SEARCH_FORMATS = ("table", "json", "jsonl", "csv")
SHOW_FORMATS = ("table", "json", "jsonl", "text")
SPEAKERS_FORMATS = ("table", "json", "jsonl")
STATUS_FORMATS = ("table", "json")


def format_option(formats: tuple[str, ...], help: str = "Output format.") -> Any:
    """``-f/--format`` limited to ``formats``: anything else is a usage error (exit 2)."""
    return typer.Option("--format", "-f", help=help, click_type=click.Choice(formats))


IndexOpt = Annotated[
    Path | None,
    typer.Option("--index", help="Index directory (env GONG_SEARCH_INDEX, default ./index)."),
]
BaseUrlOpt = Annotated[
    str | None, typer.Option("--base-url", help="Gong API base URL (env GONG_BASE_URL).")
]
AccessKeyOpt = Annotated[
    str | None, typer.Option("--access-key", help="Gong access key (env GONG_ACCESS_KEY).")
]
SecretKeyOpt = Annotated[
    str | None,
    typer.Option("--secret-key", help="Gong access key secret (env GONG_ACCESS_KEY_SECRET)."),
]
SecretStdinOpt = Annotated[
    bool,
    typer.Option(
        "--secret-key-stdin",
        help="Read the secret from the first line of stdin (not visible in the process list).",
    ),
]
CredsOpt = Annotated[
    Path | None,
    typer.Option(
        "--credentials",
        help="Credentials JSON (env GONG_CREDENTIALS; default ~/.config/gong/credentials.json).",
    ),
]
RateOpt = Annotated[
    float, typer.Option("--rate", help="Client-side request rate limit per second (0 = off).")
]


def _client(base_url, access_key, secret_key, credentials, secret_stdin, rate=3.0, max_wait=None):
    from .gong.client import GongClient, RetryPolicy

    creds = config.load_credentials(
        base_url, access_key, _secret(secret_key, secret_stdin), credentials
    )
    if secret_key and not secret_stdin:
        _warn_secret_flag()
    retry = RetryPolicy(max_wait=max_wait) if max_wait is not None else None
    return GongClient(creds, rate=rate, retry=retry)


def _secret(flag: str | None, from_stdin: bool) -> str | None:
    if not from_stdin:
        return flag
    line = sys.stdin.readline().rstrip("\r\n")
    if not line:
        raise GongSearchError("--secret-key-stdin: stdin gave no secret")
    return line


def _warn_secret_flag() -> None:
    """--secret-key is readable by every local user (``ps``); said once the settings are
    otherwise valid, so a configuration error stays a single line."""
    typer.echo(
        "warning: --secret-key is visible to other users in the process list; "
        "use --secret-key-stdin, GONG_ACCESS_KEY_SECRET or the credentials file",
        err=True,
    )


@app.command()
def check(
    base_url: BaseUrlOpt = None,
    access_key: AccessKeyOpt = None,
    secret_key: SecretKeyOpt = None,
    secret_key_stdin: SecretStdinOpt = False,
    credentials: CredsOpt = None,
) -> None:
    """Verify configuration and connectivity: auth, users, calls in the last 30 days."""
    from .dates import days_ago

    with _client(base_url, access_key, secret_key, credentials, secret_key_stdin) as client:
        _say(f"base URL: {client.base_url}")
        users = sum(len(page.items) for page in client.users())
        typer.echo("authentication: ok")
        typer.echo(f"users: {users}")
        first = next(iter(client.calls(days_ago(30))), None)
        typer.echo(f"calls in the last 30 days: {first.total if first else 0}")


@app.command()
def simulate(
    host: Annotated[
        str, typer.Option(help="Address to bind (loopback only by default).")
    ] = "127.0.0.1",
    port: Annotated[int, typer.Option(help="Port (0 = a free one).")] = 0,
    calls: Annotated[int, typer.Option(help="Number of synthetic calls.")] = 200,
    seed: Annotated[int, typer.Option(help="Seed: the same seed gives the same tenant.")] = 0,
    tenant: Annotated[
        Path | None,
        typer.Option(
            help="Serve a recorded tenant dir (users.json, calls.json, transcripts.json)."
        ),
    ] = None,
    access_key: Annotated[str, typer.Option(help="Accepted access key.")] = "demo",
    secret_key: Annotated[str, typer.Option(help="Accepted secret key.")] = "demo",
    call_length: Annotated[str, typer.Option(help="Sentences per call, MIN:MAX.")] = "200:1500",
    rate: Annotated[float, typer.Option(help="Requests per second before 429 (0 = off).")] = 3.0,
    daily_limit: Annotated[int | None, typer.Option(help="Requests per day before 429.")] = None,
    fail_rate: Annotated[float, typer.Option(help="Share of requests answered with 500.")] = 0.0,
    late_fraction: Annotated[float, typer.Option(help="Share of calls listed late.")] = 0.0,
    transcript_delay: Annotated[
        int, typer.Option(help="Transcript requests before a transcript is ready.")
    ] = 0,
    anchor_date: Annotated[
        str | None,
        typer.Option(help="Calls are spread over the 60 days before this date (default today)."),
    ] = None,
) -> None:
    """Serve a local Gong API simulator with a synthetic tenant (prints GONG_BASE_URL first)."""
    from .dates import parse_when
    from .simulator import SimulatorConfig, serve

    low, _, high = call_length.partition(":")
    try:
        length = (int(low), int(high or low))
    except ValueError:
        raise typer.BadParameter("use MIN:MAX, e.g. 5:30", param_hint="--call-length") from None
    cfg = SimulatorConfig(
        host=host,
        port=port,
        calls=calls,
        seed=seed,
        tenant_dir=tenant,
        access_key=access_key,
        secret_key=secret_key,
        call_length=length,
        rate=rate,
        daily_limit=daily_limit,
        fail_rate=fail_rate,
        late_fraction=late_fraction,
        transcript_delay=transcript_delay,
        anchor=parse_when(anchor_date, option="--anchor-date") if anchor_date else None,
    )
    serve(cfg, echo=lambda line: typer.echo(line))


@app.command()
def sync(
    index: IndexOpt = None,
    from_: Annotated[
        str | None, typer.Option("--from", help="Start (YYYY-MM-DD or ISO 8601).")
    ] = None,
    to: Annotated[str | None, typer.Option("--to", help="End, exclusive (default now).")] = None,
    tz: Annotated[str | None, typer.Option("--tz", help="Time zone for plain dates.")] = None,
    include_private: Annotated[bool, typer.Option(help="Also index calls marked private.")] = False,
    full: Annotated[
        bool, typer.Option("--full", help="Re-list everything; drop calls Gong no longer returns.")
    ] = False,
    dry_run: Annotated[
        bool, typer.Option("--dry-run", help="Show what would be fetched; write nothing.")
    ] = False,
    overlap_days: Annotated[
        float, typer.Option(help="Re-scan this many days before the watermark.")
    ] = 2.0,
    pending_days: Annotated[
        float, typer.Option(help="Give up on a missing transcript after this many days.")
    ] = 3.0,
    max_removal_share: Annotated[
        float,
        typer.Option(
            help="--full removes at most this share (0-1) of the calls synced in the window "
            "unless --allow-mass-removal."
        ),
    ] = DEFAULT_MAX_REMOVAL_SHARE,
    allow_mass_removal: Annotated[
        bool,
        typer.Option(
            "--allow-mass-removal", help="Let --full remove more than --max-removal-share."
        ),
    ] = False,
    max_wait: Annotated[
        float,
        typer.Option(
            help="Longest rate-limit wait (Retry-After) to sleep through, seconds; a longer "
            "one, e.g. the daily quota, stops the sync with exit 1 (committed work is kept).",
        ),
    ] = 300.0,
    rate: RateOpt = 3.0,
    base_url: BaseUrlOpt = None,
    access_key: AccessKeyOpt = None,
    secret_key: SecretKeyOpt = None,
    secret_key_stdin: SecretStdinOpt = False,
    credentials: CredsOpt = None,
) -> None:
    """Harvest calls and transcripts from Gong into the local index (incremental)."""
    from .dates import parse_window
    from .harvest import SyncOptions
    from .harvest import sync as run_sync
    from .render import SyncProgressView
    from .window import check_window

    start, end = parse_window(from_, to, tz)
    if start is not None:
        check_window(start, min(end, _now()) if end else _now())
    options = SyncOptions(
        start=start,
        end=end,
        include_private=include_private,
        full=full,
        dry_run=dry_run,
        overlap_days=config.bounded("--overlap-days", overlap_days, high=MAX_DAYS),
        pending_days=config.bounded("--pending-days", pending_days, high=MAX_DAYS),
        max_removal_share=config.bounded("--max-removal-share", max_removal_share, high=1),
        allow_mass_removal=allow_mass_removal,
    )
    config.bounded("--max-wait", max_wait, high=MAX_WAIT)
    config.bounded("--rate", rate, high=MAX_RATE)
    signal.signal(signal.SIGTERM, exits.on_stop_signal)
    index_dir = config.index_dir(index)
    client = _client(
        base_url, access_key, secret_key, credentials, secret_key_stdin, rate, max_wait
    )
    with client:
        with SyncProgressView() as view:
            report = run_sync(index_dir, client, options, progress=view.update)
    if dry_run:
        typer.echo(
            f"dry run: {plural(report.total_listed, 'call')} would be listed, about "
            f"{plural(_estimate_requests(report.total_listed), 'request')}; nothing written"
        )
        _echo_removal_preview(report)
        return
    _say(report.summary())
    if report.failed:
        raise typer.Exit(1)


def _echo_removal_preview(report) -> None:
    """``--full --dry-run``: which calls a real run would remove, and whether it would."""
    if report.would_remove:
        typer.echo(
            f"{len(report.would_remove)} calls would be removed: {', '.join(report.would_remove)}"
        )
    if report.removal_refused:
        typer.echo(f"a real run would refuse: {report.removal_refused}")


def _now():
    from datetime import datetime

    return datetime.now().astimezone()


def _estimate_requests(calls: int) -> int:
    pages = -(-calls // 100)
    return 1 + pages * 2


@app.command()
def status(
    index: IndexOpt = None,
    format: Annotated[str, format_option(STATUS_FORMATS)] = "table",
) -> None:
    """What the index holds: calls, sentences, speakers, dates, pending transcripts, health."""
    from .render import render_status
    from .status import status as read_status

    result = read_status(config.index_dir(index))
    render_status(result, format)
    if result.problems:  # a running sync's catalog being a page ahead is not a problem
        raise typer.Exit(1)


@app.command()
def reindex(index: IndexOpt = None) -> None:
    """Rebuild the search index from the local catalog (no network, no quota)."""
    from .harvest import reindex as run_reindex

    signal.signal(signal.SIGTERM, exits.on_stop_signal)  # the half-built generation is removed
    count = run_reindex(config.index_dir(index))
    typer.echo(f"reindexed {plural(count, 'sentence')}")


@app.command("search", cls=QueryCommand)
def search_command(
    query: Annotated[
        list[str],
        typer.Argument(
            help='Words, "phrases", AND/OR/NOT, -word, word*, field:value. Operators are '
            "uppercase AND OR NOT; lowercase and/or are searched as words."
        ),
    ],
    index: IndexOpt = None,
    all_: Annotated[bool, typer.Option("--all", help="Require every word.")] = False,
    any_: Annotated[bool, typer.Option("--any", help="Any word (plain OR).")] = False,
    literal: Annotated[
        bool, typer.Option("--literal", help="The text as one phrase, no syntax.")
    ] = False,
    fuzzy: Annotated[bool, typer.Option("--fuzzy", help="Typo-tolerant words.")] = False,
    speaker: Annotated[
        list[str] | None,
        typer.Option("--speaker", help="Said by (fuzzy name or email; repeatable)."),
    ] = None,
    customer: Annotated[
        bool, typer.Option("--customer", help="Not said by internal speakers.")
    ] = False,
    internal: Annotated[
        bool, typer.Option("--internal", help="Said by internal speakers.")
    ] = False,
    affiliation: Annotated[
        list[str] | None, typer.Option("--affiliation", help="internal, external or unknown.")
    ] = None,
    from_: Annotated[
        str | None, typer.Option("--from", help="Calls starting on/after (YYYY-MM-DD or ISO).")
    ] = None,
    to: Annotated[
        str | None, typer.Option("--to", help="Calls starting before (exclusive).")
    ] = None,
    tz: Annotated[
        str | None, typer.Option("--tz", help="Time zone for plain dates (default local).")
    ] = None,
    call: Annotated[
        list[str] | None, typer.Option("--call", help="Only this call id (repeatable).")
    ] = None,
    title: Annotated[
        str | None, typer.Option("--title", help="Call title contains these words.")
    ] = None,
    host: Annotated[
        list[str] | None, typer.Option("--host", help="Call host (fuzzy; repeatable).")
    ] = None,
    account: Annotated[
        list[str] | None,
        typer.Option("--account", help="Customer email domain (fuzzy, e.g. acme)."),
    ] = None,
    sort: Annotated[
        str, typer.Option("--sort", help="relevance or date (newest first).")
    ] = "relevance",
    limit: Annotated[int, typer.Option("--limit", "-n", help="Hits to show (0 = all).")] = 20,
    offset: Annotated[int, typer.Option("--offset", help="Skip this many hits (paging).")] = 0,
    per_call: Annotated[
        int | None, typer.Option("--per-call", help="At most N hits per call.")
    ] = None,
    context: Annotated[
        int, typer.Option("--context", "-C", help="Sentences of context before and after.")
    ] = 0,
    after: Annotated[
        int | None, typer.Option("--after", "-A", help="Sentences of context after.")
    ] = None,
    before: Annotated[
        int | None, typer.Option("--before", "-B", help="Sentences of context before.")
    ] = None,
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
) -> None:
    """Search transcripts: ranked sentence hits with who said it, when, and a link.

    A -word after the query excludes that word (gong-search pricing -trial); operators are
    uppercase AND OR NOT (lowercase and/or are searched as words).
    """
    from .dates import parse_window
    from .errors import QueryError
    from .output import check_target, choose_format
    from .search import SearchOptions
    from .search import count as run_count
    from .search import export as run_export
    from .search import search as run_search

    text = " ".join(query)
    modes = [m for m, on in (("all", all_), ("any", any_), ("literal", literal)) if on]
    if len(modes) > 1:
        raise QueryError("choose one of --all, --any, --literal")
    if sort not in ("relevance", "date"):
        raise QueryError(f"--sort must be relevance or date, not {sort!r}")
    if csv_file:
        format, output = "csv", csv_file
    fmt = choose_format(format, output)
    if min(limit, offset, context, after or 0, before or 0, per_call or 0) < 0:
        raise QueryError("--limit, --offset, --per-call and context sizes must not be negative")
    start, end = parse_window(from_, to, tz)
    options = SearchOptions(
        mode=modes[0] if modes else "default",
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
    if count:
        sentences, calls = run_count(index_dir, text, options)
        _emit(
            fmt,
            output,
            {"sentences": sentences, "calls": calls},
            f"{plural(sentences, 'matching sentence')} in {plural(calls, 'call')}",
        )
        raise typer.Exit(0 if sentences else 1)

    def write(result, hits) -> int:
        return _write_result(result, hits, fmt, output, bom)

    if limit == 0 and fmt != "table":  # every match, as a file or a pipe: streamed
        written = run_export(index_dir, text, options, write)
    else:
        result = run_search(index_dir, text, options)
        written = write(result, result.hits)
    raise typer.Exit(0 if written else 1)


def _write_result(result, hits, fmt: str, output: Path | None, bom: bool | None) -> int:
    """Write ``hits`` (a list, or an iterator of every match) in ``fmt``; returns how many."""
    from . import export
    from .output import is_stdout, open_output
    from .render import render_hits, result_summary, stderr_console

    with open_output(output, fmt, bom) as out:
        if fmt == "json":
            written = export.write_json(result, out, hits)
        elif fmt == "jsonl":
            written = export.write_jsonl((export.hit_json(h) for h in hits), out)
        elif fmt == "csv":
            written = export.write_csv(hits, out)
        else:
            render_hits(result, _console(out))
            written = len(result.hits)
    if not is_stdout(output):
        _say(f"wrote {plural(written, 'hit')} to {output}", err=True)
    if result.matched_speakers and fmt != "json":
        _say("speakers matched: " + "; ".join(result.matched_speakers), err=True)
    if fmt != "table" and sys.stderr.isatty():  # people get a summary; pipes get data only
        stderr_console().print(result_summary(result, shown=written))
    return written


def _emit(fmt: str, output: Path | None, data: dict, line: str) -> None:
    """A small object as JSON for machines, or one line for people."""
    from .export import dumps
    from .output import open_output

    with open_output(output, fmt, bom=False) as out:
        out.write((dumps(data) if fmt in ("json", "jsonl") else line) + "\n")


def _console(out):
    from .render import output_console

    return output_console(out)


@app.command()
def show(
    call_id: Annotated[str, typer.Argument(help="The call id (as in a hit's call_id).")],
    index: IndexOpt = None,
    at: Annotated[str | None, typer.Option("--at", help="Only around this moment (m:ss).")] = None,
    context: Annotated[int, typer.Option("--context", "-C", help="Sentences around --at.")] = 10,
    format: Annotated[str, format_option(SHOW_FORMATS)] = "table",
) -> None:
    """A call's header (title, date, URL, parties) and its transcript with speakers and times."""
    from .dates import parse_offset
    from .render import render_call
    from .show import sentence_json, show_call

    if context < 0:
        raise GongSearchError("--context must not be negative")
    view = show_call(config.index_dir(index), call_id, parse_offset(at) if at else None, context)
    if format == "json":
        typer.echo(_dumps(view.as_json(), indent=2))
    elif format == "jsonl":
        for row in view.rows:
            typer.echo(_dumps({"call_id": view.call.id, **sentence_json(row)}))
    else:
        render_call(view, _console(sys.stdout), plain=format == "text")


@app.command()
def speakers(
    name: Annotated[str | None, typer.Argument(help="Fuzzy name or email to filter by.")] = None,
    index: IndexOpt = None,
    format: Annotated[str, format_option(SPEAKERS_FORMATS)] = "table",
) -> None:
    """Indexed speakers with affiliation, email and call/sentence counts."""
    from .render import render_speakers
    from .show import SCHEMA_VERSION, list_speakers, speaker_json

    found = list_speakers(config.index_dir(index), name)
    if format == "json":
        typer.echo(
            _dumps(
                {"schema_version": SCHEMA_VERSION, "speakers": [speaker_json(s) for s in found]},
                indent=2,
            )
        )
    elif format == "jsonl":
        for s in found:
            typer.echo(_dumps(speaker_json(s)))
    elif found:
        render_speakers(found, _console(sys.stdout))
    if not found:
        _say(f"no speaker matches {name!r}" if name else "no speakers indexed yet", err=True)
        raise typer.Exit(1)


@app.command()
def demo(
    query: Annotated[list[str] | None, typer.Argument(help="What to search for.")] = None,
) -> None:
    """Try everything without a Gong account: simulate a tenant, sync it, search it."""
    from .demo import DEFAULT_QUERY, build_demo_index
    from .render import SyncProgressView, render_hits
    from .search import search as run_search

    text = " ".join(query or []) or DEFAULT_QUERY
    typer.echo(
        "Starting the built-in Gong simulator on 127.0.0.1 and syncing a demo tenant...", err=True
    )
    with SyncProgressView() as view:
        index_dir, report = build_demo_index(progress=view.update)
    _say(report.summary(), err=True)
    # one hit per call: a first screen of five different conversations
    result = run_search(index_dir, text, limit=5, before=1, after=1, per_call=1)
    typer.echo(f"\nTop hits for {text!r} (one per call):\n")
    render_hits(result, _console(sys.stdout))
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


def _say(line: str, err: bool = False) -> None:
    """A line for people that may hold data (names, ids, paths): sanitised for the terminal."""
    typer.echo(clean(line), err=err)


def _dumps(value: object, indent: int | None = None) -> str:
    from .export import dumps

    return dumps(value, indent=indent)


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
