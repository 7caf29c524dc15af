"""Write rules the emulator once waved through (issue 10 item 10), as kube-apiserver 1.32 applies them.

Deletion with finalizers bumps generation (registry `markAsDeleting`); a create carrying a resourceVersion
fails in the etcd3 store; numbers outside int64 are not integers; annotations total at most 256 KiB.
"""

from __future__ import annotations

import json
from pathlib import Path
from typing import Any

import pytest
import yaml
from kubernetes.client.exceptions import ApiException

from reconciler.sandbox.kube import KubeSandbox
from tests.sandbox_kube.kube_test_support import (
    GROUP,
    HPO,
    VERSION,
    Core,
    Custom,
    Kubectl,
    raw_request,
    sample_hpo,
)

HPO_PATH = f"/apis/{GROUP}/{VERSION}/namespaces/default/{HPO}"
LIMIT_FIELD = "spec.hyperParameterTuningJobConfig.resourceLimits.maxNumberOfTrainingJobs"


def _status(exc: ApiException) -> dict[str, Any]:
    body: dict[str, Any] = json.loads(exc.body or "{}")
    return body


def test_deleting_an_object_with_finalizers_bumps_its_generation_once(
    crds: KubeSandbox, custom: Custom
) -> None:
    body = sample_hpo()
    body["metadata"]["finalizers"] = ["example.com/hold"]
    created = custom.create_namespaced_custom_object(GROUP, VERSION, "default", HPO, body)
    assert created["metadata"]["generation"] == 1
    deleted = custom.delete_namespaced_custom_object(GROUP, VERSION, "default", HPO, "xgboost-mnist-hpo")
    assert deleted["metadata"]["deletionTimestamp"]
    assert deleted["metadata"]["generation"] == 2
    again = custom.delete_namespaced_custom_object(GROUP, VERSION, "default", HPO, "xgboost-mnist-hpo")
    assert again["metadata"]["generation"] == 2  # only the first deletion marks it
    stored = custom.get_namespaced_custom_object(GROUP, VERSION, "default", HPO, "xgboost-mnist-hpo")
    assert stored["metadata"]["generation"] == 2


def test_deleting_without_finalizers_keeps_the_generation_of_the_last_state(
    crds: KubeSandbox, custom: Custom
) -> None:
    custom.create_namespaced_custom_object(GROUP, VERSION, "default", HPO, sample_hpo())
    deleted = custom.delete_namespaced_custom_object(GROUP, VERSION, "default", HPO, "xgboost-mnist-hpo")
    assert deleted["metadata"]["generation"] == 1


def test_a_create_carrying_a_resource_version_is_refused(crds: KubeSandbox, custom: Custom) -> None:
    body = sample_hpo()
    body["metadata"]["resourceVersion"] = "12345"
    with pytest.raises(ApiException) as caught:
        custom.create_namespaced_custom_object(GROUP, VERSION, "default", HPO, body)
    assert caught.value.status == 500
    status = _status(caught.value)
    assert status["message"] == "resourceVersion should not be set on objects to be created"
    assert "reason" not in status  # StatusReasonUnknown, omitted
    assert custom.list_namespaced_custom_object(GROUP, VERSION, "default", HPO)["items"] == []
    # "0" (and an unparsable value) pass the store's check; a dry run never reaches it.
    body["metadata"]["resourceVersion"] = "0"
    created = custom.create_namespaced_custom_object(GROUP, VERSION, "default", HPO, body)
    assert created["metadata"]["resourceVersion"] not in ("0", "12345")
    body["metadata"].update(name="dry", resourceVersion="7")
    dry = custom.create_namespaced_custom_object(GROUP, VERSION, "default", HPO, body, dry_run="All")
    assert dry["metadata"]["name"] == "dry"


def test_kubectl_raw_create_of_an_exported_object_fails(
    crds: KubeSandbox, kubectl: Kubectl, tmp_path: Path
) -> None:
    body = sample_hpo()
    body["metadata"]["resourceVersion"] = "42"
    manifest = tmp_path / "exported.json"
    manifest.write_text(json.dumps(body))
    # `kubectl create -f` clears the resourceVersion itself (resource.Helper.Create); `--raw` sends the bytes.
    raw = kubectl("create", "--raw", HPO_PATH, "-f", str(manifest), check=False)
    assert raw.returncode == 1
    assert "resourceVersion should not be set on objects to be created" in raw.stderr
    created = kubectl("create", "-f", str(manifest))
    assert "xgboost-mnist-hpo created" in created.stdout


@pytest.mark.parametrize("too_big", [2**63, -(2**63) - 1, 10**30])
def test_integers_outside_int64_are_not_integers(crds: KubeSandbox, too_big: int) -> None:
    body = sample_hpo()
    body["spec"]["hyperParameterTuningJobConfig"]["resourceLimits"]["maxNumberOfTrainingJobs"] = too_big
    code, status = raw_request(crds, "POST", HPO_PATH, json.dumps(body).encode())
    assert code == 422 and status["reason"] == "Invalid"
    assert status["details"]["causes"][0] == {
        "reason": "FieldValueTypeInvalid",
        "message": f'Invalid value: "number": {LIMIT_FIELD} in body must be of type integer: "number"',
        "field": LIMIT_FIELD,
    }


