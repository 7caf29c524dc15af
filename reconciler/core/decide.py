"""What to do with one HyperparameterTuningJob, given what was observed (docs/architecture.md).

Contract:
- `wants_spec(resource, recorded_stall=...)` says whether the spec is translated, checked and
  compared this pass: always before a job exists, never while being deleted, and for a known job
  once per generation (plus every pass while the spec is refused: InvalidSpec, SpecUpdateRefused).
- `needs_policy_check(resource, spec_read=..., problems=...)`: policies are checked only before the
  create, for a spec that was read and is valid.
- `needs_job_lookup(resource)` says whether the SageMaker job must be described before deciding:
  True for a resource being deleted that carries our (or the legacy) finalizer, whatever its
  status; otherwise False for a terminal, in-sync resource whose generation was already observed
  (that resource costs zero SageMaker calls) and for a resource whose job was never created
  (create first, handle ResourceInUse after), True for the rest.
- `needs_owner_lookup(resource, job_found=...)` says whether the job's uid tag must be read before
  deciding: when a resource being deleted has found a job under its name but recorded no ARN.
- `decide(resource, observation)` returns the one `Action` of this pass. An `Action` with `retry`
  means: nothing more this pass (outcome `retry`). What follows a failed call is `core.followup`;
  which job is tracked and what moved is `core.tracking`; which changes are events, `core.events`.
- `decide_name_conflict(resource, owner_uid=...)` is the follow-up when Create answered
  ResourceInUse: adopt our own job (or the legacy operator's job for this resource), refuse a
  foreign one.
Pure: no I/O, no clock. The executor (engine.reconcile) performs the action and records the outcome.
"""

from __future__ import annotations

import enum
from dataclasses import dataclass, field

from reconciler.core.delta import Delta
from reconciler.core.model import LEGACY_FINALIZER, TERMINAL_JOB_STATUSES, HyperparameterTuningJob
from reconciler.core.naming import job_name_for
from reconciler.core.reasons import StalledReason


class ActionKind(enum.Enum):
    NOTHING = "nothing"  # no call, no write
    STALL = "stall"  # record Stalled/<reason>; no SageMaker call
    CREATE = "create"  # add the finalizer, CreateHyperParameterTuningJob
    ADOPT = "adopt"  # the job under our name is ours (a crash lost the status write): track it
    REFRESH = "refresh"  # status, counters, best job, children from SageMaker
    REFUSE_UPDATE = "refuse-update"  # REFRESH, plus Stalled/SpecUpdateRefused
    STOP = "stop"  # being deleted while running: StopHyperParameterTuningJob
    AWAIT_STOP = "await-stop"  # being deleted, SageMaker is stopping: refresh status only
    FINALIZE = "finalize"  # delete children, remove the finalizer
    LOOK_UP_OWNER = "look-up-owner"  # create said the name is taken: describe it, read its uid tag


@dataclass(frozen=True)
class Refusal:
    """Why a resource cannot proceed without a human: a Stalled reason and what to do about it."""

    reason: StalledReason
    message: str


@dataclass(frozen=True)
class JobState:
    """The parts of DescribeHyperParameterTuningJob that decisions depend on."""

    status: str
    arn: str


@dataclass(frozen=True)
class Observation:
    """What the reconciler learned about a resource before deciding.

    `problems`: spec problems (schema, semantics, translation); `policy`: a policy refusal;
    `looked_up`: whether SageMaker was asked; `job`: what it said (None = no such job);
    `delta`: desired vs observed, when both were available; `owner_uid`: the job's
    `hpo-reconciler/uid` tag, read when a job must be proven ours (deletion with no recorded ARN).
    """

    problems: tuple[str, ...] = ()
    policy: Refusal | None = None
    looked_up: bool = False
    job: JobState | None = None
    delta: Delta | None = None
    owner_uid: str | None = None


@dataclass(frozen=True)
class Action:
    """`retry`: do nothing more this pass; the next pass decides again (outcome `retry`)."""

    kind: ActionKind
    why: str
    refusal: Refusal | None = None
    delta: Delta = field(default_factory=Delta)
    retry: bool = False


def needs_job_lookup(resource: HyperparameterTuningJob) -> bool:
    """Whether this pass must describe the SageMaker job before it can decide."""
    if resource.deleting:
        return resource.has_our_finalizer
    if not resource.job_known:
        return False
    return not _settled(resource)


