"""status.py: conditions (README, "What a resource shows"), transition times, write suppression,
description mapping."""

from __future__ import annotations

import datetime as dt
from typing import Any

import pytest

from reconciler.core.decide import Refusal
from reconciler.core.model import SYNCHRONIZING, HyperparameterTuningJobStatus, TrainingJobStatus
from reconciler.core.reasons import StalledReason
from reconciler.core.status import (
    Verdict,
    conditions,
    needs_write,
    pending_verdict,
    rfc3339,
    stalled_verdict,
    status_patch,
    training_job_status,
    training_jobs_changed,
    tuning_job_status,
    verdict_for_job,
)

T0 = dt.datetime(2026, 1, 1, 12, 0, 0, tzinfo=dt.UTC)
T1 = T0 + dt.timedelta(minutes=5)

# (job status, Ready, reason, Reconciling present, Stalled present)
VERDICTS = [
    ("InProgress", "Unknown", "InProgress", True, False),
    ("Stopping", "Unknown", "Stopping", True, False),
    ("Completed", "True", "Completed", False, False),
    ("Failed", "False", "JobFailed", False, True),
    ("Stopped", "False", "JobStopped", False, True),
]


@pytest.mark.parametrize(("job_status", "ready", "reason", "reconciling", "stalled"), VERDICTS)
def test_conditions_per_job_status(
    job_status: str, ready: str, reason: str, reconciling: bool, stalled: bool
) -> None:
    verdict = verdict_for_job(job_status, job_name="j", failure_reason="boom")
    result = {c.type: c for c in conditions(verdict, previous=[], generation=3, now=T0)}
    assert result["Ready"].status == ready and result["Ready"].reason == reason
    assert ("Reconciling" in result) is reconciling
    assert ("Stalled" in result) is stalled
    assert all(c.observed_generation == 3 for c in result.values())


def test_failed_message_carries_failure_reason_and_advice() -> None:
    verdict = verdict_for_job("Failed", job_name="j", failure_reason="AlgorithmError: oops")
    assert "AlgorithmError: oops" in verdict.message and "re-create" in verdict.message


def test_transition_time_kept_until_status_flips() -> None:
    first = conditions(verdict_for_job("InProgress", job_name="j"), previous=[], generation=1, now=T0)
    same = conditions(
        Verdict("Unknown", "Other", "msg", reconciling=True), previous=first, generation=1, now=T1
    )
    assert {c.type: c.last_transition_time for c in same} == {
        "Ready": rfc3339(T0),
        "Reconciling": rfc3339(T0),
    }
    flipped = conditions(verdict_for_job("Completed", job_name="j"), previous=same, generation=1, now=T1)
    assert [(c.type, c.status, c.last_transition_time) for c in flipped] == [("Ready", "True", rfc3339(T1))]


def test_stalled_verdict_is_ready_false_with_reason() -> None:
    result = conditions(
        stalled_verdict(Refusal(StalledReason.ROLE_NOT_ALLOWED, "use an allowed role")),
        previous=[],
        generation=1,
        now=T0,
    )
    by_type = {c.type: c for c in result}
    assert by_type["Ready"].status == "False" and by_type["Stalled"].reason == "RoleNotAllowed"
    assert "Reconciling" not in by_type


DESCRIPTION = {
    "HyperParameterTuningJobName": "xgboosth",
    "HyperParameterTuningJobArn": "arn:x",
    "HyperParameterTuningJobStatus": "Completed",
    "TrainingJobStatusCounters": {
        "Completed": 9,
        "InProgress": 0,
        "RetryableError": 1,
        "NonRetryableError": 2,
        "Stopped": 0,
    },
    "BestTrainingJob": {
        "TrainingJobName": "xgboosth-009-abc",
        "TrainingJobArn": "arn:t",
        "TrainingJobStatus": "Completed",
        "CreationTime": dt.datetime(2019, 10, 17, 1, 16, 14, tzinfo=dt.UTC),
        "TunedHyperParameters": {"num_round": "18", "eta": "0.2"},
        "FinalHyperParameterTuningJobObjectiveMetric": {"MetricName": "validation:error", "Value": 0.04},
        "ObjectiveStatus": "Succeeded",
    },
}


