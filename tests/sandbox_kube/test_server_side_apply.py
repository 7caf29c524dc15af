"""Server-side apply and managedFields (issue 12 item 2), judged by real kubectl 1.32 and the official client.

Messages and shapes are kube-apiserver 1.32's (apiserver `fieldmanager`, structured-merge-diff v4).
"""

from __future__ import annotations

import copy
import json
from pathlib import Path
from typing import Any

import pytest
import yaml
from kubernetes.client.exceptions import ApiException

from reconciler.core.calls import CallCounter
from reconciler.core.settings import Settings
from reconciler.gateways import kube as kube_gateway
from reconciler.sandbox.kube import KubeSandbox
from tests.sandbox_kube.kube_test_support import (
    CRDS,
    GROUP,
    HPO,
    VERSION,
    Custom,
    Kubectl,
    raw_request,
    sample_hpo,
)

NAME = "xgboost-mnist-hpo"
HPO_PATH = f"/apis/{GROUP}/{VERSION}/namespaces/default/{HPO}"
APPLY = "application/apply-patch+yaml"
LIMIT = ".spec.hyperParameterTuningJobConfig.resourceLimits.maxNumberOfTrainingJobs"


def _apply(kubectl: Kubectl, tmp_path: Path, doc: dict[str, Any], *args: str, check: bool = True) -> Any:
    manifest = tmp_path / f"apply-{abs(hash(json.dumps(doc, sort_keys=True)))}.yaml"
    manifest.write_text(yaml.safe_dump(doc))
    return kubectl("apply", "--server-side", "-f", str(manifest), *args, check=check)


def _managed(custom: Custom, name: str = NAME) -> dict[tuple[str, str], dict[str, Any]]:
    obj = custom.get_namespaced_custom_object(GROUP, VERSION, "default", HPO, name)
    return {(e["manager"], e["operation"]): e for e in obj["metadata"].get("managedFields", [])}


def _with_limit(limit: int, doc: dict[str, Any] | None = None) -> dict[str, Any]:
    doc = copy.deepcopy(doc or sample_hpo())
    doc["spec"]["hyperParameterTuningJobConfig"]["resourceLimits"]["maxNumberOfTrainingJobs"] = limit
    return doc


def test_apply_creates_the_object_with_an_apply_entry(
    crds: KubeSandbox, kubectl: Kubectl, custom: Custom, tmp_path: Path
) -> None:
    out = _apply(kubectl, tmp_path, sample_hpo()).stdout
    assert out.strip() == f"hyperparametertuningjob.{GROUP}/{NAME} serverside-applied"
    entries = _managed(custom)
    assert list(entries) == [("kubectl", "Apply")]
    entry = entries[("kubectl", "Apply")]
    assert entry["apiVersion"] == f"{GROUP}/{VERSION}" and entry["fieldsType"] == "FieldsV1"
    assert entry["time"].endswith("Z")
    spec = entry["fieldsV1"]["f:spec"]
    assert spec["f:hyperParameterTuningJobConfig"]["f:resourceLimits"]["f:maxNumberOfTrainingJobs"] == {}
    assert "f:name" not in entry["fieldsV1"].get("f:metadata", {})  # never owned
    # Re-applying the same configuration changes nothing, not even the resourceVersion.
    before = custom.get_namespaced_custom_object(GROUP, VERSION, "default", HPO, NAME)
    _apply(kubectl, tmp_path, sample_hpo())
    after = custom.get_namespaced_custom_object(GROUP, VERSION, "default", HPO, NAME)
    assert after["metadata"]["resourceVersion"] == before["metadata"]["resourceVersion"]


