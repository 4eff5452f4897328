"""Help for people: plain click help (it wraps to 80 columns, where rich's option tables
truncate ``GONG_SEARCH_IND…``), the top-level help text and each command's examples.

Typer escapes ``[default: …]`` as ``\\[default: …]`` for rich even when rich is not used for
the help, so the formatter here takes the escape out again.
"""

from __future__ import annotations

import click

TOP_HELP = """Search your company's Gong call transcripts locally.

`gong-search QUERY [OPTIONS]` is short for `gong-search search QUERY [OPTIONS]`.

\b
Examples:
  gong-search demo          try it on a simulated tenant
  gong-search check         test the Gong credentials
  gong-search sync          pull the last 90 days, later only new calls
  gong-search "pricing objection" --customer --from 30d

\b
Exit codes: 0 done (search: hits), 1 an answer (no hits; sync skipped calls),
2 bad input or an error to fix, 3 a bug (see the error log), 130 Ctrl-C.
Colour: --color auto|always|never (NO_COLOR and FORCE_COLOR are honoured).
Completion: eval "$(gong-search completion bash)" (or zsh, fish).
"""


class HelpFormatter(click.HelpFormatter):
    """click's formatter, minus Typer's rich escape of ``[``."""

    def write_dl(self, rows, col_max: int = 30, col_spacing: int = 2) -> None:
        rows = [(term, text.replace("\\[", "[")) for term, text in rows]
        super().write_dl(rows, col_max, col_spacing)


class HelpContext(click.Context):
    formatter_class = HelpFormatter


def use_plain_help(command: click.Command) -> click.Command:
    """Give ``command`` (and so its ``--help``) the 80-column plain formatter."""
    command.context_class = HelpContext
    return command
