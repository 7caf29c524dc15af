"""Every rendering of the reconciler's deployment applied with real `kubectl apply` to the Kubernetes API
emulator (issue 6 acceptance: "applies the rendered CRDs and CronJob objects to the sandbox Kubernetes
API"), and its RBAC judged against what a real pass of the reconciler does.

- Each kustomize rendering (base and overlays) and each Helm rendering is applied to a fresh emulator:
  every object is created and stored as rendered (`kubectl get -f`), and a second apply reports every
  object `unchanged` without any warning (kubectl computes its patches from the emulator's OpenAPI).
- The applied ClusterRole/Role rules bound to the CronJob's ServiceAccount are read back from the API and
  compared with the requests real passes made (the emulator's per-verb, per-resource counters) over a
  tuning job's life and through the recovery paths a life without faults does not take (a 409 on a
  write, a child created by a pass whose answer was lost, children an earlier version labelled by
  name only): the grants are exactly the (group, resource,
  verb) triples used, checked in both directions (every verb used is granted; every verb granted is
  used), and nothing lies beyond the documented list (docs/iam.md, RESOURCE_VERBS).
"""

from __future__ import annotations

import contextlib
import io
import json
import subprocess
import urllib.request
from collections.abc import Iterator
from pathlib import Path
from typing import Any

import pytest
import yaml

from reconciler import cli
from reconciler.sandbox.kube import KubeSandbox
from reconciler.sandbox.sagemaker import SageMakerSandbox
from tests.deploy.deploy_helpers import CRONJOB, KUBECTL, REPO, Manifest, helm_render, one, pod_spec
from tests.deploy.test_deploy_manifests import (
    LEASE_VERBS,
    NAMESPACE_VERBS,
    NAMESPACED,
    RENDERINGS,
    RESOURCE_VERBS,
    rendering,
)
from tests.e2e.e2e_world import run_kubectl

CHART_CRDS = CRONJOB / "chart" / "crds"
TUNING_CHART = REPO / "samples" / "charts" / "hyperparameter-tuning-jobs"
# The emulator's counters name verbs in capitals; RBAC names them in lower case.
RBAC_VERB = {v: v.lower() for v in ("GET", "LIST", "WATCH", "CREATE", "UPDATE", "PATCH", "DELETE")}
ALLOWED = RESOURCE_VERBS | NAMESPACE_VERBS | LEASE_VERBS


class Applier:
    """`kubectl` against one emulator, with a kubeconfig of its own."""

    def __init__(self, kube: KubeSandbox, workdir: Path) -> None:
        self.kube = kube
        self.kubeconfig = workdir / "kubeconfig"
        kube.write_kubeconfig(self.kubeconfig)

    def kubectl(
        self, *args: str, stdin: str | None = None, check: bool = True
    ) -> subprocess.CompletedProcess[str]:
        result = run_kubectl(KUBECTL, self.kubeconfig, args, stdin)
        if check and result.returncode != 0:
            raise AssertionError(f"kubectl {' '.join(args)}: {result.stderr}")
        return result

    def apply(self, manifests: list[Manifest]) -> subprocess.CompletedProcess[str]:
        return self.kubectl("apply", "-f", "-", stdin=yaml.safe_dump_all(manifests, sort_keys=False))


@pytest.fixture
def applier(tmp_path: Path) -> Iterator[Applier]:
    with KubeSandbox() as kube:
        yield Applier(kube, tmp_path)


def chart_crds() -> list[Manifest]:
    """What `helm install` applies from the chart's crds/ before its templates."""
    return [yaml.safe_load(p.read_text()) for p in sorted(CHART_CRDS.glob("*.yaml"))]


def missing_namespaces(manifests: list[Manifest]) -> list[Manifest]:
    """Namespaces the rendering's objects live in but does not create (`helm install -n NS
    --create-namespace`, or a team namespace that exists already)."""
    created = {m["metadata"]["name"] for m in manifests if m["kind"] == "Namespace"}
    used = {m["metadata"]["namespace"] for m in manifests if m["metadata"].get("namespace")}
    return [
        {"apiVersion": "v1", "kind": "Namespace", "metadata": {"name": n}}
        for n in sorted(used - created - {"default"})
    ]


def kept(rendered: Any, stored: Any) -> bool:
    """True when `stored` holds everything `rendered` says: the server may add fields (defaults, the
    last-applied annotation, a Namespace's name label) but must not drop or change one."""
    if isinstance(rendered, dict):
        return isinstance(stored, dict) and all(
            k in stored and kept(v, stored[k]) for k, v in rendered.items()
        )
    if isinstance(rendered, list):
        return (
            isinstance(stored, list)
            and len(stored) == len(rendered)
            and all(kept(r, s) for r, s in zip(rendered, stored, strict=True))
        )
    return bool(rendered == stored)


