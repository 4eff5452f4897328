"""Reading the command line before click does: the query's own dash words, routing help.

``gong-search pricing -trial`` is how the README's query table writes an exclusion, so after
the first query word a ``-word`` that is not an option of ``search`` is a query word, while
real options (``-n 5``, ``--format=json``, ``-n5``) keep working anywhere. What stays
ambiguous (``-onboarding`` could be ``-o nboarding``) is refused with the quoting to use.
"""

from __future__ import annotations

import shlex
from dataclasses import dataclass

import click
from typer.core import TyperCommand

# Option values that name files: these may be any bytes the OS allows, other text must be UTF-8.
PATH_OPTIONS = ("--index", "--output", "-o", "--csv", "--credentials", "--tenant")


@dataclass(frozen=True)
class OptionNames:
    """A command's option spellings: flags, and options that take a value (by name)."""

    flags: frozenset[str]
    values: dict[str, click.Option]

    @classmethod
    def of(cls, command: click.Command, ctx: click.Context) -> OptionNames:
        flags: set[str] = set()
        values: dict[str, click.Option] = {}
        for param in command.get_params(ctx):
            if isinstance(param, click.Option):
                names = [*param.opts, *param.secondary_opts]
                if param.is_flag or param.count:
                    flags.update(names)
                else:
                    values.update(dict.fromkeys(names, param))
        return cls(frozenset(flags), values)


class QueryCommand(TyperCommand):
    """``search``: options first, then ``--``, then the query words in their order."""

    def parse_args(self, ctx: click.Context, args: list[str]) -> list[str]:
        return super().parse_args(ctx, split_query(args, OptionNames.of(self, ctx), ctx))


def split_query(args: list[str], names: OptionNames, ctx: click.Context) -> list[str]:
    """``pricing -trial -n 5`` -> ``-n 5 -- pricing -trial``; ambiguous words are refused."""
    options: list[str] = []
    words: list[str] = []
    problem: str | None = None
    i = 0
    while i < len(args):
        arg = args[i]
        if arg == "--":
            words.extend(args[i + 1 :])
            break
        kind = _kind(arg, names, ctx, query_started=bool(words))
        if kind in ("unknown", "ambiguous") and problem is None:
            problem = _problem(arg, kind)
        if kind in ("word", "unknown", "ambiguous"):
            words.append(arg)
        width = 2 if kind == "needs_value" else 1
        if kind in ("option", "needs_value"):
            options.extend(args[i : i + width])
        i += width
    if problem:
        raise click.UsageError(f"{problem}; quote the query: {_quoted(words)}", ctx)
    return [*options, "--", *words] if words else options


def _kind(arg: str, names: OptionNames, ctx: click.Context, query_started: bool) -> str:
    """word, option (self-contained), needs_value, unknown (an option nobody has) or
    ambiguous (an option with an attached value that could as well be a query word)."""
    if not arg.startswith("-") or arg == "-":
        return "word"
    name = arg.split("=", 1)[0] if arg.startswith("--") else arg
    if name in names.values:
        return "option" if "=" in arg else "needs_value"
    if name in names.flags or arg.startswith("--"):
        return "option"  # an unknown --long-option is a typo: click says "did you mean"
    short, attached = arg[:2], arg[2:]
    if short in names.values:
        return _attached_value(names.values[short], attached, ctx, query_started)
    if short in names.flags and not query_started:
        return "option"  # a cluster of flags, before the query
    return "word" if query_started else "unknown"


def _attached_value(param: click.Option, value: str, ctx: click.Context, started: bool) -> str:
    """``-n5`` is an option; after the query ``-nothing`` is a word (not a number) and
    ``-onboarding`` is ambiguous (``-o`` takes any file name)."""
    if not started:
        return "option"
    if not isinstance(param.type, click.types.IntParamType | click.Choice):
        return "ambiguous"
    try:
        param.type.convert(value, param, ctx)
    except click.BadParameter:
        return "word"
    return "option"


def _problem(arg: str, kind: str) -> str:
    if kind == "unknown":
        return f"no such option: {arg}"
    return f"{arg!r} could be the option {arg[:2]} {arg[2:]!r} or a query word"


def _quoted(words: list[str]) -> str:
    """The command to type instead: one quoted query (after ``--`` if it starts with -)."""
    query = shlex.quote(" ".join(words))
    separator = "-- " if words and words[0].startswith("-") else ""
    return f"gong-search {separator}{query}"


def first_positional(args: list[str], value_options: set[str]) -> int | None:
    """Index of the first argument that is not an option or an option's value."""
    i = 0
    while i < len(args):
        arg = args[i]
        if arg == "--":
            return i + 1 if i + 1 < len(args) else None
        if not arg.startswith("-") or arg == "-":
            return i
        i += 2 if arg in value_options else 1
    return None


def one_edit_apart(a: str, b: str) -> bool:
    """True for one insertion, deletion, substitution or adjacent swap (a typo)."""
    if a == b or abs(len(a) - len(b)) > 1:
        return False
    if len(a) == len(b):
        diff = [i for i in range(len(a)) if a[i] != b[i]]
        swap = (
            len(diff) == 2
            and diff[1] == diff[0] + 1
            and a[diff[0]] == b[diff[1]]
            and a[diff[1]] == b[diff[0]]
        )
        return len(diff) == 1 or swap
    short, long_ = sorted((a, b), key=len)
    return any(long_[:i] + long_[i + 1 :] == short for i in range(len(long_)))


def non_utf8_argument(args: list[str]) -> str | None:
    """The first argument that was not valid UTF-8 (Python keeps such bytes as surrogates).

    They cannot match any transcript text and would break later, far from their cause
    (e.g. as a SQLite parameter). Paths are exempt: a file name may be any bytes.
    """
    for position, arg in enumerate(args):
        previous = args[position - 1] if position else ""
        if previous in PATH_OPTIONS or arg.startswith(tuple(f"{o}=" for o in PATH_OPTIONS)):
            continue
        try:
            arg.encode("utf-8")
        except UnicodeEncodeError:
            return arg
    return None


@dataclass(frozen=True)
class GlobalOptions:
    """Options every command takes, wherever they stand (before ``--``): ``--version``/``-V``
    and ``--color auto|always|never``."""

    version: bool = False
    color: str | None = None


COLOR_CHOICES = ("auto", "always", "never")


def take_global_options(args: list[str]) -> tuple[list[str], GlobalOptions]:
    """``args`` without the global options, and what they asked for."""
    rest: list[str] = []
    version, color = False, None
    i = 0
    while i < len(args):
        arg = args[i]
        if arg == "--":
            rest.extend(args[i:])
            break
        if arg in ("--version", "-V"):
            version = True
        elif arg == "--color" or arg.startswith("--color="):
            if "=" in arg:
                color = arg.split("=", 1)[1]
            elif i + 1 < len(args):
                i += 1
                color = args[i]
            else:
                raise click.UsageError("--color needs a value: auto, always or never")
            if color not in COLOR_CHOICES:
                raise click.UsageError(f"--color must be auto, always or never, not {color!r}")
        else:
            rest.append(arg)
        i += 1
    return rest, GlobalOptions(version, color)
