"""Resources whose names do not fit a label value (issue 10 item 2).

`metadata.name` may have 253 characters; kube-apiserver refuses label values and label selector
values over 63 (apimachinery's IsValidLabelValue). The children therefore carry the parent's UID as
their label (`sagemaker.aws.amazon.com/hyperparametertuningjob-uid`), the parent's name as an
annotation, and the name label only where it fits. A 120-character resource runs its life through,
children and deletion included, and its finalizer is released.
"""

from __future__ import annotations

from typing import Any

from tests.e2e.e2e_world import GROUP, VERSION, World, as_object

UID_LABEL = "sagemaker.aws.amazon.com/hyperparametertuningjob-uid"
NAME_LABEL = "sagemaker.aws.amazon.com/hyperparametertuningjob"
NAME_ANNOTATION = "sagemaker.aws.amazon.com/hyperparametertuningjob"
LONG_NAME = ("tuning-" + "x" * 55 + ".team-a." + "y" * 50)[:120]


def training_jobs(world: World, *, selector: str | None = None) -> list[dict[str, Any]]:
    listing = as_object(
        world.custom.list_namespaced_custom_object(
            GROUP, VERSION, "default", "trainingjobs", label_selector=selector or ""
        )
    )
    return list(listing["items"])


def test_a_120_character_name_runs_its_life_and_releases_its_finalizer(world: World) -> None:
    assert len(LONG_NAME) == 120
    world.create_sample(LONG_NAME)
    uid = world.get(LONG_NAME)["metadata"]["uid"]
    assert world.run().code == 0
    assert world.run().code == 0
    world.sagemaker.advance(3600)
    result = world.run()
    assert result.code == 0, result.stderr
    status = world.get(LONG_NAME)["status"]
    assert status["hyperParameterTuningJobStatus"] == "Completed"
    completed = status["trainingJobStatusCounters"]["completed"]
    assert completed > 0

    # Every child is there, found by the label that always fits, and says whose child it is.
    children = training_jobs(world, selector=f"{UID_LABEL}={uid}")
    assert len(children) == completed == len(training_jobs(world))
    for child in children:
        metadata = child["metadata"]
        assert all(len(value) <= 63 for value in metadata["labels"].values()), metadata["labels"]
        assert NAME_LABEL not in metadata["labels"]  # 120 characters do not fit a label value
        assert metadata["annotations"][NAME_ANNOTATION] == LONG_NAME
        assert metadata["ownerReferences"][0]["uid"] == uid
        assert child["status"]["trainingJobStatus"] == "Completed"
    warnings = world.kubectl("get", "events", "--field-selector", "type=Warning", "-o", "name").stdout
    assert warnings == "", world.kubectl("get", "events", "--field-selector", "type=Warning").stdout

    # Deletion releases the finalizer and takes the children along.
    assert world.kubectl("delete", "hpo", LONG_NAME, "--wait=false").returncode == 0
    for _ in range(3):
        assert world.run().code == 0
        if not world.exists(LONG_NAME):
            break
    assert not world.exists(LONG_NAME), world.get(LONG_NAME).get("status")
    assert training_jobs(world) == []


def _created_and_run_twice(world: World, name: str, *, advance: float) -> str:
    """The sample created as `name`, one pass, `advance` simulated seconds, one more pass; its UID."""
    world.create_sample(name)
    uid = str(world.get(name)["metadata"]["uid"])
    world.run()
    world.sagemaker.advance(advance)
    world.run()
    return uid


def _assert_labelled(children: list[dict[str, Any]], *, uid: str, parent: str) -> None:
    for child in children:
        assert child["metadata"]["labels"] == {UID_LABEL: uid, NAME_LABEL: parent}
        assert child["metadata"]["annotations"][NAME_ANNOTATION] == parent


def test_a_name_that_fits_keeps_the_name_label_for_kubectl(world: World) -> None:
    uid = _created_and_run_twice(world, "short", advance=3600)
    world.run()
    children = training_jobs(world, selector=f"{UID_LABEL}={uid}")
    assert children and len(children) == len(world.children("short"))
    _assert_labelled(children, uid=uid, parent="short")


def _as_an_earlier_version_labelled_them(world: World, parent: str) -> None:
    """Children as versions before the UID label wrote them: the name label only."""
    selector = f"{NAME_LABEL}={parent}"
    for args in (("label", f"{UID_LABEL}-"), ("annotate", f"{NAME_ANNOTATION}-")):
        done = world.kubectl(args[0], "trainingjobs", "-l", selector, args[1])
        assert done.returncode == 0, done.stderr
    for child in world.children(parent):
        assert set(child["metadata"]["labels"]) == {NAME_LABEL}
        assert NAME_ANNOTATION not in (child["metadata"].get("annotations") or {})


def test_children_labelled_by_an_earlier_version_are_relabelled_when_mirrored(world: World) -> None:
    uid = _created_and_run_twice(world, "migrated", advance=60)
    assert len(world.children("migrated")) == 10  # running, all children mirrored
    _as_an_earlier_version_labelled_them(world, "migrated")
    assert training_jobs(world, selector=f"{UID_LABEL}={uid}") == []

    world.sagemaker.advance(3600)
    result = world.run()
    assert result.code == 0, result.stderr
    children = training_jobs(world, selector=f"{UID_LABEL}={uid}")
    assert len(children) == 10 == len(training_jobs(world))  # relabelled, none duplicated
    _assert_labelled(children, uid=uid, parent="migrated")
    for child in children:
        assert child["status"]["trainingJobStatus"] == "Completed"
    # Once relabelled, a pass finds them by the UID label: nothing more to write.
    world.reset_stats()
    assert world.run().code == 0
    assert world.kube_writes() == {}


def test_deleting_a_resource_deletes_children_an_earlier_version_labelled(world: World) -> None:
    world.create_sample("old-kids")
    world.run()
    world.sagemaker.advance(3600)
    world.run()
    world.run()
    assert world.get("old-kids")["status"]["hyperParameterTuningJobStatus"] == "Completed"
    _as_an_earlier_version_labelled_them(world, "old-kids")
    # A TrainingJob of someone else carrying the same name label is not this resource's child.
    stranger = world.children("old-kids")[0]
    stranger["metadata"] = {
        "name": "not-a-child",
        "namespace": "default",
        "labels": {NAME_LABEL: "old-kids"},
    }
    world.custom.create_namespaced_custom_object(GROUP, VERSION, "default", "trainingjobs", stranger)

    assert world.kubectl("delete", "hpo", "old-kids", "--wait=false").returncode == 0
    world.reset_stats()
    assert world.run().code == 0
    assert not world.exists("old-kids")
    # The pass deleted the ten children itself (garbage collection would too, later, on a real cluster).
    assert world.kube_writes().get("DELETE trainingjobs") == 10
    assert [c["metadata"]["name"] for c in training_jobs(world)] == ["not-a-child"]
