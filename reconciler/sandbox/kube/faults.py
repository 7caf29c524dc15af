"""Request counters, scripted faults, random faults and added latency.

Contract:
- `count(verb, resource)` records one API request under "<VERB> <resource>" (VERB one of GET LIST WATCH
  CREATE UPDATE PATCH DELETE; resource the plural, with `/status` appended for the status subresource).
- `inject(verb=, resource=, name=, status=, times=, when=)` scripts an error for the next `times` matching
  requests; `when="before"` fails the request without applying it, `when="after"` applies the write and
  then answers the error (a response lost after the write happened); for WATCH, "after" opens the
  stream and then sends a single ERROR event carrying the error's Status.
- `set_rate(rate=, status=, verbs=)` fails that fraction of matching requests (before applying them),
  drawn from a seeded generator so runs are repeatable; `set_latency(seconds)` delays every API request.
- `take(verb, resource, name)` consumes and returns the fault to apply to one request, if any.
"""

from __future__ import annotations

import random
from collections.abc import Collection
from dataclasses import dataclass

from reconciler.sandbox.tallies import Tallies

VERBS = ("GET", "LIST", "WATCH", "CREATE", "UPDATE", "PATCH", "DELETE")
WHEN = ("before", "after")


@dataclass
class Fault:
    verb: str
    resource: str
    name: str | None
    status: int
    times: int
    when: str


class Faults(Tallies):
    def __init__(self, *, seed: int = 0) -> None:
        super().__init__()
        self._scripted: list[Fault] = []
        self._rate = 0.0
        self._rate_status = 500
        self._rate_verbs: frozenset[str] | None = None
        self._random = random.Random(seed)
        self.latency = 0.0

    def count(self, verb: str, *, resource: str) -> None:
        self._tally(f"{verb} {resource}")

    def clear(self) -> None:
        with self._lock:
            self._scripted.clear()
            self._rate = 0.0
            self._rate_verbs = None
            self.latency = 0.0

    def inject(
        self, *, verb: str, resource: str, name: str | None, status: int, times: int, when: str
    ) -> None:
        if verb not in VERBS:
            raise ValueError(f"verb must be one of {', '.join(VERBS)}, not {verb!r}")
        if when not in WHEN:
            raise ValueError(f"when must be 'before' or 'after', not {when!r}")
        if not 400 <= status <= 599:
            raise ValueError(f"status must be an HTTP error code (400-599), not {status}")
        if times < 1:
            raise ValueError("times must be at least 1")
        with self._lock:
            self._scripted.append(Fault(verb, resource, name, status, times, when))

    def set_rate(self, *, rate: float, status: int, verbs: Collection[str] | None) -> None:
        if not 0.0 <= rate <= 1.0:
            raise ValueError(f"rate must be between 0 and 1, not {rate}")
        unknown = set(verbs or ()) - set(VERBS)
        if unknown:
            raise ValueError(f"unknown verbs {sorted(unknown)}; use {', '.join(VERBS)}")
        with self._lock:
            self._rate, self._rate_status = rate, status
            self._rate_verbs = frozenset(verbs) if verbs else None

    def set_latency(self, seconds: float) -> None:
        if seconds < 0:
            raise ValueError("latency must not be negative")
        self.latency = seconds

    def take(self, verb: str, *, resource: str, name: str | None) -> Fault | None:
        with self._lock:
            for fault in self._scripted:
                if fault.verb == verb and fault.resource == resource and fault.name in (None, name):
                    fault.times -= 1
                    if fault.times == 0:
                        self._scripted.remove(fault)
                    return fault
            rate_applies = self._rate and (self._rate_verbs is None or verb in self._rate_verbs)
            if rate_applies and self._random.random() < self._rate:
                return Fault(verb, resource, name, self._rate_status, 1, "before")
        return None
