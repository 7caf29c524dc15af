"""The Lease over the real kubernetes client against the emulator: take, expire, refuse, release."""

from __future__ import annotations

import datetime as dt
from collections.abc import Iterator
from pathlib import Path

import pytest

from reconciler.core.calls import CallCounter
from reconciler.core.settings import Settings
from reconciler.gateways import kube, lease
from reconciler.sandbox.kube import KubeSandbox

NOW = dt.datetime(2026, 1, 1, 12, 0, 0, tzinfo=dt.UTC)


@pytest.fixture
def gateway(tmp_path: Path) -> Iterator[kube.KubeGateway]:
    with KubeSandbox() as sandbox:
        kubeconfig = tmp_path / "kubeconfig"
        sandbox.write_kubeconfig(kubeconfig)
        yield kube.KubeGateway(kube.connect(Settings(kubeconfig=str(kubeconfig))), calls=CallCounter())


def take(gateway: kube.KubeGateway, holder: str, now: dt.datetime) -> lease.HeldLease | lease.Busy:
    return lease.acquire(
        gateway, namespace="default", name="hpo", holder=holder, duration_seconds=60, now=now
    )


def test_take_refuse_expire_and_release(gateway: kube.KubeGateway) -> None:
    first = take(gateway, "a", NOW)
    assert isinstance(first, lease.HeldLease)
    busy = take(gateway, "b", NOW + dt.timedelta(seconds=30))
    assert isinstance(busy, lease.Busy) and busy.holder == "a"
    assert busy.until == "2026-01-01T12:01:00.000000Z"
    assert isinstance(take(gateway, "a", NOW + dt.timedelta(seconds=30)), lease.HeldLease)  # ours again
    expired = take(gateway, "b", NOW + dt.timedelta(seconds=120))
    assert isinstance(expired, lease.HeldLease)
    stored = gateway.get_lease("default", "hpo")["spec"]
    assert stored["holderIdentity"] == "b" and stored["leaseTransitions"] == 1
    assert expired.release()
    assert "holderIdentity" not in gateway.get_lease("default", "hpo")["spec"]
    assert isinstance(take(gateway, "c", NOW + dt.timedelta(seconds=121)), lease.HeldLease)


def test_renewal_extends_the_hold(gateway: kube.KubeGateway) -> None:
    held = take(gateway, "a", NOW)
    assert isinstance(held, lease.HeldLease)
    assert held.renew(NOW + dt.timedelta(seconds=50))
    assert isinstance(take(gateway, "b", NOW + dt.timedelta(seconds=100)), lease.Busy)


def test_lost_race_is_busy(gateway: kube.KubeGateway) -> None:
    assert isinstance(take(gateway, "a", NOW), lease.HeldLease)
    stale = gateway.get_lease("default", "hpo")
    assert isinstance(
        take(gateway, "a", NOW + dt.timedelta(seconds=1)), lease.HeldLease
    )  # changes resourceVersion
    with pytest.raises(kube.ConflictError):
        gateway.update_lease("default", "hpo", stale)
