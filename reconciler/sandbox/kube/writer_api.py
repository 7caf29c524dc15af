"""The part of the writer that garbage collection and lifecycle hooks call back into.

Contract: `Writer` (writes.py) satisfies `WriterAPI`. The hooks in gc.py and lifecycle.py are called by
the writer and must call it back (cascading deletes, finalizer-driven removal); typing them against
this Protocol instead of the concrete class keeps writes -> gc/lifecycle a one-way import.
"""

from __future__ import annotations

from collections.abc import Mapping
from typing import Any, Protocol

from reconciler.sandbox.kube.cluster import Cluster
from reconciler.sandbox.kube.registry import ResourceType
from reconciler.sandbox.kube.store import Store


class WriterAPI(Protocol):
    cluster: Cluster
    store: Store

    def delete(
        self, rt: ResourceType, *, namespace: str | None, name: str, options: Mapping[str, Any], dry_run: bool
    ) -> object: ...

    def remove(self, rt: ResourceType, *, obj: Mapping[str, Any], policy: str = "Background") -> None: ...

    def store_update(self, rt: ResourceType, *, obj: dict[str, Any]) -> None: ...
