"""The reconciler's deployment (issue 6): kustomize base + overlays and the Helm chart, rendered by the
real tools (`kubectl kustomize`, Helm's engine) and checked for what a platform engineer relies on:
schema-valid built-in objects, least-privilege RBAC, the CronJob's timing and the pod's security,
and no drift between the kustomize and Helm renderings.
"""

from __future__ import annotations

import copy
import itertools
import re
from collections.abc import Callable, Iterator
from typing import Any

import kubernetes_validate
import pytest

from reconciler import cli
from reconciler.core.settings import COMPLETION_INDEX_VARIABLE, Settings, lease_name
from tests.deploy.deploy_helpers import (
    CRONJOB,
    Manifest,
    by_kind,
    helm_lint,
    helm_render,
    kustomize,
    one,
    pod_spec,
)
from tests.deploy.deploy_pss import restricted_violations

KUBERNETES_VERSION = "1.32"  # the kubectl on this machine; CronJob.timeZone needs >= 1.27
CHART = CRONJOB / "chart"
GROUP = "sagemaker.aws.amazon.com"

# docs/iam.md, the Kubernetes verbs the reconciler uses: the grant must be exactly this.
RESOURCE_VERBS = {
    (GROUP, "hyperparametertuningjobs"): {"get", "list", "patch"},
    (GROUP, "hyperparametertuningjobs/status"): {"patch"},
    (GROUP, "trainingjobs"): {"get", "list", "create", "patch", "delete"},
    (GROUP, "trainingjobs/status"): {"patch"},
    ("", "events"): {"create"},
}
NAMESPACE_VERBS = {("", "namespaces"): {"get"}}
LEASE_VERBS = {("coordination.k8s.io", "leases"): {"get", "create", "update"}}

HELM_CUSTOM_VALUES: dict[str, Any] = {
    "image": {"repository": "111122223333.dkr.ecr.us-east-2.amazonaws.com/hpo-reconciler", "tag": "0.1.1"},
    "imagePullSecrets": [{"name": "ecr"}],
    "schedule": "0 * * * *",
    "activeDeadlineSeconds": 1800,
    "serviceAccount": {"name": "reconciler", "roleArn": ""},
    "lease": {"name": "hpo-pass"},
    "reconciler": {
        "extraArgs": [
            "--allowed-role-arn", "arn:aws:iam::111122223333:role/sagemaker-*", "--concurrency", "8",
        ],
        "env": [{"name": "AWS_ENDPOINT_URL_SAGEMAKER", "value": "https://vpce.example.com"}],
    },
    "nodeSelector": {"kubernetes.io/os": "linux"},
    "tolerations": [{"key": "batch", "operator": "Exists", "effect": "NoSchedule"}],
}

PUSHGATEWAY = "http://prometheus-pushgateway.monitoring.svc:9091"  # overlays/pushgateway's URL

RENDERINGS = {
    "kustomize-base": lambda: kustomize(CRONJOB),
    "kustomize-namespaced": lambda: kustomize(CRONJOB / "overlays" / "namespaced"),
    "kustomize-schedule": lambda: kustomize(CRONJOB / "overlays" / "schedule"),
    "kustomize-image": lambda: kustomize(CRONJOB / "overlays" / "image"),
    "kustomize-pod-identity": lambda: kustomize(CRONJOB / "overlays" / "pod-identity"),
    "kustomize-pushgateway": lambda: kustomize(CRONJOB / "overlays" / "pushgateway"),
    "kustomize-sharded": lambda: kustomize(CRONJOB / "overlays" / "sharded"),
    "helm-default": lambda: helm_render(CHART, name="hpo-reconciler", namespace="hpo-reconciler"),
    "helm-namespaced": lambda: helm_render(
        CHART, values={"rbac": {"namespaced": True}}, name="hpo-reconciler", namespace="ml-team"
    ),
    "helm-custom": lambda: helm_render(CHART, values=HELM_CUSTOM_VALUES, name="hpo", namespace="platform"),
    "helm-pushgateway": lambda: helm_render(
        CHART,
        values={"metrics": {"pushgateway": PUSHGATEWAY}},
        name="hpo-reconciler",
        namespace="hpo-reconciler",
    ),
    "helm-sharded": lambda: helm_render(
        CHART, values={"sharding": {"shards": 3}}, name="hpo-reconciler", namespace="hpo-reconciler"
    ),
}
NAMESPACED = {"kustomize-namespaced", "helm-namespaced"}

