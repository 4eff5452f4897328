"""``gong-search trackers import|compare``: Gong's keyword trackers as saved searches, and
how closely a saved search's hits agree with Gong's own occurrences."""

from __future__ import annotations

from typing import Annotated

import typer

from . import config
from .cli_common import (
    PIPED_HELP,
    AccessKeyOpt,
    BaseUrlOpt,
    CredsOpt,
    IndexOpt,
    RateOpt,
    SecretKeyOpt,
    SecretStdinOpt,
    format_option,
)

IMPORT_FORMATS = ("table", "json", "jsonl")
COMPARE_FORMATS = ("table", "json")

trackers_app = typer.Typer(
    help="""Gong's keyword trackers, run locally over all history.

    \b
    Examples:
      gong-search trackers import
      gong-search saved run Competitors --from 2020-01-01 --facet account
      gong-search trackers compare Competitors
    """,
    no_args_is_help=True,
    rich_markup_mode=None,
    context_settings={"help_option_names": ["-h", "--help"]},
)


@trackers_app.command("import")
def import_(
    index: IndexOpt = None,
    format: Annotated[str | None, format_option(IMPORT_FORMATS, PIPED_HELP)] = None,
    rate: RateOpt = 3.0,
    base_url: BaseUrlOpt = None,
    access_key: AccessKeyOpt = None,
    secret_key: SecretKeyOpt = None,
    secret_key_stdin: SecretStdinOpt = False,
    credentials: CredsOpt = None,
) -> None:
    """Save each Gong keyword tracker as a saved search (same name).

    Reads /v2/settings/trackers and /v2/workspaces (2 requests). Phrases per
    language, related forms or exact words, said by company or non-company,
    in a question, in the first N minutes are mapped; a rule the index cannot
    express is left out with a note on that tracker (see saved show NAME).
    Importing again replaces them with Gong's latest rules.

    \b
    Examples:
      gong-search trackers import
      gong-search trackers import -f json | jq '.trackers[] | {name, notes}'

    Exit codes: 0 imported, 1 no keyword tracker could be imported, 2 error.
    """
    from . import render_saved  # noqa: F401 - registers the tables with render()
    from .cli_sync import _client
    from .output import emit, piped_default
    from .trackers import import_trackers

    index_dir = config.index_dir(index)
    client = _client(base_url, access_key, secret_key, credentials, secret_key_stdin, rate)
    with client:
        found = import_trackers(index_dir, client)
    emit(found, piped_default(format, IMPORT_FORMATS))
    if not any(m.saved for m in found.trackers):
        raise typer.Exit(1)


@trackers_app.command("compare")
def compare(
    name: Annotated[str, typer.Argument(help="A saved search imported from a tracker.")],
    index: IndexOpt = None,
    format: Annotated[str | None, format_option(COMPARE_FORMATS, PIPED_HELP)] = None,
) -> None:
    """Where Gong's occurrences of a tracker and its saved search agree.

    Over the calls where Gong placed the tracker's occurrences (since
    2023-01-01): per sentence and per call, found by both, by Gong only, by the
    local search only; a summary line, then each call where they differ.

    \b
    Examples:
      gong-search trackers compare Competitors
      gong-search trackers compare Budget -f json | jq .sentences.agreement

    Exit codes: 0 compared, 1 no call has Gong's occurrences, 2 error.
    """
    from . import render_saved  # noqa: F401 - registers the tables with render()
    from .output import emit, piped_default
    from .tracker_compare import compare as run_compare

    found = run_compare(config.index_dir(index), name)
    emit(found, piped_default(format, COMPARE_FORMATS))
    if not found.calls_compared:
        raise typer.Exit(1)
