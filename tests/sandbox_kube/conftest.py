"""Fixtures for the Kubernetes emulator tests: a fresh sandbox per test, the official client and kubectl."""

from __future__ import annotations

import copy
import json
import os
import subprocess
import urllib.error
import urllib.request
from collections.abc import Callable, Iterator
from pathlib import Path
from typing import Any

import kubernetes
import pytest
import yaml

from reconciler.sandbox.kube import KubeSandbox

REPO = Path(__file__).resolve().parents[2]
CRDS = REPO / "crds"
SAMPLE = REPO / "samples" / "xgboost-mnist-hpo.yaml"
FIXTURES = Path(__file__).resolve().parent / "fixtures"
KUBECTL = "/usr/bin/kubectl"
GROUP, VERSION, HPO, TJ = "sagemaker.aws.amazon.com", "v1", "hyperparametertuningjobs", "trainingjobs"

Kubectl = Callable[..., "subprocess.CompletedProcess[str]"]


def sample_hpo(name: str = "xgboost-mnist-hpo") -> dict[str, Any]:
    doc: dict[str, Any] = yaml.safe_load(SAMPLE.read_text())
    doc = copy.deepcopy(doc)
    doc["metadata"]["name"] = name
    return doc


def raw_request(kube: KubeSandbox, method: str, path: str, body: bytes | None = None, *,
                content_type: str = "application/json", accept: str = "application/json",
                ) -> tuple[int, Any]:
    """One HTTP request with exactly these bytes (for bad-input tests); returns (code, decoded JSON or text)."""
    request = urllib.request.Request(kube.url + path, data=body, method=method,
                                     headers={"Content-Type": content_type, "Accept": accept})
    try:
        with urllib.request.urlopen(request, timeout=30) as response:
            code, raw = response.status, response.read()
    except urllib.error.HTTPError as error:
        code, raw = error.code, error.read()
    try:
        return code, json.loads(raw)
    except ValueError:
        return code, raw.decode()


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
    client = kubernetes.config.new_client_from_config(config_file=str(kubeconfig))
    yield client
    client.close()


@pytest.fixture
def custom(api: kubernetes.client.ApiClient) -> kubernetes.client.CustomObjectsApi:
    return kubernetes.client.CustomObjectsApi(api)


@pytest.fixture
def core(api: kubernetes.client.ApiClient) -> kubernetes.client.CoreV1Api:
    return kubernetes.client.CoreV1Api(api)


@pytest.fixture
def kubectl(kubeconfig: Path, tmp_path: Path) -> Kubectl:
    home = tmp_path / "home"
    home.mkdir()

    def run(*args: str, stdin: str | None = None, check: bool = True) -> subprocess.CompletedProcess[str]:
        env = {"PATH": os.environ.get("PATH", "/usr/bin"), "HOME": str(home), "KUBECONFIG": str(kubeconfig)}
        result = subprocess.run([KUBECTL, *args], input=stdin, capture_output=True, text=True, env=env,
                                timeout=60, check=False)
        if check and result.returncode != 0:
            raise AssertionError(f"kubectl {' '.join(args)} failed ({result.returncode}): {result.stderr}")
        return result

    return run
