"""The OpenSearch index: analysis equivalent to the Whoosh engine's, and the mapping.

Text is split with the Whoosh engine's word pattern (``\\w+(\\.?\\w+)*``, Unicode), then
lower-cased, ASCII-folded and Porter-stemmed, with no stop list and with positions, so the
query's terms (analysed once, by the shared query parser) are the indexed terms. Each
sentence document also carries its call's fields (title, host, account domains, start),
so every filter is a ``filter`` clause; one *call document* per call holds the catalog
version the index reflects.
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

MAPPINGS = {
    "dynamic": "strict",
    "properties": {
        "kind": {"type": "keyword"},  # sentence | call
        # sentence documents
        "text": {"type": "text", "analyzer": "stemmed", "similarity": "whoosh_bm25f"},
        "call_id": {"type": "keyword"},
        "ordinal": {"type": "integer"},
        "speaker": {"type": "text", "analyzer": "words", "index_options": "freqs"},
        "speaker_key": {"type": "keyword"},
        "speaker_name": _STORED,
        "speaker_email": _KEY,
        "affiliation": _KEY,
        "topic": _KEY,
        "started": {"type": "long"},
        "start_ms": _STORED_LONG,
        "end_ms": _STORED_LONG,
        # call fields: on both kinds (filters on sentences, vocabulary on calls)
        "title": {"type": "text", "analyzer": "words", "index_options": "freqs"},
        "host": _KEY,
        "account": _KEY,
        # call documents
        "hash": _STORED,
        "sentences": {"type": "integer", "index": False},
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


# the query language's field names -> mapping fields
FIELDS = {
    "text": "text",
    "speaker": "speaker",
    "speaker_email": "speaker_email",
    "affiliation": "affiliation",
    "title": "title",
    "topic": "topic",
    "account": "account",
    "host": "host",
    "call_id": "call_id",
}
