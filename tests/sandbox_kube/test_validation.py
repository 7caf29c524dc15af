"""CRD schema validation, pruning, fieldValidation, bad input: the API server's codes and Status reasons."""

from __future__ import annotations

import json
import socket
import urllib.request
from typing import Any

import pytest
import yaml
from kubernetes.client.exceptions import ApiException

from reconciler.sandbox.kube import KubeSandbox
from tests.sandbox_kube.kube_test_support import (
    GROUP,
    HPO,
    VERSION,
    Custom,
    patch_hpo_status,
    raw_request,
    sample_hpo,
)

HPO_PATH = f"/apis/{GROUP}/{VERSION}/namespaces/default/{HPO}"


def status_of(exc: ApiException) -> dict[str, Any]:
    body: dict[str, Any] = json.loads(exc.body or "{}")
    return body


def test_schema_violations_are_422_invalid_with_causes(crds: KubeSandbox, custom: Custom) -> None:
    body = sample_hpo()
    limits = body["spec"]["hyperParameterTuningJobConfig"]["resourceLimits"]
    limits["maxNumberOfTrainingJobs"] = 0
    body["spec"]["hyperParameterTuningJobConfig"]["strategy"] = "Sideways"
    with pytest.raises(ApiException) as caught:
        custom.create_namespaced_custom_object(GROUP, VERSION, "default", HPO, body)
    assert caught.value.status == 422
    status = status_of(caught.value)
    assert status["reason"] == "Invalid"
    assert status["message"].startswith(f'HyperparameterTuningJob.{GROUP} "xgboost-mnist-hpo" is invalid: [')
    causes = {c["field"]: c for c in status["details"]["causes"]}
    limit_field = "spec.hyperParameterTuningJobConfig.resourceLimits.maxNumberOfTrainingJobs"
    assert causes[limit_field]["reason"] == "FieldValueInvalid"
    assert "should be greater than or equal to 1" in causes[limit_field]["message"]
    assert causes["spec.hyperParameterTuningJobConfig.strategy"]["reason"] == "FieldValueNotSupported"
    assert status["details"] == {
        **status["details"],
        "name": "xgboost-mnist-hpo",
        "group": GROUP,
        "kind": "HyperparameterTuningJob",
    }


def test_status_writes_are_validated_too(crds: KubeSandbox, custom: Custom) -> None:
    custom.create_namespaced_custom_object(GROUP, VERSION, "default", HPO, sample_hpo())
    with pytest.raises(ApiException) as caught:
        patch_hpo_status(
            custom,
            "xgboost-mnist-hpo",
            {"status": {"trainingJobStatusCounters": {"completed": "three"}}},
        )
    assert caught.value.status == 422
    fields = [c["field"] for c in status_of(caught.value)["details"]["causes"]]
    assert fields == ["status.trainingJobStatusCounters.completed"]


def test_unknown_fields_are_pruned_with_a_warning_by_default(crds: KubeSandbox) -> None:
    body = sample_hpo()
    body["spec"]["notAField"] = 1
    body["metadata"]["bogus"] = "x"
    request_body = json.dumps(body).encode()
    request = urllib.request.Request(
        crds.url + HPO_PATH, data=request_body, method="POST", headers={"Content-Type": "application/json"}
    )
    with urllib.request.urlopen(request, timeout=30) as response:
        warnings = response.headers.get_all("Warning")
        stored = json.loads(response.read())
    assert response.status == 201
    assert "notAField" not in stored["spec"] and "bogus" not in stored["metadata"]
    assert warnings is not None and any('unknown field \\"spec.notAField\\"' in w for w in warnings)


def test_field_validation_strict_rejects_unknown_fields(crds: KubeSandbox) -> None:
    body = sample_hpo()
    body["spec"]["notAField"] = 1
    code, status = raw_request(crds, "POST", HPO_PATH + "?fieldValidation=Strict", json.dumps(body).encode())
    assert code == 400
    assert status["reason"] == "BadRequest"
    assert status["message"] == (
        'HyperparameterTuningJob in version "v1" cannot be handled as a HyperparameterTuningJob: '
        'strict decoding error: unknown field "spec.notAField"'
    )
    code, _ = raw_request(crds, "POST", HPO_PATH + "?fieldValidation=Ignore", json.dumps(body).encode())
    assert code == 201
    code, status = raw_request(crds, "POST", HPO_PATH + "?fieldValidation=Loose", json.dumps(body).encode())
    assert code == 400 and "fieldValidation" in status["message"]


