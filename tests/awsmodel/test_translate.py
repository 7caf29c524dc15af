"""Resource form <-> API form: spec_to_request, request_to_spec, to_camel, child TrainingJob specs."""

from __future__ import annotations

import datetime
from typing import Any

import pytest

from reconciler.awsmodel import (
    MalformedEntryError,
    UnknownFieldError,
    check_input,
    request_to_spec,
    spec_to_request,
    to_camel,
    training_job_spec_from_description,
)


# The representative spec lives beside the tests (no conftest.py: mypy sees one `conftest`
# module per folder); each test gets a fresh copy it may change.
def test_spec_to_request_renames_members_and_turns_name_value_lists_into_maps(spec: dict[str, Any]) -> None:
    request = spec_to_request(spec, job_name="job-from-naming")
    definition = request["TrainingJobDefinition"]
    assert request["HyperParameterTuningJobName"] == "job-from-naming"
    assert definition["ResourceConfig"]["VolumeSizeInGB"] == 5
    assert definition["OutputDataConfig"]["KmsKeyId"] == "alias/my-key"
    s3 = definition["InputDataConfig"][0]["DataSource"]["S3DataSource"]
    assert s3["S3Uri"] == "s3://my-bucket/xgboost/train/"
    assert definition["StaticHyperParameters"] == {"objective": "reg:linear", "silent": "0"}
    assert definition["Environment"] == {"LOG_LEVEL": "debug"}
    # Tags are a list of structures in the API too: they stay a list, with API member names.
    assert request["Tags"] == [{"Key": "team", "Value": "ml"}, {"Key": "cost-center", "Value": "1234"}]


def test_spec_to_request_drops_cr_only_fields(spec: dict[str, Any]) -> None:
    request = spec_to_request(spec, job_name="other-name")
    assert "Region" not in request and "SageMakerEndpoint" not in request
    assert request["HyperParameterTuningJobName"] == "other-name"  # the naming decision wins


def test_request_of_the_representative_spec_passes_the_full_check(spec: dict[str, Any]) -> None:
    assert check_input("CreateHyperParameterTuningJob", spec_to_request(spec, job_name="j1")) == []


def test_round_trip_spec_request_spec_is_lossless(spec: dict[str, Any]) -> None:
    request = spec_to_request(spec, job_name=spec["hyperParameterTuningJobName"])
    back = request_to_spec(request)
    expected = {k: v for k, v in spec.items() if k not in ("region", "sageMakerEndpoint")}
    assert back == expected


def test_round_trip_request_spec_request_is_lossless(spec: dict[str, Any]) -> None:
    request = spec_to_request(spec, job_name="j1")
    assert spec_to_request(request_to_spec(request), job_name="j1") == request


@pytest.mark.parametrize(
    ("path", "field"),
    [
        ((), "bogus"),
        (("trainingJobDefinition",), "volumeSizeInGb"),
        (("trainingJobDefinition", "resourceConfig"), "VolumeSizeInGB"),
    ],
)
def test_unknown_fields_raise_with_their_path(
    spec: dict[str, Any], path: tuple[str, ...], field: str
) -> None:
    target = spec
    for part in path:
        target = target[part]
    target[field] = 1
    with pytest.raises(UnknownFieldError) as caught:
        spec_to_request(spec, job_name="j1")
    assert caught.value.path == ".".join(("spec", *path, field))
    assert isinstance(caught.value, ValueError)


def test_unknown_field_inside_a_list_item_names_the_index(spec: dict[str, Any]) -> None:
    spec["trainingJobDefinition"]["inputDataConfig"][1]["dataSource"]["s3DataSource"]["s3Url"] = "x"
    with pytest.raises(UnknownFieldError, match=r"inputDataConfig\[1\]\.dataSource\.s3DataSource\.s3Url"):
        spec_to_request(spec, job_name="j1")


def test_malformed_name_value_entries_are_reported_not_crashed(spec: dict[str, Any]) -> None:
    spec["trainingJobDefinition"]["staticHyperParameters"].append({"value": "1"})
    with pytest.raises(MalformedEntryError, match=r"staticHyperParameters\[2\]: missing `name`"):
        spec_to_request(spec, job_name="j1")
    spec["trainingJobDefinition"]["staticHyperParameters"][2] = {"name": "silent", "value": "1"}
    with pytest.raises(MalformedEntryError, match="duplicate name 'silent'"):
        spec_to_request(spec, job_name="j1")
    spec["trainingJobDefinition"]["staticHyperParameters"][2] = {"name": ["a", "b"], "value": "1"}
    with pytest.raises(MalformedEntryError, match=r"\[2\]: `name` must be a string, not list"):
        spec_to_request(spec, job_name="j1")
    spec["trainingJobDefinition"]["staticHyperParameters"][2] = {"name": "x", "value": "1", "type": "int"}
    with pytest.raises(UnknownFieldError, match=r"staticHyperParameters\[2\]\.type"):
        spec_to_request(spec, job_name="j1")


