"""The coordination Lease that keeps two runs from working at the same time.

Contract:
- `acquire(gateway, namespace=..., name=..., holder=..., duration_seconds=..., now=...)` returns a
  `HeldLease` when this process holds the lease (created, free, expired, or already ours), or a
  `Busy` naming the other holder and when its hold expires. Losing a race (409) is `Busy`.
- `HeldLease.renew(now)` extends the hold; `HeldLease.release()` clears the holder so the next run
  need not wait for expiry. Both are best effort (a failure is logged, never raised).
- Only get, create and update are used (the RBAC of interfaces.md).
"""

from __future__ import annotations

import datetime as dt
import logging
import threading
from dataclasses import dataclass
from typing import Any

from reconciler.gateways import kube

log = logging.getLogger(__name__)


@dataclass(frozen=True)
class Busy:
    holder: str
    until: str


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
    def __init__(self, gateway: kube.KubeGateway, body: dict[str, Any]) -> None:
        self._gateway = gateway
        self._body = body
        self._lock = threading.Lock()

    @property
    def namespace(self) -> str:
        return str(self._body["metadata"]["namespace"])

    @property
    def name(self) -> str:
        return str(self._body["metadata"]["name"])

    def _update(self, spec_changes: dict[str, Any]) -> bool:
        with self._lock:
            body = {**self._body, "spec": {**self._body.get("spec", {}), **spec_changes}}
            body["spec"] = {k: v for k, v in body["spec"].items() if v is not None}
            try:
                self._body = self._gateway.update_lease(self.namespace, self.name, body)
                return True
            except kube.KubeError as exc:
                log.warning("lease %s/%s: %s", self.namespace, self.name, exc)
                return False

    def renew(self, now: dt.datetime) -> bool:
        return self._update({"renewTime": micro_time(now)})

    def release(self) -> bool:
        return self._update({"holderIdentity": None, "acquireTime": None, "renewTime": None})


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
            return Busy(holder="another run (created it concurrently)", until="unknown")
    current_spec = current.get("spec") or {}
    other = current_spec.get("holderIdentity")
    renewed = _parse(current_spec.get("renewTime")) or _parse(current_spec.get("acquireTime"))
    held_for = int(current_spec.get("leaseDurationSeconds") or duration_seconds)
    if other and other != holder and renewed is not None:
        expires = renewed + dt.timedelta(seconds=held_for)
        if expires > now:
            return Busy(holder=str(other), until=micro_time(expires))
    transitions = int(current_spec.get("leaseTransitions") or 0) + (1 if other != holder else 0)
    body = {**current, "spec": {**current_spec, **spec, "leaseTransitions": transitions}}
    try:
        return HeldLease(gateway, gateway.update_lease(namespace, name, body))
    except kube.ConflictError:
        return Busy(holder="another run (took it concurrently)", until="unknown")
