"""The simulated clock every lifecycle computation reads.

Contract: `now()` is epoch seconds of simulated time =
start epoch + real elapsed seconds * time_scale + the sum of `advance()` calls. With time_scale=60
one real second is one simulated minute. Nothing ticks in the background: callers compute state
from `now()` when a request arrives, so a test that only calls `advance()` (time_scale small) sees
a fully deterministic history.
"""

from __future__ import annotations

import threading
import time
from collections.abc import Callable


class SimClock:
    def __init__(
        self,
        *,
        time_scale: float = 1.0,
        start_epoch: float | None = None,
        monotonic: Callable[[], float] = time.monotonic,
    ) -> None:
        if time_scale < 0:
            raise ValueError("time_scale must be >= 0")
        self.time_scale = time_scale
        self._monotonic = monotonic
        self._t0 = monotonic()
        self._start = time.time() if start_epoch is None else start_epoch
        self._offset = 0.0
        self._lock = threading.Lock()

    def now(self) -> float:
        with self._lock:
            return self._start + (self._monotonic() - self._t0) * self.time_scale + self._offset

    def advance(self, seconds: float) -> None:
        if seconds < 0:
            raise ValueError("the simulated clock only moves forward")
        with self._lock:
            self._offset += seconds
