"""Policy refusals cost no SageMaker call; bad input is Stalled/InvalidSpec and never stops the pass."""

from __future__ import annotations

import json
from pathlib import Path
from typing import Any

import pytest

from tests.e2e.e2e_world import KUBECTL, World, loose_crd_dir


def test_role_not_allowed_by_namespace_annotation_makes_no_sagemaker_call(world: World) -> None:
    namespace = {"metadata": {"name": "team-a", "annotations": {
        "sagemaker.aws.amazon.com/allowed-role-arns": "arn:aws:iam::*:role/team-a-*"}}}  # fmt: skip
    assert (
        world.kubectl(
            "create", "-f", "-", input=json.dumps({"apiVersion": "v1", "kind": "Namespace", **namespace})
        ).returncode
        == 0
    )
    world.create_sample("refused", namespace="team-a")
    result = world.run()
    assert result.code == 0
    stalled = world.condition("refused", "Stalled", namespace="team-a")
    assert stalled is not None and stalled["reason"] == "RoleNotAllowed"
    assert "team-a-*" in stalled["message"]
    assert world.sagemaker_calls() == {}
    assert world.sagemaker.tuning_job_names() == []


def test_role_allow_list_flag_applies_without_annotation(world: World) -> None:
    world.create_sample("refused")
    world.create_sample("allowed", edit=lambda o: o["spec"]["trainingJobDefinition"].update(
        roleArn="arn:aws:iam::123456789012:role/ok-role"))  # fmt: skip
    result = world.run("--allowed-role-arn", "arn:aws:iam::*:role/ok-*")
    assert result.code == 0
    assert world.condition("refused", "Stalled") is not None
    assert world.condition("allowed", "Stalled") is None
    assert len(world.sagemaker.tuning_job_names()) == 1


def test_custom_endpoint_needs_the_flag(world: World) -> None:
    def endpoint(obj: dict[str, Any]) -> None:
        obj["spec"]["sageMakerEndpoint"] = "https://sagemaker.example.com"

    world.create_sample(edit=endpoint)
    assert world.run().code == 0
    stalled = world.condition("xgboost-mnist-hpo", "Stalled")
    assert stalled is not None and stalled["reason"] == "EndpointNotAllowed"
    assert "--allow-custom-endpoints" in stalled["message"]
    assert world.sagemaker_calls() == {}


def test_semantically_invalid_resource_next_to_valid_ones(world: World) -> None:
    def too_parallel(obj: dict[str, Any]) -> None:
        obj["spec"]["hyperParameterTuningJobConfig"]["resourceLimits"]["maxParallelTrainingJobs"] = 10
        obj["spec"]["hyperParameterTuningJobConfig"]["resourceLimits"]["maxNumberOfTrainingJobs"] = 5

    world.create_sample("good-1")
    world.create_sample("bad", edit=too_parallel)
    world.create_sample("good-2")
    result = world.run()
    assert result.code == 0
    stalled = world.condition("bad", "Stalled")
    assert stalled is not None and stalled["reason"] == "InvalidSpec"
    assert "maxParallelTrainingJobs" in stalled["message"]
    assert world.condition("good-1", "Stalled") is None and world.condition("good-2", "Stalled") is None
    assert len(world.sagemaker.tuning_job_names()) == 2
    warnings = world.kubectl("get", "events", "--field-selector", "type=Warning").stdout
    assert "InvalidSpec" in warnings and warnings.count("InvalidSpec") == 1
    assert world.run("--fail-on-error").code == 1
    # The refusal is an event once, on the transition, not on every pass.
    warnings = world.kubectl("get", "events", "--field-selector", "type=Warning").stdout
    assert warnings.count("InvalidSpec") == 1


def test_deleting_a_stalled_resource_is_not_counted_stalled_by_fail_on_error(world: World) -> None:
    """The docs' remedy for a Stalled resource is to delete it; the pass that releases it is clean."""
    world.create_sample("owner")
    world.run()
    taken = world.get("owner")["status"]["sageMakerHyperParameterTuningJobName"]
    world.create_sample("bad", edit=lambda o: o["spec"].update(hyperParameterTuningJobName=taken))
    first = world.run("--fail-on-error")
    stalled = world.condition("bad", "Stalled")
    assert stalled is not None and stalled["reason"] == "JobNameInUse"
    assert first.code == 1 and "stalled=1" in first.summary
    assert world.get("bad")["metadata"].get("finalizers")  # so deleting it takes a pass
    assert world.kubectl("delete", "hyperparametertuningjob", "bad", "--wait=false").returncode == 0
    deleted = world.run("--fail-on-error")
    assert "deleted=1" in deleted.summary and "stalled=0" in deleted.summary, deleted.summary
    assert deleted.code == 0
    assert not world.exists("bad")


