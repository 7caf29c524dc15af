"""The executor of one HyperparameterTuningJob: observe -> decide -> act -> record (docs/architecture.md).

Contract:
- This module decides nothing: every rule (what to observe, which job is tracked, what follows a
  failed call, which changes are events) is the core's (`core.decide`, `core.tracking`,
  `core.followup`, `core.events`); it makes the calls the rules ask for, carries out the action
  and records the status. Child TrainingJobs are `engine.children`'s. It talks to the gateways
  through the Protocols of `engine.ports`.
- `reconcile(obj, ctx)` reconciles one resource (the dict a list returned) and returns a `Result`
  (outcome, action, why, job name, message). It never raises for anything one resource can cause:
  a `gateways.errors.RetryableError` gives `Outcome.RETRY` (left for the next pass, never Stalled),
  a `FatalError` no rule gives a meaning to (and any bug) `Outcome.FAILED`. Only a `PassFatalError`
  propagates (no usable credentials: no SageMaker call can work in this process).
- Level-triggered and idempotent: every step is repeatable; the status is written last, so a crash
  anywhere is repaired by the next pass. The finalizer is added before CreateHyperParameterTuningJob;
  a create answered ResourceInUse adopts the job if its `hpo-reconciler/uid` tag is ours.
- A recorded job is tracked by its recorded name, the region of its ARN and the endpoint it was
  created through (annotation `created-with-endpoint`); a spec naming others is SpecUpdateRefused.
  The job's identity (name, region, endpoint) is written as annotations with the finalizer before
  the create, so after a lost status write the next pass tracks that job (if its uid tag proves it
  this resource's) and refuses an edit of the spec's name or region.
- Ownership (core.ownership): a job found is tracked, described into the status, mirrored or
  stopped only when proven this resource's (its uid tag; for the legacy operator's jobs, its
  finalizer and a name derived from the UID; hand-named ones with `--adopt-legacy-named-jobs`).
  A status naming another job is a claim: it is dropped (JobNameInUse), nothing of that job kept.
- Before a create, warm-start parents must carry this namespace's tag (unless
  `--allow-foreign-warm-start-parents`); parents not there yet, and the account's job limit, are
  awaited (Reconciling, backoff). A Stalled resource makes no call, write or event until its
  generation changes or the heartbeat passes (core.waiting); then a read-only re-check.
- Conflicts (409) re-read the resource and start over (at most `_CONFLICT_ATTEMPTS` times).
- With `ctx.dry_run` it only reads (Kubernetes GETs, SageMaker Describe and ListTags) and returns
  the plan before acting.
- Writes happen only when something changed (status compared without lastCheckTime; a running
  job's status is rewritten when its lastCheckTime is older than the heartbeat). Events are emitted
  on transitions only.
"""

from __future__ import annotations

import datetime as dt
import logging
import threading
from collections.abc import Callable, Mapping
from dataclasses import dataclass, field
from typing import Any

from reconciler.awsmodel import API_DEFAULTS
from reconciler.core.decide import (
    Action,
    ActionKind,
    JobState,
    Observation,
    Refusal,
    decide,
    invalid_spec,
    needs_job_lookup,
    needs_owner_lookup,
    needs_policy_check,
    wants_spec,
)
from reconciler.core.delta import Delta, job_delta
from reconciler.core.events import stall_warning_due, status_changed_due
from reconciler.core.followup import Answer, after_failed_call, after_name_in_use
from reconciler.core.model import (
    ALLOWED_ROLE_ARNS_ANNOTATION,
    API_VERSION,
    ENDPOINT_ANNOTATION,
    FINALIZER,
    JOB_NAME_ANNOTATION,
    LEGACY_FINALIZER,
    REGION_ANNOTATION,
    TAG_NAMESPACE,
    TAG_UID,
    TUNING_JOB_KIND,
    HyperparameterTuningJob,
)
from reconciler.core.naming import is_valid_job_name, operator_job_name
from reconciler.core.outcomes import Outcome, Result
from reconciler.core.ownership import Ownership, ownership
from reconciler.core.policy import endpoint_refusal, parse_patterns, role_refusal
from reconciler.core.reasons import StalledReason, recorded_stall
from reconciler.core.settings import Settings
from reconciler.core.status import (
    Verdict,
    deleting_verdict,
    is_running,
    needs_write,
    pending_verdict,
    retrying_create_verdict,
    rfc3339,
    stalled_verdict,
    status_patch,
    tuning_job_status,
    verdict_for_job,
    waiting_verdict,
    without_job,
)
from reconciler.core.tags import tag_changes
from reconciler.core.tracking import records_job_name, track, with_moved
from reconciler.core.waiting import retry_due, stalled_quiet
from reconciler.core.warmstart import ParentCheck, ParentSeen, check_parents, parent_names
from reconciler.engine.children import Parent, delete_children, mirror_children
from reconciler.engine.ports import KubePort, SageMakerPort
from reconciler.gateways import kube, sagemaker
from reconciler.gateways.errors import PassFatalError, RetryableError
from reconciler.spec.desired import desired_request

