"""reconcile.settled_result: which resources the pass decides without any call."""

from __future__ import annotations

from typing import Any

import pytest

from reconciler.core.model import FINALIZER
from reconciler.core.outcomes import Outcome
from reconciler.engine.reconcile import settled_result
from tests.unit.conftest import tuning_job_object

ARN = "arn:aws:sagemaker:us-east-2:1:hyper-parameter-tuning-job/j"


def obj(**fields: Any) -> dict[str, Any]:
    """A resource whose status names job "j" and its ARN, generation 1 observed, our finalizer only when
    deleting; `fields` (tuning_job_object's keywords) say otherwise."""
    finalizers = (FINALIZER,) if fields.get("deleting") else ()
    defaults = {"arn": ARN, "observed_generation": 1, "finalizers": finalizers, "spec": {}, "job_name": "j"}
    return tuning_job_object(**{**defaults, **fields})


@pytest.mark.parametrize(
    ("kwargs", "settled"),
    [
        ({"job_status": "Completed"}, True),
        ({"job_status": "Failed", "stalled_reason": "JobFailed"}, True),
        ({"job_status": "Completed", "generation": 2}, False),  # spec edited: compare again
        ({"job_status": "InProgress"}, False),
        ({"job_status": None, "arn": None, "observed_generation": None}, False),  # new: create
        ({"job_status": "Completed", "deleting": True}, False),
    ],
)
def test_settled_only_when_no_call_can_change_anything(kwargs: dict[str, Any], settled: bool) -> None:
    assert (settled_result(obj(**kwargs), dry_run=False) is not None) is settled


def test_settled_result_carries_outcome_job_and_stalled_reason() -> None:
    result = settled_result(obj(job_status="Failed", stalled_reason="JobFailed"), dry_run=False)
    assert result is not None
    assert (result.outcome, result.job, result.stalled_reason) == (Outcome.UNCHANGED, "j", "JobFailed")
    planned = settled_result(obj(job_status="Completed"), dry_run=True)
    assert planned is not None and planned.outcome is Outcome.PLANNED and planned.stalled_reason is None
