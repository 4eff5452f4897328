"""Context-ranking designs measured on qmsum-dev before any of them goes into the engine.

Issue 15 asks for ranking that sees a sentence's neighbourhood. Building a design into
the Whoosh engine exactly (pages, totals, tie order, pruning) is expensive, so each design
is first scored here in plain Python over the very sentences :mod:`bench.qmsum` syncs
(same catalog, same analyzer: lowercase, ASCII folding, Porter), with textbook BM25:

* ``sentence``: the sentence alone (what the engine ranks today);
* ``blocks W/S``: overlapping passages of W sentences every S, scored as documents of
  their own; a sentence scores ``bm25(sentence) + sum_k weight_k * mean(its blocks at
  scale k)``;
* ``matched`` keeps only sentences that contain a query word (today's hit set);
  ``nearby`` also returns sentences that do not, when a block around them matches
  (what lifts recall: judged spans are ~60 sentences and paraphrase the query);
* ``moments`` collapses hits within ``GAP`` sentences of a better hit of the same call
  into one result and judges its best sentence (success@10 of the presentation).

Corpus-wide, a call prior (``prior x`` the call's best block) orders calls. Judging and
measures are :mod:`bench.qmsum`'s. ::

    .venv/bin/python -m bench.context_study --split train --sample 300
    .venv/bin/python -m bench.context_study --split val
"""

from __future__ import annotations

import argparse
import math
from collections import Counter, defaultdict
from dataclasses import dataclass

from whoosh.analysis import StemFilter

from gong_search.catalog import Catalog
from gong_search.engines.whoosh.schema import WORDS

from .qmsum import DEEP, Judged, K, load_queries, prepare

ANALYZER = WORDS | StemFilter()
GAP = 5  # sentences: a hit this close to a better one joins its moment


@dataclass(frozen=True)
class Design:
    name: str
    scales: tuple[tuple[int, int, float], ...] = ()  # (width, stride, weight)
    nearby: bool = False
    prior: float = 0.0
    b: float = 0.75


DESIGNS = (
    Design("sentence"),
    Design("blocks 20/10 x3, matched", ((20, 10, 3.0),)),
    Design("blocks 60/30 x3, matched", ((60, 30, 3.0),)),
    Design("blocks 20/10 x1.5, nearby", ((20, 10, 1.5),), nearby=True),
    Design("blocks 20/10 x1 + 60/30 x2, nearby", ((20, 10, 1.0), (60, 30, 2.0)), nearby=True),
    Design(
        "blocks 20/10 x1 + 60/30 x2, nearby, prior 0.5",
        ((20, 10, 1.0), (60, 30, 2.0)),
        nearby=True,
        prior=0.5,
    ),
)


class Bm25:
    """Textbook BM25 over bags of words, with an inverted list for corpus-wide queries."""

    def __init__(self, bags: list[Counter], b: float = 0.75, k1: float = 1.2) -> None:
        self.bags, self.b, self.k1 = bags, b, k1
        self.lengths = [sum(bag.values()) for bag in bags]
        self.avg = sum(self.lengths) / len(bags)
        self.postings: dict[str, list[int]] = defaultdict(list)
        for n, bag in enumerate(bags):
            for term in bag:
                self.postings[term].append(n)

    def scores(self, terms: list[str]) -> dict[int, float]:
        found: dict[int, float] = defaultdict(float)
        for term in terms:
            posting = self.postings.get(term, [])
            idf = math.log(1 + (len(self.bags) - len(posting) + 0.5) / (len(posting) + 0.5))
            for n in posting:
                tf = self.bags[n][term]
                norm = 1 - self.b + self.b * self.lengths[n] / self.avg
                found[n] += idf * tf * (self.k1 + 1) / (tf + self.k1 * norm)
        return found


class Corpus:
    """Every sentence in call order, and the blocks of each scale over them."""

    def __init__(self, catalog: Catalog) -> None:
        self.calls: list[str] = []
        self.starts: list[int] = []
        self.call_of: list[int] = []
        self.spans: list[tuple[int, int]] = []  # a call's first and past-last sentence
        bags = []
        for joined in catalog.iter_call_sentences():
            first = len(bags)
            for row in joined.rows:
                bags.append(Counter(t.text for t in ANALYZER(row.text)))
                self.starts.append(row.start_ms)
                self.call_of.append(len(self.calls))
            self.spans.append((first, len(bags)))
            self.calls.append(joined.call.id)
        self.bags = bags
        self.by_b: dict[float, Bm25] = {}
        self.blocks: dict[tuple[int, int], Scale] = {}

    def sentences(self, b: float) -> Bm25:
        if b not in self.by_b:
            self.by_b[b] = Bm25(self.bags, b)
        return self.by_b[b]

    def scale(self, width: int, stride: int) -> Scale:
        """Blocks of ``width`` sentences every ``stride`` within each call."""
        if (width, stride) not in self.blocks:
            ranges = []
            for first, past in self.spans:
                lo = first
                while True:
                    ranges.append((lo, min(past, lo + width)))
                    if lo + width >= past:
                        break
                    lo += stride
            bags = [sum((self.bags[n] for n in range(lo, hi)), Counter()) for lo, hi in ranges]
            covers = [0] * len(self.bags)
            for lo, hi in ranges:
                for n in range(lo, hi):
                    covers[n] += 1
            self.blocks[(width, stride)] = Scale(ranges, Bm25(bags), covers)
        return self.blocks[(width, stride)]


