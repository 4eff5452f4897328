"""Commands that read what the index knows: one call (``show``), its speakers and
accounts. Each builds one request, calls the library and renders through the output layer."""

from __future__ import annotations

from typing import Annotated

import typer

from . import config
from .cli_common import (
    PIPED_HELP,
    SHOW_FORMATS,
    SPEAKERS_FORMATS,
    EngineOpt,
    IndexOpt,
    OpenSearchUrlOpt,
    choose_engine,
    format_option,
    say,
)
from .dates import set_display_zone
from .errors import GongSearchError
from .output import piped_default


def show(
    call_id: Annotated[str, typer.Argument(help="The call id, or the call URL a hit shows.")],
    index: IndexOpt = None,
    at: Annotated[
        str | None, typer.Option("--at", help="Only around this moment (m:ss), marked >.")
    ] = None,
    context: Annotated[int, typer.Option("--context", "-C", help="Sentences around --at.")] = 10,
    tz: Annotated[str | None, typer.Option("--tz", help="Time zone shown (default local).")] = None,
    format: Annotated[str | None, format_option(SHOW_FORMATS, PIPED_HELP)] = None,
    summary: Annotated[
        bool,
        typer.Option("--summary", help="Gong's brief, key points, highlights and outline."),
    ] = False,
    engine: EngineOpt = None,
    opensearch_url: OpenSearchUrlOpt = None,
) -> None:
    """Read a call: facts, parties and transcript (or summary).

    The header has title, date, link, parties, account, deal, outcome, trackers and
    Gong's brief.

    \b
    Examples:
      gong-search show 9221528267000229108
      gong-search show 'https://us-1.app.gong.io/call?id=9221528267000229108'
      gong-search show 9221528267000229108 --at 4:35 -C 2
      gong-search show 9221528267000229108 --summary

    Exit codes: 0 shown, 2 unknown call or bad --at.
    """
    from .dates import parse_offset
    from .output import emit
    from .show import show_call

    choose_engine(engine, opensearch_url)
    if context < 0:
        raise GongSearchError("--context must not be negative")
    set_display_zone(tz)
    at_ms = parse_offset(at) if at else None
    view = show_call(config.index_dir(index), call_id, at_ms, context, summary)
    emit(view, piped_default(format, SHOW_FORMATS))


def speakers(
    name: Annotated[str | None, typer.Argument(help="Fuzzy name or email to filter by.")] = None,
    index: IndexOpt = None,
    format: Annotated[str | None, format_option(SPEAKERS_FORMATS, PIPED_HELP)] = None,
) -> None:
    """List speakers, with affiliation, email, calls and sentences.

    NAME is matched like --speaker: typos, accents, first names, emails.

    \b
    Examples:
      gong-search speakers
      gong-search speakers maria
      gong-search speakers -f json

    Exit codes: 0 listed, 1 nobody matches NAME, 2 no index.
    """
    from .names import no_match
    from .output import emit
    from .show import SpeakerList, list_speakers

    index_dir = config.index_dir(index)
    found = list_speakers(index_dir, name)
    emit(SpeakerList(found), piped_default(format, SPEAKERS_FORMATS))
    if not found:  # like --speaker: the closest names; exit 1, an answer (none match)
        everyone = [s.name for s in list_speakers(index_dir)] if name else []
        say(no_match("speaker", name, everyone) if name else "no speakers indexed yet", err=True)
        raise typer.Exit(1)


def accounts(
    name: Annotated[str | None, typer.Argument(help="Fuzzy account name or domain.")] = None,
    index: IndexOpt = None,
    format: Annotated[str | None, format_option(SPEAKERS_FORMATS, PIPED_HELP)] = None,
) -> None:
    """List accounts: calls, first and last call, deals, trackers.

    NAME is matched like --account: typos, prefixes, domains.

    \b
    Examples:
      gong-search accounts
      gong-search accounts glob -f json

    Exit codes: 0 listed, 1 no account matches NAME, 2 no index.
    """
    from .accounts import AccountList, list_accounts
    from .output import emit

    found = list_accounts(config.index_dir(index), name)
    emit(AccountList(found), piped_default(format, SPEAKERS_FORMATS))
    if not found:
        say(f"no account matches {name!r}" if name else "no accounts indexed yet", err=True)
        raise typer.Exit(1)
