"""The TrainingJob children of a HyperparameterTuningJob: SageMaker's training jobs, mirrored.

Contract:
- `mirror_children(where, description, ...)` brings the children in line with SageMaker when the
  tuning job's description says something the parent's status does not know yet (counters, status,
  best job: `training_jobs_changed`); otherwise it makes no call. Each training job SageMaker lists
  gets a child named after it (lowercased), owned by the parent (controller ownerReference), with
  the labels and annotation of `core.childlabels` (listed by the parent's UID label: any name length
  works), recording the training job definition it came from (`status.trainingJobDefinitionName`,
  from the listing). Which children are described again is `core.refresh`'s rule: new ones, ones
  whose training-job status changed in the listing, and running ones once per heartbeat (SECONDARY-
  STATUS); the children are also listed at the parent's heartbeat while training jobs run, although
  the counters did not change. A child the UID list did not show (409 on create) is read: when its
  controller ownerReference is this parent (an earlier, interrupted pass; or an earlier version,
  which labelled children by name only: then its labels are completed, the migration) it is
  completed; when it is not, it is left alone with a Warning event `ChildNameTaken`. Returns False
  when the API server refused a child or its status (400/422): the parent then keeps its previous
  counters so that the next pass lists them again, and a Warning event `ChildRejected` (through
  `warn`) says which child and why.
- `delete_children(kube, parent)` deletes every child of `parent`: those with its UID label, and
  those an earlier version labelled with its name (only where the name fits a label value; only
  those whose controller ownerReference is this parent). Already gone is done.
Other errors propagate to the executor (`engine.reconcile`).
"""

from __future__ import annotations

import datetime as dt
from collections.abc import Callable, Mapping
from dataclasses import dataclass
from typing import Any

from reconciler.awsmodel import training_job_spec_from_description
from reconciler.core.childlabels import child_metadata, child_selector, is_child_of, legacy_selector, relabel
from reconciler.core.model import (
    API_VERSION,
    TRAINING_JOB_KIND,
    TUNING_JOB_KIND,
    HyperparameterTuningJob,
    ObjectMeta,
    TrainingJob,
)
from reconciler.core.refresh import RUNNING_TRAINING_STATUSES, child_needs_describe, children_refresh_due
from reconciler.core.status import needs_write, status_patch, training_job_status, training_jobs_changed
from reconciler.engine.ports import KubePort, SageMakerPort
from reconciler.gateways import kube


@dataclass(frozen=True)
class Parent:
    """The tuning job whose children are mirrored, and where its SageMaker calls go."""

    resource: HyperparameterTuningJob
    job_name: str
    region: str | None
    endpoint: str | None


def delete_children(kube_port: KubePort, parent: ObjectMeta) -> None:
    names = {
        str(child["metadata"]["name"])
        for child in kube_port.list_training_jobs(parent.namespace, selector=child_selector(parent))
    }
    legacy = legacy_selector(parent)
    if legacy is not None:
        for child in kube_port.list_training_jobs(parent.namespace, selector=legacy):
            if is_child_of(TrainingJob.parse(child).metadata, parent):
                names.add(str(child["metadata"]["name"]))
    for name in sorted(names):
        kube_port.delete_training_job(parent.namespace, name)


def mirror_children(
    parent: Parent,
    description: Mapping[str, Any],
    *,
    kube_port: KubePort,
    sagemaker_port: SageMakerPort,
    now: dt.datetime,
    warn: Callable[[str, str], None],
    heartbeat_seconds: int = 0,
) -> bool:
    """Mirror SageMaker's training jobs as TrainingJob children; see the module contract."""
    status = parent.resource.status
    if not training_jobs_changed(status, description) and not children_refresh_due(
        status, now=now, heartbeat_seconds=heartbeat_seconds
    ):
        return True
    meta = parent.resource.metadata
    summaries = sagemaker_port.list_training_jobs(
        parent.job_name, region=parent.region, endpoint=parent.endpoint
    )
    existing = {
        str(child["metadata"]["name"]): TrainingJob.parse(child)
        for child in kube_port.list_training_jobs(meta.namespace, selector=child_selector(meta))
    }
    mirrored = True
    for summary in summaries:
        child = existing.get(str(summary["TrainingJobName"]).lower())
        if not _mirror_child(
            parent,
            summary,
            child,
            kube_port,
            sagemaker_port,
            now=now,
            warn=warn,
            heartbeat_seconds=heartbeat_seconds,
        ):
            mirrored = False
    return mirrored


