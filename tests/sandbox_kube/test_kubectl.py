"""The kubectl scenarios of issue 3, with the real kubectl 1.32 against the emulator."""

from __future__ import annotations

import json
import queue
import subprocess
import threading
from pathlib import Path

import kubernetes
import yaml

from reconciler.sandbox.kube import KubeSandbox
from tests.sandbox_kube.kube_test_support import (
    CRDS,
    GROUP,
    HPO,
    HPO_COLUMNS,
    KUBECTL,
    SAMPLE,
    VERSION,
    Core,
    Custom,
    Kubectl,
)

NAME = "xgboost-mnist-hpo"


def _apply_sample(kubectl: Kubectl) -> None:
    kubectl("apply", "-f", str(CRDS))
    kubectl("apply", "-f", str(SAMPLE))


def _set_status(custom: Custom, status: dict[str, object]) -> None:
    custom.patch_namespaced_custom_object_status(GROUP, VERSION, "default", HPO, NAME, {"status": status})


def test_apply_crds_registers_kinds_for_api_resources(kube: KubeSandbox, kubectl: Kubectl) -> None:
    out = kubectl("apply", "-f", str(CRDS)).stdout
    assert f"customresourcedefinition.apiextensions.k8s.io/{HPO}.{GROUP} created" in out
    resources = kubectl("api-resources", "--api-group", GROUP).stdout.split("\n")
    assert resources[0].split() == ["NAME", "SHORTNAMES", "APIVERSION", "NAMESPACED", "KIND"]
    rows = {line.split()[0]: line.split() for line in resources[1:] if line.strip()}
    assert rows[HPO] == [HPO, "hpo", f"{GROUP}/{VERSION}", "true", "HyperparameterTuningJob"]
    assert rows["trainingjobs"] == ["trainingjobs", "tj", f"{GROUP}/{VERSION}", "true", "TrainingJob"]
    assert "customresourcedefinitions" in kubectl("api-resources").stdout
    again = kubectl("apply", "-f", str(CRDS)).stdout
    assert f"{HPO}.{GROUP} unchanged" in again


def test_apply_sample_then_get_prints_the_design_columns(
    kube: KubeSandbox, kubectl: Kubectl, custom: Custom
) -> None:
    _apply_sample(kubectl)
    assert (
        kubectl("apply", "-f", str(SAMPLE)).stdout.strip()
        == f"hyperparametertuningjob.{GROUP}/{NAME} unchanged"
    )
    _set_status(
        custom,
        {
            "hyperParameterTuningJobStatus": "InProgress",
            "sageMakerHyperParameterTuningJobName": "xgboostm-0123456789abcdef",
            "trainingJobStatusCounters": {"completed": 3, "inProgress": 2, "totalError": 1, "stopped": 0},
            "bestTrainingJob": {"trainingJobName": "xgboostm-0123456789abcdef-003-aaaa"},
            "conditions": [
                {
                    "type": "Ready",
                    "status": "False",
                    "reason": "InProgress",
                    "lastTransitionTime": "2026-01-01T00:00:00Z",
                }
            ],
        },
    )
    lines = kubectl("get", "hyperparametertuningjob").stdout.splitlines()
    # The legacy columns, then STALLED (who needs a person; empty for this one).
    assert lines[0].split() == [*HPO_COLUMNS, "STALLED"]
    row = lines[1].split()
    # No Stalled condition: kube-apiserver's CRD table convertor (apiextensions-apiserver
    # tableconvertor.go) makes a JSONPath without result a nil cell, and kubectl's printTable
    # (cli-runtime tableprinter.go) writes nothing for a nil cell: an empty STALLED column, not
    # "<none>" (which only `-o custom-columns` prints).
    assert row[9:] == []
    del row[9:]
    assert row[0] == NAME and row[1] == "InProgress"
    assert (
        row[2].endswith("Z") and row[2][:2] == "20"
    )  # the timestamp itself, as the legacy operator shows it
    assert row[3:] == ["3", "2", "1", "0", "xgboostm-0123456789abcdef-003-aaaa", "xgboostm-0123456789abcdef"]
    wide = kubectl("get", "hyperparametertuningjob", "-o", "wide").stdout.splitlines()
    assert wide[0].split() == [*HPO_COLUMNS, "STALLED", "READY", "REASON"]
    assert wide[1].split()[-2:] == ["False", "InProgress"]


