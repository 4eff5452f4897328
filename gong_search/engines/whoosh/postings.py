"""A term's live documents in one segment, and how often each holds it, decoded once per
reader.

Whoosh 2.7 stores a posting list as blocks, each a pickled, zlib-compressed array: at 1M
sentences a common word is ~800 blocks, ~150 ms to decode, every time. Counting, facets,
scoring and the all-words tier read the same common terms again and again in a
long-lived process (the MCP server, the search page, a benchmark's warm runs), so the
decoded ids and term frequencies are kept per segment reader, as compact arrays (8 bytes
a posting), least recently used first out, within :data:`MAX_IDS` per reader. Segments
are immutable and a reader sees one fixed set of deletions, so a kept list never goes
stale; it goes with its reader.
"""

from __future__ import annotations

from array import array
from collections import OrderedDict
from collections.abc import Set as AbstractSet
from weakref import WeakKeyDictionary

from whoosh.matching.wrappers import FilterMatcher

MAX_IDS = 4_000_000  # per reader: 32 MB of postings, several common words of a 10M index
_KEPT: WeakKeyDictionary = WeakKeyDictionary()  # reader -> OrderedDict[(field, text), Postings]
Postings = tuple[array, array]  # ascending document numbers, and the term's weight in each


def segment_postings(reader, fieldname: str, text: str) -> array:
    """The term's live document numbers in ``reader``'s segment, ascending."""
    return segment_weights(reader, fieldname, text)[0]


def segment_weights(reader, fieldname: str, text: str) -> Postings:
    """The term's live document numbers in ``reader``'s segment, ascending, and beside
    each its weight there (the term frequency: what BM25 reads as ``tf``)."""
    kept = _KEPT.setdefault(reader, OrderedDict())
    key = (fieldname, text)
    if key in kept:
        kept.move_to_end(key)
        return kept[key]
    found = kept[key] = _decode(reader, fieldname, text)
    total = sum(len(ids) for ids, _weights in kept.values())
    while total > MAX_IDS and len(kept) > 1:
        total -= len(kept.popitem(last=False)[1][0])
    return found


def _decode(reader, fieldname: str, text: str) -> Postings:
    """A posting block at a time: Whoosh 2.7's leaf matcher yields ids one Python call
    each (~4 us); its blocks hold them as arrays, read here directly (pinned
    whoosh-reloaded 2.7.5; any other matcher takes the slow, general path). Deleted
    documents are left out as the reader's own ``postings`` filter would."""
    matcher = reader.postings(fieldname, text)
    deleted: AbstractSet[int] = frozenset()
    if isinstance(matcher, FilterMatcher):
        matcher, deleted = matcher.child, reader.deleted_docs_set
    ids, weights = array("i"), array("f")
    if not hasattr(matcher, "_read_ids"):
        for docnum in matcher.all_ids():
            ids.append(docnum)
            weights.append(matcher.weight())
    else:
        while matcher.is_active():
            matcher._read_ids()
            matcher._read_weights()
            ids.extend(matcher._ids)
            weights.extend(matcher._weights)
            matcher._next_block()
    if deleted:
        live = [n for n, docnum in enumerate(ids) if docnum not in deleted]
        ids, weights = array("i", (ids[n] for n in live)), array("f", (weights[n] for n in live))
    return ids, weights
