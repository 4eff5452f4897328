"""Filters as non-scoring ``filter`` clauses on sentence and note documents.

Every document of a call carries the call's fields (see :mod:`.mapping`), so a per-call
filter (account, deal, stage, participant, date, duration...) is one clause on the
matching documents themselves, where the Whoosh engine resolves it on call documents
first. A filter this module does not translate is refused with one line, never dropped.
"""

from __future__ import annotations

from dataclasses import fields

from ...engine import Filters
from ...errors import QueryError
from ...gong.call_content import NOTE_KINDS

DOCUMENTS = {"terms": {"kind": ["sentence", *NOTE_KINDS]}}  # what a search can return

# Filters field -> the indexed field whose keys it lists ("any of these")
KEY_FILTERS = {
    "speaker_keys": "speaker_key",
    "affiliations": "affiliation",
    "call_ids": "call_id",
    "hosts": "host",
    "accounts": "account",
    "deals": "deal",
    "stages": "stage",
    "stages_now": "stage_now",
    "participants": "participant",
    "trackers": "trackers",
    "scopes": "scope",
    "directions": "direction",
    "languages": "language",
    "workspaces": "workspace",
    "outcomes": "outcome",
}
# translated here or (``within``: which text fields) by the query plan
HANDLED = {*KEY_FILTERS, "title", "start", "end", "min_duration", "max_duration", "within"}
# Gong tracker rules read from the stored sentence by the Whoosh engine: refused here (with
# the one line of :func:`refuse_unhandled`) until the mapping indexes what they test
NOT_YET = {"questions", "said_first_ms", "exact_words"}


def refuse_unhandled(filters: Filters) -> None:
    """A filter this engine does not know yet is refused, never silently dropped (that
    would widen the answer)."""
    unknown = [
        f.name
        for f in fields(filters)
        if f.name not in HANDLED and getattr(filters, f.name) != f.default
    ]
    if unknown:
        raise QueryError(f"the OpenSearch engine cannot filter by {', '.join(unknown)} yet")


def filter_clauses(filters: Filters, call_filters: list[dict]) -> list[dict]:
    """Every filter as a non-scoring clause on sentence and note documents."""
    refuse_unhandled(filters)
    found: list[dict] = [DOCUMENTS, *call_filters]
    for name, field in KEY_FILTERS.items():
        values = getattr(filters, name)
        if values:
            found.append({"terms": {field: list(values)}})  # keys: normalised as indexed
    if filters.title:
        found.append({"match": {"title": {"query": filters.title, "operator": "and"}}})
    if filters.start or filters.end:
        bounds: dict[str, int] = {}
        if filters.start:
            bounds["gte"] = int(filters.start.timestamp())
        if filters.end:
            bounds["lt"] = int(filters.end.timestamp())
        found.append({"range": {"started": bounds}})
    if filters.duration_bounded:
        limits = {"gte": filters.min_duration, "lte": filters.max_duration}
        found.append({"range": {"duration": {k: v for k, v in limits.items() if v is not None}}})
    return found
