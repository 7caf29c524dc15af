"""Discovery documents, `python -m reconciler.sandbox.kube`, persistence across restarts, Table output."""

from __future__ import annotations

import json
import os
import signal
import subprocess
import sys
import time
from pathlib import Path
from typing import Any

import kubernetes

from reconciler.sandbox.kube import KubeSandbox
from tests.sandbox_kube.kube_test_support import (
    CRDS,
    FIXTURES,
    GROUP,
    HPO,
    REPO,
    VERSION,
    Custom,
    patch_hpo_status,
    raw_request,
    sample_hpo,
)

TABLE = "application/json;as=Table;v=v1;g=meta.k8s.io,application/json"


def test_discovery_documents(crds: KubeSandbox, api: kubernetes.client.ApiClient) -> None:
    assert kubernetes.client.VersionApi(api).get_code().minor == "32"
    groups: dict[str, Any] = {g.name: g for g in kubernetes.client.ApisApi(api).get_api_versions().groups}
    assert groups[GROUP].preferred_version.group_version == f"{GROUP}/{VERSION}"
    assert {"apiextensions.k8s.io", "coordination.k8s.io"} <= set(groups)
    _, resources = raw_request(crds, "GET", f"/apis/{GROUP}/{VERSION}")
    by_name = {r["name"]: r for r in resources["resources"]}
    assert by_name[HPO]["kind"] == "HyperparameterTuningJob" and by_name[HPO]["shortNames"] == ["hpo"]
    assert by_name[HPO]["categories"] == ["sagemaker"] and by_name[HPO]["namespaced"] is True
    assert set(by_name[HPO]["verbs"]) >= {"get", "list", "watch", "create", "update", "patch", "delete"}
    assert by_name[f"{HPO}/status"]["verbs"] == ["get", "patch", "update"]
    _, core = raw_request(crds, "GET", "/api/v1")
    assert {r["name"] for r in core["resources"]} >= {"namespaces", "events", "namespaces/status"}
    _, root = raw_request(crds, "GET", "/openapi/v3")
    gv_url = root["paths"][f"apis/{GROUP}/{VERSION}"]["serverRelativeURL"]
    _, doc = raw_request(crds, "GET", gv_url)
    patch = doc["paths"][f"/apis/{GROUP}/{VERSION}/namespaces/{{namespace}}/{HPO}/{{name}}"]["patch"]
    assert patch["x-kubernetes-group-version-kind"]["kind"] == "HyperparameterTuningJob"
    assert "fieldValidation" in [p["name"] for p in patch["parameters"]]


def test_table_output_uses_printer_columns(crds: KubeSandbox, custom: Custom) -> None:
    custom.create_namespaced_custom_object(GROUP, VERSION, "default", HPO, sample_hpo())
    patch_hpo_status(
        custom,
        "xgboost-mnist-hpo",
        {
            "status": {
                "trainingJobStatusCounters": {"completed": 4},
                "conditions": [
                    {
                        "type": "Reconciling",
                        "status": "True",
                        "reason": "Polling",
                        "lastTransitionTime": "2026-01-01T00:00:00Z",
                    },
                    {
                        "type": "Ready",
                        "status": "False",
                        "reason": "InProgress",
                        "lastTransitionTime": "2026-01-01T00:00:00Z",
                    },
                ],
            }
        },
    )
    _, table = raw_request(crds, "GET", f"/apis/{GROUP}/{VERSION}/namespaces/default/{HPO}", accept=TABLE)
    assert table["kind"] == "Table" and table["apiVersion"] == "meta.k8s.io/v1"
    columns = [(c["name"], c["type"], c["priority"]) for c in table["columnDefinitions"]]
    assert columns[0] == ("Name", "string", 0)
    assert [c[0] for c in columns if c[2] == 1] == ["Ready", "Reason"]
    row = table["rows"][0]
    cells = dict(zip([c[0] for c in columns], row["cells"], strict=True))
    assert cells["Completed"] == 4 and cells["InProgress"] is None
    assert cells["Ready"] == "False" and cells["Reason"] == "InProgress"
    assert row["object"]["kind"] == "PartialObjectMetadata"
    assert row["object"]["metadata"]["name"] == "xgboost-mnist-hpo"


