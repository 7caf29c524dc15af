"""Create/get/list/update/patch/delete through the official client, with the API server's metadata rules."""

from __future__ import annotations

import json
import uuid
from typing import Any

import kubernetes
import pytest
from kubernetes.client.exceptions import ApiException

from reconciler.sandbox.kube import KubeSandbox
from tests.sandbox_kube.kube_test_support import (
    GROUP,
    HPO,
    VERSION,
    Core,
    Custom,
    patch_hpo,
    patch_hpo_status,
    raw_request,
    sample_hpo,
)

# kubernetes-client 37 sends merge patches unless told otherwise, whatever the body's shape.
JSON_PATCH = "application/json-patch+json"


def create(custom: Custom, body: dict[str, Any], namespace: str = "default") -> dict[str, Any]:
    created: dict[str, Any] = custom.create_namespaced_custom_object(GROUP, VERSION, namespace, HPO, body)
    return created


def status_of(exc: ApiException) -> dict[str, Any]:
    body: dict[str, Any] = json.loads(exc.body or "{}")
    return body


def test_create_fills_server_metadata_and_returns_201(crds: KubeSandbox, custom: Custom) -> None:
    _, code, _ = custom.create_namespaced_custom_object_with_http_info(
        GROUP, VERSION, "default", HPO, sample_hpo()
    )
    assert code == 201
    got = custom.get_namespaced_custom_object(GROUP, VERSION, "default", HPO, "xgboost-mnist-hpo")
    meta = got["metadata"]
    uuid.UUID(meta["uid"])
    assert meta["generation"] == 1
    assert int(meta["resourceVersion"]) > 0
    assert meta["creationTimestamp"].endswith("Z")
    assert meta["namespace"] == "default"
    assert got["kind"] == "HyperparameterTuningJob" and got["apiVersion"] == f"{GROUP}/{VERSION}"


def test_resource_versions_are_one_increasing_cluster_wide_counter(
    crds: KubeSandbox, custom: Custom, core: Core
) -> None:
    first = create(custom, sample_hpo("a"))
    namespace = core.create_namespace({"metadata": {"name": "other"}})
    second = create(custom, sample_hpo("b"))
    rvs = [
        int(first["metadata"]["resourceVersion"]),
        int(namespace.metadata.resource_version),
        int(second["metadata"]["resourceVersion"]),
    ]
    assert rvs == sorted(rvs) and len(set(rvs)) == 3


def test_create_drops_status_of_a_kind_with_status_subresource(crds: KubeSandbox, custom: Custom) -> None:
    body = sample_hpo()
    body["status"] = {"hyperParameterTuningJobStatus": "Completed"}
    assert "status" not in create(custom, body)


def test_generate_name(crds: KubeSandbox, custom: Custom) -> None:
    body = sample_hpo()
    del body["metadata"]["name"]
    body["metadata"]["generateName"] = "tuning-"
    created = create(custom, body)
    assert created["metadata"]["name"].startswith("tuning-")
    assert len(created["metadata"]["name"]) == len("tuning-") + 5


def test_duplicate_create_is_409_already_exists(crds: KubeSandbox, custom: Custom) -> None:
    create(custom, sample_hpo())
    with pytest.raises(ApiException) as caught:
        create(custom, sample_hpo())
    assert caught.value.status == 409
    status = status_of(caught.value)
    assert status["reason"] == "AlreadyExists"
    assert status["message"] == f'{HPO}.{GROUP} "xgboost-mnist-hpo" already exists'
    assert status["kind"] == "Status" and status["code"] == 409


def test_get_missing_is_404_not_found(crds: KubeSandbox, custom: Custom) -> None:
    with pytest.raises(ApiException) as caught:
        custom.get_namespaced_custom_object(GROUP, VERSION, "default", HPO, "nope")
    assert caught.value.status == 404
    assert status_of(caught.value)["reason"] == "NotFound"
    assert status_of(caught.value)["details"] == {"name": "nope", "group": GROUP, "kind": HPO}


