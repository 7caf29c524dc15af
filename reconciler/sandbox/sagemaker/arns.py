"""ARNs of simulated resources, formed as SageMaker forms them.

Contract: `arn:<partition>:sagemaker:<region>:<account>:<kind>/<lowercased name>`, where the
partition is the one botocore's endpoint data (`endpoints.json`, each partition's `regionRegex`)
assigns the region: `aws-cn` for cn-*, `aws-us-gov` for us-gov-*, the ISO partitions for theirs,
`aws` otherwise ("Amazon Resource Names (ARNs)", IAM user guide: the partition is aws, aws-cn or
aws-us-gov). `partition(region)` is also used for the CloudWatch Logs and STS ARNs the simulator
writes.
"""

from __future__ import annotations

import functools
import re

import botocore.loaders

ACCOUNT = "123456789012"


@functools.cache
def _partitions() -> tuple[tuple[str, re.Pattern[str], frozenset[str]], ...]:
    data = botocore.loaders.Loader().load_data("endpoints")
    return tuple(
        (p["partition"], re.compile(p["regionRegex"]), frozenset(p.get("regions", {})))
        for p in data["partitions"]
    )


@functools.cache
def partition(region: str) -> str:
    for name, _pattern, regions in _partitions():
        if region in regions:
            return name
    for name, pattern, _ in _partitions():
        if pattern.match(region):
            return name
    return "aws"


def arn(*, region: str, kind: str, name: str) -> str:
    return f"arn:{partition(region)}:sagemaker:{region}:{ACCOUNT}:{kind}/{name.lower()}"


def name_from_arn(resource_arn: str) -> tuple[str, str] | None:
    """(kind, lowercased name) of a SageMaker ARN, or None if it is not one."""
    parts = resource_arn.split(":", 5)
    if len(parts) != 6 or parts[2] != "sagemaker" or "/" not in parts[5]:
        return None
    kind, _, name = parts[5].partition("/")
    return kind, name
