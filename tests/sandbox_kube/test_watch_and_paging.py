"""Watch, selectors and limit/continue paging, through the official client's wire protocol."""

from __future__ import annotations

import base64
import json
import random
import threading
import urllib.request
from typing import Any

import kubernetes
import pytest
from kubernetes.client.exceptions import ApiException

from reconciler.sandbox.kube import KubeSandbox
from reconciler.sandbox.kube.cluster import Cluster
from reconciler.sandbox.kube.store import Store
from tests.sandbox_kube.kube_test_support import (
    GROUP,
    HPO,
    VERSION,
    Custom,
    patch_hpo,
    patch_hpo_status,
    raw_request,
    sample_hpo,
)

MERGE = "application/merge-patch+json"


def _create(
    custom: Custom, name: str, labels: dict[str, str] | None = None, namespace: str = "default"
) -> Any:
    body = sample_hpo(name)
    if labels:
        body["metadata"]["labels"] = labels
    return custom.create_namespaced_custom_object(GROUP, VERSION, namespace, HPO, body)


def _watch_default(custom: Custom, *, resource_version: str) -> list[Any]:
    """Every event a one-second watch of the default namespace's HPOs from `resource_version` returns."""
    watcher: Any = kubernetes.watch.Watch()  # type: ignore[no-untyped-call]
    stream = watcher.stream(
        custom.list_namespaced_custom_object,
        GROUP,
        VERSION,
        "default",
        HPO,
        resource_version=resource_version,
        timeout_seconds=1,
    )
    return list(stream)


def _names(listed: Any) -> list[str]:
    return [i["metadata"]["name"] for i in listed["items"]]


def test_label_selectors_equality_and_set_based(crds: KubeSandbox, custom: Custom) -> None:
    _create(custom, "a", {"team": "ml", "tier": "gold"})
    _create(custom, "b", {"team": "ml"})
    _create(custom, "c", {"team": "web", "tier": "silver"})
    _create(custom, "d")

    def select(selector: str) -> list[str]:
        return _names(
            custom.list_namespaced_custom_object(GROUP, VERSION, "default", HPO, label_selector=selector)
        )

    assert select("team=ml") == ["a", "b"]
    assert select("team==ml,tier=gold") == ["a"]
    assert select("team!=ml") == ["c", "d"]
    assert select("tier in (gold, silver)") == ["a", "c"]
    assert select("tier notin (gold)") == ["b", "c", "d"]
    assert select("tier") == ["a", "c"]
    assert select("!tier") == ["b", "d"]
    with pytest.raises(ApiException) as caught:
        select("team in ml")
    assert caught.value.status == 400


def test_field_selectors_on_name_and_namespace(crds: KubeSandbox, custom: Custom, core: Any) -> None:
    core.create_namespace({"metadata": {"name": "other"}})
    _create(custom, "a")
    _create(custom, "b")
    _create(custom, "a", namespace="other")
    listed = custom.list_cluster_custom_object(GROUP, VERSION, HPO, field_selector="metadata.name=a")
    assert sorted(i["metadata"]["namespace"] for i in listed["items"]) == ["default", "other"]
    listed = custom.list_cluster_custom_object(
        GROUP, VERSION, HPO, field_selector="metadata.namespace!=default"
    )
    assert _names(listed) == ["a"]
    with pytest.raises(ApiException) as caught:
        custom.list_cluster_custom_object(GROUP, VERSION, HPO, field_selector="spec.region=us-east-2")
    assert caught.value.status == 400
    assert json.loads(caught.value.body or "{}")["message"] == "field label not supported: spec.region"