def test_create_in_missing_namespace_is_404(crds: KubeSandbox, custom: Custom) -> None:
    with pytest.raises(ApiException) as caught:
        create(custom, sample_hpo(), namespace="ghost")
    assert caught.value.status == 404
    assert status_of(caught.value)["message"] == 'namespaces "ghost" not found'


def test_list_namespaced_and_across_namespaces(crds: KubeSandbox, custom: Custom, core: Core) -> None:
    core.create_namespace({"metadata": {"name": "team-b"}})
    create(custom, sample_hpo("a"))
    create(custom, sample_hpo("b"), namespace="team-b")
    listed = custom.list_namespaced_custom_object(GROUP, VERSION, "default", HPO)
    assert [i["metadata"]["name"] for i in listed["items"]] == ["a"]
    assert listed["kind"] == "HyperparameterTuningJobList" and listed["apiVersion"] == f"{GROUP}/{VERSION}"
    everywhere = custom.list_cluster_custom_object(GROUP, VERSION, HPO)
    assert sorted((i["metadata"]["namespace"], i["metadata"]["name"]) for i in everywhere["items"]) == [
        ("default", "a"),
        ("team-b", "b"),
    ]
    assert int(everywhere["metadata"]["resourceVersion"]) >= int(listed["metadata"]["resourceVersion"])


def test_put_with_stale_resource_version_is_409_conflict(crds: KubeSandbox, custom: Custom) -> None:
    created = create(custom, sample_hpo())
    created["metadata"]["labels"] = {"x": "1"}
    updated = custom.replace_namespaced_custom_object(
        GROUP, VERSION, "default", HPO, "xgboost-mnist-hpo", created
    )
    assert int(updated["metadata"]["resourceVersion"]) > int(created["metadata"]["resourceVersion"])
    created["metadata"]["labels"] = {"x": "2"}  # still carries the old resourceVersion
    with pytest.raises(ApiException) as caught:
        custom.replace_namespaced_custom_object(GROUP, VERSION, "default", HPO, "xgboost-mnist-hpo", created)
    assert caught.value.status == 409
    status = status_of(caught.value)
    assert status["reason"] == "Conflict"
    assert status["message"] == (
        f'Operation cannot be fulfilled on {HPO}.{GROUP} "xgboost-mnist-hpo": the object has been modified; '
        "please apply your changes to the latest version and try again"
    )


def test_put_of_a_custom_resource_needs_a_resource_version(crds: KubeSandbox, custom: Custom) -> None:
    created = create(custom, sample_hpo())
    del created["metadata"]["resourceVersion"]
    with pytest.raises(ApiException) as caught:
        custom.replace_namespaced_custom_object(GROUP, VERSION, "default", HPO, "xgboost-mnist-hpo", created)
    assert caught.value.status == 422
    assert status_of(caught.value)["details"]["causes"][0]["field"] == "metadata.resourceVersion"


def test_merge_patch_with_stale_resource_version_is_409(crds: KubeSandbox, custom: Custom) -> None:
    created = create(custom, sample_hpo())
    patch_hpo(custom, "xgboost-mnist-hpo", {"metadata": {"labels": {"a": "b"}}})
    with pytest.raises(ApiException) as caught:
        patch_hpo(
            custom,
            "xgboost-mnist-hpo",
            {"metadata": {"resourceVersion": created["metadata"]["resourceVersion"], "labels": {"a": "c"}}},
        )
    assert caught.value.status == 409 and status_of(caught.value)["reason"] == "Conflict"


