"""``~/.config/gong-search/config.toml``: defaults a person sets once (which index, which
time zone, which output format), and ``gong-search config``, which shows each setting with
where its value came from, like ``gh config``.

Precedence, for every setting: flag > environment > this file > built-in default. The file
is optional; a file that is not valid TOML, or names a key gong-search does not know (a
typo would otherwise be silently ignored), is a one-line error naming the file.

    index = "~/gong-index"
    timezone = "Europe/Berlin"
    format = "table"
    engine = "opensearch"                 # where the searchable documents live
    opensearch_url = "https://search.example.com:9200"
    opensearch_prefix = "team-a"          # index names start with it: one per tenant

Credentials never go in this file (it is shown by ``gong-search config``, often shared):
an OpenSearch password or API key here is refused with advice, without echoing it.
"""

from __future__ import annotations

import os
import tomllib
from dataclasses import dataclass
from pathlib import Path
from typing import Any

from .errors import ConfigError

FORMATS = ("table", "json", "jsonl", "csv", "text")
# key -> (environment variable, built-in default: ./index, the local zone, the pipe rule)
KEYS = {
    "index": ("GONG_SEARCH_INDEX", "index"),
    "timezone": ("GONG_SEARCH_TZ", ""),
    "format": ("GONG_SEARCH_FORMAT", ""),
    "engine": ("GONG_SEARCH_ENGINE", "whoosh"),
    "opensearch_url": ("GONG_SEARCH_OPENSEARCH_URL", "http://127.0.0.1:9200"),
    "opensearch_prefix": ("GONG_SEARCH_OPENSEARCH_PREFIX", "gong-search"),
}
# secrets people may try to put here: refused with where they belong instead
CREDENTIAL_KEYS = ("opensearch_user", "opensearch_password", "opensearch_api_key", "password",
                   "api_key", "access_key", "secret_key", "access_key_secret")  # fmt: skip


def config_path() -> Path:
    """``$GONG_SEARCH_CONFIG``, else ``$XDG_CONFIG_HOME/gong-search/config.toml``."""
    if os.environ.get("GONG_SEARCH_CONFIG"):
        return Path(os.environ["GONG_SEARCH_CONFIG"]).expanduser()
    base = os.environ.get("XDG_CONFIG_HOME") or Path.home() / ".config"
    return Path(base) / "gong-search" / "config.toml"


def file_values() -> dict[str, str]:
    """The file's settings ({} when there is no file), checked."""
    path = config_path()
    try:
        data: dict[str, Any] = tomllib.loads(path.read_text(encoding="utf-8"))
    except (FileNotFoundError, NotADirectoryError):
        return {}
    except PermissionError:
        if not os.access(path.parent, os.X_OK):  # another user's directory: not our file
            return {}
        raise ConfigError(f"{path}: cannot read the config file (permission denied)") from None
    except (OSError, UnicodeDecodeError) as exc:
        raise ConfigError(f"{path}: cannot read the config file ({type(exc).__name__})") from None
    except tomllib.TOMLDecodeError as exc:
        raise ConfigError(f"{path}: not valid TOML ({exc})") from None
    for key, value in data.items():
        if key.lower() in CREDENTIAL_KEYS:
            raise ConfigError(
                f"{path}: {key} is a credential and does not belong in the config file; put "
                "it in ~/.config/gong/credentials.json (chmod 600) or the environment"
            )
        if key not in KEYS:
            raise ConfigError(f"{path}: unknown key {key!r} (known: {', '.join(KEYS)})")
        if not isinstance(value, str) or not value:
            raise ConfigError(f"{path}: {key} must be a non-empty string")
    if data.get("format", "table") not in FORMATS:
        raise ConfigError(f"{path}: format must be one of {', '.join(FORMATS)}")
    return data


@dataclass(frozen=True)
class Setting:
    key: str
    value: str
    source: str  # flag, environment (NAME), file (PATH) or default


def resolve(key: str, flag: str | None = None) -> Setting:
    """One setting by the precedence above."""
    env_name, default = KEYS[key]
    if flag:
        return Setting(key, str(flag), "flag")
    if os.environ.get(env_name):
        return Setting(key, os.environ[env_name], f"environment ({env_name})")
    found = file_values().get(key)
    if found:
        return Setting(key, found, f"file ({config_path()})")
    return Setting(key, default, "default")


def value(key: str, flag: str | None = None) -> str:
    return resolve(key, flag).value