def test_get_trainingjobs_and_yaml_output(kube: KubeSandbox, kubectl: Kubectl) -> None:
    _apply_sample(kubectl)
    empty = kubectl("get", "trainingjobs")
    assert empty.stdout == "" and "No resources found in default namespace." in empty.stderr
    listed = yaml.safe_load(kubectl("get", "hyperparametertuningjob", "-o", "yaml").stdout)
    assert listed["kind"] == "List"
    item = listed["items"][0]
    assert item["metadata"]["name"] == NAME and item["metadata"]["generation"] == 1
    assert "kubectl.kubernetes.io/last-applied-configuration" in item["metadata"]["annotations"]
    assert item["spec"] == yaml.safe_load(SAMPLE.read_text())["spec"]


def test_describe_shows_the_resource_and_its_events(
    kube: KubeSandbox, kubectl: Kubectl, api: kubernetes.client.ApiClient
) -> None:
    _apply_sample(kubectl)
    uid = kubectl("get", "hpo", NAME, "-o", "jsonpath={.metadata.uid}").stdout
    core: Core = kubernetes.client.CoreV1Api(api)
    core.create_namespaced_event(
        "default",
        {
            "metadata": {"generateName": f"{NAME}."},
            "type": "Normal",
            "reason": "CreatedTuningJob",
            "message": "created SageMaker tuning job xgboostm-0123",
            "source": {"component": "hpo-reconciler"},
            "involvedObject": {
                "apiVersion": f"{GROUP}/{VERSION}",
                "kind": "HyperparameterTuningJob",
                "name": NAME,
                "namespace": "default",
                "uid": uid,
            },
            "firstTimestamp": "2026-01-01T00:00:00Z",
            "lastTimestamp": "2026-01-01T00:00:00Z",
            "count": 1,
        },
    )
    out = kubectl("describe", "hyperparametertuningjob", NAME).stdout
    assert f"Name:         {NAME}" in out
    child = {
        "apiVersion": f"{GROUP}/{VERSION}",
        "kind": "TrainingJob",
        "metadata": {"name": "child-001"},
        "spec": {"region": "us-east-2"},
    }
    kubectl("create", "-f", "-", stdin=json.dumps(child))
    child_out = kubectl("describe", "trainingjob", "child-001").stdout
    assert "Kind:         TrainingJob" in child_out and "Region:  us-east-2" in child_out
    assert "Kind:         HyperparameterTuningJob" in out
    events = out[out.index("Events:") :]
    assert "CreatedTuningJob" in events and "created SageMaker tuning job xgboostm-0123" in events
    assert "hpo-reconciler" in events


def test_patch_status_subresource_with_kubectl(kube: KubeSandbox, kubectl: Kubectl) -> None:
    _apply_sample(kubectl)
    out = kubectl(
        "patch",
        "hyperparametertuningjob",
        NAME,
        "--subresource=status",
        "--type=merge",
        "-p",
        '{"status":{"hyperParameterTuningJobStatus":"Completed"}}',
    ).stdout
    assert f"{NAME} patched" in out
    assert (
        kubectl("get", "hpo", NAME, "-o", "jsonpath={.status.hyperParameterTuningJobStatus}").stdout
        == "Completed"
    )
    # The same patch on the main resource does not touch status.
    kubectl(
        "patch",
        "hyperparametertuningjob",
        NAME,
        "--type=merge",
        "-p",
        '{"status":{"hyperParameterTuningJobStatus":"Failed"}}',
    )
    assert (
        kubectl("get", "hpo", NAME, "-o", "jsonpath={.status.hyperParameterTuningJobStatus}").stdout
        == "Completed"
    )


