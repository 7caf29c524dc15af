"""The coordination Lease that keeps two runs from working at the same time.

Contract:
- `acquire(gateway, namespace=..., name=..., holder=..., duration_seconds=..., now=...)` returns a
  `HeldLease` when this process holds the lease (created, free, expired, or already ours), or a
  `Busy` naming the other holder and when its hold expires. Losing a race (409) is `Busy`.
- A renewTime further ahead of `now` than the lease's leaseDurationSeconds cannot come from a live
  holder whose clock agrees with ours within that margin (a holder renews with its own clock's now):
  such a lease is taken as expired, with a warning naming the holder and the renewTime. Otherwise a
  renewTime in 2030 would block every run until 2030.
- `HeldLease.renew(now)` extends the hold and returns whether this process still provably holds it.
  A transient failure is retried (twice, a second apart); a 409 re-reads the lease and retries when
  it still names this holder (a renewal whose answer was lost), and fails when it names another.
  `HeldLease.failure` says why the last renewal failed. `HeldLease.release()` clears the holder so
  the next run need not wait for expiry; it is best effort (a failure is logged, never raised), and
  its resourceVersion precondition keeps it from clearing another holder's lease.
- Only get, create and update are used (the RBAC in docs/iam.md).
"""

from __future__ import annotations

import datetime as dt
import logging
import threading
import time
from dataclasses import dataclass
from typing import Any

from reconciler.gateways import kube

log = logging.getLogger(__name__)


@dataclass(frozen=True)
class Busy:
    """Another run holds the lease: who and until when, or None for both when it took the lease in
    the same moment as this run (a 409), so neither is known without another read."""

    holder: str | None
    until: str | None

    def describe(self) -> str:
        """`cronjob-pod-1 until 2026-...Z`, or what is known when the lease was lost in a race."""
        if self.holder is None:
            return "it took the lease at the same moment as this run"
        return f"{self.holder} until {self.until}" if self.until else self.holder


def micro_time(moment: dt.datetime) -> str:
    """metav1.MicroTime: RFC 3339 with exactly six fractional digits."""
    return moment.astimezone(dt.UTC).strftime("%Y-%m-%dT%H:%M:%S.%fZ")


def _parse(text: Any) -> dt.datetime | None:
    if not isinstance(text, str) or not text:
        return None
    try:
        return dt.datetime.fromisoformat(text.replace("Z", "+00:00"))
    except ValueError:
        return None


class HeldLease:
    _RENEW_ATTEMPTS = 3
    _RENEW_RETRY_SECONDS = 1.0

    def __init__(self, gateway: kube.KubeGateway, body: dict[str, Any]) -> None:
        self._gateway = gateway
        self._body = body
        self._lock = threading.Lock()
        self.failure: str | None = None

    @property
    def namespace(self) -> str:
        return str(self._body["metadata"]["namespace"])

    @property
    def name(self) -> str:
        return str(self._body["metadata"]["name"])

    @property
    def holder(self) -> str:
        return str((self._body.get("spec") or {}).get("holderIdentity") or "")

    def _update(self, spec_changes: dict[str, Any]) -> kube.KubeError | None:
        with self._lock:
            body = {**self._body, "spec": {**self._body.get("spec", {}), **spec_changes}}
            body["spec"] = {k: v for k, v in body["spec"].items() if v is not None}
            try:
                self._body = self._gateway.update_lease(self.namespace, self.name, body)
                return None
            except kube.KubeError as exc:
                return exc

    def renew(self, now: dt.datetime) -> bool:
        holder = self.holder
        for attempt in range(1, self._RENEW_ATTEMPTS + 1):
            error = self._update({"renewTime": micro_time(now)})
            if error is None:
                self.failure = None
                return True
            self.failure = str(error)
            if isinstance(error, kube.ConflictError):
                # Changed since we last wrote it: ours still (our own renewal whose answer was lost)
                # or someone else's now.
                try:
                    current = self._gateway.get_lease(self.namespace, self.name)
                except kube.KubeError as exc:
                    self.failure = f"{error}; reading it again failed: {exc}"
                    return False
                other = (current.get("spec") or {}).get("holderIdentity")
                if other != holder:
                    self.failure = f"it is now held by {other or 'nobody'}"
                    return False
                with self._lock:
                    self._body = current
                continue
            if not isinstance(error, kube.TransientError):
                return False
            if attempt < self._RENEW_ATTEMPTS:
                time.sleep(self._RENEW_RETRY_SECONDS)
        return False

    def release(self) -> bool:
        error = self._update({"holderIdentity": None, "acquireTime": None, "renewTime": None})
        if error is not None:
            log.warning("lease %s/%s: could not release it: %s", self.namespace, self.name, error)
        return error is None


def acquire(
    gateway: kube.KubeGateway,
    *,
    namespace: str,
    name: str,
    holder: str,
    duration_seconds: int,
    now: dt.datetime,
) -> HeldLease | Busy:
    spec = {
        "holderIdentity": holder,
        "leaseDurationSeconds": duration_seconds,
        "acquireTime": micro_time(now),
        "renewTime": micro_time(now),
    }
    try:
        current = gateway.get_lease(namespace, name)
    except kube.NotFoundError:
        body = {
            "apiVersion": "coordination.k8s.io/v1",
            "kind": "Lease",
            "metadata": {"name": name, "namespace": namespace},
            "spec": {**spec, "leaseTransitions": 0},
        }
        try:
            return HeldLease(gateway, gateway.create_lease(namespace, body))
        except kube.ConflictError:
            return Busy(holder=None, until=None)  # another run created it first
    current_spec = current.get("spec") or {}
    other = current_spec.get("holderIdentity")
    renewed = _parse(current_spec.get("renewTime")) or _parse(current_spec.get("acquireTime"))
    held_for = int(current_spec.get("leaseDurationSeconds") or duration_seconds)
    if other and other != holder and renewed is not None:
        expires = renewed + dt.timedelta(seconds=held_for)
        if renewed - now > dt.timedelta(seconds=held_for):
            log.warning(
                "lease %s/%s: holder %s renewed it at %s, %ds ahead of this process's clock (more than its "
                "leaseDurationSeconds, %d): no live holder with a clock that close to ours writes that, "
                "so the lease is taken as expired; check the clocks of the nodes %s ran on",
                namespace,
                name,
                other,
                micro_time(renewed),
                int((renewed - now).total_seconds()),
                held_for,
                other,
            )
        elif expires > now:
            return Busy(holder=str(other), until=micro_time(expires))
    transitions = int(current_spec.get("leaseTransitions") or 0) + (1 if other != holder else 0)
    body = {**current, "spec": {**current_spec, **spec, "leaseTransitions": transitions}}
    try:
        return HeldLease(gateway, gateway.update_lease(namespace, name, body))
    except kube.ConflictError:
        return Busy(holder=None, until=None)  # another run updated it first
