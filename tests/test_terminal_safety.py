"""Issue 12.8: names, titles, URLs and server errors cannot drive the terminal.

Participants choose their own display names and meeting titles; a recorded tenant full of
control characters, bidi overrides, newlines and a ``javascript:`` URL is synced through the
simulator and rendered by the real CLI, with colour forced on and off.
"""

from __future__ import annotations

import json
import re
import threading
from collections.abc import Iterator
from datetime import UTC, datetime, timedelta
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from pathlib import Path

import pytest

from .conftest import cli, make_simulator, run_sync

FORGED = "\n2. Forged call  2026-01-01 00:00  at 0:00\n   https://evil.example/login"
HOSTILE = (
    "\x9b2J\x9b31m"  # C1 CSI: clear screen, red
    "\x9d8;;https://evil.example\x9c"  # C1 OSC 8 hyperlink
    "\x1b]8;;https://evil.example\x1b\\"  # ESC OSC 8 hyperlink
    "\x85\u202etxt.exe\u202c\u2066\u2069\u202a\u202b\u202d\r"
)
NAME = f"Mallory{HOSTILE}{FORGED}"
TITLE = f"Quarterly review{HOSTILE}{FORGED}"
INDEX_NAME = "index\u202e\x9b31m\x1b[2J\nforged"  # a path, printed by status
SAFE_CALL, JS_CALL = "2000000000000000001", "2000000000000000002"
URLS = {
    SAFE_CALL: f"https://us-1.app.gong.io/call?id={SAFE_CALL}",
    JS_CALL: "javascript:alert(document.cookie)",
}
# what a terminal would act on: ESC not starting an SGR colour, C0 but newline, C1, bidi
DANGEROUS = re.compile(
    r"\x1b(?!\[[0-9;]*m)|[\x00-\x09\x0b-\x1a\x1c-\x1f\x7f-\x9f\u202a-\u202e\u2066-\u2069]"
)


def write_hostile_tenant(directory: Path) -> Path:
    directory.mkdir(parents=True)
    now = datetime.now(UTC).replace(microsecond=0)
    party = {"speakerId": "1", "name": NAME, "emailAddress": "m@evil.example"}
    calls, transcripts = [], []
    for n, call_id in enumerate(URLS):
        meta = {
            "id": call_id,
            "title": TITLE,
            "url": URLS[call_id],
            "started": (now - timedelta(days=n + 1)).isoformat(),
            "duration": 60,
        }
        calls.append({"metaData": meta, "parties": [{**party, "affiliation": "External"}]})
        sentence = {"start": 1000, "end": 2000, "text": f"pricing is fine{HOSTILE}{FORGED}"}
        monologue = {"speakerId": "1", "topic": None, "sentences": [sentence]}
        transcripts.append({"callId": call_id, "transcript": [monologue]})
    (directory / "users.json").write_text(json.dumps({"users": []}))
    (directory / "calls.json").write_text(json.dumps({"calls": calls}))
    (directory / "transcripts.json").write_text(json.dumps({"callTranscripts": transcripts}))
    return directory


@pytest.fixture(scope="module")
def hostile_index(tmp_path_factory: pytest.TempPathFactory) -> Path:
    base = tmp_path_factory.mktemp("hostile")
    with make_simulator(tenant_dir=write_hostile_tenant(base / "tenant")) as simulator:
        run_sync(simulator, base / INDEX_NAME)
    return base / INDEX_NAME


def assert_terminal_safe(out: str) -> None:
    assert not DANGEROUS.findall(out), DANGEROUS.findall(out)
    assert "javascript:" not in out
    lines = out.splitlines()
    assert not [line for line in lines if re.match(r"\W*(2\. Forged|https://evil)", line)]


COLOUR = {"on": {"FORCE_COLOR": "1", "TERM": "xterm-256color"}, "off": {"NO_COLOR": "1"}}


@pytest.mark.parametrize("colour", list(COLOUR))
@pytest.mark.parametrize(
    "args",
    [
        ("search", "pricing", "-f", "table"),
        ("search", "pricing", "-C", "1", "-f", "table"),
        ("show", SAFE_CALL, "-f", "table"),  # in a pipe (CliRunner) the default is jsonl
        ("show", JS_CALL, "-f", "table"),
        ("show", JS_CALL, "-f", "text"),
        ("speakers", "-f", "table"),
        ("status", "-f", "table"),
    ],
)
def test_hostile_names_titles_and_urls_print_inert(hostile_index: Path, args, colour) -> None:
    result = cli(*args, "--index", str(hostile_index), env=COLOUR[colour])
    assert result.exit_code == 0, result.stderr
    assert_terminal_safe(result.stdout)
    assert_terminal_safe(result.stderr)
    if args[0] == "search":
        assert result.stdout.count(f"   {URLS[SAFE_CALL]}") == 1  # the https link is still there
        assert len(re.findall(r"^\S*\d+\. ", result.stdout, re.MULTILINE)) == 2
    if colour == "on" and args[0] in ("search", "show") and "text" not in args:
        assert "\x1b[" in result.stdout  # colour really was on


@pytest.mark.parametrize("speaker", ["mallory", NAME])
def test_speaker_lines_on_stderr_are_sanitised(hostile_index: Path, speaker: str) -> None:
    """A matched speaker is listed; an unmatched one gets the closest names in the error."""
    result = cli("pricing", "--speaker", speaker, "--index", str(hostile_index), "-f", "table")
    assert "Mallory" in result.stderr
    assert_terminal_safe(result.stderr)


def test_machine_formats_stay_faithful(hostile_index: Path) -> None:
    ix = str(hostile_index)
    data = json.loads(cli("pricing", "--index", ix, "-f", "json").stdout)
    by_call = {hit["call_id"]: hit for hit in data["hits"]}
    assert by_call[JS_CALL]["call_url"] == URLS[JS_CALL]
    assert (
        "\u202e" in by_call[SAFE_CALL]["call_title"]
        and "\n2. Forged" in by_call[SAFE_CALL]["call_title"]
    )
    shown = json.loads(cli("show", SAFE_CALL, "--index", ix, "-f", "json").stdout)
    assert "\x9b" in shown["parties"][0]["name"]


class _HostileErrors(BaseHTTPRequestHandler):
    def do_GET(self) -> None:  # noqa: N802 (http.server's name)
        body = json.dumps({"errors": [f"bad request{HOSTILE}\x1b[2J{FORGED}"]}).encode()
        self.send_response(400)
        self.send_header("Content-Type", "application/json")
        self.send_header("Content-Length", str(len(body)))
        self.end_headers()
        self.wfile.write(body)

    def log_message(self, *args: object) -> None:
        pass


@pytest.fixture
def hostile_server() -> Iterator[str]:
    server = ThreadingHTTPServer(("127.0.0.1", 0), _HostileErrors)
    threading.Thread(target=server.serve_forever, daemon=True).start()
    yield f"http://127.0.0.1:{server.server_address[1]}"
    server.shutdown()
    server.server_close()


def test_server_error_text_is_sanitised(hostile_server: str) -> None:
    env = {"GONG_BASE_URL": hostile_server, "GONG_ACCESS_KEY": "a", "GONG_ACCESS_KEY_SECRET": "b"}
    result = cli("check", env=env)
    assert result.exit_code == 2
    error = [line for line in result.stderr.splitlines() if "error:" in line]
    assert len(error) == 1 and "Gong answered 400: bad request" in error[0], result.stderr
    assert_terminal_safe(result.stderr)
    as_json = cli("status", "-f", "json", "--index", "/nonexistent", env=env)
    assert json.loads(as_json.stderr)["code"] == "catalog"
