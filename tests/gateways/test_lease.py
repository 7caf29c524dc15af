"""The Lease over the real kubernetes client against the emulator: take, expire, refuse, release."""

from __future__ import annotations

import datetime as dt
from collections.abc import Iterator
from dataclasses import dataclass
from pathlib import Path

import pytest

from reconciler.core.calls import CallCounter
from reconciler.core.settings import Settings
from reconciler.gateways import kube, lease
from reconciler.sandbox.kube import KubeSandbox

NOW = dt.datetime(2026, 1, 1, 12, 0, 0, tzinfo=dt.UTC)


@pytest.fixture
def sandbox_and_gateway(tmp_path: Path) -> Iterator[tuple[KubeSandbox, kube.KubeGateway]]:
    with KubeSandbox() as sandbox:
        kubeconfig = tmp_path / "kubeconfig"
        sandbox.write_kubeconfig(kubeconfig)
        yield (
            sandbox,
            kube.KubeGateway(kube.connect(Settings(kubeconfig=str(kubeconfig))), calls=CallCounter()),
        )


@pytest.fixture
def gateway(sandbox_and_gateway: tuple[KubeSandbox, kube.KubeGateway]) -> kube.KubeGateway:
    return sandbox_and_gateway[1]


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


# -------------------------------------------------------------- clocks ahead, renewal failures (issue 10 #7)


@pytest.mark.parametrize(
    ("ahead_seconds", "taken"),
    [
        (30, False),  # a holder renewing now, its clock 30 s fast: it may be alive, so wait for it
        (60, False),  # exactly leaseDurationSeconds ahead: still possible
        (61, True),  # more than leaseDurationSeconds ahead: no live holder with a sane clock
        (4 * 365 * 86400, True),  # renewTime years ahead (the 2030)
    ],
)
def test_a_renewtime_further_ahead_than_the_duration_is_expired_with_a_warning(
    gateway: kube.KubeGateway, caplog: pytest.LogCaptureFixture, ahead_seconds: int, taken: bool
) -> None:
    fast = take(gateway, "fast-clock-node", NOW + dt.timedelta(seconds=ahead_seconds))
    assert isinstance(fast, lease.HeldLease)
    with caplog.at_level("WARNING", logger="reconciler.gateways.lease"):
        result = take(gateway, "b", NOW)
    assert isinstance(result, lease.HeldLease) is taken
    warnings = [r.getMessage() for r in caplog.records if r.levelname == "WARNING"]
    if taken:
        assert len(warnings) == 1 and "fast-clock-node" in warnings[0], warnings
        assert "taken as expired" in warnings[0] and "leaseDurationSeconds" in warnings[0]
        assert gateway.get_lease("default", "hpo")["spec"]["holderIdentity"] == "b"
    else:
        assert warnings == []
        assert isinstance(result, lease.Busy) and result.holder == "fast-clock-node"


@dataclass
class HeldByA:
    sandbox: KubeSandbox
    gateway: kube.KubeGateway
    held: lease.HeldLease


@pytest.fixture
def held_by_a(sandbox_and_gateway: tuple[KubeSandbox, kube.KubeGateway]) -> HeldByA:
    """The lease, taken by holder `a` at NOW."""
    sandbox, gateway = sandbox_and_gateway
    held = take(gateway, "a", NOW)
    assert isinstance(held, lease.HeldLease)
    return HeldByA(sandbox, gateway, held)


def test_renewal_retries_a_transient_failure(held_by_a: HeldByA) -> None:
    a = held_by_a
    sandbox, gateway, held = a.sandbox, a.gateway, a.held
    sandbox.inject_fault(verb="UPDATE", resource="leases", status=503, times=2)
    assert held.renew(NOW + dt.timedelta(seconds=20)) and held.failure is None
    assert gateway.get_lease("default", "hpo")["spec"]["renewTime"] == "2026-01-01T12:00:20.000000Z"


def test_renewal_that_keeps_failing_says_why(held_by_a: HeldByA) -> None:
    a = held_by_a
    sandbox, held = a.sandbox, a.held
    sandbox.inject_fault(verb="UPDATE", resource="leases", status=500, times=3)
    assert not held.renew(NOW + dt.timedelta(seconds=20))
    assert held.failure is not None and "500" in held.failure


def test_renewal_whose_answer_was_lost_is_still_ours(held_by_a: HeldByA) -> None:
    a = held_by_a
    sandbox, gateway, held = a.sandbox, a.gateway, a.held
    # The update is applied, its answer lost: the retry's resourceVersion is stale (409), the lease
    # still names us, so it is renewed again from what the server holds.
    sandbox.inject_fault(verb="UPDATE", resource="leases", status=500, when="after")
    assert held.renew(NOW + dt.timedelta(seconds=20))
    assert held.renew(NOW + dt.timedelta(seconds=40))
    assert gateway.get_lease("default", "hpo")["spec"]["renewTime"] == "2026-01-01T12:00:40.000000Z"


def test_renewal_of_a_lease_taken_by_another_holder_fails_and_release_leaves_it_alone(
    held_by_a: HeldByA,
) -> None:
    a = held_by_a
    gateway, held = a.gateway, a.held
    # Another run took it (our hold expired while this process was paused, say).
    assert isinstance(take(gateway, "b", NOW + dt.timedelta(seconds=120)), lease.HeldLease)
    assert not held.renew(NOW + dt.timedelta(seconds=121))
    assert held.failure == "it is now held by b"
    assert not held.release()
    assert gateway.get_lease("default", "hpo")["spec"]["holderIdentity"] == "b"
