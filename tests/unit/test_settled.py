"""reconcile.settled_result: which resources the pass decides without any call."""

from __future__ import annotations

from typing import Any

import pytest

from reconciler.core.outcomes import Outcome
from reconciler.engine.reconcile import settled_result

ARN = "arn:aws:sagemaker:us-east-2:1:hyper-parameter-tuning-job/j"


def obj(*, job_status: str | None, arn: str | None = ARN, generation: int = 1, observed: int | None = 1,
        deleting: bool = False, stalled: str | None = None) -> dict[str, Any]:  # fmt: skip
    status: dict[str, Any] = {"sageMakerHyperParameterTuningJobName": "j"}
    if job_status:
        status["hyperParameterTuningJobStatus"] = job_status
    if arn:
        status["hyperParameterTuningJobArn"] = arn
    if observed is not None:
        status["observedGeneration"] = observed
    if stalled:
        status["conditions"] = [{"type": "Stalled", "status": "True", "reason": stalled, "message": "m"}]
    metadata: dict[str, Any] = {"name": "n", "namespace": "d", "uid": "u", "generation": generation}
    if deleting:
        metadata["deletionTimestamp"] = "2026-01-01T00:00:00Z"
        metadata["finalizers"] = ["sagemaker.aws.amazon.com/hyperparametertuningjob"]
    return {"metadata": metadata, "spec": {}, "status": status}


@pytest.mark.parametrize(
    ("kwargs", "settled"),
    [
        ({"job_status": "Completed"}, True),
        ({"job_status": "Failed", "stalled": "JobFailed"}, True),
        ({"job_status": "Completed", "generation": 2}, False),  # spec edited: compare again
        ({"job_status": "InProgress"}, False),
        ({"job_status": None, "arn": None, "observed": None}, False),  # new: create
        ({"job_status": "Completed", "deleting": True}, False),
    ],
)
def test_settled_only_when_no_call_can_change_anything(kwargs: dict[str, Any], settled: bool) -> None:
    assert (settled_result(obj(**kwargs), dry_run=False) is not None) is settled


def test_settled_result_carries_outcome_job_and_stalled_reason() -> None:
    result = settled_result(obj(job_status="Failed", stalled="JobFailed"), dry_run=False)
    assert result is not None
    assert (result.outcome, result.job, result.stalled_reason) == (Outcome.UNCHANGED, "j", "JobFailed")
    planned = settled_result(obj(job_status="Completed"), dry_run=True)
    assert planned is not None and planned.outcome is Outcome.PLANNED and planned.stalled_reason is None
