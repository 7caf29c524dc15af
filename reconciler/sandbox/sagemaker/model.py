"""The simulator's in-memory records: tuning jobs, the training jobs they launch, and the knobs.

Contract: plain data with no behaviour beyond status-at-a-time helpers. A `TrainingRun`'s whole
timeline (phase start times, end time, outcome, final metric) is fixed when it is launched, so its
status at any simulated time `t` is a pure function of `t`; `lifecycle` decides when runs launch
and end. `__slots__` keep 50,000 runs well under the memory goal.
"""

from __future__ import annotations

import math
import random
from dataclasses import dataclass, field
from typing import Any

from reconciler.sandbox.sagemaker.ranges import ParamRange


@dataclass(slots=True)
class Knobs:
    """Durations in simulated seconds (time_scale=1: a 10-job run of the sample takes ~3-4 minutes)."""

    starting: float = 60.0
    downloading: float = 30.0
    training: float = 90.0
    uploading: float = 20.0
    jitter: float = 0.2  # each phase lasts its duration times a factor in [1 - jitter, 1 + jitter]
    stop_delay: float = 10.0  # how long Stopping lasts
    retryable_failure_rate: float = 0.0
    non_retryable_failure_rate: float = 0.0
    early_stop_min_jobs: int = 3  # Auto early stopping needs this many final metrics to compare with
    # Account-level quotas "<instance type> for training job usage", in instances (unset: unlimited).
    instance_quotas: dict[str, int] = field(default_factory=dict)
    # A tuning job whose first this-many training jobs all fail ends Failed (see lifecycle).
    failed_attempts_limit: int = 5


@dataclass(slots=True)
class TrainingRun:
    name: str
    arn: str
    index: int  # 1-based, the NNN of the name
    definition_index: int
    tuned: dict[str, str]
    created: float
    t_download: float
    t_train: float
    t_upload: float
    ended_at: float
    outcome: str  # final TrainingJobStatus: Completed | Failed | Stopped
    final_metric: float | None
    rounds_reported: int  # how many metric lines the training phase writes before it ends
    rounds_total: int
    failure_reason: str | None = None
    retryable: bool = False
    early_stopped: bool = False
    stop_requested_at: float | None = None
    tags: list[dict[str, str]] = field(default_factory=list)
    processed: bool = False  # its end has been accounted in the parent's counters

    def status(self, t: float) -> str:
        if t >= self.ended_at:
            return self.outcome
        if self.stop_requested_at is not None and t >= self.stop_requested_at:
            return "Stopping"
        return "InProgress"

    def secondary_status(self, t: float) -> str:
        if t >= self.ended_at:
            return "Stopped" if self.outcome == "Stopped" else self.outcome
        if self.stop_requested_at is not None and t >= self.stop_requested_at:
            return "Stopping"
        if t < self.t_download:
            return "Starting"
        if t < self.t_train:
            return "Downloading"
        if t < self.t_upload:
            return "Training"
        return "Uploading"


@dataclass(slots=True)
class Counters:
    completed: int = 0
    retryable_error: int = 0
    non_retryable_error: int = 0
    stopped: int = 0
    objective_succeeded: int = 0
    objective_failed: int = 0


@dataclass(slots=True)
class TuningJob:
    name: str
    arn: str
    region: str
    request: dict[str, Any]  # the create request with SageMaker's defaults filled in
    created: float
    strategy: str
    objective_type: str
    metric_name: str
    ranges: list[list[ParamRange]]  # per training job definition
    max_jobs: int
    max_parallel: int
    max_runtime: float | None
    target_value: float | None
    not_improving_limit: int | None
    convergence_window: int | None
    early_stopping: bool
    early_stop_fraction: float  # how far into Training an early-stopped run gets
    seed: int
    rng: random.Random
    tags: list[dict[str, str]]
    runs: list[TrainingRun] = field(default_factory=list)
    running: list[TrainingRun] = field(default_factory=list)
    counters: Counters = field(default_factory=Counters)
    best: TrainingRun | None = None
    jobs_not_improving: int = 0
    converged_at: float | None = None
    stop_launching: bool = False
    runtime_limit_applied: bool = False
    stop_requested_at: float | None = None
    forced_status: str | None = None
    ended_at: float | None = None
    final_status: str | None = None
    failure_reason: str | None = None
    last_modified: float = 0.0
    caught_up_to: float = 0.0
    next_due: float = -math.inf  # no event before this simulated time (lifecycle's cache)

    def definition(self, index: int) -> dict[str, Any]:
        """The index-th training job definition (a single TrainingJobDefinition is index 0)."""
        if self.request.get("TrainingJobDefinition"):
            single: dict[str, Any] = self.request["TrainingJobDefinition"]
            return single
        many: list[dict[str, Any]] = self.request["TrainingJobDefinitions"]
        return many[index]

    def status(self, t: float) -> str:
        if self.ended_at is not None and t >= self.ended_at and self.final_status is not None:
            return self.final_status
        if self.stop_requested_at is not None and t >= self.stop_requested_at:
            return "Stopping"
        return "InProgress"
