"""Issue 10 item 1: a tenant cannot take over, read or stop another team's SageMaker job.

Ownership rests on what a tenant cannot forge: the job's hpo-reconciler/uid tag, or (migration from
the legacy operator) a job name derived from the resource's own server-assigned UID. A legacy
finalizer, a spec name, an annotation or a status is a claim.
"""

from __future__ import annotations

from typing import Any

from reconciler.core.model import LEGACY_FINALIZER
from reconciler.core.naming import operator_job_name
from tests.e2e.e2e_world import World
from tests.security.tenants import (
    ATTACKER,
    SECRET,
    VICTIM,
    assert_nothing_of,
    create_untagged_job,
    everything_in,
    forge_legacy_finalizer,
    forge_status,
    job_status,
    job_tags,
    named,
    sagemaker,
    set_finalizers,
    spec_request,
    training_jobs,
    with_secret,
)

RES = "innocent-looking"
VICTIM_JOB = "team-a-nightly-tuning"


def passes(world: World, count: int, *args: str) -> list[str]:
    outputs = []
    for _ in range(count):
        result = world.run(*args)
        assert result.code == 0, result.stdout + result.stderr
        outputs.append(result.stdout)
    return outputs


def stalled_reason(world: World, name: str, namespace: str = ATTACKER) -> str | None:
    condition = world.condition(name, "Stalled", namespace=namespace)
    return condition["reason"] if condition and condition["status"] == "True" else None


def delete_and_release(world: World, name: str, namespace: str = ATTACKER) -> None:
    assert world.kubectl("delete", "hpo", name, "-n", namespace, "--wait=false").returncode == 0
    for _ in range(3):
        world.run()
        if not world.exists(name, namespace=namespace):
            return
    raise AssertionError(f"{namespace}/{name} was never released")


def test_forged_legacy_finalizer_and_name_cannot_adopt_an_untagged_job(world: World) -> None:
    create_untagged_job(VICTIM_JOB)
    world.create_sample(RES, namespace=ATTACKER, edit=named(VICTIM_JOB))
    forge_legacy_finalizer(world, RES)
    passes(world, 3)
    assert stalled_reason(world, RES) == "JobNameInUse"
    assert_nothing_of(world, victim_job=VICTIM_JOB)
    message = world.condition(RES, "Stalled", namespace=ATTACKER)
    assert message is not None and "spec.hyperParameterTuningJobName" in message["message"]
    world.reset_stats()
    delete_and_release(world, RES)
    assert "StopHyperParameterTuningJob" not in world.sagemaker_calls()
    assert job_status(VICTIM_JOB) == "InProgress"


def test_forged_status_naming_the_foreign_job_is_not_trusted(world: World) -> None:
    arn = create_untagged_job(VICTIM_JOB)
    world.create_sample(RES, namespace=ATTACKER, edit=named(VICTIM_JOB))
    forge_legacy_finalizer(world, RES)
    # The tenant writes the status the legacy operator would have written, ARN included.
    forge_status(
        world,
        RES,
        {
            "sageMakerHyperParameterTuningJobName": VICTIM_JOB,
            "hyperParameterTuningJobArn": arn,
            "hyperParameterTuningJobStatus": "InProgress",
        },
    )
    passes(world, 3)
    assert_nothing_of(world, victim_job=VICTIM_JOB)
    world.reset_stats()
    delete_and_release(world, RES)
    assert "StopHyperParameterTuningJob" not in world.sagemaker_calls()
    assert job_status(VICTIM_JOB) == "InProgress"


def test_another_teams_reconciled_job_is_neither_adopted_nor_named(world: World) -> None:
    # Team-a's job, created by the reconciler (tagged with team-a's resource UID).
    def nightly(obj: dict[str, Any]) -> None:
        named(VICTIM_JOB)(obj)
        with_secret(obj)

    victim = world.create_sample("nightly", namespace=VICTIM, edit=nightly)
    passes(world, 1)
    victim_uid = victim["metadata"]["uid"]
    assert (
        world.get("nightly", namespace=VICTIM)["status"]["sageMakerHyperParameterTuningJobName"] == VICTIM_JOB
    )
    world.create_sample(RES, namespace=ATTACKER, edit=named(VICTIM_JOB))
    forge_legacy_finalizer(world, RES)
    passes(world, 3)
    assert stalled_reason(world, RES) == "JobNameInUse"
    # Not even the owner's UID is revealed (in the condition, the events or the summary lines).
    assert_nothing_of(world, victim_job=VICTIM_JOB, victim_uid=victim_uid)
    delete_and_release(world, RES)
    assert job_status(VICTIM_JOB) == "InProgress"


