"""Kubernetes gateway error mapping (HTTP status -> typed error) and shard hashing."""

from __future__ import annotations

import pytest
from kubernetes.client.exceptions import ApiException

from reconciler.gateways.errors import FatalError, RetryableError
from reconciler.gateways.kube import (
    ConflictError,
    ForbiddenError,
    InvalidError,
    KubeError,
    NotFoundError,
    TransientError,
    UnexpectedError,
    map_error,
)


@pytest.mark.parametrize(
    ("status", "expected"),
    [
        (404, NotFoundError),
        (409, ConflictError),
        (422, InvalidError),
        (400, InvalidError),
        (403, ForbiddenError),
        (429, TransientError),
        (500, TransientError),
        (503, TransientError),
        (418, UnexpectedError),
    ],
)
def test_status_mapping(status: int, expected: type[KubeError]) -> None:
    exc = ApiException(status=status, reason="why")
    exc.body = '{"message": "the server said so"}'
    mapped = map_error(exc, what="PATCH hyperparametertuningjobs/status")
    assert type(mapped) is expected
    assert "the server said so" in str(mapped) and mapped.status == status
    # One taxonomy (gateways.errors): a race lost (409) and a transient failure may succeed on a later
    # try; everything else is fatal for this resource's pass.
    assert isinstance(mapped, RetryableError) != isinstance(mapped, FatalError)
    assert isinstance(mapped, RetryableError) is (expected in (ConflictError, TransientError))


def test_connection_errors_are_transient() -> None:
    assert isinstance(map_error(ConnectionRefusedError("no"), what="LIST x"), TransientError)


def test_anything_else_is_unexpected_and_fatal() -> None:
    mapped = map_error(ValueError("a bug"), what="GET x")
    assert type(mapped) is UnexpectedError and isinstance(mapped, FatalError)
