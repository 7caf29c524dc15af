"""Request counters, scripted and random faults, latency: in-process and over the /sandbox/ HTTP mirror."""

from __future__ import annotations

import json
import time
from typing import Any

import pytest
from kubernetes.client.exceptions import ApiException

from reconciler.sandbox.kube import KubeSandbox
from tests.sandbox_kube.kube_test_support import GROUP, HPO, VERSION, Custom, raw_request, sample_hpo

NAME = "xgboost-mnist-hpo"


def _patch_status(custom: Custom, phase: str) -> Any:
    return custom.patch_namespaced_custom_object_status(
        GROUP, VERSION, "default", HPO, NAME, {"status": {"hyperParameterTuningJobStatus": phase}}
    )


def test_stats_count_requests_by_verb_and_resource(crds: KubeSandbox, custom: Custom) -> None:
    crds.reset_stats()
    custom.create_namespaced_custom_object(GROUP, VERSION, "default", HPO, sample_hpo())
    custom.list_namespaced_custom_object(GROUP, VERSION, "default", HPO)
    custom.get_namespaced_custom_object(GROUP, VERSION, "default", HPO, NAME)
    _patch_status(custom, "InProgress")
    _patch_status(custom, "Completed")
    custom.patch_namespaced_custom_object(
        GROUP, VERSION, "default", HPO, NAME, {"metadata": {"labels": {"a": "b"}}}
    )
    custom.delete_namespaced_custom_object(GROUP, VERSION, "default", HPO, NAME)
    expected = {
        f"CREATE {HPO}": 1,
        f"LIST {HPO}": 1,
        f"GET {HPO}": 1,
        f"PATCH {HPO}/status": 2,
        f"PATCH {HPO}": 1,
        f"DELETE {HPO}": 1,
    }
    assert crds.stats() == expected
    code, body = raw_request(crds, "GET", "/sandbox/stats")
    assert code == 200 and body == {"requests": expected}
    crds.reset_stats()
    assert crds.stats() == {}


def test_scripted_fault_before_leaves_the_object_unchanged(crds: KubeSandbox, custom: Custom) -> None:
    custom.create_namespaced_custom_object(GROUP, VERSION, "default", HPO, sample_hpo())
    crds.inject_fault(verb="PATCH", resource=f"{HPO}/status", name=NAME, status=500, times=1)
    with pytest.raises(ApiException) as caught:
        _patch_status(custom, "InProgress")
    assert caught.value.status == 500
    assert json.loads(caught.value.body or "{}")["reason"] == "InternalError"
    assert "status" not in custom.get_namespaced_custom_object(GROUP, VERSION, "default", HPO, NAME)
    assert _patch_status(custom, "InProgress")["status"]["hyperParameterTuningJobStatus"] == "InProgress"


def test_scripted_fault_after_applies_the_write_then_fails(crds: KubeSandbox, custom: Custom) -> None:
    custom.create_namespaced_custom_object(GROUP, VERSION, "default", HPO, sample_hpo())
    crds.inject_fault(verb="PATCH", resource=f"{HPO}/status", status=503, when="after")
    with pytest.raises(ApiException) as caught:
        _patch_status(custom, "InProgress")
    assert caught.value.status == 503
    assert caught.value.headers is not None and caught.value.headers["Retry-After"] == "1"
    stored = custom.get_namespaced_custom_object(GROUP, VERSION, "default", HPO, NAME)
    assert stored["status"]["hyperParameterTuningJobStatus"] == "InProgress"


def test_scripted_fault_matches_name_and_count(crds: KubeSandbox, custom: Custom) -> None:
    crds.inject_fault(verb="CREATE", resource=HPO, status=409, times=2)
    for _ in range(2):
        with pytest.raises(ApiException) as caught:
            custom.create_namespaced_custom_object(GROUP, VERSION, "default", HPO, sample_hpo())
        assert caught.value.status == 409
    custom.create_namespaced_custom_object(GROUP, VERSION, "default", HPO, sample_hpo())
    crds.inject_fault(verb="GET", resource=HPO, name="other", status=500)
    custom.get_namespaced_custom_object(GROUP, VERSION, "default", HPO, NAME)  # another name: no fault


