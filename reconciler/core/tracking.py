"""Which SageMaker job a resource tracks, where its calls go, and what in the spec moved away from it.

Contract:
- `track(resource, default_region=..., allow_custom_endpoints=...)` returns a `Tracking`: the job name, the
  region and the endpoint of every call about the job this pass, and `moved`, the spec fields
  (`hyperParameterTuningJobName`, `region`, `sageMakerEndpoint`) that now name another job than the recorded
  one. Before a job is recorded (no ARN in the status) everything comes from the spec: the name `job_name_for`
  computes, the spec's region (else the default), the spec's endpoint; unless the identity annotations,
  written before a create, name another job or region (a status write was lost and the spec edited since):
  then that job is tracked, `claimed` (only its uid tag proves it is this resource's; `use_claim=False` tracks
  the spec instead) and the edited fields are `moved`. Once a job is recorded it is the one tracked whatever
  the spec says now: the recorded name, the region of the recorded ARN, and the endpoint it was created
  through (`creation_endpoint`; unknown for a job the legacy operator created, then the spec's). A spec naming
  others asks for a new job: `moved`. The endpoint is dropped (None) unless custom endpoints are allowed.
  Raises ValueError when the spec requests a job name that cannot be one (as `job_name_for` does).
  Migration: a resource with the legacy operator's finalizer whose spec names no job tracks the name
  its status recorded when that name derives from its own UID (the operator's later rule names a
  tuning job by the bare UID hex, which differs from the rule `job_name_for` applies).
- `with_moved(delta, moved)` adds the moved fields to the delta of desired vs observed, so that a
  move is refused like any other update (SpecUpdateRefused).
- `records_job_name(known=..., created_or_adopted=..., disowned=...)`: the status names only a job
  this resource owns: one it recorded (unless this pass found it is not its own: `disowned`), or one
  created or adopted this pass. A name that is taken by another job, a rejected create or a spec
  refused before any call names no job.
Pure: no I/O.
"""

from __future__ import annotations

from collections.abc import Iterable
from dataclasses import dataclass

from reconciler.core.delta import Delta
from reconciler.core.model import LEGACY_FINALIZER, HyperparameterTuningJob
from reconciler.core.naming import is_uid_derived, job_name_for


@dataclass(frozen=True)
class Tracking:
    job_name: str
    region: str | None
    endpoint: str | None
    moved: frozenset[str] = frozenset()
    claimed: bool = False  # tracked from the identity annotations: a claim, to be proven by the uid tag


def track(
    resource: HyperparameterTuningJob,
    *,
    default_region: str | None,
    allow_custom_endpoints: bool,
    use_claim: bool = True,
) -> Tracking:
    """The job this pass is about and where its calls go; see the module contract."""
    meta = resource.metadata
    computed = job_name_for(resource_name=meta.name, uid=meta.uid, requested=resource.requested_job_name)
    recorded = resource.status.sage_maker_hyper_parameter_tuning_job_name
    if (
        not resource.requested_job_name
        and recorded
        and LEGACY_FINALIZER in meta.finalizers
        and is_uid_derived(recorded, resource_name=meta.name, uid=meta.uid)
    ):
        # The legacy operator's releases named the job by their own rule (the bare UID hex) and
        # recorded it; a spec re-applied without the name they wrote into it still means that job.
        computed = recorded
    spec_region, spec_endpoint = resource.region, resource.endpoint
    if not resource.job_known:
        endpoint = spec_endpoint if allow_custom_endpoints else None
        claim = resource.claimed_job if use_claim else None
        if claim is not None:
            name, region = claim
            region = region or spec_region or default_region
            edited = set()
            if name != computed:
                edited.add("hyperParameterTuningJobName")
            if region and (spec_region or default_region) and region != (spec_region or default_region):
                edited.add("region")
            if edited:
                return Tracking(name, region, endpoint, frozenset(edited), claimed=True)
        return Tracking(computed, spec_region or default_region, endpoint)
    moved: set[str] = set()
    if recorded and recorded != computed:
        moved.add("hyperParameterTuningJobName")
    job_region = resource.job_region
    if job_region and spec_region and spec_region != job_region:
        moved.add("region")
    created_with = resource.creation_endpoint
    if created_with is not None and (spec_endpoint or "") != created_with:
        moved.add("sageMakerEndpoint")
    endpoint = spec_endpoint if created_with is None else created_with or None
    return Tracking(
        recorded or computed,
        job_region or spec_region or default_region,
        endpoint if allow_custom_endpoints else None,
        frozenset(moved),
    )


def with_moved(delta: Delta, moved: Iterable[str]) -> Delta:
    """`delta` plus the fields that moved away from the recorded job (sorted, once each)."""
    moved = tuple(moved)
    if not moved:
        return delta
    return Delta(paths=tuple(sorted({*delta.paths, *moved})))


def records_job_name(*, known: bool, created_or_adopted: bool, disowned: bool) -> bool:
    """Whether the status written this pass names the tracked job; see the module contract."""
    return (known or created_or_adopted) and not disowned
