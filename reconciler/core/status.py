"""Status and conditions of both kinds, built from what SageMaker said and what the pass decided.

Contract (docs/architecture.md):
- `Verdict` is what the conditions say: `Ready` (always present: True/False/Unknown), `Reconciling`
  (present only while True), `Stalled` (present only while True), each with a reason and a message
  telling a person what to do. `verdict_for_job`, `stalled_verdict`, `pending_verdict` and
  `deleting_verdict` produce them, `waiting_verdict` the Reconciling one of a self-healing wait;
  Stalled reasons are `core.reasons.StalledReason` members.
- `tuning_job_status(previous, ...)` returns the new HyperparameterTuningJob status; counters, best
  training job and failure reason come from a DescribeHyperParameterTuningJob response when given,
  else are kept from `previous` (as are the counters when `children_mirrored=False`, and the ARN
  when the response lacks one). `observedGeneration` is set on the status and on every condition.
- `without_job(previous)`: the status with every member about a SageMaker job removed.
- `conditions(...)` keeps a condition's `lastTransitionTime` unless its status flips.
- `needs_write(old, new, now=..., heartbeat_seconds=..., running=...)` is False when nothing but
  `lastCheckTime` would change, unless `running` (the job runs) and the last check is older than
  the heartbeat.
- `training_jobs_changed(previous, description)` tells whether the children need a refresh.
- `training_job_status(...)` builds a child's status from DescribeTrainingJob and the tuning job's
  training-job summary.
Pure: the clock is a parameter (`now`), timestamps are RFC 3339 UTC strings.
"""

from __future__ import annotations

import datetime as dt
from collections.abc import Mapping
from dataclasses import dataclass
from typing import Any
from urllib.parse import quote

from reconciler.core.decide import Refusal
from reconciler.core.model import (
    RECONCILING_TUNING_JOB,
    RUNNING_JOB_STATUSES,
    SYNCHRONIZING,
    BestTrainingJob,
    Condition,
    ConditionStatus,
    HyperparameterTuningJobStatus,
    MetricDatum,
    NameValue,
    ObjectiveMetric,
    TrainingJobStatus,
    TrainingJobStatusCounters,
)
from reconciler.core.reasons import StalledReason


@dataclass(frozen=True)
class Verdict:
    ready: ConditionStatus
    reason: str
    message: str
    reconciling: bool = False
    stalled: bool = False


def rfc3339(value: Any) -> str | None:
    """A datetime (boto3) or ISO string as `2019-10-17T01:15:52Z`; None stays None."""
    if value is None:
        return None
    moment: dt.datetime
    if isinstance(value, dt.datetime):
        moment = value
    elif isinstance(value, str):
        try:
            moment = dt.datetime.fromisoformat(value.replace("Z", "+00:00"))
        except ValueError:
            return value
    elif isinstance(value, int | float):
        moment = dt.datetime.fromtimestamp(value, tz=dt.UTC)
    else:
        return str(value)
    if moment.tzinfo is None:
        moment = moment.replace(tzinfo=dt.UTC)
    return moment.astimezone(dt.UTC).strftime("%Y-%m-%dT%H:%M:%SZ")


def pending_verdict(job_name: str) -> Verdict:
    return Verdict(
        "Unknown",
        "Creating",
        f"SageMaker tuning job {job_name} was requested; its status is not known yet",
        reconciling=True,
    )


def retrying_create_verdict(job_name: str, *, cleared: str, error: str) -> Verdict:
    """A create that failed transiently after the recorded refusal `cleared` stopped applying: the
    status must not keep saying what no longer holds (e.g. EndpointNotAllowed once the flag is on)."""
    return Verdict(
        "Unknown",
        "Retrying",
        f"{cleared} no longer applies; creating SageMaker tuning job {job_name} failed for now ({error}); "
        "retried on the next pass",
        reconciling=True,
    )


def deleting_verdict(message: str) -> Verdict:
    return Verdict("Unknown", "Deleting", message, reconciling=True)


def waiting_verdict(reason: str, message: str) -> Verdict:
    """Reconciling while waiting for something that heals by itself (core.waiting): not Stalled."""
    return Verdict("Unknown", reason, message, reconciling=True)


