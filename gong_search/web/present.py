"""What the templates need beyond escaping: highlighted text, safe links, speaker colours.

Jinja escapes every value (autoescape is on for every template); the only markup built in
Python is here, and each piece of transcript text in it is escaped first.
"""

from __future__ import annotations

import zlib
from collections.abc import Sequence
from typing import Any
from urllib.parse import urlsplit

from markupsafe import Markup, escape

SPEAKER_COLOURS = 8
# CallView JSON keys the header shows in its own way; any other key (account, deal,
# trackers, brief... as the library adds them) is shown as a fact by itself.
SHOWN_APART = {"schema_version", "call_id", "title", "url", "started", "sentences", "parties"}


def highlighted(text: str, spans: Sequence[tuple[int, int]]) -> Markup:
    """``text`` escaped, with each matched span in ``<mark>``."""
    out: list[str] = []
    at = 0
    for start, end in sorted(spans):
        if start < at or end <= start:
            continue  # overlapping or empty spans: never cut a character twice
        out += [escape(text[at:start]), Markup("<mark>"), escape(text[start:end])]
        out.append(Markup("</mark>"))
        at = end
    out.append(escape(text[at:]))
    return Markup("").join(out)


def safe_href(url: str | None) -> str | None:
    """A link only to http(s): a ``javascript:`` or ``data:`` URL from Gong stays text."""
    if not url:
        return None
    parts = urlsplit(url.strip())
    return url.strip() if parts.scheme.lower() in ("http", "https") and parts.netloc else None


def speaker_colour(name: str) -> int:
    """The same speaker has the same colour on every page (a stable hash of the name)."""
    return zlib.crc32(name.encode("utf-8", "replace")) % SPEAKER_COLOURS


def call_facts(call_json: dict[str, Any]) -> list[tuple[str, str]]:
    """(label, text) for the call's header, from its JSON: whatever the library provides."""
    facts = []
    for key, value in call_json.items():
        if key in SHOWN_APART or value in (None, "", [], {}):
            continue
        facts.append((key.replace("_", " ").capitalize(), _as_text(key, value)))
    return facts


def _as_text(key: str, value: Any) -> str:
    if key == "duration" and isinstance(value, int):
        minutes, seconds = divmod(value, 60)
        return f"{minutes} min {seconds:02d} s"
    if isinstance(value, list):
        return ", ".join(_as_text(key, v) for v in value)
    if isinstance(value, dict):  # a deal, a tracker: its name, then the rest in brackets
        name = value.get("name") or ""
        rest = [f"{k.replace('_', ' ')} {v}" for k, v in value.items() if k != "name" and v]
        return f"{name} ({', '.join(rest)})" if name and rest else name or ", ".join(rest)
    return str(value)
