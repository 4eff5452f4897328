"""Every page, total and tie is checked against a brute-force oracle (issue 11).

Small tenants with many exact ties (a handful of sentences repeated across calls, calls
that start in the same second, calls re-indexed out of id order) are synced through the
simulator; hypothesis then draws queries, modes, filters, sorts, per-call caps and pages.
The oracle matches and scores every sentence in plain Python (BM25F written out here;
only the corpus statistics, document count, document frequency and mean length, come
from the index) and orders them by the documented key: all-words tier first (default
mode), score to 4 decimals, newer call, call id, position in the call. Each page must be
the matching slice of that one list, and every total must agree with it and with
``--count``.
"""

from __future__ import annotations

import json
import math
import random
from collections.abc import Iterator
from dataclasses import dataclass
from datetime import UTC, datetime, timedelta
from pathlib import Path

import pytest
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st
from whoosh.util.numeric import byte_to_length, length_to_byte

from gong_search.catalog import Catalog
from gong_search.engine import Searcher, open_engine
from gong_search.engines.whoosh.schema import analyze
from gong_search.gong.call_content import NOTE_KINDS
from gong_search.search import SearchOptions, count_open, search_open

from .conftest import cli, make_simulator, run_sync

WORDS = ["pricing", "budget", "approval", "discount", "review", "team", "objection"]
FILLER = ["the", "we", "can", "next", "quarter"]
PEOPLE = [  # (name, email, affiliation)
    ("Rita Rep", "rita@northwind.com", "Internal"),
    ("Sam Seller", "sam@northwind.com", "Internal"),
    ("John Smith", "john@acme.com", "External"),
    ("Zoe Muller", "zoe@globex.io", "External"),
    ("", "", "Unknown"),
]
BASE = datetime.now(UTC).replace(microsecond=0) - timedelta(days=1)  # inside sync's window
B, K1 = 0.75, 1.2


def _sentence_pool(rng: random.Random) -> list[str]:
    """Few distinct sentences, so the same score recurs across many calls."""
    pool = []
    for _ in range(14):
        words = rng.sample(WORDS, rng.randint(1, 3)) + rng.sample(FILLER, rng.randint(0, 3))
        rng.shuffle(words)
        if rng.random() < 0.3:
            words.append(rng.choice(WORDS))  # a repeated word: term frequency 2
        pool.append(" ".join(words).capitalize() + ".")
    return pool


def write_tie_tenant(directory: Path, seed: int) -> Path:
    rng = random.Random(seed)
    pool = _sentence_pool(rng)
    starts = [BASE - timedelta(days=rng.choice([0, 0, 3, 9, 30])) for _ in range(6)]
    calls, transcripts = [], []
    for n in range(14):
        call_id = str(rng.randrange(10**18, 10**19))  # not in listing order: ties by id
        people = rng.sample(range(len(PEOPLE)), 3)
        parties = []
        for speaker, person in enumerate(people, start=1):
            name, email, affiliation = PEOPLE[person]
            party = {"speakerId": str(speaker), "affiliation": affiliation}
            if name:
                party.update(name=name, emailAddress=email)
            else:
                party["phoneNumber"] = "+1 312 555 0100"
            parties.append(party)
        calls.append(
            {
                "metaData": {
                    "id": call_id,
                    "title": f"Call {n}",
                    "url": f"https://us-1.app.gong.io/call?id={call_id}",
                    "started": rng.choice(starts).isoformat(),  # shared seconds: ties
                    "primaryUserId": "501",
                    "isPrivate": False,
                    "duration": 600,
                },
                "parties": parties,
            }
        )
        monologues = [
            {
                "speakerId": str(rng.randint(1, 3)),
                "topic": None,
                "sentences": [
                    {"start": 4000 * k, "end": 4000 * k + 3000, "text": rng.choice(pool)}
                ],
            }
            for k in range(rng.randint(2, 12))
        ]
        transcripts.append({"callId": call_id, "transcript": monologues})
    directory.mkdir(parents=True, exist_ok=True)
    user = {
        "id": "501",
        "emailAddress": "rita@northwind.com",
        "firstName": "Rita",
        "lastName": "Rep",
    }
    (directory / "users.json").write_text(json.dumps({"users": [user]}))
    (directory / "calls.json").write_text(json.dumps({"calls": calls}))
    (directory / "transcripts.json").write_text(json.dumps({"callTranscripts": transcripts}))
    return directory


