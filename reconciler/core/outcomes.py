"""What a pass produced, as plain values: the outcome of one resource and the report of one pass.

Contract: data only, no I/O. The engine fills these in (`engine.reconcile` one `Result` per resource,
`engine.run` one `PassReport` per pass); `engine.summary` prints them and `cli` maps them to exit codes.
They live in the core so that the printer and the pass depend on them, not on each other.
"""

from __future__ import annotations

import enum
from collections import Counter
from collections.abc import Callable, Mapping
from dataclasses import dataclass, field
from typing import Any


class Outcome(enum.Enum):
    CREATED = "created"
    ADOPTED = "adopted"
    UPDATED = "updated"
    UNCHANGED = "unchanged"
    STALLED = "stalled"
    STOPPING = "stopping"
    DELETED = "deleted"
    PLANNED = "planned"
    RETRY = "retry"
    FAILED = "failed"


@dataclass
class Result:
    namespace: str
    name: str
    outcome: Outcome
    action: str = ""
    why: str = ""
    job: str | None = None
    message: str | None = None
    stalled_reason: str | None = None
    # The resource's status (API form) after this pass, as written or as found; None when the
    # resource is gone. Read by the pass's metrics; never kept beyond the pass.
    status: Mapping[str, Any] | None = field(default=None, repr=False, compare=False)


@dataclass
class PassReport:
    """What one pass did. Per-resource results are kept only for resources something happened to:
    holding one for every untouched resource would pin the memory of every list page (the
    interpreter cannot return an arena while a single small object in it lives)."""

    outcomes: Counter[str] = field(default_factory=Counter)
    stalled: int = 0  # resources Stalled after the pass, whether or not touched
    failed: int = 0
    acted: list[Result] = field(default_factory=list)  # every result but `unchanged`
    skipped_by: str | None = None  # the lease holder, when another run holds the lease
    error: str | None = None
    stopped: str | None = None  # why the pass stopped taking new work early (a signal, fencing)
    stopped_by_signal: int | None = None  # the signal's number, when a signal asked
    not_started: int = 0  # resources queued but dropped when the pass stopped early
    abandoned: int = 0  # resources still in flight at the end of the grace period
    calls: dict[str, dict[str, int]] = field(default_factory=dict)
    duration_seconds: float = 0.0
    cpu_seconds: float = 0.0  # the process's CPU time during the pass, every thread counted
    stalled_reasons: Counter[str] = field(default_factory=Counter)
    requests: dict[tuple[str, str, str], int] = field(default_factory=dict)  # (service, verb, result)
    # Called with every result, settled ones included (the metrics' per-resource gauges).
    observer: Callable[[Result], None] | None = field(default=None, repr=False)

    def add(self, result: Result) -> None:
        self.outcomes[result.outcome.value] += 1
        # A resource deleted in this pass is gone, whatever its last condition said: deleting a
        # Stalled resource is the remedy the docs give, and must not fail `--fail-on-error`.
        stalled = result.stalled_reason if result.outcome is not Outcome.DELETED else None
        self.stalled += 1 if stalled else 0
        if stalled:
            self.stalled_reasons[stalled] += 1
        if self.observer is not None:
            self.observer(result)
        self.failed += 1 if result.outcome is Outcome.FAILED else 0
        if result.outcome is not Outcome.UNCHANGED:
            self.acted.append(result)

    @property
    def resources(self) -> int:
        return sum(self.outcomes.values())
