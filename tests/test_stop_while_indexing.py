"""Ctrl-C while a page of long calls is being indexed stops the sync at once (issue 20).

Only the catalog and index commits hold signals; the page's documents are written before
them, so a stop during indexing cancels the index writer and leaves both stores as the
last page left them. Before, the indexing ran with signals held: Ctrl-C waited for the
whole page (seconds at real call lengths, minutes with a large merge).
"""

from __future__ import annotations

import signal
import subprocess
import time
from datetime import UTC, datetime

from gong_search.engine import open_engine
from gong_search.errors import IndexStoreError

from .conftest import make_simulator
from .test_reliability import _catalog_calls, one_line_error, start_sync, status_json

# Three listing pages of 100 calls; a page holds ~7,000 sentences, seconds to index.
LONG_CALLS = {"calls": 260, "seed": 21, "call_length": (60, 80)}
ANSWER_WITHIN_S = 3.0  # generous for a loaded 2-core machine; the page takes far longer


def _indexed_calls(index_dir) -> int:
    try:
        return len(open_engine(index_dir).versions())
    except IndexStoreError:
        return 0


def _stop_while_indexing(proc: subprocess.Popen, ix) -> float:
    """Once page 1 is in both stores (the sync is then indexing page 2), send SIGINT;
    returns the seconds until the process ended."""
    deadline = time.monotonic() + 90
    while not _indexed_calls(ix) and time.monotonic() < deadline and proc.poll() is None:
        time.sleep(0.2)
    time.sleep(1.5)
    assert proc.poll() is None, "the sync ended before it could be stopped"
    asked = time.monotonic()
    proc.send_signal(signal.SIGINT)
    proc.wait(timeout=60)
    return time.monotonic() - asked


def test_ctrl_c_while_a_page_is_indexed_answers_at_once_and_keeps_agreement(tmp_path) -> None:
    ix = tmp_path / "ix"
    anchor = datetime.now(UTC).replace(microsecond=0)
    with make_simulator(**LONG_CALLS, anchor=anchor) as tenant:
        proc = start_sync(ix, tenant, "0")
        try:
            answered = _stop_while_indexing(proc, ix)
            _out, err = proc.communicate(timeout=60)
        finally:
            proc.kill()
    assert proc.returncode == 130, err
    assert "stopped cleanly" in one_line_error(err)
    assert answered < ANSWER_WITHIN_S, f"Ctrl-C took {answered:.1f} s to stop the sync"
    kept = status_json(ix)
    assert kept["in_sync"] is True
    assert 0 < kept["calls"] == _catalog_calls(ix) == _indexed_calls(ix) <= 100  # page 1
