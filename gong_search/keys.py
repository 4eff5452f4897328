"""Keys that names are matched on: one normalisation for speakers, hosts, accounts,
deals and participants, so a name typed with or without accents or capitals matches."""

from __future__ import annotations

import unicodedata


def normalize_name(value: str) -> str:
    """Lowercase, accents folded, whitespace collapsed: the key speakers are matched on."""
    decomposed = unicodedata.normalize("NFKD", value)
    folded = "".join(c for c in decomposed if not unicodedata.combining(c))
    folded = folded.replace("ø", "o").replace("Ø", "o").replace("ł", "l").replace("Ł", "l")
    return " ".join(folded.lower().split())
