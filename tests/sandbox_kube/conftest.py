"""Fixtures for the Kubernetes emulator tests: a fresh sandbox per test, the official client and kubectl.

Shared helpers live in tests/sandbox_kube/kube_test_support.py.
"""

from __future__ import annotations

import os
import subprocess
from collections.abc import Iterator
from pathlib import Path

import kubernetes
import pytest

from reconciler.sandbox.kube import KubeSandbox
from tests.sandbox_kube.kube_test_support import CRDS, KUBECTL, Core, Custom, Kubectl


@pytest.fixture
def kube() -> Iterator[KubeSandbox]:
    with KubeSandbox() as sandbox:
        yield sandbox


@pytest.fixture
def crds(kube: KubeSandbox) -> KubeSandbox:
    kube.install_crds(CRDS)
    return kube


@pytest.fixture
def kubeconfig(kube: KubeSandbox, tmp_path: Path) -> Path:
    path = tmp_path / "kubeconfig"
    kube.write_kubeconfig(path)
    return path


@pytest.fixture
def api(kubeconfig: Path) -> Iterator[kubernetes.client.ApiClient]:
    client = kubernetes.config.new_client_from_config(config_file=str(kubeconfig))  # type: ignore[no-untyped-call]
    yield client
    client.close()


@pytest.fixture
def custom(api: kubernetes.client.ApiClient) -> Custom:
    return kubernetes.client.CustomObjectsApi(api)


@pytest.fixture
def core(api: kubernetes.client.ApiClient) -> Core:
    return kubernetes.client.CoreV1Api(api)


@pytest.fixture
def kubectl(kubeconfig: Path, tmp_path: Path) -> Kubectl:
    home = tmp_path / "home"
    home.mkdir()

    def run(*args: str, stdin: str | None = None, check: bool = True) -> subprocess.CompletedProcess[str]:
        env = {"PATH": os.environ.get("PATH", "/usr/bin"), "HOME": str(home), "KUBECONFIG": str(kubeconfig)}
        result = subprocess.run(
            [KUBECTL, *args], input=stdin, capture_output=True, text=True, env=env, timeout=60, check=False
        )
        if check and result.returncode != 0:
            raise AssertionError(f"kubectl {' '.join(args)} failed ({result.returncode}): {result.stderr}")
        return result

    return run
