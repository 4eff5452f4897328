"""Queued faults for reliability tests: each applies to the next matching requests."""

from __future__ import annotations

from dataclasses import dataclass, field

_OPTIONS: dict[str, dict[str, float]] = {
    "500": {},
    "502": {},
    "503": {},
    "429": {"retry_after": 1},
    "reset": {},
    "slow": {"seconds": 1.0},
    "truncated": {},
    "invalid_json": {},
    "empty200": {},
    "expired_cursor": {},
}

FAULT_KINDS = frozenset(_OPTIONS)


@dataclass
class Fault:
    kind: str
    remaining: int
    path: str | None
    options: dict[str, float] = field(default_factory=dict)


class FaultQueue:
    """First-in, first-out; a fault restricted to ``path`` only matches that exact path."""

    def __init__(self) -> None:
        self._faults: list[Fault] = []

    def add(self, kind: str, times: int = 1, path: str | None = None, **options: float) -> None:
        if kind not in _OPTIONS:
            raise ValueError(f"unknown fault {kind!r}; expected one of {sorted(FAULT_KINDS)}")
        unknown = set(options) - set(_OPTIONS[kind])
        if unknown or times < 1:
            raise ValueError(f"fault {kind!r}: bad options {sorted(unknown)} or times={times}")
        self._faults.append(Fault(kind, times, path, {**_OPTIONS[kind], **options}))

    def take(self, path: str) -> Fault | None:
        """The fault to apply to a request for ``path``, consuming one of its uses."""
        for fault in self._faults:
            if fault.path is None or fault.path == path:
                fault.remaining -= 1
                if fault.remaining == 0:
                    self._faults.remove(fault)
                return fault
        return None
