"""Fixtures: a SageMaker sandbox whose clock only moves by `advance()`, and real boto3 clients for it."""

from __future__ import annotations

import contextlib
import copy
import http.client
import json
from collections.abc import Callable, Iterator
from pathlib import Path
from typing import Any
from urllib.parse import urlparse

import boto3
import pytest
import yaml
from botocore.config import Config

from reconciler import awsmodel
from reconciler.sandbox.sagemaker import SageMakerSandbox

SAMPLE = Path(__file__).resolve().parents[2] / "samples" / "xgboost-mnist-hpo.yaml"
NO_RETRIES = Config(retries={"total_max_attempts": 1, "mode": "standard"})


def client_at(url: str, *, config: Config | None = None) -> Any:
    """A real boto3 SageMaker client for the sandbox at `url` (dummy credentials, us-east-2)."""
    return boto3.client(
        "sagemaker",
        endpoint_url=url,
        region_name="us-east-2",
        aws_access_key_id="x",
        aws_secret_access_key="x",
        config=config,
    )


def post_json(sandbox: SageMakerSandbox, target: str, body: Any) -> tuple[int, Any]:
    """One raw JSON 1.1 POST with `X-Amz-Target: target` (bad-input tests): (HTTP status, decoded body)."""
    url = urlparse(sandbox.url)
    conn = http.client.HTTPConnection(url.hostname or "", url.port)
    conn.request("POST", "/", body=json.dumps(body), headers={"X-Amz-Target": target})
    response = conn.getresponse()
    payload = json.loads(response.read())
    conn.close()
    return response.status, payload


@contextlib.contextmanager
def frozen_sandbox(monkeypatch: pytest.MonkeyPatch, *, seed: int) -> Iterator[SageMakerSandbox]:
    """A sandbox this process's AWS settings point at.

    time_scale=0: simulated time moves only through advance(), so every test is deterministic.
    """
    with SageMakerSandbox(time_scale=0.0, seed=seed) as sb:
        for key, value in sb.env().items():
            monkeypatch.setenv(key, value)
        yield sb


@pytest.fixture
def sandbox(monkeypatch: pytest.MonkeyPatch) -> Iterator[SageMakerSandbox]:
    with frozen_sandbox(monkeypatch, seed=7) as sb:
        yield sb


@pytest.fixture
def sm(sandbox: SageMakerSandbox) -> Any:
    return boto3.client("sagemaker", config=NO_RETRIES)


@pytest.fixture
def sm_unchecked(sandbox: SageMakerSandbox) -> Any:
    """A client that skips botocore's own parameter checks, so the server's checks are what answers."""
    return boto3.client("sagemaker", config=NO_RETRIES.merge(Config(parameter_validation=False)))


@pytest.fixture
def logs(sandbox: SageMakerSandbox) -> Any:
    return boto3.client("logs", config=NO_RETRIES)


@pytest.fixture(scope="session")
def sample_request() -> Callable[..., dict[str, Any]]:
    spec = yaml.safe_load(SAMPLE.read_text())["spec"]

    def make(name: str = "xgboost-mnist-hpo", *, wide: bool = False, **config: Any) -> dict[str, Any]:
        """The sample as a request; `wide` adds a continuous range, for more than its 11 combinations."""
        request = copy.deepcopy(awsmodel.spec_to_request(spec, job_name=name))
        if wide:
            request["HyperParameterTuningJobConfig"]["ParameterRanges"]["ContinuousParameterRanges"] = [
                {"Name": "eta", "MinValue": "0.1", "MaxValue": "0.5", "ScalingType": "Linear"}
            ]
        request["HyperParameterTuningJobConfig"].update(config)
        return request

    return make
