"""The Stalled reasons, and the one reader of the reason a resource's status records.

Contract:
- `StalledReason` is every reason the reconciler writes on a True `Stalled` condition (and on the
  `Ready=False` condition beside it). It is a `StrEnum`: a member is the very string written on the
  wire, compares equal to it, and formats as it, so statuses and events are unchanged by using it.
- `recorded_stall(status)` is the reason of the True `Stalled` condition in a status as stored
  (a plain mapping, read tolerantly: any shape, a resource that does not parse included), or None.
  A reason recorded by another writer (the legacy operator) is returned as the string it is.
Pure: no I/O.
"""

from __future__ import annotations

import enum
from collections.abc import Mapping
from typing import Any


class StalledReason(enum.StrEnum):
    """Why a resource cannot proceed without a human (the user docs list each with what to do)."""

    INVALID_SPEC = "InvalidSpec"  # the spec fails the schema, the semantic checks or translation
    SPEC_UPDATE_REFUSED = "SpecUpdateRefused"  # the spec changed after the job was created
    JOB_NAME_IN_USE = "JobNameInUse"  # the job name belongs to a job that is not this resource's
    REJECTED_BY_SAGEMAKER = "RejectedBySageMaker"  # CreateHyperParameterTuningJob: ValidationException
    QUOTA_TOO_LOW = "QuotaTooLow"  # ResourceLimitExceeded by more than the whole quota (core.limits)
    JOB_NOT_FOUND = "JobNotFound"  # the recorded job no longer exists in SageMaker
    ROLE_NOT_ALLOWED = "RoleNotAllowed"  # a role ARN outside the allowed patterns
    ENDPOINT_NOT_ALLOWED = "EndpointNotAllowed"  # spec.sageMakerEndpoint without --allow-custom-endpoints
    WARM_START_PARENT_NOT_ALLOWED = "WarmStartParentNotAllowed"  # a parent that is not this namespace's
    JOB_FAILED = "JobFailed"  # SageMaker reports the job Failed
    JOB_STOPPED = "JobStopped"  # the job was stopped outside this resource


def recorded_stall(status: Any) -> str | None:
    """The reason of the True `Stalled` condition of `status` (the `status` member of an object)."""
    conditions = status.get("conditions") if isinstance(status, Mapping) else None
    for condition in conditions if isinstance(conditions, list) else []:
        if not isinstance(condition, Mapping) or condition.get("type") != "Stalled":
            continue
        reason = condition.get("reason")
        return str(reason) if condition.get("status") == "True" and reason else None
    return None