def test_a_conflict_between_two_managers_then_force_conflicts(
    crds: KubeSandbox, kubectl: Kubectl, custom: Custom, tmp_path: Path
) -> None:
    _apply(kubectl, tmp_path, sample_hpo(), "--field-manager=alice")
    refused = _apply(kubectl, tmp_path, _with_limit(7), "--field-manager=bob", check=False)
    assert refused.returncode == 1
    assert f'error: Apply failed with 1 conflict: conflict with "alice": {LIMIT}' in refused.stderr
    assert "--force-conflicts" in refused.stderr  # kubectl's own advice follows the server's message
    # The Status the server sent: 409 Conflict, one FieldManagerConflict cause per field.
    code, status = raw_request(
        crds,
        "PATCH",
        f"{HPO_PATH}/{NAME}?fieldManager=bob",
        json.dumps(_with_limit(7)).encode(),
        content_type=APPLY,
    )
    assert code == 409 and status["reason"] == "Conflict"
    assert status["details"]["causes"] == [
        {"reason": "FieldManagerConflict", "message": 'conflict with "alice"', "field": LIMIT}
    ]
    stored = custom.get_namespaced_custom_object(GROUP, VERSION, "default", HPO, NAME)
    assert stored["spec"]["hyperParameterTuningJobConfig"]["resourceLimits"]["maxNumberOfTrainingJobs"] == 10
    # --force-conflicts takes the field over.
    _apply(kubectl, tmp_path, _with_limit(7), "--field-manager=bob", "--force-conflicts")
    stored = custom.get_namespaced_custom_object(GROUP, VERSION, "default", HPO, NAME)
    assert stored["spec"]["hyperParameterTuningJobConfig"]["resourceLimits"]["maxNumberOfTrainingJobs"] == 7
    entries = _managed(custom)

    def limits(entry: dict[str, Any]) -> dict[str, Any]:
        owned: dict[str, Any] = entry["fieldsV1"]["f:spec"]["f:hyperParameterTuningJobConfig"][
            "f:resourceLimits"
        ]
        return owned

    assert "f:maxNumberOfTrainingJobs" in limits(entries[("bob", "Apply")])
    assert "f:maxNumberOfTrainingJobs" not in limits(entries[("alice", "Apply")])
    # Now alice is the one in conflict, with bob.
    again = _apply(kubectl, tmp_path, sample_hpo(), "--field-manager=alice", check=False)
    assert f'conflict with "bob": {LIMIT}' in again.stderr


def test_applying_the_same_value_shares_ownership(
    crds: KubeSandbox, kubectl: Kubectl, custom: Custom, tmp_path: Path
) -> None:
    _apply(kubectl, tmp_path, sample_hpo(), "--field-manager=alice")
    _apply(kubectl, tmp_path, _with_limit(10), "--field-manager=bob")  # same value: no conflict
    entries = _managed(custom)
    assert {("alice", "Apply"), ("bob", "Apply")} <= set(entries)


def test_fields_a_manager_stops_applying_are_removed_unless_another_owns_them(
    crds: KubeSandbox, kubectl: Kubectl, custom: Custom, tmp_path: Path
) -> None:
    labelled = sample_hpo()
    labelled["metadata"]["labels"] = {"a": "1", "b": "2"}
    _apply(kubectl, tmp_path, labelled, "--field-manager=alice")
    shared = sample_hpo()
    shared["metadata"]["labels"] = {"b": "2"}
    _apply(kubectl, tmp_path, shared, "--field-manager=bob")
    _apply(kubectl, tmp_path, sample_hpo(), "--field-manager=alice")  # alice stops applying both labels
    stored = custom.get_namespaced_custom_object(GROUP, VERSION, "default", HPO, NAME)
    assert stored["metadata"]["labels"] == {"b": "2"}  # a removed; b kept, bob still applies it


def test_map_lists_merge_item_by_item_across_managers(
    kube: KubeSandbox, kubectl: Kubectl, tmp_path: Path
) -> None:
    def cronjob(container: str) -> dict[str, Any]:
        return {
            "apiVersion": "batch/v1",
            "kind": "CronJob",
            "metadata": {"name": "tick"},
            "spec": {
                "schedule": "*/5 * * * *",
                "jobTemplate": {
                    "spec": {
                        "template": {
                            "spec": {
                                "restartPolicy": "Never",
                                "containers": [{"name": container, "image": f"example/{container}:1"}],
                            }
                        }
                    }
                },
            },
        }

    _apply(kubectl, tmp_path, cronjob("main"), "--field-manager=alice")
    _apply(kubectl, tmp_path, cronjob("side"), "--field-manager=bob")
    stored = json.loads(kubectl("get", "cronjob", "tick", "--show-managed-fields", "-o", "json").stdout)
    containers = stored["spec"]["jobTemplate"]["spec"]["template"]["spec"]["containers"]
    assert [c["name"] for c in containers] == ["main", "side"]  # merged by the `name` merge key
    entries = {e["manager"]: e for e in stored["metadata"]["managedFields"]}
    pod = entries["bob"]["fieldsV1"]["f:spec"]["f:jobTemplate"]["f:spec"]["f:template"]["f:spec"]
    assert list(pod["f:containers"]) == ['k:{"name":"side"}']
    assert pod["f:containers"]['k:{"name":"side"}'] == {".": {}, "f:image": {}, "f:name": {}}


