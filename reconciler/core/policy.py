"""Policy checks made before any SageMaker call (DESIGN 3.5).

Contract:
- `role_refusal(role_arns, namespace_patterns=..., process_patterns=...)`: if the namespace has the
  `sagemaker.aws.amazon.com/allowed-role-arns` annotation (comma-separated globs), every role must
  match one of its patterns; else, if the process has `--allowed-role-arn` patterns, every role must
  match one of those; else any role is allowed. Returns a `Refusal(StalledReason.ROLE_NOT_ALLOWED, ...)`
  or None.
- `endpoint_refusal(endpoint, allow_custom_endpoints=...)`: a `spec.sageMakerEndpoint` needs
  `--allow-custom-endpoints`; returns `Refusal(StalledReason.ENDPOINT_NOT_ALLOWED, ...)` or None.
- `parse_patterns(annotation_value)` splits the annotation.
Pure: no I/O.
"""

from __future__ import annotations

import fnmatch
from collections.abc import Sequence

from reconciler.core.decide import Refusal
from reconciler.core.model import ALLOWED_ROLE_ARNS_ANNOTATION
from reconciler.core.reasons import StalledReason


def parse_patterns(value: str | None) -> list[str] | None:
    """The annotation's glob patterns; None when the annotation is absent."""
    if value is None:
        return None
    return [part.strip() for part in value.split(",") if part.strip()]


def role_refusal(
    role_arns: Sequence[str], *, namespace_patterns: Sequence[str] | None, process_patterns: Sequence[str]
) -> Refusal | None:
    if namespace_patterns is not None:
        patterns, source = (
            list(namespace_patterns),
            f"the namespace annotation {ALLOWED_ROLE_ARNS_ANNOTATION}",
        )
    elif process_patterns:
        patterns, source = list(process_patterns), "the reconciler's --allowed-role-arn setting"
    else:
        return None
    refused = [role for role in role_arns if not any(fnmatch.fnmatchcase(role, p) for p in patterns)]
    if not refused:
        return None
    allowed = ", ".join(patterns) or "(none)"
    return Refusal(
        StalledReason.ROLE_NOT_ALLOWED,
        f"role {', '.join(refused)} is not allowed by {source} (allowed: {allowed}); use an allowed "
        "roleArn or ask a cluster administrator to allow this role",
    )


def endpoint_refusal(endpoint: str | None, *, allow_custom_endpoints: bool) -> Refusal | None:
    if endpoint is None or allow_custom_endpoints:
        return None
    return Refusal(
        StalledReason.ENDPOINT_NOT_ALLOWED,
        f"spec.sageMakerEndpoint {endpoint!r} is set but this reconciler does not allow custom endpoints; "
        "remove spec.sageMakerEndpoint, or run the reconciler with --allow-custom-endpoints",
    )
