"""Where settings come from: flags > environment > ``~/.config/gong/credentials.json``.

One module resolves everything so the precedence is written down once. The secret is
wrapped in :class:`Secret` as soon as it is read, so no ``repr``, log line or exception
message can ever show it.
"""

from __future__ import annotations

import ipaddress
import json
import math
import os
import stat
import sys
from dataclasses import dataclass, field
from pathlib import Path
from urllib.parse import urlsplit

from .errors import ConfigError

DEFAULT_CREDENTIALS = Path("~/.config/gong/credentials.json")
DEFAULT_INDEX = Path("index")
SECRET_ENV_VARS = ("GONG_ACCESS_KEY_SECRET", "GONG_SECRET_KEY")

_warned_paths: set[Path] = set()


class Secret:
    """A string that refuses to be shown: ``str``/``repr`` give ``'***'``."""

    __slots__ = ("_value",)

    def __init__(self, value: str) -> None:
        self._value = value

    def reveal(self) -> str:
        return self._value

    def __repr__(self) -> str:
        return "Secret('***')"

    __str__ = __repr__

    def __eq__(self, other: object) -> bool:
        return isinstance(other, Secret) and other._value == self._value

    def __hash__(self) -> int:
        return hash(self._value)


@dataclass(frozen=True)
class Credentials:
    base_url: str
    access_key: str
    secret_key: Secret = field(repr=False)
    source: str = "flags"


def index_dir(flag: str | Path | None = None) -> Path:
    """The index directory: ``--index`` > ``GONG_SEARCH_INDEX`` > the config file's
    ``index`` > ``./index``."""
    from . import settings

    return Path(settings.value("index", str(flag) if flag else None)).expanduser()


def credentials_path(flag: str | Path | None = None) -> Path:
    chosen = flag or os.environ.get("GONG_CREDENTIALS") or DEFAULT_CREDENTIALS
    return Path(chosen).expanduser()


def load_credentials(
    base_url: str | None = None,
    access_key: str | None = None,
    secret_key: str | None = None,
    credentials_file: str | Path | None = None,
) -> Credentials:
    """Resolve credentials; the file is read only for values flags and env leave open."""
    env_secret = next((os.environ[v] for v in SECRET_ENV_VARS if os.environ.get(v)), None)
    values = {
        "base_url": base_url or os.environ.get("GONG_BASE_URL"),
        "access_key": access_key or os.environ.get("GONG_ACCESS_KEY"),
        "secret_key": secret_key or env_secret,
    }
    source = "flags/environment"
    if not all(values.values()):
        path = credentials_path(credentials_file)
        from_file = read_credentials_file(path)
        source = str(path)
        for key, value in values.items():
            if not value:
                if not from_file.get(key):
                    raise ConfigError(f"{path}: missing key '{key}'")
                values[key] = from_file[key]
    url = _check_base_url(str(values["base_url"]), source)
    for key in ("access_key", "secret_key"):
        _check_text(key, str(values[key]), source)
    return Credentials(url, str(values["access_key"]), Secret(str(values["secret_key"])), source)


def _check_text(key: str, value: str, source: str) -> None:
    """Keys go into a Basic auth header as UTF-8: undecodable bytes (kept by Python as lone
    surrogates) would fail deep inside httpx. The value itself is never shown."""
    try:
        value.encode("utf-8")
    except UnicodeEncodeError:
        raise ConfigError(f"{source}: key '{key}' is not valid UTF-8 text") from None


def bounded(option: str, value: float, low: float = 0.0, high: float = math.inf) -> float:
    """A numeric option, or a one-line error: nan, inf and absurd values would otherwise
    surface much later as a traceback (timedelta overflow) or a silent no-op."""
    if not (math.isfinite(value) and low <= value <= high):
        raise ConfigError(f"{option} must be a number from {low:g} to {high:g}, not {value:g}")
    return value


def read_credentials_file(path: Path) -> dict[str, str]:
    try:
        raw = path.read_text(encoding="utf-8")
    except FileNotFoundError:
        raise ConfigError(
            f"{path}: credentials file not found (create it with base_url, access_key, "
            "secret_key, or set GONG_BASE_URL / GONG_ACCESS_KEY / GONG_ACCESS_KEY_SECRET)"
        ) from None
    except (OSError, UnicodeDecodeError) as exc:
        raise ConfigError(f"{path}: cannot read credentials file ({type(exc).__name__})") from None
    _warn_if_shared(path)
    try:
        data = json.loads(raw)
    except json.JSONDecodeError as exc:
        # exc.msg only: the exception's str() could quote the secret-bearing document.
        raise ConfigError(f"{path}: invalid JSON ({exc.msg} at line {exc.lineno})") from None
    if not isinstance(data, dict):
        raise ConfigError(f"{path}: expected a JSON object with base_url, access_key, secret_key")
    return {k: v for k, v in data.items() if isinstance(v, str)}


def _warn_if_shared(path: Path) -> None:
    """Warn once per path when group or others can read the secret."""
    try:
        mode = path.stat().st_mode
    except OSError:
        return
    if mode & (stat.S_IRGRP | stat.S_IROTH) and path not in _warned_paths:
        _warned_paths.add(path)
        print(
            f"warning: {path} is readable by other users; run: chmod 600 {path}",
            file=sys.stderr,
        )


def _check_base_url(url: str, source: str) -> str:
    """A usable base URL without userinfo: ``user:password@`` in it would be printed by
    ``check`` and in error messages; the credentials belong in access_key/secret_key."""
    try:
        parts = urlsplit(url)
        hostname = parts.hostname
    except ValueError:  # e.g. an invalid port or IPv6 literal
        raise ConfigError(f"{source}: key 'base_url' is not a valid URL") from None
    if not url.isprintable() or " " in url:
        raise ConfigError(f"{source}: key 'base_url' contains spaces or control characters")
    userinfo = "@" in parts.netloc
    url = parts._replace(netloc=parts.netloc.rpartition("@")[2]).geturl()
    if parts.scheme not in ("http", "https") or not hostname:
        raise ConfigError(f"{source}: key 'base_url' must be an http(s) URL, got {url!r}")
    if parts.scheme == "http" and not is_loopback(hostname):
        raise ConfigError(
            f"{source}: key 'base_url' uses plain http:// to a non-loopback host; use https://"
        )
    if userinfo:
        print(
            "warning: ignoring user:password in the base URL; set access_key/secret_key",
            file=sys.stderr,
        )
    return url.rstrip("/")


def is_loopback(host: str) -> bool:
    if host == "localhost":
        return True
    try:
        return ipaddress.ip_address(host).is_loopback
    except ValueError:
        return False
