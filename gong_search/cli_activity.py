"""The ``activity`` command: Gong's per-user activity counters beside the index's talk.

Credentials and the base URL come exactly as for ``sync`` and ``check``; the request is one
validated :class:`ActivityOptions`; the answer goes through the output layer.
"""

from __future__ import annotations

from typing import Annotated

import typer

from . import config
from .activity import ActivityOptions
from .cli_common import (
    ACTIVITY_FORMATS,
    AccessKeyOpt,
    BaseUrlOpt,
    CredsOpt,
    IndexOpt,
    RateOpt,
    SecretKeyOpt,
    SecretStdinOpt,
    format_option,
    say,
)
from .cli_sync import MAX_RATE, _client
from .model import help_of


def _help(name: str) -> str:
    return help_of(ActivityOptions, name)


def activity(
    from_: Annotated[str | None, typer.Option("--from", help=_help("start"))] = None,
    to: Annotated[str | None, typer.Option("--to", help=_help("end"))] = None,
    user: Annotated[list[str] | None, typer.Option("--user", help=_help("users"))] = None,
    format: Annotated[str, format_option(ACTIVITY_FORMATS)] = "table",
    index: IndexOpt = None,
    rate: RateOpt = 3.0,
    base_url: BaseUrlOpt = None,
    access_key: AccessKeyOpt = None,
    secret_key: SecretKeyOpt = None,
    secret_key_stdin: SecretStdinOpt = False,
    credentials: CredsOpt = None,
) -> None:
    """Per user: Gong's activity counts beside the index's talk.

    Whole days, in Gong's time zone.

    From Gong (POST /v2/stats/activity/aggregate, its time zone): calls as host,
    attended, feedback given and received, calls shared inside and outside the
    company, comments, scorecards filled (-f json: all 15 of Gong's counters).
    From the index (no network), over the same window: calls the user spoke on,
    their sentences, their share of all talk time, and the customers' share of
    all sentences. Without an index, Gong's columns alone, and one line says why.

    \b
    Examples:
      gong-search activity                      # the last 30 days
      gong-search activity --from 2025-01-01
      gong-search activity --user dana --user "marcus chen" --from 2025-10-01
      gong-search activity --from 2025-07-01 --to 2025-10-01 -f json

    Exit codes: 0 answered, 1 no row from Gong, 2 bad input or Gong refused.
    """
    from . import render_activity  # noqa: F401 - registers the table with render()
    from .activity import activity as run_activity
    from .output import emit

    options = ActivityOptions(start=from_, end=to, users=tuple(user or ()))
    config.bounded("--rate", rate, high=MAX_RATE)
    index_dir = config.index_dir(index)
    with _client(base_url, access_key, secret_key, credentials, secret_key_stdin, rate) as client:
        report = run_activity(client, index_dir, options)
    emit(report, format)
    if report.matched_users and format != "json":
        say("users matched: " + "; ".join(report.matched_users), err=True)
    if not report.rows:
        say("Gong reported no activity for these users in this window", err=True)
        raise typer.Exit(1)