def test_paging_is_a_consistent_snapshot(crds: KubeSandbox, custom: Custom) -> None:
    for i in range(7):
        _create(custom, f"job-{i}")
    first = custom.list_namespaced_custom_object(GROUP, VERSION, "default", HPO, limit=3)
    assert _names(first) == ["job-0", "job-1", "job-2"]
    assert first["metadata"]["remainingItemCount"] == 4
    token = first["metadata"]["continue"]
    # Writes between pages do not show up in the pages of this list ...
    custom.delete_namespaced_custom_object(GROUP, VERSION, "default", HPO, "job-4")
    _create(custom, "job-3a")
    patch_hpo(custom, "job-5", {"metadata": {"labels": {"x": "y"}}})
    second = custom.list_namespaced_custom_object(GROUP, VERSION, "default", HPO, limit=3, _continue=token)
    assert _names(second) == ["job-3", "job-4", "job-5"]
    assert "labels" not in second["items"][2]["metadata"]
    assert second["metadata"]["resourceVersion"] == first["metadata"]["resourceVersion"]
    third = custom.list_namespaced_custom_object(
        GROUP, VERSION, "default", HPO, limit=3, _continue=second["metadata"]["continue"]
    )
    assert _names(third) == ["job-6"]
    assert not third["metadata"].get("continue")
    # ... and a fresh list sees them, unpaged or paged (the store's sorted order for paging is kept
    # between writes only: a write must drop it).
    assert "job-3a" in _names(custom.list_namespaced_custom_object(GROUP, VERSION, "default", HPO))
    fresh = custom.list_namespaced_custom_object(GROUP, VERSION, "default", HPO, limit=5)
    assert _names(fresh) == ["job-0", "job-1", "job-2", "job-3", "job-3a"]
    _create(custom, "job-0a")
    again = custom.list_namespaced_custom_object(GROUP, VERSION, "default", HPO, limit=2)
    assert _names(again) == ["job-0", "job-0a"]


def test_paging_with_a_selector(crds: KubeSandbox, custom: Custom) -> None:
    for i in range(6):
        _create(custom, f"job-{i}", {"parity": "even" if i % 2 == 0 else "odd"})
    seen: list[str] = []
    token = None
    while True:
        page = custom.list_namespaced_custom_object(
            GROUP, VERSION, "default", HPO, limit=2, label_selector="parity=even", _continue=token
        )
        seen += _names(page)
        token = page["metadata"].get("continue")
        if not token:
            break
    assert seen == ["job-0", "job-2", "job-4"]


def test_a_bad_continue_token_is_400(crds: KubeSandbox) -> None:
    code, status = raw_request(
        crds, "GET", f"/apis/{GROUP}/{VERSION}/namespaces/default/{HPO}?limit=1&continue=xx"
    )
    assert code == 400 and status["reason"] == "BadRequest"


def test_watch_from_a_resource_version_sees_later_changes(crds: KubeSandbox, custom: Custom) -> None:
    first = _create(custom, "a")
    rv = first["metadata"]["resourceVersion"]
    _create(custom, "b")
    patch_hpo_status(custom, "a", {"status": {"hyperParameterTuningJobStatus": "InProgress"}})
    custom.delete_namespaced_custom_object(GROUP, VERSION, "default", HPO, "b")
    events = _watch_default(custom, resource_version=rv)
    assert [(e["type"], e["object"]["metadata"]["name"]) for e in events] == [
        ("ADDED", "b"),
        ("MODIFIED", "a"),
        ("DELETED", "b"),
    ]
    rvs = [int(e["object"]["metadata"]["resourceVersion"]) for e in events]
    assert rvs == sorted(rvs) and rvs[0] > int(rv)


def test_watch_without_resource_version_starts_with_current_state_and_follows(
    crds: KubeSandbox, custom: Custom
) -> None:
    _create(custom, "existing", {"team": "ml"})
    _create(custom, "ignored", {"team": "web"})
    watcher: Any = kubernetes.watch.Watch()  # type: ignore[no-untyped-call]
    received: list[tuple[str, str]] = []

    def consume() -> None:
        for event in watcher.stream(
            custom.list_namespaced_custom_object,
            GROUP,
            VERSION,
            "default",
            HPO,
            label_selector="team=ml",
            timeout_seconds=10,
        ):
            received.append((event["type"], event["object"]["metadata"]["name"]))
            if len(received) == 3:
                watcher.stop()

    thread = threading.Thread(target=consume)
    thread.start()
    while not received:
        thread.join(0.05)
    _create(custom, "new", {"team": "ml"})
    # Relabelling out of the selector is seen as a deletion, as the watch cache reports it.
    patch_hpo(custom, "existing", {"metadata": {"labels": {"team": "web"}}})
    thread.join(15)
    assert received == [("ADDED", "existing"), ("ADDED", "new"), ("DELETED", "existing")]


def test_watch_stream_framing_and_timeout(crds: KubeSandbox, custom: Custom) -> None:
    _create(custom, "a")
    query = "watch=true&timeoutSeconds=1&allowWatchBookmarks=true"
    url = f"{crds.url}/apis/{GROUP}/{VERSION}/namespaces/default/{HPO}?{query}"
    with urllib.request.urlopen(url, timeout=30) as response:
        assert response.headers["Content-Type"] == "application/json"
        assert response.headers["Transfer-Encoding"] == "chunked"
        lines = response.read().decode().splitlines()
    events = [json.loads(line) for line in lines]
    assert [e["type"] for e in events] == ["ADDED", "BOOKMARK"]
    assert events[1]["object"]["metadata"]["resourceVersion"]


