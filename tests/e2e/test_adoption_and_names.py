"""Crash between create and status write -> adopted, not duplicated; a foreign job's name -> JobNameInUse."""

from __future__ import annotations

from typing import Any

import boto3

from reconciler.awsmodel import spec_to_request
from reconciler.core.model import LEGACY_FINALIZER
from reconciler.core.naming import job_name_for
from tests.e2e.e2e_world import GROUP, PLURAL, VERSION, World, untagged_tuning_request

NAME = "xgboost-mnist-hpo"


def test_lost_status_write_after_create_is_adopted_next_pass(world: World) -> None:
    world.create_sample()
    # Every attempt of the status write after CreateHyperParameterTuningJob fails (3 = the gateway's retries).
    world.kube.inject_fault(verb="PATCH", resource="hyperparametertuningjobs/status", status=500, times=3)
    first = world.run()
    assert first.code == 0, first.stderr
    assert "outcome=retry" in first.stdout
    assert len(world.sagemaker.tuning_job_names()) == 1
    assert "hyperParameterTuningJobArn" not in world.get(NAME).get("status", {})

    second = world.run()
    assert second.code == 0
    assert "outcome=adopted" in second.stdout
    assert len(world.sagemaker.tuning_job_names()) == 1
    status = world.get(NAME)["status"]
    assert status["hyperParameterTuningJobArn"].endswith(status["sageMakerHyperParameterTuningJobName"])
    assert status["hyperParameterTuningJobStatus"] == "InProgress"
    assert "Adopted" in world.kubectl("get", "events").stdout


def test_lost_response_after_status_write_is_harmless(world: World) -> None:
    world.create_sample()
    world.kube.inject_fault(
        verb="PATCH", resource="hyperparametertuningjobs/status", status=500, when="after", times=1
    )
    assert world.run().code == 0
    assert world.run().code == 0
    assert len(world.sagemaker.tuning_job_names()) == 1
    assert world.get(NAME)["status"]["hyperParameterTuningJobStatus"] == "InProgress"


def test_foreign_job_holding_the_name_is_job_name_in_use(world: World) -> None:
    create_foreign_job("taken-name")
    world.create_sample(edit=take_name)
    result = world.run()
    assert result.code == 0
    stalled = world.condition(NAME, "Stalled")
    assert stalled is not None and stalled["reason"] == "JobNameInUse"
    assert "hyperParameterTuningJobName" in stalled["message"]
    assert world.sagemaker.tuning_job_names() == ["taken-name"]
    # Deleting the resource must not stop someone else's job.
    world.kubectl("delete", "hpo", NAME, "--wait=false")
    world.run()
    assert not world.exists(NAME)
    assert foreign_job_status("taken-name") != "Stopping"


def test_spec_edited_between_create_and_adoption_is_refused(world: World) -> None:
    world.create_sample()
    world.kube.inject_fault(verb="PATCH", resource="hyperparametertuningjobs/status", status=500, times=3)
    assert "outcome=retry" in world.run().stdout
    world.patch_spec(NAME, {"trainingJobDefinition": {"stoppingCondition": {"maxRuntimeInSeconds": 3600}}})
    assert world.run().code == 0
    stalled = world.condition(NAME, "Stalled")
    assert stalled is not None and stalled["reason"] == "SpecUpdateRefused"
    assert "spec.trainingJobDefinition.stoppingCondition.maxRuntimeInSeconds" in stalled["message"]
    assert len(world.sagemaker.tuning_job_names()) == 1
    # Still refused on the next pass, although this generation was observed.
    assert world.run().code == 0
    stalled = world.condition(NAME, "Stalled")
    assert stalled is not None and stalled["reason"] == "SpecUpdateRefused"


def create_foreign_job(name: str) -> None:
    """A tuning job created outside this reconciler (no hpo-reconciler tags)."""
    request = untagged_tuning_request(
        name, role="arn:aws:iam::123456789012:role/other", output="s3://other/out", max_jobs=1
    )
    boto3.client("sagemaker").create_hyper_parameter_tuning_job(**request)


def foreign_job_status(name: str) -> str:
    described = boto3.client("sagemaker").describe_hyper_parameter_tuning_job(
        HyperParameterTuningJobName=name
    )
    return str(described["HyperParameterTuningJobStatus"])


def take_name(obj: dict[str, Any]) -> None:
    obj["spec"]["hyperParameterTuningJobName"] = "taken-name"


def test_delete_after_lost_name_conflict_check_does_not_stop_foreign_job(world: World) -> None:
    create_foreign_job("taken-name")
    world.create_sample(edit=take_name)
    # Create answers ResourceInUse; reading the job's tags then fails every retry: nothing is recorded.
    world.sagemaker.inject_fault(operation="ListTags", error=500, times=5)
    first = world.run()
    assert "outcome=retry" in first.stdout, first.stdout
    assert "hyperParameterTuningJobArn" not in world.get(NAME).get("status", {})
    assert world.condition(NAME, "Stalled") is None

    assert world.kubectl("delete", "hpo", NAME, "--wait=false").returncode == 0
    world.reset_stats()
    released = world.run()
    assert released.code == 0 and "outcome=deleted" in released.stdout, released.stdout
    assert not world.exists(NAME)
    assert "StopHyperParameterTuningJob" not in world.sagemaker_calls()
    assert foreign_job_status("taken-name") == "InProgress"


