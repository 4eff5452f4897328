"""Benchmark harness for gong-search (issue 7): our Whoosh index vs SQLite FTS5, side by side.

Run ``python -m bench --sentences 100000``; see bench/README.md. Everything here measures
the package through its public entry points and never changes it.
"""
