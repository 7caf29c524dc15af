"""When a child TrainingJob of a running tuning job is described again (its SECONDARY-STATUS).

The listing of a tuning job's training jobs (ListTrainingJobsForHyperParameterTuningJob) carries
each job's TrainingJobStatus but not its SecondaryStatus (Starting, Downloading, Training,
Uploading...), which only DescribeTrainingJob gives. Describing every running child on every pass
would cost one call per child per pass; never describing it again would leave SECONDARY-STATUS at
`Starting` while SageMaker says `Training`. The rule:

- `child_needs_describe(child, listed_status, now=..., heartbeat_seconds=...)`: a child is described
  when it is new, when its TrainingJobStatus in the listing differs from the one it records, and,
  while that status is a running one (InProgress, Stopping), once per heartbeat (its
  `status.lastCheckTime` older than `heartbeat_seconds`, the same period at which a running tuning
  job's own status is rewritten). `heartbeat_seconds=0` describes running children on every pass.
- `children_refresh_due(status, now=..., heartbeat_seconds=...)`: whether a pass mirrors the children
  of a tuning job although its counters did not change: some training job is in progress (the
  recorded counters) and the parent's own heartbeat is due (its `lastCheckTime`), so the children
  are listed once per heartbeat and only the running ones among them described again.
So a running child's SECONDARY-STATUS is at most one heartbeat (default 10 minutes) plus one pass
behind SageMaker's. Pure: the clock is a parameter.
"""

from __future__ import annotations

import datetime as dt

from reconciler.core.model import HyperparameterTuningJobStatus, TrainingJob
from reconciler.core.moments import parse_moment

RUNNING_TRAINING_STATUSES = frozenset({"InProgress", "Stopping"})


def _heartbeat_due(child: TrainingJob, *, now: dt.datetime, heartbeat_seconds: int) -> bool:
    checked = parse_moment(child.status.last_check_time)
    return checked is None or (now - checked).total_seconds() >= heartbeat_seconds


def child_needs_describe(
    child: TrainingJob | None, listed_status: str | None, *, now: dt.datetime, heartbeat_seconds: int
) -> bool:
    if child is None or child.status.training_job_status != listed_status:
        return True
    if listed_status in RUNNING_TRAINING_STATUSES:
        return _heartbeat_due(child, now=now, heartbeat_seconds=heartbeat_seconds)
    return False


def children_refresh_due(
    status: HyperparameterTuningJobStatus, *, now: dt.datetime, heartbeat_seconds: int
) -> bool:
    counters = status.training_job_status_counters
    if counters is None or not counters.in_progress:
        return False
    checked = parse_moment(status.last_check_time)
    return checked is None or (now - checked).total_seconds() >= heartbeat_seconds