@dataclass(frozen=True)
class Scale:
    ranges: list[tuple[int, int]]  # a block's first and past-last sentence
    bm25: Bm25
    covers: list[int]  # how many blocks hold each sentence (1 or 2)


def rank(corpus: Corpus, design: Design, terms: list[str], call: int | None) -> list[int]:
    """Sentence numbers in ``design``'s order (best first), within ``call`` or everywhere."""
    own = corpus.sentences(design.b).scores(terms)
    context: dict[int, float] = defaultdict(float)
    best_block: dict[int, float] = defaultdict(float)
    for width, stride, weight in design.scales:
        scale = corpus.scale(width, stride)
        for block, score in scale.bm25.scores(terms).items():
            lo, hi = scale.ranges[block]
            c = corpus.call_of[lo]
            best_block[c] = max(best_block[c], score)
            for n in range(lo, hi):
                context[n] += weight * score / scale.covers[n]
    pool = set(own) | (set(context) if design.nearby else set())
    if call is not None:
        pool = {n for n in pool if corpus.call_of[n] == call}

    def score(n: int) -> float:
        return own.get(n, 0.0) + context.get(n, 0.0) + design.prior * best_block[corpus.call_of[n]]

    return sorted(pool, key=lambda n: (-score(n), n))[:DEEP]


def moments(ranked: list[int], corpus: Corpus) -> list[int]:
    """The best sentence of each moment, in order: later hits near an earlier one join it."""
    taken: set[int] = set()
    best = []
    for n in ranked:
        if not any(m in taken and corpus.call_of[m] == corpus.call_of[n] for m in _near(n)):
            best.append(n)
        taken.add(n)
    return best


def _near(n: int) -> range:
    return range(n - GAP, n + GAP + 1)


def judge(q: Judged, corpus: Corpus, design: Design, call: int) -> dict[str, float]:
    terms = list(dict.fromkeys(t.text for t in ANALYZER(q.text)))
    first, past = corpus.spans[call]
    relevant = sum(q.relevant(q.call_id, corpus.starts[n]) for n in range(first, past))
    within = rank(corpus, design, terms, call)
    anywhere = rank(corpus, design, terms, None)
    gains = [q.relevant(q.call_id, corpus.starts[n]) for n in within]
    best = [q.relevant(q.call_id, corpus.starts[n]) for n in moments(within, corpus)]
    ideal = sum(1 / math.log2(i + 2) for i in range(min(K, relevant)))
    dcg = sum(1 / math.log2(i + 2) for i, g in enumerate(gains[:K]) if g)
    calls = [corpus.calls[corpus.call_of[n]] for n in anywhere]
    return {
        "ndcg10": dcg / ideal if ideal else 0.0,
        "success10": float(any(gains[:K])),
        "moments_success10": float(any(best[:K])),
        "recall50": sum(gains) / relevant if relevant else 0.0,
        "call_success10": float(q.call_id in calls[:K]),
        "call_success10_1pc": float(q.call_id in list(dict.fromkeys(calls))[:K]),
    }


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(prog="python -m bench.context_study", description=__doc__)
    parser.add_argument("--split", default="val", choices=["train", "val", "all"])
    parser.add_argument("--sample", type=int, help="a random sample of this many queries")
    args = parser.parse_args(argv)
    index_dir, _fts = prepare(False)
    queries = load_queries(args.split, args.sample)
    with Catalog(index_dir, create=False) as catalog:
        corpus = Corpus(catalog)
    number = {call_id: n for n, call_id in enumerate(corpus.calls)}
    print(f"{args.split}: {len(queries)} queries, {len(corpus.bags):,} sentences")
    for design in DESIGNS:
        rows = [judge(q, corpus, design, number[q.call_id]) for q in queries]
        means = {m: round(sum(r[m] for r in rows) / len(rows), 4) for m in rows[0]}
        print(design.name, means, flush=True)
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
