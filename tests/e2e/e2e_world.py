"""Helpers of the e2e tests: the `World` (both sandbox servers, a kubeconfig, boto3 pointed at the
simulator) with methods that drive the real CLI (`reconciler.cli.run(argv)`), the real `kubernetes`
client and real `kubectl`."""

from __future__ import annotations

import contextlib
import copy
import io
import json
import shutil
import subprocess
from collections.abc import Callable, Iterator, Sequence
from dataclasses import dataclass
from pathlib import Path
from typing import Any

import pytest
import yaml
from kubernetes import client as k8s
from kubernetes import config as k8s_config

from reconciler import cli
from reconciler.sandbox.kube import KubeSandbox
from reconciler.sandbox.sagemaker import SageMakerSandbox

ROOT = Path(__file__).resolve().parents[2]
SAMPLE = ROOT / "samples" / "xgboost-mnist-hpo.yaml"
GROUP, VERSION, PLURAL = "sagemaker.aws.amazon.com", "v1", "hyperparametertuningjobs"
KUBECTL = shutil.which("kubectl")
WRITE_VERBS = ("CREATE", "UPDATE", "PATCH", "DELETE")


@dataclass
class RunResult:
    code: int
    stdout: str
    stderr: str

    @property
    def lines(self) -> list[str]:
        return self.stdout.splitlines()

    @property
    def summary(self) -> str:
        return self.lines[-1] if self.lines else ""


def run_kubectl(
    kubectl: str, kubeconfig: Path, args: Sequence[str], input: str | None = None
) -> subprocess.CompletedProcess[str]:
    """One `kubectl` call against `kubeconfig`; the caller judges the exit code."""
    return subprocess.run(
        [kubectl, "--kubeconfig", str(kubeconfig), *args],
        capture_output=True,
        text=True,
        input=input,
        timeout=60,
        check=False,
    )


@dataclass
class World:
    kube: KubeSandbox
    sagemaker: SageMakerSandbox
    kubeconfig: Path
    custom: k8s.CustomObjectsApi
    core: k8s.CoreV1Api

    def run(self, *args: str) -> RunResult:
        """`hpo-reconciler run ARGS` in process (lease off unless the test passes --lease)."""
        argv = ["run", *args]
        if not any(a.startswith("--lease") or a == "--no-lease" for a in args):
            argv.append("--no-lease")
        out, err = io.StringIO(), io.StringIO()
        with contextlib.redirect_stdout(out), contextlib.redirect_stderr(err):
            code = cli.run(argv)
        return RunResult(code, out.getvalue(), err.getvalue())

    def kubectl(self, *args: str, input: str | None = None) -> subprocess.CompletedProcess[str]:
        assert KUBECTL is not None
        return run_kubectl(KUBECTL, self.kubeconfig, args, input)

    def sample(self, name: str = "xgboost-mnist-hpo", *, namespace: str = "default") -> dict[str, Any]:
        obj: dict[str, Any] = yaml.safe_load(SAMPLE.read_text())
        obj["metadata"] = {"name": name, "namespace": namespace}
        return obj

    def create(self, obj: dict[str, Any]) -> dict[str, Any]:
        namespace = obj["metadata"].get("namespace", "default")
        return as_object(self.custom.create_namespaced_custom_object(GROUP, VERSION, namespace, PLURAL, obj))

    def create_sample(
        self,
        name: str = "xgboost-mnist-hpo",
        *,
        namespace: str = "default",
        edit: Callable[[dict[str, Any]], None] | None = None,
    ) -> dict[str, Any]:
        obj = self.sample(name, namespace=namespace)
        if edit is not None:
            edit(obj)
        return self.create(obj)

    def get(self, name: str, *, namespace: str = "default") -> dict[str, Any]:
        return as_object(self.custom.get_namespaced_custom_object(GROUP, VERSION, namespace, PLURAL, name))

    def exists(self, name: str, *, namespace: str = "default") -> bool:
        try:
            self.get(name, namespace=namespace)
        except k8s.exceptions.ApiException as exc:
            if exc.status == 404:
                return False
            raise
        return True

    def children(self, parent: str, *, namespace: str = "default") -> list[dict[str, Any]]:
        listing = as_object(
            self.custom.list_namespaced_custom_object(
                GROUP,
                VERSION,
                namespace,
                "trainingjobs",
                label_selector=f"{GROUP}/hyperparametertuningjob={parent}",
            )
        )
        return list(listing["items"])

    def patch_spec(self, name: str, spec_patch: dict[str, Any], *, namespace: str = "default") -> None:
        self.custom.patch_namespaced_custom_object(
            GROUP,
            VERSION,
            namespace,
            PLURAL,
            name,
            {"spec": spec_patch},
            _content_type="application/merge-patch+json",
        )

    def condition(self, name: str, type_: str, *, namespace: str = "default") -> dict[str, Any] | None:
        for condition in self.get(name, namespace=namespace).get("status", {}).get("conditions", []):
            if condition["type"] == type_:
                return dict(condition)
        return None

    def kube_writes(self) -> dict[str, int]:
        return {k: v for k, v in self.kube.stats().items() if k.split(" ")[0] in WRITE_VERBS and v}

    def sagemaker_calls(self) -> dict[str, int]:
        return {k: v for k, v in self.sagemaker.stats().items() if v}

    def reset_stats(self) -> None:
        self.kube.reset_stats()
        self.sagemaker.reset_stats()


