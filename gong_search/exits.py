"""How gong-search ends: one line on stderr and an exit code that means one thing.

    0    success (search: hits)          2    error: bad input, config, API, index
    1    search: no hits; sync: some     3    a bug: details in the error log, not on screen
         calls failed, or the quota     130  Ctrl-C          143  SIGTERM
         asks to wait too long           141  stdout closed early (``| head``), quietly

Exit 1 is an answer (like grep's), so an unexpected exception must not produce it.
"""

from __future__ import annotations

import gc
import json
import os
import signal
import sys
import traceback
from datetime import UTC, datetime
from pathlib import Path

import typer

from .terminal import clean

EXIT_BUG = 3
EXIT_SIGINT = 130
EXIT_SIGPIPE = 141
EXIT_SIGTERM = 143
LOG_LIMIT = 1_000_000  # bytes: past this the log starts over
_SECRET_ENV = ("GONG_ACCESS_KEY_SECRET", "GONG_SECRET_KEY", "GONG_ACCESS_KEY")
_SECRET_FLAGS = ("--secret-key", "--access-key")


class Terminated(BaseException):
    """SIGTERM, turned into an exception so writers cancel and the catalog rolls back.

    A ``BaseException`` like ``KeyboardInterrupt``, so no ``except Exception`` on the way
    up (e.g. around Whoosh's many error types) can swallow a stop request.
    """


def fail(message: str, code: str, exit_code: int, as_json: bool) -> None:
    """One line on stderr (JSON for machines, sanitised text for people), then exit."""
    if as_json:
        typer.echo(json.dumps({"error": message, "code": code}), err=True)
    else:
        typer.echo(f"gong-search: error: {clean(message)}", err=True)
    raise typer.Exit(exit_code)


PIPED_JSON_COMMANDS = ("search", "show", "speakers", "status")


def wants_json(args: list[str]) -> bool:
    """Did the command line ask for json/jsonl (or get it by default, as these commands do
    when stdout is not for people)? Then errors are JSON too."""
    from .terminal import stdout_is_for_people

    explicit = any(a.startswith(("--format", "-f", "--csv")) for a in args)
    if args[:1] and args[0] in PIPED_JSON_COMMANDS and not explicit:
        return not stdout_is_for_people()
    pairs = zip(args, args[1:], strict=False)
    return any(a in ("--format", "-f") and b in ("json", "jsonl") for a, b in pairs) or any(
        a in ("--format=json", "--format=jsonl") for a in args
    )


def fail_unexpected(exc: BaseException, args: list[str], as_json: bool) -> None:
    """A bug: the traceback goes to the error log (never the terminal), exit 3."""
    kind = type(exc).__name__
    try:
        where = f"details in {log_error(exc, args)}"
    except OSError as log_exc:
        where = f"could not log the details ({log_exc.strerror or log_exc})"
    fail(f"unexpected {kind}, a bug in gong-search; {where}", "unexpected", EXIT_BUG, as_json)


def error_log_path() -> Path:
    """``$XDG_STATE_HOME/gong-search/errors.log``, by default under ~/.local/state."""
    base = os.environ.get("XDG_STATE_HOME") or Path.home() / ".local" / "state"
    return Path(base) / "gong-search" / "errors.log"


def log_error(exc: BaseException, args: list[str]) -> Path:
    """Append the traceback (no locals, secrets redacted) to a log only the user can read.

    ``args`` are the command's arguments: only the command name is logged, and any
    ``--secret-key``/``--access-key`` value is redacted from the text.
    """
    from . import __version__

    path = error_log_path()
    path.parent.mkdir(mode=0o700, parents=True, exist_ok=True)
    flags = os.O_WRONLY | os.O_CREAT | os.O_APPEND
    if path.exists() and path.stat().st_size > LOG_LIMIT:
        flags |= os.O_TRUNC
    command = next((a for a in args if not a.startswith("-")), "")
    text = "".join(traceback.format_exception(exc))
    entry = f"--- {datetime.now(UTC).isoformat()} gong-search {__version__} {command}\n{text}"
    fd = os.open(path, flags, 0o600)
    os.fchmod(fd, 0o600)
    with os.fdopen(fd, "w", encoding="utf-8", errors="backslashreplace") as log:
        log.write(_redact(entry, args))
    return path


def _redact(text: str, args: list[str]) -> str:
    """Remove any credential the process was given, should a message have quoted one."""
    secrets = [os.environ.get(name, "") for name in _SECRET_ENV]
    for i, arg in enumerate(args):
        flag, _, value = arg.partition("=")
        if flag in _SECRET_FLAGS:
            secrets.append(value or (args[i + 1] if i + 1 < len(args) else ""))
    for secret in sorted(filter(None, secrets), key=len, reverse=True):
        text = text.replace(secret, "[redacted]")
    return text


def quiet_broken_pipe() -> int:
    """The reader went away (``| head``): stop writing, say nothing, exit 141 like a
    process killed by SIGPIPE. stdout is pointed at /dev/null so Python's final flush
    cannot print "Exception ignored ... BrokenPipeError"."""
    devnull = os.open(os.devnull, os.O_WRONLY)
    os.dup2(devnull, sys.stdout.fileno())
    os.close(devnull)
    return EXIT_SIGPIPE


def on_stop_signal(signum: int, frame: object) -> None:
    """First Ctrl-C/SIGTERM: raise, so writers cancel and the catalog rolls back. A second
    one during that cleanup ends the process at once, with one line and no traceback
    (what is half-written is repaired by the next run, as after ``kill -9``)."""
    for other in (signal.SIGINT, signal.SIGTERM):
        if signal.getsignal(other) is on_stop_signal:
            signal.signal(other, _stop_now)
    raise KeyboardInterrupt if signum == signal.SIGINT else Terminated()


def release(stop: BaseException) -> None:
    """Free what the interrupted frames hold (a page of calls, a writer's buffers) now,
    while a second Ctrl-C is still handled, rather than in the interpreter's final garbage
    collection, where it kills the process with no exit code of ours (seconds on a big
    page)."""
    traceback.clear_frames(stop.__traceback__)
    gc.collect()
    gc.freeze()  # what is left lives until exit: the final collection need not walk it


def _stop_now(signum: int, frame: object) -> None:
    os.write(2, b"gong-search: stopped at once; the next run repairs anything half-written\n")
    os._exit(EXIT_SIGINT if signum == signal.SIGINT else EXIT_SIGTERM)
