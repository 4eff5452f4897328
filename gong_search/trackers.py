"""Gong's keyword trackers as saved searches, with Gong's semantics where the index has
them and a note per tracker where it does not (never a silent approximation).

Mapped: keywords and phrases (any of them), per language (``mul``: any language; others:
the call's language, when the index knows call languages), ``includeRelatedForms``
(stemmed matching, the index's own) or exact words (``--exact``), ``affiliation``
Company/NonCompany (``--internal``/``--customer``: external and unknown speakers),
``partOfQuestion`` (``--question``) and ``saidAt`` First N minutes (``--first-minutes``).
Left out with a note: ``saidAt`` Last or in percent (the index keeps no call end beside each
sentence), ``saidInTopics`` and ``filterQuery``. Gong keeps a copy of a tracker per
workspace: identical copies become one saved search, limited to their workspaces unless
they cover all of them.
"""

from __future__ import annotations

from collections.abc import Iterable
from dataclasses import dataclass, replace
from pathlib import Path
from typing import Any

from .engine import open_engine
from .errors import QueryError
from .gong.tracker_settings import KeywordTracker, Workspace
from .query_check import validate_request
from .saved import SCHEMA_VERSION, SavedSearch, existing_catalog, save

AFFILIATION_FIELDS = {"company": {"internal": True}, "noncompany": {"customer": True}}


@dataclass(frozen=True)
class Vocabulary:
    """What the index holds calls of: languages and workspaces (ids, lower case)."""

    languages: frozenset[str]
    workspaces: frozenset[str]


@dataclass(frozen=True)
class Mapped:
    """One tracker (all its identical workspace copies) as a saved search, or skipped."""

    name: str
    tracker: KeywordTracker
    workspaces: tuple[str, ...]
    saved: SavedSearch | None  # None: skipped (the notes say why)
    notes: tuple[str, ...]
    replaced: bool = False

    @property
    def status(self) -> str:
        if self.saved is None:
            return "skipped"
        return "replaced" if self.replaced else "imported"

    def as_json(self) -> dict[str, Any]:
        found: dict[str, Any] = {
            "name": self.name,
            "tracker": self.tracker.name,
            "workspaces": list(self.workspaces),
            "status": self.status,
            "notes": list(self.notes),
        }
        if self.saved is not None:
            found |= {"query": self.saved.query, "options": self.saved.options}
        return found


@dataclass(frozen=True)
class TrackerImport:
    trackers: list[Mapped]

    def as_json(self) -> dict[str, Any]:
        return {"schema_version": SCHEMA_VERSION, "trackers": list(self.json_rows())}

    def json_rows(self) -> Iterable[dict[str, Any]]:
        return (m.as_json() for m in self.trackers)


def import_trackers(index_dir: Path, client: Any) -> TrackerImport:
    """Read Gong's keyword trackers and workspaces, and save each tracker as a search
    (replacing a same-named saved search: a re-import takes Gong's latest rules)."""
    with existing_catalog(index_dir) as catalog:  # no index: no request spent
        trackers, workspaces = client.trackers(), client.workspaces()
        with open_engine(Path(index_dir)).searcher() as engine:
            vocabulary = Vocabulary(
                frozenset(v.lower() for v in engine.vocabulary("language")),
                frozenset(v.lower() for v in engine.vocabulary("workspace")),
            )
        found = []
        for mapped in map_trackers(trackers, workspaces, vocabulary):
            if mapped.saved is not None:
                mapped = replace(mapped, replaced=save(catalog, mapped.saved, True))
            found.append(mapped)
    return TrackerImport(found)


def map_trackers(
    trackers: list[KeywordTracker], workspaces: list[Workspace], vocabulary: Vocabulary
) -> list[Mapped]:
    """Identical copies grouped, each group mapped; same names told apart by workspace."""
    groups: dict[tuple, list[KeywordTracker]] = {}
    for tracker in trackers:
        groups.setdefault(tracker.rules(), []).append(tracker)
    named: dict[str, int] = {}
    for copies in groups.values():
        named[copies[0].name] = named.get(copies[0].name, 0) + 1
    names = {w.id: w.name or w.id for w in workspaces}
    everywhere = {w.id for w in workspaces}
    found = []
    for copies in groups.values():
        ids = tuple(sorted({t.workspace_id for t in copies if t.workspace_id}))
        name = copies[0].name
        if named[name] > 1:
            name = f"{name} ({', '.join(names.get(i, i) for i in ids)})"
        found.append(map_tracker(name, copies[0], ids, set(everywhere), vocabulary))
    return found


