"""ARNs of simulated resources, formed as SageMaker forms them.

Contract: `arn:aws:sagemaker:<region>:<account>:<kind>/<lowercased name>`.
"""

from __future__ import annotations

ACCOUNT = "123456789012"


def arn(*, region: str, kind: str, name: str) -> str:
    return f"arn:aws:sagemaker:{region}:{ACCOUNT}:{kind}/{name.lower()}"


def name_from_arn(resource_arn: str) -> tuple[str, str] | None:
    """(kind, lowercased name) of a SageMaker ARN, or None if it is not one."""
    parts = resource_arn.split(":", 5)
    if len(parts) != 6 or parts[2] != "sagemaker" or "/" not in parts[5]:
        return None
    kind, _, name = parts[5].partition("/")
    return kind, name