@dataclass(frozen=True)
class Sentence:
    call_id: str
    ordinal: int
    started: int
    affiliation: str
    stems: tuple[str, ...]


@dataclass
class Corpus:
    catalog: Catalog
    engine: Searcher
    sentences: list[Sentence]
    docs: int  # what BM25's idf counts: every document, call documents included
    avgfl: float

    def df(self, stem: str) -> int:
        """Documents with ``stem`` as the index counts them: like Lucene, Whoosh keeps
        counting a replaced call's old sentences until a merge drops them."""
        return self.engine._searcher.doc_frequency("text", stem)


@pytest.fixture(scope="module")
def corpora(tmp_path_factory: pytest.TempPathFactory) -> Iterator[list[Corpus]]:
    opened = []
    for seed in (1, 2):
        base = tmp_path_factory.mktemp(f"ties{seed}")
        with make_simulator(tenant_dir=write_tie_tenant(base / "tenant", seed)) as simulator:
            run_sync(simulator, base / "index")
        _rewrite_first_calls(base / "index")
        catalog = Catalog(base / "index", create=False)
        engine = open_engine(base / "index").searcher()
        searcher = engine._searcher
        sentences = _sentences(catalog)
        assert len(sentences) > 60 and len({s.started for s in sentences}) < 14  # ties
        opened.append(
            Corpus(
                catalog,
                engine,
                sentences,
                _without_notes(searcher),
                searcher.field_length("text") / _without_notes(searcher),
            )
        )
    yield opened
    for corpus in opened:
        corpus.engine.close()
        corpus.catalog.close()


def _without_notes(searcher) -> int:
    """BM25's N as the engine documents it: every document but Gong's notes."""
    return searcher.doc_count_all() - sum(searcher.doc_frequency("kind", k) for k in NOTE_KINDS)


def _rewrite_first_calls(index_dir: Path) -> None:
    """Re-index the calls with the lowest ids, as a later sync that updates them does:
    their sentences move to the end of the index, so index order is not id order."""
    with Catalog(index_dir) as catalog, open_engine(index_dir).writer() as updater:
        hashes = catalog.content_hashes()
        for call_id in sorted(hashes)[:5]:
            updater.replace(catalog.call_sentences(call_id), hashes[call_id])


def _sentences(catalog: Catalog) -> list[Sentence]:
    """Every indexed sentence, read back from the catalog (the truth), not the index."""
    found = []
    for joined in catalog.iter_call_sentences():
        started = int(joined.call.started.timestamp())
        for row in joined.rows:
            stems = tuple(analyze(row.text))
            found.append(
                Sentence(row.call_id, row.ordinal, started, row.affiliation.lower(), stems)
            )
    return found


# -- the oracle --------------------------------------------------------------------------


def bm25(corpus: Corpus, sentence: Sentence, stems: list[str]) -> float:
    """Whoosh's BM25F for plain terms, written out: idf = ln(N / (df + 1)) + 1, and the
    field length quantised to one byte as the index stores it."""
    length = byte_to_length(length_to_byte(len(sentence.stems)))
    score = 0.0
    for stem in stems:
        tf = sentence.stems.count(stem)
        if not tf:
            continue
        df = corpus.df(stem)
        idf = math.log(corpus.docs / (df + 1)) + 1
        score += idf * (tf * (K1 + 1)) / (tf + K1 * ((1 - B) + B * length / corpus.avgfl))
    return score


def _contains_phrase(stems: tuple[str, ...], phrase: list[str]) -> bool:
    n = len(phrase)
    return any(list(stems[i : i + n]) == phrase for i in range(len(stems) - n + 1))


