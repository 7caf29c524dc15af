"""Fault injection, request counters and the `/sandbox/` HTTP mirror of the test controls."""

from __future__ import annotations

import http.client
import json
from typing import Any
from urllib.parse import urlparse

import boto3
import pytest
from botocore.config import Config
from botocore.exceptions import ClientError

from reconciler.sandbox.sagemaker import SageMakerSandbox


def _mirror(
    sandbox: SageMakerSandbox, method: str, path: str, body: dict[str, Any] | None = None
) -> tuple[int, Any]:
    url = urlparse(sandbox.url)
    conn = http.client.HTTPConnection(url.hostname or "", url.port)
    conn.request(method, path, body=json.dumps(body) if body is not None else None)
    response = conn.getresponse()
    payload = json.loads(response.read())
    conn.close()
    return response.status, payload


def test_scripted_throttling_for_one_operation_and_name(
    sm: Any, sandbox: SageMakerSandbox, sample_request: Any
) -> None:
    sm.create_hyper_parameter_tuning_job(**sample_request("target"))
    sm.create_hyper_parameter_tuning_job(**sample_request("other"))
    sandbox.inject_fault(operation="DescribeHyperParameterTuningJob", name="target", times=2)
    sm.describe_hyper_parameter_tuning_job(HyperParameterTuningJobName="other")
    for _ in range(2):
        with pytest.raises(ClientError) as caught:
            sm.describe_hyper_parameter_tuning_job(HyperParameterTuningJobName="target")
        assert caught.value.response["Error"] == {"Code": "ThrottlingException", "Message": "Rate exceeded"}
    sm.describe_hyper_parameter_tuning_job(HyperParameterTuningJobName="target")


@pytest.mark.parametrize(("status", "code"), [(500, "InternalFailure"), (503, "ServiceUnavailable")])
def test_server_errors(sm: Any, sandbox: SageMakerSandbox, status: int, code: str) -> None:
    sandbox.inject_fault(operation="ListTrainingJobs", error=status)
    with pytest.raises(ClientError) as caught:
        sm.list_training_jobs()
    assert caught.value.response["ResponseMetadata"]["HTTPStatusCode"] == status
    assert caught.value.response["Error"]["Code"] == code


def test_boto3_retries_a_throttled_call_and_every_attempt_is_counted(sandbox: SageMakerSandbox) -> None:
    client = boto3.client("sagemaker", config=Config(retries={"max_attempts": 3, "mode": "standard"}))
    sandbox.inject_fault(operation="ListTrainingJobs", times=1)
    assert client.list_training_jobs()["ResponseMetadata"]["RetryAttempts"] == 1
    assert sandbox.stats() == {"ListTrainingJobs": 2}


def test_fault_rate_applies_to_the_chosen_operations(sm: Any, sandbox: SageMakerSandbox) -> None:
    sandbox.set_fault_rate(rate=1.0, error="ThrottlingException", operations=["ListTrainingJobs"])
    with pytest.raises(ClientError):
        sm.list_training_jobs()
    sm.list_hyper_parameter_tuning_jobs()
    sandbox.set_fault_rate(rate=0.0)
    sm.list_training_jobs()


def test_latency_setting_still_answers(sm: Any, sandbox: SageMakerSandbox) -> None:
    sandbox.set_latency(0.01)
    assert sm.list_training_jobs()["TrainingJobSummaries"] == []
    assert sandbox.simulator.faults.latency == 0.01


def test_http_mirror_drives_the_same_controls(
    sm: Any, sandbox: SageMakerSandbox, sample_request: Any
) -> None:
    sm.create_hyper_parameter_tuning_job(**sample_request())
    assert _mirror(sandbox, "GET", "/sandbox/tuning-jobs") == (200, {"names": ["xgboost-mnist-hpo"]})
    before = _mirror(sandbox, "GET", "/sandbox/clock")[1]["now"]
    assert _mirror(sandbox, "POST", "/sandbox/advance", {"seconds": 30})[0] == 200
    assert _mirror(sandbox, "GET", "/sandbox/clock")[1]["now"] == pytest.approx(before + 30)
    status, _ = _mirror(sandbox, "POST", "/sandbox/faults", {"operation": "ListTrainingJobs", "error": 503})
    assert status == 200
    with pytest.raises(ClientError) as caught:
        sm.list_training_jobs()
    assert caught.value.response["ResponseMetadata"]["HTTPStatusCode"] == 503
    assert (
        _mirror(
            sandbox, "POST", "/sandbox/force-outcome", {"name": "xgboost-mnist-hpo", "status": "Stopped"}
        )[0]
        == 200
    )
    described = sm.describe_hyper_parameter_tuning_job(HyperParameterTuningJobName="xgboost-mnist-hpo")
    assert described["HyperParameterTuningJobStatus"] == "Stopped"
    assert _mirror(sandbox, "GET", "/sandbox/stats")[1]["requests"]["ListTrainingJobs"] == 1
    assert _mirror(sandbox, "POST", "/sandbox/reset")[0] == 200
    assert _mirror(sandbox, "GET", "/sandbox/stats") == (200, {"requests": {}})


def test_http_mirror_rejects_bad_input_with_a_message(sandbox: SageMakerSandbox) -> None:
    status, payload = _mirror(
        sandbox, "POST", "/sandbox/force-outcome", {"name": "nothing", "status": "Completed"}
    )
    assert status == 400 and "no tuning job or launched training job is named 'nothing'" in payload["error"]
    assert _mirror(sandbox, "POST", "/sandbox/advance", {})[0] == 400
    assert _mirror(sandbox, "POST", "/sandbox/failure-rates", {"retryable": 2})[0] == 400
    assert _mirror(sandbox, "GET", "/sandbox/nowhere")[0] == 404


def test_failure_rates_over_http(sm: Any, sandbox: SageMakerSandbox, sample_request: Any) -> None:
    assert _mirror(sandbox, "POST", "/sandbox/failure-rates", {"nonRetryable": 1.0})[0] == 200
    sm.create_hyper_parameter_tuning_job(**sample_request())
    sandbox.advance(900)
    described = sm.describe_hyper_parameter_tuning_job(HyperParameterTuningJobName="xgboost-mnist-hpo")
    assert described["HyperParameterTuningJobStatus"] == "Failed"


def test_seeding_skips_http_but_not_the_lifecycle(
    sm: Any, sandbox: SageMakerSandbox, sample_request: Any
) -> None:
    arn = sandbox.seed_tuning_job(sample_request("seeded"), created=sandbox.now() - 3600)
    assert arn.endswith(":hyper-parameter-tuning-job/seeded")
    assert sandbox.stats() == {}
    seen = sandbox.describe_tuning_job("seeded")
    assert seen["HyperParameterTuningJobStatus"] == "Completed"  # created an hour ago
    assert (
        seen["TrainingJobDefinition"]["StaticHyperParameters"]["_tuning_objective_metric"]
        == "validation:error"
    )
    assert (
        sm.describe_hyper_parameter_tuning_job(HyperParameterTuningJobName="seeded")[
            "TrainingJobStatusCounters"
        ]["Completed"]
        == 10
    )
    with pytest.raises(ClientError):
        sm.create_hyper_parameter_tuning_job(**sample_request("seeded"))