_cache: dict[str, list[Manifest]] = {}


def rendering(name: str) -> list[Manifest]:
    if name not in _cache:
        _cache[name] = RENDERINGS[name]()
    return copy.deepcopy(_cache[name])


def builtin_objects(manifests: list[Manifest]) -> Iterator[Manifest]:
    return (m for m in manifests if m["apiVersion"].split("/")[0] != GROUP)


# ---------------------------------------------------------------------------------------------- schema


@pytest.mark.parametrize("name", sorted(RENDERINGS))
def test_builtin_objects_are_valid_against_kubernetes_schemas(name: str) -> None:
    manifests = rendering(name)
    kinds = set()
    for manifest in builtin_objects(manifests):
        if manifest["kind"] == "CustomResourceDefinition" and name != "kustomize-base":
            continue  # the same CRDs in every kustomize rendering: validated once (137 kB of schema)
        kubernetes_validate.validate(manifest, KUBERNETES_VERSION, strict=True)
        kinds.add(manifest["kind"])
    assert {"ServiceAccount", "CronJob", "Role", "RoleBinding"} <= kinds


def test_schema_validation_really_rejects_bad_objects() -> None:
    cronjob = one(rendering("kustomize-base"), "CronJob")
    cronjob["spec"]["jobTemplate"]["spec"]["backoffLimit"] = "one"
    with pytest.raises(kubernetes_validate.ValidationError):
        kubernetes_validate.validate(cronjob, KUBERNETES_VERSION, strict=True)
    cronjob = one(rendering("kustomize-base"), "CronJob")
    cronjob["spec"]["concurrencyPolicy"] = 0
    with pytest.raises(kubernetes_validate.ValidationError):
        kubernetes_validate.validate(cronjob, KUBERNETES_VERSION, strict=True)


# ------------------------------------------------------------------------------------------------ RBAC


def grants(roles: list[Manifest]) -> dict[tuple[str, str], set[str]]:
    """(apiGroup, resource) -> verbs, over all rules of `roles`; wildcards fail immediately."""
    result: dict[tuple[str, str], set[str]] = {}
    for role in roles:
        for rule in role.get("rules", []):
            for field in ("apiGroups", "resources", "verbs", "resourceNames"):
                assert "*" not in (rule.get(field) or []), f"{role['metadata']['name']}: wildcard in {field}"
            assert not rule.get("nonResourceURLs")
            for group in rule["apiGroups"]:
                for resource in rule["resources"]:
                    result.setdefault((group, resource), set()).update(rule["verbs"])
    return result


@pytest.mark.parametrize("name", sorted(RENDERINGS))
def test_rbac_grants_exactly_the_verbs_the_reconciler_uses(name: str) -> None:
    manifests = rendering(name)
    cluster_roles = by_kind(manifests, "ClusterRole")
    roles = by_kind(manifests, "Role")
    lease_roles = [r for r in roles if r["metadata"]["name"].endswith("-lease")]
    resource_roles = [r for r in roles if r not in lease_roles]
    assert grants(lease_roles) == LEASE_VERBS
    if name in NAMESPACED:
        assert grants(resource_roles) == RESOURCE_VERBS
        assert grants(cluster_roles) == NAMESPACE_VERBS
        # The one cluster-scoped grant is limited to the reconciler's own namespace object.
        (reader,) = cluster_roles
        namespace = one(manifests, "CronJob")["metadata"]["namespace"]
        assert [rule["resourceNames"] for rule in reader["rules"]] == [[namespace]]
    else:
        assert resource_roles == []
        assert grants(cluster_roles) == RESOURCE_VERBS | NAMESPACE_VERBS