def wants_spec(resource: HyperparameterTuningJob, *, recorded_stall: str | None) -> bool:
    """Whether this pass translates and checks the spec (and compares it with the job).

    Once per generation: both sides are immutable in between (a spec change bumps the generation;
    SageMaker never changes a job's configuration), so a known job whose generation was already
    observed needs neither the translation and checks (~1-2 ms of CPU) nor the comparison (~3 ms)
    again, unless the spec was refused (it is checked again until the refusal is lifted). A new
    resource always needs it (to create), a resource being deleted never does.
    """
    if resource.deleting:
        return False
    if not resource.job_known:
        return True
    if not needs_job_lookup(resource):
        return False
    refused = recorded_stall in (StalledReason.SPEC_UPDATE_REFUSED, StalledReason.INVALID_SPEC)
    return refused or resource.status.observed_generation != resource.metadata.generation


def needs_policy_check(resource: HyperparameterTuningJob, *, spec_read: bool, problems: bool) -> bool:
    """Whether the policies (role ARNs, custom endpoint) are checked: only before a job is created,
    for a spec that was read and is valid. A job that exists is not stopped by a later policy."""
    return spec_read and not problems and not resource.job_known


def needs_owner_lookup(resource: HyperparameterTuningJob, *, job_found: bool) -> bool:
    """Whether deciding needs the job's `hpo-reconciler/uid` tag (see `_owned`)."""
    return (
        resource.deleting
        and resource.has_our_finalizer
        and job_found
        and not resource.status.hyper_parameter_tuning_job_arn
    )


def _settled(resource: HyperparameterTuningJob) -> bool:
    """Terminal in SageMaker and this generation already compared: nothing can have changed remotely.

    Unless the recorded counters still show training jobs in progress: SageMaker's counters are
    still moving, or a child could not be mirrored (the pass then keeps the previous counters) and
    must be retried.
    """
    status = resource.status
    counters = status.training_job_status_counters
    return (
        status.hyper_parameter_tuning_job_status in TERMINAL_JOB_STATUSES
        and status.observed_generation == resource.metadata.generation
        and (counters is None or not counters.in_progress)
    )


def decide(resource: HyperparameterTuningJob, observation: Observation) -> Action:
    """The action of this pass for `resource`."""
    if resource.deleting:
        return _decide_deletion(resource, observation)
    if not resource.job_known:
        if observation.problems:
            return Action(ActionKind.STALL, "the spec is invalid", refusal=invalid_spec(observation.problems))
        if observation.policy is not None:
            return Action(ActionKind.STALL, "a policy refuses the spec", refusal=observation.policy)
        return Action(ActionKind.CREATE, "no SageMaker job yet")
    if not observation.looked_up:
        return Action(ActionKind.NOTHING, "terminal and in sync; generation already observed")
    if observation.job is None:
        return Action(
            ActionKind.STALL,
            "the recorded SageMaker job no longer exists",
            refusal=Refusal(
                StalledReason.JOB_NOT_FOUND,
                f"SageMaker has no tuning job {resource.status.sage_maker_hyper_parameter_tuning_job_name!r} "
                "any more; delete this resource and create it again to start a new job",
            ),
        )
    if observation.problems:
        return Action(
            ActionKind.REFUSE_UPDATE,
            "the spec became invalid after the job was created",
            refusal=invalid_spec(observation.problems),
        )
    if observation.delta:
        running = observation.job.status not in TERMINAL_JOB_STATUSES
        return Action(
            ActionKind.REFUSE_UPDATE,
            f"the spec differs from the {'running' if running else observation.job.status} job",
            refusal=spec_update_refused(observation.delta, job_status=observation.job.status),
            delta=observation.delta,
        )
    return Action(ActionKind.REFRESH, f"job is {observation.job.status}")


def _decide_deletion(resource: HyperparameterTuningJob, observation: Observation) -> Action:
    if not resource.has_our_finalizer:
        return Action(ActionKind.NOTHING, "being deleted; no finalizer of ours")
    job = observation.job
    if job is None:
        return Action(ActionKind.FINALIZE, "being deleted; no SageMaker job to stop")
    if not _owned(resource, job, owner_uid=observation.owner_uid):
        return Action(ActionKind.FINALIZE, "being deleted; the job under this name is not ours")
    if resource.retain_on_delete:
        return Action(ActionKind.FINALIZE, "being deleted; deletion-policy retain leaves the job alone")
    if job.status == "InProgress":
        return Action(ActionKind.STOP, "being deleted while the job runs")
    if job.status == "Stopping":
        return Action(ActionKind.AWAIT_STOP, "being deleted; SageMaker is stopping the job")
    return Action(ActionKind.FINALIZE, f"being deleted; job is {job.status}")


