"""The harvester's parts on their own: report tallies, the fetcher, the committer."""

from __future__ import annotations

from collections.abc import Iterator
from datetime import UTC, datetime, timedelta
from pathlib import Path

from gong_search.catalog import Catalog
from gong_search.committer import Committer
from gong_search.engine import open_engine
from gong_search.errors import GongAPIError
from gong_search.fetcher import FetchedTranscripts, Fetcher
from gong_search.gong.client import Page
from gong_search.gong.records import Call, Transcript
from gong_search.simulator import Simulator
from gong_search.sync_report import SyncReport, Tally

from .conftest import client_for

EVER = datetime(1990, 1, 1, tzinfo=UTC)


def _call(call_id: str, private: bool = False) -> Call:
    started = datetime(2026, 1, 1, tzinfo=UTC)
    return Call(call_id, "t", "u", started, 60, "user", "External", private)


class _FakeClient:
    """Refuses the transcript batch holding ``refused``; lists only ``existing`` by id."""

    def __init__(self, refused: str = "", existing: tuple[str, ...] = ()) -> None:
        self.refused = refused
        self.existing = existing

    def transcripts(self, call_ids: list[str]) -> Iterator[Page[Transcript]]:
        if self.refused in call_ids:
            raise GongAPIError("bad request", status=400)
        yield Page([], total=0)

    def calls(self, call_ids: list[str]) -> Iterator[Page[Call]]:
        yield Page([_call(cid) for cid in call_ids if cid in self.existing], total=0)


def test_report_add_sums_counts_and_keeps_the_largest_gong_total() -> None:
    report = SyncReport()
    report.add(Tally(listed=100, total_listed=230, added=3, failed=("a",)))
    report.add(Tally(listed=30, total_listed=120, added=2, removed=1, failed=("b", "a")))
    assert (report.listed, report.total_listed, report.added, report.removed) == (130, 230, 5, 1)
    assert report.failed == ["a", "b", "a"]


def test_storable_calls_are_neither_refused_nor_vanished() -> None:
    calls = [_call("kept"), _call("refused"), _call("gone")]
    fetched = FetchedTranscripts({}, failed=("refused",), vanished={"gone"})
    assert [c.id for c in fetched.storable(calls)] == ["kept"]
    assert [c.id for c in fetched.refused(calls)] == ["refused"]


def test_a_refused_batch_fails_alone_and_is_not_checked_for_vanishing() -> None:
    fetcher = Fetcher(_FakeClient(refused="x", existing=("y",)), include_private=False)
    batch = [f"c{n}" for n in range(99)] + ["x"]
    fetched = fetcher.transcripts(batch + ["y", "z"])
    assert fetched.failed == tuple(batch)
    assert fetched.vanished == {"z"}  # "y" is still listed: stored with its transcript pending


def test_fetched_pages_count_listed_and_private_calls_and_leave_private_ones_out(
    shared_sim: Simulator,
) -> None:
    seen: dict[str, datetime] = {}
    with client_for(shared_sim) as client:
        pages = list(Fetcher(client, include_private=False).pages(EVER, datetime.now(UTC), seen))
    listed = sum(p.listed for p in pages)
    private = sum(p.skipped_private for p in pages)
    wanted = [c for p in pages for c in p.wanted]
    assert listed == len(seen) == pages[0].total and private > 0
    assert len(wanted) == listed - private and not any(c.is_private for c in wanted)
    assert all(c.id in p.fetched.transcripts for p in pages for c in p.wanted)


def test_calls_seen_in_an_earlier_pass_cost_no_transcript_request(shared_sim: Simulator) -> None:
    seen: dict[str, datetime] = {}
    with client_for(shared_sim) as client:
        fetcher = Fetcher(client, include_private=True)
        list(fetcher.pages(EVER, datetime.now(UTC), seen))
        before = client.request_count
        again = list(fetcher.pages(EVER, datetime.now(UTC), seen))
        assert client.request_count - before == len(again)  # the listing pages only
    assert sum(p.listed for p in again) == 0


def test_committer_counts_new_calls_as_added_then_as_unchanged(
    shared_sim: Simulator, tmp_path: Path
) -> None:
    with client_for(shared_sim) as client:
        page = next(Fetcher(client, include_private=False).pages(EVER, datetime.now(UTC), {}))
    calls = page.fetched.storable(page.wanted)
    engine = open_engine(tmp_path / "ix")
    with Catalog(tmp_path / "ix") as catalog:
        engine.prepare()  # after the catalog, as a sync does: it claims the directory
        committer = Committer(catalog, engine, datetime.now(UTC), EVER + timedelta(days=1))
        first = committer.store(calls, page.fetched.transcripts)
        second = committer.store(calls, page.fetched.transcripts)
        assert set(catalog.content_hashes()) == {c.id for c in calls}
    assert first.added + first.pending == len(calls) and first.added > 0 and first.sentences > 0
    assert second == Tally(unchanged=len(calls))
    assert engine.versions() == committer.indexed