@pytest.mark.parametrize("name", sorted(RENDERINGS))
def test_bindings_bind_the_cronjobs_service_account_to_roles_that_exist(name: str) -> None:
    manifests = rendering(name)
    cronjob = one(manifests, "CronJob")
    namespace = cronjob["metadata"]["namespace"]
    account = pod_spec(cronjob)["serviceAccountName"]
    accounts = by_kind(manifests, "ServiceAccount")
    assert {(a["metadata"]["name"], a["metadata"]["namespace"]) for a in accounts} == {(account, namespace)}
    bindings = by_kind(manifests, "RoleBinding") + by_kind(manifests, "ClusterRoleBinding")
    roles = by_kind(manifests, "Role") + by_kind(manifests, "ClusterRole")
    role_names = {(r["kind"], r["metadata"]["name"]) for r in roles}
    assert len(bindings) == len(role_names)
    for binding in bindings:
        assert binding["subjects"] == [{"kind": "ServiceAccount", "name": account, "namespace": namespace}]
        assert (binding["roleRef"]["kind"], binding["roleRef"]["name"]) in role_names
        if binding["kind"] == "RoleBinding":
            assert binding["metadata"]["namespace"] == namespace


@pytest.mark.parametrize("name", sorted(RENDERINGS))
def test_lease_role_covers_the_lease_the_pass_takes(name: str) -> None:
    manifests = rendering(name)
    cronjob = one(manifests, "CronJob")
    args = pod_spec(cronjob)["containers"][0]["args"]
    # The Lease names each pod takes, as the real settings code derives them from the pod's arguments
    # and (sharded) its JOB_COMPLETION_INDEX; $(POD_NAMESPACE) is the pod's own namespace.
    job = cronjob["spec"]["jobTemplate"]["spec"]
    indexes = range(job["completions"]) if job.get("completionMode") == "Indexed" else [None]
    taken = set()
    for index in indexes:
        parsed = cli.build_parser().parse_args(args)
        environ = {} if index is None else {COMPLETION_INDEX_VARIABLE: str(index)}
        settings = Settings.from_sources(
            flags={"lease": parsed.lease, "shard": parsed.shard}, environ=environ
        )
        taken.add(lease_name(settings, default_namespace="unused"))
    assert {namespace for namespace, _ in taken} == {"$(POD_NAMESPACE)"}
    (lease_role,) = [r for r in by_kind(manifests, "Role") if r["metadata"]["name"].endswith("-lease")]
    assert lease_role["metadata"]["namespace"] == cronjob["metadata"]["namespace"]
    named = [rule for rule in lease_role["rules"] if rule.get("resourceNames")]
    assert [sorted(rule["resourceNames"]) for rule in named] == [sorted(name for _, name in taken)]


# -------------------------------------------------------------------------------------------- CronJob


def firing_minutes(schedule: str) -> list[int]:
    """Minutes of the day a 5-field cron schedule fires at (day/month/weekday fields must be '*')."""
    minute, hour, *rest = schedule.split()
    assert rest == ["*", "*", "*"], f"schedule {schedule!r}: only minute/hour fields are modelled"

    def expand(field: str, size: int) -> set[int]:
        values: set[int] = set()
        for part in field.split(","):
            base, _, step = part.partition("/")
            if base == "*":
                low, high = 0, size - 1
            elif "-" in base:
                low, high = (int(x) for x in base.split("-"))
            else:
                low = high = int(base)
            if step and base != "*" and "-" not in base:
                high = size - 1
            values.update(range(low, high + 1, int(step or 1)))
        return values

    return sorted(h * 60 + m for h in expand(hour, 24) for m in expand(minute, 60))


def shortest_period_seconds(schedule: str) -> int:
    minutes = firing_minutes(schedule)
    gaps = [b - a for a, b in itertools.pairwise(minutes)] + [minutes[0] + 1440 - minutes[-1]]
    return min(gaps) * 60


def test_period_calculation() -> None:
    assert shortest_period_seconds("*/5 * * * *") == 300
    assert shortest_period_seconds("*/15 * * * *") == 900
    assert shortest_period_seconds("0 * * * *") == 3600
    assert shortest_period_seconds("0,50 * * * *") == 600
    assert shortest_period_seconds("30 2 * * *") == 86400


@pytest.mark.parametrize("name", sorted(RENDERINGS))
def test_cronjob_timing_never_overlaps_and_cleans_up(name: str) -> None:
    spec = one(rendering(name), "CronJob")["spec"]
    period = shortest_period_seconds(spec["schedule"])
    job = spec["jobTemplate"]["spec"]
    assert spec["concurrencyPolicy"] == "Forbid"
    assert spec["timeZone"] == "Etc/UTC"
    assert 0 < spec["startingDeadlineSeconds"] < period
    assert 0 < job["activeDeadlineSeconds"] < period
    assert 0 <= job["backoffLimit"] <= 3
    assert job["ttlSecondsAfterFinished"] > 0
    assert 1 <= spec["successfulJobsHistoryLimit"] <= 10
    assert 1 <= spec["failedJobsHistoryLimit"] <= 10


