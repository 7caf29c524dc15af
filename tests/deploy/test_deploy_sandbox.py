"""The shipped manifests against a live API (issue 6 acceptance): the rendered CRDs and Namespace are
applied with real `kubectl` to the Kubernetes API emulator, the tuning-job chart's renderings are
applied on top (so the emulator's CRD schema validation judges them), then the exact command line of
the rendered CronJob runs a real pass against the emulator and the SageMaker simulator, and the
Argo CD Lua and Flux CEL health checks are evaluated on the objects as the API returns them through
create, completion, failure and deletion.

The ServiceAccount, RBAC and CronJob objects of every rendering are applied, read back and judged
against a real pass's requests in test_deploy_apply.py.
"""

from __future__ import annotations

import contextlib
import io
import json
import os
import shutil
import subprocess
import sys
from collections.abc import Iterator
from dataclasses import dataclass
from pathlib import Path
from typing import Any

import pytest
import yaml

from reconciler import cli
from reconciler.sandbox.kube import KubeSandbox
from reconciler.sandbox.sagemaker import SageMakerSandbox
from tests.deploy.deploy_helpers import (
    CRONJOB,
    KUBECTL,
    REPO,
    Manifest,
    helm_render,
    kustomize,
    one,
    pod_spec,
)

TUNING_CHART = REPO / "samples" / "charts" / "hyperparameter-tuning-jobs"
HEALTH_LUA = (CRONJOB / "argocd" / "health.lua").read_text()


@dataclass
class Cluster:
    kube: KubeSandbox
    sagemaker: SageMakerSandbox
    kubeconfig: Path
    workdir: Path

    def kubectl(self, *args: str, check: bool = True) -> subprocess.CompletedProcess[str]:
        result = subprocess.run(
            [KUBECTL, "--kubeconfig", str(self.kubeconfig), *args],
            capture_output=True, text=True, timeout=60, check=False,
        )
        if check and result.returncode != 0:
            raise AssertionError(f"kubectl {' '.join(args)}: {result.stderr}")
        return result

    def apply(self, manifests: list[Manifest], *args: str) -> str:
        path = self.workdir / "apply.yaml"
        path.write_text(yaml.safe_dump_all(manifests, sort_keys=False))
        return self.kubectl("apply", "-f", str(path), *args).stdout

    def get(self, kind: str, name: str, namespace: str) -> Manifest | None:
        result = self.kubectl("get", kind, name, "-n", namespace, "-o", "json", check=False)
        return json.loads(result.stdout) if result.returncode == 0 else None


@pytest.fixture(scope="module")
def cluster(tmp_path_factory: pytest.TempPathFactory) -> Iterator[Cluster]:
    workdir = tmp_path_factory.mktemp("sandbox")
    with KubeSandbox() as kube, SageMakerSandbox(time_scale=1.0) as sagemaker:
        kubeconfig = workdir / "kubeconfig"
        kube.write_kubeconfig(kubeconfig)
        yield Cluster(kube, sagemaker, kubeconfig, workdir)


@pytest.fixture(scope="module")
def base() -> list[Manifest]:
    return kustomize(CRONJOB)


def test_rendered_crds_and_namespace_apply_and_reapply_unchanged(
    cluster: Cluster, base: list[Manifest]
) -> None:
    served = [m for m in base if m["kind"] in {"Namespace", "CustomResourceDefinition"}]
    assert len(served) == 3
    first = cluster.apply(served)
    assert "namespace/hpo-reconciler created" in first
    assert first.count("customresourcedefinition.apiextensions.k8s.io/") == 2 and "created" in first
    # A second apply of the same rendering changes nothing: no field the server rewrites is in it.
    second = cluster.apply(served)
    assert second.count("unchanged") == 3, second
    names = cluster.kubectl("get", "crd", "-o", "name").stdout.split()
    assert sorted(names) == [
        "customresourcedefinition.apiextensions.k8s.io/hyperparametertuningjobs.sagemaker.aws.amazon.com",
        "customresourcedefinition.apiextensions.k8s.io/trainingjobs.sagemaker.aws.amazon.com",
    ]
    namespace = cluster.get("namespace", "hpo-reconciler", "default")
    assert namespace is not None
    assert namespace["metadata"]["labels"]["pod-security.kubernetes.io/enforce"] == "restricted"


def tuning_chart_objects() -> list[Manifest]:
    objects = []
    for values_file in sorted((TUNING_CHART / "ci").glob("*-values.yaml")):
        values = yaml.safe_load(values_file.read_text())
        release = values_file.stem[:40]
        (manifest,) = helm_render(TUNING_CHART, values=values, name=release, namespace="default")
        objects.append(manifest)
    return objects


