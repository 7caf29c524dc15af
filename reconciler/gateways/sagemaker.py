"""SageMaker gateway over boto3: one method per remote call, typed errors, counted calls.

Contract:
- `SageMakerGateway(settings=..., calls=...)` builds one boto3 client per (region, endpoint) on
  first use (thread-safe), with botocore retries in the configured mode (`standard`/`adaptive`) and
  attempt count. The endpoint comes from boto3's own configuration (`AWS_ENDPOINT_URL_SAGEMAKER`)
  unless a resource's `spec.sageMakerEndpoint` was allowed by policy. Credentials come only from
  boto3's default chain.
- Every method is one SageMaker operation (a paginated list is one logical call per page) and
  counts itself in `calls` under ("sagemaker", OperationName).
- Errors are mapped, never decided upon (all `SageMakerError`, each also a `gateways.errors`
  kind): retryable `TransientError` (throttling, 5xx, timeouts, connection problems, retried by
  botocore already, left for the next pass; and account limits, as its subclass
  `LimitExceededError`); fatal `RejectedError` (ValidationException, or boto3's own
  parameter validation before sending: the request itself is wrong), `ResourceInUseError`,
  `ResourceNotFoundError`, `UnexpectedError` (anything else); pass-fatal `CredentialsError` (no
  usable credentials: the pass cannot work).
  What a rejection or a missing job means is the core's rule (`core.followup`), not the gateway's.
  Messages carry SageMaker's own text and never credentials.
"""

from __future__ import annotations

import threading
from collections.abc import Callable, Iterator, Mapping
from typing import Any

import boto3
import botocore.config
import botocore.exceptions
from botocore import xform_name

from reconciler.core.calls import CallCounter
from reconciler.core.limits import quota_message, read_limit
from reconciler.core.settings import Settings
from reconciler.gateways.errors import FatalError, GatewayError, PassFatalError, RetryableError

SERVICE = "sagemaker"
LIST_PAGE_SIZE = 100

# The codes that mean "slow down" rather than "failed, try again" (botocore's retryhandler lists the same
# throttling codes).
_THROTTLE_ONLY_CODES = frozenset(
    {
        "Throttling",
        "ThrottlingException",
        "ThrottledException",
        "RequestThrottledException",
        "TooManyRequestsException",
        "RequestLimitExceeded",
        "SlowDown",
    }
)
# Every code worth another try next pass: the throttling ones and transient server failures.
_THROTTLING_CODES = _THROTTLE_ONLY_CODES | frozenset(
    {
        "ServiceUnavailable",
        "InternalFailure",
        "InternalServerError",
        "RequestTimeout",
        "RequestTimeoutException",
    }
)
_CONNECTION_ERRORS = (
    botocore.exceptions.EndpointConnectionError,
    botocore.exceptions.ConnectionClosedError,
    botocore.exceptions.ConnectTimeoutError,
    botocore.exceptions.ReadTimeoutError,
    botocore.exceptions.ProxyConnectionError,
)
_CREDENTIAL_ERRORS = (
    botocore.exceptions.NoCredentialsError,
    botocore.exceptions.PartialCredentialsError,
    botocore.exceptions.CredentialRetrievalError,
    botocore.exceptions.NoRegionError,
)


class SageMakerError(GatewayError):
    """A SageMaker call failed; `code` is the AWS error code (or the botocore exception's name)."""

    def __init__(self, message: str, *, code: str = "", operation: str = "") -> None:
        super().__init__(message)
        self.code = code
        self.operation = operation


class TransientError(SageMakerError, RetryableError):
    """Worth trying again later: throttling, 5xx, timeouts, connection trouble, account limits."""


class LimitExceededError(TransientError):
    """ResourceLimitExceeded: an account quota (concurrent tuning jobs) is used up; frees up when other
    jobs end. Still a `TransientError` for every caller without a rule of its own for it."""


class RejectedError(SageMakerError, FatalError):
    """SageMaker rejected the request as invalid (ValidationException)."""


class QuotaTooLowError(RejectedError):
    """ResourceLimitExceeded for a request larger than the account's quota itself (e.g. an instance
    type whose quota is 0): no other job ending frees enough (`core.limits`). Its message is
    `core.limits.quota_message`: SageMaker's words and what to do."""


class ResourceInUseError(SageMakerError, FatalError):
    """The name is taken (CreateHyperParameterTuningJob on an existing job name)."""


