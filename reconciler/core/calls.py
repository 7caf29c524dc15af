"""Counting of remote API calls, for the summary line ("API calls by service and verb") and the metrics.

Contract: `CallCounter.add(service, verb)` is thread-safe; `snapshot()` returns
{service: {verb: count}} sorted by name; `total(service)` sums one service.
`add_result(service, verb, result)` counts one HTTP request by how it ended (`ok`, `throttled`,
`error`: RESULTS); `results()` returns {(service, verb, result): count} sorted. The two are counted
separately: `add` counts the calls the reconciler made, `add_result` the requests on the wire (a call
botocore retried is one call and several requests).
Pure bookkeeping: no I/O.
"""

from __future__ import annotations

import threading
from collections import Counter

RESULTS = ("ok", "throttled", "error")


class CallCounter:
    def __init__(self) -> None:
        self._counts: Counter[tuple[str, str]] = Counter()
        self._results: Counter[tuple[str, str, str]] = Counter()
        self._lock = threading.Lock()

    def add(self, service: str, verb: str) -> None:
        with self._lock:
            self._counts[(service, verb)] += 1

    def add_result(self, service: str, verb: str, result: str) -> None:
        if result not in RESULTS:
            raise ValueError(f"result {result!r} is not one of {RESULTS}")
        with self._lock:
            self._results[(service, verb, result)] += 1

    def snapshot(self) -> dict[str, dict[str, int]]:
        with self._lock:
            items = sorted(self._counts.items())
        result: dict[str, dict[str, int]] = {}
        for (service, verb), count in items:
            result.setdefault(service, {})[verb] = count
        return result

    def results(self) -> dict[tuple[str, str, str], int]:
        with self._lock:
            return dict(sorted(self._results.items()))

    def total(self, service: str) -> int:
        with self._lock:
            return sum(count for (svc, _), count in self._counts.items() if svc == service)
