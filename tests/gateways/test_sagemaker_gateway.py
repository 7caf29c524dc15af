"""SageMaker gateway: real boto3 over HTTP against the simulator; error mapping on botocore's errors."""

from __future__ import annotations

from pathlib import Path
from typing import Any

import botocore.exceptions
import pytest
import yaml

from reconciler.core.calls import CallCounter
from reconciler.core.model import HyperparameterTuningJob
from reconciler.core.settings import Settings
from reconciler.gateways.errors import FatalError, PassFatalError, RetryableError
from reconciler.gateways.sagemaker import (
    CredentialsError,
    LimitExceededError,
    QuotaTooLowError,
    RejectedError,
    ResourceInUseError,
    ResourceNotFoundError,
    SageMakerError,
    SageMakerGateway,
    TransientError,
    UnexpectedError,
    map_error,
)
from reconciler.sandbox.sagemaker import SageMakerSandbox
from reconciler.spec.desired import desired_request

SAMPLE = Path(__file__).resolve().parents[2] / "samples" / "xgboost-mnist-hpo.yaml"
REGION = "us-east-2"


def sample_request(job_name: str) -> dict[str, Any]:
    obj = yaml.safe_load(SAMPLE.read_text())
    obj["metadata"].update(uid="a92f5e3c-f07b-11e9-bf6c-06d6f303aaaa", namespace="default")
    desired = desired_request(HyperparameterTuningJob.parse(obj), job_name=job_name)
    assert desired.request is not None, desired.problems
    return desired.request


def gateway(calls: CallCounter, **settings: Any) -> SageMakerGateway:
    return SageMakerGateway(settings=Settings(**settings), calls=calls)


def test_create_describe_in_use_and_not_found(sagemaker_sandbox: SageMakerSandbox) -> None:
    calls = CallCounter()
    sm = gateway(calls)
    arn = sm.create_tuning_job(sample_request("gwjob1"), region=REGION, endpoint=None)
    assert arn.endswith("hyper-parameter-tuning-job/gwjob1")
    with pytest.raises(ResourceInUseError):
        sm.create_tuning_job(sample_request("gwjob1"), region=REGION, endpoint=None)
    described = sm.describe_tuning_job("gwjob1", region=REGION, endpoint=None)
    assert described is not None and described["HyperParameterTuningJobArn"] == arn
    assert (
        sm.list_tags(arn, region=REGION, endpoint=None)["hpo-reconciler/uid"]
        == "a92f5e3c-f07b-11e9-bf6c-06d6f303aaaa"
    )
    assert sm.describe_tuning_job("no-such-job", region=REGION, endpoint=None) is None
    assert calls.snapshot()["sagemaker"]["CreateHyperParameterTuningJob"] == 2


def test_throttling_beyond_retries_is_transient(sagemaker_sandbox: SageMakerSandbox) -> None:
    sagemaker_sandbox.inject_fault(
        operation="DescribeHyperParameterTuningJob", error="ThrottlingException", times=5
    )
    sm = gateway(CallCounter(), max_attempts=2)
    with pytest.raises(TransientError):
        sm.describe_tuning_job("x", region=REGION, endpoint=None)


def test_throttling_within_retries_succeeds(sagemaker_sandbox: SageMakerSandbox) -> None:
    sagemaker_sandbox.inject_fault(
        operation="DescribeHyperParameterTuningJob", error="ThrottlingException", times=1
    )
    sm = gateway(CallCounter(), max_attempts=3)
    assert sm.describe_tuning_job("x", region=REGION, endpoint=None) is None


def test_invalid_request_is_rejected(sagemaker_sandbox: SageMakerSandbox) -> None:
    request = sample_request("gwjob2")
    request["HyperParameterTuningJobConfig"]["ResourceLimits"]["MaxParallelTrainingJobs"] = 50
    with pytest.raises(RejectedError):
        gateway(CallCounter()).create_tuning_job(request, region=REGION, endpoint=None)


def test_a_request_boto3_refuses_before_sending_is_rejected_with_its_words(
    sagemaker_sandbox: SageMakerSandbox,
) -> None:
    # botocore's client-side validation stays on: a request built wrong never leaves the process.
    request = sample_request("gwjob3")
    request["HyperParameterTuningJobConfig"]["ResourceLimits"]["MaxParallelTrainingJobs"] = "fifty"
    with pytest.raises(RejectedError, match="MaxParallelTrainingJobs") as raised:
        gateway(CallCounter()).create_tuning_job(request, region=REGION, endpoint=None)
    assert raised.value.code == "ParamValidation"
    assert sagemaker_sandbox.stats().get("CreateHyperParameterTuningJob", 0) == 0