def test_tuning_chart_renderings_are_accepted_by_the_api(cluster: Cluster) -> None:
    objects = tuning_chart_objects()
    out = cluster.apply(objects, "-n", "default")
    assert out.count(" created") == len(objects), out
    listed = cluster.kubectl("get", "hpo", "-n", "default", "-o", "name").stdout.split()
    assert len(listed) == len(objects)
    # The emulator applies the CRD schema: a rendering with a value the schema forbids is refused.
    broken = dict(objects[0], metadata={"name": "broken"})
    broken["spec"] = json.loads(json.dumps(objects[0]["spec"]))
    broken["spec"]["hyperParameterTuningJobConfig"]["resourceLimits"]["maxParallelTrainingJobs"] = 0
    path = cluster.workdir / "broken.yaml"
    path.write_text(yaml.safe_dump(broken))
    refused = cluster.kubectl("apply", "-n", "default", "-f", str(path), check=False)
    assert refused.returncode != 0 and "maxParallelTrainingJobs" in refused.stderr


def cronjob_command(base: list[Manifest]) -> tuple[list[str], dict[str, str]]:
    """The CronJob container's args and env, with $(VAR) expanded as the kubelet does."""
    cronjob = one(base, "CronJob")
    (container,) = pod_spec(cronjob)["containers"]
    env = {"POD_NAMESPACE": cronjob["metadata"]["namespace"]}
    args = [arg.replace("$(POD_NAMESPACE)", env["POD_NAMESPACE"]) for arg in container["args"]]
    return args, env


def run_pass(cluster: Cluster, rendering: list[Manifest], monkeypatch: pytest.MonkeyPatch) -> tuple[int, str]:
    """Run the rendering's CronJob command line in process against the sandboxes."""
    args, env = cronjob_command(rendering)
    for key, value in {**cluster.sagemaker.env(), **env}.items():
        monkeypatch.setenv(key, value)
    out = io.StringIO()
    with contextlib.redirect_stdout(out), contextlib.redirect_stderr(out):
        code = cli.run([*args, "--kubeconfig", str(cluster.kubeconfig)])
    return code, out.getvalue()


def lua_health(resource: Manifest) -> str:
    import lupa.lua51 as lua51

    runtime = lua51.LuaRuntime(unpack_returned_tuples=True)
    runtime.globals().obj = runtime.table_from(resource, recursive=True)
    return str(runtime.execute(HEALTH_LUA)["status"])


def cel_health(resource: Manifest) -> str:
    import cel

    kustomization = yaml.safe_load((CRONJOB / "flux" / "tuning-jobs.yaml").read_text())
    (check,) = [c for c in kustomization["spec"]["healthCheckExprs"] if c["kind"] == resource["kind"]]
    for field, verdict in (("inProgress", "Progressing"), ("failed", "Degraded"), ("current", "Healthy")):
        if cel.compile(check[field]).execute(dict(resource)):
            return verdict
    return "Progressing"


def health(resource: Manifest) -> str:
    lua, flux = lua_health(resource), cel_health(resource)
    assert lua == flux, (lua, flux, resource.get("status"))
    return lua


def status_of(resource: Manifest) -> dict[str, Any]:
    return dict(resource.get("status") or {})


def test_cronjob_command_runs_a_pass_and_health_follows_the_lifecycle(
    cluster: Cluster, base: list[Manifest], monkeypatch: pytest.MonkeyPatch
) -> None:
    names = {m["metadata"]["name"]: m for m in tuning_chart_objects()}
    default_name = "user-guide-values"
    submitted_name = "mnist-spot"  # the values file with healthy-when: submitted
    assert {default_name, submitted_name} <= set(names)

    code, output = run_pass(cluster, base, monkeypatch)
    assert code == 0, output
    summary = json.loads(output.strip().splitlines()[-1])
    assert summary["event"] == "summary" and summary["resources"] == len(names)

    # The pass took the Lease the lease Role names, in the CronJob's own namespace.
    lease_role = next(r for r in base if r["kind"] == "Role" and r["metadata"]["name"].endswith("-lease"))
    (lease_name,) = next(rule["resourceNames"] for rule in lease_role["rules"] if rule.get("resourceNames"))
    assert cluster.get("lease", lease_name, lease_role["metadata"]["namespace"]) is not None

    running = cluster.get("hpo", default_name, "default")
    submitted = cluster.get("hpo", submitted_name, "default")
    assert running is not None and submitted is not None
    assert status_of(running)["sageMakerHyperParameterTuningJobName"]
    assert health(running) == "Progressing"
    assert health(submitted) == "Healthy"  # healthy-when: submitted

    job_name = status_of(running)["sageMakerHyperParameterTuningJobName"]
    cluster.sagemaker.force_outcome(job_name, status="Completed")
    failed_job = status_of(submitted)["sageMakerHyperParameterTuningJobName"]
    cluster.sagemaker.force_outcome(failed_job, status="Failed", failure_reason="AlgorithmError: boom")
    code, output = run_pass(cluster, base, monkeypatch)
    assert code == 0, output
    completed = cluster.get("hpo", default_name, "default")
    failed = cluster.get("hpo", submitted_name, "default")
    assert completed is not None and failed is not None
    assert status_of(completed)["hyperParameterTuningJobStatus"] == "Completed", status_of(completed)
    assert health(completed) == "Healthy"
    assert status_of(failed)["hyperParameterTuningJobStatus"] == "Failed", status_of(failed)
    assert health(failed) == "Degraded"

    # The children the pass mirrored get the same treatment from the same scripts.
    listed = cluster.kubectl("get", "trainingjobs", "-n", "default", "-o", "json").stdout
    children = json.loads(listed)["items"]
    assert children, "the pass mirrored no TrainingJob"
    expected = {"Completed": "Healthy", "Failed": "Degraded", "Stopped": "Degraded"}
    for child in children:
        want = expected.get(status_of(child).get("trainingJobStatus", ""), "Progressing")
        assert health(child) == want, child

    # Deleting: the finalizer holds the object and the health is Progressing until the pass lets go.
    cluster.kubectl("delete", "hpo", default_name, "-n", "default", "--wait=false")
    deleting = cluster.get("hpo", default_name, "default")
    assert deleting is not None and deleting["metadata"].get("deletionTimestamp")
    assert health(deleting) == "Progressing"
    code, output = run_pass(cluster, base, monkeypatch)
    assert code == 0, output
    assert cluster.get("hpo", default_name, "default") is None


