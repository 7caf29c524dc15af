"""Per-request tallies shared by both sandboxes' fault injectors.

Contract: `Tallies` holds a lock and a counter; `_tally(key)` adds one under `key`, `stats()` returns a
copy of every tally and `reset_stats()` forgets them. Subclasses (each sandbox's `Faults`) choose the key
and guard their own state with the same lock.
"""

from __future__ import annotations

import threading
from collections import Counter


class Tallies:
    def __init__(self) -> None:
        self._lock = threading.Lock()
        self._counts: Counter[str] = Counter()

    def _tally(self, key: str) -> None:
        with self._lock:
            self._counts[key] += 1

    def stats(self) -> dict[str, int]:
        with self._lock:
            return dict(self._counts)

    def reset_stats(self) -> None:
        with self._lock:
            self._counts.clear()
