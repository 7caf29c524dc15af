"""Spec updates are refused (and cleared on revert); deletion stops the job, honours retain, releases."""

from __future__ import annotations

from typing import Any

import boto3

from tests.e2e.e2e_world import World

NAME = "xgboost-mnist-hpo"


def start_running(world: World) -> str:
    world.create_sample()
    assert world.run().code == 0
    assert world.run().code == 0
    status = world.get(NAME)["status"]
    assert status["hyperParameterTuningJobStatus"] == "InProgress"
    return str(status["sageMakerHyperParameterTuningJobName"])


def test_spec_update_is_refused_then_cleared_on_revert(world: World) -> None:
    job = start_running(world)
    world.patch_spec(
        NAME, {"hyperParameterTuningJobConfig": {"resourceLimits": {"maxNumberOfTrainingJobs": 11}}}
    )
    world.reset_stats()
    refused = world.run()
    assert refused.code == 0
    stalled = world.condition(NAME, "Stalled")
    assert stalled is not None and stalled["reason"] == "SpecUpdateRefused"
    assert "spec.hyperParameterTuningJobConfig.resourceLimits.maxNumberOfTrainingJobs" in stalled["message"]
    ready = world.condition(NAME, "Ready")
    assert ready is not None and ready["status"] == "False"
    # SageMaker untouched, still tracked (ListTags: a new generation may carry tag edits, which
    # are applied; this one carries none, so no AddTags / DeleteTags).
    assert set(world.sagemaker_calls()) <= {
        "DescribeHyperParameterTuningJob",
        "ListTrainingJobsForHyperParameterTuningJob",
        "DescribeTrainingJob",
        "ListTags",
    }
    assert world.sagemaker.tuning_job_names() == [job]
    assert world.get(NAME)["status"]["hyperParameterTuningJobStatus"] == "InProgress"
    assert world.get(NAME)["status"]["observedGeneration"] == 2
    events = world.kubectl("get", "events", "--field-selector", "type=Warning").stdout
    assert "SpecUpdateRefused" in events
    # With --fail-on-error the stalled resource makes the pass exit 1.
    assert world.run("--fail-on-error").code == 1

    world.patch_spec(
        NAME, {"hyperParameterTuningJobConfig": {"resourceLimits": {"maxNumberOfTrainingJobs": 10}}}
    )
    assert world.run().code == 0
    assert world.condition(NAME, "Stalled") is None
    ready = world.condition(NAME, "Ready")
    assert ready is not None and ready["status"] == "Unknown" and ready["reason"] == "InProgress"
    assert world.get(NAME)["status"]["observedGeneration"] == 3

    world.sagemaker.advance(3600)
    assert world.run().code == 0
    ready = world.condition(NAME, "Ready")
    assert ready is not None and ready["status"] == "True"


def test_delete_while_running_stops_then_releases(world: World) -> None:
    job = start_running(world)
    assert len(world.children(NAME)) == 10
    assert world.kubectl("delete", "hyperparametertuningjob", NAME, "--wait=false").returncode == 0
    assert world.exists(NAME)  # held by the finalizer

    world.reset_stats()
    stopping = world.run()
    assert stopping.code == 0 and "outcome=stopping" in stopping.stdout
    assert world.sagemaker_calls().get("StopHyperParameterTuningJob") == 1
    assert world.get(NAME)["status"]["hyperParameterTuningJobStatus"] == "Stopping"
    reconciling = world.condition(NAME, "Reconciling")
    assert reconciling is not None and reconciling["reason"] == "Deleting"

    world.sagemaker.advance(600)
    released = world.run()
    assert released.code == 0 and "outcome=deleted" in released.stdout
    assert not world.exists(NAME)
    assert world.children(NAME) == []
    events = world.kubectl("get", "events", "--field-selector", f"involvedObject.name={NAME}").stdout
    assert "Stopping" in events and "Deleted" in events and "StatusChanged" in events
    import boto3

    described = boto3.client("sagemaker").describe_hyper_parameter_tuning_job(HyperParameterTuningJobName=job)
    assert described["HyperParameterTuningJobStatus"] == "Stopped"


def test_deletion_policy_retain_leaves_the_job_running(world: World) -> None:
    job = start_running(world)
    world.custom.patch_namespaced_custom_object(
        "sagemaker.aws.amazon.com", "v1", "default", "hyperparametertuningjobs", NAME,
        {"metadata": {"annotations": {"sagemaker.aws.amazon.com/deletion-policy": "retain"}}},
        _content_type="application/merge-patch+json",
    )  # fmt: skip
    assert world.kubectl("delete", "hpo", NAME, "--wait=false").returncode == 0
    world.reset_stats()
    result = world.run()
    assert result.code == 0 and "outcome=deleted" in result.stdout
    assert "StopHyperParameterTuningJob" not in world.sagemaker_calls()
    assert not world.exists(NAME)
    import boto3

    described = boto3.client("sagemaker").describe_hyper_parameter_tuning_job(HyperParameterTuningJobName=job)
    assert described["HyperParameterTuningJobStatus"] == "InProgress"


def test_legacy_finalizer_is_recognised_and_removed(world: World) -> None:
    def legacy(obj: dict[str, object]) -> None:
        obj["metadata"] = {
            "name": NAME,
            "namespace": "default",
            "finalizers": ["sagemaker-operator-finalizer"],
        }

    world.create_sample(edit=legacy)
    assert world.run().code == 0
    assert world.get(NAME)["metadata"]["finalizers"] == ["sagemaker-operator-finalizer"]
    assert world.kubectl("delete", "hpo", NAME, "--wait=false").returncode == 0
    world.run()  # stops the job
    world.sagemaker.advance(600)
    world.run()
    assert not world.exists(NAME)