def test_updates_record_their_manager_and_conflict_with_appliers(
    crds: KubeSandbox, kubectl: Kubectl, custom: Custom, tmp_path: Path
) -> None:
    custom.create_namespaced_custom_object(GROUP, VERSION, "default", HPO, sample_hpo())
    # The official client sends no fieldManager: the User-Agent's product token names it.
    assert ("OpenAPI-Generator", "Update") in _managed(custom)
    kubectl("label", HPO, NAME, "team=ml")
    entries = _managed(custom)
    assert entries[("kubectl-label", "Update")]["fieldsV1"] == {
        "f:metadata": {"f:labels": {".": {}, "f:team": {}}}
    }
    labelled = sample_hpo()
    labelled["metadata"]["labels"] = {"team": "data"}
    refused = _apply(kubectl, tmp_path, labelled, check=False)
    assert (
        f'Apply failed with 1 conflict: conflict with "kubectl-label" using {GROUP}/{VERSION}: '
        ".metadata.labels.team"
    ) in refused.stderr
    # Two conflicting managers: one line each, managers sorted.
    limited = _with_limit(3, labelled)
    custom.patch_namespaced_custom_object(
        GROUP, VERSION, "default", HPO, NAME, {"spec": _with_limit(5)["spec"]}, field_manager="ops"
    )
    code, status = raw_request(
        crds,
        "PATCH",
        f"{HPO_PATH}/{NAME}?fieldManager=kubectl",
        json.dumps(limited).encode(),
        content_type=APPLY,
    )
    assert code == 409
    assert status["message"] == (
        "Apply failed with 2 conflicts: "
        f'conflicts with "kubectl-label" using {GROUP}/{VERSION}:\n- .metadata.labels.team\n'
        f'conflicts with "ops" using {GROUP}/{VERSION}:\n- {LIMIT}'
    )


def test_apply_options_are_validated(crds: KubeSandbox, custom: Custom) -> None:
    body = json.dumps(sample_hpo()).encode()
    code, status = raw_request(crds, "PATCH", f"{HPO_PATH}/{NAME}", body, content_type=APPLY)
    assert code == 422
    assert status["message"] == (
        'PatchOptions.meta.k8s.io "" is invalid: fieldManager: Required value: is required for apply patch'
    )
    custom.create_namespaced_custom_object(GROUP, VERSION, "default", HPO, sample_hpo())
    code, status = raw_request(
        crds,
        "PATCH",
        f"{HPO_PATH}/{NAME}?force=true",
        b'{"metadata":{"labels":{"a":"b"}}}',
        content_type="application/merge-patch+json",
    )
    assert code == 422
    assert status["message"].endswith("force: Forbidden: may not be specified for non-apply patch")
    wrong = sample_hpo()
    wrong["apiVersion"] = f"{GROUP}/v2"
    code, status = raw_request(
        crds, "PATCH", f"{HPO_PATH}/{NAME}?fieldManager=x", json.dumps(wrong).encode(), content_type=APPLY
    )
    assert code == 400 and status["message"] == (
        f"Incorrect version specified in apply patch. Specified patch version: {GROUP}/v2, "
        f"expected: {GROUP}/{VERSION}"
    )


def test_managed_fields_can_be_reset_and_are_kept_when_omitted(crds: KubeSandbox, custom: Custom) -> None:
    created = custom.create_namespaced_custom_object(GROUP, VERSION, "default", HPO, sample_hpo())
    created["metadata"].pop("managedFields")
    created["metadata"]["labels"] = {"x": "y"}
    replaced = custom.replace_namespaced_custom_object(GROUP, VERSION, "default", HPO, NAME, created)
    assert [e["manager"] for e in replaced["metadata"]["managedFields"]] == ["OpenAPI-Generator"]
    replaced["metadata"]["managedFields"] = [{}]
    reset = custom.replace_namespaced_custom_object(GROUP, VERSION, "default", HPO, NAME, replaced)
    assert "managedFields" not in reset["metadata"]


