"""What every command of the CLI shares: option declarations, the ``--format`` option and
the small helpers that print lines for people."""

from __future__ import annotations

from pathlib import Path
from typing import Annotated, Any

import click
import typer

from .terminal import clean

# One list of formats per command: its help and its validation both come from here.
SEARCH_FORMATS = ("table", "json", "jsonl", "csv")
SHOW_FORMATS = ("table", "json", "jsonl", "text")
SPEAKERS_FORMATS = ("table", "json", "jsonl")
STATUS_FORMATS = ("table", "json")
ACTIVITY_FORMATS = ("table", "json")


PIPED_HELP = "Output format (default: table on a terminal; in a pipe jsonl, else json)."


def format_option(formats: tuple[str, ...], help: str = "Output format.") -> Any:
    """``-f/--format`` limited to ``formats``: anything else is a usage error (exit 2)."""
    return typer.Option("--format", "-f", help=help, click_type=click.Choice(formats))


IndexOpt = Annotated[
    Path | None,
    typer.Option("--index", help="Index directory (env GONG_SEARCH_INDEX, default ./index)."),
]
BaseUrlOpt = Annotated[
    str | None, typer.Option("--base-url", help="Gong API base URL (env GONG_BASE_URL).")
]
AccessKeyOpt = Annotated[
    str | None, typer.Option("--access-key", help="Gong access key (env GONG_ACCESS_KEY).")
]
SecretKeyOpt = Annotated[
    str | None,
    typer.Option(
        "--secret-key",
        help="Gong access key secret (env GONG_ACCESS_KEY_SECRET); visible to other users "
        "in the process list, so prefer --secret-key-stdin.",
    ),
]
SecretStdinOpt = Annotated[
    bool,
    typer.Option(
        "--secret-key-stdin",
        help="Read the secret from the first line of stdin (not visible in the process list).",
    ),
]
CredsOpt = Annotated[
    Path | None,
    typer.Option(
        "--credentials",
        help="Credentials JSON (env GONG_CREDENTIALS; default ~/.config/gong/credentials.json).",
    ),
]
EngineOpt = Annotated[
    str | None,
    typer.Option(
        "--engine",
        help="Where the searchable documents live: whoosh (in the index directory, the "
        "default) or opensearch (env GONG_SEARCH_ENGINE).",
        click_type=click.Choice(("whoosh", "opensearch")),
    ),
]
OpenSearchUrlOpt = Annotated[
    str | None,
    typer.Option(
        "--opensearch-url",
        help="OpenSearch cluster for --engine opensearch (env GONG_SEARCH_OPENSEARCH_URL, "
        "default http://127.0.0.1:9200); credentials only from the environment.",
    ),
]
# --tz where dates are both typed (--from/--to) and shown (hit headers): search, calls
TzOpt = Annotated[
    str | None,
    typer.Option("--tz", help="Time zone for dates typed and shown (default local)."),
]
RateOpt = Annotated[
    float, typer.Option("--rate", help="Client-side request rate limit per second (0 = off).")
]


def choose_engine(engine: str | None, opensearch_url: str | None) -> None:
    """The engine this command's index uses: flags > environment (see engine_choice)."""
    from . import engine_choice

    engine_choice.use(engine, opensearch_url)


def say(line: str, err: bool = False) -> None:
    """A line for people that may hold data (names, ids, paths): sanitised for the terminal."""
    typer.echo(clean(line), err=err)
