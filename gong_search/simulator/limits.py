"""Gong's documented quotas: 3 requests per second and 10,000 per day, per company."""

from __future__ import annotations

import math
import time
from collections.abc import Callable
from datetime import UTC, datetime, timedelta


class RateLimiter:
    """A token bucket (burst = rate) plus a daily cap that resets at midnight UTC.

    ``check()`` returns None when the request may proceed, else the Retry-After seconds:
    about one second for the bucket, the time to midnight for the daily cap, or the fixed
    ``retry_after`` override when one is configured (to test clients facing long waits).
    """

    def __init__(
        self,
        rate: float,
        daily_limit: int | None = None,
        retry_after: int | None = None,
        clock: Callable[[], float] = time.monotonic,
        wall: Callable[[], datetime] = lambda: datetime.now(UTC),
    ) -> None:
        self._rate = rate
        self._capacity = max(1.0, rate)
        self._tokens = self._capacity
        self._daily_limit = daily_limit
        self._retry_after = retry_after
        self._clock = clock
        self._wall = wall
        self._last = clock()
        self._day = wall().date()
        self._used_today = 0

    def check(self) -> int | None:
        wait = self._daily_wait()
        if wait is None:
            wait = self._bucket_wait()
        if wait is not None:
            return self._retry_after if self._retry_after is not None else wait
        self._used_today += 1
        return None

    def _daily_wait(self) -> int | None:
        now = self._wall()
        if now.date() != self._day:
            self._day, self._used_today = now.date(), 0
        if self._daily_limit is None or self._used_today < self._daily_limit:
            return None
        midnight = datetime.combine(now.date() + timedelta(days=1), datetime.min.time(), UTC)
        return max(1, math.ceil((midnight - now).total_seconds()))

    def _bucket_wait(self) -> int | None:
        if self._rate <= 0:
            return None
        now = self._clock()
        self._tokens = min(self._capacity, self._tokens + (now - self._last) * self._rate)
        self._last = now
        if self._tokens >= 1:
            self._tokens -= 1
            return None
        return max(1, math.ceil((1 - self._tokens) / self._rate))
