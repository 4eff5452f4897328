"""The engine contract: what search, show, status and harvest rely on from any engine.

Every test runs against each engine in ``ENGINES`` through the :mod:`gong_search.engine`
protocol only (documents in, hits and versions out), so a second engine (OpenSearch) is
checked by adding its name here. The corpus is written by hand so each answer is known.
"""

from __future__ import annotations

from collections.abc import Iterator
from dataclasses import replace
from datetime import UTC, datetime, timedelta
from pathlib import Path

import pytest

from gong_search.engine import Engine, FacetCount, Filters, open_engine
from gong_search.engine_choice import EngineChoice
from gong_search.errors import QueryError
from gong_search.gong.call_content import CallContent, CrmObject
from gong_search.gong.records import Call, Party
from gong_search.sentences import CallSentences, NoteRow, SentenceRow, normalize_name

ENGINES = ["whoosh", "opensearch"]
NOW = datetime(2026, 11, 1, 12, tzinfo=UTC)
REP = Party("1", "Rita Rep", "rita@northwind.com", "", "501", "Internal", "")
BUYER = Party("2", "John Smith", "john@acme.com", "", "", "External", "")
DIAL_IN = Party("3", "", "", "", "", "Unknown", "+1 312 555 0100")
CALLS = {  # id: (title, days ago, host, [(party, text)])
    "c1": (
        "Acme pricing review",
        10,
        "Rita Rep",
        [
            (REP, "Welcome to the pricing review."),
            (BUYER, "Your pricing is a real objection for our team."),
            (BUYER, "The price seems high."),
            (DIAL_IN, "We had objections last year too."),
            (REP, "Let me show the renewal plan."),
        ],
    ),
    "c2": (
        "Globex renewal",
        2,
        "Rita Rep",
        [
            (BUYER, "The renewal pricing objection came up again."),
            (REP, "We can offer a discount on pricing."),
            (BUYER, "Security review is pending."),
        ],
    ),
    "c3": ("Internal sync", 30, "Rita Rep", [(REP, "Pricing pricing pricing everywhere.")]),
}


def joined(call_id: str, texts: list[tuple[Party, str]] | None = None) -> CallSentences:
    title, days, host, rows = CALLS.get(call_id, ("Acme expansion", 5, "Rita Rep", []))
    rows = texts if texts is not None else rows
    parties = tuple({p.speaker_id: p for p, _ in rows}.values())
    call = Call(call_id, title, f"https://x.gong.io/call?id={call_id}",
                NOW - timedelta(days=days), 600, "501", "External", False, parties)  # fmt: skip
    sentence_rows = [
        SentenceRow(
            call_id,
            n,
            p.speaker_id,
            p.display_name,
            p.email,
            p.affiliation,
            "",
            n * 5000,
            n * 5000 + 4000,
            text,
        )  # fmt: skip
        for n, (p, text) in enumerate(rows)
    ]
    return CallSentences(call, host, sentence_rows)


@pytest.fixture(params=ENGINES)
def engine(request: pytest.FixtureRequest, tmp_path: Path) -> Iterator[Engine]:
    choice = EngineChoice()  # Whoosh, in the index directory
    if request.param == "opensearch":  # a real node, started once per session
        choice = EngineChoice("opensearch", request.getfixturevalue("opensearch_url"))
    made = open_engine(tmp_path / "ix", choice)
    made.prepare()
    with made.writer() as writer:
        for call_id in CALLS:
            writer.replace(joined(call_id), f"v1-{call_id}")
    yield made


def texts(engine: Engine, query: str, mode: str = "default", **kw: object) -> list[str]:
    with engine.searcher() as searcher:
        result = searcher.search(query, mode, False, Filters(**kw), want=None)  # type: ignore[arg-type]
        return [h.sentence.text for h in result.hits]


def test_sentences_with_every_word_rank_first_then_by_score(engine: Engine) -> None:
    found = texts(engine, "pricing objection")
    both = {
        "Your pricing is a real objection for our team.",
        "The renewal pricing objection came up again.",
    }
    assert set(found[:2]) == both and len(found) == 7  # stems: "price", "objections" match
    with engine.searcher() as searcher:
        hits = searcher.search("pricing objection", "default", False, Filters(), want=None).hits
    assert [h.all_words for h in hits] == [True] * 2 + [False] * 5
    scores = [h.score for h in hits[2:]]
    assert scores == sorted(scores, reverse=True)
    assert found[2] == "Pricing pricing pricing everywhere."  # three times the word


def test_modes_phrases_booleans_prefixes(engine: Engine) -> None:
    assert len(texts(engine, "pricing objection", "all")) == 2
    assert len(texts(engine, "price objection", "any")) == 7  # stems: pricing = price
    assert texts(engine, '"pricing objection"') == ["The renewal pricing objection came up again."]
    assert set(texts(engine, "pricing -objection -renewal")) == {
        "Pricing pricing pricing everywhere.",
        "The price seems high.",
        "We can offer a discount on pricing.",
        "Welcome to the pricing review.",
    }
    assert texts(engine, "security AND (review OR audit)") == ["Security review is pending."]
    assert texts(engine, "discou*") == ["We can offer a discount on pricing."]
    assert texts(engine, "c++ price", "literal") == []


