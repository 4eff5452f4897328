"""A term's live documents in one segment, decoded once per reader.

Whoosh 2.7 stores a posting list as blocks, each a pickled, zlib-compressed array: at 1M
sentences a common word is ~800 blocks, ~150 ms to decode, every time. Counting, facets
and the all-words tier read the same common terms again and again in a long-lived process
(the MCP server, the search page, a benchmark's warm runs), so the decoded ids are kept
per segment reader, as compact arrays (4 bytes an id), least recently used first out,
within :data:`MAX_IDS` per reader. Segments are immutable and a reader sees one fixed set
of deletions, so a kept list never goes stale; it goes with its reader.
"""

from __future__ import annotations

from array import array
from collections import OrderedDict
from collections.abc import Set as AbstractSet
from weakref import WeakKeyDictionary

from whoosh.matching.wrappers import FilterMatcher

MAX_IDS = 4_000_000  # per reader: 16 MB of ids, several common words of a 10M index
_KEPT: WeakKeyDictionary = WeakKeyDictionary()  # reader -> OrderedDict[(field, text), array]


def segment_postings(reader, fieldname: str, text: str) -> array:
    """The term's live document numbers in ``reader``'s segment, ascending."""
    kept = _KEPT.setdefault(reader, OrderedDict())
    key = (fieldname, text)
    if key in kept:
        kept.move_to_end(key)
        return kept[key]
    ids = array("i", sorted(_decode(reader, fieldname, text)))
    kept[key] = ids
    total = sum(len(v) for v in kept.values())
    while total > MAX_IDS and len(kept) > 1:
        total -= len(kept.popitem(last=False)[1])
    return ids


def _decode(reader, fieldname: str, text: str) -> set[int]:
    """A posting block at a time: Whoosh 2.7's leaf matcher yields ids one Python call
    each (~4 us); its blocks hold them as arrays, read here directly (pinned
    whoosh-reloaded 2.7.5; any other matcher takes the slow, general path). Deleted
    documents are subtracted as the reader's own ``postings`` filter would."""
    matcher = reader.postings(fieldname, text)
    deleted: AbstractSet[int] = frozenset()
    if isinstance(matcher, FilterMatcher):
        matcher, deleted = matcher.child, reader.deleted_docs_set
    if not hasattr(matcher, "_read_ids"):
        return set(matcher.all_ids()) - deleted
    found: set[int] = set()
    while matcher.is_active():
        if matcher._ids is None:
            matcher._read_ids()
        found.update(matcher._ids)
        matcher._next_block()
    return found - deleted
