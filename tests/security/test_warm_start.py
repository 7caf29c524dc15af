"""Issue 10 item 4: a warm-start parent's results are its team's data. A parent must carry the
`hpo-reconciler/namespace` tag of the resource's own namespace unless the cluster admin runs with
--allow-foreign-warm-start-parents; refused -> Stalled/WarmStartParentNotAllowed and no create.
A parent that does not exist yet (or has not finished) heals by itself: Reconciling, waiting.
"""

from __future__ import annotations

from typing import Any

from tests.e2e.e2e_world import World
from tests.security.tenants import ATTACKER, VICTIM, assert_nothing_of, create_untagged_job, named

CHILD = "warm-child"


def warm_from(parent: str) -> Any:
    def edit(obj: dict[str, Any]) -> None:
        obj["spec"]["warmStartConfig"] = {
            "warmStartType": "IdenticalDataAndAlgorithm",
            "parentHyperParameterTuningJobs": [{"hyperParameterTuningJobName": parent}],
        }

    return edit


def completed_parent(world: World, namespace: str, job_name: str) -> str:
    """A parent job created by the reconciler for a resource of `namespace`, finished. Its UID."""
    created = world.create_sample("parent", namespace=namespace, edit=named(job_name))
    assert world.run().code == 0
    world.sagemaker.force_outcome(job_name, status="Completed")
    assert world.run().code == 0
    return str(created["metadata"]["uid"])


def condition(world: World, type_: str, namespace: str = ATTACKER) -> dict[str, Any] | None:
    found = world.condition(CHILD, type_, namespace=namespace)
    return found if found is not None and found["status"] == "True" else None


def creates(world: World) -> int:
    return world.sagemaker_calls().get("CreateHyperParameterTuningJob", 0)


def test_another_namespaces_parent_is_refused(world: World) -> None:
    victim_uid = completed_parent(world, VICTIM, "team-a-parent")
    world.create_sample(CHILD, namespace=ATTACKER, edit=warm_from("team-a-parent"))
    world.reset_stats()
    assert world.run().code == 0
    stalled = condition(world, "Stalled")
    assert stalled is not None and stalled["reason"] == "WarmStartParentNotAllowed", stalled
    assert (
        "team-a-parent" in stalled["message"] and "--allow-foreign-warm-start-parents" in stalled["message"]
    )
    assert creates(world) == 0
    assert world.sagemaker.tuning_job_names() == ["team-a-parent"]
    assert_nothing_of(world, victim_job="team-a-parent", victim_uid=victim_uid)
    # Which team owns it is not the tenant's business.
    assert VICTIM not in stalled["message"].replace("team-a-parent", "")


def test_an_untagged_parent_is_refused(world: World) -> None:
    create_untagged_job("console-made-parent")
    world.sagemaker.force_outcome("console-made-parent", status="Completed")
    world.create_sample(CHILD, namespace=ATTACKER, edit=warm_from("console-made-parent"))
    assert world.run().code == 0
    stalled = condition(world, "Stalled")
    assert stalled is not None and stalled["reason"] == "WarmStartParentNotAllowed"
    assert len(world.sagemaker.tuning_job_names()) == 1


def test_a_parent_of_the_same_namespace_is_used(world: World) -> None:
    completed_parent(world, ATTACKER, "team-b-parent")
    world.create_sample(CHILD, namespace=ATTACKER, edit=warm_from("team-b-parent"))
    world.reset_stats()
    result = world.run()
    assert result.code == 0 and f"{ATTACKER}/{CHILD}" in result.stdout
    assert condition(world, "Stalled") is None
    assert creates(world) == 1


def test_the_admin_may_allow_foreign_parents(world: World) -> None:
    completed_parent(world, VICTIM, "team-a-parent")
    world.create_sample(CHILD, namespace=ATTACKER, edit=warm_from("team-a-parent"))
    world.reset_stats()
    assert world.run("--allow-foreign-warm-start-parents").code == 0
    assert condition(world, "Stalled") is None
    assert creates(world) == 1


def test_a_parent_not_created_yet_is_awaited_not_stalled(world: World) -> None:
    world.create_sample(CHILD, namespace=ATTACKER, edit=warm_from("team-b-parent"))
    assert world.run("--fail-on-error").code == 0
    assert condition(world, "Stalled") is None
    reconciling = condition(world, "Reconciling")
    assert reconciling is not None and "team-b-parent" in reconciling["message"], reconciling
    assert "wait" in reconciling["message"].lower()
    assert world.sagemaker.tuning_job_names() == []
    # The parent appears and finishes: the child is created on a later pass.
    completed_parent(world, ATTACKER, "team-b-parent")
    assert world.run("--retry-backoff-seconds", "0").code == 0
    assert condition(world, "Stalled") is None
    assert sorted(world.sagemaker.tuning_job_names()) == sorted(
        [
            "team-b-parent",
            world.get(CHILD, namespace=ATTACKER)["status"]["sageMakerHyperParameterTuningJobName"],
        ]
    )