def client_error(code: str, status: int) -> botocore.exceptions.ClientError:
    return botocore.exceptions.ClientError(
        {"Error": {"Code": code, "Message": "m"}, "ResponseMetadata": {"HTTPStatusCode": status}}, "Op"
    )


@pytest.mark.parametrize(
    ("exc", "expected"),
    [
        (client_error("ThrottlingException", 400), TransientError),
        (client_error("InternalFailure", 500), TransientError),
        (client_error("Whatever", 503), TransientError),
        (client_error("ResourceLimitExceeded", 400), LimitExceededError),
        (client_error("ValidationException", 400), RejectedError),
        (client_error("ResourceInUse", 400), ResourceInUseError),
        (client_error("ResourceNotFound", 400), ResourceNotFoundError),
        (client_error("AccessDeniedException", 400), UnexpectedError),
        (ValueError("a bug"), UnexpectedError),
        (botocore.exceptions.ReadTimeoutError(endpoint_url="http://x"), TransientError),
        (botocore.exceptions.EndpointConnectionError(endpoint_url="http://x"), TransientError),
        (botocore.exceptions.NoCredentialsError(), CredentialsError),
    ],
)
def test_error_mapping(exc: Exception, expected: type[SageMakerError]) -> None:
    mapped = map_error(exc, operation="Op")
    assert type(mapped) is expected
    assert mapped.operation == "Op"
    # One taxonomy (gateways.errors): every mapped error is either retryable or fatal, never both.
    assert isinstance(mapped, RetryableError) != isinstance(mapped, FatalError)
    assert isinstance(mapped, RetryableError) is issubclass(expected, TransientError)
    assert isinstance(mapped, PassFatalError) is (expected is CredentialsError)


INSTANCE_QUOTA_ZERO = (
    "The account-level service limit 'ml.p3.2xlarge for training job usage' is 0 Instances, with current "
    "utilization of 0 Instances and a request delta of 1 Instances. Please use AWS Service Quotas to "
    "request an increase for this quota."
)
TUNING_JOBS_IN_USE = (
    "The account-level service limit 'Number of concurrent hyperparameter tuning jobs' is 100 Jobs, with "
    "current utilization of 100 Jobs and a request delta of 1 Jobs."
)


def test_resource_limit_exceeded_is_told_apart_by_sagemakers_message() -> None:
    def limit(message: str) -> botocore.exceptions.ClientError:
        return botocore.exceptions.ClientError(
            {
                "Error": {"Code": "ResourceLimitExceeded", "Message": message},
                "ResponseMetadata": {"HTTPStatusCode": 400},
            },
            "CreateHyperParameterTuningJob",
        )

    permanent = map_error(limit(INSTANCE_QUOTA_ZERO), operation="CreateHyperParameterTuningJob")
    assert isinstance(permanent, QuotaTooLowError) and isinstance(permanent, FatalError)
    assert str(permanent).startswith("SageMaker refused the tuning job: " + INSTANCE_QUOTA_ZERO)
    assert "request an increase of that quota in AWS Service Quotas" in str(permanent)
    waiting = map_error(limit(TUNING_JOBS_IN_USE), operation="CreateHyperParameterTuningJob")
    assert type(waiting) is LimitExceededError and isinstance(waiting, RetryableError)


def test_training_job_listing_follows_every_page(sagemaker_sandbox: SageMakerSandbox) -> None:
    request = sample_request("gwjob3")
    request["HyperParameterTuningJobConfig"]["ResourceLimits"] = {
        "MaxNumberOfTrainingJobs": 120,
        "MaxParallelTrainingJobs": 60,
    }
    ranges = request["HyperParameterTuningJobConfig"]["ParameterRanges"]["IntegerParameterRanges"]
    ranges[0].update(MinValue="1", MaxValue="500")  # enough combinations for 120 jobs
    calls = CallCounter()
    sm = gateway(calls)
    sm.create_tuning_job(request, region=REGION, endpoint=None)
    sagemaker_sandbox.advance(24 * 3600)
    summaries = sm.list_training_jobs("gwjob3", region=REGION, endpoint=None)
    assert len(summaries) == 120
    assert len({s["TrainingJobName"] for s in summaries}) == 120
    assert calls.snapshot()["sagemaker"]["ListTrainingJobsForHyperParameterTuningJob"] == 2
