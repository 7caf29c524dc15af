"""Deterministic SageMaker tuning-job names: the idempotency key of a resource (docs/architecture.md),
and the names the legacy SageMaker Operator for Kubernetes gave the jobs it created.

Contract:
- `spec.hyperParameterTuningJobName`, when the user set it, is the name, unchanged.
- Otherwise the name is derived only from `metadata.name` and `metadata.uid`: the first 8
  alphanumeric characters of the name, then the UID's hexadecimal digits, cut at 32 characters.
  The same resource therefore always maps to the same job, across passes, crashes and processes,
  and two resources never share a derived name (their UIDs differ).
- The result always satisfies SageMaker's HyperParameterTuningJobName constraint
  (`JOB_NAME_PATTERN`, at most `JOB_NAME_MAX_LENGTH` characters).
- `operator_job_name` is the rule of the legacy operator's releases (its `GetGeneratedJobName`):
  `<metadata.name>-<UID without dashes>`, shortened by cutting the name first and, when not even
  one character of the name fits, the bare UID without dashes cut to 32 characters. A Kubernetes
  UID is a 36-character UUID, so for a 32-character tuning-job name the second case always
  applies: the job is named by the 32 hex digits of the UID alone.
- `uid_derived_job_names` lists every name one of those two rules gives for a resource, and
  `is_uid_derived` says whether a job name is among them. This is the migration proof: a name
  derived from the resource's own server-assigned UID cannot be chosen by another tenant for a
  resource of theirs (a tenant can write a finalizer, a spec name or a status, never a UID).
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


def generated_resource_name(*, required: str, optional: str, max_length: int) -> str:
    """The legacy operator's name shortening (`GetGeneratedResourceName` in its controllers/common.go).

    `optional + "-" + required` when it fits; else `optional` is cut from its end, keeping at least
    one character of it; else `required` cut to `max_length`. Lengths count bytes there and
    characters here: the same for the ASCII a Kubernetes name and UID are made of.
    """
    name = f"{optional}-{required}"
    if len(name) <= max_length:
        return name
    excess = len(name) - max_length
    if excess < len(optional):
        return f"{optional[: len(optional) - excess]}-{required}"
    return required[:max_length]


def operator_job_name(*, resource_name: str, uid: str) -> str:
    """The name the legacy operator's releases gave the tuning job of a resource that named none.

    The UID is used as the operator used it: dashes removed, nothing else changed (not lowercased).
    """
    return generated_resource_name(
        required=uid.replace("-", ""), optional=resource_name, max_length=JOB_NAME_MAX_LENGTH
    )


def uid_derived_job_names(*, resource_name: str, uid: str) -> tuple[str, ...]:
    """Every valid job name that a rule derives from this resource's UID: this project's (which is
    the legacy operator's early, documented rule) and the legacy operator's later one. Once each."""
    if not _NOT_HEX.sub("", uid):
        return ()  # a name proves ownership only by carrying the UID
    names = (
        derived_job_name(resource_name=resource_name, uid=uid),
        operator_job_name(resource_name=resource_name, uid=uid),
    )
    return tuple(dict.fromkeys(n for n in names if is_valid_job_name(n)))


def is_uid_derived(job_name: str, *, resource_name: str, uid: str) -> bool:
    """Whether `job_name` is one that a naming rule derives from this resource's own UID."""
    return job_name in uid_derived_job_names(resource_name=resource_name, uid=uid)