class ResourceNotFoundError(SageMakerError, FatalError):
    """No such job."""


class CredentialsError(SageMakerError, PassFatalError):
    """boto3 found no usable credentials or region: no SageMaker call can work in this process."""


class UnexpectedError(SageMakerError, FatalError):
    """An error code (or exception) this gateway has no mapping for (AccessDenied, ...)."""


def map_error(exc: Exception, *, operation: str) -> SageMakerError:
    """botocore's exception -> the gateway's typed error."""
    if isinstance(exc, botocore.exceptions.ClientError):
        error = exc.response.get("Error", {})
        code = str(error.get("Code", ""))
        message = str(error.get("Message", "")) or str(exc)
        status = int(exc.response.get("ResponseMetadata", {}).get("HTTPStatusCode") or 0)
        text = f"{operation}: {code}: {message}"
        limit = read_limit(message) if code == "ResourceLimitExceeded" else None
        if limit is not None and limit.permanent:
            return QuotaTooLowError(quota_message(limit, message), code=code, operation=operation)
        if code == "ResourceLimitExceeded":
            return LimitExceededError(text, code=code, operation=operation)
        if code in _THROTTLING_CODES or status >= 500 or status == 429:
            return TransientError(text, code=code, operation=operation)
        if code == "ValidationException":
            return RejectedError(message, code=code, operation=operation)
        if code == "ResourceInUse":
            return ResourceInUseError(message, code=code, operation=operation)
        if code == "ResourceNotFound":
            return ResourceNotFoundError(message, code=code, operation=operation)
        return UnexpectedError(text, code=code, operation=operation)
    if isinstance(exc, botocore.exceptions.ParamValidationError):
        # boto3 checked the request against the service model before sending it, as SageMaker
        # would have: the same refusal, found earlier.
        return RejectedError(str(exc), code="ParamValidation", operation=operation)
    if isinstance(exc, _CONNECTION_ERRORS):
        return TransientError(f"{operation}: {exc}", code=type(exc).__name__, operation=operation)
    if isinstance(exc, _CREDENTIAL_ERRORS):
        return CredentialsError(f"{operation}: {exc}", code=type(exc).__name__, operation=operation)
    return UnexpectedError(f"{operation}: {type(exc).__name__}: {exc}", operation=operation)