def test_generation_counts_spec_changes_only(crds: KubeSandbox, custom: Custom) -> None:
    create(custom, sample_hpo())
    name = "xgboost-mnist-hpo"
    labelled = patch_hpo(custom, name, {"metadata": {"labels": {"team": "ml"}}})
    assert labelled["metadata"]["generation"] == 1
    with_status = patch_hpo_status(custom, name, {"status": {"hyperParameterTuningJobStatus": "InProgress"}})
    assert with_status["metadata"]["generation"] == 1
    changed = patch_hpo(custom, name, {"spec": {"region": "us-west-2"}})
    assert changed["metadata"]["generation"] == 2


def test_status_subresource_isolation(crds: KubeSandbox, custom: Custom) -> None:
    create(custom, sample_hpo())
    name = "xgboost-mnist-hpo"
    # A write to the main resource ignores .status ...
    main = patch_hpo(custom, name, {"status": {"hyperParameterTuningJobStatus": "Completed"}})
    assert "status" not in main
    # ... and a write to /status changes only .status.
    status = patch_hpo_status(
        custom,
        name,
        {
            "spec": {"region": "eu-west-1"},
            "metadata": {"labels": {"sneaky": "yes"}},
            "status": {"hyperParameterTuningJobStatus": "InProgress"},
        },
    )
    assert status["status"]["hyperParameterTuningJobStatus"] == "InProgress"
    assert status["spec"]["region"] == "us-east-2"
    assert "labels" not in status["metadata"]
    # PUT to the main resource keeps the stored status.
    current = custom.get_namespaced_custom_object(GROUP, VERSION, "default", HPO, name)
    current["status"] = {"hyperParameterTuningJobStatus": "Failed"}
    replaced = custom.replace_namespaced_custom_object(GROUP, VERSION, "default", HPO, name, current)
    assert replaced["status"]["hyperParameterTuningJobStatus"] == "InProgress"


def test_write_that_changes_nothing_keeps_the_resource_version(crds: KubeSandbox, custom: Custom) -> None:
    created = create(custom, sample_hpo())
    same = patch_hpo(custom, "xgboost-mnist-hpo", {"spec": {"region": "us-east-2"}})
    assert same["metadata"]["resourceVersion"] == created["metadata"]["resourceVersion"]


def test_json_patch_with_test_operation(crds: KubeSandbox, custom: Custom) -> None:
    create(custom, sample_hpo())
    name = "xgboost-mnist-hpo"
    patched = patch_hpo(
        custom,
        name,
        [
            {"op": "test", "path": "/spec/region", "value": "us-east-2"},
            {
                "op": "add",
                "path": "/metadata/finalizers",
                "value": ["sagemaker.aws.amazon.com/hyperparametertuningjob"],
            },
        ],
        _content_type=JSON_PATCH,
    )
    assert patched["metadata"]["finalizers"] == ["sagemaker.aws.amazon.com/hyperparametertuningjob"]
    with pytest.raises(ApiException) as caught:
        patch_hpo(
            custom,
            name,
            [
                {"op": "test", "path": "/spec/region", "value": "eu-west-1"},
                {"op": "remove", "path": "/metadata/finalizers"},
            ],
            _content_type=JSON_PATCH,
        )
    assert caught.value.status == 422
    assert status_of(caught.value)["reason"] == "Invalid"
    still = custom.get_namespaced_custom_object(GROUP, VERSION, "default", HPO, name)
    assert still["metadata"]["finalizers"] == ["sagemaker.aws.amazon.com/hyperparametertuningjob"]


def test_strategic_merge_patch_on_custom_resource_is_415(crds: KubeSandbox, custom: Custom) -> None:
    create(custom, sample_hpo())
    code, status = raw_request(
        crds,
        "PATCH",
        f"/apis/{GROUP}/{VERSION}/namespaces/default/{HPO}/xgboost-mnist-hpo",
        b'{"metadata":{"labels":{"a":"b"}}}',
        content_type="application/strategic-merge-patch+json",
    )
    assert code == 415
    assert status["reason"] == "UnsupportedMediaType"
    assert "application/merge-patch+json" in status["message"]