def test_wrongly_typed_values_pass_through_for_the_check_to_report(spec: dict[str, Any]) -> None:
    spec["hyperParameterTuningJobConfig"]["resourceLimits"] = "ten"
    request = spec_to_request(spec, job_name="j1")
    assert request["HyperParameterTuningJobConfig"]["ResourceLimits"] == "ten"
    violations = check_input("CreateHyperParameterTuningJob", request)
    assert [v.path for v in violations] == ["hyperParameterTuningJobConfig.resourceLimits"]


def test_to_camel_converts_describe_output_to_resource_form() -> None:
    created = datetime.datetime(2019, 10, 17, 1, 15, 52, tzinfo=datetime.UTC)
    described = {
        "TrainingJobName": "xgboosth-001-abc",
        "TrainingJobStatus": "Completed",
        "CreationTime": created,
        "HyperParameters": {"num_round": "12", "_tuning_objective_metric": "validation:error"},
        "FinalMetricDataList": [{"MetricName": "validation:error", "Value": 0.1, "Timestamp": created}],
        "ResponseMetadata": {"HTTPStatusCode": 200},
    }
    result = to_camel(described, shape="DescribeTrainingJobResponse")
    assert result == {
        "trainingJobName": "xgboosth-001-abc",
        "trainingJobStatus": "Completed",
        "creationTime": "2019-10-17T01:15:52Z",
        "hyperParameters": [
            {"name": "num_round", "value": "12"},
            {"name": "_tuning_objective_metric", "value": "validation:error"},
        ],
        "finalMetricDataList": [
            {"metricName": "validation:error", "value": 0.1, "timestamp": "2019-10-17T01:15:52Z"}
        ],
    }


def test_to_camel_keeps_members_a_newer_api_added() -> None:
    assert to_camel(
        {"Strategy": "Random", "BrandNewMember": {"X": 1}}, shape="HyperParameterTuningJobConfig"
    ) == {
        "strategy": "Random",
        "brandNewMember": {"X": 1},
    }


def test_training_job_spec_keeps_only_create_training_job_members_and_adds_region() -> None:
    description = {
        "TrainingJobName": "xgboosth-001-abc",
        "TrainingJobArn": "arn:aws:sagemaker:us-east-2:123456789012:training-job/xgboosth-001-abc",
        "TuningJobArn": "arn:aws:sagemaker:us-east-2:123456789012:hyper-parameter-tuning-job/xgboosth",
        "TrainingJobStatus": "InProgress",
        "SecondaryStatus": "Training",
        "HyperParameters": {"num_round": "12"},
        "AlgorithmSpecification": {"TrainingImage": "img:1", "TrainingInputMode": "File"},
        "RoleArn": "arn:aws:iam::123456789012:role/r",
        "OutputDataConfig": {"S3OutputPath": "s3://b/o", "KmsKeyId": ""},
        "ResourceConfig": {"InstanceType": "ml.m4.xlarge", "InstanceCount": 1, "VolumeSizeInGB": 5},
        "StoppingCondition": {"MaxRuntimeInSeconds": 86400},
        "EnableNetworkIsolation": False,
        "CreationTime": datetime.datetime(2020, 1, 1, tzinfo=datetime.UTC),
    }
    spec = training_job_spec_from_description(description, region="us-east-2")
    assert spec == {
        "trainingJobName": "xgboosth-001-abc",
        "hyperParameters": [{"name": "num_round", "value": "12"}],
        "algorithmSpecification": {"trainingImage": "img:1", "trainingInputMode": "File"},
        "roleArn": "arn:aws:iam::123456789012:role/r",
        "outputDataConfig": {"s3OutputPath": "s3://b/o", "kmsKeyId": ""},
        "resourceConfig": {"instanceType": "ml.m4.xlarge", "instanceCount": 1, "volumeSizeInGB": 5},
        "stoppingCondition": {"maxRuntimeInSeconds": 86400},
        "enableNetworkIsolation": False,
        "region": "us-east-2",
    }


def test_null_members_are_left_out_of_the_request(spec: dict[str, Any]) -> None:
    spec["trainingJobDefinition"]["vpcConfig"] = None
    spec["warmStartConfig"] = None
    request = spec_to_request(spec, job_name="j1")
    assert "VpcConfig" not in request["TrainingJobDefinition"] and "WarmStartConfig" not in request
    assert check_input("CreateHyperParameterTuningJob", request) == []