def without_job(previous: HyperparameterTuningJobStatus) -> HyperparameterTuningJobStatus:
    """`previous` with everything it said about a SageMaker job removed: for a status that named a job
    the resource does not own (a status is a claim), so nothing of that job stays in it."""
    return previous.model_copy(
        update={
            "sage_maker_hyper_parameter_tuning_job_name": None,
            "hyper_parameter_tuning_job_arn": None,
            "hyper_parameter_tuning_job_status": None,
            "failure_reason": None,
            "training_job_status_counters": None,
            "best_training_job": None,
        },
        deep=True,
    )


def stalled_verdict(refusal: Refusal) -> Verdict:
    return Verdict("False", refusal.reason, refusal.message, stalled=True)


def verdict_for_job(job_status: str, *, job_name: str, failure_reason: str | None = None) -> Verdict:
    """Conditions for a job SageMaker reports, when the spec is in sync."""
    if job_status == "Completed":
        return Verdict("True", "Completed", f"SageMaker tuning job {job_name} completed")
    if job_status == "Failed":
        why = f": {failure_reason}" if failure_reason else ""
        return Verdict(
            "False",
            StalledReason.JOB_FAILED,
            f"SageMaker tuning job {job_name} failed{why}. Fix the cause, then delete and re-create "
            "this resource (or use a new metadata.name) to run it again",
            stalled=True,
        )
    if job_status == "Stopped":
        return Verdict(
            "False",
            StalledReason.JOB_STOPPED,
            f"SageMaker tuning job {job_name} was stopped outside this resource; delete and re-create "
            "the resource to run it again",
            stalled=True,
        )
    if job_status == "Stopping":
        return Verdict(
            "Unknown", "Stopping", f"SageMaker is stopping tuning job {job_name}", reconciling=True
        )
    return Verdict(
        "Unknown",
        job_status or "InProgress",
        f"SageMaker tuning job {job_name} is {job_status}",
        reconciling=True,
    )


def conditions(
    verdict: Verdict, *, previous: list[Condition], generation: int, now: dt.datetime
) -> list[Condition]:
    """Ready always; Reconciling and Stalled only while True; transition times kept unless flipped."""
    wanted: list[tuple[str, ConditionStatus, str, str]] = [
        ("Ready", verdict.ready, verdict.reason, verdict.message)
    ]
    if verdict.reconciling:
        wanted.append(("Reconciling", "True", verdict.reason, verdict.message))
    if verdict.stalled:
        wanted.append(("Stalled", "True", verdict.reason, verdict.message))
    before = {c.type: c for c in previous}
    result = []
    for type_, status, reason, message in wanted:
        old = before.get(type_)
        since = old.last_transition_time if old is not None and old.status == status else None
        result.append(
            Condition(
                type=type_,
                status=status,
                reason=reason,
                message=message,
                last_transition_time=since or rfc3339(now),
                observed_generation=generation,
            )
        )
    return result


