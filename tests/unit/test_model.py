"""model.py: tolerant parsing of resources, exact status member names."""

from __future__ import annotations

from collections.abc import Callable

import pytest

from reconciler.core.model import (
    ENDPOINT_ANNOTATION,
    LEGACY_FINALIZER,
    HyperparameterTuningJob,
    HyperparameterTuningJobStatus,
    arn_region,
)


def test_metadata_and_accessors(tuning_job: Callable[..., HyperparameterTuningJob]) -> None:
    resource = tuning_job(
        spec={
            "region": "us-east-2",
            "hyperParameterTuningJobName": "mine",
            "trainingJobDefinition": {"roleArn": "arn:r1"},
            "trainingJobDefinitions": [{"roleArn": "arn:r2"}, "junk"],
        },
        annotations={"sagemaker.aws.amazon.com/deletion-policy": "Retain"},
    )
    assert resource.region == "us-east-2" and resource.requested_job_name == "mine"
    assert resource.role_arns == ["arn:r1", "arn:r2"]
    assert resource.retain_on_delete and resource.has_our_finalizer and not resource.deleting


@pytest.mark.parametrize(("spec", "fragment"), [(None, "missing"), ("text", "mapping"), ([1], "mapping")])
def test_bad_spec_is_recorded_not_raised(spec: object, fragment: str) -> None:
    obj = {"metadata": {"name": "n", "namespace": "d", "uid": "u"}, "spec": spec}
    if spec is None:
        del obj["spec"]
    resource = HyperparameterTuningJob.parse(obj)
    assert resource.spec_error is not None and fragment in resource.spec_error


def test_unusable_metadata_raises_value_error() -> None:
    with pytest.raises(ValueError, match="metadata"):
        HyperparameterTuningJob.parse({"metadata": {"name": "n"}})


def test_garbage_status_is_dropped() -> None:
    obj = {
        "metadata": {"name": "n", "namespace": "d", "uid": "u"},
        "spec": {},
        "status": {"trainingJobStatusCounters": "lots"},
    }
    assert HyperparameterTuningJob.parse(obj).status == HyperparameterTuningJobStatus()


def test_status_member_names_match_interfaces() -> None:
    status = HyperparameterTuningJobStatus.model_validate(
        {
            "hyperParameterTuningJobStatus": "InProgress",
            "sageMakerHyperParameterTuningJobName": "j",
            "hyperParameterTuningJobArn": "a",
            "failureReason": "f",
            "additional": "x",
            "lastCheckTime": "t",
            "observedGeneration": 2,
            "trainingJobStatusCounters": {
                "completed": 1,
                "inProgress": 2,
                "nonRetryableError": 0,
                "retryableError": 0,
                "stopped": 0,
                "totalError": 0,
            },
            "bestTrainingJob": {
                "trainingJobName": "b",
                "tunedHyperParameters": [{"name": "n", "value": "1"}],
                "finalHyperParameterTuningJobObjectiveMetric": {"metricName": "m", "value": 1.5},
            },
            "conditions": [
                {
                    "type": "Ready",
                    "status": "Unknown",
                    "reason": "r",
                    "message": "m",
                    "lastTransitionTime": "t",
                    "observedGeneration": 2,
                }
            ],
        }
    )
    assert status.to_api()["sageMakerHyperParameterTuningJobName"] == "j"
    assert status.to_api()["bestTrainingJob"]["finalHyperParameterTuningJobObjectiveMetric"]["value"] == 1.5
    assert status.condition("Ready") is not None


@pytest.mark.parametrize(
    ("arn", "region"),
    [
        ("arn:aws:sagemaker:us-west-2:123456789012:hyper-parameter-tuning-job/x", "us-west-2"),
        ("arn:aws-cn:sagemaker:cn-north-1:123456789012:hyper-parameter-tuning-job/x", "cn-north-1"),
        ("arn:aws:iam::123456789012:role/x", None),
        ("not-an-arn", None),
        (None, None),
    ],
)
def test_arn_region(arn: str | None, region: str | None) -> None:
    assert arn_region(arn) == region


def test_creation_endpoint_is_recorded_default_or_unknown(
    tuning_job: Callable[..., HyperparameterTuningJob],
) -> None:
    annotated = tuning_job(annotations={ENDPOINT_ANNOTATION: "https://vpce.example"})
    assert annotated.creation_endpoint == "https://vpce.example"
    assert tuning_job().creation_endpoint == ""  # our finalizer, no annotation: the default endpoint
    assert tuning_job(finalizers=(LEGACY_FINALIZER,)).creation_endpoint is None


def test_claimed_job_reads_the_identity_annotations() -> None:
    from reconciler.core.model import JOB_NAME_ANNOTATION, REGION_ANNOTATION, HyperparameterTuningJob

    def parsed(annotations: dict[str, str]) -> HyperparameterTuningJob:
        meta = {"name": "r", "namespace": "n", "uid": "u", "annotations": annotations}
        return HyperparameterTuningJob.parse({"metadata": meta, "spec": {}})

    assert parsed({}).claimed_job is None
    assert parsed({JOB_NAME_ANNOTATION: " "}).claimed_job is None
    assert parsed({JOB_NAME_ANNOTATION: "job"}).claimed_job == ("job", None)
    assert parsed({JOB_NAME_ANNOTATION: "job", REGION_ANNOTATION: "eu-west-1"}).claimed_job == (
        "job",
        "eu-west-1",
    )
