"""Every search example in README.md, as CLI arguments: what the OpenSearch equivalence
test runs on both engines (so a new README example is checked without editing a list).

Found in three places: ``gong-search ...`` lines in code blocks and in inline code, the
query-language table's "you type" column, and inline code that uses a query field
(``pricing deal:"globex renewal 2026"``). Options that only choose a page or a format are
dropped (the test asks for its own); ``CALL_ID``/``<id>`` stand for a real call's id.
"""

from __future__ import annotations

import re
import shlex
from pathlib import Path

import typer.main

from gong_search.cli import app
from gong_search.query_language import FIELDS

README = Path(__file__).resolve().parent.parent / "README.md"
# options that choose a page, a format or a target (each takes a value), and flags
PAGE_OPTIONS = set("-n --limit --offset -f --format -o --output --csv --engine".split())
PAGE_OPTIONS |= {"--opensearch-url", "--index"}
PAGE_FLAGS = {"--count", "--bom", "--no-bom", "--show-query"}
CALL_PLACEHOLDERS = ("CALL_ID", "<id>")
_FIELD_USE = re.compile(rf"(?:^|\s)(?:{'|'.join(FIELDS)}):\S")


def search_examples(call_id: str) -> list[list[str]]:
    """Each distinct search in the README (arguments after ``gong-search``)."""
    found: dict[str, list[str]] = {}
    for line in _commands() + _typed_queries():
        args = _search_args(line, call_id)
        if args:
            found.setdefault(shlex.join(args), args)
    return list(found.values())


def show_examples(call_id: str) -> list[list[str]]:
    """The README's ``gong-search show`` examples with a call id (``--summary`` ...)."""
    shown = []
    for line in _commands():
        words = _words(line, call_id)
        if words[:1] == ["show"] and call_id in words:
            shown.append(words)
    return shown


def _commands() -> list[str]:
    """Everything after ``gong-search`` in code blocks and inline code."""
    text = README.read_text(encoding="utf-8")
    lines = []
    for block in re.findall(r"^```\w*\n(.*?)^```", text, flags=re.S | re.M):
        prompt = "$ " if "\n$ " in f"\n{block}" else ""  # a transcript: commands, output
        for line in block.splitlines():
            if line.startswith(f"{prompt}gong-search "):
                lines.append(line.removeprefix(f"{prompt}gong-search "))
    prose = re.sub(r"^```.*?^```", "", text, flags=re.S | re.M)
    lines += [span.removeprefix("gong-search ") for span in _spans(prose)
              if span.startswith("gong-search ")]  # fmt: skip
    return lines


def _typed_queries() -> list[str]:
    """The query-language table's first column, and inline queries using a field."""
    text = README.read_text(encoding="utf-8")
    table = text[text.index("### Query language") : text.index("### Options")]
    typed = [span for row in table.splitlines() if row.startswith("| `")
             for span in _spans(row.split(" | ")[0])]  # fmt: skip
    prose = re.sub(r"^```.*?^```", "", text, flags=re.S | re.M)
    typed += [s for s in _spans(prose) if _FIELD_USE.search(s) and "gong-search" not in s]
    return [t if t.startswith("--") else shlex.quote(t) for t in typed]


def _spans(text: str) -> list[str]:
    return re.findall(r"`([^`\n]+)`", text)


def _words(line: str, call_id: str) -> list[str]:
    line = re.split(r"\s+#\s|\s\\?\|\s|\s>", line)[0]  # no comment, pipe, redirection
    for placeholder in CALL_PLACEHOLDERS:
        line = line.replace(placeholder, call_id)
    try:
        return shlex.split(line)
    except ValueError:  # not a command line (a fragment of prose)
        return []


def _search_args(line: str, call_id: str) -> list[str]:
    words = _words(line, call_id)
    commands = set(typer.main.get_command(app).commands)  # type: ignore[attr-defined]
    placeholders = {"QUERY", "--help", "--version"}
    if not words or words[0] in commands - {"search"} or placeholders & set(words):
        return []
    words = words[1:] if words[0] == "search" else words
    args: list[str] = []
    skip = False
    for word in words:
        if skip:
            skip = False
        elif word in PAGE_OPTIONS:
            skip = True
        elif word not in PAGE_FLAGS:
            args.append(word)
    return args