@pytest.mark.parametrize(
    ("body", "content_type", "fragment"),
    [
        (b'{"apiVersion": "sagemaker.aws.amazon.com/v1", "kind":', "application/json", "json parse error"),
        (b"kind: [unclosed", "application/yaml", "json parse error"),
        (b"[1, 2]", "application/json", "the object provided is unrecognized"),
    ],
)
def test_malformed_bodies_are_400(crds: KubeSandbox, body: bytes, content_type: str, fragment: str) -> None:
    code, status = raw_request(crds, "POST", HPO_PATH, body, content_type=content_type)
    assert code == 400
    assert status["reason"] == "BadRequest" and fragment in status["message"]


def test_yaml_bodies_are_accepted(crds: KubeSandbox) -> None:
    code, created = raw_request(
        crds, "POST", HPO_PATH, yaml.safe_dump(sample_hpo()).encode(), content_type="application/yaml"
    )
    assert code == 201 and created["metadata"]["name"] == "xgboost-mnist-hpo"


def test_wrong_api_version_or_kind_in_body(crds: KubeSandbox) -> None:
    body = sample_hpo()
    body["apiVersion"] = "sagemaker.aws.amazon.com/v2"
    code, status = raw_request(crds, "POST", HPO_PATH, json.dumps(body).encode())
    assert code == 400 and status["reason"] == "BadRequest"
    assert status["message"] == (
        "the API version in the data (sagemaker.aws.amazon.com/v2) does not match the expected API version "
        "(sagemaker.aws.amazon.com/v1)"
    )
    body = sample_hpo()
    body["kind"] = "TrainingJob"
    code, status = raw_request(crds, "POST", HPO_PATH, json.dumps(body).encode())
    assert code == 422 and status["reason"] == "Invalid"
    assert status["details"]["causes"] == [
        {
            "reason": "FieldValueInvalid",
            "message": 'Invalid value: "TrainingJob": must be HyperparameterTuningJob',
            "field": "kind",
        }
    ]


def test_a_body_without_kind_takes_it_from_the_url(crds: KubeSandbox) -> None:
    body = sample_hpo()
    del body["kind"], body["apiVersion"]
    code, created = raw_request(crds, "POST", HPO_PATH, json.dumps(body).encode())
    assert code == 201 and created["kind"] == "HyperparameterTuningJob"


@pytest.mark.parametrize("name", ["XGBoost", "under_score", "-leading", "a" * 254])
def test_names_must_be_dns_1123_subdomains(crds: KubeSandbox, name: str) -> None:
    code, status = raw_request(crds, "POST", HPO_PATH, json.dumps(sample_hpo(name)).encode())
    assert code == 422 and status["reason"] == "Invalid"
    cause = status["details"]["causes"][0]
    assert cause["field"] == "metadata.name" and cause["reason"] == "FieldValueInvalid"


def test_namespace_names_must_be_dns_1123_labels(kube: KubeSandbox) -> None:
    body = {"apiVersion": "v1", "kind": "Namespace", "metadata": {"name": "has.dot"}}
    code, status = raw_request(kube, "POST", "/api/v1/namespaces", json.dumps(body).encode())
    assert code == 422
    assert "a lowercase RFC 1123 label must consist of" in status["message"]


def test_missing_name_is_required(crds: KubeSandbox) -> None:
    body = sample_hpo()
    del body["metadata"]["name"]
    code, status = raw_request(crds, "POST", HPO_PATH, json.dumps(body).encode())
    assert code == 422
    assert status["details"]["causes"][0]["message"] == "Required value: name or generateName is required"


def test_bodies_over_3_mib_are_413(crds: KubeSandbox) -> None:
    body = sample_hpo()
    body["metadata"]["annotations"] = {"big": "x" * (3 * 1024 * 1024)}
    code, status = raw_request(crds, "POST", HPO_PATH, json.dumps(body).encode())
    assert code == 413
    assert status["reason"] == "RequestEntityTooLarge"
    assert status["message"] == "Request entity too large: limit is 3145728"
    code, _ = raw_request(crds, "GET", HPO_PATH)  # the server is still healthy
    assert code == 200


def test_unknown_resources_and_paths_are_404(crds: KubeSandbox) -> None:
    code, status = raw_request(crds, "GET", f"/apis/{GROUP}/{VERSION}/namespaces/default/widgets")
    assert code == 404 and status["reason"] == "NotFound"
    assert status["message"] == "the server could not find the requested resource"
    code, _ = raw_request(crds, "GET", "/apis/nowhere.example.com/v1")
    assert code == 404
    code, text = raw_request(crds, "GET", "/not/an/api/path")
    assert code == 404 and text == "404 page not found\n"
    code, status = raw_request(crds, "GET", f"{HPO_PATH}/x/scale")
    assert code == 404