def test_filters_narrow_by_speaker_affiliation_call_date_title_host(engine: Engine) -> None:
    assert set(texts(engine, "pricing", affiliations=("external", "unknown"))) == {
        "Your pricing is a real objection for our team.",
        "The price seems high.",
        "The renewal pricing objection came up again.",
    }
    assert len(texts(engine, "pricing", speaker_keys=(normalize_name("Rita Rep"),))) == 3
    assert len(texts(engine, "pricing", call_ids=("c2",))) == 2
    assert len(texts(engine, "pricing", start=NOW - timedelta(days=5))) == 2
    assert len(texts(engine, "pricing", end=NOW - timedelta(days=5))) == 4
    assert len(texts(engine, "pricing", title="renewal")) == 2
    assert len(texts(engine, "pricing", hosts=("rita rep",))) == 6
    assert texts(engine, "pricing", accounts=("acme.com",)) != []
    with engine.searcher() as searcher:
        assert searcher.vocabulary("account") == ["acme.com"]


def test_pages_are_slices_of_one_order_and_totals_are_exact(engine: Engine) -> None:
    with engine.searcher() as searcher:
        everything = searcher.search("pricing OR objection", "default", False, Filters(), want=None)
        order = [h.sentence.text for h in everything.hits]
        for want in range(1, len(order) + 1):
            page = searcher.search("pricing OR objection", "default", False, Filters(), want=want)
            assert [h.sentence.text for h in page.hits] == order[:want]
            assert page.total == everything.total == len(order)
        assert searcher.count("pricing OR objection", "default", False, Filters()) == (7, 3)
        dated = searcher.search("pricing", "default", False, Filters(), sort="date", want=None)
        assert [h.sentence.call_id for h in dated.hits] == ["c2"] * 2 + ["c1"] * 3 + ["c3"]
        assert [h.sentence.ordinal for h in dated.hits][2:5] == [0, 1, 2]  # call order
        assert {h.score for h in dated.hits} == {0.0}


def test_context_is_the_neighbouring_sentences_of_the_same_call(engine: Engine) -> None:
    with engine.searcher() as searcher:
        hits = searcher.search("price", "default", False, Filters(), want=None).hits
        hit = next(h for h in hits if h.sentence.text == "The price seems high.")
        before, after = searcher.context(hit.handle, 2, 5)
    assert [s.text for s in before] == [
        "Welcome to the pricing review.",
        "Your pricing is a real objection for our team.",
    ]
    assert [s.ordinal for s in after] == [3, 4]  # stops at the end of the call
    assert after[0].affiliation == "Unknown" and after[0].speaker_name == "+1 312 555 0100"


def test_replace_delete_commit_and_versions(engine: Engine) -> None:
    assert engine.versions() == {c: f"v1-{c}" for c in CALLS}
    assert engine.stats().sentences == 9 and engine.stats().calls == 3
    with engine.writer() as writer:
        writer.replace(joined("c1", [(REP, "Only one sentence now.")]), "v2-c1")
        writer.delete("c3")
        assert engine.versions()["c3"] == "v1-c3"  # nothing visible before the commit
    assert engine.versions() == {"c1": "v2-c1", "c2": "v1-c2"}
    assert texts(engine, "objection") == ["The renewal pricing objection came up again."]
    assert texts(engine, "sentence") == ["Only one sentence now."]
    assert engine.stats().sentences == 4


def test_an_uncommitted_writer_changes_nothing(engine: Engine) -> None:
    """What crash repair relies on: until commit, versions and documents are the old ones."""
    writer = engine.writer()
    writer.replace(joined("c2", [(REP, "Gone.")]), "v2-c2")
    writer.cancel()
    writer.close()
    assert engine.versions()["c2"] == "v1-c2" and texts(engine, "gone") == []


def test_rebuild_replaces_everything_at_once(engine: Engine) -> None:
    assert engine.rebuild([(joined("c2"), "v9-c2")]) == 3
    assert engine.versions() == {"c2": "v9-c2"} and texts(engine, "welcome") == []


def test_explain_shows_the_tiers_and_call_filters(engine: Engine) -> None:
    with engine.searcher() as searcher:
        shown = searcher.explain("pricing objection title:renewal", "default", False)
        assert "every word" in shown and "any word" in shown and "call filter" in shown
        with pytest.raises(QueryError):
            searcher.explain("title:renewal", "default", False)


# -- the whole call: notes, call facts, trackers, facets (issue 21's second half) --------

DEAL = CrmObject("Opportunity", "006X", "TimeOfCall", (("Name", "Acme Renewal"),
                                                       ("StageName", "Negotiation")))  # fmt: skip
WHOLE_CALL = CallContent(crm=(DEAL,), outcome="Meeting booked")


