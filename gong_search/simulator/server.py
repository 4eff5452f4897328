"""The Gong API simulator: a real HTTP server on 127.0.0.1 plus an in-process control API.

``Simulator`` wires a tenant (synthetic or recorded) to ``GongApi`` behind a threading HTTP
server, and lets tests change data (``add_call``, ``set_transcript``, ...) and queue faults
(``inject``) while it runs. All request handling is serialised by one lock, except the
network I/O and ``slow`` sleeps, so tests see a consistent order of events.

Processing lag (see ``lag.py`` for the exact rules): ``late_fraction`` hides a deterministic
share of calls from call listings until ``late_requests`` further /v2/calls/extensive
requests have been served after the first listing that matched them; ``transcript_delay``
returns ``transcript: []`` for a ``delay_fraction`` share of calls until that many further
/v2/calls/transcript requests have been made after the first one that returned the call.
"""

from __future__ import annotations

import json
import socket
import struct
import sys
import threading
import time
from collections.abc import Callable
from dataclasses import dataclass, field
from datetime import datetime
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from pathlib import Path
from urllib.parse import parse_qs

from .. import model
from ..errors import ConfigError
from ..model import option
from .api import UNEXPECTED, ApiRequest, ApiResponse, GongApi, error_payload
from .cursor import EXPIRED_MESSAGE, CursorCodec
from .faults import Fault, FaultQueue
from .lag import ProcessingLag
from .limits import RateLimiter
from .overlay import Tenant, TenantOverlay
from .recorded import RecordedTenant
from .tenant import SyntheticTenant

_JSON = "application/json; charset=utf-8"


@dataclass(frozen=True)
class SimulatorConfig:
    """The tenant and the faults to serve; validated when built, so ``simulate --rate -1``
    is one line and exit 2, not a server that misbehaves later."""

    host: str = "127.0.0.1"
    port: int = option(0, "Port (0 = a free one).", flag="--port", minimum=0, maximum=65535)
    calls: int = option(200, "Number of synthetic calls.", flag="--calls", minimum=0)
    seed: int = 0
    anchor: datetime | None = None
    span_days: float = option(60, "Days the calls are spread over.", minimum=0)
    call_length: tuple[int, int] = (200, 1500)
    tenant_dir: Path | None = None
    access_key: str = "demo"
    secret_key: str = "demo"
    bearer_token: str | None = None  # also accept "Authorization: Bearer <this>" (OAuth)
    users_page_size: int = option(
        10, "Users per /v2/users page (small, so the ~22 users take pages).", minimum=1
    )
    rate: float = option(3.0, "Requests per second before 429 (0 = off).", flag="--rate", minimum=0)
    daily_limit: int | None = option(None, "Requests per day before 429.", minimum=0)
    retry_after: int | None = None
    fail_rate: float = option(0.0, "Share of requests answered with 500.", minimum=0, maximum=1)
    cursor_ttl: float | None = None
    late_fraction: float = option(0.0, "Share of calls listed late.", minimum=0, maximum=1)
    late_requests: int = option(3, "Listings before a late call shows up.", minimum=0)
    transcript_delay: int = option(
        0, "Transcript requests before a transcript is ready.", minimum=0
    )
    delay_fraction: float = option(
        1.0, "Share of calls whose transcript is delayed.", minimum=0, maximum=1
    )

    def __post_init__(self) -> None:
        model.check_fields(self, ConfigError)
        low, high = self.call_length
        if not 1 <= low <= high:
            raise ConfigError(
                f"--call-length must be MIN:MAX with 1 <= MIN <= MAX, not {low}:{high}"
            )


@dataclass
class _Reply:
    status: int
    body: bytes
    headers: dict[str, str] = field(default_factory=dict)
    content_type: str = _JSON


def _json_reply(response: ApiResponse) -> _Reply:
    body = json.dumps(response.payload, ensure_ascii=False).encode("utf-8")
    return _Reply(response.status, body, response.headers)


def _error_reply(status: int, message: str, headers: dict[str, str] | None = None) -> _Reply:
    return _json_reply(ApiResponse(status, error_payload(message), headers or {}))


def _gateway_page(status: int) -> _Reply:
    """What a load balancer in front of the API sends: HTML, not Gong's JSON."""
    text = {502: "502 Bad Gateway", 503: "503 Service Temporarily Unavailable"}[status]
    html = f"<html><head><title>{text}</title></head><body><h1>{text}</h1></body></html>"
    return _Reply(status, html.encode(), content_type="text/html")