def test_watch_from_a_compacted_resource_version_is_410() -> None:
    sandbox = KubeSandbox()
    sandbox.cluster = Cluster(store=Store(change_log_size=3))  # compaction after 3 changes
    with sandbox:
        for name in ("a", "b", "c", "d", "e"):
            body = {"apiVersion": "v1", "kind": "Namespace", "metadata": {"name": name}}
            assert raw_request(sandbox, "POST", "/api/v1/namespaces", json.dumps(body).encode())[0] == 201
        url = f"{sandbox.url}/api/v1/namespaces?watch=true&resourceVersion=2&timeoutSeconds=1"
        with urllib.request.urlopen(url, timeout=30) as response:
            events = [json.loads(line) for line in response.read().decode().splitlines()]
    assert len(events) == 1 and events[0]["type"] == "ERROR"
    assert events[0]["object"]["code"] == 410 and events[0]["object"]["reason"] == "Expired"


def test_removing_the_last_finalizer_is_seen_as_update_then_delete(crds: KubeSandbox, custom: Custom) -> None:
    body = sample_hpo("held")
    body["metadata"]["finalizers"] = ["sagemaker.aws.amazon.com/hyperparametertuningjob"]
    created = custom.create_namespaced_custom_object(GROUP, VERSION, "default", HPO, body)
    marked = custom.delete_namespaced_custom_object(GROUP, VERSION, "default", HPO, "held")
    released = patch_hpo(custom, "held", {"metadata": {"finalizers": None}})
    events = _watch_default(custom, resource_version=created["metadata"]["resourceVersion"])
    assert [e["type"] for e in events] == ["MODIFIED", "MODIFIED", "DELETED"]
    assert events[0]["object"]["metadata"]["resourceVersion"] == marked["metadata"]["resourceVersion"]
    assert events[1]["object"]["metadata"]["resourceVersion"] == released["metadata"]["resourceVersion"]
    assert int(events[2]["object"]["metadata"]["resourceVersion"]) > int(
        released["metadata"]["resourceVersion"]
    )


def test_delete_returns_the_last_stored_state(crds: KubeSandbox, custom: Custom) -> None:
    created = custom.create_namespaced_custom_object(GROUP, VERSION, "default", HPO, sample_hpo())
    deleted = custom.delete_namespaced_custom_object(GROUP, VERSION, "default", HPO, "xgboost-mnist-hpo")
    assert deleted["metadata"]["resourceVersion"] == created["metadata"]["resourceVersion"]


def test_a_watch_fault_after_start_is_an_error_event(crds: KubeSandbox, custom: Custom) -> None:
    crds.inject_fault(verb="WATCH", resource=HPO, status=500, when="after")
    url = f"{crds.url}/apis/{GROUP}/{VERSION}/namespaces/default/{HPO}?watch=true&timeoutSeconds=5"
    with urllib.request.urlopen(url, timeout=30) as response:
        assert response.status == 200
        events = [json.loads(line) for line in response.read().decode().splitlines()]
    assert [e["type"] for e in events] == ["ERROR"]
    assert events[0]["object"]["code"] == 500
    crds.inject_fault(verb="WATCH", resource=HPO, status=503)
    code, status = raw_request(crds, "GET", f"/apis/{GROUP}/{VERSION}/namespaces/default/{HPO}?watch=true")
    assert code == 503 and status["reason"] == "ServiceUnavailable"