def completed_status(
    previous: HyperparameterTuningJobStatus | None = None, **fields: Any
) -> HyperparameterTuningJobStatus:
    """A Completed tuning job's status at T0 (verdict for job "x"), after `previous` (none by default);
    generation 1, job name xgboosth and DESCRIPTION unless `fields` say otherwise."""
    fields = {"generation": 1, "job_name": "xgboosth", "description": DESCRIPTION, **fields}
    verdict = verdict_for_job("Completed", job_name="x")
    previous = HyperparameterTuningJobStatus() if previous is None else previous
    return tuning_job_status(previous, verdict=verdict, now=T0, **fields)


def test_tuning_status_from_description() -> None:
    status = completed_status(generation=2)
    api = status.to_api()
    assert api["hyperParameterTuningJobStatus"] == "Completed"
    assert api["sageMakerHyperParameterTuningJobName"] == "xgboosth"
    assert api["hyperParameterTuningJobArn"] == "arn:x"
    assert api["trainingJobStatusCounters"] == {
        "completed": 9,
        "inProgress": 0,
        "nonRetryableError": 2,
        "retryableError": 1,
        "stopped": 0,
        "totalError": 3,
    }
    best = api["bestTrainingJob"]
    assert best["trainingJobName"] == "xgboosth-009-abc"
    assert best["creationTime"] == "2019-10-17T01:16:14Z"
    assert best["tunedHyperParameters"] == [
        {"name": "eta", "value": "0.2"},
        {"name": "num_round", "value": "18"},
    ]
    assert best["finalHyperParameterTuningJobObjectiveMetric"] == {
        "metricName": "validation:error",
        "value": 0.04,
    }
    assert api["observedGeneration"] == 2 and api["lastCheckTime"] == "2026-01-01T12:00:00Z"


def test_the_next_status_leaves_the_previous_one_as_it_was() -> None:
    # The next status is a shallow copy of the previous one: both must stay independent, whether
    # SageMaker spoke this pass (nested members replaced) or not (nested members shared).
    previous = completed_status(generation=2)
    before = previous.to_api()
    spoke = completed_status(
        previous, generation=3, description={**DESCRIPTION, "TrainingJobStatusCounters": {}}
    )
    silent = tuning_job_status(
        previous, verdict=verdict_for_job("Completed", job_name="x"), generation=4, now=T1, job_name=None
    )
    assert previous.to_api() == before
    assert spoke.training_job_status_counters != previous.training_job_status_counters
    assert silent.best_training_job == previous.best_training_job and silent.observed_generation == 4
    assert silent.conditions is not previous.conditions


def test_status_is_synchronizing_until_sagemaker_speaks() -> None:
    status = tuning_job_status(
        HyperparameterTuningJobStatus(),
        verdict=pending_verdict("x"),
        generation=1,
        now=T0,
        job_name="x",
        arn="arn:x",
    )
    assert status.hyper_parameter_tuning_job_status == SYNCHRONIZING


@pytest.mark.parametrize(
    ("running", "later", "expected"),
    [
        (False, dt.timedelta(hours=5), False),
        (True, dt.timedelta(minutes=5), False),
        (True, dt.timedelta(minutes=10), True),
    ],
)
def test_needs_write_only_on_change_or_heartbeat(running: bool, later: dt.timedelta, expected: bool) -> None:
    verdict = verdict_for_job("InProgress" if running else "Completed", job_name="x")
    old = tuning_job_status(
        HyperparameterTuningJobStatus(),
        verdict=verdict,
        generation=1,
        now=T0,
        job_name="x",
        description=DESCRIPTION,
    )
    new = tuning_job_status(
        old, verdict=verdict, generation=1, now=T0 + later, job_name="x", description=DESCRIPTION
    )
    assert needs_write(old, new, now=T0 + later, heartbeat_seconds=600, running=running) is expected


def test_needs_write_on_real_change() -> None:
    verdict = verdict_for_job("Completed", job_name="x")
    old = tuning_job_status(
        HyperparameterTuningJobStatus(), verdict=verdict, generation=1, now=T0, job_name="x"
    )
    new = tuning_job_status(old, verdict=verdict, generation=2, now=T0, job_name="x")
    assert needs_write(old, new, now=T0, heartbeat_seconds=600, running=False)