@pytest.mark.parametrize("name", sorted(RENDERINGS))
def test_pod_passes_restricted_pod_security_and_read_only_root(name: str) -> None:
    pod = pod_spec(one(rendering(name), "CronJob"))
    assert restricted_violations(pod) == []
    (container,) = pod["containers"]
    assert container["securityContext"]["readOnlyRootFilesystem"] is True
    # The only writable path is an emptyDir at /tmp (HOME in the image), capped in size.
    mounts = {m["mountPath"]: m["name"] for m in container["volumeMounts"]}
    volumes = {v["name"]: v for v in pod["volumes"]}
    assert set(mounts) == {"/tmp"}
    assert volumes[mounts["/tmp"]]["emptyDir"]["sizeLimit"]
    assert pod["restartPolicy"] == "Never"
    resources = container["resources"]
    assert {"cpu", "memory"} <= set(resources["requests"]) and "memory" in resources["limits"]


@pytest.mark.parametrize("name", sorted(RENDERINGS))
def test_container_runs_one_pass_of_a_pinned_image(name: str) -> None:
    (container,) = pod_spec(one(rendering(name), "CronJob"))["containers"]
    image = container["image"]
    assert re.fullmatch(r"[a-z0-9.\-/]+(:\d+)?[a-z0-9.\-/]*:\d+\.\d+\.\d+", image), image
    args = container["args"]
    assert args[0] == "run"
    env = {e["name"]: e for e in container["env"]}
    assert env["POD_NAMESPACE"]["valueFrom"]["fieldRef"]["fieldPath"] == "metadata.namespace"
    if name in NAMESPACED:
        assert args[args.index("--namespace") + 1] == "$(POD_NAMESPACE)"
    else:
        assert "--namespace" not in args


@pytest.mark.parametrize("name", sorted(RENDERINGS))
def test_container_args_are_accepted_by_the_real_cli_parser(name: str) -> None:
    from reconciler import cli

    cronjob = one(rendering(name), "CronJob")
    (container,) = pod_spec(cronjob)["containers"]
    # The kubelet expands $(POD_NAMESPACE) from the env var defined above it.
    args = [a.replace("$(POD_NAMESPACE)", cronjob["metadata"]["namespace"]) for a in container["args"]]
    parsed = cli.build_parser().parse_args(args)  # argparse exits on an unknown flag or a bad value
    assert parsed.command == "run"
    assert parsed.lease.startswith(cronjob["metadata"]["namespace"] + "/")


def test_pod_security_checker_catches_each_violation() -> None:
    """The checker above must be able to fail: each mutation of a compliant pod is reported."""
    good = pod_spec(one(rendering("kustomize-base"), "CronJob"))
    mutations: dict[str, Callable[[Manifest], object]] = {
        "hostNetwork": lambda p: p.update(hostNetwork=True),
        "privileged": lambda p: p["containers"][0]["securityContext"].update(privileged=True),
        "escalation": lambda p: p["containers"][0]["securityContext"].pop("allowPrivilegeEscalation"),
        "caps": lambda p: p["containers"][0]["securityContext"]["capabilities"].update(add=["SYS_ADMIN"]),
        "drop": lambda p: p["containers"][0]["securityContext"].pop("capabilities"),
        "root": lambda p: p["securityContext"].update(runAsUser=0),
        "nonroot": lambda p: (p["securityContext"].pop("runAsNonRoot"),
                              p["containers"][0]["securityContext"].pop("runAsNonRoot")),
        "seccomp": lambda p: p["securityContext"].pop("seccompProfile"),
        "hostPath": lambda p: p["volumes"].append({"name": "h", "hostPath": {"path": "/"}}),
        "hostPort": lambda p: p["containers"][0].update(ports=[{"containerPort": 80, "hostPort": 80}]),
        "sysctl": lambda p: p["securityContext"].update(sysctls=[{"name": "kernel.msgmax", "value": "1"}]),
    }
    assert restricted_violations(good) == []
    for label, mutate in mutations.items():
        pod = copy.deepcopy(good)
        mutate(pod)
        assert restricted_violations(pod), f"mutation {label} went unnoticed"


