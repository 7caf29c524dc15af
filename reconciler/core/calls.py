"""Counting of remote API calls, for the summary line ("API calls by service and verb").

Contract: `CallCounter.add(service, verb)` is thread-safe; `snapshot()` returns
{service: {verb: count}} sorted by name; `total(service)` sums one service.
Pure bookkeeping: no I/O.
"""

from __future__ import annotations

import threading
from collections import Counter


class CallCounter:
    def __init__(self) -> None:
        self._counts: Counter[tuple[str, str]] = Counter()
        self._lock = threading.Lock()

    def add(self, service: str, verb: str) -> None:
        with self._lock:
            self._counts[(service, verb)] += 1

    def snapshot(self) -> dict[str, dict[str, int]]:
        with self._lock:
            items = sorted(self._counts.items())
        result: dict[str, dict[str, int]] = {}
        for (service, verb), count in items:
            result.setdefault(service, {})[verb] = count
        return result

    def total(self, service: str) -> int:
        with self._lock:
            return sum(count for (svc, _), count in self._counts.items() if svc == service)
