"""Issue 10 item 6: a Stalled resource (it needs a person) makes no SageMaker call, no write and no
event until its generation changes or the heartbeat passes (then one read-only re-check). What heals
by itself (the account's concurrent tuning-job limit) stays Reconciling, retried with backoff."""

from __future__ import annotations

from tests.e2e.e2e_world import World
from tests.security.tenants import ATTACKER, create_untagged_job, named

RES = "tuning"


def stalled(world: World) -> str | None:
    condition = world.condition(RES, "Stalled", namespace=ATTACKER)
    return condition["reason"] if condition and condition["status"] == "True" else None


def events(world: World) -> list[str]:
    return [str(e.reason) for e in world.core.list_namespaced_event(ATTACKER).items]


def test_job_name_in_use_costs_nothing_until_something_changes(world: World) -> None:
    create_untagged_job("taken")
    world.create_sample(RES, namespace=ATTACKER, edit=named("taken"))
    assert world.run().code == 0
    assert stalled(world) == "JobNameInUse"
    before = events(world)
    world.reset_stats()
    assert world.run().code == 0
    assert world.sagemaker_calls() == {}
    assert world.kube_writes() == {}
    assert events(world) == before
    # The heartbeat passed (0 s): one read-only re-check, still nothing created or stopped.
    world.reset_stats()
    assert world.run("--heartbeat-seconds", "0").code == 0
    calls = world.sagemaker_calls()
    assert calls and set(calls) <= {"DescribeHyperParameterTuningJob", "ListTags"}, calls
    assert stalled(world) == "JobNameInUse"
    assert events(world) == before
    # A new generation is looked at again at once.
    world.patch_spec(RES, {"hyperParameterTuningJobName": "free-name"}, namespace=ATTACKER)
    assert world.run().code == 0
    assert stalled(world) is None
    assert "free-name" in world.sagemaker.tuning_job_names()


def test_rejected_by_sagemaker_is_not_repeated(world: World) -> None:
    world.create_sample(RES, namespace=ATTACKER)
    world.sagemaker.inject_fault(
        operation="CreateHyperParameterTuningJob", error="ValidationException", times=1
    )
    assert world.run().code == 0
    assert stalled(world) == "RejectedBySageMaker"
    warnings = events(world).count("RejectedBySageMaker")
    assert warnings == 1
    world.reset_stats()
    for _ in range(2):
        assert world.run().code == 0
    assert world.sagemaker_calls() == {}
    assert world.kube_writes() == {}
    assert events(world).count("RejectedBySageMaker") == warnings
    # The user fixes the spec: a new generation is created at once.
    world.patch_spec(
        RES,
        {"trainingJobDefinition": {"stoppingCondition": {"maxRuntimeInSeconds": 7200}}},
        namespace=ATTACKER,
    )
    assert world.run().code == 0
    assert stalled(world) is None
    assert len(world.sagemaker.tuning_job_names()) == 1


def test_the_account_job_limit_is_awaited_not_stalled(world: World) -> None:
    world.create_sample(RES, namespace=ATTACKER)
    world.sagemaker.inject_fault(
        operation="CreateHyperParameterTuningJob", error="ResourceLimitExceeded", times=20
    )
    assert world.run("--fail-on-error").code == 0
    assert stalled(world) is None
    reconciling = world.condition(RES, "Reconciling", namespace=ATTACKER)
    assert reconciling is not None and reconciling["status"] == "True"
    assert "limit" in reconciling["message"], reconciling
    # Backoff: the next pass right away does not try again.
    world.reset_stats()
    assert world.run().code == 0
    assert "CreateHyperParameterTuningJob" not in world.sagemaker_calls()
    # Without backoff it is tried on every pass, and succeeds once the limit frees up.
    world.sagemaker.simulator.faults.clear()
    assert world.run("--retry-backoff-seconds", "0").code == 0
    assert len(world.sagemaker.tuning_job_names()) == 1
    assert stalled(world) is None
