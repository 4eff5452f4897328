"""Processing lag: calls that show up late, and transcripts that are not ready yet.

Gong publishes calls only after processing them, sometimes out of order (Pipedream #21479),
and a listed call may not have its transcript yet. Both effects are counted in requests,
not seconds, so tests are fast and exact:

* Late calls: a deterministic share ``late_fraction`` of calls (chosen by a hash of seed and
  call id) is hidden from call listings (/v2/calls/extensive, /v2/calls/transcript and
  GET /v2/calls). The first listing request whose filter matches such a call (on any page)
  starts its clock, and the call is listed
  from the ``late_requests``-th /v2/calls/extensive request after that one. With
  ``late_requests=3``: seen (hidden) during extensive request #1, still hidden in #2 and
  #3, listed from #4 on. Transcript requests start clocks but do not advance them.
* Delayed transcripts: for a deterministic share ``delay_fraction`` of calls, a transcript
  page returns the call with ``transcript: []`` until ``transcript_delay`` further
  /v2/calls/transcript requests have been made after the first one that returned the call.
"""

from __future__ import annotations

import hashlib


def _share(seed: int, salt: str, call_id: str) -> float:
    digest = hashlib.sha256(f"{seed}:{salt}:{call_id}".encode()).digest()
    return int.from_bytes(digest[:8], "big") / 2**64


class ProcessingLag:
    def __init__(
        self,
        seed: int = 0,
        late_fraction: float = 0.0,
        late_requests: int = 3,
        transcript_delay: int = 0,
        delay_fraction: float = 1.0,
    ) -> None:
        self._seed = seed
        self._late_fraction = late_fraction
        self._late_requests = late_requests
        self._transcript_delay = transcript_delay
        self._delay_fraction = delay_fraction
        self._extensive_requests = 0
        self._transcript_requests = 0
        self._late_since: dict[str, int] = {}
        self._delay_since: dict[str, int] = {}

    @property
    def hides_calls(self) -> bool:
        return self._late_fraction > 0 and self._late_requests > 0

    def count_extensive_request(self) -> None:
        self._extensive_requests += 1

    def count_transcript_request(self) -> None:
        self._transcript_requests += 1

    def listed(self, call_id: str) -> bool:
        """Whether a listing that matches ``call_id`` may include it now."""
        if not self.hides_calls or _share(self._seed, "late", call_id) >= self._late_fraction:
            return True
        since = self._late_since.setdefault(call_id, self._extensive_requests)
        return self._extensive_requests - since >= self._late_requests

    def transcript_ready(self, call_id: str) -> bool:
        """Whether a transcript page that returns ``call_id`` may include its monologues."""
        if self._transcript_delay <= 0:
            return True
        if _share(self._seed, "delay", call_id) >= self._delay_fraction:
            return True
        since = self._delay_since.setdefault(call_id, self._transcript_requests)
        return self._transcript_requests - since >= self._transcript_delay
