"""The committed CRDs as a user meets them: real `kubectl` against the Kubernetes API emulator."""

from __future__ import annotations

import shutil
import subprocess
from collections.abc import Callable, Iterator
from pathlib import Path
from typing import Any

import pytest
import yaml

from reconciler.sandbox.kube import KubeSandbox

# The representative spec lives beside the tests (no conftest.py: mypy sees one `conftest`
# module per folder); each test gets a fresh copy it may change.
ROOT = Path(__file__).resolve().parents[2]
KUBECTL = shutil.which("kubectl")
Kubectl = Callable[..., subprocess.CompletedProcess[str]]

pytestmark = pytest.mark.skipif(KUBECTL is None, reason="kubectl is not installed")


@pytest.fixture
def kubectl(tmp_path: Path) -> Iterator[Kubectl]:
    with KubeSandbox() as kube:
        kube.write_kubeconfig(tmp_path / "kubeconfig")
        env = {"KUBECONFIG": str(tmp_path / "kubeconfig"), "HOME": str(tmp_path), "PATH": "/usr/bin:/bin"}

        def run(*args: str) -> subprocess.CompletedProcess[str]:
            assert KUBECTL is not None
            command = [KUBECTL, *args]
            return subprocess.run(command, capture_output=True, text=True, env=env, check=False, timeout=60)

        applied = run("apply", "-f", str(ROOT / "crds"))
        assert applied.returncode == 0, applied.stderr
        yield run


def _write(path: Path, resource: dict[str, Any]) -> str:
    path.write_text(yaml.safe_dump(resource), encoding="utf-8")
    return str(path)


def _resource(name: str, spec: dict[str, Any]) -> dict[str, Any]:
    return {
        "apiVersion": "sagemaker.aws.amazon.com/v1",
        "kind": "HyperparameterTuningJob",
        "metadata": {"name": name},
        "spec": spec,
    }


def test_kubectl_applies_a_resource_and_prints_the_legacy_columns(
    kubectl: Kubectl, tmp_path: Path, spec: dict[str, Any]
) -> None:
    created = kubectl("apply", "-f", _write(tmp_path / "ok.yaml", _resource("xgboost-hpo", spec)))
    assert created.returncode == 0, created.stderr
    table = kubectl("get", "hpo").stdout.splitlines()
    assert table[0].split() == [
        "NAME",
        "STATUS",
        "CREATION-TIME",
        "COMPLETED",
        "INPROGRESS",
        "ERRORS",
        "STOPPED",
        "BEST-TRAINING-JOB",
        "SAGEMAKER-JOB-NAME",
    ]
    assert table[1].split()[0] == "xgboost-hpo"
    assert table[1].split()[1].endswith("Z")  # creation time printed as a timestamp, not an age
    assert kubectl("get", "hpo", "-o", "wide").stdout.split()[9:11] == ["READY", "REASON"]
    by_category = kubectl("get", "sagemaker").stdout
    assert "hyperparametertuningjob.sagemaker.aws.amazon.com/xgboost-hpo" in by_category
    children = kubectl("get", "tj")  # the TrainingJob short name resolves; there are no children yet
    assert children.returncode == 0 and "No resources found" in children.stderr


def test_kubectl_apply_is_refused_with_the_api_servers_messages(
    kubectl: Kubectl, tmp_path: Path, spec: dict[str, Any]
) -> None:
    spec["hyperParameterTuningJobConfig"]["resourceLimits"]["maxParallelTrainingJobs"] = 0
    spec["tags"].append({"key": "team", "value": "again"})
    refused = kubectl("apply", "-f", _write(tmp_path / "bad.yaml", _resource("bad", spec)))
    assert refused.returncode == 1
    assert (
        "spec.hyperParameterTuningJobConfig.resourceLimits.maxParallelTrainingJobs: Invalid value: 0: "
        "spec.hyperParameterTuningJobConfig.resourceLimits.maxParallelTrainingJobs in body should be "
        "greater than or equal to 1"
    ) in refused.stderr
    assert 'spec.tags[2]: Duplicate value: {"key":"team"}' in refused.stderr
