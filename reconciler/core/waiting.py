"""When a resource that waits or needs a person is looked at again (issue 10 item 6).

Contract:
- Stalled means a person must act. `stalled_quiet(resource, now=..., heartbeat_seconds=...)` is True
  while such a resource must cost nothing (no SageMaker call, no write, no event): it is not being
  deleted, its True Stalled condition was recorded for the current generation, it is not a refused
  spec of a job that still runs (SpecUpdateRefused, InvalidSpec: that job keeps being tracked), and
  its last check is more recent than the heartbeat. When the heartbeat has passed, the pass makes
  one read-only re-check; RejectedBySageMaker has none (only a create could tell), so it stays quiet
  until the spec changes. A new generation (the user acted) ends the quiet at once.
- What heals by itself is not Stalled: the resource stays Reconciling with a `Wait` reason
  (`WAITING_FOR_WARM_START_PARENT`, `WAITING_FOR_JOB_LIMIT`) and a message saying what it waits for.
  `retry_due(resource, now=..., base_seconds=..., cap_seconds=...)` says whether the next attempt is
  due: the pause after an attempt is as long as the wait has lasted so far (so attempts come at
  base, 2 base, 4 base ... after the wait began), at least `base_seconds` and at most `cap_seconds`.
  `base_seconds=0` means no backoff. A resource that is not waiting is always due.
Pure: the clock is a parameter.
"""

from __future__ import annotations

import datetime as dt

from reconciler.core.model import RUNNING_JOB_STATUSES, HyperparameterTuningJob
from reconciler.core.moments import parse_moment

WAITING_FOR_WARM_START_PARENT = "WaitingForWarmStartParent"
WAITING_FOR_JOB_LIMIT = "WaitingForJobLimit"
WAIT_REASONS = frozenset({WAITING_FOR_WARM_START_PARENT, WAITING_FOR_JOB_LIMIT})
# Refusals of a spec while its job keeps running: the job is still tracked on every pass.
_TRACKING_REASONS = frozenset({"SpecUpdateRefused", "InvalidSpec"})
# Refusals only a create could re-check (SageMaker's own validation): no read-only re-check exists,
# so they wait for the spec to change.
_CREATE_ONLY_REASONS = frozenset({"RejectedBySageMaker"})
JOB_LIMIT_MESSAGE = (
    "waiting for the account's limit of concurrent SageMaker tuning jobs to free up (another job must "
    "finish, or the quota be raised in AWS Service Quotas); retried with backoff"
)


def stalled_quiet(resource: HyperparameterTuningJob, *, now: dt.datetime, heartbeat_seconds: int) -> bool:
    """Whether this pass leaves a Stalled resource alone entirely; see the module contract."""
    if resource.deleting:
        return False
    status = resource.status
    stalled = status.condition("Stalled")
    generation = resource.metadata.generation
    if stalled is None or stalled.status != "True":
        return False
    if status.observed_generation != generation or stalled.observed_generation not in (None, generation):
        return False
    if (
        stalled.reason in _TRACKING_REASONS
        and resource.job_known
        and status.hyper_parameter_tuning_job_status in RUNNING_JOB_STATUSES
    ):
        return False
    if stalled.reason in _CREATE_ONLY_REASONS:
        return True
    checked = parse_moment(status.last_check_time)
    return checked is not None and (now - checked).total_seconds() < heartbeat_seconds


def waiting_reason(resource: HyperparameterTuningJob) -> str | None:
    """The Wait reason the True Reconciling condition records, if the resource waits."""
    reconciling = resource.status.condition("Reconciling")
    if reconciling is None or reconciling.status != "True" or reconciling.reason not in WAIT_REASONS:
        return None
    return reconciling.reason


def retry_due(
    resource: HyperparameterTuningJob, *, now: dt.datetime, base_seconds: int, cap_seconds: int
) -> bool:
    """Whether a waiting resource is tried again this pass; see the module contract."""
    if waiting_reason(resource) is None or base_seconds <= 0:
        return True
    if resource.status.observed_generation != resource.metadata.generation:
        return True  # the user changed something: look again now
    reconciling = resource.status.condition("Reconciling")
    assert reconciling is not None
    since = parse_moment(reconciling.last_transition_time)
    checked = parse_moment(resource.status.last_check_time)
    if since is None or checked is None:
        return True
    waited = max(0.0, (checked - since).total_seconds())
    pause = min(float(cap_seconds), max(float(base_seconds), waited))
    return (now - checked).total_seconds() >= pause