def test_status_patch_nulls_vanished_members() -> None:
    assert status_patch({"a": 1, "b": 2, "c": 3}, {"a": 1, "b": 5}) == {"b": 5, "c": None}


def test_status_patch_recurses_into_objects_and_replaces_lists() -> None:
    old = {"best": {"name": "a", "start": "t0", "tuned": [{"n": "x"}]}, "conditions": [{"type": "Ready"}]}
    conditions = [{"type": "Ready"}, {"type": "Stalled"}]
    new = {"best": {"name": "b", "tuned": [{"n": "y"}]}, "conditions": conditions}
    assert status_patch(old, new) == {
        "best": {"name": "b", "start": None, "tuned": [{"n": "y"}]},
        "conditions": [{"type": "Ready"}, {"type": "Stalled"}],
    }


def test_training_job_status_mirrors_describe() -> None:
    description = {
        "TrainingJobName": "xgboosth-009-abc",
        "TrainingJobArn": "arn:t",
        "TrainingJobStatus": "Completed",
        "SecondaryStatus": "Completed",
        "ModelArtifacts": {"S3ModelArtifacts": "s3://b/model.tar.gz"},
        "FinalMetricDataList": [
            {
                "MetricName": "validation:error",
                "Value": 0.04,
                "Timestamp": dt.datetime(2026, 1, 1, tzinfo=dt.UTC),
            }
        ],
        "CreationTime": dt.datetime(2026, 1, 1, tzinfo=dt.UTC),
    }
    summary = {
        "FinalHyperParameterTuningJobObjectiveMetric": {"MetricName": "validation:error", "Value": 0.04}
    }
    status = training_job_status(
        TrainingJobStatus(),
        description=description,
        summary=summary,
        region="us-east-2",
        generation=1,
        now=T0,
    ).to_api()
    assert status["trainingJobStatus"] == "Completed" and status["secondaryStatus"] == "Completed"
    assert status["modelPath"] == "s3://b/model.tar.gz"
    assert status["sageMakerTrainingJobName"] == "xgboosth-009-abc"
    assert status["finalHyperParameterTuningJobObjectiveMetric"]["value"] == 0.04
    assert status["finalMetricDataList"][0]["timestamp"] == "2026-01-01T00:00:00Z"
    assert (
        "region=us-east-2" in status["cloudWatchLogUrl"]
        and "prefix=xgboosth-009-abc" in status["cloudWatchLogUrl"]
    )
    assert {c["type"]: c["status"] for c in status["conditions"]} == {"Ready": "True"}


def test_training_jobs_changed_only_on_counters_status_or_best_job() -> None:
    recorded = completed_status(job_name="x")
    assert not training_jobs_changed(recorded, DESCRIPTION)
    counters = {**DESCRIPTION["TrainingJobStatusCounters"], "Stopped": 1}  # type: ignore[dict-item]
    more = {**DESCRIPTION, "TrainingJobStatusCounters": counters}
    assert training_jobs_changed(recorded, more)
    assert training_jobs_changed(recorded, {**DESCRIPTION, "HyperParameterTuningJobStatus": "Stopping"})
    assert training_jobs_changed(HyperparameterTuningJobStatus(), DESCRIPTION)


def test_counters_kept_when_children_were_not_mirrored() -> None:
    previous = HyperparameterTuningJobStatus.model_validate(
        {"trainingJobStatusCounters": {"completed": 1, "inProgress": 2}}
    )
    status = completed_status(previous, children_mirrored=False)
    assert status.training_job_status_counters == previous.training_job_status_counters
    assert status.hyper_parameter_tuning_job_status == "Completed"
    # So the next pass still sees news about the training jobs and lists them again.
    assert training_jobs_changed(status, DESCRIPTION)


def test_recorded_arn_kept_when_the_description_lacks_it() -> None:
    previous = HyperparameterTuningJobStatus.model_validate({"hyperParameterTuningJobArn": "arn:recorded"})
    description = {k: v for k, v in DESCRIPTION.items() if k != "HyperParameterTuningJobArn"}
    status = completed_status(previous, description=description)
    assert status.hyper_parameter_tuning_job_arn == "arn:recorded"
    given = completed_status(description=description, arn="arn:created")
    assert given.hyper_parameter_tuning_job_arn == "arn:created"
