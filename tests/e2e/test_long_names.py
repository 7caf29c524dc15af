"""Resources whose names do not fit a label value (issue 10 item 2).

`metadata.name` may have 253 characters; kube-apiserver refuses label values and label selector
values over 63 (apimachinery's IsValidLabelValue). The children therefore carry the parent's UID as
their label (`sagemaker.aws.amazon.com/hyperparametertuningjob-uid`), the parent's name as an
annotation, and the name label only where it fits. A 120-character resource runs its life through,
children and deletion included, and its finalizer is released.
"""

from __future__ import annotations

from typing import Any

import pytest

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


# Until the children code is moved onto the UID label (after the engine restructure lands).
PENDING = pytest.mark.xfail(strict=True, reason="issue 10 item 2: children still labelled by name")


@PENDING
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


@PENDING
def test_a_name_that_fits_keeps_the_name_label_for_kubectl(world: World) -> None:
    world.create_sample("short")
    uid = world.get("short")["metadata"]["uid"]
    world.run()
    world.sagemaker.advance(3600)
    world.run()
    world.run()
    children = training_jobs(world, selector=f"{UID_LABEL}={uid}")
    assert children and len(children) == len(world.children("short"))
    for child in children:
        assert child["metadata"]["labels"] == {UID_LABEL: uid, NAME_LABEL: "short"}
        assert child["metadata"]["annotations"][NAME_ANNOTATION] == "short"
