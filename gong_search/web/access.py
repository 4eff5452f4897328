"""Who may read the page: the index holds the whole company's calls.

On 127.0.0.1 (the default) the page answers only requests whose ``Host`` names the loopback
(so a web page elsewhere cannot reach it through DNS rebinding). Any other address needs a
token or basic-auth credentials, checked on every request in constant time. Every answer
carries headers that keep the browser from running anything the page did not ship.
"""

from __future__ import annotations

import base64
import binascii
import hmac
import ipaddress
import time
from dataclasses import dataclass
from http.cookies import SimpleCookie
from typing import Any
from urllib.parse import parse_qsl, urlencode

from starlette.responses import PlainTextResponse, RedirectResponse, Response

from ..errors import ConfigError

TOKEN_COOKIE = "gong_search_token"
MIN_TOKEN = 16
LOOPBACK_NAMES = ("localhost", "127.0.0.1", "[::1]", "::1")
HEADERS = [
    (
        b"content-security-policy",
        b"default-src 'none'; script-src 'self'; style-src 'self'; img-src 'self' data:; "
        b"connect-src 'self'; form-action 'self'; base-uri 'none'; frame-ancestors 'none'",
    ),
    (b"x-content-type-options", b"nosniff"),
    (b"referrer-policy", b"same-origin"),  # a query in the URL never reaches Gong's logs
    (b"x-frame-options", b"DENY"),
    (b"cache-control", b"no-store"),
]


@dataclass(frozen=True)
class Access:
    """The address the page is served on and the secret it asks for, if any."""

    host: str = "127.0.0.1"
    token: str | None = None
    basic: tuple[str, str] | None = None

    def __post_init__(self) -> None:
        """Refuse, before anything listens, what would expose the index."""
        if self.token is not None and self.basic is not None:
            raise ConfigError("choose one of --token and --basic-auth")
        if self.token is not None and len(self.token) < MIN_TOKEN:
            raise ConfigError(f"--token must be at least {MIN_TOKEN} characters long")
        if self.basic is not None and not all(self.basic):
            raise ConfigError("--basic-auth must be USER:PASSWORD, both non-empty")
        if not self.loopback and self.token is None and self.basic is None:
            raise ConfigError(
                f"--host {self.host} makes the index reachable from other machines: "
                "add --token (at least 16 characters) or --basic-auth USER:PASSWORD"
            )

    @property
    def loopback(self) -> bool:
        return is_loopback(self.host)


def is_loopback(host: str) -> bool:
    """127.0.0.0/8, ::1 and ``localhost``."""
    if host.lower() in LOOPBACK_NAMES:
        return True
    try:
        return ipaddress.ip_address(host.strip("[]")).is_loopback
    except ValueError:
        return False


def parse_basic(value: str) -> tuple[str, str]:
    """``USER:PASSWORD`` from the command line (the password may hold colons)."""
    user, colon, password = value.partition(":")
    if not colon:
        raise ConfigError("--basic-auth must be USER:PASSWORD")
    return user, password


class AccessMiddleware:
    """ASGI middleware: the host rule, the secret, then the security headers."""

    def __init__(self, app: Any, access: Access) -> None:
        self.app = app
        self.access = access

    async def __call__(self, scope: dict, receive: Any, send: Any) -> None:
        if scope["type"] != "http":
            await self.app(scope, receive, send)
            return
        started = time.perf_counter()
        refusal = self._refusal(scope)

        async def send_with_headers(message: dict) -> None:
            if message["type"] == "http.response.start":
                # the page is rendered by now: its server time, for devtools and bench/
                took = f"app;dur={(time.perf_counter() - started) * 1000:.1f}".encode()
                message["headers"] = [*message.get("headers", []), *HEADERS]
                message["headers"].append((b"server-timing", took))
            await send(message)

        if refusal is not None:
            await refusal(scope, receive, send_with_headers)
        else:
            await self.app(scope, receive, send_with_headers)

    def _refusal(self, scope: dict) -> Response | None:
        headers = {k.decode("latin-1"): v.decode("latin-1") for k, v in scope["headers"]}
        if self.access.loopback and not _loopback_host(headers.get("host", "")):
            return PlainTextResponse("this page answers only on 127.0.0.1 or localhost", 421)
        if self.access.token is not None:
            return self._token_refusal(scope, headers)
        if self.access.basic is not None and not self._basic_ok(headers):
            return PlainTextResponse(
                "sign in to see this page",
                401,
                headers={"WWW-Authenticate": 'Basic realm="gong-search", charset="UTF-8"'},
            )
        return None

    def _token_refusal(self, scope: dict, headers: dict[str, str]) -> Response | None:
        """The token arrives once in the URL (``?token=``): it is moved into a cookie and
        the browser sent on to the same URL without it, so it stays out of links and history."""
        token = self.access.token or ""
        query = parse_qsl(scope.get("query_string", b"").decode("latin-1"), True)
        given = next((v for k, v in query if k == "token"), None)
        if given is not None and _same(given, token):
            rest = urlencode([(k, v) for k, v in query if k != "token"])
            here = "/" + scope["path"].lstrip("/")  # never //host: that is another site
            response = RedirectResponse(here + ("?" + rest if rest else ""), 303)
            response.set_cookie(TOKEN_COOKIE, token, httponly=True, samesite="strict")
            return response
        bearer = headers.get("authorization", "")
        cookie = SimpleCookie(headers.get("cookie", "")).get(TOKEN_COOKIE)
        if _same(bearer.removeprefix("Bearer "), token) or (cookie and _same(cookie.value, token)):
            return None
        return PlainTextResponse("open this page's URL with ?token=YOUR-TOKEN added", 401)

    def _basic_ok(self, headers: dict[str, str]) -> bool:
        user, password = self.access.basic or ("", "")
        scheme, _, encoded = headers.get("authorization", "").partition(" ")
        if scheme.lower() != "basic":
            return False
        try:
            given = base64.b64decode(encoded, validate=True).decode("utf-8")
        except (binascii.Error, UnicodeDecodeError):
            return False
        given_user, _, given_password = given.partition(":")
        return _same(given_user, user) & _same(given_password, password)


def _same(given: str, wanted: str) -> bool:
    return hmac.compare_digest(given.encode("utf-8"), wanted.encode("utf-8"))


def _loopback_host(host_header: str) -> bool:
    """``Host: 127.0.0.1:8765`` and friends; a DNS name that resolves here does not count."""
    host = host_header.rsplit(":", 1)[0] if not host_header.endswith("]") else host_header
    if host_header.startswith("[") and "]:" in host_header:
        host = host_header.split("]:", 1)[0] + "]"
    return is_loopback(host) if host else False
