"""The Argo CD and Flux examples (issue 6) as objects: the sync hook and the Job-after-apply are valid
Jobs that run the very pod the CronJob runs (only `--namespace` added), with the hook annotations
Argo CD needs; the Application and Flux objects name each other consistently.
"""

from __future__ import annotations

import copy

import kubernetes_validate
import pytest

from tests.deploy.deploy_helpers import CRONJOB, Manifest, kustomize, load_all, one, pod_spec
from tests.deploy.deploy_pss import restricted_violations

ARGO_HOOK = CRONJOB / "argocd" / "sync-hook-job.yaml"
FLUX_JOB = CRONJOB / "flux" / "reconcile-pass-job.yaml"


def load_one(path: object) -> Manifest:
    (manifest,) = load_all(CRONJOB.joinpath(str(path)).read_text())
    return manifest


@pytest.fixture(scope="module")
def cronjob_pod() -> Manifest:
    return pod_spec(one(kustomize(CRONJOB), "CronJob"))


@pytest.mark.parametrize("path", [ARGO_HOOK, FLUX_JOB], ids=["argocd-hook", "flux-after-apply"])
def test_pass_job_runs_the_cronjob_pod_for_one_namespace(path: object, cronjob_pod: Manifest) -> None:
    job = load_one(path)
    kubernetes_validate.validate(job, "1.32", strict=True)
    pod = pod_spec(job)
    assert restricted_violations(pod) == []
    args = pod["containers"][0]["args"]
    assert args[-2:] == ["--namespace", "ml-team"]
    comparable = copy.deepcopy(pod)
    comparable["containers"][0]["args"] = args[:-2]
    assert comparable == cronjob_pod
    # Same namespace and ServiceAccount as the installed reconciler, so the same RBAC and Lease apply.
    assert job["metadata"]["namespace"] == "hpo-reconciler"
    assert 0 < job["spec"]["activeDeadlineSeconds"] <= 300


def test_argocd_hook_annotations() -> None:
    annotations = load_one(ARGO_HOOK)["metadata"]["annotations"]
    assert annotations["argocd.argoproj.io/hook"] == "Sync"
    assert annotations["argocd.argoproj.io/hook-delete-policy"] == "BeforeHookCreation"
    # BeforeHookCreation replaces by name: a generateName hook would pile up instead.
    assert "name" in load_one(ARGO_HOOK)["metadata"]
    # A later sync wave would first wait for the tuning jobs to be Healthy, which needs this pass.
    assert "argocd.argoproj.io/sync-wave" not in annotations


def test_flux_job_is_recreated_and_collected() -> None:
    job = load_one(FLUX_JOB)
    assert job["metadata"]["annotations"]["kustomize.toolkit.fluxcd.io/force"] == "enabled"
    assert 0 < job["spec"]["ttlSecondsAfterFinished"] <= 600


def test_argocd_application_targets_the_jobs_namespace() -> None:
    app = load_one("argocd/application.yaml")
    assert app["kind"] == "Application" and app["apiVersion"] == "argoproj.io/v1alpha1"
    assert app["spec"]["destination"]["namespace"] == "ml-team"
    assert "ServerSideApply=true" in app["spec"]["syncPolicy"]["syncOptions"]


def test_flux_kustomization_uses_the_git_repository() -> None:
    source = load_one("flux/gitrepository.yaml")
    kustomization = load_one("flux/tuning-jobs.yaml")
    assert kustomization["spec"]["sourceRef"] == {"kind": "GitRepository", "name": source["metadata"]["name"]}
    assert kustomization["metadata"]["namespace"] == source["metadata"]["namespace"]