def test_finalizers_hold_deletion_until_removed(crds: KubeSandbox, custom: Custom) -> None:
    body = sample_hpo()
    body["metadata"]["finalizers"] = ["sagemaker.aws.amazon.com/hyperparametertuningjob"]
    create(custom, body)
    name = "xgboost-mnist-hpo"
    deleted, code, _ = custom.delete_namespaced_custom_object_with_http_info(
        GROUP, VERSION, "default", HPO, name
    )
    assert code == 200
    assert deleted["metadata"]["deletionTimestamp"]
    assert deleted["metadata"]["deletionGracePeriodSeconds"] == 0
    still = custom.get_namespaced_custom_object(GROUP, VERSION, "default", HPO, name)
    assert still["metadata"]["deletionTimestamp"] == deleted["metadata"]["deletionTimestamp"]
    # No new finalizer once deleting ...
    with pytest.raises(ApiException) as caught:
        patch_hpo(
            custom,
            name,
            {"metadata": {"finalizers": [*still["metadata"]["finalizers"], "example.com/other"]}},
        )
    assert caught.value.status == 422
    assert "no new finalizers can be added" in status_of(caught.value)["message"]
    # ... deletionTimestamp can't be unset ...
    unset = patch_hpo(custom, name, {"metadata": {"deletionTimestamp": None, "labels": {"a": "b"}}})
    assert unset["metadata"]["deletionTimestamp"] == deleted["metadata"]["deletionTimestamp"]
    # ... and removing the last finalizer deletes the object.
    patch_hpo(custom, name, {"metadata": {"finalizers": None}})
    with pytest.raises(ApiException) as gone:
        custom.get_namespaced_custom_object(GROUP, VERSION, "default", HPO, name)
    assert gone.value.status == 404


def test_delete_without_finalizers_removes_and_returns_the_object(crds: KubeSandbox, custom: Custom) -> None:
    create(custom, sample_hpo())
    deleted = custom.delete_namespaced_custom_object(GROUP, VERSION, "default", HPO, "xgboost-mnist-hpo")
    assert deleted["metadata"]["name"] == "xgboost-mnist-hpo"
    assert custom.list_namespaced_custom_object(GROUP, VERSION, "default", HPO)["items"] == []


def _child(name: str, owners: list[dict[str, Any]]) -> dict[str, Any]:
    return {
        "apiVersion": f"{GROUP}/{VERSION}",
        "kind": "TrainingJob",
        "metadata": {
            "name": name,
            "ownerReferences": owners,
            "labels": {"sagemaker.aws.amazon.com/hyperparametertuningjob": "xgboost-mnist-hpo"},
        },
        "spec": {"region": "us-east-2"},
    }


def _owner_ref(owner: dict[str, Any]) -> dict[str, Any]:
    return {
        "apiVersion": owner["apiVersion"],
        "kind": owner["kind"],
        "name": owner["metadata"]["name"],
        "uid": owner["metadata"]["uid"],
        "controller": True,
        "blockOwnerDeletion": True,
    }


def test_garbage_collection_of_dependents(crds: KubeSandbox, custom: Custom) -> None:
    owner = create(custom, sample_hpo())
    other = create(custom, sample_hpo("other"))
    custom.create_namespaced_custom_object(
        GROUP, VERSION, "default", "trainingjobs", _child("only", [_owner_ref(owner)])
    )
    custom.create_namespaced_custom_object(
        GROUP, VERSION, "default", "trainingjobs", _child("shared", [_owner_ref(owner), _owner_ref(other)])
    )
    custom.delete_namespaced_custom_object(GROUP, VERSION, "default", HPO, "xgboost-mnist-hpo")
    left = custom.list_namespaced_custom_object(GROUP, VERSION, "default", "trainingjobs")["items"]
    assert [c["metadata"]["name"] for c in left] == ["shared"]
    assert [r["uid"] for r in left[0]["metadata"]["ownerReferences"]] == [other["metadata"]["uid"]]


