"""``gong-search mcp`` (the MCP server for agents) and ``gong-search calls`` (the calls in
the index): each maps its flags onto one library request and calls the library.

``calls`` takes its help texts and rules from :class:`~gong_search.calls.CallsOptions`, the
model the MCP tool ``list_calls`` takes its input schema from.
"""

from __future__ import annotations

import ipaddress
import logging
import secrets
import sys
from pathlib import Path
from typing import Annotated

import typer

from . import config
from .call_options import CallsOptions
from .cli_common import PIPED_HELP, IndexOpt, TzOpt, format_option, say
from .errors import ConfigError
from .index_dir import CATALOG_NAME
from .model import help_of

CALLS_FORMATS = ("table", "json", "jsonl")
MIN_TOKEN_CHARS = 16
DEFAULT_PORT = 8787


def mcp(
    index: IndexOpt = None,
    http: Annotated[
        bool, typer.Option("--http", help="Serve streamable HTTP instead of stdio.")
    ] = False,
    host: Annotated[
        str | None,
        typer.Option("--host", help="Address for --http (default 127.0.0.1; loopback only)."),
    ] = None,
    port: Annotated[
        int | None,
        typer.Option("--port", help=f"Port for --http (default {DEFAULT_PORT}; 0 = any free)."),
    ] = None,
    token_file: Annotated[
        Path | None,
        typer.Option(
            "--token-file",
            help="Read the bearer token from this file (default: a new one, shown once).",
        ),
    ] = None,
    allow_remote: Annotated[
        bool,
        typer.Option("--allow-remote", help="Allow a non-loopback --host (needs --token-file)."),
    ] = False,
) -> None:
    """Serve the index to AI agents over MCP (read-only).

    MCP is the Model Context Protocol. Tools: search, count, facets, list_calls,
    show_call, speakers, accounts, status. stdio by default (the client starts
    it); --http serves http://127.0.0.1:PORT/mcp behind a bearer token,
    generated and shown once unless --token-file.

    \b
    Examples:
      gong-search mcp --index ~/gong-index
      gong-search mcp --http --port 8787
      gong-search mcp --http --token-file ~/.config/gong-search/mcp-token

    Exit codes: 0 the client closed stdin / server stopped, 2 bad options.
    README "For agents" has client configuration snippets.
    """
    logging.basicConfig(stream=sys.stderr, level=logging.WARNING, format="%(message)s")
    index_dir = config.index_dir(index)
    if not http and (token_file or allow_remote or port is not None or host is not None):
        raise ConfigError("--host, --port, --token-file and --allow-remote need --http")
    host = host or "127.0.0.1"
    loopback = _is_loopback(host)
    if not loopback and not allow_remote:
        raise ConfigError(
            f"refusing to listen on {host}: not a loopback address; anyone who reaches it "
            "with the token reads every call (add --allow-remote and --token-file)"
        )
    if not loopback and token_file is None:
        raise ConfigError("--allow-remote needs --token-file (a token you chose and stored)")
    if not (index_dir / CATALOG_NAME).exists():
        say(f"gong-search: warning: no index at {index_dir} yet; tools say so until a sync", True)
    from . import mcp_server

    if not http:
        mcp_server.serve_stdio(index_dir)
        return
    token = _read_token(token_file) if token_file else secrets.token_urlsafe(32)
    if token_file is None:
        typer.echo(f"bearer token (shown once): {token}", err=True)
    mcp_server.serve_http(index_dir, host, DEFAULT_PORT if port is None else port, token, loopback)


def _is_loopback(host: str) -> bool:
    if host == "localhost":
        return True
    try:
        return ipaddress.ip_address(host).is_loopback
    except ValueError:
        return False  # a name other than localhost could resolve anywhere


def _read_token(path: Path) -> str:
    try:
        lines = path.read_text(encoding="utf-8").splitlines()
    except (OSError, UnicodeDecodeError) as exc:
        raise ConfigError(f"cannot read the token file {path} ({exc})") from None
    token = lines[0].strip() if lines else ""
    if len(token) < MIN_TOKEN_CHARS or not token.isprintable():
        raise ConfigError(
            f"the token in {path} must be one line of at least {MIN_TOKEN_CHARS} printable "
            "characters (e.g. from `openssl rand -hex 32`)"
        )
    return token


def _help(name: str) -> str:
    return help_of(CallsOptions, name)


def calls(
    index: IndexOpt = None,
    from_: Annotated[str | None, typer.Option("--from", help=_help("start"))] = None,
    to: Annotated[str | None, typer.Option("--to", help=_help("end"))] = None,
    tz: TzOpt = None,
    account: Annotated[list[str] | None, typer.Option("--account", help=_help("accounts"))] = None,
    deal: Annotated[list[str] | None, typer.Option("--deal", help=_help("deals"))] = None,
    participant: Annotated[
        list[str] | None, typer.Option("--participant", help=_help("participants"))
    ] = None,
    title: Annotated[str | None, typer.Option("--title", help=_help("title"))] = None,
    limit: Annotated[
        int, typer.Option("--limit", "-n", help=_help("limit"))
    ] = CallsOptions().limit,
    offset: Annotated[int, typer.Option("--offset", help=_help("offset"))] = 0,
    format: Annotated[str | None, format_option(CALLS_FORMATS, PIPED_HELP)] = None,
) -> None:
    """List calls, newest first, with account and duration.

    Columns: date, title, account, duration, transcript sentences, id.
    --account, --deal and --participant are matched like search's options.

    \b
    Examples:
      gong-search calls --from 2026-10-01 --account globex
      gong-search calls --participant tobias -f json
      gong-search calls --title renewal --limit 0

    Exit codes: 0 listed, 1 no call matches, 2 bad option or no index.
    """
    from .calls import list_calls
    from .dates import parse_window, set_display_zone
    from .output import emit, piped_default

    set_display_zone(tz)
    start, end = parse_window(from_, to, tz)
    options = CallsOptions(
        start=start,
        end=end,
        accounts=tuple(account or ()),
        deals=tuple(deal or ()),
        participants=tuple(participant or ()),
        title=title,
        limit=limit,
        offset=offset,
    )
    found = list_calls(config.index_dir(index), options)
    emit(found, piped_default(format, CALLS_FORMATS))
    if not found.calls:
        say("no calls match" if found.total == 0 else "no calls on this page", err=True)
        raise typer.Exit(1)
