"""The MCP SDK's own client, driven from synchronous tests: a session to a real
``gong-search mcp`` subprocess (stdio) or server (streamable HTTP), kept open by an event
loop in a thread (anyio's blocking portal) so one server serves a whole test module."""

from __future__ import annotations

import json
import os
import re
import subprocess
import sys
from collections.abc import AsyncIterator, Iterator
from contextlib import asynccontextmanager, contextmanager
from dataclasses import dataclass
from pathlib import Path
from typing import Any

from anyio.from_thread import BlockingPortal, start_blocking_portal
from mcp import ClientSession, StdioServerParameters
from mcp.client.stdio import stdio_client
from mcp.client.streamable_http import streamable_http_client
from mcp.shared._httpx_utils import create_mcp_http_client


@dataclass
class Answer:
    text: str
    is_error: bool

    @property
    def json(self) -> Any:
        assert not self.is_error, self.text
        return json.loads(self.text)


@dataclass
class McpClient:
    portal: BlockingPortal
    session: ClientSession

    def call(self, tool: str, arguments: dict[str, Any] | None = None) -> Answer:
        result = self.portal.call(self.session.call_tool, tool, arguments or {})
        (content,) = result.content
        return Answer(content.text, bool(result.isError))

    def tools(self) -> dict[str, Any]:
        listed = self.portal.call(self.session.list_tools)
        return {tool.name: tool for tool in listed.tools}


def server_env(state_dir: Path) -> dict[str, str]:
    """The server's environment: the error log in a temporary place, no credentials."""
    env = {k: v for k, v in os.environ.items() if not k.startswith("GONG")}
    return {**env, "XDG_STATE_HOME": str(state_dir)}


@contextmanager
def stdio_session(index_dir: Path, state_dir: Path) -> Iterator[McpClient]:
    """``gong-search mcp --index DIR`` as a subprocess, with an initialised session."""
    params = StdioServerParameters(
        command=sys.executable,
        args=["-m", "gong_search", "mcp", "--index", str(index_dir)],
        env=server_env(state_dir),
    )

    @asynccontextmanager
    async def session() -> AsyncIterator[ClientSession]:
        async with stdio_client(params) as (read, write), ClientSession(read, write) as s:
            await s.initialize()
            yield s

    with start_blocking_portal() as portal, portal.wrap_async_context_manager(session()) as s:
        yield McpClient(portal, s)


@contextmanager
def http_server(index_dir: Path, state_dir: Path, *extra: str) -> Iterator[tuple[str, str]]:
    """``gong-search mcp --http --port 0``: (its URL, the token it printed), then stopped."""
    process = subprocess.Popen(
        [sys.executable, "-m", "gong_search", "mcp", "--http", "--port", "0", "--index"]
        + [str(index_dir), *extra],
        stdin=subprocess.DEVNULL,
        stdout=subprocess.DEVNULL,
        stderr=subprocess.PIPE,
        text=True,
        env=server_env(state_dir),
    )
    try:
        assert process.stderr is not None
        url = token = ""
        for line in process.stderr:
            if match := re.search(r"bearer token \(shown once\): (\S+)", line):
                token = match.group(1)
            if match := re.search(r"(http://127\.0\.0\.1:\d+/mcp)", line):
                url = match.group(1)
                break
        assert url, "the server did not say where it listens"
        yield url, token
    finally:
        process.terminate()
        process.wait(timeout=10)
        if process.stderr:
            process.stderr.close()


@contextmanager
def http_session(url: str, token: str) -> Iterator[McpClient]:
    @asynccontextmanager
    async def session() -> AsyncIterator[ClientSession]:
        headers = {"Authorization": f"Bearer {token}"}
        async with create_mcp_http_client(headers=headers) as http:
            async with streamable_http_client(url, http_client=http) as (read, write, _):
                async with ClientSession(read, write) as s:
                    await s.initialize()
                    yield s

    with start_blocking_portal() as portal, portal.wrap_async_context_manager(session()) as s:
        yield McpClient(portal, s)
