"""Fixtures of the gateway tests: a SageMaker simulator with boto3 pointed at it."""

from __future__ import annotations

from collections.abc import Iterator

import pytest

from reconciler.sandbox.sagemaker import SageMakerSandbox


@pytest.fixture
def sagemaker_sandbox(monkeypatch: pytest.MonkeyPatch) -> Iterator[SageMakerSandbox]:
    with SageMakerSandbox(time_scale=1.0) as sandbox:
        for key, value in sandbox.env().items():
            monkeypatch.setenv(key, value)
        yield sandbox