class SageMakerGateway:
    """The SageMaker operations the reconciler uses; see the module docstring for the error contract."""

    def __init__(
        self,
        *,
        settings: Settings,
        calls: CallCounter,
        session_factory: Callable[[], boto3.session.Session] = boto3.session.Session,
    ) -> None:
        self._settings = settings
        self._calls = calls
        self._session = session_factory()
        self._clients: dict[tuple[str | None, str | None], Any] = {}
        self._lock = threading.Lock()

    def _client(self, region: str | None, endpoint: str | None) -> Any:
        key = (region or self._settings.default_region, endpoint)
        with self._lock:
            client = self._clients.get(key)
            if client is None:
                config = botocore.config.Config(
                    retries={
                        "mode": self._settings.retry_mode,
                        "total_max_attempts": self._settings.max_attempts,
                    },
                    max_pool_connections=max(10, self._settings.concurrency * 2),
                    # A hung connection must not hold a worker for botocore's default minute.
                    connect_timeout=10,
                    read_timeout=30,
                    user_agent_extra="hpo-reconciler",
                    # botocore's client-side parameter validation stays on: turning it off saved
                    # 1% of the CPU of a Describe on a quiet machine (bench/call_cpu.py; the 14%
                    # first measured under heavy load was noise), while it catches a request the
                    # reconciler built wrong before it reaches AWS.
                )
                try:
                    client = self._session.client(
                        "sagemaker", region_name=key[0], endpoint_url=endpoint, config=config
                    )
                except Exception as exc:  # boto3 raises NoRegionError etc. at client creation
                    raise map_error(exc, operation="client") from None
                # Per HTTP attempt (botocore retries inside one call): how each request ended.
                client.meta.events.register("response-received.sagemaker", self._count_result)
                self._clients[key] = client
            return client

    def _count_result(
        self,
        *,
        event_name: str,
        parsed_response: Mapping[str, Any] | None = None,
        response_dict: Mapping[str, Any] | None = None,
        **_: Any,
    ) -> None:
        """botocore's `response-received` event, once per attempt: ok, throttled or error."""
        operation = event_name.rsplit(".", 1)[-1]
        status = int((response_dict or {}).get("status_code") or 0)
        code = str(((parsed_response or {}).get("Error") or {}).get("Code") or "")
        if 200 <= status < 300 and not code:
            result = "ok"
        elif status == 429 or code in _THROTTLE_ONLY_CODES:
            result = "throttled"
        else:  # an error answer, or no answer at all (connection error, timeout)
            result = "error"
        self._calls.add_result(SERVICE, operation, result)

    def _call(self, operation: str, region: str | None, endpoint: str | None, **params: Any) -> Any:
        client = self._client(region, endpoint)
        self._calls.add(SERVICE, operation)
        method = getattr(client, xform_name(operation))
        try:
            return method(**params)
        except Exception as exc:
            raise map_error(exc, operation=operation) from None

    def create_tuning_job(
        self, request: Mapping[str, Any], *, region: str | None, endpoint: str | None
    ) -> str:
        """CreateHyperParameterTuningJob; returns the job ARN."""
        response = self._call("CreateHyperParameterTuningJob", region, endpoint, **request)
        return str(response["HyperParameterTuningJobArn"])

    def describe_tuning_job(
        self, name: str, *, region: str | None, endpoint: str | None
    ) -> dict[str, Any] | None:
        """DescribeHyperParameterTuningJob; None when SageMaker has no such job."""
        try:
            response = self._call(
                "DescribeHyperParameterTuningJob", region, endpoint, HyperParameterTuningJobName=name
            )
        except ResourceNotFoundError:
            return None
        return dict(response)

    def stop_tuning_job(self, name: str, *, region: str | None, endpoint: str | None) -> None:
        """StopHyperParameterTuningJob."""
        self._call("StopHyperParameterTuningJob", region, endpoint, HyperParameterTuningJobName=name)

    def list_training_jobs(
        self, tuning_job_name: str, *, region: str | None, endpoint: str | None
    ) -> list[dict[str, Any]]:
        """ListTrainingJobsForHyperParameterTuningJob, every page (MaxResults 100)."""
        return list(
            self._every_item(
                "ListTrainingJobsForHyperParameterTuningJob",
                region,
                endpoint,
                items="TrainingJobSummaries",
                HyperParameterTuningJobName=tuning_job_name,
                MaxResults=LIST_PAGE_SIZE,
            )
        )

    def describe_training_job(self, name: str, *, region: str | None, endpoint: str | None) -> dict[str, Any]:
        """DescribeTrainingJob."""
        return dict(self._call("DescribeTrainingJob", region, endpoint, TrainingJobName=name))

    def list_tags(self, arn: str, *, region: str | None, endpoint: str | None) -> dict[str, str]:
        """ListTags of a job (every page), as a dict."""
        tags = self._every_item("ListTags", region, endpoint, items="Tags", ResourceArn=arn, MaxResults=100)
        return {tag["Key"]: tag.get("Value", "") for tag in tags}

    def add_tags(
        self, arn: str, tags: Mapping[str, str], *, region: str | None, endpoint: str | None
    ) -> None:
        """AddTags: set these keys (a key that exists gets the new value)."""
        items = [{"Key": key, "Value": value} for key, value in tags.items()]
        self._call("AddTags", region, endpoint, ResourceArn=arn, Tags=items)

    def delete_tags(self, arn: str, keys: list[str], *, region: str | None, endpoint: str | None) -> None:
        """DeleteTags: remove these keys."""
        self._call("DeleteTags", region, endpoint, ResourceArn=arn, TagKeys=list(keys))

    def _every_item(
        self, operation: str, region: str | None, endpoint: str | None, *, items: str, **params: Any
    ) -> Iterator[dict[str, Any]]:
        """The `items` of every page of a NextToken-paginated operation, one call per page."""
        while True:
            page = self._call(operation, region, endpoint, **params)
            yield from page.get(items, [])
            params["NextToken"] = page.get("NextToken")
            if not params["NextToken"]:
                return

    def region_of(self, region: str | None, endpoint: str | None) -> str:
        """The region calls for `region` actually go to (boto3's default when None)."""
        return str(self._client(region, endpoint).meta.region_name or "")

    def has_credentials(self) -> bool:
        """Whether boto3's default chain yields credentials (checked once, before the pass)."""
        try:
            return self._session.get_credentials() is not None
        except Exception:
            return False
