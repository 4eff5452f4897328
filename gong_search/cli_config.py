"""``gong-search config``: every setting, its value and where the value came from."""

from __future__ import annotations

from typing import Annotated

import typer

from . import settings
from .cli_common import IndexOpt, format_option, say

CONFIG_FORMATS = ("table", "json")


def config_command(
    index: IndexOpt = None,
    tz: Annotated[str | None, typer.Option("--tz", help="A time zone, to see it win.")] = None,
    format: Annotated[str | None, format_option(CONFIG_FORMATS)] = None,
) -> None:
    """Show each setting and where its value comes from.

    Sources, strongest first: flag, environment, config file, default.

    The file is ~/.config/gong-search/config.toml ($XDG_CONFIG_HOME, or
    $GONG_SEARCH_CONFIG); it may set index, timezone, format and the
    engine (never credentials):

    \b
      index = "~/gong-index"
      timezone = "Europe/Berlin"
      format = "table"
      engine = "opensearch"
      opensearch_url = "https://search.example.com:9200"
      opensearch_prefix = "team-a"

    \b
    Examples:
      gong-search config
      gong-search config --index /tmp/ix
      gong-search config -f json

    Exit codes: 0 shown, 2 the file is not valid (one line naming it).
    """
    from .dates import zone
    from .export import dumps
    from .output import piped_default

    rows = [
        settings.resolve("index", str(index) if index else None),
        settings.resolve("timezone", tz),
        settings.resolve("format"),
        *(settings.resolve(key) for key in ("engine", "opensearch_url", "opensearch_prefix")),
    ]
    zone(rows[1].value or None)  # an unknown zone is an error here too
    path = settings.config_path()
    if piped_default(format, CONFIG_FORMATS) == "json":  # the one rule: JSON in a pipe
        values = {row.key: {"value": row.value, "source": row.source} for row in rows}
        typer.echo(dumps({"schema_version": 1, "config_file": str(path), **values}, indent=2))
        return
    state = "" if path.exists() else " (not found; optional)"
    say(f"config file: {path}{state}")
    for row in rows:
        shown = row.value or ("local" if row.key == "timezone" else "automatic")
        say(f"{row.key:<17} {shown}  [{row.source}]")
