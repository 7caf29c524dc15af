"""Shared constants and helpers of the Kubernetes emulator tests (imported by conftest and test files)."""

from __future__ import annotations

import copy
import json
import subprocess
import urllib.error
import urllib.request
from collections.abc import Callable
from pathlib import Path
from typing import Any

import yaml

from reconciler.sandbox.kube import KubeSandbox

REPO = Path(__file__).resolve().parents[2]
CRDS = REPO / "crds"
SAMPLE = REPO / "samples" / "xgboost-mnist-hpo.yaml"
FIXTURES = Path(__file__).resolve().parent / "fixtures"
KUBECTL = "/usr/bin/kubectl"
GROUP, VERSION, HPO, TJ = "sagemaker.aws.amazon.com", "v1", "hyperparametertuningjobs", "trainingjobs"
# `kubectl get hpo`'s columns: the legacy operator's, from the CRD's additionalPrinterColumns.
HPO_COLUMNS = [
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

Kubectl = Callable[..., "subprocess.CompletedProcess[str]"]
# The official client's custom-object calls return untyped JSON (`object`) and its models make every
# field Optional; tests index into them directly, so their handles are typed loosely.
Custom = Any
Core = Any


def sample_hpo(name: str = "xgboost-mnist-hpo") -> dict[str, Any]:
    doc: dict[str, Any] = yaml.safe_load(SAMPLE.read_text())
    doc = copy.deepcopy(doc)
    doc["metadata"]["name"] = name
    return doc


def patch_hpo(custom: Custom, name: str, body: Any, **options: Any) -> dict[str, Any]:
    """PATCH the default namespace's HPO `name` (a merge patch unless `_content_type` says otherwise)."""
    patched: dict[str, Any] = custom.patch_namespaced_custom_object(
        GROUP, VERSION, "default", HPO, name, body, **options
    )
    return patched


def patch_hpo_status(custom: Custom, name: str, body: Any) -> dict[str, Any]:
    """Merge-patch the status subresource of the default namespace's HPO `name`."""
    patched: dict[str, Any] = custom.patch_namespaced_custom_object_status(
        GROUP, VERSION, "default", HPO, name, body
    )
    return patched


def raw_request(
    kube: KubeSandbox,
    method: str,
    path: str,
    body: bytes | None = None,
    *,
    content_type: str = "application/json",
    accept: str = "application/json",
) -> tuple[int, Any]:
    """One HTTP request with exactly these bytes (bad-input tests); returns (code, JSON or text)."""
    request = urllib.request.Request(
        kube.url + path, data=body, method=method, headers={"Content-Type": content_type, "Accept": accept}
    )
    try:
        with urllib.request.urlopen(request, timeout=30) as response:
            code, raw = response.status, response.read()
    except urllib.error.HTTPError as error:
        code, raw = error.code, error.read()
    try:
        return code, json.loads(raw)
    except ValueError:
        return code, raw.decode()


def expire_tuning_job_lists(server: Any, *, when: Callable[[int], bool]) -> Callable[[], int]:
    """Make the emulator answer 410 Expired to the request after the n-th LIST of hyperparametertuningjobs
    whenever `when(n)` (n counts from 1), as a compacted continue token would. Returns a function giving
    the number of such lists so far. `server` is a KubeSandbox; the wrapper stays for its lifetime."""
    count = server.faults.count
    lists = 0

    def count_and_expire(verb: str, *, resource: str) -> None:
        nonlocal lists
        count(verb, resource=resource)
        if (verb, resource) == ("LIST", "hyperparametertuningjobs"):
            lists += 1
            if when(lists):
                server.inject_fault(verb="LIST", resource="hyperparametertuningjobs", status=410)

    server.faults.count = count_and_expire
    return lambda: lists