log = logging.getLogger(__name__)

_CONFLICT_ATTEMPTS = 3


class NamespacePolicies:
    """Per-pass cache of the allowed-role-arns annotation of each namespace (one GET per namespace)."""

    def __init__(self, gateway: KubePort) -> None:
        self._gateway = gateway
        self._cache: dict[str, list[str] | None] = {}
        self._lock = threading.Lock()

    def allowed_role_patterns(self, namespace: str) -> list[str] | None:
        # Held while fetching so that concurrent workers cost one GET, not one each.
        with self._lock:
            if namespace not in self._cache:
                try:
                    metadata = self._gateway.get_namespace(namespace).get("metadata") or {}
                except kube.NotFoundError:
                    metadata = {}
                annotations = metadata.get("annotations") or {}
                self._cache[namespace] = parse_patterns(annotations.get(ALLOWED_ROLE_ARNS_ANNOTATION))
            return self._cache[namespace]


@dataclass
class Context:
    """Everything one resource's reconciliation needs from the pass."""

    kube: KubePort
    sagemaker: SageMakerPort
    settings: Settings
    namespaces: NamespacePolicies
    clock: Callable[[], dt.datetime] = field(default=lambda: dt.datetime.now(dt.UTC))

    @property
    def dry_run(self) -> bool:
        return self.settings.dry_run


def reconcile(obj: Mapping[str, Any], ctx: Context) -> Result:
    """Reconcile one resource; see the module contract."""
    metadata = obj.get("metadata") or {}
    namespace, name = str(metadata.get("namespace", "")), str(metadata.get("name", ""))
    try:
        for _ in range(_CONFLICT_ATTEMPTS):
            try:
                return _Reconciler(obj, ctx).run()
            except kube.ConflictError:
                # Only writes are answered 409, and a dry run writes nothing (it returns its plan
                # before acting), so this is never reached with --dry-run; were a read answered 409,
                # reading again would still be all a dry run does.
                try:
                    obj = ctx.kube.get_tuning_job(namespace, name)
                except kube.NotFoundError:
                    return Result(namespace, name, Outcome.UNCHANGED, "nothing", "the resource is gone")
        return _unfinished(obj, Outcome.RETRY, why="the resource kept changing (409); next pass")
    except PassFatalError:
        raise
    except RetryableError as exc:
        return _unfinished(obj, Outcome.RETRY, why="transient error; next pass", message=str(exc))
    except kube.NotFoundError as exc:
        # Deleted between the list and a write to it (no finalizer yet, or just finalized elsewhere):
        # nothing is left to reconcile. Any other 404 is unexpected.
        if _gone(ctx, namespace, name):
            return Result(namespace, name, Outcome.UNCHANGED, "nothing", "the resource is gone")
        return _unfinished(
            obj, Outcome.FAILED, why="unexpected error", message=f"{type(exc).__name__}: {exc}"
        )
    except Exception as exc:  # FatalError, and bugs: this resource fails, the pass goes on
        log.debug("unexpected error reconciling %s/%s", namespace, name, exc_info=True)
        return _unfinished(
            obj, Outcome.FAILED, why="unexpected error", message=f"{type(exc).__name__}: {exc}"
        )


def _unfinished(obj: Mapping[str, Any], outcome: Outcome, *, why: str, message: str | None = None) -> Result:
    """The result of a pass cut short: the resource keeps the Stalled reason its status records,
    so that the summary's `stalled=` and `--fail-on-error` still count it."""
    metadata = obj.get("metadata") or {}
    namespace, name = str(metadata.get("namespace", "")), str(metadata.get("name", ""))
    return Result(
        namespace,
        name,
        outcome,
        why=why,
        message=message,
        stalled_reason=recorded_stall(obj.get("status")),
        status=_status_dict(obj),
    )