def test_orphan_propagation_keeps_dependents(crds: KubeSandbox, custom: Custom) -> None:
    owner = create(custom, sample_hpo())
    custom.create_namespaced_custom_object(
        GROUP, VERSION, "default", "trainingjobs", _child("kept", [_owner_ref(owner)])
    )
    custom.delete_namespaced_custom_object(
        GROUP, VERSION, "default", HPO, "xgboost-mnist-hpo", propagation_policy="Orphan"
    )
    left = custom.list_namespaced_custom_object(GROUP, VERSION, "default", "trainingjobs")["items"]
    assert [c["metadata"]["name"] for c in left] == ["kept"]
    assert "ownerReferences" not in left[0]["metadata"]


def test_foreground_deletion_removes_dependents_first(crds: KubeSandbox, custom: Custom) -> None:
    owner = create(custom, sample_hpo())
    child = _child("held", [_owner_ref(owner)])
    child["metadata"]["finalizers"] = ["example.com/hold"]
    custom.create_namespaced_custom_object(GROUP, VERSION, "default", "trainingjobs", child)
    custom.delete_namespaced_custom_object(
        GROUP, VERSION, "default", HPO, "xgboost-mnist-hpo", propagation_policy="Foreground"
    )
    waiting = custom.get_namespaced_custom_object(GROUP, VERSION, "default", HPO, "xgboost-mnist-hpo")
    assert waiting["metadata"]["finalizers"] == ["foregroundDeletion"]
    assert waiting["metadata"]["deletionTimestamp"]
    custom.patch_namespaced_custom_object(
        GROUP, VERSION, "default", "trainingjobs", "held", {"metadata": {"finalizers": None}}
    )
    assert custom.list_namespaced_custom_object(GROUP, VERSION, "default", HPO)["items"] == []


def test_namespaces_leases_and_events(kube: KubeSandbox, api: kubernetes.client.ApiClient) -> None:
    core: Core = kubernetes.client.CoreV1Api(api)
    assert {n.metadata.name for n in core.list_namespace().items} >= {"default", "kube-system"}
    core.patch_namespace(
        "default",
        {
            "metadata": {
                "annotations": {"sagemaker.aws.amazon.com/allowed-role-arns": "arn:aws:iam::*:role/ml-*"}
            }
        },
    )
    assert core.read_namespace("default").metadata.annotations == {
        "sagemaker.aws.amazon.com/allowed-role-arns": "arn:aws:iam::*:role/ml-*"
    }
    leases: Any = kubernetes.client.CoordinationV1Api(api)
    lease = leases.create_namespaced_lease(
        "kube-system",
        {
            "metadata": {"name": "hpo-reconciler"},
            "spec": {"holderIdentity": "run-1", "leaseDurationSeconds": 60},
        },
    )
    lease.spec.holder_identity = "run-2"
    updated = leases.replace_namespaced_lease("hpo-reconciler", "kube-system", lease)
    assert updated.spec.holder_identity == "run-2"
    lease.spec.holder_identity = "run-3"  # stale resourceVersion: another runner took the lease
    with pytest.raises(ApiException) as caught:
        leases.replace_namespaced_lease("hpo-reconciler", "kube-system", lease)
    assert caught.value.status == 409
    for i, kind in enumerate(("HyperparameterTuningJob", "TrainingJob")):
        core.create_namespaced_event(
            "default",
            {
                "metadata": {"name": f"ev{i}"},
                "reason": "Created",
                "message": "m",
                "type": "Normal",
                "involvedObject": {
                    "kind": kind,
                    "name": "xgboost-mnist-hpo",
                    "namespace": "default",
                    "uid": f"u{i}",
                },
            },
        )
    selected = core.list_namespaced_event(
        "default",
        field_selector="involvedObject.kind=HyperparameterTuningJob,involvedObject.name=xgboost-mnist-hpo",
    )
    assert [e.metadata.name for e in selected.items] == ["ev0"]
    assert [
        e.metadata.name
        for e in core.list_namespaced_event("default", field_selector="involvedObject.uid!=u0").items
    ] == ["ev1"]