@dataclass(frozen=True)
class Case:
    words: list[str]
    excluded: str | None
    mode: str
    customer: bool
    since_days: int | None
    sort: str
    per_call: int | None

    @property
    def text(self) -> str:
        return " ".join(self.words + ([f"-{self.excluded}"] if self.excluded else []))

    def options(self, **paging: int) -> SearchOptions:
        start = BASE - timedelta(days=self.since_days) if self.since_days is not None else None
        return SearchOptions(
            mode=self.mode,
            customer=self.customer,
            start=start,
            sort=self.sort,
            per_call=self.per_call,
            **paging,
        )


def oracle(corpus: Corpus, case: Case) -> tuple[list[tuple[str, int]], int, int]:
    """(hit keys in order, after the per-call cap; total matches; all-words matches)."""
    stems = [analyze(w)[0] for w in case.words]
    excluded = analyze(case.excluded)[0] if case.excluded else None
    start = case.options().start
    rows = []
    for s in corpus.sentences:
        if case.customer and s.affiliation not in ("external", "unknown"):
            continue
        if start is not None and s.started < start.timestamp():
            continue
        if excluded and excluded in s.stems:
            continue
        if case.mode == "literal":
            every = some = _contains_phrase(s.stems, stems)
        else:
            every = all(t in s.stems for t in stems)
            some = any(t in s.stems for t in stems)
        matched = every if case.mode == "all" else some
        if matched:
            rows.append((s, every))
    all_words = sum(every for _s, every in rows)
    if case.sort == "date":
        rows.sort(key=lambda r: (-r[0].started, r[0].call_id, r[0].ordinal))
    else:
        tiered = case.mode == "default" and len(stems) > 1

        def key(row: tuple[Sentence, bool]) -> tuple:
            s, every = row
            score = round(bm25(corpus, s, stems), 4)  # a phrase scores as its words do
            return (-(every and tiered), -score, -s.started, s.call_id, s.ordinal)

        rows.sort(key=key)
    keys = [(s.call_id, s.ordinal) for s, _every in rows]
    return _cap(keys, case.per_call), len(rows), all_words


def _cap(keys: list[tuple[str, int]], per_call: int | None) -> list[tuple[str, int]]:
    if not per_call:
        return keys
    seen: dict[str, int] = {}
    kept = []
    for call_id, ordinal in keys:
        seen[call_id] = seen.get(call_id, 0) + 1
        if seen[call_id] <= per_call:
            kept.append((call_id, ordinal))
    return kept


# -- the property ------------------------------------------------------------------------


def cases(mode: str) -> st.SearchStrategy[Case]:
    words = st.lists(st.sampled_from(WORDS + FILLER), min_size=1, max_size=3, unique=True)
    return st.builds(
        Case,
        words=words,
        excluded=st.none() if mode == "literal" else st.none() | st.sampled_from(WORDS),
        mode=st.just(mode),
        customer=st.booleans(),
        since_days=st.none() | st.sampled_from([1, 5, 20]),
        sort=st.sampled_from(["relevance", "relevance", "date"]),
        per_call=st.none() | st.integers(1, 3),
    ).filter(lambda c: c.excluded not in c.words)


def check_against_oracle(corpus: Corpus, case: Case, limit: int) -> None:
    expected, total, all_words = oracle(corpus, case)
    everything = search_open(corpus.catalog, corpus.engine, case.text, case.options(limit=0))
    got = [(h.call_id, h.ordinal) for h in everything.hits]
    assert got == expected
    flagged = {(h.call_id, h.ordinal) for h in everything.hits if h.all_words}
    assert flagged == set(expected) & _every_word(corpus, case)
    assert (everything.total, everything.total_all_words) == (total, all_words)
    assert everything.total_exact
    if case.sort != "date":
        stems = [analyze(w)[0] for w in case.words]
        by_key = {(s.call_id, s.ordinal): s for s in corpus.sentences}
        for hit in everything.hits:
            assert hit.score == pytest.approx(bm25(corpus, by_key[got.pop(0)], stems), abs=1e-4)
    assert count_open(corpus.catalog, corpus.engine, case.text, case.options()) == (
        total,
        len({call for call, _ordinal in oracle(corpus, _uncapped(case))[0]}),
    )
    pages: list[tuple[str, int]] = []
    for offset in range(0, len(expected) + limit, limit):
        page = search_open(
            corpus.catalog, corpus.engine, case.text, case.options(limit=limit, offset=offset)
        )
        assert (page.total, page.total_all_words) == (total, all_words)
        assert page.total_exact
        keys = [(h.call_id, h.ordinal) for h in page.hits]
        assert keys == expected[offset : offset + limit]
        following = offset + len(keys)  # --per-call: the capped list, not the total, ends it
        assert page.next_offset == (following if keys and following < len(expected) else None)
        pages += keys
    assert pages == expected and len(set(pages)) == len(pages)


