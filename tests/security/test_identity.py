"""Issue 10 item 5: the job's identity (name, region, endpoint) is recorded on the resource before the
create, so a lost status write followed by an edit of spec.hyperParameterTuningJobName or spec.region
tracks the first job and refuses the edit, instead of starting a second job and leaking the first.
The record is an annotation a tenant can write: a claim, trusted only when the job's uid tag matches.
"""

from __future__ import annotations

from tests.e2e.e2e_world import World
from tests.security.tenants import (
    ATTACKER,
    VICTIM,
    annotate,
    assert_nothing_of,
    job_status,
    named,
)

RES = "tuning"


def lose_the_status_write(world: World, namespace: str) -> str:
    """Create under a lost status write (every retry of the status PATCH fails); the job's name."""
    world.kube.inject_fault(verb="PATCH", resource="hyperparametertuningjobs/status", status=503, times=3)
    result = world.run()
    assert "outcome=retry" in result.stdout, result.stdout
    [job] = world.sagemaker.tuning_job_names()
    assert "hyperParameterTuningJobArn" not in world.get(RES, namespace=namespace).get("status", {})
    return job


def test_renaming_after_a_lost_status_write_tracks_the_first_job(world: World) -> None:
    world.create_sample(RES, namespace=VICTIM, edit=named("first-name"))
    first = lose_the_status_write(world, VICTIM)
    world.patch_spec(RES, {"hyperParameterTuningJobName": "second-name"}, namespace=VICTIM)
    assert world.run().code == 0
    assert world.sagemaker.tuning_job_names() == [first]
    status = world.get(RES, namespace=VICTIM)["status"]
    assert status["sageMakerHyperParameterTuningJobName"] == first
    assert status["hyperParameterTuningJobArn"].endswith(first)
    stalled = world.condition(RES, "Stalled", namespace=VICTIM)
    assert stalled is not None and stalled["reason"] == "SpecUpdateRefused"
    assert "spec.hyperParameterTuningJobName" in stalled["message"]
    # Deleting stops the first job: nothing is left running untracked.
    assert world.kubectl("delete", "hpo", RES, "-n", VICTIM, "--wait=false").returncode == 0
    assert "outcome=stopping" in world.run().stdout
    assert job_status(first) == "Stopping"


def test_moving_region_after_a_lost_status_write_tracks_the_first_job(world: World) -> None:
    world.create_sample(RES, namespace=VICTIM)
    first = lose_the_status_write(world, VICTIM)
    world.patch_spec(RES, {"region": "eu-west-1"}, namespace=VICTIM)
    assert world.run().code == 0
    assert world.sagemaker.tuning_job_names() == [first]
    status = world.get(RES, namespace=VICTIM)["status"]
    assert ":us-east-2:" in status["hyperParameterTuningJobArn"]
    stalled = world.condition(RES, "Stalled", namespace=VICTIM)
    assert stalled is not None and "spec.region" in stalled["message"]


def test_a_forged_identity_annotation_does_not_claim_another_teams_job(world: World) -> None:
    world.create_sample("nightly", namespace=VICTIM, edit=named("team-a-job"))
    assert world.run().code == 0
    annotations = dict(world.get("nightly", namespace=VICTIM)["metadata"].get("annotations") or {})
    identity = {k: v for k, v in annotations.items() if k.startswith("sagemaker.aws.amazon.com/created-")}
    assert identity, annotations  # the identity is recorded on the victim's resource
    # The attacker copies them onto a resource of its own, with a name of its own.
    world.create_sample(RES, namespace=ATTACKER, edit=named("team-b-job"))
    annotate(world, RES, dict(identity), namespace=ATTACKER)
    for _ in range(2):
        assert world.run().code == 0
    assert_nothing_of(world, victim_job="team-a-job")
    assert (
        world.get(RES, namespace=ATTACKER)["status"]["sageMakerHyperParameterTuningJobName"] == "team-b-job"
    )
    assert world.kubectl("delete", "hpo", RES, "-n", ATTACKER, "--wait=false").returncode == 0
    world.run()
    assert job_status("team-a-job") == "InProgress"
