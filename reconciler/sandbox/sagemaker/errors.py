"""The errors the simulator answers with, worded as SageMaker and CloudWatch Logs word them.

Contract: every failure a handler raises is an `ApiError` carrying the AWS error code (what
botocore puts in `ClientError.response["Error"]["Code"]`), the message, and the HTTP status. The
protocol layer turns it into the AWS JSON 1.1 error shape; nothing here knows about HTTP.
"""

from __future__ import annotations


class ApiError(Exception):
    """An AWS error response: `code` and `message` as botocore parses them, `status` the HTTP status."""

    def __init__(self, code: str, message: str, *, status: int = 400) -> None:
        super().__init__(f"{code}: {message}")
        self.code = code
        self.message = message
        self.status = status


def validation_error(message: str) -> ApiError:
    return ApiError("ValidationException", message)


def tuning_job_not_found(name: str) -> ApiError:
    return ApiError(
        "ResourceNotFound", f"Amazon SageMaker can't find a tuning job called {name}. Type another name."
    )


def training_job_not_found() -> ApiError:
    # SageMaker answers a missing training job with ValidationException, not the modelled ResourceNotFound.
    return validation_error("Requested resource not found.")


def tuning_job_name_in_use(name: str) -> ApiError:
    return ApiError(
        "ResourceInUse",
        f"A hyperparameter tuning job with the name, {name}, already exists. Choose a different name.",
    )


def tuning_job_limit_exceeded(*, limit: int, running: int) -> ApiError:
    return ApiError(
        "ResourceLimitExceeded",
        "The account-level service limit 'Number of concurrent hyperparameter tuning jobs' is "
        f"{limit} Jobs, with current utilization of {running} Jobs and a request delta of 1 Jobs. "
        "Please use AWS Service Quotas to request an increase for this quota. If AWS Service Quotas "
        "is not available, contact AWS support to request an increase for this quota.",
    )


def unknown_operation() -> ApiError:
    # The AWS front end (Coral) answers an X-Amz-Target it does not know with this code and no message.
    return ApiError("UnknownOperationException", "")


def throttling() -> ApiError:
    return ApiError("ThrottlingException", "Rate exceeded")


def instance_quota_exceeded(*, instance_type: str, limit: int, used: int, delta: int) -> ApiError:
    """An account-level instance quota for training (Service Quotas: '<type> for training job usage').

    The wording is SageMaker's, as recorded real responses quote it; it differs from the
    concurrent-tuning-jobs limit (`tuning_job_limit_exceeded`) only by the quota named, which is
    how a client tells a permanent quota (ask for an increase) from a transient one.
    """
    return ApiError(
        "ResourceLimitExceeded",
        f"The account-level service limit '{instance_type} for training job usage' is {limit} Instances, "
        f"with current utilization of {used} Instances and a request delta of {delta} Instances. "
        "Please use AWS Service Quotas to request an increase for this quota. If AWS Service Quotas "
        "is not available, contact AWS support to request an increase for this quota.",
    )


# The identity the simulator's callers act as, in AccessDeniedException messages.
CALLER_ROLE = "hpo-reconciler"
CALLER_SESSION = "botocore-session-1"


def access_denied(*, action: str, resource: str, partition: str, account: str) -> ApiError:
    """AccessDeniedException worded as IAM words it for an identity-based policy that lacks `action`.

    Source: IAM user guide, "Troubleshooting access denied error messages": "User: <principal
    ARN> is not authorized to perform: <service>:<Action> on resource: <ARN> because no
    identity-based policy allows the <service>:<Action> action"; the principal of a role session
    is `arn:<partition>:sts::<account>:assumed-role/<role>/<session>`.
    """
    principal = f"arn:{partition}:sts::{account}:assumed-role/{CALLER_ROLE}/{CALLER_SESSION}"
    return ApiError(
        "AccessDeniedException",
        f"User: {principal} is not authorized to perform: {action} on resource: {resource} "
        f"because no identity-based policy allows the {action} action",
    )


def from_fault(
    error: str | int,
    *,
    action: str = "",
    resource: str = "",
    partition: str = "aws",
    account: str = "",
    tuning_jobs_limit: int = 100,
) -> ApiError:
    """The error an injected fault produces: an AWS error code, or an HTTP status 500/503.

    AccessDeniedException carries IAM's real wording for `action` on `resource`;
    ResourceLimitExceeded is the concurrent-tuning-jobs limit, full (the transient case; the
    permanent instance quota has its own control, `set_instance_quota`); other codes without a
    known wording say "Injected fault: <code>" (a test control, no AWS counterpart)."""
    if isinstance(error, int):
        if error == 503:
            return ApiError(
                "ServiceUnavailable", "Service is unavailable. Please try again later.", status=503
            )
        return ApiError("InternalFailure", "An internal error has occurred. Please try again.", status=error)
    if error == "ThrottlingException":
        return throttling()
    if error == "ResourceLimitExceeded":
        return tuning_job_limit_exceeded(limit=tuning_jobs_limit, running=tuning_jobs_limit)
    if error == "AccessDeniedException" and action:
        return access_denied(action=action, resource=resource, partition=partition, account=account)
    return ApiError(error, f"Injected fault: {error}")
