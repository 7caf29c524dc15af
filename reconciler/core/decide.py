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
- `needs_owner_lookup(resource, job_found=..., job_name=...)` says whether the job's uid tag must be
  read before deciding: for every job found, unless `core.ownership.needs_tags` says the recorded
  ARN and the UID-derived name already prove it. A job that is not this resource's is never tracked,
  described into the status, mirrored or stopped: a known job that is not -> STALL/JobNameInUse with
  `disown` (the status forgets it); being deleted -> FINALIZE without a stop.
- Before a create, warm-start parents that are not this namespace's -> STALL/WarmStartParentNotAllowed;
  parents that do not exist yet or still run -> WAIT (Reconciling, retried with backoff).
- `decide(resource, observation)` returns the one `Action` of this pass. An `Action` with `retry`
  means: nothing more this pass (outcome `retry`). What follows a failed call is `core.followup`;
  which job is tracked and what moved is `core.tracking`; which changes are events, `core.events`.
- `decide_name_conflict(resource, job_name=..., found=...)` is the follow-up when Create answered
  ResourceInUse: adopt the job if it is this resource's (`core.ownership`), refuse it otherwise.
Pure: no I/O, no clock. The executor (engine.reconcile) performs the action and records the outcome.
"""

from __future__ import annotations

import enum
from dataclasses import dataclass, field

from reconciler.core.delta import Delta
from reconciler.core.model import TERMINAL_JOB_STATUSES, HyperparameterTuningJob
from reconciler.core.ownership import Ownership, needs_tags, not_owned_message
from reconciler.core.reasons import StalledReason
from reconciler.core.waiting import WAITING_FOR_WARM_START_PARENT
from reconciler.core.warmstart import ParentCheck


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
    WAIT = "wait"  # Reconciling: waiting for something that heals by itself; retried with backoff


@dataclass(frozen=True)
class Refusal:
    """Why a resource cannot proceed without a human: a Stalled reason and what to do about it."""

    reason: StalledReason
    message: str


@dataclass(frozen=True)
class Wait:
    """What a resource waits for that heals by itself (core.waiting): a Reconciling reason and message."""

    reason: str
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
    `delta`: desired vs observed, when both were available; `ownership`: whose the job found is
    (`core.ownership`), None when no job was found; `warm_start`: what the warm-start parents allow,
    checked before a create.
    """

    problems: tuple[str, ...] = ()
    policy: Refusal | None = None
    looked_up: bool = False
    job: JobState | None = None
    delta: Delta | None = None
    ownership: Ownership | None = None
    warm_start: ParentCheck | None = None


@dataclass(frozen=True)
class Action:
    """`retry`: do nothing more this pass; the next pass decides again (outcome `retry`).
    `disown`: the status recorded a job this resource does not own: the status forgets it.
    `wait`: for WAIT, what is awaited."""

    kind: ActionKind
    why: str
    refusal: Refusal | None = None
    delta: Delta = field(default_factory=Delta)
    retry: bool = False
    disown: bool = False
    wait: Wait | None = None


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


def needs_owner_lookup(resource: HyperparameterTuningJob, *, job_found: bool, job_name: str) -> bool:
    """Whether deciding needs the found job's `hpo-reconciler/uid` tag (`core.ownership.needs_tags`):
    every job found is proven this resource's before it is tracked, mirrored, or stopped."""
    return job_found and needs_tags(resource, job_name=job_name)


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
        warm = observation.warm_start
        if warm is not None and warm.refusal is not None:
            return Action(
                ActionKind.STALL,
                "a warm-start parent is not this namespace's",
                refusal=Refusal(StalledReason.WARM_START_PARENT_NOT_ALLOWED, warm.refusal),
            )
        if warm is not None and warm.waiting is not None:
            return Action(
                ActionKind.WAIT,
                "waiting for warm-start parents",
                wait=Wait(WAITING_FOR_WARM_START_PARENT, warm.waiting),
            )
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
    if observation.ownership is not None and not observation.ownership.owned:
        # The status named a job this resource does not own (a status is a claim): forget it, and
        # touch nothing of it.
        name = resource.status.sage_maker_hyper_parameter_tuning_job_name or ""
        return Action(
            ActionKind.STALL,
            "the recorded job is not this resource's",
            refusal=Refusal(
                StalledReason.JOB_NAME_IN_USE,
                f"the status named SageMaker tuning job {name!r}, which is not this resource's; it was "
                "removed from the status (a status is no proof of ownership). "
                + not_owned_message(resource, observation.ownership, job_name=name),
            ),
            disown=True,
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
    if observation.ownership is None or not observation.ownership.owned:
        return Action(ActionKind.FINALIZE, "being deleted; the job under this name is not ours")
    if resource.retain_on_delete:
        return Action(ActionKind.FINALIZE, "being deleted; deletion-policy retain leaves the job alone")
    if job.status == "InProgress":
        return Action(ActionKind.STOP, "being deleted while the job runs")
    if job.status == "Stopping":
        return Action(ActionKind.AWAIT_STOP, "being deleted; SageMaker is stopping the job")
    return Action(ActionKind.FINALIZE, f"being deleted; job is {job.status}")


def decide_name_conflict(resource: HyperparameterTuningJob, *, job_name: str, found: Ownership) -> Action:
    """Create said the name is taken and the job was looked up: adopt it if it is this resource's
    (`core.ownership`), else refuse, naming nothing of whose it is."""
    if found.owned:
        return Action(ActionKind.ADOPT, found.value)
    return Action(
        ActionKind.STALL,
        "the job name is taken",
        refusal=Refusal(StalledReason.JOB_NAME_IN_USE, not_owned_message(resource, found, job_name=job_name)),
        # Whatever the status said of that job (a tenant's or the legacy operator's words) goes.
        disown=True,
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
