"""Built-in kinds beyond the reconciler's own (ServiceAccount, CronJob, Job, RBAC): discovery, storage,
schema and rule validation, strategic merge by the published merge keys, and the OpenAPI v3 documents
kubectl reads, checked with the official client and the real kubectl."""

from __future__ import annotations

import json
from typing import Any

import kubernetes
import pytest
import yaml

from reconciler.sandbox.kube import KubeSandbox
from reconciler.sandbox.kube.builtins import cron_problem
from tests.sandbox_kube import openapi_vendor, protobuf_vendor
from tests.sandbox_kube.kube_test_support import CRDS, Kubectl, raw_request

NS = "default"


def _cronjob(name: str = "nightly", **spec: Any) -> dict[str, Any]:
    body: dict[str, Any] = {
        "apiVersion": "batch/v1",
        "kind": "CronJob",
        "metadata": {"name": name},
        "spec": {
            "schedule": "*/5 * * * *",
            "timeZone": "Etc/UTC",
            "concurrencyPolicy": "Forbid",
            "jobTemplate": {
                "spec": {
                    "template": {
                        "spec": {
                            "restartPolicy": "Never",
                            "containers": [
                                {"name": "main", "image": "example/app:1", "args": ["run"]},
                                {"name": "side", "image": "example/side:1"},
                            ],
                        }
                    }
                }
            },
        },
    }
    body["spec"].update(spec)
    return body


def _invalid(kube: KubeSandbox, path: str, body: dict[str, Any], *, method: str = "POST") -> dict[str, str]:
    """Send a body the official client would refuse to build; expect 422 Invalid; its causes by field."""
    code, status = raw_request(
        kube,
        method,
        path,
        json.dumps(body).encode(),
        content_type=("application/merge-patch+json" if method == "PATCH" else "application/json"),
    )
    assert code == 422, status
    assert status["reason"] == "Invalid", status
    return {c["field"]: c["message"] for c in status["details"]["causes"]}


CRONJOBS = f"/apis/batch/v1/namespaces/{NS}/cronjobs"
RBAC = "/apis/rbac.authorization.k8s.io/v1"


def test_discovery_lists_the_builtin_kinds_with_scope_verbs_and_short_names(kube: KubeSandbox) -> None:
    code, core = raw_request(kube, "GET", "/api/v1")
    assert code == 200
    sa = next(r for r in core["resources"] if r["name"] == "serviceaccounts")
    assert (sa["namespaced"], sa["kind"], sa["shortNames"]) == (True, "ServiceAccount", ["sa"])
    _, batch = raw_request(kube, "GET", "/apis/batch/v1")
    by_name = {r["name"]: r for r in batch["resources"]}
    assert by_name["cronjobs"]["shortNames"] == ["cj"]
    assert by_name["cronjobs"]["namespaced"] is True
    assert "cronjobs/status" in by_name and "jobs/status" in by_name
    assert set(by_name["jobs"]["verbs"]) >= {"create", "get", "list", "watch", "patch", "delete"}
    _, rbac = raw_request(kube, "GET", "/apis/rbac.authorization.k8s.io/v1")
    scope = {r["name"]: r["namespaced"] for r in rbac["resources"]}
    assert scope == {"clusterroles": False, "clusterrolebindings": False, "roles": True, "rolebindings": True}


