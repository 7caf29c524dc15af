"""Whether a SageMaker tuning job is this resource's: only proofs a tenant cannot forge (docs/security.md).

Contract:
- A resource owns a job when the job's `hpo-reconciler/uid` tag is the resource's server-assigned
  UID (the reconciler wrote that tag at create; a tenant cannot write a job's tags through the
  reconciler), or, migrating from the legacy operator, when the job is untagged, the resource
  carries the operator's finalizer and the job's name derives from the resource's own UID by one
  of the operator's naming rules (`naming.is_uid_derived`). With the admin-only setting
  `adopt_legacy_named_jobs`, an untagged job named by hand is accepted for a resource with the
  operator's finalizer too. A job tagged with another UID is never this resource's, and neither is a
  job whose ARN differs from the one the status recorded.
- Everything else a tenant can write (a finalizer, spec.hyperParameterTuningJobName, annotations,
  a status naming a job or an ARN) is a claim, never a proof.
- `needs_tags(resource, job_name=...)`: the tags must be read before trusting a job found under
  `job_name`, unless the status recorded an ARN and `job_name` derives from this resource's UID (a
  name no other namespace's resource can derive; the recorded ARN is then compared instead).
- `ownership(resource, job_name=..., owner_uid=..., tags_read=..., arn_matches=...,
  adopt_legacy_named_jobs=...)` classifies the job found; `Ownership.owned` says whether the
  resource may track, mirror, describe into its status, or stop it.
- `not_owned_message(resource, ownership, job_name=...)`: the message of the JobNameInUse refusal.
  It names the job the user asked for and what to do, never whose the job is (another resource's
  UID, namespace or any content of the job).
Pure: no I/O.
"""

from __future__ import annotations

import enum

from reconciler.core.model import LEGACY_FINALIZER, HyperparameterTuningJob
from reconciler.core.naming import is_uid_derived

ADOPT_LEGACY_FLAG = "--adopt-legacy-named-jobs"


class Ownership(enum.Enum):
    TAGGED = "the job carries this resource's uid tag"
    RECORDED = "the recorded job's name derives from this resource's uid and its ARN is the recorded one"
    LEGACY_UID_NAME = "the legacy operator created it: untagged, named from this resource's uid"
    LEGACY_OPT_IN = "untagged legacy job adopted by name (--adopt-legacy-named-jobs)"
    FOREIGN = "the job carries another resource's uid tag"
    UNPROVEN = "nothing proves the job is this resource's"

    @property
    def owned(self) -> bool:
        return self in (
            Ownership.TAGGED,
            Ownership.RECORDED,
            Ownership.LEGACY_UID_NAME,
            Ownership.LEGACY_OPT_IN,
        )

    @property
    def legacy(self) -> bool:
        return self in (Ownership.LEGACY_UID_NAME, Ownership.LEGACY_OPT_IN)


def _uid_named(resource: HyperparameterTuningJob, job_name: str) -> bool:
    meta = resource.metadata
    return is_uid_derived(job_name, resource_name=meta.name, uid=meta.uid)


def needs_tags(resource: HyperparameterTuningJob, *, job_name: str) -> bool:
    """Whether a job found under `job_name` needs its uid tag read before it is trusted."""
    return not (resource.status.hyper_parameter_tuning_job_arn and _uid_named(resource, job_name))


def ownership(
    resource: HyperparameterTuningJob,
    *,
    job_name: str,
    owner_uid: str | None,
    tags_read: bool,
    arn_matches: bool,
    adopt_legacy_named_jobs: bool,
) -> Ownership:
    """Whose the job found under `job_name` is; see the module contract.

    `owner_uid`: its `hpo-reconciler/uid` tag (None = untagged), meaningful when `tags_read`;
    `arn_matches`: the job's ARN is the one the status recorded (ignored when none is recorded).
    """
    if resource.status.hyper_parameter_tuning_job_arn and not arn_matches:
        return Ownership.UNPROVEN  # not the job the status recorded, whatever its tags say
    if not tags_read:
        return Ownership.RECORDED if not needs_tags(resource, job_name=job_name) else Ownership.UNPROVEN
    if owner_uid is not None:
        return Ownership.TAGGED if owner_uid == resource.metadata.uid else Ownership.FOREIGN
    if LEGACY_FINALIZER not in resource.metadata.finalizers:
        return Ownership.UNPROVEN
    if _uid_named(resource, job_name):
        return Ownership.LEGACY_UID_NAME
    if adopt_legacy_named_jobs:
        return Ownership.LEGACY_OPT_IN
    return Ownership.UNPROVEN


def not_owned_message(resource: HyperparameterTuningJob, found: Ownership, *, job_name: str) -> str:
    """What a JobNameInUse resource tells its user: the name they asked for is taken, and what to do.

    It never says whose the job is or what it contains: that is another team's business.
    """
    message = (
        f"a SageMaker tuning job named {job_name!r} already exists and is not this resource's; "
        "set spec.hyperParameterTuningJobName to an unused name (or remove it to get a name derived "
        "from this resource's uid)"
    )
    if found is Ownership.UNPROVEN and LEGACY_FINALIZER in resource.metadata.finalizers:
        message += (
            ". If the legacy SageMaker operator created this job for this resource, a cluster admin "
            f"can let hpo-reconciler adopt it by running it with {ADOPT_LEGACY_FLAG} "
            "(see docs/migration.md)"
        )
    return message