def _every_word(corpus: Corpus, case: Case) -> set[tuple[str, int]]:
    """Sentences with every word of the query (in order, for a phrase)."""
    stems = [analyze(w)[0] for w in case.words]

    def has_all(s: Sentence) -> bool:
        if case.mode == "literal":
            return _contains_phrase(s.stems, stems)
        return all(t in s.stems for t in stems)

    return {(s.call_id, s.ordinal) for s in corpus.sentences if has_all(s)}


def _uncapped(case: Case) -> Case:
    return Case(**{**case.__dict__, "per_call": None})


@pytest.mark.timeout(600)
@pytest.mark.parametrize("mode", ["default", "all", "any", "literal"])
@settings(
    max_examples=200, deadline=None, suppress_health_check=[HealthCheck.function_scoped_fixture]
)
@given(data=st.data())
def test_every_page_and_total_equal_the_brute_force_ordering(
    corpora: list[Corpus], mode: str, data: st.DataObject
) -> None:
    corpus = corpora[data.draw(st.integers(0, len(corpora) - 1), label="corpus")]
    case = data.draw(cases(mode))
    limit = data.draw(st.integers(1, 7))
    check_against_oracle(corpus, case, limit)


# -- the demo tenant: real posting blocks, where pruning actually skips ------------------

DEMO_QUERIES = ["budget approval", "pricing objection", "security review", "discount", "the we"]


@pytest.fixture(scope="module")
def demo_index(tmp_path_factory: pytest.TempPathFactory) -> Path:
    from gong_search.demo import build_demo_index

    index_dir, _report = build_demo_index(tmp_path_factory.mktemp("demo") / "index")
    return index_dir


def _cli_hits(index_dir: Path, text: str, *args: str) -> list[tuple[str, int]]:
    out = cli(text, "--index", str(index_dir), "-f", "json", *args)
    assert out.exit_code in (0, 1), out.stderr
    document = json.loads(out.stdout)
    return document, [(h["call_id"], h["start_ms"]) for h in document["hits"]]


@pytest.mark.parametrize("text", DEMO_QUERIES)
def test_demo_tenant_pages_equal_the_full_list_and_totals_equal_count(
    demo_index: Path, text: str
) -> None:
    """The queries of issue 11, on the demo tenant (14,000 sentences, many posting
    blocks): the default page is the head of ``-n 0``, pages of any size concatenate to
    it without repeats, and the total is what ``--count`` says for every page size."""
    everything, full = _cli_hits(demo_index, text, "-n", "0")
    counted = json.loads(cli(text, "--index", str(demo_index), "--count", "-f", "json").stdout)
    assert everything["total"] == counted["sentences"] == len(full) and len(set(full)) == len(full)
    assert everything["total_all_words"] <= everything["total"]
    for size in (1, 5, 20):
        document, first = _cli_hits(demo_index, text, "-n", str(size))
        assert first == full[:size] and document["total"] == counted["sentences"]
    pages: list[tuple[str, int]] = []
    for offset in range(0, min(len(full), 60), 10):
        pages += _cli_hits(demo_index, text, "-n", "10", "--offset", str(offset))[1]
    assert pages == full[: len(pages)]
    scores = [h["score"] for h in everything["hits"]]
    tiers = [h["all_words"] for h in everything["hits"]]
    assert tiers == sorted(tiers, reverse=True) and max(scores, default=0) < 100  # plain BM25