def test_fault_rate_applies_to_the_chosen_verbs(crds: KubeSandbox, custom: Custom) -> None:
    custom.create_namespaced_custom_object(GROUP, VERSION, "default", HPO, sample_hpo())
    crds.set_fault_rate(rate=1.0, status=429, verbs=["LIST"])
    with pytest.raises(ApiException) as caught:
        custom.list_namespaced_custom_object(GROUP, VERSION, "default", HPO)
    assert caught.value.status == 429
    assert json.loads(caught.value.body or "{}")["reason"] == "TooManyRequests"
    custom.get_namespaced_custom_object(GROUP, VERSION, "default", HPO, NAME)
    crds.set_fault_rate(rate=0.5, status=500)
    outcomes = []
    for _ in range(40):
        try:
            custom.get_namespaced_custom_object(GROUP, VERSION, "default", HPO, NAME)
            outcomes.append(True)
        except ApiException:
            outcomes.append(False)
    assert 5 < outcomes.count(False) < 35


def test_http_mirror_of_the_controls(crds: KubeSandbox, custom: Custom) -> None:
    custom.create_namespaced_custom_object(GROUP, VERSION, "default", HPO, sample_hpo())
    fault = {"verb": "GET", "resource": HPO, "name": NAME, "status": 500, "times": 1}
    assert raw_request(crds, "POST", "/sandbox/faults", json.dumps(fault).encode())[0] == 200
    with pytest.raises(ApiException):
        custom.get_namespaced_custom_object(GROUP, VERSION, "default", HPO, NAME)
    custom.get_namespaced_custom_object(GROUP, VERSION, "default", HPO, NAME)
    raw_request(crds, "POST", "/sandbox/faults", json.dumps({"rate": 1.0, "verbs": ["GET"]}).encode())
    with pytest.raises(ApiException):
        custom.get_namespaced_custom_object(GROUP, VERSION, "default", HPO, NAME)
    assert raw_request(crds, "POST", "/sandbox/reset", b"")[0] == 200
    custom.get_namespaced_custom_object(GROUP, VERSION, "default", HPO, NAME)
    assert crds.stats() == {f"GET {HPO}": 1}
    code, body = raw_request(
        crds, "POST", "/sandbox/faults", json.dumps({"verb": "FETCH", "resource": HPO}).encode()
    )
    assert code == 400 and "verb must be one of" in body["error"]
    code, body = raw_request(crds, "POST", "/sandbox/faults", b"{not json")
    assert code == 400
    code, body = raw_request(crds, "POST", "/sandbox/faults", json.dumps({"latency": 0.01}).encode())
    assert code == 200 and crds.faults.latency == 0.01


def test_fault_arguments_are_checked(kube: KubeSandbox) -> None:
    with pytest.raises(ValueError, match="when must be"):
        kube.inject_fault(verb="GET", resource=HPO, when="later")  # type: ignore[arg-type]
    with pytest.raises(ValueError, match="rate must be between"):
        kube.set_fault_rate(rate=2.0)
    with pytest.raises(ValueError, match="latency"):
        kube.set_latency(-1)


def test_latency_delays_api_requests_but_not_the_controls(crds: KubeSandbox, custom: Custom) -> None:
    crds.set_latency(0.3)
    started = time.monotonic()
    custom.list_namespaced_custom_object(GROUP, VERSION, "default", HPO)
    assert time.monotonic() - started >= 0.3  # a lower bound on the injected delay, not a speed goal
    crds.set_latency(0)
    assert raw_request(crds, "GET", "/sandbox/stats")[0] == 200