def map_tracker(
    name: str,
    tracker: KeywordTracker,
    workspaces: tuple[str, ...],
    everywhere: set[str],
    vocabulary: Vocabulary,
) -> Mapped:
    """One tracker's saved search; every rule left out or approximated is a note."""
    notes: list[str] = []
    keywords = list(dict.fromkeys(k for entry in tracker.languages for k in entry.keywords))
    if not keywords:
        return Mapped(name, tracker, workspaces, None, ("no keywords (a smart tracker?)",))
    options: dict[str, Any] = {}
    skip = _languages(tracker, vocabulary, options, notes) or _workspaces(
        workspaces, everywhere, vocabulary, options
    )
    if skip:
        return Mapped(name, tracker, workspaces, None, (*notes, skip))
    _word_forms(tracker, keywords, options, notes)
    _who(tracker, options, notes)
    _when(tracker, options, notes)
    if tracker.said_in_topics:
        notes.append(f"saidInTopics ({', '.join(tracker.said_in_topics)}) left out: no topics")
    if tracker.filter_query:
        notes.append("filterQuery (a call filter) left out: not mapped")
    query = " OR ".join(_phrase(k) for k in keywords)
    try:
        saved = SavedSearch(name, query, options, note="; ".join(notes), tracker=tracker.name)
        validate_request(query, saved.request())
    except QueryError as exc:
        return Mapped(name, tracker, workspaces, None, (*notes, f"not a valid search: {exc}"))
    return Mapped(name, tracker, workspaces, saved, tuple(notes))


def _phrase(keyword: str) -> str:
    """A keyword as a phrase of the query language (its own quotes cannot nest)."""
    return '"' + " ".join(keyword.replace('"', " ").split()) + '"'


def _languages(
    tracker: KeywordTracker, vocabulary: Vocabulary, options: dict, notes: list[str]
) -> str | None:
    languages = {entry.language for entry in tracker.languages if entry.keywords}
    if "mul" in languages:
        if len(languages) > 1:
            notes.append("keywords of each language are searched in calls of every language")
        return None
    if not vocabulary.languages:
        notes.append(f"the index has no call languages: {', '.join(sorted(languages))} "
                     "keywords are searched in every call")  # fmt: skip
        return None
    indexed = sorted(languages & vocabulary.languages)
    if not indexed:
        return f"no indexed calls in {', '.join(sorted(languages))}"
    if len(languages) > 1:
        notes.append("keywords of each language are searched in calls of any of them")
    options["languages"] = indexed
    return None


def _workspaces(
    workspaces: tuple[str, ...], everywhere: set[str], vocabulary: Vocabulary, options: dict
) -> str | None:
    if not workspaces or set(workspaces) >= everywhere:
        return None  # in every workspace: no filter needed
    indexed = sorted(w for w in workspaces if w.lower() in vocabulary.workspaces)
    if not indexed:
        return f"no indexed calls in its workspace{'s' if len(workspaces) > 1 else ''}"
    options["workspaces"] = indexed
    return None


def _word_forms(
    tracker: KeywordTracker, keywords: list[str], options: dict, notes: list[str]
) -> None:
    forms = {entry.related_forms for entry in tracker.languages if entry.keywords}
    if forms == {False}:
        options["exact_words"] = keywords
    elif len(forms) > 1:
        notes.append("exact and related forms mixed: every keyword matched with related forms")


def _who(tracker: KeywordTracker, options: dict, notes: list[str]) -> None:
    said_by = tracker.affiliation.lower()
    if said_by in AFFILIATION_FIELDS:
        options.update(AFFILIATION_FIELDS[said_by])
    elif said_by not in ("", "anyone"):
        notes.append(f"affiliation {tracker.affiliation!r} not understood: anyone's words count")
    if tracker.part_of_question:
        options["questions"] = True


def _when(tracker: KeywordTracker, options: dict, notes: list[str]) -> None:
    said_at, unit, interval = (
        tracker.said_at.lower(),
        tracker.said_at_unit,
        tracker.said_at_interval,
    )
    if said_at in ("", "anytime"):
        return
    if said_at == "first" and unit in ("", "minutes") and interval is not None and interval >= 0:
        options["said_first"] = interval
        return
    shown = f"saidAt {tracker.said_at} {interval if interval is not None else '?'} {unit}".strip()
    notes.append(f"{shown} left out: the index keeps no call end or length beside a sentence")