# ----------------------------------------------------------------------------- kustomize base specifics


def test_base_namespace_enforces_restricted_and_service_account_has_irsa_placeholder() -> None:
    manifests = rendering("kustomize-base")
    namespace = one(manifests, "Namespace")
    assert namespace["metadata"]["labels"]["pod-security.kubernetes.io/enforce"] == "restricted"
    account = one(manifests, "ServiceAccount")
    assert "REPLACE" in account["metadata"]["annotations"]["eks.amazonaws.com/role-arn"]
    assert all(m["metadata"].get("namespace") in (None, "hpo-reconciler") for m in manifests)


def test_namespaced_overlay_leaves_the_team_namespace_alone() -> None:
    manifests = rendering("kustomize-namespaced")
    assert by_kind(manifests, "Namespace") == []
    assert {m["metadata"].get("namespace") for m in builtin_objects(manifests)} == {"ml-team", None}


def test_pod_identity_overlay_drops_only_the_irsa_annotation() -> None:
    base, pod_identity = rendering("kustomize-base"), rendering("kustomize-pod-identity")
    account = one(pod_identity, "ServiceAccount")
    assert "eks.amazonaws.com/role-arn" not in (account["metadata"].get("annotations") or {})
    one(base, "ServiceAccount")["metadata"].pop("annotations")
    account["metadata"].pop("annotations", None)
    assert pod_identity == base


def test_image_and_schedule_overlays_change_only_what_they_say() -> None:
    base = one(rendering("kustomize-base"), "CronJob")
    image = one(rendering("kustomize-image"), "CronJob")
    schedule = one(rendering("kustomize-schedule"), "CronJob")
    assert pod_spec(image)["containers"][0]["image"].startswith("111122223333.dkr.ecr.")
    pod_spec(image)["containers"][0]["image"] = pod_spec(base)["containers"][0]["image"]
    assert image == base
    assert schedule["spec"]["schedule"] == "*/15 * * * *"
    schedule["spec"]["schedule"] = base["spec"]["schedule"]
    schedule["spec"]["jobTemplate"]["spec"]["activeDeadlineSeconds"] = 240
    assert schedule == base


# ---------------------------------------------------------------------------------- Helm == kustomize


def comparable(manifests: list[Manifest]) -> dict[str, Any]:
    """What must not drift between the two renderings: RBAC rules, CronJob spec, the pod spec."""
    cronjob = one(manifests, "CronJob")
    spec = copy.deepcopy(cronjob["spec"])
    del spec["jobTemplate"]["spec"]["template"]["metadata"]  # Helm adds its instance label
    return {
        "rules": sorted(
            ((r["kind"], r["metadata"]["name"]), r["rules"])
            for r in by_kind(manifests, "Role") + by_kind(manifests, "ClusterRole")
        ),
        "bindings": sorted(
            (b["kind"], b["metadata"]["name"], b["roleRef"]["name"], str(b["subjects"]))
            for b in by_kind(manifests, "RoleBinding") + by_kind(manifests, "ClusterRoleBinding")
        ),
        "cronjob": spec,
        "serviceaccount": one(manifests, "ServiceAccount")["metadata"].get("annotations"),
    }


@pytest.mark.parametrize(("kustomized", "helmed"), [
    ("kustomize-base", "helm-default"),
    ("kustomize-namespaced", "helm-namespaced"),
    ("kustomize-pushgateway", "helm-pushgateway"),
    ("kustomize-sharded", "helm-sharded"),
])
def test_helm_chart_renders_the_same_objects_as_kustomize(kustomized: str, helmed: str) -> None:
    assert comparable(rendering(helmed)) == comparable(rendering(kustomized))


