"""The MCP server: the tools of :mod:`gong_search.mcp_tools` served with the official SDK
(PyPI ``mcp``) over stdio or streamable HTTP.

Read-only: every tool call opens the index afresh (as the library's ``search`` does), so a
``sync`` running in another process never blocks it and each call sees the last commit;
calls run in worker threads, so one slow search does not hold up the others. A missing or
damaged index is each tool's one-line error, never the end of the server. Nothing but the
protocol goes to stdout; logs go to stderr.
"""

from __future__ import annotations

import hmac
import logging
import os
import socket
import sys
from collections.abc import AsyncIterator
from contextlib import asynccontextmanager
from io import TextIOWrapper
from pathlib import Path
from typing import Any

import anyio
from mcp import types
from mcp.server.lowlevel import Server
from mcp.server.stdio import stdio_server
from mcp.server.streamable_http_manager import StreamableHTTPSessionManager
from mcp.server.transport_security import TransportSecuritySettings
from starlette.applications import Starlette
from starlette.responses import JSONResponse
from starlette.routing import Route
from starlette.types import Receive, Scope, Send

from . import __version__
from .errors import ConfigError
from .mcp_tools import TOOLS, run_tool

log = logging.getLogger("gong_search.mcp")
PATH = "/mcp"
INSTRUCTIONS = (
    "Read-only search over a local index of the company's Gong calls. `search` for what "
    "was said (cite each hit's call_url, date and `at`), `count` and `facets` for how often, "
    "who and where, `list_calls` to find calls, `show_call` to read around a moment, "
    "`speakers` and `accounts` to resolve names, `status` for what the index covers (its "
    "date range and last sync)."
)


def build_server(index_dir: Path) -> Server:
    """An MCP server whose tools read ``index_dir``."""
    server: Server = Server("gong-search", version=__version__, instructions=INSTRUCTIONS)
    tools = {tool.name: tool for tool in TOOLS}
    read_only = types.ToolAnnotations(readOnlyHint=True, idempotentHint=True, openWorldHint=False)

    @server.list_tools()
    async def list_tools() -> list[types.Tool]:
        return [
            types.Tool(
                name=t.name, description=t.description, inputSchema=t.schema, annotations=read_only
            )
            for t in tools.values()
        ]

    # the models check arguments themselves, with the command line's one-line messages
    @server.call_tool(validate_input=False)
    async def call_tool(name: str, arguments: dict[str, Any]) -> types.CallToolResult:
        tool = tools.get(name)
        if tool is None:
            text, is_error = f"unknown tool {name!r} (tools: {', '.join(tools)})", True
        else:
            text, is_error = await anyio.to_thread.run_sync(run_tool, tool, index_dir, arguments)
        return types.CallToolResult(
            content=[types.TextContent(type="text", text=text)], isError=is_error
        )

    return server


def serve_stdio(index_dir: Path) -> None:
    """Serve on stdin/stdout until the client closes stdin.

    The protocol gets a private copy of stdout, and file descriptor 1 is pointed at stderr,
    so a stray print anywhere (a library, a warning) cannot corrupt the protocol stream.
    """
    protocol_out = os.fdopen(os.dup(sys.stdout.fileno()), "wb", buffering=0)
    os.dup2(sys.stderr.fileno(), sys.stdout.fileno())
    server = build_server(index_dir)

    async def run() -> None:
        out = anyio.wrap_file(TextIOWrapper(protocol_out, encoding="utf-8", write_through=True))
        async with stdio_server(stdout=out) as (read, write):
            await server.run(read, write, server.create_initialization_options())

    anyio.run(run)


class BearerAuth:
    """Only requests carrying ``Authorization: Bearer <token>`` reach the MCP endpoint."""

    def __init__(self, app: Any, token: str) -> None:
        self.app = app
        self.expected = f"Bearer {token}".encode()

    async def __call__(self, scope: Scope, receive: Receive, send: Send) -> None:
        given = dict(scope.get("headers") or []).get(b"authorization", b"")
        if not hmac.compare_digest(given, self.expected):
            answer = JSONResponse(
                {"error": "missing or wrong bearer token"},
                status_code=401,
                headers={"WWW-Authenticate": "Bearer"},
            )
            await answer(scope, receive, send)
            return
        await self.app(scope, receive, send)


def http_app(index_dir: Path, token: str, loopback: bool) -> Starlette:
    """The streamable-HTTP endpoint at :data:`PATH`, behind the bearer token. On loopback,
    Host and Origin must be local too (DNS rebinding cannot reach it from a web page)."""
    local = ["127.0.0.1:*", "localhost:*", "[::1]:*"]
    security = TransportSecuritySettings(
        enable_dns_rebinding_protection=loopback,
        allowed_hosts=local,
        allowed_origins=[f"http://{host}" for host in local],
    )
    manager = StreamableHTTPSessionManager(build_server(index_dir), security_settings=security)

    @asynccontextmanager
    async def lifespan(app: Starlette) -> AsyncIterator[None]:
        async with manager.run():
            yield

    endpoint = BearerAuth(manager.handle_request, token)
    return Starlette(routes=[Route(PATH, endpoint=endpoint)], lifespan=lifespan)


def serve_http(index_dir: Path, host: str, port: int, token: str, loopback: bool) -> None:
    """Serve streamable HTTP on ``host:port`` (0: any free port) until stopped."""
    import uvicorn

    family = socket.AF_INET6 if ":" in host else socket.AF_INET
    sock = socket.socket(family, socket.SOCK_STREAM)
    sock.setsockopt(socket.SOL_SOCKET, socket.SO_REUSEADDR, 1)
    try:
        sock.bind((host, port))
    except OSError as exc:
        sock.close()
        reason = exc.strerror or type(exc).__name__
        raise ConfigError(
            f"cannot listen on {host}:{port} ({reason}); try another --port"
        ) from None
    sock.listen(128)  # clients that read the address below may connect at once: queued
    bound = sock.getsockname()[1]
    shown = f"[{host}]" if ":" in host else host
    print(f"gong-search MCP server on http://{shown}:{bound}{PATH}", file=sys.stderr, flush=True)
    app = http_app(index_dir, token, loopback)
    config = uvicorn.Config(app, log_level="warning", lifespan="on", access_log=False)
    uvicorn.Server(config).run(sockets=[sock])