def test_concurrent_writers_and_a_watch_stay_consistent(crds: KubeSandbox) -> None:
    """Eight clients race on 20 names; a watch replayed from the start must equal the final list."""
    base = f"/apis/{GROUP}/{VERSION}/namespaces/default/{HPO}"
    codes: list[int] = []
    start_rv = raw_request(crds, "GET", base)[1]["metadata"]["resourceVersion"]

    def worker(seed: int) -> None:
        rnd = random.Random(seed)
        for i in range(60):
            name = f"job-{rnd.randrange(20)}"
            op = rnd.choice(["create", "label", "status", "delete", "release"])
            if op == "create":
                body = sample_hpo(name)
                if rnd.random() < 0.3:
                    body["metadata"]["finalizers"] = ["sagemaker.aws.amazon.com/hyperparametertuningjob"]
                codes.append(raw_request(crds, "POST", base, json.dumps(body).encode())[0])
            elif op == "label":
                patch = json.dumps({"metadata": {"labels": {"i": str(i)}}}).encode()
                codes.append(raw_request(crds, "PATCH", f"{base}/{name}", patch, content_type=MERGE)[0])
            elif op == "status":
                patch = json.dumps({"status": {"hyperParameterTuningJobStatus": "InProgress"}}).encode()
                codes.append(
                    raw_request(crds, "PATCH", f"{base}/{name}/status", patch, content_type=MERGE)[0]
                )
            elif op == "delete":
                codes.append(raw_request(crds, "DELETE", f"{base}/{name}")[0])
            else:
                patch = b'{"metadata":{"finalizers":null}}'
                codes.append(raw_request(crds, "PATCH", f"{base}/{name}", patch, content_type=MERGE)[0])

    threads = [threading.Thread(target=worker, args=(seed,)) for seed in range(8)]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join()
    assert set(codes) <= {200, 201, 404, 409}
    url = f"{crds.url}{base}?watch=true&resourceVersion={start_rv}&timeoutSeconds=1"
    with urllib.request.urlopen(url, timeout=30) as response:
        events = [json.loads(line) for line in response.read().decode().splitlines()]
    rvs = [int(e["object"]["metadata"]["resourceVersion"]) for e in events]
    assert rvs == sorted(rvs) and len(set(rvs)) == len(rvs)
    replayed: dict[str, str] = {}
    for event in events:
        meta = event["object"]["metadata"]
        if event["type"] == "DELETED":
            replayed.pop(meta["name"], None)
        else:
            replayed[meta["name"]] = meta["resourceVersion"]
    listed = raw_request(crds, "GET", base)[1]["items"]
    assert replayed == {i["metadata"]["name"]: i["metadata"]["resourceVersion"] for i in listed}


def test_watch_across_namespaces(crds: KubeSandbox, custom: Custom, core: Any) -> None:
    core.create_namespace({"metadata": {"name": "team-b"}})
    start = custom.list_cluster_custom_object(GROUP, VERSION, HPO)["metadata"]["resourceVersion"]
    _create(custom, "a")
    _create(custom, "b", namespace="team-b")
    watcher: Any = kubernetes.watch.Watch()  # type: ignore[no-untyped-call]
    events = list(
        watcher.stream(
            custom.list_cluster_custom_object, GROUP, VERSION, HPO, resource_version=start, timeout_seconds=1
        )
    )
    assert [(e["type"], e["object"]["metadata"]["namespace"]) for e in events] == [
        ("ADDED", "default"),
        ("ADDED", "team-b"),
    ]


class _Clock:
    """The store's clock, moved by hand (compaction is a matter of age)."""

    def __init__(self) -> None:
        self.now = 1000.0

    def __call__(self) -> float:
        return self.now


def _sandbox_with(store: Store) -> KubeSandbox:
    sandbox = KubeSandbox()
    sandbox.cluster = Cluster(store=store)
    return sandbox


def _list_path(query: str) -> str:
    return f"/api/v1/namespaces?{query}"


def _make_namespaces(sandbox: KubeSandbox, names: list[str]) -> None:
    for name in names:
        body = {"apiVersion": "v1", "kind": "Namespace", "metadata": {"name": name}}
        assert raw_request(sandbox, "POST", "/api/v1/namespaces", json.dumps(body).encode())[0] == 201


def test_continue_tokens_have_the_api_servers_format(crds: KubeSandbox, custom: Custom) -> None:
    for name in ("a", "b", "c"):
        _create(custom, name)
    first = custom.list_namespaced_custom_object(GROUP, VERSION, "default", HPO, limit=2)
    token = first["metadata"]["continue"]
    decoded = json.loads(base64.urlsafe_b64decode(token + "=" * (-len(token) % 4)))
    assert decoded == {
        "v": "meta.k8s.io/v1",
        "rv": int(first["metadata"]["resourceVersion"]),
        "start": "b\x00",
    }
    across = custom.list_cluster_custom_object(GROUP, VERSION, HPO, limit=1)["metadata"]["continue"]
    assert json.loads(base64.urlsafe_b64decode(across + "=" * (-len(across) % 4)))["start"] == "default/a\x00"


def test_many_paged_lists_in_flight_all_stay_valid(crds: KubeSandbox, custom: Custom) -> None:
    """More open paged lists than the 64 snapshots the emulator once kept (issue 10 item 9)."""
    for name in ("a", "b", "c"):
        _create(custom, name)
    tokens = [
        custom.list_namespaced_custom_object(GROUP, VERSION, "default", HPO, limit=1)["metadata"]["continue"]
        for _ in range(200)
    ]
    _create(custom, "b2")  # a write between the pages does not show in any of them
    for token in tokens:
        page = custom.list_namespaced_custom_object(GROUP, VERSION, "default", HPO, limit=5, _continue=token)
        assert _names(page) == ["b", "c"]


