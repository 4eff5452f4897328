"""Configuration precedence and every configuration error path, through the real CLI."""

from __future__ import annotations

import json
import os
from pathlib import Path

import pytest

from gong_search import config
from gong_search.errors import ConfigError

from .conftest import cli


def write_creds(path: Path, data: object, mode: int = 0o600) -> Path:
    path.write_text(data if isinstance(data, str) else json.dumps(data))
    os.chmod(path, mode)
    return path


GOOD = {"base_url": "https://us-1.api.gong.io", "access_key": "AK", "secret_key": "S3CRET-xyz"}


def test_file_is_used_when_nothing_else_is_set(tmp_path: Path) -> None:
    path = write_creds(tmp_path / "c.json", GOOD)
    creds = config.load_credentials(credentials_file=path)
    assert (creds.base_url, creds.access_key, creds.secret_key.reveal()) == (
        "https://us-1.api.gong.io",
        "AK",
        "S3CRET-xyz",
    )


def test_env_overrides_file_and_flags_override_env(tmp_path: Path, monkeypatch) -> None:
    path = write_creds(tmp_path / "c.json", GOOD)
    monkeypatch.setenv("GONG_ACCESS_KEY", "ENV-AK")
    monkeypatch.setenv("GONG_SECRET_KEY", "ENV-SECRET")
    creds = config.load_credentials(credentials_file=path)
    assert creds.access_key == "ENV-AK" and creds.secret_key.reveal() == "ENV-SECRET"
    assert creds.base_url == GOOD["base_url"]
    creds = config.load_credentials(access_key="FLAG-AK", credentials_file=path)
    assert creds.access_key == "FLAG-AK"


def test_access_key_secret_env_wins_over_secret_key_alias(monkeypatch) -> None:
    monkeypatch.setenv("GONG_BASE_URL", "https://x.api.gong.io")
    monkeypatch.setenv("GONG_ACCESS_KEY", "a")
    monkeypatch.setenv("GONG_ACCESS_KEY_SECRET", "primary")
    monkeypatch.setenv("GONG_SECRET_KEY", "alias")
    assert config.load_credentials().secret_key.reveal() == "primary"


def test_credentials_path_from_env(tmp_path: Path, monkeypatch) -> None:
    path = write_creds(tmp_path / "elsewhere.json", GOOD)
    monkeypatch.setenv("GONG_CREDENTIALS", str(path))
    assert config.load_credentials().access_key == "AK"


def test_index_dir_precedence(monkeypatch) -> None:
    monkeypatch.delenv("GONG_SEARCH_INDEX")
    assert config.index_dir() == Path("index")
    monkeypatch.setenv("GONG_SEARCH_INDEX", "/tmp/x")
    assert config.index_dir() == Path("/tmp/x")
    assert config.index_dir("/tmp/flag") == Path("/tmp/flag")


@pytest.mark.parametrize(
    ("content", "expected"),
    [
        (None, "credentials file not found"),
        ("{not json", "invalid JSON"),
        ({"base_url": "https://a.gong.io", "access_key": "k"}, "missing key 'secret_key'"),
        ({**GOOD, "base_url": "ftp://a.gong.io"}, "key 'base_url' must be an http(s) URL"),
        ({**GOOD, "base_url": "http://api.gong.io"}, "plain http:// to a non-loopback host"),
    ],
)
def test_config_errors_are_one_line_exit_2_naming_file_and_key(tmp_path: Path, content, expected):
    path = tmp_path / "creds.json"
    if content is not None:
        write_creds(path, content)
    result = cli("check", "--credentials", str(path))
    assert result.exit_code == 2
    assert expected in result.stderr
    assert str(path) in result.stderr
    assert len(result.stderr.strip().splitlines()) == 1
    assert "Traceback" not in result.stderr + result.stdout
    assert "S3CRET" not in result.stderr + result.stdout


def test_loopback_http_is_allowed() -> None:
    creds = config.load_credentials("http://127.0.0.1:9/", "a", "b")
    assert creds.base_url == "http://127.0.0.1:9"


def test_world_readable_credentials_warn_once(tmp_path: Path, capsys) -> None:
    path = write_creds(tmp_path / "open.json", GOOD, mode=0o644)
    config.load_credentials(credentials_file=path)
    config.load_credentials(credentials_file=path)
    err = capsys.readouterr().err
    assert err.count("readable by other users") == 1


def test_private_credentials_do_not_warn(tmp_path: Path, capsys) -> None:
    config.load_credentials(credentials_file=write_creds(tmp_path / "p.json", GOOD))
    assert "readable" not in capsys.readouterr().err


def test_secret_never_in_repr_or_str() -> None:
    creds = config.Credentials("https://a", "k", config.Secret("S3CRET-xyz"))
    assert "S3CRET" not in repr(creds) + str(creds) + repr(creds.secret_key)


def test_invalid_json_error_does_not_quote_the_secret(tmp_path: Path) -> None:
    path = write_creds(tmp_path / "bad.json", '{"secret_key": "S3CRET-xyz",,}')
    with pytest.raises(ConfigError) as info:
        config.load_credentials(credentials_file=path)
    assert "S3CRET" not in str(info.value)
