"""Why a pass stops taking new work before its list is done: a termination signal, or a lease it can
no longer prove it holds (fencing).

Contract:
- `StopRequest` is a one-way latch shared by the pass's threads: `request(reason, signum=...)` sets it
  (the first reason wins and is kept; later requests are ignored), `requested` reads it, `wait(t)`
  blocks up to `t` seconds for it. `signum` is set only when a signal asked.
- `termination_signals(stop)` is a context manager that, in the main thread, turns SIGTERM and SIGINT
  into `stop.request(...)` for its duration and then restores the previous handlers. Elsewhere (a
  pass run from a worker thread, as some tests and embedders do) it installs nothing: Python delivers
  signals to the main thread only.
The handler only sets the latch: everything else (waiting for calls in flight, releasing the Lease,
the summary) happens in the pass's own code, never inside a signal handler.
"""

from __future__ import annotations

import contextlib
import signal
import threading
from collections.abc import Iterator
from types import FrameType

SIGNALS = (signal.SIGTERM, signal.SIGINT)


class StopRequest:
    def __init__(self) -> None:
        self._event = threading.Event()
        self._lock = threading.Lock()
        self.reason: str | None = None
        self.signum: int | None = None

    def request(self, reason: str, *, signum: int | None = None) -> None:
        with self._lock:
            if self._event.is_set():
                return
            self.reason, self.signum = reason, signum
            self._event.set()

    @property
    def requested(self) -> bool:
        return self._event.is_set()

    def wait(self, timeout: float) -> bool:
        return self._event.wait(timeout)


@contextlib.contextmanager
def termination_signals(stop: StopRequest) -> Iterator[None]:
    if threading.current_thread() is not threading.main_thread():
        yield
        return

    def handler(signum: int, frame: FrameType | None) -> None:
        stop.request(f"received {signal.Signals(signum).name}", signum=signum)

    previous = {signum: signal.signal(signum, handler) for signum in SIGNALS}
    try:
        yield
    finally:
        for signum, old in previous.items():
            signal.signal(signum, old)