def _gone(ctx: Context, namespace: str, name: str) -> bool:
    try:
        ctx.kube.get_tuning_job(namespace, name)
    except kube.NotFoundError:
        return True
    except kube.KubeError:
        return False
    return False


def settled_result(obj: Mapping[str, Any], *, dry_run: bool) -> Result | None:
    """The result of a resource this pass need not touch at all (its job is known and terminal and its
    generation observed), decided without any call; None when the resource needs `reconcile`.

    The pass uses it to keep such resources off the thread pool: handing a resource to a worker
    costs more than deciding it, and in a steady-state cluster almost every resource is settled.
    """
    try:
        resource = HyperparameterTuningJob.parse(obj)
    except ValueError:
        return None
    if resource.deleting or not resource.job_known or needs_job_lookup(resource):
        return None
    action = decide(resource, Observation())
    if action.kind is not ActionKind.NOTHING:
        return None
    return Result(
        resource.metadata.namespace,
        resource.metadata.name,
        Outcome.PLANNED if dry_run else Outcome.UNCHANGED,
        action.kind.value,
        action.why,
        resource.status.sage_maker_hyper_parameter_tuning_job_name,
        stalled_reason=recorded_stall(obj.get("status")),
        status=_status_dict(obj),
    )


class _Reconciler:
    """One attempt at one resource. Holds what was observed so the act and record steps can use it."""

    def __init__(self, obj: Mapping[str, Any], ctx: Context) -> None:
        self.obj = obj
        self.ctx = ctx
        self.now = ctx.clock()
        self.resource = HyperparameterTuningJob.parse(obj)
        meta = self.resource.metadata
        self.namespace, self.name = meta.namespace, meta.name
        self.tracking = track(
            self.resource,
            default_region=ctx.settings.default_region,
            allow_custom_endpoints=ctx.settings.allow_custom_endpoints,
        )
        self.job_name = self.tracking.job_name
        self.region, self.endpoint = self.tracking.region, self.tracking.endpoint
        self.description: dict[str, Any] | None = None
        # Whether the status names the job (tracking.records_job_name): only a job this resource owns.
        self.created_or_adopted = False
        self.disowned = False
        # False once a child TrainingJob write was refused this pass (see engine.children).
        self.children_mirrored = True
        # What the Stalled condition says after this pass (record() updates it): --fail-on-error reads it.
        self.stalled_reason = recorded_stall(obj.get("status"))
        # What the status is after this pass (record() updates it): the pass's metrics read it.
        self.status_after: Mapping[str, Any] = _status_dict(obj)
        # A Stalled resource looked at again because the heartbeat passed (core.waiting): its status
        # is rewritten (lastCheckTime) even when nothing else changed, so the next quiet period starts.
        self.recheck = False

    def _untrack_claim(self) -> None:
        """The identity annotations named a job this resource does not own: track the spec's."""
        self.tracking = track(
            self.resource,
            default_region=self.ctx.settings.default_region,
            allow_custom_endpoints=self.ctx.settings.allow_custom_endpoints,
            use_claim=False,
        )
        self.job_name = self.tracking.job_name
        self.region, self.endpoint = self.tracking.region, self.tracking.endpoint

    def result(self, outcome: Outcome, action: Action, *, message: str | None = None) -> Result:
        return Result(
            self.namespace,
            self.name,
            outcome,
            action.kind.value,
            action.why,
            self.job_name,
            message,
            action.refusal.reason if action.refusal else self.stalled_reason,
            status=self.status_after,
        )

    # -- observe + decide ------------------------------------------------------------------------

    def run(self) -> Result:
        resource, settings = self.resource, self.ctx.settings
        if stalled_quiet(resource, now=self.now, heartbeat_seconds=settings.heartbeat_seconds):
            quiet = Action(
                ActionKind.NOTHING, f"Stalled ({self.stalled_reason}); nothing changed since the last check"
            )
            return self.result(Outcome.PLANNED if self.ctx.dry_run else Outcome.UNCHANGED, quiet)
        if not resource.deleting and not retry_due(
            resource,
            now=self.now,
            base_seconds=settings.retry_backoff_seconds,
            cap_seconds=max(settings.heartbeat_seconds, settings.retry_backoff_seconds),
        ):
            waiting = Action(ActionKind.NOTHING, "waiting; the next try is not due yet (backoff)")
            return self.result(Outcome.PLANNED if self.ctx.dry_run else Outcome.UNCHANGED, waiting)
        # Past the quiet gate with the generation already observed: the heartbeat re-check.
        stalled = resource.status.condition("Stalled")
        self.recheck = (
            stalled is not None
            and stalled.status == "True"
            and not resource.deleting
            and resource.status.observed_generation == resource.metadata.generation
        )
        desired = (
            desired_request(resource, job_name=self.job_name)
            if wants_spec(resource, recorded_stall=self.stalled_reason)
            else None
        )
        if self.tracking.claimed and not resource.deleting and desired is not None:
            claimed = self._claimed_job(desired.request, desired.problems)
            if claimed is not None:
                return claimed
            desired = desired_request(resource, job_name=self.job_name)
        legacy = self._legacy_operator_job(desired.request if desired is not None else None)
        if legacy is not None:
            return legacy
        looked_up = needs_job_lookup(resource)
        problems = desired.problems if desired else ()
        policy: Refusal | None = None
        if needs_policy_check(resource, spec_read=desired is not None, problems=bool(problems)):
            policy = self._policy()
        if (
            self.stalled_reason == StalledReason.JOB_NAME_IN_USE
            and not resource.job_known
            and not resource.deleting
            and desired is not None
            and desired.request is not None
            and not problems
            and policy is None
        ):
            # The heartbeat re-check of a name taken by a job that is not this resource's: read-only
            # (Describe, ListTags), never a create that SageMaker would answer ResourceInUse again.
            return self.look_up_owner(desired.request, recheck=True)
        if looked_up:
            self.description = self.ctx.sagemaker.describe_tuning_job(
                self.job_name, region=self.region, endpoint=self.endpoint
            )
        delta = None
        if desired is not None and desired.request is not None and self.description is not None:
            delta = with_moved(
                job_delta(desired.request, self.description, defaults=API_DEFAULTS), self.tracking.moved
            )
        job = _job_state(self.description)
        found = self._ownership(job) if job is not None else None
        warm = None
        if desired is not None and not problems and policy is None and not resource.job_known:
            warm = self._warm_start()
        action = decide(resource, Observation(problems, policy, looked_up, job, delta, found, warm))
        if self.ctx.dry_run:
            return self.result(
                Outcome.PLANNED, action, message=action.refusal.message if action.refusal else None
            )
        request = desired.request if desired is not None else None
        return self.act(action, request)

    def _ownership(self, job: JobState) -> Ownership:
        """Whose the job found under the tracked name is (core.ownership): its uid tag is read unless
        the recorded ARN and the UID-derived name already prove it."""
        tags_read = needs_owner_lookup(self.resource, job_found=True, job_name=self.job_name)
        owner_uid = None
        if tags_read:
            tags = self.ctx.sagemaker.list_tags(job.arn, region=self.region, endpoint=self.endpoint)
            owner_uid = tags.get(TAG_UID)
        return ownership(
            self.resource,
            job_name=self.job_name,
            owner_uid=owner_uid,
            tags_read=tags_read,
            arn_matches=job.arn == (self.resource.status.hyper_parameter_tuning_job_arn or ""),
            adopt_legacy_named_jobs=self.ctx.settings.adopt_legacy_named_jobs,
        )

    def _warm_start(self) -> ParentCheck:
        """What SageMaker says of each warm-start parent (Describe; ListTags unless foreign parents
        are allowed anyway), judged by core.warmstart."""
        allow_foreign = self.ctx.settings.allow_foreign_warm_start_parents
        seen = []
        for name in parent_names(self.resource.spec):
            described = self.ctx.sagemaker.describe_tuning_job(
                name, region=self.region, endpoint=self.endpoint
            )
            parent = _job_state(described)
            if parent is None:
                seen.append(ParentSeen(name, None))
                continue
            tag = None
            if not allow_foreign:
                tags = self.ctx.sagemaker.list_tags(parent.arn, region=self.region, endpoint=self.endpoint)
                tag = tags.get(TAG_NAMESPACE)
            seen.append(ParentSeen(name, parent.status, tag))
        return check_parents(self.namespace, seen, allow_foreign=allow_foreign)

    def _legacy_operator_job(self, request: dict[str, Any] | None) -> Result | None:
        """A resource of the legacy operator that records no job name (its status was lost, its spec
        re-applied without the name the operator wrote into it): the operator's later releases named
        its job by their own rule (`naming.operator_job_name`), not by the one this resource tracks.
        Look that name up once before creating anything; a job found there is adopted only on the
        proofs of core.ownership."""
        resource = self.resource
        if (
            request is None
            or resource.job_known
            or resource.deleting
            or LEGACY_FINALIZER not in resource.metadata.finalizers
            or resource.requested_job_name
            or resource.status.sage_maker_hyper_parameter_tuning_job_name
        ):
            return None
        meta = resource.metadata
        name = operator_job_name(resource_name=meta.name, uid=meta.uid)
        if name == self.job_name or not is_valid_job_name(name):
            return None
        if self.ctx.sagemaker.describe_tuning_job(name, region=self.region, endpoint=self.endpoint) is None:
            return None
        self.job_name = name
        request = {**request, "HyperParameterTuningJobName": name}
        return self.look_up_owner(request)

    def _claimed_job(self, request: dict[str, Any] | None, problems: tuple[str, ...]) -> Result | None:
        """The identity annotations name a job other than the spec's (a status write was lost, the
        spec edited since): track that job if its uid tag proves it this resource's, refusing the
        edit; else they are a claim of nothing: track the spec's job (None)."""
        description = self.ctx.sagemaker.describe_tuning_job(
            self.job_name, region=self.region, endpoint=self.endpoint
        )
        job = _job_state(description)
        if job is not None:
            tags = self.ctx.sagemaker.list_tags(job.arn, region=self.region, endpoint=self.endpoint)
            found = ownership(
                self.resource,
                job_name=self.job_name,
                owner_uid=tags.get(TAG_UID),
                tags_read=True,
                arn_matches=True,
                adopt_legacy_named_jobs=False,
            )
            if found is Ownership.TAGGED and description is not None:
                compared = job_delta(request, description, defaults=API_DEFAULTS) if request else Delta()
                delta = with_moved(compared, self.tracking.moved)
                action = after_name_in_use(
                    self.resource, job=job, ownership=found, job_name=self.job_name, delta=delta
                )
                if problems:  # the edit also broke the spec: still this job, refused as invalid
                    action = Action(ActionKind.REFUSE_UPDATE, action.why, invalid_spec(problems), delta)
                if self.ctx.dry_run:
                    message = action.refusal.message if action.refusal else None
                    return self.result(Outcome.PLANNED, action, message=message)
                self.description = description
                self.created_or_adopted = True
                return self.refresh(action, adopted=True)
        self._untrack_claim()
        return None

    def _policy(self) -> Refusal | None:
        refusal = endpoint_refusal(
            self.resource.endpoint, allow_custom_endpoints=self.ctx.settings.allow_custom_endpoints
        )
        if refusal is not None:
            return refusal
        return role_refusal(
            self.resource.role_arns,
            namespace_patterns=self.ctx.namespaces.allowed_role_patterns(self.namespace),
            process_patterns=self.ctx.settings.allowed_role_arns,
        )

    # -- act + record ----------------------------------------------------------------------------

    def act(self, action: Action, request: dict[str, Any] | None, *, message: str | None = None) -> Result:
        """Carry out `action`; `message` is what a `retry` result reports."""
        kind = action.kind
        if action.retry:
            return self.result(Outcome.RETRY, action, message=message)
        if kind is ActionKind.NOTHING:
            return self.result(Outcome.UNCHANGED, action)
        if kind is ActionKind.STALL:
            assert action.refusal is not None
            before = self.stalled_reason
            self.disowned = self.disowned or action.disown
            self.record(stalled_verdict(action.refusal), force=self.recheck)
            if stall_warning_due(before, action.refusal.reason):
                self.event("Warning", action.refusal.reason, action.refusal.message)
            return self.result(Outcome.STALLED, action, message=action.refusal.message)
        if kind is ActionKind.CREATE:
            assert request is not None
            return self.create(action, request)
        if kind is ActionKind.WAIT:
            assert action.wait is not None
            # Written even when only lastCheckTime changes: the backoff counts from it (core.waiting).
            self.record(waiting_verdict(action.wait.reason, action.wait.message), force=True)
            return self.result(Outcome.RETRY, action, message=action.wait.message)
        if kind is ActionKind.LOOK_UP_OWNER:
            assert request is not None
            return self.look_up_owner(request)
        if kind in (ActionKind.REFRESH, ActionKind.REFUSE_UPDATE):
            if request is not None:
                self.sync_tags(request)
            return self.refresh(action)
        if kind is ActionKind.STOP:
            return self.stop(action)
        if kind is ActionKind.AWAIT_STOP:
            wrote = self.record(deleting_verdict(f"waiting for SageMaker to stop tuning job {self.job_name}"))
            return self.result(Outcome.STOPPING, action, message=None if wrote else "still stopping")
        if kind is ActionKind.FINALIZE:
            return self.finalize(action)
        raise AssertionError(f"unhandled action {kind}")

    def after(
        self, action: Action, exc: sagemaker.SageMakerError, request: dict[str, Any] | None = None
    ) -> Result:
        """`action`'s SageMaker call failed with `exc`: carry out what the core says follows, or
        re-raise `exc` when no rule gives it a meaning."""
        answer = _ANSWERS.get(type(exc))
        follow = after_failed_call(self.resource, action, answer, detail=str(exc)) if answer else None
        if follow is None:
            raise exc
        return self.act(follow, request, message=f"{exc.operation}: {exc}")

    def create(self, action: Action, request: dict[str, Any]) -> Result:
        self.ensure_finalizer()
        try:
            arn = self.ctx.sagemaker.create_tuning_job(request, region=self.region, endpoint=self.endpoint)
        except (sagemaker.ResourceInUseError, sagemaker.RejectedError, sagemaker.LimitExceededError) as exc:
            return self.after(action, exc, request)
        except RetryableError as exc:
            if self.stalled_reason is not None:  # this pass found the refusal gone: say so
                self.record(
                    retrying_create_verdict(self.job_name, cleared=self.stalled_reason, error=str(exc))
                )
            raise
        self.created_or_adopted = True
        self.record(pending_verdict(self.job_name), arn=arn)
        self.event("Normal", "Created", f"Created SageMaker tuning job {self.job_name}")
        return self.result(Outcome.CREATED, action)

    def look_up_owner(self, request: dict[str, Any], *, recheck: bool = False) -> Result:
        """Whose the job under the tracked name is, after Create said the name is taken (or, `recheck`,
        when a JobNameInUse resource looks again at the heartbeat)."""
        description = self.ctx.sagemaker.describe_tuning_job(
            self.job_name, region=self.region, endpoint=self.endpoint
        )
        job = _job_state(description)
        found = None
        delta = Delta()
        if description is not None and job is not None:
            owner = self.ctx.sagemaker.list_tags(job.arn, region=self.region, endpoint=self.endpoint).get(
                TAG_UID
            )
            found = ownership(
                self.resource,
                job_name=self.job_name,
                owner_uid=owner,
                tags_read=True,
                arn_matches=True,
                adopt_legacy_named_jobs=self.ctx.settings.adopt_legacy_named_jobs,
            )
            # The contents of a job are compared only once it is known to be this resource's.
            if found.owned:
                delta = job_delta(request, description, defaults=API_DEFAULTS)
        action = after_name_in_use(
            self.resource, job=job, ownership=found, job_name=self.job_name, delta=delta, recheck=recheck
        )
        if self.ctx.dry_run:
            return self.result(
                Outcome.PLANNED, action, message=action.refusal.message if action.refusal else None
            )
        if action.retry:
            return self.act(action, request, message="CreateHyperParameterTuningJob: ResourceInUse")
        if action.kind in (ActionKind.STALL, ActionKind.CREATE):
            return self.act(action, request)
        # ADOPT, or REFUSE_UPDATE: adopted, but the spec changed between our create and this adoption.
        self.description = description
        self.created_or_adopted = True
        return self.refresh(action, adopted=True)

    def sync_tags(self, request: Mapping[str, Any]) -> None:
        """Apply the spec's tag edits to the job: the one change SageMaker allows on a tuning job.

        Only when the spec changed since it was last observed (a tag edit is a new generation), so a
        steady pass costs no ListTags. `core.tags` never adds or removes the reconciler's own tags.
        """
        resource = self.resource
        job = _job_state(self.description)
        if job is None or resource.status.observed_generation == resource.metadata.generation:
            return
        current = self.ctx.sagemaker.list_tags(job.arn, region=self.region, endpoint=self.endpoint)
        changes = tag_changes(request.get("Tags"), [{"Key": k, "Value": v} for k, v in current.items()])
        if not changes:
            return
        if changes.add:
            self.ctx.sagemaker.add_tags(
                job.arn, dict(changes.add), region=self.region, endpoint=self.endpoint
            )
        if changes.remove:
            self.ctx.sagemaker.delete_tags(
                job.arn, list(changes.remove), region=self.region, endpoint=self.endpoint
            )
        self.event(
            "Normal",
            "TagsUpdated",
            f"Updated the tags of SageMaker tuning job {self.job_name}: {changes.describe()}",
        )

    def refresh(self, action: Action, *, adopted: bool = False) -> Result:
        """Mirror the job (status, children) as described; `adopted`: the job was just adopted."""
        description = self.description
        assert description is not None
        self.mirror_children()
        job_status = str(description.get("HyperParameterTuningJobStatus", ""))
        if action.refusal is not None:
            verdict = stalled_verdict(action.refusal)
        else:
            verdict = verdict_for_job(
                job_status, job_name=self.job_name, failure_reason=description.get("FailureReason")
            )
        before_status = self.resource.status.hyper_parameter_tuning_job_status
        before_stalled = self.stalled_reason
        wrote = self.record(verdict)
        if adopted:
            self.event(
                "Normal", "Adopted", f"Adopted existing SageMaker tuning job {self.job_name} ({action.why})"
            )
        if action.refusal is not None and stall_warning_due(before_stalled, action.refusal.reason):
            self.event("Warning", action.refusal.reason, action.refusal.message)
        if status_changed_due(wrote=wrote, before=before_status, after=job_status, adopted=adopted):
            self.event("Normal", "StatusChanged", f"SageMaker tuning job {self.job_name} is {job_status}")
        if action.refusal is not None:
            return self.result(Outcome.STALLED, action, message=action.refusal.message)
        if adopted:
            return self.result(Outcome.ADOPTED, action)
        return self.result(Outcome.UPDATED if wrote else Outcome.UNCHANGED, action)

    def stop(self, action: Action) -> Result:
        try:
            self.ctx.sagemaker.stop_tuning_job(self.job_name, region=self.region, endpoint=self.endpoint)
        except (sagemaker.ResourceNotFoundError, sagemaker.RejectedError) as exc:
            return self.after(action, exc)
        self.record(
            deleting_verdict(
                f"stopping SageMaker tuning job {self.job_name} because the resource is being deleted"
            ),
            job_status="Stopping",
        )
        self.event("Normal", "Stopping", f"Stopping SageMaker tuning job {self.job_name} (resource deleted)")
        return self.result(Outcome.STOPPING, action)

    def finalize(self, action: Action) -> Result:
        delete_children(self.ctx.kube, self.resource.metadata)
        remaining = [f for f in self.resource.metadata.finalizers if f not in (FINALIZER, LEGACY_FINALIZER)]
        try:
            self.ctx.kube.set_finalizers(
                self.namespace, self.name, remaining, resource_version=self.resource.metadata.resource_version
            )
        except kube.NotFoundError:  # finalized elsewhere meanwhile: the event is not ours to emit
            return self.result(Outcome.DELETED, action)
        # After the patch: a 409 or transient failure of it starts the pass over, and must not
        # report the release twice.
        self.event(
            "Normal", "Deleted", f"Released SageMaker tuning job {self.job_name}; removed the finalizer"
        )
        return self.result(Outcome.DELETED, action)

    # -- helpers ---------------------------------------------------------------------------------

    def ensure_finalizer(self) -> None:
        """Our finalizer, and the identity of the job about to be created (its name, its region and the
        endpoint it goes to), recorded before the create in one write.

        A status write lost after the create then cannot lose the job: the next pass tracks the job
        these annotations name (`tracking.track`), if its uid tag proves it this resource's. The
        endpoint is not part of the job's ARN; `creation_endpoint` reads it back on later passes.
        """
        resource = self.resource
        region = self.region or self.ctx.sagemaker.region_of(self.region, self.endpoint)
        identity = (self.job_name, region or None)
        if (
            resource.has_our_finalizer
            and resource.creation_endpoint in (None, self.endpoint or "")
            and resource.claimed_job == identity
        ):
            return
        finalizers = list(resource.metadata.finalizers)
        if not resource.has_our_finalizer:
            finalizers.append(FINALIZER)
        annotations: dict[str, str | None] = {
            JOB_NAME_ANNOTATION: self.job_name,
            REGION_ANNOTATION: region or None,
        }
        if self.endpoint:
            annotations[ENDPOINT_ANNOTATION] = self.endpoint
        elif ENDPOINT_ANNOTATION in resource.metadata.annotations:
            annotations[ENDPOINT_ANNOTATION] = None  # merge patch: null removes it
        updated = self.ctx.kube.set_finalizers(
            self.namespace,
            self.name,
            finalizers,
            resource_version=resource.metadata.resource_version,
            annotations=annotations,
        )
        self.obj = updated
        self.resource = HyperparameterTuningJob.parse(updated)

    def record(
        self, verdict: Verdict, *, arn: str | None = None, job_status: str | None = None, force: bool = False
    ) -> bool:
        """Write the status if it changed (or the heartbeat is due, or `force`); True when written.

        A status that named a job this resource does not own (`disowned`) loses all of it."""
        old = self.resource.status
        names_job = records_job_name(
            known=self.resource.job_known, created_or_adopted=self.created_or_adopted, disowned=self.disowned
        )
        new = tuning_job_status(
            without_job(old) if self.disowned else old,
            verdict=verdict,
            generation=self.resource.metadata.generation,
            now=self.now,
            job_name=self.job_name if names_job else None,
            description=None if self.disowned else self.description,
            job_status=job_status,
            arn=arn,
            children_mirrored=self.children_mirrored,
        )
        self.stalled_reason = verdict.reason if verdict.stalled else None
        running = is_running(new.hyper_parameter_tuning_job_status)
        if not force and not needs_write(
            old, new, now=self.now, heartbeat_seconds=self.ctx.settings.heartbeat_seconds, running=running
        ):
            return False
        written = new.to_api()
        patch = status_patch(_status_dict(self.obj), written)
        try:
            self.ctx.kube.patch_tuning_job_status(self.namespace, self.name, patch)
            self.status_after = written
        except kube.InvalidError as exc:
            # A resource stored before the CRD had its schema can break it; an API server without
            # validation ratcheting (before Kubernetes 1.30) then refuses every write to it, the
            # status included. The verdict still reaches the user, through a Warning event.
            # The status cannot remember that this was reported, so the event's name does: the same
            # verdict on the same unchanged object is reported once, not on every pass.
            meta = self.resource.metadata
            self.event(
                "Warning",
                "StatusRejected",
                f"{verdict.message} (status not recorded: {exc})",
                dedupe_key=f"StatusRejected/{meta.uid}/{meta.resource_version}/{verdict.reason}",
            )
            return False
        return True

    def event(self, event_type: str, reason: str, message: str, *, dedupe_key: str | None = None) -> None:
        """Events are best effort: losing one must not fail the reconciliation. See
        `KubeGateway.create_event` for `dedupe_key`."""
        involved = {
            "apiVersion": API_VERSION,
            "kind": TUNING_JOB_KIND,
            "metadata": self.obj.get("metadata", {}),
        }
        try:
            self.ctx.kube.create_event(
                involved,
                event_type=event_type,
                reason=reason,
                message=message,
                now=rfc3339(self.now) or "",
                dedupe_key=dedupe_key,
            )
        except kube.KubeError as exc:
            log.warning("%s/%s: could not record event %s: %s", self.namespace, self.name, reason, exc)

    def mirror_children(self) -> None:
        assert self.description is not None
        mirrored = mirror_children(
            Parent(self.resource, self.job_name, self.region, self.endpoint),
            self.description,
            kube_port=self.ctx.kube,
            sagemaker_port=self.ctx.sagemaker,
            now=self.now,
            warn=lambda reason, message: self.event("Warning", reason, message),
            heartbeat_seconds=self.ctx.settings.heartbeat_seconds,
        )
        self.children_mirrored = self.children_mirrored and mirrored


# The gateway's answers the core has rules for (core.followup); any other error is unexpected.
_ANSWERS: dict[type[sagemaker.SageMakerError], Answer] = {
    sagemaker.RejectedError: Answer.REJECTED,
    sagemaker.QuotaTooLowError: Answer.QUOTA_TOO_LOW,
    sagemaker.ResourceInUseError: Answer.NAME_IN_USE,
    sagemaker.ResourceNotFoundError: Answer.NOT_FOUND,
    sagemaker.LimitExceededError: Answer.LIMIT_EXCEEDED,
}


def _job_state(description: Mapping[str, Any] | None) -> JobState | None:
    if description is None:
        return None
    return JobState(
        status=str(description.get("HyperParameterTuningJobStatus", "")),
        arn=str(description.get("HyperParameterTuningJobArn", "")),
    )


def _status_dict(obj: Mapping[str, Any]) -> dict[str, Any]:
    status = obj.get("status")
    return dict(status) if isinstance(status, Mapping) else {}