def _mirror_child(
    parent: Parent,
    summary: Mapping[str, Any],
    child: TrainingJob | None,
    kube_port: KubePort,
    sagemaker_port: SageMakerPort,
    *,
    now: dt.datetime,
    warn: Callable[[str, str], None],
    heartbeat_seconds: int,
) -> bool:
    sm_name = str(summary["TrainingJobName"])
    listed = summary.get("TrainingJobStatus")
    if not child_needs_describe(child, listed, now=now, heartbeat_seconds=heartbeat_seconds):
        return True
    described = sagemaker_port.describe_training_job(sm_name, region=parent.region, endpoint=parent.endpoint)
    region = parent.region or sagemaker_port.region_of(parent.region, parent.endpoint)
    namespace = parent.resource.metadata.namespace
    child_name = sm_name.lower()
    generation = 1
    try:
        if child is None:
            created = kube_port.create_training_job(
                namespace, _child_body(parent, child_name, described, region)
            )
            generation = int((created.get("metadata") or {}).get("generation") or 1)
            previous = TrainingJob.parse(created).status
        else:
            generation = child.metadata.generation
            previous = child.status
    except kube.ConflictError:  # the name is taken by a child the UID list did not show
        existing = TrainingJob.parse(kube_port.get_training_job(namespace, child_name))
        if not is_child_of(existing.metadata, parent.resource.metadata):
            warn(
                "ChildNameTaken",
                f"TrainingJob {child_name} exists and is not a child of this resource, so training job "
                f"{sm_name} is not mirrored; delete or rename that TrainingJob",
            )
            return True
        # Ours: created by an interrupted pass, or labelled by name only by an earlier version.
        patch = relabel(existing.metadata, parent.resource.metadata)
        if patch is not None:
            existing = TrainingJob.parse(
                kube_port.patch_training_job_metadata(
                    namespace, child_name, patch, resource_version=existing.metadata.resource_version
                )
            )
        generation, previous = existing.metadata.generation, existing.status
    except kube.InvalidError as exc:
        warn("ChildRejected", f"TrainingJob {child_name} was refused: {exc}")
        return False
    status = training_job_status(
        previous, description=described, summary=summary, region=region, generation=generation, now=now
    )
    # A child found by an interrupted pass may already say all of this.
    # A running child re-described at the heartbeat records that check even when nothing else
    # changed, so the next pass does not describe it again (core.refresh).
    running = status.training_job_status in RUNNING_TRAINING_STATUSES
    if not needs_write(previous, status, now=now, heartbeat_seconds=heartbeat_seconds, running=running):
        return True
    try:
        kube_port.patch_training_job_status(
            namespace, child_name, status_patch(previous.to_api(), status.to_api())
        )
    except kube.InvalidError as exc:
        warn("ChildRejected", f"The status of TrainingJob {child_name} was refused: {exc}")
        return False
    return True


def _child_body(parent: Parent, child_name: str, described: Mapping[str, Any], region: str) -> dict[str, Any]:
    meta = parent.resource.metadata
    labels, annotations = child_metadata(meta)
    return {
        "apiVersion": API_VERSION,
        "kind": TRAINING_JOB_KIND,
        "metadata": {
            "name": child_name,
            "namespace": meta.namespace,
            "labels": labels,
            "annotations": annotations,
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