def test_a_continue_token_expires_by_age_with_the_real_410() -> None:
    clock = _Clock()
    with _sandbox_with(Store(clock=clock)) as sandbox:
        _make_namespaces(sandbox, ["n1", "n2", "n3"])
        code, first = raw_request(sandbox, "GET", _list_path("limit=2"))
        assert code == 200 and _names(first) == ["default", "kube-system"]
        token = first["metadata"]["continue"]
        clock.now += 299  # within the compaction interval, even with writes in between
        _make_namespaces(sandbox, ["m0"])
        code, second = raw_request(sandbox, "GET", _list_path(f"limit=2&continue={token}"))
        assert code == 200 and _names(second) == ["n1", "n2"]
        clock.now += 2  # 301 s after the first page, but the revision as of 300 s ago is still the list's
        code, third = raw_request(sandbox, "GET", _list_path(f"limit=2&continue={token}"))
        assert code == 200 and _names(third) == ["n1", "n2"]
        clock.now += 299  # the write after the first page is now older than 300 s: the list's revision is
        # older than the compaction point (the revision as of 300 s ago)
        code, gone = raw_request(sandbox, "GET", _list_path(f"limit=2&continue={token}"))
        assert code == 410
        assert gone["reason"] == "Expired"
        assert gone["message"] == (
            "The provided continue parameter is too old to display a consistent list result. You can start "
            "a new list without the continue parameter, or use the continue token in this response to "
            "retrieve the remainder of the results. Continuing with the provided token results in an "
            "inconsistent list - objects that were created, modified, or deleted between the time the "
            "first chunk was returned and now may show up in the list."
        )
        # The token in the error continues at the latest revision from the same key: m0 shows up now.
        inconsistent = gone["metadata"]["continue"]
        decoded = json.loads(base64.urlsafe_b64decode(inconsistent + "=" * (-len(inconsistent) % 4)))
        assert decoded == {"v": "meta.k8s.io/v1", "rv": -1, "start": "kube-system\x00"}
        code, rest = raw_request(sandbox, "GET", _list_path(f"limit=10&continue={inconsistent}"))
        assert code == 200 and _names(rest) == ["m0", "n1", "n2", "n3"]


def test_without_writes_a_token_does_not_expire() -> None:
    clock = _Clock()
    with _sandbox_with(Store(clock=clock)) as sandbox:
        _make_namespaces(sandbox, ["n1"])
        code, first = raw_request(sandbox, "GET", _list_path("limit=1"))
        clock.now += 3600  # etcd compacts only revisions older than the current one
        code, second = raw_request(
            sandbox, "GET", _list_path(f"limit=5&continue={first['metadata']['continue']}")
        )
        assert code == 200 and _names(second) == ["kube-system", "n1"]


def test_the_history_bound_expires_tokens_early() -> None:
    """The store keeps its history within a byte budget; a token past it expires before its age."""
    with _sandbox_with(Store(history_bytes=2000)) as sandbox:
        _make_namespaces(sandbox, ["n1", "n2"])
        code, first = raw_request(sandbox, "GET", _list_path("limit=1"))
        token = first["metadata"]["continue"]
        _make_namespaces(sandbox, [f"x{i}" for i in range(10)])  # about 300 bytes each
        code, gone = raw_request(sandbox, "GET", _list_path(f"limit=1&continue={token}"))
        assert code == 410 and gone["reason"] == "Expired"


def test_the_official_client_sees_410_for_an_expired_token() -> None:
    clock = _Clock()
    with _sandbox_with(Store(clock=clock)) as sandbox:
        _make_namespaces(sandbox, ["n1", "n2"])
        config = kubernetes.client.Configuration()
        config.host = sandbox.url
        with kubernetes.client.ApiClient(config) as api:
            core = kubernetes.client.CoreV1Api(api)
            listed: Any = core.list_namespace(limit=1)
            token = listed.metadata._continue
            _make_namespaces(sandbox, ["n3"])
            clock.now += 301
            with pytest.raises(ApiException) as caught:
                core.list_namespace(limit=1, _continue=token)
    assert caught.value.status == 410
    assert json.loads(caught.value.body or "{}")["metadata"]["continue"]