class Simulator:
    def __init__(self, config: SimulatorConfig) -> None:
        self.config = config
        self.tenant: Tenant = _make_tenant(config)
        self._overlay = TenantOverlay(self.tenant, config.seed)
        self._api = GongApi(
            self._overlay,
            credentials=(config.access_key, config.secret_key),
            bearer_token=config.bearer_token,
            users_page_size=config.users_page_size,
            limiter=RateLimiter(config.rate, config.daily_limit, config.retry_after),
            cursors=CursorCodec(config.cursor_ttl),
            lag=ProcessingLag(
                config.seed,
                config.late_fraction,
                config.late_requests,
                config.transcript_delay,
                config.delay_fraction,
            ),
            fail_rate=config.fail_rate,
            seed=config.seed,
        )
        self._faults = FaultQueue()
        self._lock = threading.RLock()
        self._log: list[tuple[str, str, int]] = []
        self._httpd: _Server | None = None
        self._thread: threading.Thread | None = None

    # ---- lifecycle ----------------------------------------------------------------------

    def start(self) -> Simulator:
        if self._httpd is not None:
            raise RuntimeError("simulator already started")
        self._httpd = _Server((self.config.host, self.config.port), _Handler, self)
        self._thread = threading.Thread(
            target=self._httpd.serve_forever,
            kwargs={"poll_interval": 0.05},
            name="gong-simulator",
            daemon=True,
        )
        self._thread.start()
        return self

    def stop(self) -> None:
        if self._httpd is None:
            return
        self._httpd.shutdown()
        self._httpd.close_connections()
        self._httpd.server_close()
        assert self._thread is not None
        self._thread.join(timeout=5)
        self._httpd = self._thread = None

    def __enter__(self) -> Simulator:
        """Starts the server unless ``start()`` already did (``with Simulator(c).start()``)."""
        return self if self._httpd is not None else self.start()

    def __exit__(self, *exc_info: object) -> None:
        self.stop()

    @property
    def base_url(self) -> str:
        if self._httpd is None:
            raise RuntimeError("simulator not started")
        host, port = self._httpd.server_address[:2]
        return f"http://{host}:{port}"

    # ---- in-process control API ---------------------------------------------------------

    def add_call(
        self,
        started: datetime,
        sentences: list[tuple[int, str]] | None = None,
        *,
        title: str = "Ad-hoc call",
        private: bool = False,
    ) -> str:
        """Adds a call (sentences as ``(party index, text)``) and returns its new id."""
        with self._lock:
            return self._overlay.add_call(started, sentences, title=title, private=private)

    def set_transcript(self, call_id: str, transcript: list[dict]) -> None:
        """Replaces a call's transcript with a raw Gong monologue list."""
        with self._lock:
            self._overlay.set_transcript(call_id, transcript)

    def delete_call(self, call_id: str) -> None:
        with self._lock:
            self._overlay.delete_call(call_id)

    def set_private(self, call_id: str, private: bool) -> None:
        with self._lock:
            self._overlay.set_private(call_id, private)

    def inject(self, kind: str, times: int = 1, path: str | None = None, **kw: float) -> None:
        """Queues ``kind`` for the next ``times`` requests (to ``path`` only, if given).

        Kinds: "500", "502", "503", "429" (``retry_after=``), "reset" (socket closed with no
        response), "slow" (``seconds=`` of delay, then a normal answer), "truncated" (200 with
        the first half of the real body), "invalid_json", "empty200", "expired_cursor".
        """
        with self._lock:
            self._faults.add(kind, times, path, **kw)

    @property
    def request_count(self) -> int:
        with self._lock:
            return len(self._log)

    @property
    def request_log(self) -> list[tuple[str, str, int]]:
        """(method, path, status) per request, oldest first; status 0 for a reset."""
        with self._lock:
            return list(self._log)

    # ---- request handling ---------------------------------------------------------------

    def handle(self, handler: _Handler, method: str) -> None:
        path, _, query = handler.path.partition("?")
        body = handler.rfile.read(int(handler.headers.get("Content-Length") or 0))
        with self._lock:
            fault = self._faults.take(path)
        if fault is not None and fault.kind == "slow":
            time.sleep(fault.options["seconds"])
            fault = None
        if fault is not None and fault.kind == "reset":
            self._record(method, path, 0)
            handler.reset_connection()
            return
        request = ApiRequest(method, path, parse_qs(query), body, handler.headers)
        reply = self._faulty_reply(fault, request) if fault else self._reply(request)
        self._record(method, path, reply.status)
        handler.send_reply(reply)

    def _reply(self, request: ApiRequest) -> _Reply:
        with self._lock:
            response = self._api.handle(request)
        return _json_reply(response)

    def _faulty_reply(self, fault: Fault, request: ApiRequest) -> _Reply:
        if fault.kind == "500":
            return _error_reply(500, UNEXPECTED)
        if fault.kind in ("502", "503"):
            return _gateway_page(int(fault.kind))
        if fault.kind == "429":
            retry_after = str(int(fault.options["retry_after"]))
            return _error_reply(429, "API request limit exceeded", {"Retry-After": retry_after})
        if fault.kind == "expired_cursor":
            return _error_reply(400, EXPIRED_MESSAGE)
        if fault.kind == "truncated":
            real = self._reply(request)
            return _Reply(200, real.body[: len(real.body) // 2])
        if fault.kind == "invalid_json":
            return _Reply(200, b"<html><body>Service temporarily unavailable</body></html>")
        return _Reply(200, b"")  # empty200

    def _record(self, method: str, path: str, status: int) -> None:
        with self._lock:
            self._log.append((method, path, status))


def _make_tenant(config: SimulatorConfig) -> Tenant:
    if config.tenant_dir is not None:
        return RecordedTenant(config.tenant_dir)
    return SyntheticTenant(
        calls=config.calls,
        seed=config.seed,
        anchor=config.anchor,
        span_days=config.span_days,
        call_length=config.call_length,
    )


class _Server(ThreadingHTTPServer):
    """Tracks open connections so ``stop`` also ends keep-alive sessions."""

    daemon_threads = True

    def __init__(self, address: tuple[str, int], handler: type, simulator: Simulator) -> None:
        super().__init__(address, handler)
        self.simulator = simulator
        self._connections: set[socket.socket] = set()
        self._connections_lock = threading.Lock()

    def track(self, connection: socket.socket, open_: bool) -> None:
        with self._connections_lock:
            (self._connections.add if open_ else self._connections.discard)(connection)

    def close_connections(self) -> None:
        with self._connections_lock:
            for connection in self._connections:
                try:
                    connection.shutdown(socket.SHUT_RDWR)
                except OSError:
                    pass


class _Handler(BaseHTTPRequestHandler):
    protocol_version = "HTTP/1.1"
    timeout = 60
    server: _Server

    def setup(self) -> None:
        super().setup()
        # headers and body go out in separate writes: without NODELAY, Nagle's algorithm and
        # delayed ACKs add ~40 ms to every keep-alive request
        self.connection.setsockopt(socket.IPPROTO_TCP, socket.TCP_NODELAY, 1)
        self.server.track(self.connection, True)

    def finish(self) -> None:
        self.server.track(self.connection, False)
        try:
            super().finish()
        except OSError:
            pass

    def do_GET(self) -> None:
        self.server.simulator.handle(self, "GET")

    def do_POST(self) -> None:
        self.server.simulator.handle(self, "POST")

    def send_reply(self, reply: _Reply) -> None:
        try:
            self.send_response(reply.status)
            self.send_header("Content-Type", reply.content_type)
            self.send_header("Content-Length", str(len(reply.body)))
            for name, value in reply.headers.items():
                self.send_header(name, value)
            self.end_headers()
            self.wfile.write(reply.body)
        except OSError:  # the client went away (e.g. its timeout fired during a slow reply)
            self.close_connection = True

    def reset_connection(self) -> None:
        """Abort with a TCP RST (zero linger) and no HTTP response at all."""
        self.connection.setsockopt(socket.SOL_SOCKET, socket.SO_LINGER, struct.pack("ii", 1, 0))
        self.close_connection = True

    def log_message(self, format: str, *args: object) -> None:
        """Silent: the request log is ``Simulator.request_log``."""


def serve(config: SimulatorConfig, echo: Callable[[str], object] = print) -> None:
    """Start, echo f"GONG_BASE_URL={base_url}" as the very first line, then serve until
    KeyboardInterrupt; stop cleanly."""
    simulator = Simulator(config).start()
    try:
        echo(f"GONG_BASE_URL={simulator.base_url}")
        echo(f"Simulated Gong tenant ready (credentials {config.access_key}/…); Ctrl-C stops it.")
        sys.stdout.flush()  # a parent process reads the URL line through a pipe
        while True:
            time.sleep(3600)
    except KeyboardInterrupt:
        pass
    finally:
        simulator.stop()