def test_cronjob_metadata_generation_and_status_subresource(api: kubernetes.client.ApiClient) -> None:
    batch: Any = kubernetes.client.BatchV1Api(api)
    body = _cronjob()
    body["status"] = {"lastScheduleTime": "2026-01-01T00:00:00Z"}
    created = batch.create_namespaced_cron_job(NS, body)
    assert created.metadata.uid and created.metadata.resource_version
    assert created.metadata.generation == 1
    assert created.status.last_schedule_time is None  # the status subresource owns .status (empty)
    patched = batch.patch_namespaced_cron_job("nightly", NS, {"spec": {"suspend": True}})
    assert patched.metadata.generation == 2
    status = batch.patch_namespaced_cron_job_status(
        "nightly", NS, {"status": {"lastScheduleTime": "2026-01-01T00:00:00Z"}}
    )
    assert status.status.last_schedule_time is not None
    assert status.metadata.generation == 2  # a status write is not a spec change
    ignored = batch.patch_namespaced_cron_job("nightly", NS, {"status": {"lastScheduleTime": None}})
    assert ignored.status.last_schedule_time is not None  # the main resource ignores .status
    with pytest.raises(kubernetes.client.ApiException) as conflict:
        batch.create_namespaced_cron_job(NS, _cronjob())
    assert conflict.value.status == 409


def test_strategic_merge_patch_merges_containers_by_name(api: kubernetes.client.ApiClient) -> None:
    batch: Any = kubernetes.client.BatchV1Api(api)
    batch.create_namespaced_cron_job(NS, _cronjob())
    patch = {
        "spec": {
            "jobTemplate": {
                "spec": {"template": {"spec": {"containers": [{"name": "main", "image": "example/app:2"}]}}}
            }
        }
    }
    patched = batch.patch_namespaced_cron_job("nightly", NS, patch)  # the client sends strategic merge
    containers = patched.spec.job_template.spec.template.spec.containers
    assert [(c.name, c.image, c.args) for c in containers] == [
        ("main", "example/app:2", ["run"]),
        ("side", "example/side:1", None),
    ]


def test_cronjob_without_schedule_or_job_template_is_invalid(kube: KubeSandbox) -> None:
    body = _cronjob()
    del body["spec"]["schedule"], body["spec"]["jobTemplate"]
    causes = _invalid(kube, CRONJOBS, body)
    assert causes["spec.schedule"].startswith("Required value")
    assert causes["spec.jobTemplate"].startswith("Required value")


@pytest.mark.parametrize(
    ("spec", "field", "detail"),
    [
        ({"schedule": "* * *"}, "spec.schedule", "expected exactly 5 fields, found 3"),
        ({"schedule": "61 * * * *"}, "spec.schedule", "above maximum (59)"),
        ({"schedule": "TZ=UTC 0 * * * *"}, "spec.schedule", "use timeZone field instead"),
        ({"timeZone": "Mars/Olympus"}, "spec.timeZone", "unknown time zone Mars/Olympus"),
        ({"concurrencyPolicy": "Sometimes"}, "spec.concurrencyPolicy", 'Unsupported value: "Sometimes"'),
    ],
)
def test_cronjob_rules_refuse_what_the_api_server_refuses(
    kube: KubeSandbox, spec: dict[str, Any], field: str, detail: str
) -> None:
    assert detail in _invalid(kube, CRONJOBS, _cronjob(**spec))[field]


def test_cron_parser_accepts_standard_schedules() -> None:
    for schedule in ("*/5 * * * *", "0 3 * * mon-fri", "15,45 0-6/2 1 jan,jul ?", "@hourly", "@every 90s"):
        assert cron_problem(schedule) is None, schedule
    assert cron_problem("5-1 * * * *") is not None
    assert cron_problem("@sometimes") is not None


def test_job_template_needs_a_restart_policy_the_job_controller_supports(kube: KubeSandbox) -> None:
    body = _cronjob()
    body["spec"]["jobTemplate"]["spec"]["template"]["spec"]["restartPolicy"] = "Always"
    field = "spec.jobTemplate.spec.template.spec.restartPolicy"
    assert 'supported values: "OnFailure", "Never"' in _invalid(kube, CRONJOBS, body)[field]
    job = {
        "apiVersion": "batch/v1",
        "kind": "Job",
        "metadata": {"name": "once"},
        "spec": {"template": {"spec": {"containers": [{"name": "c", "image": "i"}]}}},
    }
    causes = _invalid(kube, f"/apis/batch/v1/namespaces/{NS}/jobs", job)
    assert causes["spec.template.spec.restartPolicy"].startswith("Required value")


