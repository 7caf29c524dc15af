"""Crash between create and status write -> adopted, not duplicated; a foreign job's name -> JobNameInUse."""

from __future__ import annotations

from typing import Any

import boto3

from tests.e2e.e2e_world import World

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
    request = {
        "HyperParameterTuningJobName": "taken-name",
        "HyperParameterTuningJobConfig": {
            "Strategy": "Random",
            "ResourceLimits": {"MaxNumberOfTrainingJobs": 1, "MaxParallelTrainingJobs": 1},
            "ParameterRanges": {
                "IntegerParameterRanges": [{"Name": "num_round", "MinValue": "1", "MaxValue": "2"}]
            },
            "HyperParameterTuningJobObjective": {"Type": "Minimize", "MetricName": "validation:error"},
        },
        "TrainingJobDefinition": {
            "AlgorithmSpecification": {
                "TrainingImage": "825641698319.dkr.ecr.us-east-2.amazonaws.com/xgboost:1",
                "TrainingInputMode": "File",
            },
            "RoleArn": "arn:aws:iam::123456789012:role/other",
            "OutputDataConfig": {"S3OutputPath": "s3://other/out"},
            "ResourceConfig": {"InstanceType": "ml.m4.xlarge", "InstanceCount": 1, "VolumeSizeInGB": 5},
            "StoppingCondition": {"MaxRuntimeInSeconds": 3600},
        },
    }
    boto3.client("sagemaker").create_hyper_parameter_tuning_job(**request)

    def named(obj: dict[str, Any]) -> None:
        obj["spec"]["hyperParameterTuningJobName"] = "taken-name"

    world.create_sample(edit=named)
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
    described = boto3.client("sagemaker").describe_hyper_parameter_tuning_job(
        HyperParameterTuningJobName="taken-name"
    )
    assert described["HyperParameterTuningJobStatus"] != "Stopping"


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
