"""A hostile Gong: a real HTTP server on 127.0.0.1 in front of the simulator.

For faults the simulator has no switch for (poison records, lying totals, endless cursors,
odd headers): each request is handed to ``tamper(request, forward)``, which may forward it
to the simulator (``forward()``), change the answer, or answer on its own.
"""

from __future__ import annotations

import json
import re
import threading
from collections.abc import Callable
from dataclasses import dataclass, field
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer

import httpx

from gong_search.simulator.api import NO_CALLS

LISTING, TRANSCRIPTS = "/v2/calls/extensive", "/v2/calls/transcript"


@dataclass
class Request:
    method: str
    path: str
    body: dict
    number: int  # 1 for the first request this server saw


@dataclass
class Reply:
    status: int
    body: bytes
    headers: dict[str, str] = field(default_factory=dict)

    def json(self) -> dict:
        return json.loads(self.body)

    @classmethod
    def of(cls, status: int, payload: dict, **headers: str) -> Reply:
        return cls(status, json.dumps(payload).encode(), dict(headers))


Tamper = Callable[[Request, Callable[[], Reply]], Reply]


def passthrough(request: Request, forward: Callable[[], Reply]) -> Reply:
    return forward()


# Tampers shared by the tests and the soak (bench/soak.py)


def empty_listing(request: Request, forward: Callable[[], Reply]) -> Reply:
    """Gong's 404 "No calls found", also what a key that may not see calls gets."""
    if request.path == LISTING:
        return Reply.of(404, {"requestId": "x", "errors": [NO_CALLS]})
    return forward()


def listing_cut_after_page_1(request: Request, forward: Callable[[], Reply]) -> Reply:
    """A listing whose cursor disappears: page 1, then nothing, whatever the total says."""
    reply = forward()
    if request.path == LISTING and reply.status == 200:
        body = reply.json()
        body["records"].pop("cursor", None)
        return Reply.of(200, body)
    return reply


def rewrite_bytes(path: str, pattern: bytes, replacement: bytes) -> Tamper:
    """Replace the first match of ``pattern`` in ``path``'s answers (poison records)."""

    def tamper(request: Request, forward: Callable[[], Reply]) -> Reply:
        reply = forward()
        if request.path == path and reply.status == 200:
            reply.body = re.sub(pattern, replacement, reply.body, count=1)
        return reply

    return tamper


class HostileGong:
    """``with HostileGong(sim.base_url, tamper) as gong: ... gong.base_url ...``"""

    def __init__(self, upstream: str, tamper: Tamper = passthrough) -> None:
        self.upstream = upstream
        self.tamper = tamper
        self.requests: list[Request] = []
        self._lock = threading.Lock()
        self._http = httpx.Client(base_url=upstream, timeout=30)
        self._server = ThreadingHTTPServer(("127.0.0.1", 0), _handler_for(self))
        self._server.daemon_threads = True
        self._thread = threading.Thread(target=self._server.serve_forever, daemon=True)

    @property
    def base_url(self) -> str:
        host, port = self._server.server_address[:2]
        return f"http://{host}:{port}"

    def __enter__(self) -> HostileGong:
        self._thread.start()
        return self

    def __exit__(self, *exc: object) -> None:
        self._server.shutdown()
        self._server.server_close()
        self._http.close()

    def answer(self, method: str, path: str, raw: bytes, headers: dict[str, str]) -> Reply:
        with self._lock:
            request = Request(method, path, _maybe_json(raw), len(self.requests) + 1)
            self.requests.append(request)

        def forward() -> Reply:
            sent = self._http.request(method, path, content=raw, headers=headers)
            kept = {k: v for k, v in sent.headers.items() if k.lower() == "retry-after"}
            return Reply(sent.status_code, sent.content, kept)

        return self.tamper(request, forward)


def _maybe_json(raw: bytes) -> dict:
    try:
        body = json.loads(raw or b"{}")
    except ValueError:
        return {}
    return body if isinstance(body, dict) else {}


def _handler_for(gong: HostileGong) -> type[BaseHTTPRequestHandler]:
    class Handler(BaseHTTPRequestHandler):
        protocol_version = "HTTP/1.1"

        def _serve(self, method: str) -> None:
            raw = self.rfile.read(int(self.headers.get("Content-Length") or 0))
            wanted = ("authorization", "content-type")
            headers = {k: v for k, v in self.headers.items() if k.lower() in wanted}
            reply = gong.answer(method, self.path, raw, headers)
            self.send_response(reply.status)
            self.send_header("Content-Type", "application/json")
            self.send_header("Content-Length", str(len(reply.body)))
            for name, value in reply.headers.items():
                self.send_header(name, value)
            self.end_headers()
            self.wfile.write(reply.body)

        def do_GET(self) -> None:
            self._serve("GET")

        def do_POST(self) -> None:
            self._serve("POST")

        def log_message(self, format: str, *args: object) -> None:
            """Silent."""

    return Handler
