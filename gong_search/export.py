"""Machine formats: the one JSON encoder, JSONL, and spreadsheet-safe CSV for hits.

JSON is UTF-8 text people can read in pipes and pagers (``ensure_ascii=False``), yet valid
whatever the transcript holds: JSON escapes C0 control characters itself, and :func:`dumps`
escapes the rest that would harm: lone surrogates (UTF-8 cannot encode them), DEL and C1
controls (terminals act on them) and U+2028/U+2029 (JavaScript line breaks). CSV cells that
a spreadsheet would evaluate as a formula are neutralised with a leading apostrophe.
"""

from __future__ import annotations

import csv
import json
import re
from collections.abc import Iterable
from typing import Any, TextIO

from .dates import local
from .search import SCHEMA_VERSION, ContextSentence, Hit, SearchResult, facets_json

HIT_FIELDS = (
    "call_id",
    "call_title",
    "call_url",
    "call_started",
    "speaker_name",
    "speaker_email",
    "affiliation",
    "start_ms",
    "end_ms",
    "at",
    "text",
    "score",
    "context_before",
    "context_after",
    "all_words",  # added after the others, so column positions did not move
    "kind",  # transcript, or a note: brief, key_point, highlight, outline, comment
    "trackers",
    "at_seconds",  # a number: spreadsheets read `at` ("2:29") as a clock time
    "call_started_local",  # a date-time spreadsheets recognise, in the display zone
)
_UNSAFE = re.compile("[\x7f-\x9f\ud800-\udfff\u2028\u2029]")
# Spreadsheets also start a formula at the full-width (and small) forms of = + - @, which
# Japanese and Chinese input methods type: U+FF1D, U+FF0B, U+FF0D, U+FF20, U+FE66, U+FE62, U+FE63.
_FORMULA_START = (
    *("=", "+", "-", "@", "\t", "\r"),
    *("\uff1d", "\uff0b", "\uff0d", "\uff20"),  # full width
    *("\ufe66", "\ufe62", "\ufe63"),  # small forms
)


def hit_json(hit: Hit) -> dict[str, Any]:
    return {
        "call_id": hit.call_id,
        "call_title": hit.call_title,
        "call_url": hit.call_url,
        "call_started": hit.call_started.isoformat(),
        "speaker_name": hit.speaker_name,
        "speaker_email": hit.speaker_email,
        "affiliation": hit.affiliation,
        "start_ms": hit.start_ms,
        "end_ms": hit.end_ms,
        "at": hit.at,
        "text": hit.text,
        "score": hit.score,
        "all_words": hit.all_words,
        "kind": hit.kind,
        "trackers": list(hit.trackers),
        "heading": hit.heading,
        "context_before": [_context_json(c) for c in hit.context_before],
        "context_after": [_context_json(c) for c in hit.context_after],
    }


def _context_json(c: ContextSentence) -> dict[str, Any]:
    return {"speaker_name": c.speaker_name, "at": c.at, "start_ms": c.start_ms, "text": c.text}


def result_json(result: SearchResult) -> dict[str, Any]:
    return {
        "schema_version": SCHEMA_VERSION,
        "query": result.query,
        "total": result.total,
        "total_all_words": result.total_all_words,
        "total_exact": result.total_exact,
        "matched_speakers": result.matched_speakers,
        "offset": result.offset,
        "truncated": result.truncated,
        "next_offset": result.next_offset,
        **({"facets": facets_json(result.facets)} if result.facets else {}),
        "hits": [hit_json(h) for h in result.hits],
    }


def dumps(value: Any, indent: int | None = None) -> str:
    """Every JSON document and line the program writes goes through here (see above)."""
    text = json.dumps(value, ensure_ascii=False, indent=indent)
    return _UNSAFE.sub(lambda m: f"\\u{ord(m.group()):04x}", text)


def write_json(result: SearchResult, out: TextIO, hits: Iterable[Hit] | None = None) -> int:
    """One JSON document, its hits written one at a time (an export may hold 100,000);
    ``hits`` defaults to the result's own. Returns how many were written."""
    document = result_json(result)
    del document["hits"]  # the last key: written below, a hit at a time
    head = dumps(document, indent=2)
    out.write(head[: -len("\n}")] + ',\n  "hits": [')
    written = 0
    for hit in result.hits if hits is None else hits:
        each = dumps(hit_json(hit), indent=2).replace("\n", "\n    ")  # as if nested
        out.write(("," if written else "") + "\n    " + each)
        written += 1
    out.write("\n  ]\n}\n" if written else "]\n}\n")
    return written


def write_jsonl(rows: Iterable[dict[str, Any]], out: TextIO) -> int:
    written = 0
    for row in rows:
        out.write(dumps(row) + "\n")
        written += 1
    return written


def safe_cell(value: Any) -> Any:
    """Neutralise cells a spreadsheet would run as a formula (CSV injection)."""
    if isinstance(value, str) and value.startswith(_FORMULA_START):
        return "'" + value
    return value


def write_csv(hits: Iterable[Hit], out: TextIO) -> int:
    """One row per hit, the JSON columns; context joined as ``speaker: text`` lines.
    Returns how many hits were written."""
    writer = csv.writer(out)
    writer.writerow(HIT_FIELDS)
    written = 0
    for hit in hits:
        written += 1
        row = hit_json(hit)
        row["at_seconds"] = hit.start_ms // 1000 if hit.at else ""  # notes have no moment
        row["call_started_local"] = f"{local(hit.call_started):%Y-%m-%d %H:%M:%S}"
        for key in ("context_before", "context_after"):
            row[key] = "\n".join(f"{c['speaker_name']}: {c['text']}" for c in row[key])
        row["trackers"] = "; ".join(row["trackers"])
        writer.writerow([safe_cell(row[name]) for name in HIT_FIELDS])
    return written
