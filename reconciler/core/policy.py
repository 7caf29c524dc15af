"""Policy checks made before any SageMaker call (docs/security.md).

Contract:
- `role_refusal(role_arns, namespace_patterns=..., process_patterns=...)`: every role must pass every
  allow-list that exists: the namespace's `sagemaker.aws.amazon.com/allowed-role-arns` annotation
  (comma-separated patterns; present but empty allows nothing) and the process's `--allowed-role-arn`
  patterns (none given: no process list). Where both exist a role must match both, so a namespace can
  narrow what the cluster admin allowed and never widen it. No list at all: any role. Returns a
  `Refusal(StalledReason.ROLE_NOT_ALLOWED, ...)` naming the list that refused, or None.
- `role_matches(role_arn, pattern)`: the pattern language. `*` matches any run of characters except
  `/`, `?` one character except `/`, `**` any run of characters including `/`; everything else is
  literal. So `arn:aws:iam::*:role/team-a/*` allows `role/team-a/x` but not `role/team-a/nested/x`: a
  pattern never reaches into a deeper role path than it spells out unless it says `**` (IAM role paths
  are how role creation is delegated per team, and a `*` that crossed `/` would reach roles under paths
  the admin never listed). A lone `*` therefore matches no role ARN at all (every one contains `role/`).
- `endpoint_refusal(endpoint, allow_custom_endpoints=...)`: a `spec.sageMakerEndpoint` needs
  `--allow-custom-endpoints`; returns `Refusal(StalledReason.ENDPOINT_NOT_ALLOWED, ...)` or None.
- `parse_patterns(annotation_value)` splits the annotation.
Pure: no I/O.
"""

from __future__ import annotations

import functools
import re
from collections.abc import Sequence

from reconciler.core.decide import Refusal
from reconciler.core.model import ALLOWED_ROLE_ARNS_ANNOTATION
from reconciler.core.reasons import StalledReason


def parse_patterns(value: str | None) -> list[str] | None:
    """The annotation's glob patterns; None when the annotation is absent."""
    if value is None:
        return None
    return [part.strip() for part in value.split(",") if part.strip()]


@functools.lru_cache(maxsize=256)
def _compiled(pattern: str) -> re.Pattern[str]:
    parts = []
    index = 0
    while index < len(pattern):
        if pattern.startswith("**", index):
            parts.append(".*")
            index += 2
            continue
        char = pattern[index]
        parts.append("[^/]*" if char == "*" else "[^/]" if char == "?" else re.escape(char))
        index += 1
    return re.compile("".join(parts), re.DOTALL)


def role_matches(role_arn: str, pattern: str) -> bool:
    """Whether `role_arn` matches `pattern` (`*` and `?` never match `/`, `**` does; the rest is literal)."""
    return _compiled(pattern).fullmatch(role_arn) is not None


def role_refusal(
    role_arns: Sequence[str], *, namespace_patterns: Sequence[str] | None, process_patterns: Sequence[str]
) -> Refusal | None:
    lists: list[tuple[list[str], str]] = []
    if process_patterns:
        lists.append((list(process_patterns), "the reconciler's --allowed-role-arn setting"))
    if namespace_patterns is not None:
        lists.append((list(namespace_patterns), f"the namespace annotation {ALLOWED_ROLE_ARNS_ANNOTATION}"))
    for patterns, source in lists:
        refused = [role for role in role_arns if not any(role_matches(role, p) for p in patterns)]
        if not refused:
            continue
        allowed = ", ".join(patterns) or "(none)"
        return Refusal(
            StalledReason.ROLE_NOT_ALLOWED,
            f"role {', '.join(refused)} is not allowed by {source} (allowed: {allowed}; `*` does not "
            "match `/`, `**` does); use an allowed roleArn or ask a cluster administrator to allow this role",
        )
    return None


def endpoint_refusal(endpoint: str | None, *, allow_custom_endpoints: bool) -> Refusal | None:
    if endpoint is None or allow_custom_endpoints:
        return None
    return Refusal(
        StalledReason.ENDPOINT_NOT_ALLOWED,
        f"spec.sageMakerEndpoint {endpoint!r} is set but this reconciler does not allow custom endpoints; "
        "remove spec.sageMakerEndpoint, or run the reconciler with --allow-custom-endpoints",
    )