def test_delete_wait_false_keeps_an_object_with_a_finalizer(kube: KubeSandbox, kubectl: Kubectl) -> None:
    _apply_sample(kubectl)
    kubectl(
        "patch",
        "hpo",
        NAME,
        "--type=merge",
        "-p",
        '{"metadata":{"finalizers":["sagemaker.aws.amazon.com/hyperparametertuningjob"]}}',
    )
    out = kubectl("delete", "hyperparametertuningjob", NAME, "--wait=false").stdout
    assert f'hyperparametertuningjob.{GROUP} "{NAME}" deleted' in out
    assert kubectl("get", "hpo", NAME, "-o", "jsonpath={.metadata.deletionTimestamp}").stdout.endswith("Z")
    kubectl("patch", "hpo", NAME, "--type=json", "-p", '[{"op":"remove","path":"/metadata/finalizers"}]')
    gone = kubectl("get", "hpo", NAME, check=False)
    assert gone.returncode == 1 and "NotFound" in gone.stderr


def test_wait_for_condition_ready(kube: KubeSandbox, kubectl: Kubectl, custom: Custom) -> None:
    _apply_sample(kubectl)
    not_yet = kubectl("wait", "--for=condition=Ready", f"hpo/{NAME}", "--timeout=1s", check=False)
    assert not_yet.returncode != 0 and "timed out" in not_yet.stderr
    _set_status(
        custom,
        {
            "conditions": [
                {
                    "type": "Ready",
                    "status": "True",
                    "reason": "Completed",
                    "lastTransitionTime": "2026-01-01T00:00:00Z",
                }
            ]
        },
    )
    out = kubectl("wait", "--for=condition=Ready", f"hyperparametertuningjob/{NAME}", "--timeout=20s").stdout
    assert f"{NAME} condition met" in out


def test_get_watch_sees_an_update(
    kube: KubeSandbox,
    kubectl: Kubectl,
    kubeconfig: Path,
    tmp_path: Path,
    custom: Custom,
) -> None:
    _apply_sample(kubectl)
    env = {"HOME": str(tmp_path / "home"), "KUBECONFIG": str(kubeconfig), "PATH": "/usr/bin"}
    process = subprocess.Popen(
        [KUBECTL, "get", "hyperparametertuningjob", "-w"],
        stdout=subprocess.PIPE,
        stderr=subprocess.PIPE,
        text=True,
        env=env,
    )
    lines: queue.Queue[str] = queue.Queue()

    def pump() -> None:
        for line in process.stdout or ():
            lines.put(line)

    threading.Thread(target=pump, daemon=True).start()
    try:
        assert lines.get(timeout=20).split()[:2] == ["NAME", "STATUS"]
        assert lines.get(timeout=20).split()[0] == NAME
        _set_status(custom, {"hyperParameterTuningJobStatus": "Stopping"})
        update = lines.get(timeout=20).split()
        assert update[:2] == [NAME, "Stopping"]
    finally:
        process.terminate()
        process.wait(timeout=10)


def test_apply_enforces_the_total_annotation_size_limit(
    kube: KubeSandbox, kubectl: Kubectl, tmp_path: Path
) -> None:
    kubectl("apply", "-f", str(CRDS))
    doc = yaml.safe_load(SAMPLE.read_text())
    # 150 KiB fits alone, but kubectl apply stores the whole manifest again in last-applied-configuration.
    doc["metadata"]["annotations"] = {"example.com/notes": "x" * (150 * 1024)}
    manifest = tmp_path / "big.yaml"
    manifest.write_text(yaml.safe_dump(doc))
    refused = kubectl("apply", "-f", str(manifest), check=False)
    assert refused.returncode == 1
    assert "metadata.annotations: Too long: may not be more than 262144 bytes" in refused.stderr
    created = kubectl("create", "-f", str(manifest), check=False)
    assert created.returncode == 0, created.stderr


def test_kubectl_create_namespace_sends_protobuf(kube: KubeSandbox, kubectl: Kubectl) -> None:
    assert "namespace/ml created" in kubectl("create", "namespace", "ml").stdout
    assert kubectl("get", "ns", "ml", "-o", "jsonpath={.status.phase}").stdout == "Active"
    again = kubectl("create", "namespace", "ml", check=False)
    assert again.returncode == 1 and 'namespaces "ml" already exists' in again.stderr
