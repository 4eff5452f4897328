"""Serving the page: a socket bound first (so the URL is known, even for port 0), then
uvicorn on it, in the foreground (``gong-search serve``) or in a thread (tests, benches)."""

from __future__ import annotations

import socket
import threading
from pathlib import Path

import uvicorn

from ..errors import ConfigError
from .access import Access
from .app import create_app


class WebServer:
    """``with WebServer(index_dir, port=0) as server: ... server.url ...``"""

    def __init__(self, index_dir: Path, port: int = 8765, access: Access | None = None) -> None:
        self.access = access or Access()
        self.socket = _bind(self.access.host, port)
        self.app = create_app(index_dir, self.access)
        config = uvicorn.Config(
            self.app,
            log_level="warning",
            access_log=False,
            lifespan="off",
            server_header=False,
        )
        self.server = uvicorn.Server(config)
        self._thread: threading.Thread | None = None

    @property
    def url(self) -> str:
        host, port = self.socket.getsockname()[:2]
        shown = f"[{host}]" if ":" in host else host
        return f"http://{shown}:{port}/"

    def run(self) -> None:
        """Serve until Ctrl-C (SIGINT) or SIGTERM."""
        try:
            self.server.run(sockets=[self.socket])
        finally:
            self.app.state.site.close()

    def __enter__(self) -> WebServer:
        self._thread = threading.Thread(target=self.run, daemon=True)
        self._thread.start()
        while not self.server.started and self._thread.is_alive():
            self._thread.join(0.01)
        return self

    def __exit__(self, *exc: object) -> None:
        self.server.should_exit = True
        if self._thread:
            self._thread.join(10)
        self.socket.close()


def _bind(host: str, port: int) -> socket.socket:
    """A listening socket, or one line saying why not (port taken, unknown address)."""
    if not 0 <= port <= 65535:
        raise ConfigError(f"--port must be from 0 to 65535, not {port}")
    family = socket.AF_INET6 if ":" in host else socket.AF_INET
    sock = socket.socket(family, socket.SOCK_STREAM)
    sock.setsockopt(socket.SOL_SOCKET, socket.SO_REUSEADDR, 1)
    try:
        sock.bind((host.strip("[]"), port))
    except OSError as exc:
        sock.close()
        raise ConfigError(f"cannot listen on {host} port {port}: {exc.strerror or exc}") from None
    sock.listen(128)
    return sock
