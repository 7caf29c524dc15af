"""core.waiting: a Stalled resource is left alone until something changes; what heals is retried with
backoff (issue 10 item 6)."""

from __future__ import annotations

import datetime as dt
from typing import Any

from reconciler.core.model import HyperparameterTuningJob
from reconciler.core.waiting import WAITING_FOR_JOB_LIMIT, retry_due, stalled_quiet, waiting_reason

T0 = dt.datetime(2026, 12, 1, 12, 0, tzinfo=dt.UTC)


def at(seconds: float) -> dt.datetime:
    return T0 + dt.timedelta(seconds=seconds)


def stamp(seconds: float) -> str:
    return at(seconds).strftime("%Y-%m-%dT%H:%M:%SZ")


def resource(
    *,
    generation: int = 2,
    observed: int = 2,
    stalled: str | None = "JobNameInUse",
    reconciling: str | None = None,
    since: float = 0,
    checked: float = 0,
    job_status: str | None = None,
    arn: str | None = None,
    deleting: bool = False,
) -> HyperparameterTuningJob:
    conditions: list[dict[str, Any]] = []
    for type_, reason in (("Stalled", stalled), ("Reconciling", reconciling)):
        if reason:
            conditions.append(
                {
                    "type": type_,
                    "status": "True",
                    "reason": reason,
                    "message": "m",
                    "lastTransitionTime": stamp(since),
                    "observedGeneration": observed,
                }
            )
    status: dict[str, Any] = {
        "observedGeneration": observed,
        "lastCheckTime": stamp(checked),
        "conditions": conditions,
    }
    if job_status:
        status["hyperParameterTuningJobStatus"] = job_status
    if arn:
        status["hyperParameterTuningJobArn"] = arn
    metadata: dict[str, Any] = {"name": "r", "namespace": "n", "uid": "u", "generation": generation}
    if deleting:
        metadata["deletionTimestamp"] = stamp(0)
    return HyperparameterTuningJob.parse({"metadata": metadata, "spec": {}, "status": status})


def test_stalled_is_quiet_until_the_heartbeat() -> None:
    res = resource(checked=100)
    assert stalled_quiet(res, now=at(100 + 599), heartbeat_seconds=600)
    assert not stalled_quiet(res, now=at(100 + 600), heartbeat_seconds=600)


def test_a_new_generation_ends_the_quiet() -> None:
    assert not stalled_quiet(resource(generation=3, observed=2), now=at(1), heartbeat_seconds=600)


def test_not_stalled_or_being_deleted_is_never_quiet() -> None:
    assert not stalled_quiet(resource(stalled=None), now=at(1), heartbeat_seconds=600)
    assert not stalled_quiet(resource(deleting=True), now=at(1), heartbeat_seconds=600)


def test_a_running_job_keeps_being_tracked_while_stalled() -> None:
    arn = "arn:aws:sagemaker:us-east-2:1:hyper-parameter-tuning-job/j"
    running = resource(stalled="SpecUpdateRefused", job_status="InProgress", arn=arn)
    assert not stalled_quiet(running, now=at(1), heartbeat_seconds=600)
    gone = resource(stalled="JobNotFound", job_status="InProgress", arn=arn)
    assert stalled_quiet(gone, now=at(1), heartbeat_seconds=600)


def test_a_rejected_create_waits_for_the_spec_to_change_not_the_heartbeat() -> None:
    rejected = resource(stalled="RejectedBySageMaker", checked=0)
    assert stalled_quiet(rejected, now=at(10_000), heartbeat_seconds=600)
    assert not stalled_quiet(
        resource(stalled="RejectedBySageMaker", generation=3), now=at(1), heartbeat_seconds=600
    )


def test_backoff_doubles_from_the_start_of_the_wait_up_to_the_cap() -> None:
    assert waiting_reason(resource(stalled=None, reconciling=WAITING_FOR_JOB_LIMIT)) == WAITING_FOR_JOB_LIMIT
    # First attempt at 0: the next is due after the base (30 s).
    first = resource(stalled=None, reconciling=WAITING_FOR_JOB_LIMIT, since=0, checked=0)
    assert not retry_due(first, now=at(29), base_seconds=30, cap_seconds=600)
    assert retry_due(first, now=at(30), base_seconds=30, cap_seconds=600)
    # Waiting since 0, last tried at 120: the pause is 120 s.
    later = resource(stalled=None, reconciling=WAITING_FOR_JOB_LIMIT, since=0, checked=120)
    assert not retry_due(later, now=at(239), base_seconds=30, cap_seconds=600)
    assert retry_due(later, now=at(240), base_seconds=30, cap_seconds=600)
    # Never longer than the cap.
    long = resource(stalled=None, reconciling=WAITING_FOR_JOB_LIMIT, since=0, checked=10_000)
    assert retry_due(long, now=at(10_600), base_seconds=30, cap_seconds=600)


def test_no_backoff_when_not_waiting_when_base_is_zero_or_the_user_changed_the_spec() -> None:
    assert retry_due(resource(stalled=None), now=at(0), base_seconds=30, cap_seconds=600)
    waiting = resource(stalled=None, reconciling=WAITING_FOR_JOB_LIMIT, checked=0)
    assert retry_due(waiting, now=at(0), base_seconds=0, cap_seconds=600)
    edited = resource(stalled=None, reconciling=WAITING_FOR_JOB_LIMIT, checked=0, generation=3, observed=2)
    assert retry_due(edited, now=at(0), base_seconds=30, cap_seconds=600)