def test_namespaced_overlay_command_reconciles_only_its_namespace(
    cluster: Cluster, base: list[Manifest], monkeypatch: pytest.MonkeyPatch
) -> None:
    namespaced = kustomize(CRONJOB / "overlays" / "namespaced")
    team = one(namespaced, "CronJob")["metadata"]["namespace"]
    cluster.apply([m for m in base if m["kind"] == "CustomResourceDefinition"])
    cluster.apply([{"apiVersion": "v1", "kind": "Namespace", "metadata": {"name": team}}])
    values = yaml.safe_load((TUNING_CHART / "ci" / "user-guide-values.yaml").read_text())
    (inside,) = helm_render(TUNING_CHART, values=values, name="team-job", namespace=team)
    (outside,) = helm_render(TUNING_CHART, values=values, name="other-team-job", namespace="default")
    cluster.apply([inside], "-n", team)
    cluster.apply([outside], "-n", "default")

    code, output = run_pass(cluster, namespaced, monkeypatch)
    assert code == 0, output
    assert json.loads(output.strip().splitlines()[-1])["resources"] == 1
    reconciled = cluster.get("hpo", "team-job", team)
    untouched = cluster.get("hpo", "other-team-job", "default")
    assert reconciled is not None and untouched is not None
    assert status_of(reconciled).get("sageMakerHyperParameterTuningJobName")
    assert "status" not in untouched
    # Its Lease lives in the team namespace, where the overlay's lease Role is.
    assert cluster.get("lease", "hpo-reconciler", team) is not None


# What the container's readOnlyRootFilesystem makes read-only, as far as this process can see:
# the checkout and its .venv (the installed package), the Python installation, the system.
READ_ONLY_TREES = [p for p in ("/work", "/root", "/usr", "/etc", "/opt", "/var", "/home") if os.path.isdir(p)]


def can_unshare_mounts() -> bool:
    unshare = shutil.which("unshare")
    if unshare is None:
        return False
    probe = subprocess.run([unshare, "-m", "true"], capture_output=True, timeout=10, check=False)
    return probe.returncode == 0


@pytest.mark.skipif(not can_unshare_mounts(), reason="needs root to make a private read-only mount namespace")
def test_a_pass_writes_nothing_outside_tmp(cluster: Cluster, base: list[Manifest]) -> None:
    """The CronJob pod runs with readOnlyRootFilesystem and only /tmp writable. Here the pass runs in
    a private mount namespace where everything but /tmp (and /dev, /proc) is bind-mounted read-only:
    any write to the installed package, the Python installation or a home directory fails it."""
    values = yaml.safe_load((TUNING_CHART / "ci" / "user-guide-values.yaml").read_text())
    (job,) = helm_render(TUNING_CHART, values=values, name="read-only-root", namespace="default")
    cluster.apply([m for m in base if m["kind"] in {"Namespace", "CustomResourceDefinition"}])
    cluster.apply([job], "-n", "default")

    args, env = cronjob_command(base)
    executable = str(Path(sys.executable).parent / "hpo-reconciler")
    remounts = " && ".join(f"mount --bind {t} {t} && mount -o remount,bind,ro {t}" for t in READ_ONLY_TREES)
    script = f"{remounts} && exec \"$@\""
    command = ["unshare", "-m", "--propagation", "private", "sh", "-c", script, "sh",
               executable, *args, "--kubeconfig", str(cluster.kubeconfig)]
    environment = {
        "PATH": os.environ.get("PATH", "/usr/bin:/bin"), "HOME": "/tmp", "PYTHONDONTWRITEBYTECODE": "1",
        **cluster.sagemaker.env(), **env,
    }
    result = subprocess.run(
        command, capture_output=True, text=True, timeout=120, env=environment, check=False
    )
    assert result.returncode == 0, result.stderr + result.stdout
    summary = json.loads(result.stdout.strip().splitlines()[-1])
    assert summary["event"] == "summary" and summary["complete"] is True
    created = cluster.get("hpo", "read-only-root", "default")
    assert created is not None and status_of(created).get("sageMakerHyperParameterTuningJobName")