def whole_call(engine: Engine) -> None:
    """c4: a deal, an outcome, other call facts, a tracker in one sentence, and notes."""
    call = joined("c4", [(BUYER, "Integration matters, pricing too."), (REP, "Noted.")])
    details = {"direction": "Outbound", "language": "eng", "workspace_id": "w1",
               "duration": 1800, "content": WHOLE_CALL}  # fmt: skip
    rows = [replace(call.rows[0], trackers=("Pricing Talk",)), call.rows[1]]
    notes = [
        NoteRow("c4", 2, "brief", "Integration with the CRM was the main topic.", None, "", ""),
        NoteRow("c4", 3, "key_point", "Pricing needs approval.", None, "", ""),
        NoteRow("c4", 4, "key_point", "Timeline is Q3.", None, "", ""),
        NoteRow("c4", 5, "comment", "Follow up on the integration.", 1000, "", "Rita Rep"),
    ]
    with engine.writer() as writer:
        writer.replace(CallSentences(replace(call.call, **details), "Rita Rep", rows, notes), "v1")


def test_notes_are_searched_only_when_asked_and_come_back_as_notes(engine: Engine) -> None:
    whole_call(engine)
    assert texts(engine, "integrat*") == ["Integration matters, pricing too."]
    assert texts(engine, "integrat*", within="summary") == [
        "Integration with the CRM was the main topic."
    ]
    assert texts(engine, "integrat*", within="comments") == ["Follow up on the integration."]
    assert len(texts(engine, "integrat*", within="all")) == 3
    with engine.searcher() as searcher:
        hit = searcher.search("approval", "default", False, Filters(within="summary")).hits[0]
        before, after = searcher.context(hit.handle, 5, 5)
        comment = searcher.search("follow", "default", False, Filters(within="comments")).hits[0]
    assert hit.sentence.kind == "key_point" and before == []  # the brief is another kind
    assert [s.text for s in after] == ["Timeline is Q3."]  # not the comment after it
    assert comment.sentence.kind == "comment" and comment.sentence.speaker_name == "Rita Rep"


def test_whole_call_filters_and_trackers(engine: Engine) -> None:
    whole_call(engine)
    c4 = ["Integration matters, pricing too."]
    assert texts(engine, "pricing", deals=("acme renewal",)) == c4
    assert texts(engine, "pricing", deals=("006x",)) == c4
    assert texts(engine, "pricing", stages=("negotiation",)) == c4
    assert texts(engine, "pricing", outcomes=("meeting booked",)) == c4
    assert texts(engine, "pricing", directions=("outbound",), languages=("eng",)) == c4
    assert texts(engine, "pricing", workspaces=("w1",), min_duration=1000) == c4
    assert len(texts(engine, "pricing", max_duration=1000)) == 6  # c1-c3 last 600 s
    assert len(texts(engine, "pricing", participants=("john smith",))) == 6  # c1, c2, c4
    assert texts(engine, "pricing", trackers=("pricing talk",)) == c4
    assert texts(engine, "", trackers=("pricing talk",)) == c4  # no words: where it fired
    assert texts(engine, "pricing deal:006x") == c4
    with engine.searcher() as searcher:
        assert searcher.vocabulary("deal") == ["006x", "acme renewal"]
        assert searcher.vocabulary("trackers") == ["pricing talk"]
        assert searcher.vocabulary("outcome") == ["meeting booked"]


def test_facets_count_every_match_by_sentence_and_call(engine: Engine) -> None:
    """Checked against a count of the hits themselves (every hit, grouped by value)."""
    whole_call(engine)
    names = ("speaker", "affiliation", "kind", "host", "month", "deal", "tracker", "outcome")
    for query, within in (("pricing OR integration", "all"), ("pricing", "transcript")):
        filters = Filters(within=within)
        with engine.searcher() as searcher:
            hits = searcher.search(query, "default", False, filters, want=None).hits
            counted = searcher.facets(query, "default", False, filters, names)
        expected = {name: _brute_force_facet(hits, name) for name in names}
        assert counted == expected and counted["kind"] and counted["deal"]


def _brute_force_facet(hits: list, name: str) -> list[FacetCount]:
    per_value: dict[str, list] = {}
    for hit in hits:
        s = hit.sentence
        started = datetime.fromtimestamp(s.call_started, UTC)
        values = {
            "speaker": [s.speaker_name] if s.speaker_name else [],
            "affiliation": [s.affiliation] if s.affiliation else [],
            "kind": [s.kind],
            "host": ["Rita Rep"],
            "month": [started.strftime("%Y-%m")],
            "deal": ["Acme Renewal"] if s.call_id == "c4" else [],
            "tracker": list(s.trackers),
            "outcome": ["Meeting booked"] if s.call_id == "c4" else [],
        }[name]
        for value in values:
            per_value.setdefault(value, []).append(s.call_id)
    ranked = sorted(per_value.items(), key=lambda kv: (-len(kv[1]), kv[0]))
    return [FacetCount(value, len(calls), len(set(calls))) for value, calls in ranked]