@contextlib.contextmanager
def open_world(tmp_path: Path, monkeypatch: pytest.MonkeyPatch, **sagemaker_options: Any) -> Iterator[World]:
    """Both sandboxes with crds/ installed; this process's KUBECONFIG and AWS endpoints point at them."""
    with KubeSandbox() as kube, SageMakerSandbox(**sagemaker_options) as sagemaker:
        kubeconfig = tmp_path / "kubeconfig"
        kube.write_kubeconfig(kubeconfig)
        kube.install_crds(ROOT / "crds")
        for key, value in sagemaker.env().items():
            monkeypatch.setenv(key, value)
        monkeypatch.setenv("KUBECONFIG", str(kubeconfig))
        api = k8s_config.new_client_from_config(config_file=str(kubeconfig))  # type: ignore[no-untyped-call]
        yield World(kube, sagemaker, kubeconfig, k8s.CustomObjectsApi(api), k8s.CoreV1Api(api))


def untagged_tuning_request(
    name: str, *, role: str, output: str, max_jobs: int, **definition: Any
) -> dict[str, Any]:
    """A CreateHyperParameterTuningJob request as a job made outside hpo-reconciler (console, SDK,
    the legacy operator) sends it: no hpo-reconciler tags. `definition` adds TrainingJobDefinition keys."""
    return {
        "HyperParameterTuningJobName": name,
        "HyperParameterTuningJobConfig": {
            "Strategy": "Random",
            "ResourceLimits": {"MaxNumberOfTrainingJobs": max_jobs, "MaxParallelTrainingJobs": max_jobs},
            "ParameterRanges": {
                "IntegerParameterRanges": [{"Name": "num_round", "MinValue": "1", "MaxValue": "2"}]
            },
            "HyperParameterTuningJobObjective": {"Type": "Minimize", "MetricName": "validation:error"},
        },
        "TrainingJobDefinition": {
            "AlgorithmSpecification": {
                "TrainingImage": "825641698319.dkr.ecr.us-east-2.amazonaws.com/xgboost:1",
                "TrainingInputMode": "File",
            },
            "RoleArn": role,
            "OutputDataConfig": {"S3OutputPath": output},
            "ResourceConfig": {"InstanceType": "ml.m4.xlarge", "InstanceCount": 1, "VolumeSizeInGB": 5},
            "StoppingCondition": {"MaxRuntimeInSeconds": 3600},
            **definition,
        },
    }


def as_object(value: object) -> dict[str, Any]:
    """The client types custom objects as `object`; they are JSON objects."""
    assert isinstance(value, dict)
    return value


def loose_crd_dir(tmp: Path) -> Path:
    """The CRDs with the HyperparameterTuningJob spec schema opened up, as an old or missing CRD would
    let anything in: the reconciler must cope with whatever it finds."""
    out = tmp / "loose-crds"
    out.mkdir()
    for path in (ROOT / "crds").glob("*.yaml"):
        crd = yaml.safe_load(path.read_text())
        if crd["spec"]["names"]["kind"] == "HyperparameterTuningJob":
            for version in crd["spec"]["versions"]:
                props = version["schema"]["openAPIV3Schema"]["properties"]
                props["spec"] = {"type": "object", "x-kubernetes-preserve-unknown-fields": True}
                version["schema"]["openAPIV3Schema"].pop("required", None)
        (out / path.name).write_text(yaml.safe_dump(crd))
    return out


def parse_json_lines(text: str) -> list[dict[str, Any]]:
    return [json.loads(line) for line in text.splitlines() if line.strip()]


def deep(obj: dict[str, Any]) -> dict[str, Any]:
    return copy.deepcopy(obj)
