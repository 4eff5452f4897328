"""Text for people: the one sanitiser for everything printed to a terminal, and plurals.

Participants choose their own display names and meeting titles, and Gong's error messages
are whatever its servers say. Printed raw, a C1 ``CSI`` (U+009B), an OSC hyperlink, a bidi
override or a newline in such a string can recolour the screen, plant a clickable link,
reverse a line or forge a whole search hit. So every string from data reaches the terminal
through :func:`clean`, and only ``https://`` URLs are printed as links (:func:`safe_url`).
Machine formats (JSON, CSV) do not come here: they stay faithful and are escaped there.
"""

from __future__ import annotations

import os
import re
import sys

PLACEHOLDER = "\N{REPLACEMENT CHARACTER}"
_LINE_BREAKS = re.compile(r"[\t\n\v\f\r\x1c-\x1e\x85\u2028\u2029]")
# C0 and DEL, C1, bidi embeddings/overrides/isolates and marks, lone surrogates
_CONTROLS = re.compile(
    r"[\x00-\x1f\x7f-\x9f\u061c\u200e\u200f\u202a-\u202e\u2066-\u2069\ud800-\udfff]"
)
_URL = re.compile(r"https://[^\s\x00-\x1f\x7f-\x9f\u061c\u200e\u200f\u202a-\u202e\u2066-\u2069]+")


def clean(text: str) -> str:
    """``text`` safe to print: line breaks become spaces, other controls a visible mark."""
    return _CONTROLS.sub(PLACEHOLDER, _LINE_BREAKS.sub(" ", text))


def safe_url(url: str) -> str | None:
    """The URL if it is a plain ``https://`` link, else None: print no link at all rather
    than a ``javascript:`` or ``file:`` one a terminal would make clickable."""
    return url if _URL.fullmatch(url) else None


def plural(count: int, noun: str, many: str | None = None) -> str:
    """``1 call``, ``2 calls``, ``1 call has``/``2 calls have`` (``many``). The one place
    counts meet nouns, so no "1 requests" slips through."""
    word = noun if count == 1 else many or noun + "s"
    return f"{count} {word}"


_colour = {"choice": "auto"}


def set_colour(choice: str | None) -> None:
    """``--color``: auto (a terminal gets colour; NO_COLOR/FORCE_COLOR are honoured),
    always (also in pipes, for ``less -R``) or never."""
    _colour["choice"] = choice or "auto"


def colour_settings() -> dict[str, object]:
    """Keyword arguments for a rich Console that follow ``--color``."""
    choice = _colour["choice"]
    if choice == "always":
        return {"force_terminal": True, "color_system": "standard"}
    if choice == "never":
        return {"color_system": None}
    return {}


def stdout_is_for_people() -> bool:
    """Is stdout read by a person? A terminal, or colour forced (``--color always``,
    FORCE_COLOR: ``| less -R``). Then commands default to tables, else to JSON Lines."""
    choice = _colour["choice"]
    if choice == "always":
        return True
    forced = choice == "auto" and bool(os.environ.get("FORCE_COLOR"))
    return forced or sys.stdout.isatty()
