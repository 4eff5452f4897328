"""The commands that talk to Gong (or its simulator): ``check``, ``simulate``, ``sync``.

Each builds its validated options (:class:`SyncOptions`, :class:`SimulatorConfig`), calls
the library and prints what happened; the rules for a valid value live in those models.
"""

from __future__ import annotations

import signal
import sys
from pathlib import Path
from typing import Annotated

import typer

from . import config, exits
from .cli_common import (
    AccessKeyOpt,
    BaseUrlOpt,
    CredsOpt,
    EngineOpt,
    IndexOpt,
    OpenSearchUrlOpt,
    RateOpt,
    SecretKeyOpt,
    SecretStdinOpt,
    choose_engine,
    say,
)
from .errors import GongSearchError
from .model import help_of
from .sync_report import SyncOptions
from .terminal import plural

MAX_WAIT = 7 * 86400.0
MAX_RATE = 1000.0
_DEFAULT = SyncOptions()


def _help(name: str) -> str:
    return help_of(SyncOptions, name)


def _client(base_url, access_key, secret_key, credentials, secret_stdin, rate=3.0, max_wait=None):
    from .gong.client import GongClient, RetryPolicy

    creds = config.load_credentials(
        base_url, access_key, _secret(secret_key, secret_stdin), credentials
    )
    if secret_key and not secret_stdin:
        _warn_secret_flag()
    # no max_wait: `check`, which says at once that a host is unknown or refuses
    retry = RetryPolicy(max_wait=max_wait) if max_wait is not None else RetryPolicy(fail_fast=True)
    return GongClient(creds, rate=rate, retry=retry)


def _secret(flag: str | None, from_stdin: bool) -> str | None:
    if not from_stdin:
        return flag
    line = sys.stdin.readline().rstrip("\r\n")
    if not line:
        raise GongSearchError("--secret-key-stdin: stdin gave no secret")
    return line


def _warn_secret_flag() -> None:
    """--secret-key is readable by every local user (``ps``); said once the settings are
    otherwise valid, so a configuration error stays a single line."""
    typer.echo(
        "warning: --secret-key is visible to other users in the process list; "
        "use --secret-key-stdin, GONG_ACCESS_KEY_SECRET or the credentials file",
        err=True,
    )


def check(
    base_url: BaseUrlOpt = None,
    access_key: AccessKeyOpt = None,
    secret_key: SecretKeyOpt = None,
    secret_key_stdin: SecretStdinOpt = False,
    credentials: CredsOpt = None,
) -> None:
    """Test the Gong credentials: auth, users, recent calls.

    \b
    Examples:
      gong-search check
      pass show gong | gong-search check --secret-key-stdin
      GONG_BASE_URL=https://us-12345.api.gong.io gong-search check

    Exit codes: 0 ok, 2 configuration, network or API error (said in one line).
    """
    from .dates import days_ago

    with _client(base_url, access_key, secret_key, credentials, secret_key_stdin) as client:
        say(f"base URL: {client.base_url}")
        users = sum(len(page.items) for page in client.users())
        typer.echo("authentication: ok")
        typer.echo(f"users: {users}")
        first = next(iter(client.calls(days_ago(30))), None)
        typer.echo(f"calls in the last 30 days: {first.total if first else 0}")