BAD_SPECS: list[tuple[str, Any, str]] = [
    ("missing-spec", None, "spec is missing"),
    (
        "wrong-types",
        {"hyperParameterTuningJobConfig": "fast please", "trainingJobDefinition": [1, 2]},
        "spec.",
    ),
    ("unknown-field", {"region": "us-east-2", "notAField": 1}, "notAField"),
    (
        "huge",
        {"region": "us-east-2", "hyperParameterTuningJobName": "x" * 1_000_000},
        "hyperParameterTuningJobName",
    ),
]


@pytest.fixture
def loose_world(world: World, tmp_path: Path) -> World:
    world.kube.install_crds(loose_crd_dir(tmp_path))
    return world


def test_bad_input_is_stalled_invalid_spec_without_traceback(loose_world: World) -> None:
    world = loose_world
    world.create_sample("valid")
    for name, spec, _ in BAD_SPECS:
        obj: dict[str, Any] = {
            "apiVersion": "sagemaker.aws.amazon.com/v1",
            "kind": "HyperparameterTuningJob",
            "metadata": {"name": name, "namespace": "default"},
        }
        if spec is not None:
            obj["spec"] = spec
        world.create(obj)
    result = world.run("--log-format", "json")
    assert result.code == 0
    assert "Traceback" not in result.stderr and "Traceback" not in result.stdout
    lines = [json.loads(line) for line in result.stdout.splitlines()]
    assert lines[-1]["event"] == "summary" and lines[-1]["outcomes"] == {"created": 1, "stalled": 4}
    for name, _, fragment in BAD_SPECS:
        stalled = world.condition(name, "Stalled")
        assert stalled is not None and stalled["reason"] == "InvalidSpec", name
        assert fragment in stalled["message"], (name, stalled["message"])
        assert len(stalled["message"]) < 4000
    assert world.condition("valid", "Stalled") is None
    # Unchanged bad input costs nothing on the next pass: no write touches those resources.
    versions = {name: world.get(name)["metadata"]["resourceVersion"] for name, _, _ in BAD_SPECS}
    assert world.run().code == 0
    assert {name: world.get(name)["metadata"]["resourceVersion"] for name, _, _ in BAD_SPECS} == versions


@pytest.mark.skipif(KUBECTL is None, reason="kubectl is not installed")
def test_default_kubectl_get_shows_who_needs_a_person(world: World) -> None:
    """A Stalled resource without a job: STATUS is the legacy operator's error state, STALLED the reason."""
    world.create_sample("refused")
    world.create_sample("fine")
    assert world.run("--allowed-role-arn", "arn:aws:iam::*:role/nobody-*").code == 0
    lines = world.kubectl("get", "hyperparametertuningjob").stdout.splitlines()
    header = lines[0].split()
    assert header[:9] == [
        "NAME", "STATUS", "CREATION-TIME", "COMPLETED", "INPROGRESS", "ERRORS", "STOPPED",
        "BEST-TRAINING-JOB", "SAGEMAKER-JOB-NAME",
    ] and header[9] == "STALLED"  # fmt: skip
    rows = {line.split()[0]: line.split() for line in lines[1:]}
    assert rows["refused"][1] == "ReconcilingTuningJob" and rows["refused"][-1] == "RoleNotAllowed"
    additional = world.get("refused")["status"]["additional"]
    assert "is not allowed by" in additional  # the message, where the legacy operator put it
    # Allowed now. A Stalled resource is quiet until the spec changes or the heartbeat passes (so a
    # loosened policy is seen at the heartbeat); --heartbeat-seconds 0 looks again at once.
    world.run("--heartbeat-seconds", "0")  # the job is created, the stall clears
    rows = {line.split()[0]: line.split() for line in world.kubectl("get", "hpo").stdout.splitlines()[1:]}
    assert rows["refused"][1] in ("SynchronizingK8sJobWithSageMaker", "InProgress")
    assert rows["refused"][-1] != "RoleNotAllowed"


def test_allowing_custom_endpoints_clears_the_refusal_even_when_the_endpoint_is_unreachable(
    world: World,
) -> None:
    world.create_sample(edit=lambda o: o["spec"].update(sageMakerEndpoint="http://127.0.0.1:9"))
    assert world.run().code == 0
    stalled = world.condition("xgboost-mnist-hpo", "Stalled")
    assert stalled is not None and stalled["reason"] == "EndpointNotAllowed"
    # A Stalled resource sees a newly allowed setting at its heartbeat; 0 makes that now.
    result = world.run("--allow-custom-endpoints", "--heartbeat-seconds", "0")
    assert "outcome=retry" in result.stdout + result.stderr
    assert world.condition("xgboost-mnist-hpo", "Stalled") is None
    reconciling = world.condition("xgboost-mnist-hpo", "Reconciling")
    assert reconciling is not None and reconciling["reason"] == "Retrying"
    assert "EndpointNotAllowed no longer applies" in reconciling["message"]
    assert "does not allow custom endpoints" not in json.dumps(world.get("xgboost-mnist-hpo")["status"])