def test_forged_status_with_a_foreign_arn_after_own_name(world: World) -> None:
    # The tenant keeps its own (derived) name but records the victim's ARN: the status is a claim.
    arn = create_untagged_job(VICTIM_JOB)
    created = world.create_sample(RES, namespace=ATTACKER)
    forge_status(
        world,
        RES,
        {"hyperParameterTuningJobArn": arn, "sageMakerHyperParameterTuningJobName": VICTIM_JOB},
    )
    passes(world, 2)
    assert_nothing_of(world, victim_job=VICTIM_JOB)
    assert created["metadata"]["uid"]  # the resource got its own job or is refused, never the victim's
    delete_and_release(world, RES)
    assert job_status(VICTIM_JOB) == "InProgress"


def legacy_resource(
    world: World, *, job_name: str | None, spec_name: bool, namespace: str = ATTACKER, recorded: bool = True
) -> str:
    """A resource as the legacy operator's releases left it: the untagged job it created, the job's
    name in the status (and, as those releases did, in the spec), the legacy finalizer, no ARN.
    `job_name=None` uses the operator's own rule (the bare UID hex). Returns the job name."""
    created = world.create_sample(RES, namespace=namespace)
    meta = created["metadata"]
    name = job_name or operator_job_name(resource_name=meta["name"], uid=meta["uid"])
    sagemaker().create_hyper_parameter_tuning_job(**spec_request(created, job_name=name))
    set_finalizers(world, RES, [LEGACY_FINALIZER], namespace=namespace)
    if spec_name:
        world.patch_spec(RES, {"hyperParameterTuningJobName": name}, namespace=namespace)
    if recorded:
        forge_status(
            world,
            RES,
            {"sageMakerHyperParameterTuningJobName": name, "hyperParameterTuningJobStatus": "InProgress"},
            namespace=namespace,
        )
    return name


def test_legacy_job_named_by_the_operators_later_rule_is_adopted_not_duplicated(world: World) -> None:
    name = legacy_resource(world, job_name=None, spec_name=False)
    assert len(name) == 32
    out = passes(world, 1)[0]
    assert "outcome=adopted" in out, out
    assert world.sagemaker.tuning_job_names() == [name]
    status = world.get(RES, namespace=ATTACKER)["status"]
    assert status["sageMakerHyperParameterTuningJobName"] == name
    assert status["hyperParameterTuningJobArn"].endswith(name)
    assert stalled_reason(world, RES) is None


def test_legacy_job_of_the_later_rule_is_found_with_neither_spec_name_nor_status(world: World) -> None:
    # The status was lost and the manifest re-applied without the name the operator wrote into it.
    name = legacy_resource(world, job_name=None, spec_name=False, recorded=False)
    out = passes(world, 1)[0]
    assert "outcome=adopted" in out, out
    assert world.sagemaker.tuning_job_names() == [name]


def test_legacy_job_named_in_the_spec_by_the_operator_is_adopted(world: World) -> None:
    name = legacy_resource(world, job_name=None, spec_name=True)
    out = passes(world, 1)[0]
    assert "outcome=adopted" in out, out
    assert world.sagemaker.tuning_job_names() == [name]
    delete_and_release_stops = world.kubectl("delete", "hpo", RES, "-n", ATTACKER, "--wait=false")
    assert delete_and_release_stops.returncode == 0
    assert "outcome=stopping" in world.run().stdout
    assert job_status(name) == "Stopping"


def test_hand_named_legacy_job_needs_the_admin_opt_in(world: World) -> None:
    name = legacy_resource(world, job_name="hand-named-legacy-job", spec_name=True)
    passes(world, 2)
    assert stalled_reason(world, RES) == "JobNameInUse"
    status = world.get(RES, namespace=ATTACKER)["status"]
    assert status.get("sageMakerHyperParameterTuningJobName") != name
    assert "hyperParameterTuningJobArn" not in status
    condition = world.condition(RES, "Stalled", namespace=ATTACKER)
    assert condition is not None and "--adopt-legacy-named-jobs" in condition["message"]
    # The cluster admin opts in for the migration window: adopted at the next re-check (the
    # heartbeat; 0 here, as for a migration run by hand).
    out = world.run("--adopt-legacy-named-jobs", "--heartbeat-seconds", "0").stdout
    assert "outcome=adopted" in out, out
    assert world.get(RES, namespace=ATTACKER)["status"]["hyperParameterTuningJobArn"].endswith(name)
    assert world.sagemaker.tuning_job_names() == [name]


def test_the_detector_sees_the_secret_where_it_legitimately_is(world: World) -> None:
    # The suite's own control: team-a's job mirrors its children, secret included, into team-a, so
    # `assert_nothing_of` finding nothing in team-b means something.
    world.create_sample("nightly", namespace=VICTIM, edit=with_secret)
    passes(world, 1)
    world.sagemaker.advance(120)
    passes(world, 1)
    assert training_jobs(world, VICTIM)
    assert SECRET in everything_in(world, VICTIM)
    arn = world.get("nightly", namespace=VICTIM)["status"]["hyperParameterTuningJobArn"]
    assert job_tags(arn)["hpo-reconciler/namespace"] == VICTIM