def test_crds_apply_server_side(kube: KubeSandbox, kubectl: Kubectl) -> None:
    first = kubectl("apply", "--server-side", "-f", str(CRDS)).stdout
    assert f"customresourcedefinition.apiextensions.k8s.io/{HPO}.{GROUP} serverside-applied" in first
    crd = json.loads(kubectl("get", "crd", f"{HPO}.{GROUP}", "--show-managed-fields", "-o", "json").stdout)
    assert "kubectl.kubernetes.io/last-applied-configuration" not in crd["metadata"].get("annotations", {})
    assert [(e["manager"], e["operation"]) for e in crd["metadata"]["managedFields"]] == [
        ("kubectl", "Apply")
    ]
    kubectl("apply", "--server-side", "-f", str(CRDS))
    again = json.loads(kubectl("get", "crd", f"{HPO}.{GROUP}", "--show-managed-fields", "-o", "json").stdout)
    assert again["metadata"]["resourceVersion"] == crd["metadata"]["resourceVersion"]


@pytest.mark.parametrize("subresource", [None, "status"])
def test_apply_to_a_missing_object(crds: KubeSandbox, custom: Custom, subresource: str | None) -> None:
    path = f"{HPO_PATH}/{NAME}" + (f"/{subresource}" if subresource else "")
    code, created = raw_request(
        crds, "PATCH", f"{path}?fieldManager=gitops", json.dumps(sample_hpo()).encode(), content_type=APPLY
    )
    if subresource:
        assert code == 404
        return
    assert code == 201 and created["metadata"]["managedFields"][0]["manager"] == "gitops"
    with pytest.raises(ApiException) as caught:
        custom.create_namespaced_custom_object(GROUP, VERSION, "default", HPO, sample_hpo())
    assert caught.value.status == 409


def test_reapplying_keeps_what_the_reconciler_wrote(
    crds: KubeSandbox, kubectl: Kubectl, custom: Custom, kubeconfig: Path, tmp_path: Path
) -> None:
    """A GitOps tool re-applies the manifest after the reconciler (its real gateway) added its finalizer,
    an annotation and status: nothing of the reconciler's is removed or in conflict."""
    _apply(kubectl, tmp_path, sample_hpo(), "--field-manager=flux")
    gateway = kube_gateway.KubeGateway(
        kube_gateway.connect(Settings(kubeconfig=str(kubeconfig))), calls=CallCounter()
    )
    live = custom.get_namespaced_custom_object(GROUP, VERSION, "default", HPO, NAME)
    gateway.set_finalizers(
        "default",
        NAME,
        ["sagemaker.aws.amazon.com/hyperparametertuningjob"],
        resource_version=live["metadata"]["resourceVersion"],
        annotations={"sagemaker.aws.amazon.com/creation-endpoint": "https://api.sagemaker.example"},
    )
    gateway.patch_tuning_job_status("default", NAME, {"hyperParameterTuningJobStatus": "InProgress"})
    _apply(kubectl, tmp_path, sample_hpo(), "--field-manager=flux")
    stored = custom.get_namespaced_custom_object(GROUP, VERSION, "default", HPO, NAME)
    assert stored["metadata"]["finalizers"] == ["sagemaker.aws.amazon.com/hyperparametertuningjob"]
    assert "sagemaker.aws.amazon.com/creation-endpoint" in stored["metadata"]["annotations"]
    assert stored["status"]["hyperParameterTuningJobStatus"] == "InProgress"
    entries = {
        (e["manager"], e["operation"], e.get("subresource", "")) for e in stored["metadata"]["managedFields"]
    }
    assert entries == {
        ("flux", "Apply", ""),
        ("hpo-reconciler", "Update", ""),  # the gateway names itself: FIELD_MANAGER
        ("hpo-reconciler", "Update", "status"),
    }