def test_rbac_objects_are_stored_and_bindings_checked(
    kube: KubeSandbox, api: kubernetes.client.ApiClient
) -> None:
    rbac: Any = kubernetes.client.RbacAuthorizationV1Api(api)
    role = rbac.create_cluster_role(
        {
            "apiVersion": "rbac.authorization.k8s.io/v1",
            "kind": "ClusterRole",
            "metadata": {"name": "reader"},
            "rules": [{"apiGroups": [""], "resources": ["namespaces"], "verbs": ["get"]}],
        }
    )
    assert role.metadata.namespace is None and role.metadata.generation is None
    assert rbac.read_cluster_role("reader").rules[0].verbs == ["get"]
    bindings = f"{RBAC}/namespaces/{NS}/rolebindings"
    binding: dict[str, Any] = {
        "apiVersion": "rbac.authorization.k8s.io/v1",
        "kind": "RoleBinding",
        "metadata": {"name": "read"},
        "subjects": [{"kind": "ServiceAccount", "name": "app", "namespace": NS}],
    }
    assert _invalid(kube, bindings, binding)["roleRef"].startswith("Required value")
    binding["roleRef"] = {"apiGroup": "rbac.authorization.k8s.io", "kind": "ClusterRole", "name": "reader"}
    rbac.create_namespaced_role_binding(NS, binding)
    changed = _invalid(kube, f"{bindings}/read", {"roleRef": {"name": "writer"}}, method="PATCH")
    assert "cannot change roleRef" in changed["roleRef"]
    cluster_binding = {
        **binding,
        "kind": "ClusterRoleBinding",
        "roleRef": {**binding["roleRef"], "kind": "Role"},
        "subjects": [{"kind": "ServiceAccount", "name": "app"}],
    }
    causes = _invalid(kube, f"{RBAC}/clusterrolebindings", cluster_binding)
    assert 'supported values: "ClusterRole"' in causes["roleRef.kind"]
    assert causes["subjects[0].namespace"].startswith("Required value")
    role_body = {"metadata": {"name": "r"}, "rules": [{"apiGroups": [""], "resources": ["pods"]}]}
    assert "rules[0].verbs" in _invalid(kube, f"{RBAC}/namespaces/{NS}/roles", role_body)


def test_unknown_fields_of_builtins_follow_field_validation(kube: KubeSandbox) -> None:
    body = _cronjob()
    body["spec"]["schedulee"] = "typo"
    raw = json.dumps(body).encode()
    path = f"/apis/batch/v1/namespaces/{NS}/cronjobs"
    code, status = raw_request(kube, "POST", path + "?fieldValidation=Strict", raw)
    assert code == 400
    assert 'unknown field "spec.schedulee"' in status["message"]
    code, stored = raw_request(kube, "POST", path + "?fieldValidation=Ignore", raw)
    assert code == 201
    assert "schedulee" not in stored["spec"]  # dropped, as the API server's decoder does


