"""The requests of ``calls`` and of a call's transcript window: :class:`CallsOptions` and
:class:`WindowOptions`, each field declared once with :func:`gong_search.model.option`, so the
``calls`` command's options and the MCP tools' input schemas come from one definition.
Light on purpose: the command line imports it for every command's help.
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime

from . import model
from .dates import parse_offset
from .errors import QueryError
from .model import help_of, option
from .search_options import SearchOptions, _not_after

UNITS = ("sentences", "seconds")


@dataclass(frozen=True)
class CallsOptions(model.Request):
    """Which calls to list: a date window, accounts, participants, title words, a page."""

    error = QueryError  # what a bad value raises (exit 2, a tool error)

    start: datetime | None = option(None, help_of(SearchOptions, "start"), flag="--from")
    end: datetime | None = option(None, help_of(SearchOptions, "end"), flag="--to")
    accounts: tuple[str, ...] = option((), help_of(SearchOptions, "accounts"), flag="--account")
    deals: tuple[str, ...] = option((), help_of(SearchOptions, "deals"), flag="--deal")
    participants: tuple[str, ...] = option(
        (), help_of(SearchOptions, "participants"), flag="--participant"
    )
    title: str | None = option(None, "Call title contains these words.", flag="--title")
    limit: int = option(50, "Calls to list, newest first (0 = all).", flag="--limit", minimum=0)
    offset: int = option(0, "Skip this many calls (paging).", flag="--offset", minimum=0)

    def __post_init__(self) -> None:
        model.check_fields(self, QueryError)
        if self.start and self.end and _not_after(self.end, self.start):
            raise QueryError("--to must be after --from")


@dataclass(frozen=True)
class WindowOptions(model.Request):
    """Which part of a call's transcript to read: around a moment, or from its start."""

    error = QueryError  # what a bad value raises (exit 2, a tool error)

    at: str | None = option(None, "Centre on this moment of the call (m:ss, h:mm:ss or seconds).")
    before: int = option(10, "How much to show before `at` (see unit).", minimum=0)
    after: int = option(10, "How much to show after `at` (see unit).", minimum=0)
    unit: str = option("sentences", "Count before/after in sentences or seconds.", choices=UNITS)

    def __post_init__(self) -> None:
        model.check_fields(self, QueryError)
        if self.at is not None:
            parse_offset(self.at)  # a bad time is refused when the request is built
