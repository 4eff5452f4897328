"""The ``serve`` command: the local search page over an index (needs the ``web`` extra)."""

from __future__ import annotations

import signal
import webbrowser
from typing import Annotated

import typer
from click.core import ParameterSource

from . import config
from .cli_common import IndexOpt, say
from .errors import GongSearchError

WEB_EXTRA = "the search page needs the web extra: pip install 'gong-search[web]'"


def serve(
    ctx: typer.Context,
    index: IndexOpt = None,
    port: Annotated[int, typer.Option("--port", help="Port (0 = any free port).")] = 8765,
    open_: Annotated[bool, typer.Option("--open", help="Open the page in a browser.")] = False,
    host: Annotated[
        str,
        typer.Option(
            "--host", help="Address to listen on (not loopback: needs --token or --basic-auth)."
        ),
    ] = "127.0.0.1",
    token: Annotated[
        str | None,
        typer.Option(
            "--token",
            envvar="GONG_SEARCH_TOKEN",
            help="Access token (16+ characters; env GONG_SEARCH_TOKEN keeps it out of ps).",
        ),
    ] = None,
    basic_auth: Annotated[
        str | None,
        typer.Option(
            "--basic-auth",
            envvar="GONG_SEARCH_BASIC_AUTH",
            help="USER:PASSWORD asked by the browser (env GONG_SEARCH_BASIC_AUTH).",
        ),
    ] = None,
) -> None:
    """Search in a browser: a local page over the index.

    Serves the page on 127.0.0.1 and prints its URL; Ctrl-C stops it.

    Examples:

      gong-search serve --open

      gong-search serve --index ~/gong-index --port 9000

      GONG_SEARCH_TOKEN=$(openssl rand -hex 16) gong-search serve --host 0.0.0.0
    """
    try:
        from .web.access import Access, parse_basic
        from .web.server import WebServer
    except ImportError:
        raise GongSearchError(WEB_EXTRA) from None
    from .status import status

    for name in ("token", "basic_auth"):
        if ctx.get_parameter_source(name) == ParameterSource.COMMANDLINE:
            flag = "--" + name.replace("_", "-")
            env = "GONG_SEARCH_" + name.upper()
            say(f"warning: {flag} is visible to other local users (ps); {env} is not", err=True)
    access = Access(host, token, parse_basic(basic_auth) if basic_auth else None)
    index_dir = config.index_dir(index)
    status(index_dir)  # no index here: one line now, not an error page later
    server = WebServer(index_dir, port, access)
    say(f"gong-search: serving {index_dir} at {server.url} (Ctrl-C stops)")
    if access.token:
        say("open it with ?token=YOUR-TOKEN added once; the browser keeps it in a cookie")
    if open_ and not webbrowser.open(server.url):
        say("could not open a browser; open the URL above", err=True)
    signal.signal(signal.SIGINT, signal.default_int_handler)
    try:
        server.run()
    except KeyboardInterrupt:
        pass
    say("gong-search: stopped", err=True)