def test_region_edit_after_creation_is_refused_and_the_job_stays_tracked_in_its_region(world: World) -> None:
    world.create_sample()
    assert "outcome=created" in world.run().stdout
    [job] = world.sagemaker.tuning_job_names()
    world.patch_spec(NAME, {"region": "us-west-2"})
    assert world.run().code == 0
    stalled = world.condition(NAME, "Stalled")
    assert stalled is not None and stalled["reason"] == "SpecUpdateRefused"
    assert "spec.region" in stalled["message"]
    status = world.get(NAME)["status"]
    assert status["hyperParameterTuningJobStatus"] == "InProgress"
    assert status["hyperParameterTuningJobArn"].startswith("arn:aws:sagemaker:us-east-2:")
    # The children mirrored after the edit are described in the job's own region, not the edited one.
    children = world.children(NAME)
    assert children and {child["spec"]["region"] for child in children} == {"us-east-2"}

    assert world.kubectl("delete", "hpo", NAME, "--wait=false").returncode == 0
    world.reset_stats()
    stopping = world.run()
    assert "outcome=stopping" in stopping.stdout, stopping.stdout
    assert world.sagemaker_calls().get("StopHyperParameterTuningJob") == 1
    assert world.sagemaker.tuning_job_names() == [job]


def test_endpoint_edit_after_creation_is_refused_and_the_job_stays_tracked(world: World) -> None:
    url = world.sagemaker.url

    def endpoint(obj: dict[str, Any]) -> None:
        obj["spec"]["sageMakerEndpoint"] = url

    world.create_sample(edit=endpoint)
    assert world.run("--allow-custom-endpoints").code == 0
    assert world.run("--allow-custom-endpoints").code == 0
    assert world.get(NAME)["status"]["hyperParameterTuningJobStatus"] == "InProgress"
    # An endpoint nothing listens on: calls sent there would strand the job.
    world.patch_spec(NAME, {"sageMakerEndpoint": "http://127.0.0.1:9"})
    refused = world.run("--allow-custom-endpoints")
    assert "outcome=stalled" in refused.stdout, refused.stdout
    stalled = world.condition(NAME, "Stalled")
    assert stalled is not None and stalled["reason"] == "SpecUpdateRefused"
    assert "spec.sageMakerEndpoint" in stalled["message"]
    assert world.get(NAME)["status"]["hyperParameterTuningJobStatus"] == "InProgress"

    assert world.kubectl("delete", "hpo", NAME, "--wait=false").returncode == 0
    stopping = world.run("--allow-custom-endpoints")
    assert "outcome=stopping" in stopping.stdout, stopping.stdout
    [job] = world.sagemaker.tuning_job_names()
    described = boto3.client("sagemaker").describe_hyper_parameter_tuning_job(HyperParameterTuningJobName=job)
    assert described["HyperParameterTuningJobStatus"] == "Stopping"


def test_deleted_event_is_emitted_once_when_the_finalizer_patch_conflicts(world: World) -> None:
    world.create_sample()
    assert world.run().code == 0
    world.sagemaker.force_outcome(world.sagemaker.tuning_job_names()[0], status="Completed")
    assert world.run().code == 0
    assert world.kubectl("delete", "hpo", NAME, "--wait=false").returncode == 0
    # The first finalizer removal answers 409: the pass re-reads the resource and finalizes again.
    world.kube.inject_fault(verb="PATCH", resource="hyperparametertuningjobs", status=409, times=1)
    released = world.run()
    assert "outcome=deleted" in released.stdout, released.stdout
    assert not world.exists(NAME)
    reasons = [event.reason for event in world.core.list_namespaced_event("default").items]
    assert reasons.count("Deleted") == 1, reasons


def test_tag_edits_are_applied_to_the_running_job_never_touching_the_reconcilers_own(world: World) -> None:
    world.create_sample(
        edit=lambda o: o["spec"].update(tags=[{"key": "team", "value": "ml"}, {"key": "old", "value": "x"}])
    )
    world.run()
    arn = world.get(NAME)["status"]["hyperParameterTuningJobArn"]
    sagemaker = boto3.client("sagemaker")

    def tags() -> dict[str, str]:
        return {t["Key"]: t["Value"] for t in sagemaker.list_tags(ResourceArn=arn)["Tags"]}

    before = tags()
    own = {k: v for k, v in before.items() if k.startswith("hpo-reconciler/")}
    assert set(own) == {"hpo-reconciler/namespace", "hpo-reconciler/name", "hpo-reconciler/uid"}
    assert before["team"] == "ml" and before["old"] == "x"
    edited = [{"key": "team", "value": "vision"}, {"key": "cost-center", "value": "42"}]
    world.patch_spec(NAME, {"tags": edited})
    result = world.run()
    assert result.code == 0
    after = tags()
    assert {k: v for k, v in after.items() if not k.startswith("hpo-reconciler/")} == {
        "team": "vision",
        "cost-center": "42",
    }, after  # "team" changed, "cost-center" added, "old" removed
    assert {k: v for k, v in after.items() if k.startswith("hpo-reconciler/")} == own
    assert world.condition(NAME, "Stalled") is None  # applied, not refused
    events = world.kubectl("get", "events", "--field-selector", "reason=TagsUpdated").stdout
    assert "Updated the tags of SageMaker tuning job" in events
    world.reset_stats()
    world.run()  # nothing changed since: no ListTags, no tag write
    assert not {k for k in world.sagemaker_calls() if "Tags" in k}, world.sagemaker_calls()
