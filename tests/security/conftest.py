"""Fixtures of the tenant attack suite: one sandbox cluster with two tenant namespaces, team-a and
team-b, and one simulated SageMaker account they share (as teams share an account in practice).

The attacker is team-b. It can write anything a namespace tenant can write about its own
resources (spec, metadata.finalizers, annotations, labels and, if its RBAC allows, the status
subresource), but it cannot choose a server-assigned UID, write SageMaker tags of a job it does
not create through the reconciler, or change the reconciler's flags. Helpers live in tenants.py.
"""

from __future__ import annotations

from collections.abc import Iterator
from pathlib import Path

import pytest
from kubernetes import client as k8s
from kubernetes import config as k8s_config

from reconciler.sandbox.kube import KubeSandbox
from reconciler.sandbox.sagemaker import SageMakerSandbox
from tests.e2e.e2e_world import ROOT, World
from tests.security.tenants import TEAMS


@pytest.fixture
def world(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> Iterator[World]:
    with KubeSandbox() as kube, SageMakerSandbox(time_scale=1.0) as sagemaker:
        kubeconfig = tmp_path / "kubeconfig"
        kube.write_kubeconfig(kubeconfig)
        kube.install_crds(ROOT / "crds")
        for key, value in sagemaker.env().items():
            monkeypatch.setenv(key, value)
        monkeypatch.setenv("KUBECONFIG", str(kubeconfig))
        api = k8s_config.new_client_from_config(config_file=str(kubeconfig))  # type: ignore[no-untyped-call]
        core = k8s.CoreV1Api(api)
        for team in TEAMS:
            core.create_namespace(k8s.V1Namespace(metadata=k8s.V1ObjectMeta(name=team)))
        yield World(kube, sagemaker, kubeconfig, k8s.CustomObjectsApi(api), core)
