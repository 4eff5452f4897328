"""A request's filters resolved for the engine: fuzzy names (speakers, hosts, accounts,
deals, stages, participants, trackers, outcomes) turned into the exact keys the index
holds, and shown back to people (``--show-query``)."""

from __future__ import annotations

from .catalog import Catalog
from .engine import Filters, Searcher
from .errors import QueryError
from .names import resolve_fuzzy, resolve_speakers
from .search_options import SearchOptions

# option -> (the name people read, the indexed field its values are matched against)
FUZZY = {
    "hosts": ("host", "host"),
    "accounts": ("account", "account"),
    "deals": ("deal", "deal"),
    "participants": ("participant", "participant"),
    "trackers": ("tracker", "trackers"),
    "outcomes": ("outcome", "outcome"),
}
EXACT = {  # short codes people type as Gong shows them: case-insensitive, not fuzzy
    "scopes": ("scope", "scope"),
    "directions": ("direction", "direction"),
    "languages": ("language", "language"),
    "workspaces": ("workspace", "workspace"),
}


def resolve_filters(
    options: SearchOptions, catalog: Catalog, engine: Searcher
) -> tuple[Filters, list[str]]:
    """The engine's filters for ``options``, and who ``--speaker`` matched (for people).
    Vocabularies are read only for the filters given (~15 ms each at 1M sentences)."""
    speaker_keys, matched = resolve_speakers(options.speakers, catalog)
    keys = {
        name: tuple(resolve_fuzzy(kind, getattr(options, name), engine.vocabulary(field)))
        for name, (kind, field) in FUZZY.items()
        if getattr(options, name)
    }
    keys |= {
        name: _exact(kind, getattr(options, name), engine.vocabulary(field))
        for name, (kind, field) in EXACT.items()
        if getattr(options, name)
    }
    stage_field = "stage_now" if options.deal_now else "stage"
    stages = (
        tuple(resolve_fuzzy("deal stage", options.stages, engine.vocabulary(stage_field)))
        if options.stages
        else ()
    )
    filters = Filters(
        speaker_keys=tuple(speaker_keys),
        affiliations=options.affiliation_filter(),
        start=options.start,
        end=options.end,
        call_ids=options.call_ids,
        title=options.title,
        stages=() if options.deal_now else stages,
        stages_now=stages if options.deal_now else (),
        min_duration=_seconds(options.min_duration),
        max_duration=_seconds(options.max_duration, end_of_minute=True),
        within=options.within,
        questions=options.questions,
        said_first_ms=None if options.said_first is None else options.said_first * 60_000,
        exact_words=tuple(w for w in options.exact_words if w.strip()),
        **keys,
    )
    return filters, matched


def _exact(kind: str, wanted: tuple[str, ...], vocabulary: list[str]) -> tuple[str, ...]:
    known = {v.lower() for v in vocabulary}
    for value in wanted:
        if value.lower() not in known:
            listed = ", ".join(sorted(known)) or "none indexed"
            raise QueryError(f"no {kind} {value!r} in the index (known: {listed})")
    return tuple(v.lower() for v in wanted)


def _seconds(minutes: int | None, end_of_minute: bool = False) -> int | None:
    """Minutes as typed -> the seconds Gong counts; "at most 30 minutes" keeps 30:59."""
    if minutes is None:
        return None
    return minutes * 60 + (59 if end_of_minute else 0)


def filter_lines(filters: Filters) -> list[str]:
    """The filters besides the query text, one line each (speakers are listed by name)."""
    shown = {
        "affiliation": ", ".join(filters.affiliations),
        "from": filters.start.isoformat() if filters.start else "",
        "to (before)": filters.end.isoformat() if filters.end else "",
        "call": ", ".join(filters.call_ids),
        "title words": filters.title or "",
        "host": ", ".join(filters.hosts),
        "account": ", ".join(filters.accounts),
        "deal": ", ".join(filters.deals),
        "stage at the call": ", ".join(filters.stages),
        "stage now": ", ".join(filters.stages_now),
        "participant": ", ".join(filters.participants),
        "tracker": ", ".join(filters.trackers),
        "scope": ", ".join(filters.scopes),
        "direction": ", ".join(filters.directions),
        "language": ", ".join(filters.languages),
        "workspace": ", ".join(filters.workspaces),
        "outcome": ", ".join(filters.outcomes),
        "min seconds": "" if filters.min_duration is None else str(filters.min_duration),
        "max seconds": "" if filters.max_duration is None else str(filters.max_duration),
        "in": "" if filters.within == "transcript" else filters.within,
        "question": "yes" if filters.questions else "",
        "said before ms": "" if filters.said_first_ms is None else str(filters.said_first_ms),
        "exact words": ", ".join(filters.exact_words),
    }
    return [f"filter {name}: {value}" for name, value in shown.items() if value]
