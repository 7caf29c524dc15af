"""Test controls of a running simulator: clock, forced outcomes, failure knobs (no AWS counterpart).

Contract: shared by the in-process `SageMakerSandbox` methods and the `/sandbox/` HTTP mirror,
so both behave identically. Every function takes the store lock, as request handlers do.
"""

from __future__ import annotations

from collections.abc import Mapping
from typing import Any

from reconciler.sandbox.sagemaker import errors, interventions, lifecycle, render
from reconciler.sandbox.sagemaker.builtin_metrics import fill_builtin_metric_definitions
from reconciler.sandbox.sagemaker.defaults import with_defaults
from reconciler.sandbox.sagemaker.sagemaker_ops import add_static_hyperparameters
from reconciler.sandbox.sagemaker.simulator import Simulator

TRAINING_OUTCOMES = ("Completed", "Failed", "Stopped")
TUNING_OUTCOMES = ("Completed", "Failed", "Stopped")


def advance(sim: Simulator, seconds: float) -> None:
    sim.clock.advance(seconds)


def force_outcome(sim: Simulator, name: str, *, status: str, failure_reason: str | None = None) -> None:
    """End the named training job or tuning job now with `status` (ValueError if that is impossible)."""
    with sim.store.lock, sim.frozen_at(sim.now()):
        now = sim.now()
        job = sim.store.find_job(name, now=now)
        if job is not None:
            if status not in TUNING_OUTCOMES:
                raise ValueError(
                    f"a tuning job outcome is one of {', '.join(TUNING_OUTCOMES)}, not {status!r}"
                )
            interventions.force_tuning_outcome(
                job, at=now, status=status, failure_reason=failure_reason, knobs=sim.knobs
            )
        else:
            found = sim.store.find_run(name, now=now)
            if found is None:
                raise ValueError(f"no tuning job or launched training job is named {name!r}")
            if status not in TRAINING_OUTCOMES:
                raise ValueError(
                    f"a training job outcome is one of {', '.join(TRAINING_OUTCOMES)}, not {status!r}"
                )
            interventions.force_run_outcome(
                found[0], found[1], at=now, status=status, failure_reason=failure_reason, knobs=sim.knobs
            )
        sim.record(
            {"kind": "force", "name": name, "status": status, "failureReason": failure_reason, "at": now}
        )


def set_failure_rates(sim: Simulator, *, retryable: float = 0.0, non_retryable: float = 0.0) -> None:
    """Share of training jobs launched from now on that fail with a retryable / non-retryable error."""
    if retryable < 0 or non_retryable < 0 or retryable + non_retryable > 1:
        raise ValueError("failure rates must be >= 0 and add up to at most 1")
    with sim.store.lock:
        sim.record(
            {"kind": "failure-rates", "retryable": retryable, "nonRetryable": non_retryable, "at": sim.now()}
        )
        sim.knobs.retryable_failure_rate = retryable
        sim.knobs.non_retryable_failure_rate = non_retryable


def set_instance_quota(sim: Simulator, instance_type: str, instances: int | None) -> None:
    """The account's quota "<instance_type> for training job usage"; None removes it (unlimited)."""
    if instances is not None and instances < 0:
        raise ValueError("an instance quota is 0 or more instances")
    with sim.store.lock:
        sim.record(
            {"kind": "instance-quota", "instanceType": instance_type, "instances": instances, "at": sim.now()}
        )
        if instances is None:
            sim.knobs.instance_quotas.pop(instance_type, None)
        else:
            sim.knobs.instance_quotas[instance_type] = instances


def tuning_job_names(sim: Simulator) -> list[str]:
    with sim.store.lock:
        return list(sim.store.created_names)


def seed_tuning_job(
    sim: Simulator, request: Mapping[str, Any], *, region: str, created: float | None = None
) -> str:
    """Store a tuning job straight away -- no HTTP, no counters, no validation -- for benchmarks
    that need thousands; `created` (simulated epoch seconds, default now) may lie in the past."""
    with sim.store.lock, sim.frozen_at(sim.now()):
        now = sim.now()
        name = request["HyperParameterTuningJobName"]
        if sim.store.find_job(name, now=now) is not None:
            raise errors.tuning_job_name_in_use(name)
        filled = with_defaults(request, shape_name="CreateHyperParameterTuningJobRequest")
        add_static_hyperparameters(filled)
        fill_builtin_metric_definitions(filled)
        job = lifecycle.new_tuning_job(
            filled, region=region, created=now if created is None else created, seed=sim.seed, knobs=sim.knobs
        )
        sim.store.add(job)
        return job.arn


def describe_tuning_job(sim: Simulator, name: str) -> dict[str, Any]:
    """What DescribeHyperParameterTuningJob answers now, without counting a request."""
    with sim.store.lock, sim.frozen_at(sim.now()):
        now = sim.now()
        return render.describe_tuning_job(sim.store.job(name, now=now), now)