def tuning_job_status(
    previous: HyperparameterTuningJobStatus,
    *,
    verdict: Verdict,
    generation: int,
    now: dt.datetime,
    job_name: str | None,
    description: Mapping[str, Any] | None = None,
    job_status: str | None = None,
    arn: str | None = None,
    children_mirrored: bool = True,
) -> HyperparameterTuningJobStatus:
    """The next status; fields SageMaker did not speak about this pass are carried over.

    `children_mirrored=False` (a child TrainingJob could not be written) keeps the previous
    counters: they are what tells the next pass that the children are not up to date yet
    (`training_jobs_changed`), so it lists them again.
    """
    # A shallow copy: below, fields of `status` are only ever replaced, never changed in place, so
    # the nested models it shares with `previous` stay as they were. (A deep copy cost about a
    # quarter of a millisecond per resource, on every pass, for nothing.)
    status = previous.model_copy()
    if job_name:
        status.sage_maker_hyper_parameter_tuning_job_name = job_name
    if arn:
        status.hyper_parameter_tuning_job_arn = arn
    if description is not None:
        # A description without an ARN says nothing about it: keep the one recorded (or just given).
        described_arn = description.get("HyperParameterTuningJobArn")
        if described_arn:
            status.hyper_parameter_tuning_job_arn = str(described_arn)
        status.hyper_parameter_tuning_job_status = description.get("HyperParameterTuningJobStatus")
        status.failure_reason = description.get("FailureReason") or None
        if children_mirrored:
            status.training_job_status_counters = _counters(description.get("TrainingJobStatusCounters"))
        status.best_training_job = _best_training_job(description.get("BestTrainingJob"))
    if job_status:
        status.hyper_parameter_tuning_job_status = job_status
    if status.hyper_parameter_tuning_job_status in (None, "", SYNCHRONIZING, RECONCILING_TUNING_JOB):
        # No SageMaker status: the legacy operator's words, its error state when a person must act.
        waiting = RECONCILING_TUNING_JOB if verdict.stalled else SYNCHRONIZING
        status.hyper_parameter_tuning_job_status = waiting
    status.additional = verdict.message if verdict.stalled else None
    status.observed_generation = generation
    status.last_check_time = rfc3339(now)
    status.conditions = conditions(verdict, previous=previous.conditions, generation=generation, now=now)
    return status


def _counters(raw: Any) -> TrainingJobStatusCounters | None:
    if not isinstance(raw, Mapping):
        return None
    retryable = int(raw.get("RetryableError") or 0)
    non_retryable = int(raw.get("NonRetryableError") or 0)
    return TrainingJobStatusCounters(
        completed=int(raw.get("Completed") or 0),
        in_progress=int(raw.get("InProgress") or 0),
        retryable_error=retryable,
        non_retryable_error=non_retryable,
        stopped=int(raw.get("Stopped") or 0),
        total_error=retryable + non_retryable,
    )


def _objective(raw: Any) -> ObjectiveMetric | None:
    if not isinstance(raw, Mapping):
        return None
    value = raw.get("Value")
    return ObjectiveMetric(
        metric_name=raw.get("MetricName"), value=float(value) if value is not None else None
    )


def _best_training_job(raw: Any) -> BestTrainingJob | None:
    if not isinstance(raw, Mapping):
        return None
    tuned = raw.get("TunedHyperParameters") or {}
    return BestTrainingJob(
        training_job_name=raw.get("TrainingJobName"),
        training_job_arn=raw.get("TrainingJobArn"),
        training_job_definition_name=raw.get("TrainingJobDefinitionName"),
        training_job_status=raw.get("TrainingJobStatus"),
        creation_time=rfc3339(raw.get("CreationTime")),
        training_start_time=rfc3339(raw.get("TrainingStartTime")),
        training_end_time=rfc3339(raw.get("TrainingEndTime")),
        objective_status=raw.get("ObjectiveStatus"),
        final_hyper_parameter_tuning_job_objective_metric=_objective(
            raw.get("FinalHyperParameterTuningJobObjectiveMetric")
        ),
        tuned_hyper_parameters=[NameValue(name=k, value=str(v)) for k, v in sorted(tuned.items())] or None,
    )


def training_jobs_changed(previous: HyperparameterTuningJobStatus, description: Mapping[str, Any]) -> bool:
    """Whether a DescribeHyperParameterTuningJob response says something about the training jobs
    that `previous` does not know yet (counters, tuning job status, best job)."""
    return (
        _counters(description.get("TrainingJobStatusCounters")) != previous.training_job_status_counters
        or description.get("HyperParameterTuningJobStatus") != previous.hyper_parameter_tuning_job_status
        or _best_training_job(description.get("BestTrainingJob")) != previous.best_training_job
    )


def _comparable(status: Any) -> dict[str, Any]:
    data: dict[str, Any] = status.to_api()
    data.pop("lastCheckTime", None)
    return data


def needs_write(
    old: HyperparameterTuningJobStatus | TrainingJobStatus,
    new: HyperparameterTuningJobStatus | TrainingJobStatus,
    *,
    now: dt.datetime,
    heartbeat_seconds: int,
    running: bool,
) -> bool:
    """Write when something other than lastCheckTime changed, or a running job's heartbeat is due."""
    if _comparable(old) != _comparable(new):
        return True
    if not running:
        return False
    last = old.last_check_time
    if not last:
        return True
    try:
        checked = dt.datetime.fromisoformat(last.replace("Z", "+00:00"))
    except ValueError:
        return True
    return (now - checked).total_seconds() >= heartbeat_seconds


