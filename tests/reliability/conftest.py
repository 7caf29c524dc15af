"""Fixtures of the reliability suite: the e2e `World` (tests/e2e/e2e_world.py) over sandboxes whose
SageMaker clock moves only when a test calls `advance()`, so that every crash point and race replays
the same history."""

from __future__ import annotations

from collections.abc import Iterator
from pathlib import Path

import pytest
from kubernetes import client as k8s
from kubernetes import config as k8s_config

from reconciler.sandbox.kube import KubeSandbox
from reconciler.sandbox.sagemaker import SageMakerSandbox
from tests.e2e.e2e_world import ROOT, World


@pytest.fixture
def world(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> Iterator[World]:
    with KubeSandbox() as kube, SageMakerSandbox(time_scale=0.0, max_running_tuning_jobs=1000) as sagemaker:
        kubeconfig = tmp_path / "kubeconfig"
        kube.write_kubeconfig(kubeconfig)
        kube.install_crds(ROOT / "crds")
        for key, value in sagemaker.env().items():
            monkeypatch.setenv(key, value)
        monkeypatch.setenv("KUBECONFIG", str(kubeconfig))
        api = k8s_config.new_client_from_config(config_file=str(kubeconfig))  # type: ignore[no-untyped-call]
        yield World(kube, sagemaker, kubeconfig, k8s.CustomObjectsApi(api), k8s.CoreV1Api(api))