def test_migration_applies_our_crds_over_the_operators(
    kube: KubeSandbox, kubectl: Kubectl, tmp_path: Path
) -> None:
    """docs/migration.md step 3: `kubectl apply --server-side --force-conflicts -f crds/` over CRDs another
    tool created with other values: without --force-conflicts the apply names that tool's fields."""
    ours = yaml.safe_load((CRDS / "hyperparametertuningjob.yaml").read_text())
    theirs = copy.deepcopy(ours)
    theirs["spec"]["names"]["shortNames"] = ["hpojob"]
    legacy = tmp_path / "legacy-crd.yaml"
    legacy.write_text(yaml.safe_dump(theirs))
    kubectl("create", "-f", str(legacy), "--field-manager=operator-install")
    target = tmp_path / "ours.yaml"
    target.write_text(yaml.safe_dump(ours))
    refused = kubectl("apply", "--server-side", "-f", str(target), check=False)
    assert refused.returncode == 1
    assert (
        'conflict with "operator-install" using apiextensions.k8s.io/v1: .spec.names.shortNames'
        in refused.stderr
    )
    kubectl("apply", "--server-side", "--force-conflicts", "-f", str(target))
    crd = json.loads(kubectl("get", "crd", f"{HPO}.{GROUP}", "--show-managed-fields", "-o", "json").stdout)
    assert crd["spec"]["names"]["shortNames"] == ours["spec"]["names"]["shortNames"]
    owners = {e["manager"]: e for e in crd["metadata"]["managedFields"]}
    assert "f:shortNames" in owners["kubectl"]["fieldsV1"]["f:spec"]["f:names"]
    assert "f:shortNames" not in owners["operator-install"]["fieldsV1"].get("f:spec", {}).get("f:names", {})


def test_server_side_apply_after_client_side_apply(
    crds: KubeSandbox, kubectl: Kubectl, custom: Custom, tmp_path: Path
) -> None:
    """As with a real server, switching to server-side apply while changing a value conflicts with the
    client-side applier; applying the same manifest first lets kubectl move that applier's fields to its
    Apply manager (a JSON patch of managedFields, after a successful apply), and then changes apply."""
    path = tmp_path / "hpo.yaml"
    path.write_text(yaml.safe_dump(sample_hpo()))
    kubectl("apply", "-f", str(path))
    assert ("kubectl-client-side-apply", "Update") in _managed(custom)
    changed = _apply(kubectl, tmp_path, _with_limit(4), check=False)
    assert f'conflict with "kubectl-client-side-apply" using {GROUP}/{VERSION}: {LIMIT}' in changed.stderr
    _apply(kubectl, tmp_path, sample_hpo())
    assert ("kubectl", "Apply") in _managed(custom)
    _apply(kubectl, tmp_path, _with_limit(4))
    stored = custom.get_namespaced_custom_object(GROUP, VERSION, "default", HPO, NAME)
    assert stored["spec"]["hyperParameterTuningJobConfig"]["resourceLimits"]["maxNumberOfTrainingJobs"] == 4


def test_apply_to_the_status_subresource(
    crds: KubeSandbox, kubectl: Kubectl, custom: Custom, tmp_path: Path
) -> None:
    _apply(kubectl, tmp_path, sample_hpo())
    with_status = sample_hpo()
    with_status["status"] = {"hyperParameterTuningJobStatus": "InProgress"}
    with_status["spec"]["hyperParameterTuningJobConfig"]["strategy"] = "Random"  # ignored through /status
    _apply(kubectl, tmp_path, with_status, "--subresource=status", "--field-manager=controller")
    stored = custom.get_namespaced_custom_object(GROUP, VERSION, "default", HPO, NAME)
    assert stored["status"] == {"hyperParameterTuningJobStatus": "InProgress"}
    assert stored["spec"]["hyperParameterTuningJobConfig"]["strategy"] == "Bayesian"
    entries = {(e["manager"], e.get("subresource", "")): e for e in stored["metadata"]["managedFields"]}
    assert entries[("controller", "status")]["fieldsV1"] == {
        "f:status": {"f:hyperParameterTuningJobStatus": {}}
    }
    assert "f:status" not in entries[("kubectl", "")]["fieldsV1"]