def _owned(resource: HyperparameterTuningJob, job: JobState, *, owner_uid: str | None) -> bool:
    """Whether the job found under our name is ours, so that deleting the resource may stop it.

    The recorded ARN settles it. Without one (a crash or transient error lost the status write
    after create, or the name was taken by someone else) only the job's uid tag can: the same proof
    the create path demands before adopting. The Stalled reason is no proof, since a later refusal
    (e.g. InvalidSpec) replaces JobNameInUse.
    """
    recorded = resource.status.hyper_parameter_tuning_job_arn
    if recorded:
        return recorded == job.arn
    if owner_uid is None:
        return legacy_claim(resource)
    return owner_uid == resource.metadata.uid


def legacy_claim(resource: HyperparameterTuningJob) -> bool:
    """Whether the legacy operator created the job under this resource's name for this resource.

    Its jobs carry no uid tag of ours; the proof is the legacy finalizer together with a status
    that recorded exactly the name this resource computes (the legacy operator derived names the
    same way). A user who sets spec.hyperParameterTuningJobName to someone else's job computes that
    name too: the legacy finalizer, which only the legacy operator adds, tells the two apart.
    """
    recorded = resource.status.sage_maker_hyper_parameter_tuning_job_name
    if LEGACY_FINALIZER not in resource.metadata.finalizers or not recorded:
        return False
    meta = resource.metadata
    try:
        computed = job_name_for(resource_name=meta.name, uid=meta.uid, requested=resource.requested_job_name)
    except ValueError:
        return False
    return recorded == computed


def decide_name_conflict(resource: HyperparameterTuningJob, *, owner_uid: str | None) -> Action:
    """Create said the name is taken: adopt the job if its uid tag is ours (or, untagged, if the
    legacy operator created it for this resource: `legacy_claim`), else refuse."""
    if owner_uid == resource.metadata.uid:
        return Action(ActionKind.ADOPT, "the job under this name carries this resource's uid tag")
    if owner_uid is None and legacy_claim(resource):
        return Action(
            ActionKind.ADOPT, "the legacy operator created the job under this name for this resource"
        )
    owner = f"resource uid {owner_uid}" if owner_uid else "something outside this reconciler"
    return Action(
        ActionKind.STALL,
        "the job name is taken",
        refusal=Refusal(
            StalledReason.JOB_NAME_IN_USE,
            "a SageMaker tuning job with this name already exists and belongs to "
            f"{owner}; set spec.hyperParameterTuningJobName to an unused name "
            "(or omit it to get a name derived from this resource's uid)",
        ),
    )


def invalid_spec(problems: tuple[str, ...]) -> Refusal:
    shown = "; ".join(problems[:5])
    more = f" (and {len(problems) - 5} more)" if len(problems) > 5 else ""
    return Refusal(
        StalledReason.INVALID_SPEC, f"the spec is invalid: {shown}{more}; fix the spec and apply it again"
    )


def spec_update_refused(delta: Delta, *, job_status: str | None = None) -> Refusal:
    changed = ", ".join(f"spec.{p}" for p in delta.paths[:10])
    more = f" (and {len(delta.paths) - 10} more)" if len(delta.paths) > 10 else ""
    if job_status in TERMINAL_JOB_STATUSES:
        # The job has ended: nothing will run with the new spec unless a new job is started.
        return Refusal(
            StalledReason.SPEC_UPDATE_REFUSED,
            f"the SageMaker tuning job already ended ({job_status}) and a job cannot be changed; changed "
            f"after creation: {changed}{more}. To run the edited spec, delete the resource and apply it "
            "again (or apply it under a new metadata.name); to keep this job's record, revert these fields",
        )
    return Refusal(
        StalledReason.SPEC_UPDATE_REFUSED,
        f"SageMaker cannot update a running tuning job; changed after creation: {changed}{more}. "
        "Revert these fields to keep tracking the job, or delete the resource (or use a new "
        "metadata.name) to start a new job",
    )