def test_the_largest_int64_is_still_an_integer(crds: KubeSandbox) -> None:
    body = sample_hpo()
    body["spec"]["hyperParameterTuningJobConfig"]["resourceLimits"]["maxNumberOfTrainingJobs"] = 2**63 - 1
    code, status = raw_request(crds, "POST", HPO_PATH, json.dumps(body).encode())
    causes = status.get("details", {}).get("causes", []) if code == 422 else []
    assert all("must be of type integer" not in c["message"] for c in causes), status


def test_integers_outside_int64_in_a_patch_or_yaml_body(crds: KubeSandbox, custom: Custom) -> None:
    custom.create_namespaced_custom_object(GROUP, VERSION, "default", HPO, sample_hpo())
    limits = b'{"resourceLimits":{"maxNumberOfTrainingJobs":9223372036854775808}}'
    patch = b'{"spec":{"hyperParameterTuningJobConfig":' + limits + b"}}"
    code, status = raw_request(
        crds, "PATCH", f"{HPO_PATH}/xgboost-mnist-hpo", patch, content_type="application/merge-patch+json"
    )
    assert code == 422 and "must be of type integer" in status["message"]
    body = sample_hpo("from-yaml")
    body["spec"]["hyperParameterTuningJobConfig"]["resourceLimits"]["maxNumberOfTrainingJobs"] = 2**64
    code, status = raw_request(
        crds, "POST", HPO_PATH, yaml.safe_dump(body).encode(), content_type="application/yaml"
    )
    assert code == 422 and "must be of type integer" in status["message"]


def test_a_number_no_float64_holds_is_a_decode_error(crds: KubeSandbox) -> None:
    body = json.dumps(sample_hpo()).replace(
        '"maxNumberOfTrainingJobs": 10', '"maxNumberOfTrainingJobs": 1e400'
    )
    assert "1e400" in body
    code, status = raw_request(crds, "POST", HPO_PATH, body.encode())
    assert code == 400 and status["reason"] == "BadRequest"
    assert 'strconv.ParseFloat: parsing "1e400": value out of range' in status["message"]


def test_total_annotation_size_is_limited_to_256_kib(crds: KubeSandbox, custom: Custom, core: Core) -> None:
    body = sample_hpo()
    # Keys count too: 262144 bytes in all is the most that fits.
    body["metadata"]["annotations"] = {"a": "x" * (262144 - 1)}
    created = custom.create_namespaced_custom_object(GROUP, VERSION, "default", HPO, body)
    assert len(created["metadata"]["annotations"]["a"]) == 262143
    with pytest.raises(ApiException) as caught:
        custom.patch_namespaced_custom_object(
            GROUP, VERSION, "default", HPO, "xgboost-mnist-hpo", {"metadata": {"annotations": {"b": ""}}}
        )
    status = _status(caught.value)
    assert caught.value.status == 422
    assert status["message"] == (
        f'HyperparameterTuningJob.{GROUP} "xgboost-mnist-hpo" is invalid: '
        "metadata.annotations: Too long: may not be more than 262144 bytes"
    )
    assert status["details"]["causes"] == [
        {
            "reason": "FieldValueTooLong",
            "message": "Too long: may not be more than 262144 bytes",
            "field": "metadata.annotations",
        }
    ]
    with pytest.raises(ApiException) as namespace:
        core.create_namespace({"metadata": {"name": "big", "annotations": {"n": "é" * 131072}}})
    assert namespace.value.status == 422  # bytes, not characters: 1 + 262144 bytes


def test_a_uid_that_is_not_the_stored_one_fails_update_and_delete_with_409(
    crds: KubeSandbox, custom: Custom
) -> None:
    # kube-apiserver words both as "Precondition failed: UID in precondition: X, UID in object meta: Y"
    # (apiserver registry store: update checks the object's metadata.uid, delete its preconditions.uid).
    created = custom.create_namespaced_custom_object(GROUP, VERSION, "default", HPO, sample_hpo())
    uid = created["metadata"]["uid"]
    name = "xgboost-mnist-hpo"
    expected = f'"{name}": Precondition failed: UID in precondition: not-the-uid, UID in object meta: {uid}'
    body = dict(created, metadata=dict(created["metadata"], uid="not-the-uid"))
    with pytest.raises(ApiException) as update:
        custom.replace_namespaced_custom_object(GROUP, VERSION, "default", HPO, name, body)
    assert update.value.status == 409
    assert _status(update.value)["message"].endswith(expected)
    with pytest.raises(ApiException) as delete:
        custom.delete_namespaced_custom_object(
            GROUP, VERSION, "default", HPO, name, body={"preconditions": {"uid": "not-the-uid"}}
        )
    assert delete.value.status == 409
    assert _status(delete.value)["message"].endswith(expected)
    assert custom.get_namespaced_custom_object(GROUP, VERSION, "default", HPO, name)["metadata"]["uid"] == uid