def test_kubectl_apply_get_and_reapply_builtins(kubectl: Kubectl) -> None:
    manifests: list[dict[str, Any]] = [
        {"apiVersion": "v1", "kind": "ServiceAccount", "metadata": {"name": "runner", "namespace": NS}},
        {
            "apiVersion": "rbac.authorization.k8s.io/v1",
            "kind": "ClusterRole",
            "metadata": {"name": "runner"},
            "rules": [{"apiGroups": ["batch"], "resources": ["cronjobs"], "verbs": ["get", "list"]}],
        },
        {**_cronjob(), "metadata": {"name": "nightly", "namespace": NS}},
    ]
    text = yaml.safe_dump_all(manifests)
    first = kubectl("apply", "-f", "-", stdin=text)
    assert "serviceaccount/runner created" in first.stdout
    assert "clusterrole.rbac.authorization.k8s.io/runner created" in first.stdout
    assert "cronjob.batch/nightly created" in first.stdout
    again = kubectl("apply", "-f", "-", stdin=text)
    assert again.stdout.count("unchanged") == 3, again.stdout
    assert "warning" not in again.stderr.lower(), again.stderr
    table = kubectl("get", "cj").stdout.splitlines()
    assert table[0].split()[:3] == ["NAME", "SCHEDULE", "TIMEZONE"]
    assert table[1].split()[:3] == ["nightly", "*/5", "*"]
    assert (
        kubectl("get", "clusterrole", "runner", "-o", "jsonpath={.rules[0].verbs}").stdout == '["get","list"]'
    )
    assert "runner" in kubectl("get", "sa").stdout
    manifests[2]["spec"]["jobTemplate"]["spec"]["template"]["spec"]["containers"][0]["image"] = (
        "example/app:3"
    )
    changed = kubectl("apply", "-f", "-", stdin=yaml.safe_dump_all(manifests))
    assert "cronjob.batch/nightly configured" in changed.stdout
    assert "warning" not in changed.stderr.lower(), changed.stderr
    images = kubectl(
        "get", "cj", "nightly", "-o", "jsonpath={.spec.jobTemplate.spec.template.spec.containers[*].image}"
    ).stdout
    assert images == "example/app:3 example/side:1"


def test_reapplying_crds_prints_no_openapi_patch_warning(kubectl: Kubectl) -> None:
    kubectl("apply", "-f", str(CRDS))
    again = kubectl("apply", "-f", str(CRDS))
    assert "unchanged" in again.stdout
    assert "error calculating patch from openapi" not in again.stderr, again.stderr
    assert again.stderr == ""


def test_openapi_v3_publishes_object_meta_and_merge_keys(kube: KubeSandbox) -> None:
    kube.install_crds(CRDS)
    _, root = raw_request(kube, "GET", "/openapi/v3")
    _, doc = raw_request(
        kube, "GET", "/" + root["paths"]["apis/apiextensions.k8s.io/v1"]["serverRelativeURL"].lstrip("/")
    )
    crd = doc["components"]["schemas"][
        "io.k8s.apiextensions-apiserver.pkg.apis.apiextensions.v1.CustomResourceDefinition"
    ]
    assert crd["properties"]["metadata"]["$ref"].endswith("io.k8s.apimachinery.pkg.apis.meta.v1.ObjectMeta")
    _, batch = raw_request(kube, "GET", "/openapi/v3/apis/batch/v1")
    pod_spec = batch["components"]["schemas"]["io.k8s.api.core.v1.PodSpec"]
    assert pod_spec["properties"]["containers"]["x-kubernetes-patch-merge-key"] == "name"
    _, custom = raw_request(kube, "GET", "/openapi/v3/apis/sagemaker.aws.amazon.com/v1")
    hpo = next(s for n, s in custom["components"]["schemas"].items() if n.endswith("HyperparameterTuningJob"))
    assert hpo["properties"]["metadata"]["$ref"].endswith("ObjectMeta")
    assert "io.k8s.apimachinery.pkg.apis.meta.v1.ObjectMeta" in custom["components"]["schemas"]


def test_vendored_definitions_match_kubernetes_validate() -> None:
    from reconciler.sandbox.kube import builtin_openapi_data

    expected = openapi_vendor.render_module(openapi_vendor.vendored_schemas())
    assert openapi_vendor.OUTPUT.read_text() == expected, (
        "regenerate: python -m tests.sandbox_kube.openapi_vendor"
    )
    assert "io.k8s.api.batch.v1.CronJob" in builtin_openapi_data.DEFINITIONS