def test_state_survives_a_restart(tmp_path: Path) -> None:
    with KubeSandbox(state_dir=tmp_path) as first:
        first.install_crds(CRDS)
        code, created = raw_request(
            first,
            "POST",
            f"/apis/{GROUP}/{VERSION}/namespaces/default/{HPO}",
            json.dumps(sample_hpo()).encode(),
        )
        assert code == 201
    with KubeSandbox(state_dir=tmp_path) as second:
        code, got = raw_request(
            second, "GET", f"/apis/{GROUP}/{VERSION}/namespaces/default/{HPO}/xgboost-mnist-hpo"
        )
        assert code == 200 and got["metadata"]["uid"] == created["metadata"]["uid"]
        body = {"apiVersion": "v1", "kind": "Namespace", "metadata": {"name": "later"}}
        code, ns = raw_request(second, "POST", "/api/v1/namespaces", json.dumps(body).encode())
        assert int(ns["metadata"]["resourceVersion"]) > int(created["metadata"]["resourceVersion"])


def _wait_for(path: Path, process: subprocess.Popen[str]) -> None:
    deadline = time.monotonic() + 30
    while not path.exists():
        assert process.poll() is None, process.stderr.read() if process.stderr else ""
        assert time.monotonic() < deadline, "the sandbox did not write its kubeconfig"
        time.sleep(0.05)


def test_python_dash_m_serves_and_writes_a_kubeconfig(tmp_path: Path) -> None:
    env = {**os.environ, "PYTHONPATH": str(REPO)}
    process = subprocess.Popen(
        [sys.executable, "-m", "reconciler.sandbox.kube", "--dir", str(tmp_path)],
        stdout=subprocess.PIPE,
        stderr=subprocess.PIPE,
        text=True,
        env=env,
    )
    try:
        _wait_for(tmp_path / "kubeconfig", process)
        client: Any = kubernetes.config.new_client_from_config(config_file=str(tmp_path / "kubeconfig"))  # type: ignore[no-untyped-call]
        core: Any = kubernetes.client.CoreV1Api(client)
        names = [n.metadata.name for n in core.list_namespace().items]
        assert names == ["default", "kube-system"]
        client.close()
    finally:
        process.send_signal(signal.SIGTERM)
        assert process.wait(timeout=10) == 0
    assert (tmp_path / "kube-state.json").exists()


def test_python_dash_m_reports_a_taken_port(kube: KubeSandbox, tmp_path: Path) -> None:
    port = kube.url.rsplit(":", 1)[1]
    result = subprocess.run(
        [sys.executable, "-m", "reconciler.sandbox.kube", "--dir", str(tmp_path), "--port", port],
        capture_output=True,
        text=True,
        timeout=30,
        env={**os.environ, "PYTHONPATH": str(REPO)},
        check=False,
    )
    assert result.returncode == 2
    assert "cannot listen on 127.0.0.1" in result.stderr and "Traceback" not in result.stderr


def test_table_cells_follow_column_types_and_dates_become_ages(kube: KubeSandbox) -> None:
    kube.install_crds(FIXTURES)
    widget = {
        "apiVersion": "example.com/v1",
        "kind": "Widget",
        "metadata": {"name": "w"},
        "spec": {"size": 3, "weight": 2.5, "shiny": True},
    }
    assert (
        raw_request(
            kube, "POST", "/apis/example.com/v1/namespaces/default/widgets", json.dumps(widget).encode()
        )[0]
        == 201
    )
    _, table = raw_request(kube, "GET", "/apis/example.com/v1/namespaces/default/widgets/w", accept=TABLE)
    names = [c["name"] for c in table["columnDefinitions"]]
    cells = dict(zip(names, table["rows"][0]["cells"], strict=True))
    assert cells["Name"] == "w" and cells["Size"] == 3 and cells["Weight"] == 2.5 and cells["Shiny"] is True
    assert cells["Ready"] is None
    assert cells["Age"].endswith("s") and cells["Age"][:-1].isdigit()
    _, table = raw_request(
        kube, "GET", "/apis/example.com/v1/namespaces/default/widgets?includeObject=None", accept=TABLE
    )
    assert "object" not in table["rows"][0]
