"""The wire protocol: AWS JSON 1.1 error shapes botocore parses, unknown operations, regions, the mirror."""

from __future__ import annotations

import http.client
import json
from typing import Any
from urllib.parse import urlparse

import boto3
import pytest
from botocore.exceptions import ClientError

from reconciler.sandbox.sagemaker import SageMakerSandbox


def _post(sandbox: SageMakerSandbox, path: str, body: bytes, headers: dict[str, str]) -> tuple[int, Any, Any]:
    url = urlparse(sandbox.url)
    conn = http.client.HTTPConnection(url.hostname or "127.0.0.1", url.port)
    conn.request("POST", path, body=body, headers=headers)
    response = conn.getresponse()
    payload = json.loads(response.read())
    conn.close()
    return response.status, response.headers, payload


def test_unknown_operation_is_aws_unknown_operation_error(sandbox: SageMakerSandbox) -> None:
    status, headers, payload = _post(
        sandbox,
        "/",
        b"{}",
        {"X-Amz-Target": "SageMaker.FlyToTheMoon", "Content-Type": "application/x-amz-json-1.1"},
    )
    assert status == 400
    assert payload["__type"].endswith("#UnknownOperationException")
    assert headers["x-amzn-ErrorType"] == "UnknownOperationException"
    assert headers["Content-Type"] == "application/x-amz-json-1.1"


def test_real_but_unsimulated_operation_says_so_through_boto3(sm: Any) -> None:
    with pytest.raises(ClientError) as caught:
        sm.list_endpoints()
    assert caught.value.response["Error"]["Code"] == "UnknownOperationException"
    assert "ListEndpoints" in caught.value.response["Error"]["Message"]


def test_body_that_is_not_json_is_a_serialization_error(sandbox: SageMakerSandbox) -> None:
    status, _, payload = _post(sandbox, "/", b"{not json", {"X-Amz-Target": "SageMaker.ListTrainingJobs"})
    assert (status, payload["__type"]) == (400, "SerializationException")


def test_region_comes_from_the_credential_scope(sandbox: SageMakerSandbox, sample_request: Any) -> None:
    client = boto3.client("sagemaker", region_name="eu-west-1")
    arn = client.create_hyper_parameter_tuning_job(**sample_request("regional"))["HyperParameterTuningJobArn"]
    assert arn == "arn:aws:sagemaker:eu-west-1:123456789012:hyper-parameter-tuning-job/regional"


def test_any_credentials_are_accepted(sandbox: SageMakerSandbox) -> None:
    client = boto3.client("sagemaker", aws_access_key_id="AKIAXXXXXXXX", aws_secret_access_key="whatever")
    assert client.list_training_jobs()["TrainingJobSummaries"] == []


def test_stats_count_requests_per_operation_in_process_and_over_http(
    sandbox: SageMakerSandbox, sm: Any
) -> None:
    sm.list_hyper_parameter_tuning_jobs()
    sm.list_hyper_parameter_tuning_jobs()
    with pytest.raises(ClientError):
        sm.describe_hyper_parameter_tuning_job(HyperParameterTuningJobName="missing")
    assert sandbox.stats() == {"ListHyperParameterTuningJobs": 2, "DescribeHyperParameterTuningJob": 1}
    url = urlparse(sandbox.url)
    conn = http.client.HTTPConnection(url.hostname or "", url.port)
    conn.request("GET", "/sandbox/stats")
    assert json.loads(conn.getresponse().read()) == {
        "requests": {"ListHyperParameterTuningJobs": 2, "DescribeHyperParameterTuningJob": 1}
    }
    sandbox.reset_stats()
    assert sandbox.stats() == {}


def test_env_points_boto3_at_the_sandbox(sandbox: SageMakerSandbox) -> None:
    env = sandbox.env()
    assert env["AWS_ENDPOINT_URL_SAGEMAKER"] == sandbox.url
    assert env["AWS_ENDPOINT_URL_LOGS"] == sandbox.url
    assert env["AWS_DEFAULT_REGION"] == "us-east-2"
    assert boto3.client("logs").meta.endpoint_url == sandbox.url
    assert boto3.client("sagemaker").meta.endpoint_url == sandbox.url


def test_other_http_verbs_get_a_json_error(sandbox: SageMakerSandbox) -> None:
    url = urlparse(sandbox.url)
    for method in ("PUT", "DELETE", "PATCH"):
        conn = http.client.HTTPConnection(url.hostname or "", url.port)
        conn.request(method, "/", body=b"{}")
        response = conn.getresponse()
        assert response.status == 405
        assert json.loads(response.read())["__type"].endswith("UnknownOperationException")
        conn.close()
