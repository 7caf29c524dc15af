"""Fixtures and helpers of the pure-core unit tests: a builder of HyperparameterTuningJob values (the
object dict or the parsed model), builder keywords of a resource that recorded its job, and a setter of
`a__b__c` paths in request dicts."""

from __future__ import annotations

from collections.abc import Callable
from typing import Any, ParamSpec

import pytest

from reconciler.core.model import FINALIZER, HyperparameterTuningJob

P = ParamSpec("P")

UID = "a92f5e3c-f07b-11e9-bf6c-06d6f303aaaa"
ARN = "arn:aws:sagemaker:us-east-2:123456789012:hyper-parameter-tuning-job/x"


def recorded(job_status: str, **fields: Any) -> dict[str, Any]:
    """Builder keywords of a resource whose status records the job ARN and `job_status`."""
    return {"arn": ARN, "job_status": job_status, **fields}


def tuning_job_object(
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
    job_name: str | None = None,
) -> dict[str, Any]:
    """The object dict of a HyperparameterTuningJob as the API server returns it."""
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
    if job_name:
        status["sageMakerHyperParameterTuningJobName"] = job_name
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
    return obj


def _parsed(build: Callable[P, dict[str, Any]]) -> Callable[P, HyperparameterTuningJob]:
    def parsed(*args: P.args, **kwargs: P.kwargs) -> HyperparameterTuningJob:
        return HyperparameterTuningJob.parse(build(*args, **kwargs))

    return parsed


# `tuning_job_object` parsed into the model (same keyword arguments, still type-checked).
build_tuning_job = _parsed(tuning_job_object)


def with_paths(target: dict[str, Any], changes: dict[str, Any]) -> dict[str, Any]:
    """Set each `a__b__c` path of `changes` in `target` (a key per `__`); returns `target`."""
    for path, value in changes.items():
        node = target
        keys = path.split("__")
        for key in keys[:-1]:
            node = node[key]
        node[keys[-1]] = value
    return target


TuningJobFactory = Callable[..., HyperparameterTuningJob]


@pytest.fixture
def tuning_job() -> TuningJobFactory:
    return build_tuning_job