def test_helm_values_reach_the_cronjob() -> None:
    manifests = rendering("helm-custom")
    cronjob = one(manifests, "CronJob")
    pod = pod_spec(cronjob)
    (container,) = pod["containers"]
    assert container["image"] == "111122223333.dkr.ecr.us-east-2.amazonaws.com/hpo-reconciler:0.1.1"
    assert container["args"][-4:] == HELM_CUSTOM_VALUES["reconciler"]["extraArgs"]
    assert "$(POD_NAMESPACE)/hpo-pass" in container["args"]
    assert {"name": "AWS_ENDPOINT_URL_SAGEMAKER", "value": "https://vpce.example.com"} in container["env"]
    assert pod["imagePullSecrets"] == [{"name": "ecr"}]
    assert pod["nodeSelector"] == {"kubernetes.io/os": "linux"}
    assert pod["serviceAccountName"] == "reconciler"
    # Pod Identity: no IRSA annotation at all.
    assert "annotations" not in one(manifests, "ServiceAccount")["metadata"]
    assert cronjob["metadata"]["name"] == "hpo-hpo-reconciler"


@pytest.mark.parametrize("values", [None, {"rbac": {"namespaced": True}}, HELM_CUSTOM_VALUES])
def test_helm_lint_strict_is_clean(values: dict[str, Any] | None) -> None:
    assert helm_lint(CHART, values=values) == []


def test_helm_values_schema_rejects_nonsense() -> None:
    import helm_python

    with helm_python.Chart.load(CHART) as chart:
        chart.validate_schema(chart.merge_values(HELM_CUSTOM_VALUES))
        chart.validate_schema(chart.merge_values({"schedule": "@hourly", "activeDeadlineSeconds": 3000}))
        for bad in ({"reconciler": {"logFormat": "yaml"}}, {"rbac": {"namespaced": "yes"}},
                    {"schedule": "every 5 minutes"}, {"serviceAccount": {"roleArn": "my-role"}},
                    {"lease": {"name": "Hpo_Lease"}}, {"activeDeadlineSeconds": 0}):
            with pytest.raises(helm_python.HelmValuesError):
                chart.validate_schema(chart.merge_values(bad))


def test_pushgateway_renderings_add_only_the_push_flag() -> None:
    pairs = (("kustomize-pushgateway", "kustomize-base"), ("helm-pushgateway", "helm-default"))
    for name, base_name in pairs:
        cronjob, base = one(rendering(name), "CronJob"), one(rendering(base_name), "CronJob")
        args = pod_spec(cronjob)["containers"][0]["args"]
        assert args[-2:] == ["--pushgateway", PUSHGATEWAY], name
        pod_spec(cronjob)["containers"][0]["args"] = args[:-2]
        assert cronjob == base, name
    limited = helm_render(
        CHART, values={"metrics": {"pushgateway": PUSHGATEWAY, "maxResources": 20}}, name="h", namespace="n"
    )
    args = pod_spec(one(limited, "CronJob"))["containers"][0]["args"]
    assert args[-4:] == ["--pushgateway", PUSHGATEWAY, "--metrics-max-resources", "20"]
    import helm_python

    with helm_python.Chart.load(CHART) as chart:
        for bad in ({"metrics": {"pushgateway": "pushgateway:9091"}}, {"metrics": {"maxResources": -1}}):
            with pytest.raises(helm_python.HelmValuesError):
                chart.validate_schema(chart.merge_values(bad))


@pytest.mark.parametrize("name", ["kustomize-sharded", "helm-sharded"])
def test_sharded_renderings_run_an_indexed_job_of_n_pods_each_taking_its_own_shard(name: str) -> None:
    cronjob = one(rendering(name), "CronJob")
    job = cronjob["spec"]["jobTemplate"]["spec"]
    args = pod_spec(cronjob)["containers"][0]["args"]
    count = 3
    assert job["completionMode"] == "Indexed"
    assert job["completions"] == job["parallelism"] == count
    assert args[args.index("--shard") + 1] == f"auto/{count}"
    assert cronjob["spec"]["concurrencyPolicy"] == "Forbid"
    shards = set()
    for index in range(count):
        parsed = cli.build_parser().parse_args(args)
        environ = {COMPLETION_INDEX_VARIABLE: str(index)}
        settings = Settings.from_sources(flags={"shard": parsed.shard}, environ=environ)
        shards.add(settings.shard)
    assert shards == {(index, count) for index in range(count)}


def test_helm_lint_really_lints(tmp_path: Any) -> None:
    import shutil

    broken = tmp_path / "chart"
    shutil.copytree(CHART, broken)
    (broken / "templates" / "cronjob.yaml").write_text("kind: CronJob\nmetadata: {name: [\n")
    assert helm_lint(broken) != []
