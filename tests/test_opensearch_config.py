"""Engine settings in the config file (engine, opensearch_url, opensearch_prefix), with
the usual precedence (flag > environment > file), and OpenSearch credentials only from the
environment or the credentials file: refused in the config file, never printed."""

from __future__ import annotations

import json
from pathlib import Path

import pytest

from gong_search import engine_choice

from .conftest import cli, sim_env
from .opensearch_node import get_json

PASSWORD = "hunter2-s3cret"


def write_config(tmp_path: Path, text: str) -> dict[str, str]:
    path = tmp_path / "config" / "gong-search" / "config.toml"
    path.parent.mkdir(parents=True, exist_ok=True)
    path.write_text(text)
    return {"XDG_CONFIG_HOME": str(tmp_path / "config")}


def test_the_config_file_chooses_opensearch_its_url_and_prefix(
    shared_sim, opensearch_url, tmp_path
) -> None:
    env = write_config(tmp_path, f'engine = "opensearch"\nopensearch_url = "{opensearch_url}"\n'
                                 'opensearch_prefix = "team-a"\n')  # fmt: skip
    index = ["--index", str(tmp_path / "ix")]
    done = cli("sync", "--rate", "0", *index, env={**env, **sim_env(shared_sim)})
    assert done.exit_code == 0, done.stderr
    status = json.loads(cli("status", *index, "-f", "json", env=env).stdout)
    assert status["engine"] == "opensearch" and status["in_sync"] and status["sentences"] > 0
    aliases = get_json(f"{opensearch_url}/_alias/team-a-*")
    assert [a for index in aliases.values() for a in index["aliases"]]  # under the prefix
    shown = json.loads(cli("config", *index, "-f", "json", env=env).stdout)
    assert shown["engine"]["value"] == "opensearch" and shown["engine"]["source"].startswith("file")
    assert shown["opensearch_prefix"]["value"] == "team-a"
    # a flag beats the file: the Whoosh engine has no index in this directory
    whoosh = cli("pricing", *index, "--engine", "whoosh", "--count", env=env)
    assert whoosh.exit_code == 2 and "opensearch" not in whoosh.stderr.lower()
    on_file = cli("pricing", *index, "--count", "-f", "json", env=env)
    assert on_file.exit_code == 0 and json.loads(on_file.stdout)["sentences"] > 0


@pytest.mark.parametrize("key", ["opensearch_password", "opensearch_api_key", "secret_key"])
def test_a_credential_in_the_config_file_is_refused_without_echoing_it(tmp_path, key) -> None:
    env = write_config(tmp_path, f'{key} = "{PASSWORD}"\n')
    done = cli("config", env=env)
    assert done.exit_code == 2 and len(done.stderr.strip().splitlines()) == 1
    assert "credentials.json" in done.stderr and PASSWORD not in done.stderr + done.stdout


def test_credentials_come_from_the_credentials_file_when_the_environment_has_none(
    crafted_index, tmp_path, monkeypatch
) -> None:
    creds = tmp_path / "credentials.json"
    creds.write_text(json.dumps({"opensearch_user": "ann", "opensearch_password": PASSWORD}))
    creds.chmod(0o600)
    monkeypatch.setenv("GONG_CREDENTIALS", str(creds))
    chosen = engine_choice.resolve("opensearch")
    assert chosen.user == "ann" and chosen.password.reveal() == PASSWORD
    assert PASSWORD not in repr(chosen)
    monkeypatch.setenv("GONG_SEARCH_OPENSEARCH_API_KEY", "from-env")
    chosen = engine_choice.resolve("opensearch")  # the environment wins, wholly
    assert chosen.api_key.reveal() == "from-env" and chosen.password is None
    monkeypatch.delenv("GONG_SEARCH_OPENSEARCH_API_KEY")
    unreachable = ("--engine", "opensearch", "--opensearch-url", "http://127.0.0.1:9")
    done = cli("pricing", "--index", str(crafted_index), *unreachable)
    assert done.exit_code == 2 and "cannot reach OpenSearch" in done.stderr
    assert PASSWORD not in done.stderr + done.stdout
    shown = cli("config", "-f", "json")
    assert shown.exit_code == 0 and PASSWORD not in shown.stdout