def is_running(job_status: str | None) -> bool:
    return job_status in RUNNING_JOB_STATUSES


def status_patch(old: Mapping[str, Any], new: Mapping[str, Any]) -> dict[str, Any]:
    """A JSON merge patch (RFC 7386) turning `old` into `new`: changed members, nested objects
    recursively (merge patches merge them), members that disappear set to null."""
    patch: dict[str, Any] = {}
    for key, value in new.items():
        before = old.get(key)
        if before == value:
            continue
        if isinstance(before, Mapping) and isinstance(value, Mapping):
            patch[key] = status_patch(before, value)
        else:
            patch[key] = value
    for key in old:
        if key not in new:
            patch[key] = None
    return patch


def cloudwatch_log_url(*, region: str, training_job_name: str) -> str:
    """The CloudWatch console link to a training job's log streams (as the legacy operator shows it)."""
    prefix = quote(training_job_name, safe="")
    return (
        f"https://{region}.console.aws.amazon.com/cloudwatch/home?region={region}"
        f"#logStream:group=/aws/sagemaker/TrainingJobs;prefix={prefix};streamFilter=typeLogStreamPrefix"
    )


def training_job_verdict(job_status: str | None, *, name: str, failure_reason: str | None) -> Verdict:
    if job_status == "Completed":
        return Verdict("True", "Completed", f"SageMaker training job {name} completed")
    if job_status == "Failed":
        why = f": {failure_reason}" if failure_reason else ""
        return Verdict("False", "JobFailed", f"SageMaker training job {name} failed{why}")
    if job_status == "Stopped":
        return Verdict("False", "JobStopped", f"SageMaker training job {name} was stopped")
    state = job_status or "InProgress"
    return Verdict("Unknown", state, f"SageMaker training job {name} is {state}", reconciling=True)


def training_job_status(
    previous: TrainingJobStatus,
    *,
    description: Mapping[str, Any],
    summary: Mapping[str, Any] | None,
    region: str,
    generation: int,
    now: dt.datetime,
) -> TrainingJobStatus:
    """A child's status mirroring DescribeTrainingJob (+ the objective from the tuning job's summary)."""
    name = str(description.get("TrainingJobName", ""))
    job_status = description.get("TrainingJobStatus")
    failure = description.get("FailureReason") or None
    objective = _objective((summary or {}).get("FinalHyperParameterTuningJobObjectiveMetric"))
    metrics = [
        MetricDatum(
            metric_name=m.get("MetricName"), value=m.get("Value"), timestamp=rfc3339(m.get("Timestamp"))
        )
        for m in description.get("FinalMetricDataList") or []
        if isinstance(m, Mapping)
    ]
    verdict = training_job_verdict(job_status, name=name, failure_reason=failure)
    return TrainingJobStatus(
        training_job_status=job_status,
        secondary_status=description.get("SecondaryStatus"),
        sage_maker_training_job_name=name or None,
        training_job_arn=description.get("TrainingJobArn"),
        training_job_definition_name=(summary or {}).get("TrainingJobDefinitionName"),
        creation_time=rfc3339(description.get("CreationTime")),
        training_start_time=rfc3339(description.get("TrainingStartTime")),
        training_end_time=rfc3339(description.get("TrainingEndTime")),
        last_modified_time=rfc3339(description.get("LastModifiedTime")),
        failure_reason=failure,
        model_path=(description.get("ModelArtifacts") or {}).get("S3ModelArtifacts"),
        cloud_watch_log_url=cloudwatch_log_url(region=region, training_job_name=name) if name else None,
        final_hyper_parameter_tuning_job_objective_metric=objective,
        final_metric_data_list=metrics or None,
        last_check_time=rfc3339(now),
        additional=None,
        observed_generation=generation,
        conditions=conditions(verdict, previous=previous.conditions, generation=generation, now=now),
    )
