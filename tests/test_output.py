"""The output layer: one JSON encoder, and every command's answer written through it."""

from __future__ import annotations

import io
import json
from pathlib import Path

import pytest

from gong_search.export import dumps, write_jsonl
from gong_search.output import emit
from gong_search.search import Count

from .conftest import cli
from .crafted import C2

HOSTILE = "é 🙂 \udc80 lone, \x00 nul, \x1b[31m escape, \x9b csi, \x7f del, \u2028 separator"


def test_json_is_readable_utf8_yet_valid_for_any_transcript_text() -> None:
    text = dumps({"text": HOSTILE})
    assert json.loads(text) == {"text": HOSTILE}
    text.encode("utf-8")  # no lone surrogate left to fail on
    assert "é 🙂" in text  # people read JSONL in pipes: no \\u escapes for letters
    assert not any(c in text for c in "\x00\x1b\x9b\x7f\u2028")


def test_jsonl_lines_stay_one_line_each_whatever_the_text() -> None:
    out = io.StringIO()
    assert write_jsonl([{"text": HOSTILE}, {"text": "a\nb"}], out) == 2
    lines = out.getvalue().splitlines()
    assert [json.loads(line)["text"] for line in lines] == [HOSTILE, "a\nb"]


@pytest.mark.parametrize(
    "args",
    [
        ("pricing", "-f", "json"),
        ("pricing", "--count", "-f", "json"),
        ("show", C2, "-f", "json"),
        ("speakers", "-f", "json"),
        ("status", "-f", "json"),
    ],
)
def test_every_json_document_carries_a_schema_version(crafted_index: Path, args) -> None:
    result = cli(*args, "--index", str(crafted_index))
    assert json.loads(result.stdout)["schema_version"] == 1, result.stderr


def test_emit_writes_a_result_to_a_file_in_the_chosen_format(tmp_path: Path) -> None:
    target = tmp_path / "count.json"
    emit(Count(sentences=3, calls=2), "json", target)
    assert json.loads(target.read_text()) == {"schema_version": 1, "sentences": 3, "calls": 2}
    emit(Count(sentences=3, calls=2), "jsonl", target)
    assert target.read_text().count("\n") == 1


@pytest.mark.parametrize("command", [("show", C2), ("speakers",), ("status",), ("pricing",)])
def test_an_unknown_format_is_a_usage_error_on_every_command(crafted_index, command) -> None:
    result = cli(*command, "--index", str(crafted_index), "-f", "xml")
    assert result.exit_code == 2
