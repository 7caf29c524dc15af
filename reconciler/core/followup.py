"""What to do when SageMaker answers an action's call with an error: the rules after the call.

Contract:
- `Answer` is how a call was answered, as far as deciding cares: `REJECTED` (the request is
  invalid: ValidationException), `QUOTA_TOO_LOW` (ResourceLimitExceeded by more than the whole
  quota: create -> STALL/QuotaTooLow with `detail`, SageMaker's text and what to do),
  `NAME_IN_USE` (ResourceInUse), `NOT_FOUND` (ResourceNotFound).
  The engine maps the gateway's error classes to it; the gateways map the wire to those classes.
- `after_failed_call(resource, action, answer, detail=...)` is the next action, or None when no rule gives
  that answer a meaning (the error is then unexpected and reported as such): create rejected ->
  STALL/RejectedBySageMaker (the user must fix the spec; `detail` is SageMaker's text); create answered
  name-in-use -> LOOK_UP_OWNER; create answered limit-exceeded (the account's concurrent tuning-job quota) ->
  WAIT (Reconciling, retried with backoff: it heals by itself); stop answered not-found -> FINALIZE (the job
  is gone: nothing left to stop); stop rejected -> the same STOP with `retry` (the job ended between Describe
  and Stop; the next pass describes it again and releases the resource).
- `after_name_in_use(resource, job=..., ownership=..., job_name=..., delta=..., recheck=...)` decides once the
  taken name was looked up: no job visible yet -> CREATE with `retry` (SageMaker is eventually consistent, or
  the job vanished meanwhile: transient, never a reason to stall), or, for the heartbeat re-check of a
  JobNameInUse resource, CREATE now (the name is free); otherwise `decide_name_conflict` (adopt the job if it
  is this resource's, refuse it otherwise), and an adopted job that differs from the spec (`delta`: the spec
  changed between our create and this adoption) -> REFUSE_UPDATE.
Pure: no I/O.
"""

from __future__ import annotations

import enum
from dataclasses import replace

from reconciler.core.decide import (
    Action,
    ActionKind,
    JobState,
    Refusal,
    Wait,
    decide_name_conflict,
    spec_update_refused,
)
from reconciler.core.delta import Delta
from reconciler.core.model import HyperparameterTuningJob
from reconciler.core.ownership import Ownership
from reconciler.core.reasons import StalledReason
from reconciler.core.waiting import JOB_LIMIT_MESSAGE, WAITING_FOR_JOB_LIMIT


class Answer(enum.Enum):
    REJECTED = "rejected"
    QUOTA_TOO_LOW = "quota-too-low"
    NAME_IN_USE = "name-in-use"
    NOT_FOUND = "not-found"
    LIMIT_EXCEEDED = "limit-exceeded"


def after_failed_call(
    resource: HyperparameterTuningJob, action: Action, answer: Answer, *, detail: str
) -> Action | None:
    """The action that follows `action`'s call answered `answer`; see the module contract."""
    if action.kind is ActionKind.CREATE:
        if answer is Answer.REJECTED:
            return Action(
                ActionKind.STALL,
                "SageMaker rejected the create request",
                refusal=Refusal(
                    StalledReason.REJECTED_BY_SAGEMAKER,
                    f"SageMaker rejected the tuning job: {detail}; fix the spec and apply it again",
                ),
            )
        if answer is Answer.QUOTA_TOO_LOW:
            # Not a spec error and not transient: `detail` (core.limits.quota_message) says what to
            # do. Until a job exists every pass tries the create again, so a raised quota heals it.
            return Action(
                ActionKind.STALL,
                "the account's quota is smaller than the job needs",
                refusal=Refusal(StalledReason.QUOTA_TOO_LOW, detail),
            )
        if answer is Answer.NAME_IN_USE:
            return Action(ActionKind.LOOK_UP_OWNER, "the job name is taken; its uid tag says whose job it is")
        if answer is Answer.LIMIT_EXCEEDED:
            return Action(
                ActionKind.WAIT,
                "the account's concurrent tuning-job limit is reached",
                wait=Wait(WAITING_FOR_JOB_LIMIT, JOB_LIMIT_MESSAGE),
            )
    if action.kind is ActionKind.STOP:
        if answer is Answer.NOT_FOUND:
            return Action(ActionKind.FINALIZE, "being deleted; the job is gone")
        if answer is Answer.REJECTED:
            return replace(action, retry=True)
    return None


def after_name_in_use(
    resource: HyperparameterTuningJob,
    *,
    job: JobState | None,
    ownership: Ownership | None,
    job_name: str,
    delta: Delta,
    recheck: bool = False,
) -> Action:
    """Create said the name is taken (or a JobNameInUse resource re-checks the name: `recheck`) and
    the name was looked up; see the module contract."""
    if job is None or ownership is None:
        if recheck:
            return Action(ActionKind.CREATE, "the job name is free now")
        return Action(
            ActionKind.CREATE, "the job name is taken but no job is visible yet; next pass", retry=True
        )
    action = decide_name_conflict(resource, job_name=job_name, found=ownership)
    if action.kind is ActionKind.ADOPT and delta:
        return Action(
            ActionKind.REFUSE_UPDATE,
            f"{action.why}; the spec changed since",
            spec_update_refused(delta),
            delta,
        )
    return action
