"""The committed CRDs as a user meets them: real `kubectl` against the Kubernetes API emulator."""

from __future__ import annotations

import json
import shutil
import subprocess
from collections.abc import Callable, Iterator
from pathlib import Path
from typing import Any

import pytest
import yaml

from reconciler.sandbox.kube import KubeSandbox
from tests.sandbox_kube.kube_test_support import HPO_COLUMNS

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
    # The legacy columns, then who needs a person (empty unless a person must act).
    assert table[0].split() == [*HPO_COLUMNS, "STALLED"]
    assert table[1].split()[0] == "xgboost-hpo"
    assert table[1].split()[1].endswith("Z")  # creation time printed as a timestamp, not an age
    assert kubectl("get", "hpo", "-o", "wide").stdout.split()[9:12] == ["STALLED", "READY", "REASON"]
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


def _explained_fields(text: str) -> dict[str, str]:
    """`kubectl explain` output -> {field name: the description lines under it} (FIELDS section)."""
    fields: dict[str, str] = {}
    current = None
    for line in text.partition("FIELDS:")[2].splitlines():
        if line.startswith("  ") and not line.startswith("    ") and "\t<" in line:  # "  name\t<type>"
            current = line.split()[0]
            fields[current] = ""
        elif current is not None and line.startswith("    ") and line.strip():
            fields[current] += line.strip() + " "
    return fields


@pytest.mark.parametrize(
    ("path", "expected"),
    [
        ("hyperparametertuningjob.spec", {"hyperParameterTuningJobConfig", "region", "sageMakerEndpoint"}),
        ("hyperparametertuningjob.spec.hyperParameterTuningJobConfig", {"strategy", "parameterRanges"}),
        ("hyperparametertuningjob.status", {"bestTrainingJob", "conditions", "trainingJobStatusCounters"}),
        ("trainingjob.spec", {"algorithmSpecification", "hyperParameters", "region"}),
        ("trainingjob.status", {"trainingJobStatus", "secondaryStatus", "modelPath"}),
    ],
)
def test_kubectl_explain_describes_every_field(kubectl: Kubectl, path: str, expected: set[str]) -> None:
    explained = kubectl("explain", path)
    assert explained.returncode == 0, explained.stderr
    header = explained.stdout.partition("FIELDS:")[0]
    assert "<empty>" not in header, header  # the object itself has a description
    fields = _explained_fields(explained.stdout)
    assert expected <= set(fields), sorted(fields)
    undescribed = sorted(name for name, text in fields.items() if not text.strip() or "<empty>" in text)
    assert undescribed == [], explained.stdout


def test_kubectl_explain_shows_the_models_documentation_as_plain_text(kubectl: Kubectl) -> None:
    text = kubectl("explain", "hyperparametertuningjob.spec.hyperParameterTuningJobConfig.strategy").stdout
    assert "Specifies how hyperparameter tuning chooses the combinations" in text
    assert "<" not in text.partition("DESCRIPTION:")[2]  # no HTML tags or links left
    region = kubectl("explain", "hyperparametertuningjob.spec.region").stdout
    assert "AWS Region" in region


def test_client_side_apply_keeps_the_annotations_well_under_the_api_servers_limit(kubectl: Kubectl) -> None:
    # kubectl's client-side apply stores the whole CRD as JSON in the last-applied-configuration
    # annotation; the API server refuses objects whose annotations exceed 256 KiB in total
    # (apimachinery ValidateAnnotations, TotalAnnotationSizeLimitB = 262144). Descriptions must
    # leave room: at most 60% of it.
    for name in ("hyperparametertuningjobs", "trainingjobs"):
        got = kubectl("get", "crd", f"{name}.sagemaker.aws.amazon.com", "-o", "json")
        assert got.returncode == 0, got.stderr
        annotations = json.loads(got.stdout)["metadata"]["annotations"]
        assert "kubectl.kubernetes.io/last-applied-configuration" in annotations
        total = sum(len(k) + len(v) for k, v in annotations.items())
        assert total < 0.6 * 262144, (name, total)
