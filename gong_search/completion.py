"""Shell completion: ``gong-search completion bash|zsh|fish`` prints the script to load;
the values of ``--speaker``, ``--account`` and ``--tracker`` come from the index
(``--format``, ``--sort``, ``--affiliation`` complete from their choices).

Completion runs on every Tab, so the completers read only what is cheap (the catalog's
speaker list, the engine's vocabularies) and never fail: no index, no values.
"""

from __future__ import annotations

import os
import shlex
from collections.abc import Callable
from enum import StrEnum
from typing import Annotated

import click
import typer
from click.shell_completion import get_completion_class
from typer._completion_classes import completion_init

from . import config
from .errors import GongSearchError
from .names import is_crm_id

completion_init()  # Typer's bash/zsh/fish classes: the scripts and the answers must agree

COMPLETE_VAR = "_GONG_SEARCH_COMPLETE"
PROG_NAME = "gong-search"


class Shell(StrEnum):
    bash = "bash"
    zsh = "zsh"
    fish = "fish"


def completion(
    ctx: typer.Context,
    shell: Annotated[Shell, typer.Argument(help="The shell to complete for.")],
) -> None:
    """Print the shell completion script for bash, zsh or fish.

    \b
    Examples:
      eval "$(gong-search completion bash)"        # in ~/.bashrc
      eval "$(gong-search completion zsh)"         # in ~/.zshrc, after compinit
      gong-search completion fish > ~/.config/fish/completions/gong-search.fish

    --speaker and --account complete from the index (--index or GONG_SEARCH_INDEX).
    """
    cls = get_completion_class(shell.value)
    assert cls is not None  # typer registers all three
    typer.echo(cls(ctx.find_root().command, {}, PROG_NAME, COMPLETE_VAR).source())


def _index(ctx: click.Context):
    return config.index_dir(ctx.params.get("index"))


def complete_speakers(ctx: typer.Context, incomplete: str) -> list[str]:
    """Indexed speakers' emails (exact, no spaces to quote) whose name or email starts with
    what is typed; a speaker without an email by name."""
    from .catalog import Catalog

    typed = incomplete.lower()
    try:
        with Catalog(_index(ctx), create=False) as catalog:
            speakers = catalog.speakers()
    except (GongSearchError, OSError):
        return []
    found = []
    for s in speakers:
        words = [s.email.lower(), *s.name.lower().split()]
        if any(word.startswith(typed) for word in words if word):
            found.append(s.email or s.name)
    return found


def indexed_values(field: str) -> Callable[[typer.Context, str], list[str]]:
    """A completer offering the indexed values of ``field`` (account domains, trackers)
    that start with what is typed."""

    def complete(ctx: typer.Context, incomplete: str) -> list[str]:
        from .engine import open_engine

        try:
            with open_engine(_index(ctx)).searcher() as searcher:
                values = searcher.vocabulary(field)
        except (GongSearchError, OSError):
            return []
        typed = incomplete.lower().lstrip("'\"")
        return [_as_typed(v) for v in values if v.startswith(typed) and not is_crm_id(v)]

    return complete


def _as_typed(value: str) -> str:
    """Bash inserts a candidate as it is: one with a space (``smart: pricing pushback``)
    goes in quoted, or it would split into several words (zsh and fish quote their own)."""
    if os.environ.get(COMPLETE_VAR, "").startswith("complete_bash"):
        return shlex.quote(value)
    return value


complete_accounts = indexed_values("account")
complete_trackers = indexed_values("trackers")