def test_delete_after_invalid_spec_replaced_job_name_in_use_does_not_stop_foreign_job(world: World) -> None:
    create_foreign_job("taken-name")
    world.create_sample(edit=take_name)
    assert world.run().code == 0
    stalled = world.condition(NAME, "Stalled")
    assert stalled is not None and stalled["reason"] == "JobNameInUse"
    # The spec becomes invalid: InvalidSpec replaces JobNameInUse as the Stalled reason.
    world.patch_spec(
        NAME,
        {
            "hyperParameterTuningJobConfig": {
                "resourceLimits": {"maxParallelTrainingJobs": 10, "maxNumberOfTrainingJobs": 5}
            }
        },
    )
    assert world.run().code == 0
    stalled = world.condition(NAME, "Stalled")
    assert stalled is not None and stalled["reason"] == "InvalidSpec"

    assert world.kubectl("delete", "hpo", NAME, "--wait=false").returncode == 0
    released = world.run()
    assert released.code == 0 and "outcome=deleted" in released.stdout, released.stdout
    assert not world.exists(NAME)
    assert foreign_job_status("taken-name") == "InProgress"


def test_delete_after_lost_status_write_still_stops_our_job(world: World) -> None:
    world.create_sample()
    world.kube.inject_fault(verb="PATCH", resource="hyperparametertuningjobs/status", status=500, times=3)
    assert "outcome=retry" in world.run().stdout
    assert "hyperParameterTuningJobArn" not in world.get(NAME).get("status", {})
    [job] = world.sagemaker.tuning_job_names()
    assert world.kubectl("delete", "hpo", NAME, "--wait=false").returncode == 0
    stopping = world.run()
    assert "outcome=stopping" in stopping.stdout, stopping.stdout
    assert foreign_job_status(job) == "Stopping"


def test_name_taken_but_job_not_yet_visible_is_retried_not_stalled(world: World) -> None:
    create_foreign_job("taken-name")
    world.create_sample(edit=take_name)
    # Create answers ResourceInUse, and the Describe that follows finds nothing (eventual consistency).
    world.sagemaker.inject_fault(
        operation="DescribeHyperParameterTuningJob", error="ResourceNotFound", times=1
    )
    first = world.run("--fail-on-error")
    assert "outcome=retry" in first.stdout, first.stdout
    assert first.code == 0
    assert world.condition(NAME, "Stalled") is None
    # The next pass sees the foreign job and refuses it for what it is.
    assert world.run().code == 0
    stalled = world.condition(NAME, "Stalled")
    assert stalled is not None and stalled["reason"] == "JobNameInUse"


def make_legacy(world: World, *, legacy_finalizer: bool) -> str:
    """A resource as the legacy operator left it: its job created (untagged), the job name in the
    status, no ARN, and (optionally) the legacy finalizer. Returns the job name."""
    created = world.create_sample()
    meta = created["metadata"]
    name = job_name_for(resource_name=meta["name"], uid=meta["uid"], requested=None)
    request = spec_to_request(created["spec"], job_name=name)
    boto3.client("sagemaker").create_hyper_parameter_tuning_job(**request)
    if legacy_finalizer:
        world.custom.patch_namespaced_custom_object(
            GROUP,
            VERSION,
            "default",
            PLURAL,
            NAME,
            {"metadata": {"finalizers": [LEGACY_FINALIZER]}},
            _content_type="application/merge-patch+json",
        )
    world.custom.patch_namespaced_custom_object_status(
        GROUP,
        VERSION,
        "default",
        PLURAL,
        NAME,
        {
            "status": {
                "sageMakerHyperParameterTuningJobName": name,
                "hyperParameterTuningJobStatus": "InProgress",
            }
        },
        _content_type="application/merge-patch+json",
    )
    return name


def test_legacy_operator_resource_is_adopted(world: World) -> None:
    name = make_legacy(world, legacy_finalizer=True)
    result = world.run()
    assert "outcome=adopted" in result.stdout, result.stdout
    assert world.sagemaker.tuning_job_names() == [name]
    status = world.get(NAME)["status"]
    assert status["hyperParameterTuningJobArn"].endswith(name.lower())
    assert world.condition(NAME, "Stalled") is None
    assert "legacy operator" in world.kubectl("get", "events", "--field-selector", "reason=Adopted").stdout
    # Deleting it stops the adopted job, as the legacy operator would have.
    assert world.kubectl("delete", "hpo", NAME, "--wait=false").returncode == 0
    assert "outcome=stopping" in world.run().stdout


def test_untagged_job_without_the_legacy_finalizer_is_not_adopted(world: World) -> None:
    make_legacy(world, legacy_finalizer=False)
    assert world.run().code == 0
    stalled = world.condition(NAME, "Stalled")
    assert stalled is not None and stalled["reason"] == "JobNameInUse"