def simulate(
    host: Annotated[
        str, typer.Option(help="Address to bind (loopback only by default).")
    ] = "127.0.0.1",
    port: Annotated[int, typer.Option(help="Port (0 = a free one).")] = 0,
    calls: Annotated[int, typer.Option(help="Number of synthetic calls.")] = 200,
    seed: Annotated[
        int,
        typer.Option(help="Seed: the same seed and anchor date give the same tenant."),
    ] = 0,
    tenant: Annotated[
        Path | None,
        typer.Option(
            help="Serve a recorded tenant dir (users.json, calls.json, transcripts.json)."
        ),
    ] = None,
    access_key: Annotated[str, typer.Option(help="Accepted access key.")] = "demo",
    secret_key: Annotated[str, typer.Option(help="Accepted secret key.")] = "demo",
    call_length: Annotated[str, typer.Option(help="Sentences per call, MIN:MAX.")] = "200:1500",
    rate: Annotated[float, typer.Option(help="Requests per second before 429 (0 = off).")] = 3.0,
    daily_limit: Annotated[int | None, typer.Option(help="Requests per day before 429.")] = None,
    fail_rate: Annotated[float, typer.Option(help="Share of requests answered with 500.")] = 0.0,
    late_fraction: Annotated[float, typer.Option(help="Share of calls listed late.")] = 0.0,
    transcript_delay: Annotated[
        int, typer.Option(help="Transcript requests before a transcript is ready.")
    ] = 0,
    anchor_date: Annotated[
        str | None,
        typer.Option(
            help="Calls are spread over the 60 days before this moment (default: today 00:00 UTC)."
        ),
    ] = None,
    bearer_token: Annotated[
        str | None,
        typer.Option(help="Also accept 'Authorization: Bearer TOKEN' (an OAuth token)."),
    ] = None,
) -> None:
    """Serve a Gong API simulator on 127.0.0.1 (for tests).

    Prints GONG_BASE_URL=... first, then serves until Ctrl-C. Same --seed, --calls,
    --call-length and anchor date: same tenant, ids and all. The anchor defaults to
    today 00:00 UTC (a seed is stable for a UTC day); --anchor-date pins call times.

    \b
    Examples:
      gong-search simulate --port 8765
      gong-search simulate --calls 500 --seed 7 --anchor-date 2026-03-01
      gong-search simulate --port 8765 --bearer-token s3cret --rate 0
    """
    from .dates import parse_when
    from .simulator import SimulatorConfig, serve

    low, _, high = call_length.partition(":")
    try:
        length = (int(low), int(high or low))
    except ValueError:
        raise typer.BadParameter("use MIN:MAX, e.g. 5:30", param_hint="--call-length") from None
    cfg = SimulatorConfig(
        host=host,
        port=port,
        calls=calls,
        seed=seed,
        tenant_dir=tenant,
        access_key=access_key,
        secret_key=secret_key,
        call_length=length,
        rate=rate,
        daily_limit=daily_limit,
        fail_rate=fail_rate,
        late_fraction=late_fraction,
        transcript_delay=transcript_delay,
        anchor=parse_when(anchor_date, option="--anchor-date") if anchor_date else None,
        bearer_token=bearer_token,
    )
    serve(cfg, echo=lambda line: typer.echo(line))


