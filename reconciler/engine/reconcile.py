"""One HyperparameterTuningJob: observe -> decide -> act -> record (DESIGN 3.4).

Contract:
- `reconcile(obj, ctx)` reconciles one resource (the dict a list returned) and returns a `Result`
  (outcome, action, why, job name, message). It never raises for anything one resource can cause:
  transient errors give `Outcome.RETRY` (left for the next pass, never Stalled), unexpected errors
  `Outcome.FAILED`. Only `CredentialsError` propagates (no SageMaker call can work in this process).
- Level-triggered and idempotent: every step is repeatable; the status is written last, so a crash
  anywhere is repaired by the next pass. The finalizer is added before CreateHyperParameterTuningJob;
  a create answered ResourceInUse adopts the job if its `hpo-reconciler/uid` tag is ours.
- A recorded job is tracked by its recorded name, the region of its ARN and the endpoint it was
  created through (annotation `created-with-endpoint`); a spec naming others is SpecUpdateRefused.
  Deleting a resource with no recorded ARN stops the job under its name only when the job's uid
  tag is the resource's uid.
- Conflicts (409) re-read the resource and start over (at most `_CONFLICT_ATTEMPTS` times).
- With `ctx.dry_run` it only reads (Kubernetes GETs, SageMaker Describe) and returns the plan.
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

from reconciler.awsmodel import API_DEFAULTS, training_job_spec_from_description
from reconciler.core.decide import (
    Action,
    ActionKind,
    JobState,
    Observation,
    Refusal,
    decide,
    decide_name_conflict,
    needs_job_lookup,
    needs_owner_lookup,
    spec_update_refused,
)
from reconciler.core.delta import Delta, job_delta
from reconciler.core.model import (
    ALLOWED_ROLE_ARNS_ANNOTATION,
    API_VERSION,
    CHILD_LABEL,
    ENDPOINT_ANNOTATION,
    FINALIZER,
    LEGACY_FINALIZER,
    TAG_UID,
    TRAINING_JOB_KIND,
    TUNING_JOB_KIND,
    HyperparameterTuningJob,
    TrainingJob,
)
from reconciler.core.naming import job_name_for
from reconciler.core.outcomes import Outcome, Result
from reconciler.core.policy import endpoint_refusal, parse_patterns, role_refusal
from reconciler.core.settings import Settings
from reconciler.core.status import (
    Verdict,
    deleting_verdict,
    is_running,
    needs_write,
    pending_verdict,
    rfc3339,
    stalled_verdict,
    status_patch,
    training_job_status,
    training_jobs_changed,
    tuning_job_status,
    verdict_for_job,
)
from reconciler.gateways import kube, sagemaker
from reconciler.spec.desired import desired_request

log = logging.getLogger(__name__)

_CONFLICT_ATTEMPTS = 3


class NamespacePolicies:
    """Per-pass cache of the allowed-role-arns annotation of each namespace (one GET per namespace)."""

    def __init__(self, gateway: kube.KubeGateway) -> None:
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

    kube: kube.KubeGateway
    sagemaker: sagemaker.SageMakerGateway
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
                if ctx.dry_run:
                    break
                try:
                    obj = ctx.kube.get_tuning_job(namespace, name)
                except kube.NotFoundError:
                    return Result(namespace, name, Outcome.UNCHANGED, "nothing", "the resource is gone")
        return _unfinished(obj, Outcome.RETRY, why="the resource kept changing (409); next pass")
    except sagemaker.CredentialsError:
        raise
    except (kube.TransientError, sagemaker.TransientError) as exc:
        return _unfinished(obj, Outcome.RETRY, why="transient error; next pass", message=str(exc))
    except kube.NotFoundError as exc:
        # Deleted between the list and a write to it (no finalizer yet, or just finalized elsewhere):
        # nothing is left to reconcile. Any other 404 is unexpected.
        if _gone(ctx, namespace, name):
            return Result(namespace, name, Outcome.UNCHANGED, "nothing", "the resource is gone")
        return _unfinished(
            obj, Outcome.FAILED, why="unexpected error", message=f"{type(exc).__name__}: {exc}"
        )
    except Exception as exc:
        log.debug("unexpected error reconciling %s/%s", namespace, name, exc_info=True)
        return _unfinished(
            obj, Outcome.FAILED, why="unexpected error", message=f"{type(exc).__name__}: {exc}"
        )


def _unfinished(obj: Mapping[str, Any], outcome: Outcome, *, why: str, message: str | None = None) -> Result:
    """The result of a pass cut short: the resource keeps the Stalled reason its status records,
    so that the summary's `stalled=` and `--fail-on-error` still count it."""
    metadata = obj.get("metadata") or {}
    namespace, name = str(metadata.get("namespace", "")), str(metadata.get("name", ""))
    return Result(namespace, name, outcome, why=why, message=message, stalled_reason=_recorded_stall(obj))


