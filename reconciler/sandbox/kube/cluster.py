"""The emulated cluster's state, shared by every request handler: storage, served types and the clock.

Contract: `Cluster` bundles the `Store`, the `Registry` and a UTC clock; `timestamp()` renders the clock
as Kubernetes does (RFC 3339, seconds, `Z`). The `default` and `kube-system` namespaces exist from the
start (`bootstrap`), as in a real cluster.
"""

from __future__ import annotations

import datetime as dt
import uuid
from collections.abc import Callable
from dataclasses import dataclass, field

from reconciler.sandbox.kube.registry import NAMESPACE, Registry, ResourceType
from reconciler.sandbox.kube.store import Entry, Store


def utc_now() -> dt.datetime:
    return dt.datetime.now(dt.UTC)


@dataclass
class Cluster:
    store: Store = field(default_factory=Store)
    registry: Registry = field(default_factory=Registry)
    clock: Callable[[], dt.datetime] = utc_now

    def timestamp(self) -> str:
        return self.clock().strftime("%Y-%m-%dT%H:%M:%SZ")

    def type_for_key(self, store_key: tuple[str, str]) -> ResourceType | None:
        for t in self.registry.all():
            if t.key == store_key:
                return t
        return None

    def namespace(self, name: str) -> Entry | None:
        return self.store.get(NAMESPACE.key, namespace="", name=name)

    def bootstrap(self) -> None:
        """Create the namespaces a fresh cluster has (idempotent, so a restored state is kept)."""
        with self.store.lock:
            for name in ("default", "kube-system"):
                if self.namespace(name) is not None:
                    continue
                rv = self.store.next_rv()
                obj = {
                    "kind": "Namespace",
                    "apiVersion": "v1",
                    "metadata": {
                        "name": name,
                        "uid": str(uuid.uuid4()),
                        "resourceVersion": str(rv),
                        "creationTimestamp": self.timestamp(),
                        "labels": {"kubernetes.io/metadata.name": name},
                    },
                    "spec": {"finalizers": ["kubernetes"]},
                    "status": {"phase": "Active"},
                }
                self.store.put(
                    NAMESPACE.key,
                    entry=Entry.of(obj, selectable_fields=NAMESPACE.selectable_fields),
                    change_type="ADDED",
                )
