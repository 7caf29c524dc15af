"""Every sample validates, its request satisfies the API model and botocore, and it round-trips."""

from __future__ import annotations

import copy
from pathlib import Path
from typing import Any

import botocore.session
import pytest
import yaml
from botocore.validate import ParamValidator

from reconciler import awsmodel
from reconciler.spec.crdschema import validate_object
from reconciler.spec.semantics import check_spec
from reconciler.tools.validate import builtin_crd_schemas

REPO = Path(__file__).resolve().parents[2]
SAMPLES = REPO / "samples"
MAIN_SAMPLE = SAMPLES / "xgboost-mnist-hpo.yaml"


def load_documents(path: Path) -> list[dict[str, Any]]:
    return [d for d in yaml.safe_load_all(path.read_text()) if d is not None]


SAMPLE_FILES = sorted(SAMPLES.glob("*.yaml"))
JOB_NAME = "samplejob0123456789abcdef0123456"


def sample_ids() -> list[str]:
    return [p.name for p in SAMPLE_FILES]


@pytest.fixture(scope="module")
def tuning_job_schema() -> Any:
    return builtin_crd_schemas()["HyperparameterTuningJob"]


@pytest.fixture(scope="module")
def botocore_input_shape() -> Any:
    model = botocore.session.get_session().get_service_model("sagemaker")
    return model.operation_model("CreateHyperParameterTuningJob").input_shape


def test_the_samples_cover_every_feature_the_issue_asks_for() -> None:
    names = {p.name for p in SAMPLE_FILES}
    assert {
        "xgboost-mnist-hpo.yaml",
        "xgboost-mnist-hpo-spot.yaml",
        "xgboost-mnist-hpo-warm-start.yaml",
        "xgboost-mnist-hpo-multi-algorithm.yaml",
        "xgboost-mnist-hpo-hyperband.yaml",
        "xgboost-mnist-hpo-custom-endpoint.yaml",
    } <= names
    specs = {p.name: load_documents(p)[0]["spec"] for p in SAMPLE_FILES}
    assert specs["xgboost-mnist-hpo-spot.yaml"]["trainingJobDefinition"]["enableManagedSpotTraining"] is True
    assert "checkpointConfig" in specs["xgboost-mnist-hpo-spot.yaml"]["trainingJobDefinition"]
    assert "warmStartConfig" in specs["xgboost-mnist-hpo-warm-start.yaml"]
    assert len(specs["xgboost-mnist-hpo-multi-algorithm.yaml"]["trainingJobDefinitions"]) == 2
    assert (
        specs["xgboost-mnist-hpo-hyperband.yaml"]["hyperParameterTuningJobConfig"]["strategy"] == "Hyperband"
    )
    assert specs["xgboost-mnist-hpo-custom-endpoint.yaml"]["sageMakerEndpoint"].startswith("https://")


def test_main_sample_is_the_user_guide_job() -> None:
    document = load_documents(MAIN_SAMPLE)[0]
    assert document["metadata"]["name"] == "xgboost-mnist-hpo"
    spec = document["spec"]
    config = spec["hyperParameterTuningJobConfig"]
    assert spec["region"] == "us-east-2"
    assert config["strategy"] == "Bayesian"
    assert config["hyperParameterTuningJobObjective"] == {
        "type": "Minimize",
        "metricName": "validation:error",
    }
    assert config["resourceLimits"] == {"maxNumberOfTrainingJobs": 10, "maxParallelTrainingJobs": 10}
    assert config["parameterRanges"] == {
        "integerParameterRanges": [
            {"name": "num_round", "minValue": "10", "maxValue": "20", "scalingType": "Linear"}
        ]
    }
    assert config["trainingJobEarlyStoppingType"] == "Off"
    definition = spec["trainingJobDefinition"]
    assert definition["resourceConfig"] == {
        "instanceType": "ml.m4.xlarge",
        "instanceCount": 1,
        "volumeSizeInGB": 5,
    }
    assert definition["stoppingCondition"] == {"maxRuntimeInSeconds": 86400}
    assert definition["algorithmSpecification"]["trainingImage"].endswith(
        ".dkr.ecr.us-east-2.amazonaws.com/xgboost:1"
    )
    statics = {e["name"]: e["value"] for e in definition["staticHyperParameters"]}
    assert (
        len(statics) == 22
        and statics["objective"] == "reg:linear"
        and statics["tweedie_variance_power"] == "1.5"
    )
    assert all(isinstance(v, str) for v in statics.values())
    channels = definition["inputDataConfig"]
    assert [c["channelName"] for c in channels] == ["train", "validation"]
    for channel in channels:
        source = channel["dataSource"]["s3DataSource"]
        assert channel["contentType"] == "text/csv"
        assert (source["s3DataType"], source["s3DataDistributionType"]) == ("S3Prefix", "FullyReplicated")
        assert source["s3Uri"].startswith("s3://")
    text = MAIN_SAMPLE.read_text()
    assert text.count("REPLACE") >= 4, "roleArn and the three s3 paths are marked as placeholders"


@pytest.mark.parametrize("path", SAMPLE_FILES, ids=sample_ids())
def test_sample_passes_schema_and_semantics(path: Path, tuning_job_schema: Any) -> None:
    (document,) = load_documents(path)
    result = validate_object(document, schema=tuning_job_schema, strict=True)
    assert result.errors == [] and result.unknown_fields == []
    assert check_spec(document["spec"]) == []


@pytest.mark.parametrize("path", SAMPLE_FILES, ids=sample_ids())
def test_sample_request_passes_the_full_check_and_botocore(path: Path, botocore_input_shape: Any) -> None:
    (document,) = load_documents(path)
    request = awsmodel.spec_to_request(document["spec"], job_name=JOB_NAME)
    assert awsmodel.check_input("CreateHyperParameterTuningJob", request) == []
    report = ParamValidator().validate(request, botocore_input_shape)
    assert not report.has_errors(), report.generate_report()


@pytest.mark.parametrize("path", SAMPLE_FILES, ids=sample_ids())
def test_sample_round_trips_spec_request_spec(path: Path) -> None:
    (document,) = load_documents(path)
    spec = copy.deepcopy(document["spec"])
    request = awsmodel.spec_to_request(spec, job_name=JOB_NAME)
    back = awsmodel.request_to_spec(request)
    # The request carries the job name and not the resource-only fields; everything else comes back.
    assert back.pop("hyperParameterTuningJobName") == JOB_NAME
    expected = {
        k: v
        for k, v in spec.items()
        if k not in ("region", "sageMakerEndpoint", "hyperParameterTuningJobName")
    }
    assert back == expected
    assert "StaticHyperParameters" in str(request) and isinstance(
        (request.get("TrainingJobDefinition") or request["TrainingJobDefinitions"][0])[
            "StaticHyperParameters"
        ],
        dict,
    )
