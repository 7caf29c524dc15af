"""Deterministic SageMaker tuning-job names: the idempotency key of a resource (DESIGN.md 3.2).

Contract:
- `spec.hyperParameterTuningJobName`, when the user set it, is the name, unchanged.
- Otherwise the name is derived only from `metadata.name` and `metadata.uid`: the first 8
  alphanumeric characters of the name, then the UID's hexadecimal digits, cut at 32 characters.
  The same resource therefore always maps to the same job, across passes, crashes and processes,
  and two resources never share a derived name (their UIDs differ).
- The result always satisfies SageMaker's HyperParameterTuningJobName constraint
  (`JOB_NAME_PATTERN`, at most `JOB_NAME_MAX_LENGTH` characters).
Pure: no I/O.
"""

from __future__ import annotations

import re

JOB_NAME_MAX_LENGTH = 32
JOB_NAME_PATTERN = re.compile(r"^[a-zA-Z0-9](-*[a-zA-Z0-9]){0,31}$")
_NAME_PREFIX_LENGTH = 8
_NOT_ALPHANUMERIC = re.compile(r"[^a-zA-Z0-9]")
_NOT_HEX = re.compile(r"[^0-9a-fA-F]")


def derived_job_name(*, resource_name: str, uid: str) -> str:
    """The job name of a resource that does not name its job; raises ValueError if nothing usable is left."""
    prefix = _NOT_ALPHANUMERIC.sub("", resource_name)[:_NAME_PREFIX_LENGTH]
    name = (prefix + _NOT_HEX.sub("", uid).lower())[:JOB_NAME_MAX_LENGTH]
    if not name:
        raise ValueError("cannot derive a job name: metadata.name and metadata.uid have no usable characters")
    return name


def job_name_for(*, resource_name: str, uid: str, requested: str | None) -> str:
    """The SageMaker tuning-job name for a resource: `requested` if set, else the derived name."""
    if requested:
        return requested
    return derived_job_name(resource_name=resource_name, uid=uid)


def is_valid_job_name(name: str) -> bool:
    """True when SageMaker would accept `name` as a HyperParameterTuningJobName."""
    return len(name) <= JOB_NAME_MAX_LENGTH and JOB_NAME_PATTERN.match(name) is not None
