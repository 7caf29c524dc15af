"""Kubernetes gateway over the real client against the emulator: paging, optimistic finalizer patch,
status merge patch, children, events, namespaces; every call counted by verb and resource."""

from __future__ import annotations

from collections.abc import Iterator
from pathlib import Path
from typing import Any

import pytest
import yaml
from kubernetes import client as k8s

from reconciler.core.calls import CallCounter
from reconciler.core.model import GROUP, VERSION
from reconciler.core.settings import Settings
from reconciler.gateways import kube
from reconciler.sandbox.kube import KubeSandbox
from tests.sandbox_kube.kube_test_support import expire_tuning_job_lists

ROOT = Path(__file__).resolve().parents[2]


@pytest.fixture
def sandbox(tmp_path: Path) -> Iterator[tuple[KubeSandbox, Path]]:
    with KubeSandbox() as server:
        server.install_crds(ROOT / "crds")
        kubeconfig = tmp_path / "kubeconfig"
        server.write_kubeconfig(kubeconfig)
        yield server, kubeconfig


def connect(kubeconfig: Path, calls: CallCounter) -> kube.KubeGateway:
    return kube.KubeGateway(kube.connect(Settings(kubeconfig=str(kubeconfig))), calls=calls)


def sample(name: str) -> dict[str, Any]:
    obj: dict[str, Any] = yaml.safe_load((ROOT / "samples" / "xgboost-mnist-hpo.yaml").read_text())
    obj["metadata"] = {"name": name, "namespace": "default"}
    return obj


def test_list_pages_until_the_continue_token_ends(sandbox: tuple[KubeSandbox, Path]) -> None:
    _, kubeconfig = sandbox
    calls = CallCounter()
    gateway = connect(kubeconfig, calls)
    api = k8s.CustomObjectsApi(kube.connect(Settings(kubeconfig=str(kubeconfig))))
    for index in range(5):
        api.create_namespaced_custom_object(
            GROUP, VERSION, "default", "hyperparametertuningjobs", sample(f"r{index}")
        )
    names = [
        o["metadata"]["name"] for o in gateway.list_tuning_jobs(namespace=None, selector=None, page_size=2)
    ]
    assert sorted(names) == [f"r{i}" for i in range(5)]
    assert calls.snapshot()["kube"] == {"LIST hyperparametertuningjobs": 3}


def test_finalizer_patch_is_optimistic_and_status_patch_merges(sandbox: tuple[KubeSandbox, Path]) -> None:
    _, kubeconfig = sandbox
    gateway = connect(kubeconfig, CallCounter())
    api = k8s.CustomObjectsApi(kube.connect(Settings(kubeconfig=str(kubeconfig))))
    created = api.create_namespaced_custom_object(
        GROUP, VERSION, "default", "hyperparametertuningjobs", sample("r")
    )
    assert isinstance(created, dict)
    stale = created["metadata"]["resourceVersion"]
    updated = gateway.set_finalizers("default", "r", ["f1"], resource_version=stale)
    assert updated["metadata"]["finalizers"] == ["f1"]
    with pytest.raises(kube.ConflictError):
        gateway.set_finalizers("default", "r", ["f2"], resource_version=stale)
    gateway.patch_tuning_job_status(
        "default", "r", {"hyperParameterTuningJobStatus": "InProgress", "additional": "x"}
    )
    gateway.patch_tuning_job_status("default", "r", {"additional": None})
    status = gateway.get_tuning_job("default", "r")["status"]
    assert status == {"hyperParameterTuningJobStatus": "InProgress"}
    with pytest.raises(kube.NotFoundError):
        gateway.get_tuning_job("default", "missing")


def test_children_events_and_namespaces(sandbox: tuple[KubeSandbox, Path]) -> None:
    _, kubeconfig = sandbox
    gateway = connect(kubeconfig, CallCounter())
    child = {
        "apiVersion": "sagemaker.aws.amazon.com/v1",
        "kind": "TrainingJob",
        "metadata": {"name": "job-001-abc", "namespace": "default", "labels": {"parent": "p"}},
        "spec": {"region": "us-east-2"},
    }
    gateway.create_training_job("default", child)
    with pytest.raises(kube.ConflictError):
        gateway.create_training_job("default", child)
    gateway.patch_training_job_status("default", "job-001-abc", {"trainingJobStatus": "Completed"})
    assert [
        c["status"]["trainingJobStatus"] for c in gateway.list_training_jobs("default", selector="parent=p")
    ] == ["Completed"]
    gateway.delete_training_job("default", "job-001-abc")
    gateway.delete_training_job("default", "job-001-abc")  # already gone is fine
    assert gateway.list_training_jobs("default", selector="parent=p") == []
    gateway.create_event(
        {
            "apiVersion": "v1",
            "kind": "ConfigMap",
            "metadata": {"name": "x", "namespace": "default", "uid": "u"},
        },
        event_type="Normal",
        reason="Tested",
        message="hello",
        now="2026-01-01T00:00:00Z",
    )
    assert gateway.get_namespace("default")["metadata"]["name"] == "default"
    with pytest.raises(kube.NotFoundError):
        gateway.get_namespace("nope")


def test_children_are_one_unpaged_list(
    sandbox: tuple[KubeSandbox, Path], monkeypatch: pytest.MonkeyPatch
) -> None:
    """The children of one job are bounded: one list without `limit`, so no continue token to expire."""
    _, kubeconfig = sandbox
    calls = CallCounter()
    gateway = connect(kubeconfig, calls)
    for index in range(3):
        gateway.create_training_job(
            "default",
            {
                "apiVersion": "sagemaker.aws.amazon.com/v1",
                "kind": "TrainingJob",
                "metadata": {"name": f"child-{index}", "namespace": "default", "labels": {"parent": "p"}},
                "spec": {"region": "us-east-2"},
            },
        )
    sent: list[dict[str, Any]] = []
    real = k8s.CustomObjectsApi.list_namespaced_custom_object

    def spy(self: k8s.CustomObjectsApi, *args: Any, **kwargs: Any) -> Any:
        sent.append(kwargs)
        return real(self, *args, **kwargs)

    monkeypatch.setattr(k8s.CustomObjectsApi, "list_namespaced_custom_object", spy)
    assert len(gateway.list_training_jobs("default", selector="parent=p")) == 3
    assert len(sent) == 1 and "limit" not in sent[0] and sent[0]["label_selector"] == "parent=p"
    assert calls.snapshot()["kube"]["LIST trainingjobs"] == 1


def test_a_list_that_keeps_expiring_without_progress_gives_up(sandbox: tuple[KubeSandbox, Path]) -> None:
    server, kubeconfig = sandbox
    api = k8s.CustomObjectsApi(kube.connect(Settings(kubeconfig=str(kubeconfig))))
    for index in range(4):
        api.create_namespaced_custom_object(
            GROUP, VERSION, "default", "hyperparametertuningjobs", sample(f"r{index}")
        )
    calls = CallCounter()
    gateway = connect(kubeconfig, calls)
    # Every request carrying a continue token answers 410 (no continuation offered): each restart
    # yields only the first page again, which was yielded already.
    lists = expire_tuning_job_lists(server, when=lambda n: n % 2 == 0)
    listed = []
    with pytest.raises(kube.ExpiredError):
        for obj in gateway.list_tuning_jobs(namespace="default", selector=None, page_size=2):
            listed.append(obj["metadata"]["name"])
    assert listed == ["r0", "r1"]  # the first page once, not again on each restart
    assert lists() == 2 * 4  # the first attempt and three fruitless restarts