def _recorded_stall(obj: Mapping[str, Any]) -> str | None:
    """The reason of a True Stalled condition in `obj`'s status, read tolerantly (any shape)."""
    status = obj.get("status")
    conditions = status.get("conditions") if isinstance(status, Mapping) else None
    for condition in conditions if isinstance(conditions, list) else []:
        if not isinstance(condition, Mapping) or condition.get("type") != "Stalled":
            continue
        return (
            str(condition["reason"])
            if condition.get("status") == "True" and condition.get("reason")
            else None
        )
    return None


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
    stalled = resource.status.condition("Stalled")
    return Result(
        resource.metadata.namespace,
        resource.metadata.name,
        Outcome.PLANNED if dry_run else Outcome.UNCHANGED,
        action.kind.value,
        action.why,
        resource.status.sage_maker_hyper_parameter_tuning_job_name,
        stalled_reason=stalled.reason if stalled is not None and stalled.status == "True" else None,
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
        recorded = self.resource.status.sage_maker_hyper_parameter_tuning_job_name
        computed = job_name_for(
            resource_name=meta.name, uid=meta.uid, requested=self.resource.requested_job_name
        )
        # Once a job is recorded it is the one we track, whatever the spec says now: its name,
        # region and endpoint. A spec that names others asks for a new job: a refused update.
        self.job_name = recorded if self.resource.job_known and recorded else computed
        self.moved: set[str] = set()
        if self.resource.job_known and recorded and recorded != computed:
            self.moved.add("hyperParameterTuningJobName")
        self.region, self.endpoint = self._locate()
        self.description: dict[str, Any] | None = None
        # False once a child TrainingJob write was refused this pass (see sync_child).
        self.children_mirrored = True
        stalled = self.resource.status.condition("Stalled")
        # What the Stalled condition says after this pass (record() updates it): --fail-on-error reads it.
        self.stalled_reason = stalled.reason if stalled is not None and stalled.status == "True" else None

    def _locate(self) -> tuple[str | None, str | None]:
        """The region and endpoint of the calls about this resource's job (see __init__)."""
        resource, settings = self.resource, self.ctx.settings
        spec_region, spec_endpoint = resource.region, resource.endpoint
        if not resource.job_known:
            region = spec_region or settings.default_region
            return region, spec_endpoint if settings.allow_custom_endpoints else None
        job_region = resource.job_region
        if job_region and spec_region and spec_region != job_region:
            self.moved.add("region")
        created_with = resource.creation_endpoint
        if created_with is not None and (spec_endpoint or "") != created_with:
            self.moved.add("sageMakerEndpoint")
        endpoint = spec_endpoint if created_with is None else created_with or None
        return (
            job_region or spec_region or settings.default_region,
            endpoint if settings.allow_custom_endpoints else None,
        )

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
        )

    # -- observe + decide ------------------------------------------------------------------------

    def run(self) -> Result:
        resource = self.resource
        looked_up = needs_job_lookup(resource)
        # The spec is checked and compared with the job once per generation: both sides are
        # immutable in between (a spec change bumps the generation; SageMaker never changes a job's
        # configuration), so a known job whose generation was already observed in sync needs neither
        # the translation and checks (~1-2 ms of CPU) nor the comparison (~3 ms) again.
        compared = resource.job_known and resource.status.observed_generation == resource.metadata.generation
        refused = self.stalled_reason in {"SpecUpdateRefused", "InvalidSpec"}
        wants_spec = not resource.deleting and (
            not resource.job_known or (looked_up and (refused or not compared))
        )
        desired = desired_request(resource, job_name=self.job_name) if wants_spec else None
        problems = desired.problems if desired else ()
        policy: Refusal | None = None
        if desired is not None and not problems and not resource.job_known:
            policy = self._policy()
        if looked_up:
            self.description = self.ctx.sagemaker.describe_tuning_job(
                self.job_name, region=self.region, endpoint=self.endpoint
            )
        delta = None
        if desired is not None and desired.request is not None and self.description is not None:
            delta = job_delta(desired.request, self.description, defaults=API_DEFAULTS)
            if self.moved:
                delta = Delta(paths=tuple(sorted({*delta.paths, *self.moved})))
        job = None
        if self.description is not None:
            job = JobState(
                status=str(self.description.get("HyperParameterTuningJobStatus", "")),
                arn=str(self.description.get("HyperParameterTuningJobArn", "")),
            )
        owner_uid = None
        if job is not None and needs_owner_lookup(resource, job_found=True):
            # No ARN recorded: only the uid tag proves the job is ours before deleting stops it.
            tags = self.ctx.sagemaker.list_tags(job.arn, region=self.region, endpoint=self.endpoint)
            owner_uid = tags.get(TAG_UID)
        action = decide(resource, Observation(problems, policy, looked_up, job, delta, owner_uid))
        if self.ctx.dry_run:
            return self.result(
                Outcome.PLANNED, action, message=action.refusal.message if action.refusal else None
            )
        request = desired.request if desired is not None else None
        return self.act(action, request)

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

    def act(self, action: Action, request: dict[str, Any] | None) -> Result:
        kind = action.kind
        if kind is ActionKind.NOTHING:
            return self.result(Outcome.UNCHANGED, action)
        if kind is ActionKind.STALL:
            assert action.refusal is not None
            before = self.stalled_reason
            self.record(
                stalled_verdict(action.refusal), keep_job_name=action.refusal.reason == "JobNameInUse"
            )
            if before != action.refusal.reason:  # events on transitions only
                self.event("Warning", action.refusal.reason, action.refusal.message)
            return self.result(Outcome.STALLED, action, message=action.refusal.message)
        if kind is ActionKind.CREATE:
            assert request is not None
            return self.create(action, request)
        if kind in (ActionKind.REFRESH, ActionKind.REFUSE_UPDATE):
            return self.refresh(action)
        if kind is ActionKind.STOP:
            return self.stop(action)
        if kind is ActionKind.AWAIT_STOP:
            wrote = self.record(deleting_verdict(f"waiting for SageMaker to stop tuning job {self.job_name}"))
            return self.result(Outcome.STOPPING, action, message=None if wrote else "still stopping")
        if kind is ActionKind.FINALIZE:
            return self.finalize(action)
        raise AssertionError(f"unhandled action {kind}")

    def create(self, action: Action, request: dict[str, Any]) -> Result:
        self.ensure_finalizer()
        try:
            arn = self.ctx.sagemaker.create_tuning_job(request, region=self.region, endpoint=self.endpoint)
        except sagemaker.ResourceInUseError:
            return self.resolve_name_conflict(request)
        except sagemaker.RejectedError as exc:
            refusal = Refusal(
                "RejectedBySageMaker",
                f"SageMaker rejected the tuning job: {exc}; fix the spec and apply it again",
            )
            rejected = Action(ActionKind.STALL, "SageMaker rejected the create request", refusal=refusal)
            self.record(stalled_verdict(refusal))
            self.event("Warning", "RejectedBySageMaker", refusal.message)
            return self.result(Outcome.STALLED, rejected, message=refusal.message)
        self.record(pending_verdict(self.job_name), arn=arn)
        self.event("Normal", "Created", f"Created SageMaker tuning job {self.job_name}")
        return self.result(Outcome.CREATED, action)

    def resolve_name_conflict(self, request: dict[str, Any]) -> Result:
        description = self.ctx.sagemaker.describe_tuning_job(
            self.job_name, region=self.region, endpoint=self.endpoint
        )
        if description is None:
            # The name is taken but no job is visible yet (SageMaker is eventually consistent, or
            # the job vanished in between): transient, never a reason to stall (DESIGN 3.4).
            waiting = Action(ActionKind.CREATE, "the job name is taken but no job is visible yet; next pass")
            return self.result(Outcome.RETRY, waiting, message="CreateHyperParameterTuningJob: ResourceInUse")
        tags = self.ctx.sagemaker.list_tags(
            str(description["HyperParameterTuningJobArn"]), region=self.region, endpoint=self.endpoint
        )
        owner = tags.get(TAG_UID)
        action = decide_name_conflict(self.resource, owner_uid=owner)
        if action.kind is ActionKind.ADOPT:
            self.description = description
            delta = job_delta(request, description, defaults=API_DEFAULTS)
            if delta:  # the spec changed between our create and this adoption
                refusal = spec_update_refused(delta)
                adopted = Action(
                    ActionKind.REFUSE_UPDATE, "adopted a job that differs from the spec", refusal, delta
                )
                self.event("Normal", "Adopted", f"Adopted existing SageMaker tuning job {self.job_name}")
                return self.refresh(adopted)
            self.sync_children()
            status = str(description.get("HyperParameterTuningJobStatus", ""))
            self.record(
                verdict_for_job(
                    status, job_name=self.job_name, failure_reason=description.get("FailureReason")
                )
            )
            self.event(
                "Normal",
                "Adopted",
                f"Adopted existing SageMaker tuning job {self.job_name} ({action.why})",
            )
            return self.result(Outcome.ADOPTED, action)
        assert action.refusal is not None
        if self.record(stalled_verdict(action.refusal), keep_job_name=True):
            self.event("Warning", "JobNameInUse", action.refusal.message)
        return self.result(Outcome.STALLED, action, message=action.refusal.message)

    def refresh(self, action: Action) -> Result:
        description = self.description
        assert description is not None
        self.sync_children()
        job_status = str(description.get("HyperParameterTuningJobStatus", ""))
        if action.refusal is not None:
            verdict = stalled_verdict(action.refusal)
        else:
            verdict = verdict_for_job(
                job_status, job_name=self.job_name, failure_reason=description.get("FailureReason")
            )
        before_status = self.resource.status.hyper_parameter_tuning_job_status
        before_stalled = self.resource.status.condition("Stalled")
        wrote = self.record(verdict)
        if action.refusal is not None and (
            before_stalled is None or before_stalled.reason != action.refusal.reason
        ):
            self.event("Warning", action.refusal.reason, action.refusal.message)
        if wrote and before_status != job_status:
            self.event("Normal", "StatusChanged", f"SageMaker tuning job {self.job_name} is {job_status}")
        if action.refusal is not None:
            return self.result(Outcome.STALLED, action, message=action.refusal.message)
        return self.result(Outcome.UPDATED if wrote else Outcome.UNCHANGED, action)

    def stop(self, action: Action) -> Result:
        try:
            self.ctx.sagemaker.stop_tuning_job(self.job_name, region=self.region, endpoint=self.endpoint)
        except sagemaker.ResourceNotFoundError:
            return self.finalize(Action(ActionKind.FINALIZE, "being deleted; the job is gone"))
        except sagemaker.RejectedError as exc:
            # The job ended between Describe and Stop: SageMaker refuses to stop a finished job.
            # Nothing is lost: the next pass describes it again and releases the resource.
            return self.result(Outcome.RETRY, action, message=f"StopHyperParameterTuningJob: {exc}")
        self.record(
            deleting_verdict(
                f"stopping SageMaker tuning job {self.job_name} because the resource is being deleted"
            ),
            job_status="Stopping",
        )
        self.event("Normal", "Stopping", f"Stopping SageMaker tuning job {self.job_name} (resource deleted)")
        return self.result(Outcome.STOPPING, action)

    def finalize(self, action: Action) -> Result:
        for child in self.ctx.kube.list_training_jobs(self.namespace, selector=f"{CHILD_LABEL}={self.name}"):
            self.ctx.kube.delete_training_job(self.namespace, str(child["metadata"]["name"]))
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
        """Our finalizer, and the endpoint the create goes to, recorded before the create (one write).

        The endpoint is not part of the job's ARN; `creation_endpoint` reads it back on later passes.
        """
        resource = self.resource
        if resource.has_our_finalizer and resource.creation_endpoint in (None, self.endpoint or ""):
            return
        finalizers = list(resource.metadata.finalizers)
        if not resource.has_our_finalizer:
            finalizers.append(FINALIZER)
        annotations: dict[str, str | None] | None = None
        if self.endpoint:
            annotations = {ENDPOINT_ANNOTATION: self.endpoint}
        elif ENDPOINT_ANNOTATION in resource.metadata.annotations:
            annotations = {ENDPOINT_ANNOTATION: None}  # merge patch: null removes it
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
        self,
        verdict: Verdict,
        *,
        arn: str | None = None,
        job_status: str | None = None,
        keep_job_name: bool = True,
    ) -> bool:
        """Write the status if it changed (or the heartbeat is due); True when written."""
        old = self.resource.status
        new = tuning_job_status(
            old,
            verdict=verdict,
            generation=self.resource.metadata.generation,
            now=self.now,
            job_name=self.job_name if (keep_job_name or self.resource.job_known or arn) else None,
            description=self.description,
            job_status=job_status,
            arn=arn,
            children_mirrored=self.children_mirrored,
        )
        self.stalled_reason = verdict.reason if verdict.stalled else None
        running = is_running(new.hyper_parameter_tuning_job_status)
        if not needs_write(
            old, new, now=self.now, heartbeat_seconds=self.ctx.settings.heartbeat_seconds, running=running
        ):
            return False
        patch = status_patch(_status_dict(self.obj), new.to_api())
        try:
            self.ctx.kube.patch_tuning_job_status(self.namespace, self.name, patch)
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

    def sync_children(self) -> None:
        """Mirror SageMaker's training jobs as TrainingJob children, when the tuning job changed."""
        description = self.description
        assert description is not None
        # Children change only when SageMaker's counters, status or best job do.
        changed = training_jobs_changed(self.resource.status, description)
        if not changed:
            return
        summaries = self.ctx.sagemaker.list_training_jobs(
            self.job_name, region=self.region, endpoint=self.endpoint
        )
        existing = {
            str(child["metadata"]["name"]): TrainingJob.parse(child)
            for child in self.ctx.kube.list_training_jobs(
                self.namespace, selector=f"{CHILD_LABEL}={self.name}"
            )
        }
        for summary in summaries:
            self.sync_child(summary, existing.get(str(summary["TrainingJobName"]).lower()))

    def sync_child(self, summary: Mapping[str, Any], child: TrainingJob | None) -> None:
        sm_name = str(summary["TrainingJobName"])
        if child is not None and child.status.training_job_status == summary.get("TrainingJobStatus"):
            return
        described = self.ctx.sagemaker.describe_training_job(
            sm_name, region=self.region, endpoint=self.endpoint
        )
        region = self.region or self.ctx.sagemaker.region_of(self.region, self.endpoint)
        child_name = sm_name.lower()
        generation = 1
        try:
            if child is None:
                created = self.ctx.kube.create_training_job(
                    self.namespace, self.child_body(child_name, described, region)
                )
                generation = int((created.get("metadata") or {}).get("generation") or 1)
                previous = TrainingJob.parse(created).status
            else:
                generation = child.metadata.generation
                previous = child.status
        except kube.ConflictError:  # created by an earlier, interrupted pass
            existing = TrainingJob.parse(self.ctx.kube.get_training_job(self.namespace, child_name))
            generation, previous = existing.metadata.generation, existing.status
        except kube.InvalidError as exc:
            # The parent keeps its previous counters, so the next pass lists the children again.
            self.children_mirrored = False
            self.event("Warning", "ChildRejected", f"TrainingJob {child_name} was refused: {exc}")
            return
        status = training_job_status(
            previous,
            description=described,
            summary=summary,
            region=region,
            generation=generation,
            now=self.now,
        )
        # A child found by an interrupted pass may already say all of this.
        if not needs_write(previous, status, now=self.now, heartbeat_seconds=0, running=False):
            return
        try:
            self.ctx.kube.patch_training_job_status(
                self.namespace, child_name, status_patch(previous.to_api(), status.to_api())
            )
        except kube.InvalidError as exc:
            self.children_mirrored = False
            self.event(
                "Warning", "ChildRejected", f"The status of TrainingJob {child_name} was refused: {exc}"
            )

    def child_body(self, child_name: str, described: Mapping[str, Any], region: str) -> dict[str, Any]:
        meta = self.resource.metadata
        return {
            "apiVersion": API_VERSION,
            "kind": TRAINING_JOB_KIND,
            "metadata": {
                "name": child_name,
                "namespace": self.namespace,
                "labels": {CHILD_LABEL: self.name},
                "ownerReferences": [
                    {
                        "apiVersion": API_VERSION,
                        "kind": TUNING_JOB_KIND,
                        "name": meta.name,
                        "uid": meta.uid,
                        "controller": True,
                        "blockOwnerDeletion": True,
                    }
                ],
            },
            "spec": training_job_spec_from_description(described, region=region),
        }


def _status_dict(obj: Mapping[str, Any]) -> dict[str, Any]:
    status = obj.get("status")
    return dict(status) if isinstance(status, Mapping) else {}
