"""The search request: :class:`SearchOptions`, every option besides the query, validated
when it is built, so a bad value is the same one-line :class:`QueryError` whether it came
from the CLI, a script, a URL query string or an MCP call.
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime

from . import model
from .engine import FACETS, WITHIN
from .errors import QueryError
from .model import option

MODES = ("default", "all", "any", "literal")
AFFILIATIONS = ("internal", "external", "unknown")
SORTS = ("relevance", "date")
MAX_QUERY_CHARS = 2_000  # also for --title


@dataclass(frozen=True)
class SearchOptions(model.Request):
    """Everything ``search`` accepts besides the query: filters, paging, context."""

    error = QueryError  # what a bad value raises (exit 2, a tool error)

    mode: str = option(
        "default", "How words combine: default (syntax), all, any, or literal.", choices=MODES
    )
    fuzzy: bool = option(False, "Typo-tolerant words.")
    speakers: tuple[str, ...] = option(
        (), "Said by (fuzzy name or email; repeatable).", flag="--speaker"
    )
    customer: bool = option(False, "Not said by internal speakers.", flag="--customer")
    internal: bool = option(False, "Said by internal speakers.", flag="--internal")
    affiliations: tuple[str, ...] = option(
        (), "internal, external or unknown.", flag="--affiliation", choices=AFFILIATIONS
    )
    start: datetime | None = option(
        None, "Calls starting on/after (2026-01-05, 7d, yesterday, last week).", flag="--from"
    )
    end: datetime | None = option(None, "Calls starting before (exclusive).", flag="--to")
    call_ids: tuple[str, ...] = option((), "Only this call id (repeatable).", flag="--call")
    title: str | None = option(None, "Call title contains these words.", flag="--title")
    hosts: tuple[str, ...] = option((), "Call host (fuzzy; repeatable).", flag="--host")
    accounts: tuple[str, ...] = option(
        (), "CRM account or customer e-mail domain (fuzzy, e.g. globex).", flag="--account"
    )
    deals: tuple[str, ...] = option((), "CRM deal (opportunity) name (fuzzy).", flag="--deal")
    stages: tuple[str, ...] = option(
        (), "Deal stage at the time of the call (fuzzy).", flag="--stage"
    )
    deal_now: bool = option(False, "--stage means the deal's stage now.", flag="--deal-now")
    trackers: tuple[str, ...] = option(
        (), "Sentences where this tracker fired (fuzzy); alone, lists them.", flag="--tracker"
    )
    participants: tuple[str, ...] = option(
        (), "On the call, spoke or not (fuzzy name or e-mail).", flag="--participant"
    )
    scopes: tuple[str, ...] = option((), "Internal, External or Unknown.", flag="--scope")
    directions: tuple[str, ...] = option(
        (), "Inbound, Outbound, Conference or Unknown.", flag="--direction"
    )
    languages: tuple[str, ...] = option((), "Call language code, e.g. eng, spa.", flag="--language")
    workspaces: tuple[str, ...] = option((), "Gong workspace id.", flag="--workspace")
    outcomes: tuple[str, ...] = option((), "Call outcome (fuzzy).", flag="--outcome")
    min_duration: int | None = option(
        None, "Calls at least this many minutes long.", flag="--min-duration", minimum=0
    )
    max_duration: int | None = option(
        None, "Calls at most this many minutes long.", flag="--max-duration", minimum=0
    )
    questions: bool = option(False, "Only sentences that are questions.", flag="--question")
    said_first: int | None = option(
        None,
        "Only sentences said in the call's first N minutes.",
        flag="--first-minutes",
        minimum=0,
    )
    exact_words: tuple[str, ...] = option(
        (),
        "Sentence has this word or phrase as written: no other word forms (repeatable).",
        flag="--exact",
    )
    within: str = option(
        "transcript",
        "Search transcript, summary (brief, key points, highlights, outline), comments or all.",
        flag="--in",
        choices=WITHIN,
    )
    facets: tuple[str, ...] = option(
        (), "Count matches per value: " + ", ".join(FACETS) + ".", flag="--facet", choices=FACETS
    )
    sort: str = option(
        "relevance", "relevance or date (newest first).", flag="--sort", choices=SORTS
    )
    limit: int = option(20, "Hits to show (0 = all).", flag="--limit", minimum=0)
    offset: int = option(0, "Skip this many hits (paging).", flag="--offset", minimum=0)
    per_call: int | None = option(None, "At most N hits per call.", flag="--per-call", minimum=0)
    before: int = option(0, "Sentences of context before.", flag="--before", minimum=0)
    after: int = option(0, "Sentences of context after.", flag="--after", minimum=0)
    highlight: bool = option(True, "Character spans of matched words (only the table shows them).")

    def __post_init__(self) -> None:
        """Reject a bad request before any work: per-field rules, then the cross-field ones."""
        if isinstance(self.affiliations, tuple | list):  # a str is refused as such below
            lowered = tuple(str(a).lower() for a in self.affiliations)
            object.__setattr__(self, "affiliations", lowered)
        if isinstance(self.facets, tuple | list):  # --facet account,speaker
            names = tuple(n.strip().lower() for f in self.facets for n in str(f).split(","))
            object.__setattr__(self, "facets", tuple(dict.fromkeys(n for n in names if n)))
        model.check_fields(self, QueryError)
        low, high = self.min_duration, self.max_duration
        if low is not None and high is not None and high < low:
            raise QueryError("--max-duration must be at least --min-duration")
        if self.customer and self.internal:
            raise QueryError("--customer and --internal exclude each other")
        if self.title is not None:
            within_bounds("--title", self.title)
        for phrase in self.exact_words:
            within_bounds("--exact", phrase)
        if self.start and self.end and _not_after(self.end, self.start):
            raise QueryError("--to must be after --from")

    def affiliation_filter(self) -> tuple[str, ...]:
        """The affiliations to keep: ``--customer`` includes dial-ins without one."""
        chosen = set(self.affiliations)
        if self.customer:
            chosen |= {"external", "unknown"}
        if self.internal:
            chosen.add("internal")
        return tuple(sorted(chosen))


def within_bounds(what: str, text: str) -> None:
    """Queries are typed (or written by an agent), not pasted documents: a bound keeps the
    parser's work small (its field regex is quadratic in one token's length)."""
    if len(text) > MAX_QUERY_CHARS:
        raise QueryError(
            f"{what} is {len(text):,} characters long; at most {MAX_QUERY_CHARS:,} "
            "(search for a few distinctive words or a short phrase)"
        )


def _not_after(end: datetime, start: datetime) -> bool:
    try:
        return end <= start
    except TypeError:  # one has a time zone, the other not: which is later is unknown
        raise QueryError("--from and --to must both have a time zone, or neither") from None
