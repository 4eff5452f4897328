"""The prefetching pipeline: order, bounded look-ahead, errors and early stops."""

from __future__ import annotations

import threading
import time

import pytest

from gong_search.pipeline import prefetch


def test_items_arrive_in_order() -> None:
    assert list(prefetch(range(50), depth=2)) == list(range(50))


def test_producer_runs_ahead_while_consumer_works_but_only_by_depth() -> None:
    produced: list[int] = []

    def source():
        for i in range(10):
            produced.append(i)
            yield i

    stream = prefetch(source(), depth=1)
    assert next(stream) == 0
    time.sleep(0.2)
    assert len(produced) <= 3  # the item consumed, one waiting, one being offered
    assert list(stream) == list(range(1, 10))


def test_producer_error_is_raised_in_the_consumer() -> None:
    def source():
        yield 1
        raise ValueError("boom")

    stream = prefetch(source())
    assert next(stream) == 1
    with pytest.raises(ValueError, match="boom"):
        next(stream)


def test_stopping_early_stops_the_producer() -> None:
    before = threading.active_count()
    for item in prefetch(iter(range(1000)), depth=1):
        if item == 3:
            break
    time.sleep(0.3)
    assert threading.active_count() == before


def test_work_overlaps() -> None:
    def slow_source():
        for i in range(4):
            time.sleep(0.1)
            yield i

    started = time.monotonic()
    for _ in prefetch(slow_source()):
        time.sleep(0.1)
    assert time.monotonic() - started < 0.7  # 0.8 s if produce and consume took turns