def test_unsupported_verbs_are_405(crds: KubeSandbox) -> None:
    code, status = raw_request(crds, "POST", f"{HPO_PATH}/some-name", b"{}")
    assert code == 405 and status["reason"] == "MethodNotAllowed"
    assert status["message"] == "the server does not allow this method on the requested resource"
    code, status = raw_request(crds, "PUT", HPO_PATH, b"{}")
    assert code == 405 and status["reason"] == "MethodNotAllowed"


def test_patch_with_unknown_content_type_is_415(crds: KubeSandbox, custom: Custom) -> None:
    custom.create_namespaced_custom_object(GROUP, VERSION, "default", HPO, sample_hpo())

    def patch(body: bytes, content_type: str) -> tuple[int, Any]:
        return raw_request(crds, "PATCH", f"{HPO_PATH}/xgboost-mnist-hpo", body, content_type=content_type)

    code, status = patch(b"{}", "application/x-unknown-patch")
    assert code == 415 and status["reason"] == "UnsupportedMediaType"
    # Custom resources have no strategic merge patch (no Go struct to read patch strategies from).
    code, status = patch(b"{}", "application/strategic-merge-patch+json")
    assert code == 415 and status["reason"] == "UnsupportedMediaType"
    code, status = patch(b"{not json", "application/merge-patch+json")
    assert code == 400 and status["reason"] == "BadRequest"


def test_invalid_label_values_are_422(crds: KubeSandbox) -> None:
    body = sample_hpo()
    body["metadata"]["labels"] = {"team": "has space"}
    code, status = raw_request(crds, "POST", HPO_PATH, json.dumps(body).encode())
    assert code == 422
    assert status["details"]["causes"][0]["field"] == "metadata.labels"


def test_dry_run_stores_nothing(crds: KubeSandbox, custom: Custom) -> None:
    code, created = raw_request(crds, "POST", HPO_PATH + "?dryRun=All", json.dumps(sample_hpo()).encode())
    assert code == 201 and created["metadata"]["uid"]
    assert custom.list_namespaced_custom_object(GROUP, VERSION, "default", HPO)["items"] == []


@pytest.mark.parametrize(
    "metadata",
    [
        "not-an-object",
        {"name": "x", "labels": ["a", "b"]},
        {"name": "x", "labels": {"a": 1}},
        {"name": "x", "annotations": "text"},
        {"name": "x", "finalizers": "example.com/f"},
        {"name": "x", "ownerReferences": ["uid"]},
        {"name": 42},
    ],
)
def test_malformed_metadata_is_400_not_500(crds: KubeSandbox, metadata: Any) -> None:
    body = sample_hpo()
    body["metadata"] = metadata
    code, status = raw_request(crds, "POST", HPO_PATH, json.dumps(body).encode())
    assert code == 400, status
    assert status["reason"] == "BadRequest" and "cannot unmarshal" in status["message"]


def test_owner_references_need_uid_and_name(crds: KubeSandbox) -> None:
    body = sample_hpo()
    body["metadata"]["ownerReferences"] = [{"apiVersion": "v1", "kind": "Namespace", "name": "default"}]
    code, status = raw_request(crds, "POST", HPO_PATH, json.dumps(body).encode())
    assert code == 422
    assert status["details"]["causes"][0]["field"] == "metadata.ownerReferences[0].uid"


def test_the_legacy_unqualified_finalizer_is_accepted_with_a_warning(crds: KubeSandbox) -> None:
    body = sample_hpo()
    body["metadata"]["finalizers"] = ["sagemaker-operator-finalizer"]
    request = urllib.request.Request(
        crds.url + HPO_PATH,
        data=json.dumps(body).encode(),
        method="POST",
        headers={"Content-Type": "application/json"},
    )
    with urllib.request.urlopen(request, timeout=30) as response:
        warnings = response.headers.get_all("Warning") or []
        stored = json.loads(response.read())
    assert stored["metadata"]["finalizers"] == ["sagemaker-operator-finalizer"]
    assert any("prefer a domain-qualified finalizer name" in w for w in warnings)


def test_badly_framed_bodies_are_400(crds: KubeSandbox) -> None:
    host, port = crds.url.removeprefix("http://").split(":")
    with socket.create_connection((host, int(port)), timeout=30) as connection:
        connection.sendall(
            f"POST {HPO_PATH} HTTP/1.1\r\nHost: x\r\nContent-Type: application/json\r\n"
            "Transfer-Encoding: chunked\r\n\r\nzz\r\n{}\r\n0\r\n\r\n".encode()
        )
        reply = connection.recv(65536).decode()
    assert reply.startswith("HTTP/1.1 400")
    assert '"reason":"BadRequest"' in reply