def test_kubectl_create_sends_builtins_as_protobuf_and_they_decode_faithfully(kubectl: Kubectl) -> None:
    kubectl("create", "serviceaccount", "bot")
    kubectl("create", "cronjob", "tick", "--image=busybox:1", "--schedule=*/10 * * * *", "--", "echo", "hi")
    kubectl("create", "job", "manual", "--from=cronjob/tick")
    kubectl("create", "rolebinding", "bot-view", "--clusterrole=view", "--serviceaccount=default:bot")
    cronjob = json.loads(kubectl("get", "cj", "tick", "-o", "json").stdout)
    assert cronjob["spec"]["schedule"] == "*/10 * * * *"
    (container,) = cronjob["spec"]["jobTemplate"]["spec"]["template"]["spec"]["containers"]
    assert (container["name"], container["image"], container["command"]) == (
        "tick",
        "busybox:1",
        ["echo", "hi"],
    )
    assert "stdin" not in container  # a non-pointer zero that JSON's omitempty leaves out
    job = json.loads(kubectl("get", "job", "manual", "-o", "json").stdout)
    assert job["metadata"]["annotations"] == {"cronjob.kubernetes.io/instantiate": "manual"}
    (owner,) = job["metadata"]["ownerReferences"]
    assert (owner["kind"], owner["name"], owner["uid"]) == ("CronJob", "tick", cronjob["metadata"]["uid"])
    assert job["spec"]["template"]["spec"]["containers"][0]["command"] == ["echo", "hi"]
    binding = json.loads(kubectl("get", "rolebinding", "bot-view", "-o", "json").stdout)
    assert binding["roleRef"] == {
        "apiGroup": "rbac.authorization.k8s.io",
        "kind": "ClusterRole",
        "name": "view",
    }
    assert binding["subjects"] == [{"kind": "ServiceAccount", "name": "bot", "namespace": "default"}]
    # Deleting the CronJob collects the Job it owns.
    kubectl("delete", "cronjob", "tick")
    assert kubectl("get", "jobs", "-o", "name").stdout == ""


@pytest.mark.skipif(
    not (protobuf_vendor.API_GIT.exists() and protobuf_vendor.APIMACHINERY_GIT.exists()),
    reason="needs local git mirrors of kubernetes/api and kubernetes/apimachinery",
)
def test_vendored_protobuf_tables_match_the_kubernetes_sources() -> None:
    expected = protobuf_vendor.render_module(protobuf_vendor.vendored_messages())
    assert protobuf_vendor.OUTPUT.read_text() == expected, (
        "regenerate: python -m tests.sandbox_kube.protobuf_vendor"
    )


def test_create_job_from_a_cronjob_keeps_members_inlined_in_json(kube: KubeSandbox, kubectl: Kubectl) -> None:
    """Go inlines these in JSON but nests them in protobuf (`json:",inline" protobuf:"...,name=..."`):
    Volume.VolumeSource, Probe.ProbeHandler, the LocalObjectReference of key selectors and env sources."""
    container = {
        "name": "main",
        "image": "example/app:1",
        "env": [{"name": "TOKEN", "valueFrom": {"secretKeyRef": {"name": "creds", "key": "token"}}}],
        "envFrom": [{"configMapRef": {"name": "settings"}}],
        "livenessProbe": {"exec": {"command": ["true"]}, "periodSeconds": 30},
        "volumeMounts": [{"name": "tmp", "mountPath": "/tmp"}, {"name": "conf", "mountPath": "/etc/app"}],
    }
    volumes = [
        {"name": "tmp", "emptyDir": {"sizeLimit": "64Mi"}},
        {"name": "conf", "configMap": {"name": "settings", "defaultMode": 420}},
    ]
    body = _cronjob("inlined")
    pod = body["spec"]["jobTemplate"]["spec"]["template"]["spec"]
    pod["containers"] = [container]
    pod["volumes"] = volumes
    kubectl("apply", "-f", "-", stdin=json.dumps(body))
    kubectl("create", "job", "--from=cronjob/inlined", "manual")
    job = json.loads(kubectl("get", "job", "manual", "-o", "json").stdout)
    created = job["spec"]["template"]["spec"]
    assert created["volumes"] == volumes
    assert created["containers"][0]["env"] == container["env"]
    assert created["containers"][0]["envFrom"] == container["envFrom"]
    assert created["containers"][0]["livenessProbe"] == container["livenessProbe"]
