"""Fixtures of the pure-core unit tests: a builder of HyperparameterTuningJob values."""

from __future__ import annotations

from collections.abc import Callable
from typing import Any

import pytest

from reconciler.core.model import FINALIZER, HyperparameterTuningJob

UID = "a92f5e3c-f07b-11e9-bf6c-06d6f303aaaa"


def build_tuning_job(
    *,
    generation: int = 1,
    observed_generation: int | None = None,
    job_status: str | None = None,
    arn: str | None = None,
    deleting: bool = False,
    finalizers: tuple[str, ...] = (FINALIZER,),
    annotations: dict[str, str] | None = None,
    stalled_reason: str | None = None,
    spec: Any = None,
) -> HyperparameterTuningJob:
    metadata: dict[str, Any] = {
        "name": "xgboost-hpo",
        "namespace": "default",
        "uid": UID,
        "generation": generation,
        "finalizers": list(finalizers),
        "annotations": annotations or {},
    }
    if deleting:
        metadata["deletionTimestamp"] = "2026-01-01T00:00:00Z"
    status: dict[str, Any] = {}
    if job_status:
        status["hyperParameterTuningJobStatus"] = job_status
    if arn:
        status["hyperParameterTuningJobArn"] = arn
    if observed_generation is not None:
        status["observedGeneration"] = observed_generation
    if stalled_reason:
        status["conditions"] = [
            {"type": "Stalled", "status": "True", "reason": stalled_reason, "message": "m"}
        ]
    obj: dict[str, Any] = {"metadata": metadata, "status": status}
    obj["spec"] = {"region": "us-east-2"} if spec is None else spec
    return HyperparameterTuningJob.parse(obj)


TuningJobFactory = Callable[..., HyperparameterTuningJob]


@pytest.fixture
def tuning_job() -> TuningJobFactory:
    return build_tuning_job
