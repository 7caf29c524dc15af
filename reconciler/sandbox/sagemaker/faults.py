"""Request counters, injected faults and added latency.

Contract: `count(operation)` tallies every request as it arrives (faulted ones included), and
`stats()` returns the tallies. `take(operation, subject)` returns the ApiError to answer instead
of handling the request, or None: scripted faults first (an operation, optionally one resource
name, `times` answers), then the random fault rate (seeded, so reproducible). `latency` is slept
before every request.
"""

from __future__ import annotations

import random
from collections.abc import Collection
from dataclasses import dataclass
from typing import Any

from reconciler.sandbox.sagemaker import errors
from reconciler.sandbox.tallies import Tallies


@dataclass
class _Scripted:
    operation: str
    name: str | None
    error: str | int
    remaining: int


class Faults(Tallies):
    def __init__(self, *, seed: int) -> None:
        super().__init__()
        self._scripted: list[_Scripted] = []
        self._rate = 0.0
        self._rate_error: str | int = "ThrottlingException"
        self._rate_operations: frozenset[str] | None = None
        self._rng = random.Random(f"faults:{seed}")
        self.latency = 0.0

    def count(self, operation: str) -> None:
        self._tally(operation)

    def inject(self, *, operation: str, name: str | None, error: str | int, times: int) -> None:
        with self._lock:
            self._scripted.append(_Scripted(operation, name, error, times))

    def set_rate(self, *, rate: float, error: str | int, operations: Collection[str] | None) -> None:
        if not 0.0 <= rate <= 1.0:
            raise ValueError("fault rate must be within [0, 1]")
        with self._lock:
            self._rate, self._rate_error = rate, error
            self._rate_operations = frozenset(operations) if operations is not None else None

    def clear(self) -> None:
        with self._lock:
            self._scripted.clear()
            self._rate = 0.0
            self.latency = 0.0

    def take(
        self, operation: str, *, subject: str | None, denial: dict[str, Any] | None = None
    ) -> errors.ApiError | None:
        """`denial` (`errors.from_fault`'s keywords: action, resource, partition, account,
        tuning_jobs_limit) lets injected errors be worded as the real service words them."""
        context = denial or {}
        with self._lock:
            for fault in self._scripted:
                if fault.operation != operation or fault.remaining <= 0:
                    continue
                if fault.name is not None and (subject is None or fault.name.lower() != subject.lower()):
                    continue
                fault.remaining -= 1
                if fault.remaining == 0:
                    self._scripted.remove(fault)
                return errors.from_fault(fault.error, **context)
            applies = self._rate_operations is None or operation in self._rate_operations
            if self._rate > 0 and applies and self._rng.random() < self._rate:
                return errors.from_fault(self._rate_error, **context)
        return None