@pytest.mark.parametrize("name", sorted(RENDERINGS))
def test_every_rendering_applies_is_stored_as_rendered_and_reapplies_unchanged(
    applier: Applier, name: str
) -> None:
    manifests = rendering(name)
    prerequisites = missing_namespaces(manifests)
    if name.startswith("helm"):
        prerequisites = chart_crds() + prerequisites
    if prerequisites:
        applier.apply(prerequisites)
    first = applier.apply(manifests)
    assert first.stdout.count(" created") == len(manifests), first.stdout + first.stderr
    assert first.stderr == "", first.stderr
    kinds = {m["kind"] for m in manifests}
    assert {"ServiceAccount", "CronJob", "ClusterRole", "ClusterRoleBinding", "Role", "RoleBinding"} <= kinds

    # Every object is there, as rendered (`kubectl get -f` reads each one back by kind and name).
    path = applier.kubeconfig.parent / "rendering.yaml"
    path.write_text(yaml.safe_dump_all(manifests, sort_keys=False))
    listed = json.loads(applier.kubectl("get", "-f", str(path), "-o", "json").stdout)["items"]
    assert len(listed) == len(manifests)
    for rendered, stored in zip(manifests, listed, strict=True):
        assert (stored["kind"], stored["metadata"]["name"]) == (
            rendered["kind"],
            rendered["metadata"]["name"],
        )
        assert stored["metadata"].get("namespace") == rendered["metadata"].get("namespace")
        assert kept(rendered, stored), (rendered, stored)
    table = applier.kubectl("get", "cronjob", "-A").stdout.splitlines()
    cronjob = one(manifests, "CronJob")
    assert table[1].split()[:3] == [
        cronjob["metadata"]["namespace"],
        cronjob["metadata"]["name"],
        cronjob["spec"]["schedule"].split()[0],
    ]

    second = applier.apply(manifests)
    lines = second.stdout.splitlines()
    assert len(lines) == len(manifests) and all(line.endswith(" unchanged") for line in lines), second.stdout
    assert second.stderr == "", second.stderr  # no "error calculating patch from openapi v3 spec"


def test_a_changed_overlay_applied_over_the_base_only_configures_what_it_changes(applier: Applier) -> None:
    base = rendering("kustomize-base")
    applier.apply(base)
    image = rendering("kustomize-image")
    out = applier.apply(image)
    changed = [line for line in out.stdout.splitlines() if not line.endswith(" unchanged")]
    assert changed == ["cronjob.batch/hpo-reconciler configured"], out.stdout
    stored = json.loads(
        applier.kubectl("get", "cronjob", "hpo-reconciler", "-n", "hpo-reconciler", "-o", "json").stdout
    )
    assert pod_spec(stored) == pod_spec(one(image, "CronJob"))


# ---------------------------------------------------------------------------- RBAC against a real pass


def api_groups(kube: KubeSandbox) -> dict[str, str]:
    """resource (plural, with /status) -> API group, from the emulator's discovery documents."""

    def get(path: str) -> Any:
        with urllib.request.urlopen(kube.url + path, timeout=30) as response:
            return json.load(response)

    result = {r["name"]: "" for r in get("/api/v1")["resources"]}
    for group in get("/apis")["groups"]:
        version = group["preferredVersion"]["groupVersion"]
        result.update({r["name"]: group["name"] for r in get(f"/apis/{version}")["resources"]})
    return result


def bound_grants(applier: Applier, *, account: str, namespace: str) -> dict[tuple[str, str], set[str]]:
    """(group, resource) -> verbs granted to the ServiceAccount by the roles as the API stores them."""
    listed = json.loads(
        applier.kubectl(
            "get", "clusterroles,clusterrolebindings,roles,rolebindings", "-A", "-o", "json"
        ).stdout
    )["items"]
    roles = {(o["kind"], o["metadata"].get("namespace", ""), o["metadata"]["name"]): o for o in listed}
    subject = {"kind": "ServiceAccount", "name": account, "namespace": namespace}
    result: dict[tuple[str, str], set[str]] = {}
    for binding in (o for o in listed if o["kind"].endswith("Binding")):
        if subject not in binding.get("subjects", []):
            continue
        ref = binding["roleRef"]
        role_namespace = "" if ref["kind"] == "ClusterRole" else binding["metadata"]["namespace"]
        role = roles[(ref["kind"], role_namespace, ref["name"])]
        for rule in role["rules"]:
            for group in rule["apiGroups"]:
                for resource in rule["resources"]:
                    result.setdefault((group, resource), set()).update(rule["verbs"])
    return result


def used_pairs(stats: dict[str, int], groups: dict[str, str]) -> set[tuple[str, str, str]]:
    pairs = set()
    for key in stats:
        verb, resource = key.split(" ", 1)
        pairs.add((groups[resource], resource, RBAC_VERB[verb]))
    return pairs


