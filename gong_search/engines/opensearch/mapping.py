"""The OpenSearch index: analysis equivalent to the Whoosh engine's, and the mapping.

Text is split with the Whoosh engine's word pattern (``\\w+(\\.?\\w+)*``, Unicode), then
lower-cased, ASCII-folded and Porter-stemmed, with no stop list and with positions, so the
query's terms (analysed once, by the shared query parser) are the indexed terms. Each
sentence and note document also carries its call's fields (title, host, accounts, deals,
stages, participants, scope... duration, start), so every filter is a ``filter`` clause;
one *call document* per call holds the catalog version the index reflects and its facet
values. Notes (briefs, key points, highlights, outline, comments) keep their text in
``summary``/``comment``, as on Whoosh, so ``--in`` picks the fields.
"""

from __future__ import annotations

WORD_PATTERN = r"\w+(\.?\w+)*"

ANALYSIS = {
    "tokenizer": {
        "words": {
            "type": "pattern",
            "pattern": WORD_PATTERN,
            "group": 0,
            "flags": "UNICODE_CHARACTER_CLASS",
        }
    },
    "normalizer": {"key": {"type": "custom", "filter": ["lowercase"]}},
    "analyzer": {
        "words": {"type": "custom", "tokenizer": "words", "filter": ["lowercase", "asciifolding"]},
        "stemmed": {
            "type": "custom",
            "tokenizer": "words",
            "filter": ["lowercase", "asciifolding", "porter_stem"],
        },
    },
}

# Whoosh's BM25F (B=0.75, K1=1.2, idf = ln(N / (df + 1)) + 1) as a scripted similarity:
# Lucene's BM25 idf, ln(1 + (N - df + 0.5) / (df + 0.5)), weighs rare words far more on
# small corpora, and would rank differently from the Whoosh engine on the same catalog.
SIMILARITY = {
    "whoosh_bm25f": {
        "type": "scripted",
        "weight_script": {
            "source": "double idf = Math.log(field.docCount / (term.docFreq + 1.0)) + 1.0;"
            " return query.boost * idf;"
        },
        "script": {
            "source": "double tf = doc.freq;"
            " double avgdl = field.sumTotalTermFreq / (double) Math.max(1, field.docCount);"
            " return weight * tf * 2.2 / (tf + 1.2 * (0.25 + 0.75 * doc.length / avgdl));"
        },
    }
}

_KEY = {"type": "keyword", "normalizer": "key"}
_STORED = {"type": "keyword", "index": False, "doc_values": False}
_STORED_LONG = {"type": "long", "index": False, "doc_values": False}
_STEMMED = {"type": "text", "analyzer": "stemmed", "similarity": "whoosh_bm25f"}
_LABEL = {"type": "keyword", "index": False}  # shown and counted (facet labels), not searched

# the fields every document of a call carries (from engines.documents.call_fields)
CALL_KEYS = ("host", "account", "deal", "stage", "stage_now", "participant", "scope",
             "direction", "system", "language", "workspace", "outcome")  # fmt: skip

MAPPINGS = {
    "dynamic": "strict",
    "properties": {
        "kind": {"type": "keyword"},  # sentence | call | brief, key_point, ... (notes)
        # sentence documents (notes share call_id..end_ms)
        "text": _STEMMED,
        "call_id": {"type": "keyword"},
        "ordinal": {"type": "integer"},
        "speaker": {"type": "text", "analyzer": "words", "index_options": "freqs"},
        "speaker_key": {"type": "keyword"},
        "speaker_name": _LABEL,
        "speaker_email": _KEY,
        "affiliation": _KEY,
        "topic": _KEY,
        "started": {"type": "long"},
        "start_ms": _STORED_LONG,
        "end_ms": _STORED_LONG,
        "trackers": _KEY,  # normalised names of the trackers that fired in the sentence
        "tracker_names": _LABEL,
        # note documents: their text apart, so a transcript search never sees them
        "summary": _STEMMED,
        "comment": _STEMMED,
        "heading": _STORED,
        # call fields: on every kind (filters on sentences and notes, vocabulary on calls)
        "title": {"type": "text", "analyzer": "words", "index_options": "freqs"},
        **{name: _KEY for name in CALL_KEYS},
        "duration": {"type": "integer"},
        # call documents
        "hash": _STORED,
        "sentences": {"type": "integer", "index": False},
        "facts": {"type": "object", "enabled": False},  # display values of its facets
    },
}


def index_body(shards: int) -> dict:
    """New generation: no periodic refresh (a sync's commit refreshes), replicas wherever
    a second node exists."""
    return {
        "settings": {
            "number_of_shards": shards,
            "auto_expand_replicas": "0-1",
            "refresh_interval": "-1",
            "analysis": ANALYSIS,
            "similarity": SIMILARITY,
        },
        "mappings": MAPPINGS,
    }