def sync(
    index: IndexOpt = None,
    engine: EngineOpt = None,
    opensearch_url: OpenSearchUrlOpt = None,
    from_: Annotated[
        str | None, typer.Option("--from", help="Start: 2026-01-05, ISO 8601, 7d, last week.")
    ] = None,
    to: Annotated[str | None, typer.Option("--to", help=_help("end"))] = None,
    tz: Annotated[
        str | None, typer.Option("--tz", help="Time zone for dates (default local).")
    ] = None,
    include_private: Annotated[
        bool, typer.Option(help=_help("include_private"))
    ] = _DEFAULT.include_private,
    full: Annotated[bool, typer.Option("--full", help=_help("full"))] = _DEFAULT.full,
    dry_run: Annotated[bool, typer.Option("--dry-run", help=_help("dry_run"))] = _DEFAULT.dry_run,
    overlap_days: Annotated[
        float, typer.Option(help=_help("overlap_days"))
    ] = _DEFAULT.overlap_days,
    pending_days: Annotated[
        float, typer.Option(help=_help("pending_days"))
    ] = _DEFAULT.pending_days,
    max_removal_share: Annotated[
        float, typer.Option(help=_help("max_removal_share"))
    ] = _DEFAULT.max_removal_share,
    allow_mass_removal: Annotated[
        bool, typer.Option("--allow-mass-removal", help=_help("allow_mass_removal"))
    ] = _DEFAULT.allow_mass_removal,
    max_wait: Annotated[
        float,
        typer.Option(
            help="Longest rate-limit wait (Retry-After) to sleep through, seconds; a longer "
            "one, e.g. the daily quota, stops the sync with exit 1 (committed work is kept).",
        ),
    ] = 300.0,
    rate: RateOpt = 3.0,
    base_url: BaseUrlOpt = None,
    access_key: AccessKeyOpt = None,
    secret_key: SecretKeyOpt = None,
    secret_key_stdin: SecretStdinOpt = False,
    credentials: CredsOpt = None,
) -> None:
    """Pull calls and transcripts from Gong into the index.

    The first run takes the last 90 days; later runs only what is new. Credentials:
    flags > environment > ~/.config/gong/credentials.json. --secret-key is visible
    to other users in the process list: prefer --secret-key-stdin.

    \b
    Examples:
      gong-search sync
      gong-search sync --from 2025-01-01
      gong-search sync --full --dry-run
      pass show gong | gong-search sync --secret-key-stdin

    Exit codes: 0 done, 1 some calls skipped (retried next run) or quota reached,
    2 error, 130/143 stopped cleanly (committed work is kept).
    """
    from .dates import parse_window
    from .harvest import sync as run_sync
    from .progress import SyncProgressView

    choose_engine(engine, opensearch_url)
    start, end = parse_window(from_, to, tz)
    options = SyncOptions(
        start=start,
        end=end,
        include_private=include_private,
        full=full,
        dry_run=dry_run,
        overlap_days=overlap_days,
        pending_days=pending_days,
        max_removal_share=max_removal_share,
        allow_mass_removal=allow_mass_removal,
    )
    config.bounded("--max-wait", max_wait, high=MAX_WAIT)
    config.bounded("--rate", rate, high=MAX_RATE)
    signal.signal(signal.SIGTERM, exits.on_stop_signal)
    index_dir = config.index_dir(index)
    client = _client(
        base_url, access_key, secret_key, credentials, secret_key_stdin, rate, max_wait
    )
    with client:
        with SyncProgressView(where=_where(index_dir)) as view:
            client.on_retry = view.retrying
            report = run_sync(index_dir, client, options, progress=view.update)
    if dry_run:
        typer.echo(
            f"dry run: {plural(report.total_listed, 'call')} would be listed, about "
            f"{plural(_estimate_requests(report.total_listed), 'request')}; nothing written"
        )
        _echo_removal_preview(report)
        _echo_refresh_preview(report)
        return
    say(report.summary())
    if report.failed:
        raise typer.Exit(1)


def _where(index_dir: Path) -> str:
    """Which index a sync writes, said on its window line (``./index`` is relative to where
    it runs), and whether it is about to create it."""
    from .index_dir import CATALOG_NAME

    new = "" if (index_dir / CATALOG_NAME).exists() else " (new)"
    return f"{index_dir.resolve()}{new}"


def _echo_removal_preview(report) -> None:
    """``--full --dry-run``: which calls a real run would remove, and whether it would."""
    if report.would_remove:
        typer.echo(
            f"{len(report.would_remove)} calls would be removed: {', '.join(report.would_remove)}"
        )
    if report.removal_refused:
        typer.echo(f"a real run would refuse: {report.removal_refused}")


def _echo_refresh_preview(report) -> None:
    """An older catalog: what the one-time refresh of call details will cost."""
    if report.would_refresh:
        typer.echo(
            f"{plural(report.would_refresh, 'stored call')} will have their details refreshed "
            f"(CRM, trackers, summaries): {plural(-(-report.would_refresh // 100), 'request')}, "
            "no transcript re-fetched"
        )


def _estimate_requests(calls: int) -> int:
    pages = -(-calls // 100)
    return 1 + pages * 2