class Pass:
    """Runs `hpo-reconciler run` in process against both sandboxes and keeps the Kubernetes requests
    the passes made (and only those: kubectl calls between passes are not counted)."""

    def __init__(
        self, applier: Applier, sagemaker: SageMakerSandbox, monkeypatch: pytest.MonkeyPatch
    ) -> None:
        self.applier = applier
        self.groups = api_groups(applier.kube)
        for key, value in sagemaker.env().items():
            monkeypatch.setenv(key, value)
        self.pairs: set[tuple[str, str, str]] = set()

    def __call__(self, *args: str) -> dict[str, Any]:
        kube = self.applier.kube
        kube.reset_stats()
        out = io.StringIO()
        with contextlib.redirect_stdout(out), contextlib.redirect_stderr(out):
            code = cli.run(
                ["run", *args, "--log-format", "json", "--kubeconfig", str(self.applier.kubeconfig)]
            )
        assert code == 0, out.getvalue()
        self.pairs |= used_pairs(kube.stats(), self.groups)
        summary: dict[str, Any] = json.loads(out.getvalue().strip().splitlines()[-1])
        return summary


def tuning_job(name: str, namespace: str) -> Manifest:
    values = yaml.safe_load((TUNING_CHART / "ci" / "user-guide-values.yaml").read_text())
    (job,) = helm_render(TUNING_CHART, values=values, name=name, namespace=namespace)
    return job


@pytest.mark.parametrize("name", ["kustomize-base", "kustomize-namespaced"])
def test_the_service_accounts_rules_grant_what_a_real_pass_uses_and_no_more(
    applier: Applier, name: str, monkeypatch: pytest.MonkeyPatch
) -> None:
    manifests = rendering(name)
    cronjob = one(manifests, "CronJob")
    namespace, account = cronjob["metadata"]["namespace"], pod_spec(cronjob)["serviceAccountName"]
    applier.apply(missing_namespaces(manifests) + manifests)
    job = tuning_job("rbac-probe", namespace if name in NAMESPACED else "default")
    job_namespace = job["metadata"].get("namespace") or ("default" if name not in NAMESPACED else namespace)
    applier.kubectl("apply", "-n", job_namespace, "-f", "-", stdin=yaml.safe_dump(job))

    kube = applier.kube
    with SageMakerSandbox(time_scale=1.0) as sagemaker:
        run = Pass(applier, sagemaker, monkeypatch)
        scope = ["--namespace", namespace] if name in NAMESPACED else []
        # The CronJob's own command line (it takes the Lease in its namespace) ...
        args = pod_spec(cronjob)["containers"][0]["args"]
        lease = args[args.index("--lease") + 1].replace("$(POD_NAMESPACE)", namespace)
        # (a 409 on the finalizer write: the resource is read again and the write retried)
        kube.inject_fault(verb="PATCH", resource="hyperparametertuningjobs", status=409)
        assert run("--lease", lease, *scope)["resources"] == 1
        # ... then passes without the Lease over the job's life: running with training jobs, deleted.
        sagemaker.advance(60)
        # (a child created but its answer lost: the pass reads the child it made)
        kube.inject_fault(verb="CREATE", resource="trainingjobs", status=409, when="after")
        run("--no-lease", *scope)
        # (children an earlier version labelled by name only: the pass completes their labels)
        relabel = applier.kubectl(
            "label",
            "trainingjobs",
            "-n",
            job_namespace,
            "--all",
            "sagemaker.aws.amazon.com/hyperparametertuningjob-uid-",
        )
        assert "unlabeled" in relabel.stdout, relabel.stdout
        sagemaker.advance(3600)
        run("--no-lease", *scope)
        applier.kubectl("delete", "hpo", "rbac-probe", "-n", job_namespace, "--wait=false")
        run("--no-lease", *scope)
        run("--no-lease", *scope)
    assert applier.kubectl("get", "hpo", "-n", job_namespace, "-o", "name").stdout == ""

    granted = bound_grants(applier, account=account, namespace=namespace)
    assert granted, "no role is bound to the CronJob's ServiceAccount"
    refused = sorted(p for p in run.pairs if p[2] not in granted.get((p[0], p[1]), set()))
    assert refused == [], f"the pass needs verbs its ServiceAccount is not granted: {refused}"
    unused = sorted((g, r, v) for (g, r), vs in granted.items() for v in vs if (g, r, v) not in run.pairs)
    assert unused == [], f"granted but never used by the reconciler: {unused}"
    beyond = {k: v - ALLOWED.get(k, set()) for k, v in granted.items() if v - ALLOWED.get(k, set())}
    assert beyond == {}, f"granted beyond the documented list (RESOURCE_VERBS, docs/iam.md): {beyond}"
    # The probe really exercised the reconciler's writes, not only its reads.
    assert {
        ("sagemaker.aws.amazon.com", "hyperparametertuningjobs/status", "patch"),
        ("sagemaker.aws.amazon.com", "hyperparametertuningjobs", "patch"),
        ("sagemaker.aws.amazon.com", "trainingjobs", "create"),
        ("sagemaker.aws.amazon.com", "trainingjobs", "patch"),
        ("sagemaker.aws.amazon.com", "trainingjobs", "delete"),
        ("", "events", "create"),
        ("coordination.k8s.io", "leases", "get"),
    } <= run.pairs, sorted(run.pairs)