def test_deleting_a_namespace_deletes_its_content(crds: KubeSandbox, custom: Custom, core: Core) -> None:
    core.create_namespace({"metadata": {"name": "scratch"}})
    create(custom, sample_hpo(), namespace="scratch")
    core.delete_namespace("scratch")
    assert custom.list_namespaced_custom_object(GROUP, VERSION, "scratch", HPO)["items"] == []
    with pytest.raises(ApiException) as caught:
        core.read_namespace("scratch")
    assert caught.value.status == 404


def test_deleting_a_crd_unregisters_its_kind(crds: KubeSandbox, api: kubernetes.client.ApiClient) -> None:
    custom: Custom = kubernetes.client.CustomObjectsApi(api)
    create(custom, sample_hpo())
    kubernetes.client.ApiextensionsV1Api(api).delete_custom_resource_definition(f"{HPO}.{GROUP}")
    with pytest.raises(ApiException) as caught:
        custom.list_namespaced_custom_object(GROUP, VERSION, "default", HPO)
    assert caught.value.status == 404


def test_strategic_merge_patch_of_built_ins_follows_object_meta_strategies(
    kube: KubeSandbox, core: Core
) -> None:
    core.create_namespace(
        {"metadata": {"name": "smp", "finalizers": ["example.com/a"], "labels": {"x": "1"}}}
    )
    # The official client sends strategic merge patches for built-in kinds.
    core.patch_namespace("smp", {"metadata": {"finalizers": ["example.com/b"], "labels": {"y": "2"}}})
    meta = core.read_namespace("smp").metadata
    assert meta.finalizers == ["example.com/a", "example.com/b"]
    assert meta.labels == {"x": "1", "y": "2", "kubernetes.io/metadata.name": "smp"}
    core.patch_namespace("smp", {"metadata": {"$deleteFromPrimitiveList/finalizers": ["example.com/a"]}})
    assert core.read_namespace("smp").metadata.finalizers == ["example.com/b"]


def test_crd_deletion_waits_for_custom_resource_finalizers(
    crds: KubeSandbox, api: kubernetes.client.ApiClient
) -> None:
    custom: Custom = kubernetes.client.CustomObjectsApi(api)
    extensions: Any = kubernetes.client.ApiextensionsV1Api(api)
    held = sample_hpo("held")
    held["metadata"]["finalizers"] = ["sagemaker.aws.amazon.com/hyperparametertuningjob"]
    create(custom, held)
    create(custom, sample_hpo("free"))
    extensions.delete_custom_resource_definition(f"{HPO}.{GROUP}")
    crd = extensions.read_custom_resource_definition(f"{HPO}.{GROUP}")
    assert crd.metadata.deletion_timestamp is not None
    assert "customresourcecleanup.apiextensions.k8s.io" in crd.metadata.finalizers
    assert {c.type: c.status for c in crd.status.conditions}["Terminating"] == "True"
    left = custom.list_namespaced_custom_object(GROUP, VERSION, "default", HPO)["items"]
    assert [i["metadata"]["name"] for i in left] == ["held"]
    assert left[0]["metadata"]["deletionTimestamp"]
    with pytest.raises(ApiException) as refused:
        create(custom, sample_hpo("late"))
    assert refused.value.status == 405
    patch_hpo(custom, "held", {"metadata": {"finalizers": None}})
    with pytest.raises(ApiException) as gone:
        extensions.read_custom_resource_definition(f"{HPO}.{GROUP}")
    assert gone.value.status == 404
    with pytest.raises(ApiException) as unserved:
        custom.list_namespaced_custom_object(GROUP, VERSION, "default", HPO)
    assert unserved.value.status == 404
