"""Per-document values every match reads, as one array per segment, read once per reader.

Ranking a match reads its field length (BM25) and its call's start (the tie order); the
``--customer``/``--internal`` filter reads its affiliation. Whoosh reads each through a
column reader, one seek and one ``struct`` unpack per document: at 3M sentences the
first two were about half the cost of a common word (3.6 us per match). These columns
are fixed-width, so a segment's whole column is one read and one array (1 byte a
document for a length or an affiliation, 8 for a start); like posting lists
(:mod:`.postings`) they live as long as their reader: segments never change.
"""

from __future__ import annotations

import sys
from array import array
from weakref import WeakKeyDictionary

from whoosh.codec.whoosh3 import LENGTHS_COLUMN, _lenfield
from whoosh.columns import NumericColumn, RefBytesColumn

_KEPT: WeakKeyDictionary = WeakKeyDictionary()  # reader -> {column name: array}


def length_bytes(reader, fieldname: str) -> array:
    """Each document's length in ``fieldname`` as the one byte Whoosh stores (decode
    with ``whoosh.util.numeric.byte_to_length``; 0 for none)."""
    name = _lenfield(fieldname)
    perdoc = reader._perdoc
    return _kept(reader, name, lambda: perdoc._cached_reader(name, LENGTHS_COLUMN))


def call_starts(reader) -> array:
    """Each document's call start, in the column's own sortable form: ordered as the
    start times are, which is all the tie order needs."""
    return _kept(reader, "started", lambda: reader.column_reader("started")._reader)


def value_codes(reader, fieldname: str) -> tuple[array, list[str]]:
    """(each document's value as an index into the list, the list) for a field kept in a
    column of few distinct values (Whoosh's ``RefBytesColumn``). A segment without the
    column (none of its documents has the field) reads as every document valueless."""
    column = reader.column_reader(fieldname, translate=False) if reader.doc_count_all() else None
    if not isinstance(column, RefBytesColumn.Reader):
        return array("B", bytes(reader.doc_count_all())), [""]
    values = [v.decode("utf-8") for v in column._uniques]
    return _kept(reader, fieldname, lambda: column), values


def _kept(reader, name: str, column_reader) -> array:
    if not reader.doc_count_all():  # an empty index's reader has no columns at all
        return array("B")
    kept = _KEPT.setdefault(reader, {})
    if name not in kept:
        kept[name] = _read_column(column_reader(), reader.doc_count_all())
    return kept[name]


def _read_column(column, doccount: int) -> array:
    """A numeric column's values for every document, read as one block of bytes (the
    column stores them big-endian, and none past the last document that has one)."""
    if column is None:
        return array("B", bytes(doccount))
    if isinstance(column, RefBytesColumn.Reader):  # an index into its unique values each
        stored = column._dbfile.get(column._basepos, doccount * column._itemsize)
        values = array(column._typecode, stored)
        if sys.byteorder == "little" and values.itemsize > 1:
            values.byteswap()
        return values
    if not isinstance(column, NumericColumn.Reader):  # none in this segment: its default
        return array("Q", (column[n] for n in range(doccount)))
    stored = column._dbfile.get(column._basepos, column._count * column._fixedlen)
    values = array(column._typecode, stored)
    if sys.byteorder == "little" and values.itemsize > 1:
        values.byteswap()
    values.extend([column._default] * (doccount - len(values)))
    return values
