"""Kubernetes API faults during a pass: 500s, 409s, slow answers, dropped connections, an expired
list continue token. Goal (issue 7): every resource converges once the faults end, exactly one tuning
job each, nothing Stalled by a fault, and each pass's exit code is as designed (0, or 1 when a
resource's reconciliation failed unexpectedly or the list itself failed — never a traceback)."""

from __future__ import annotations

from pathlib import Path

import pytest
import yaml

from tests.e2e.e2e_world import GROUP, PLURAL, World
from tests.reliability.dropping_proxy import DroppingProxy
from tests.reliability.helpers import assert_converged, run_until_quiet
from tests.sandbox_kube.kube_test_support import expire_tuning_job_lists

COUNT = 8


def _names() -> list[str]:
    return [f"kf-{index}" for index in range(COUNT)]


def _create_all(world: World) -> None:
    for name in _names():
        world.create_sample(name)


def _passes_under_fault(world: World, passes: int = 3) -> str:
    output = ""
    for index in range(passes):
        if index == 1:
            world.sagemaker.advance(100)  # children appear while the faults go on
        result = world.run()
        assert result.code in (0, 1), result.stderr
        assert "Traceback" not in result.stderr
        assert result.summary.startswith("summary:")
        output += result.stdout + result.stderr
        for name in _names():
            # Read from the emulator's store: the test's own requests must not meet the faults.
            entry = world.kube.cluster.store.get((GROUP, PLURAL), namespace="default", name=name)
            assert entry is not None, f"{name} lost"
            for condition in entry.obj().get("status", {}).get("conditions", []):
                assert condition["type"] != "Stalled", f"{name}: {condition}"
    return output


def _converges(world: World) -> None:
    world.kube.faults.clear()
    assert run_until_quiet(world) <= 2
    assert_converged(world, _names())
    world.sagemaker.advance(3600)
    run_until_quiet(world)
    assert_converged(world, _names())


@pytest.mark.slow
def test_500s_on_a_third_of_all_requests(world: World) -> None:
    _create_all(world)
    world.kube.set_fault_rate(rate=0.3, status=500)
    output = _passes_under_fault(world)
    assert "500" in output
    _converges(world)


def test_409s_on_a_third_of_all_writes(world: World) -> None:
    _create_all(world)
    world.kube.set_fault_rate(rate=0.3, status=409, verbs=["PATCH", "CREATE", "UPDATE", "DELETE"])
    _passes_under_fault(world)
    _converges(world)


@pytest.mark.slow
def test_slow_answers(world: World) -> None:
    _create_all(world)
    world.kube.set_latency(0.05)
    result = world.run()
    assert result.code == 0 and f"created={COUNT}" in result.summary
    world.kube.set_latency(0.0)
    _converges(world)


def test_writes_answered_500_after_they_took_effect(world: World) -> None:
    _create_all(world)
    for verb in ("PATCH", "CREATE", "DELETE"):
        for resource in (
            "hyperparametertuningjobs",
            "hyperparametertuningjobs/status",
            "trainingjobs",
            "trainingjobs/status",
            "events",
        ):
            world.kube.inject_fault(verb=verb, resource=resource, status=500, times=3, when="after")
    _passes_under_fault(world)
    _converges(world)


@pytest.mark.slow
def test_dropped_connections(world: World, tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    _create_all(world)
    upstream = int(world.kube.url.rsplit(":", 1)[1])
    proxy = DroppingProxy(upstream, drop_rate=0.2, seed=7)
    try:
        config = yaml.safe_load(world.kubeconfig.read_text())
        config["clusters"][0]["cluster"]["server"] = proxy.url
        dropping = tmp_path / "dropping-kubeconfig"
        dropping.write_text(yaml.safe_dump(config))
        monkeypatch.setenv("KUBECONFIG", str(dropping))
        _passes_under_fault(world)
        assert proxy.dropped > 0
    finally:
        proxy.close()
    monkeypatch.setenv("KUBECONFIG", str(world.kubeconfig))
    _converges(world)


def test_expired_continue_token_restarts_the_list_and_the_pass_completes(
    world: World, monkeypatch: pytest.MonkeyPatch
) -> None:
    _create_all(world)
    monkeypatch.setenv("HPO_RECONCILER_PAGE_SIZE", "3")
    faults = world.kube.faults
    count = faults.count
    # The first request carrying a continue token (the 2nd list) is answered 410.
    expire_tuning_job_lists(world.kube, when=lambda n: n == 2)
    result = world.run()
    assert result.code == 0, result.stderr
    assert f"created={COUNT}" in result.summary  # each resource once, none twice
    monkeypatch.setattr(faults, "count", count)
    _converges(world)
