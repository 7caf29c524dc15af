"""Object storage and versioning: the emulator's etcd.

Contract:
- Objects are stored serialized (`Entry.raw`, compact JSON bytes) and never mutated in place; a write
  replaces the entry. That keeps 10,000 objects small and lets a list splice stored bytes directly.
- `resourceVersion` is one cluster-wide counter, incremented by every write (`next_rv`).
- Every write appends a `Change` to a bounded log; watchers wait on `wait_for_changes`. A watch from a
  resourceVersion older than the log is answered with 410 Expired by the caller, as etcd compaction does.
- `snapshot` returns the sorted entries of one resource at one moment; paging keeps that list so that
  every page of a `limit`/`continue` list comes from the same consistent view.
Callers hold `store.lock` across a read-modify-write so that concurrent writers serialize.
"""

from __future__ import annotations

import json
import threading
import time
from collections import OrderedDict, deque
from collections.abc import Iterable, Mapping
from dataclasses import dataclass
from typing import Any

StoreKey = tuple[str, str]  # (group, plural)
ObjectKey = tuple[str, str]  # (namespace or "", name)

_CHANGE_LOG_SIZE = 20_000
_SNAPSHOTS_KEPT = 64
_SNAPSHOT_TTL_SECONDS = 300.0


def encode(obj: Any) -> bytes:
    return json.dumps(obj, separators=(",", ":"), ensure_ascii=False).encode()


def _field_value(obj: Mapping[str, Any], path: str) -> str:
    if path == "source":  # the Event field selector `source` means source.component
        path = "source.component"
    value: Any = obj
    for part in path.split("."):
        if not isinstance(value, Mapping):
            return ""
        value = value.get(part)
    if value is None:
        return ""
    if isinstance(value, bool):
        return "true" if value else "false"
    return str(value)


@dataclass(frozen=True, slots=True)
class Entry:
    """One stored object plus the few facts selectors, GC and namespaces need without decoding it."""

    raw: bytes
    namespace: str
    name: str
    uid: str
    rv: int
    labels: Mapping[str, str]
    fields: Mapping[str, str]
    owner_uids: tuple[str, ...]

    @staticmethod
    def of(obj: Mapping[str, Any], *, selectable_fields: Iterable[str] = ()) -> Entry:
        meta = obj.get("metadata") or {}
        return Entry(
            raw=encode(obj),
            namespace=str(meta.get("namespace") or ""),
            name=str(meta.get("name") or ""),
            uid=str(meta.get("uid") or ""),
            rv=int(meta.get("resourceVersion") or 0),
            labels=dict(meta.get("labels") or {}),
            fields={path: _field_value(obj, path) for path in selectable_fields},
            owner_uids=tuple(str(r.get("uid", "")) for r in meta.get("ownerReferences") or ()),
        )

    def obj(self) -> dict[str, Any]:
        decoded: dict[str, Any] = json.loads(self.raw)
        return decoded


@dataclass(frozen=True, slots=True)
class Change:
    """One write, as a watch reports it: ADDED, MODIFIED or DELETED."""

    rv: int
    type: str
    store_key: StoreKey
    entry: Entry
    prev: Entry | None = None


@dataclass
class Snapshot:
    rv: int
    entries: list[Entry]
    created: float


class Store:
    def __init__(self, *, change_log_size: int = _CHANGE_LOG_SIZE) -> None:
        self.lock = threading.RLock()
        self._changed = threading.Condition(self.lock)
        self._rv = 1
        self._objects: dict[StoreKey, dict[ObjectKey, Entry]] = {}
        self._log: deque[Change] = deque(maxlen=change_log_size)
        self._snapshots: OrderedDict[str, Snapshot] = OrderedDict()
        self._snapshot_seq = 0
        self.dirty = False

    # -- versioning -------------------------------------------------------------------------------------
    @property
    def current_rv(self) -> int:
        return self._rv

    def next_rv(self) -> int:
        with self.lock:
            self._rv += 1
            return self._rv

    def oldest_watchable_rv(self) -> int:
        """Changes after this resourceVersion are all still in the log."""
        with self.lock:
            if len(self._log) < (self._log.maxlen or 0):
                return 0
            return self._log[0].rv - 1

    # -- reads ------------------------------------------------------------------------------------------
    def get(self, store_key: StoreKey, *, namespace: str, name: str) -> Entry | None:
        return self._objects.get(store_key, {}).get((namespace, name))

    def entries(self, store_key: StoreKey, *, namespace: str | None = None) -> list[Entry]:
        """All entries of a resource (optionally one namespace), sorted by namespace then name."""
        with self.lock:
            bucket = self._objects.get(store_key, {})
            items = sorted(bucket.items())
        return [e for (ns, _), e in items if namespace is None or ns == namespace]

    def all_entries(self) -> list[tuple[StoreKey, Entry]]:
        with self.lock:
            return [(k, e) for k, bucket in self._objects.items() for e in bucket.values()]

    def snapshot(self, store_key: StoreKey, *, namespace: str | None) -> tuple[str, Snapshot]:
        with self.lock:
            snap = Snapshot(self._rv, self.entries(store_key, namespace=namespace), time.monotonic())
            self._snapshot_seq += 1
            snap_id = str(self._snapshot_seq)
            self._snapshots[snap_id] = snap
            while len(self._snapshots) > _SNAPSHOTS_KEPT:
                self._snapshots.popitem(last=False)
            return snap_id, snap

    def find_snapshot(self, snap_id: str) -> Snapshot | None:
        with self.lock:
            snap = self._snapshots.get(snap_id)
            if snap is None or time.monotonic() - snap.created > _SNAPSHOT_TTL_SECONDS:
                return None
            return snap

    # -- writes (caller holds self.lock and obtained rv from next_rv) ----------------------------------
    def put(self, store_key: StoreKey, entry: Entry, *, change_type: str) -> None:
        with self.lock:
            bucket = self._objects.setdefault(store_key, {})
            prev = bucket.get((entry.namespace, entry.name))
            bucket[(entry.namespace, entry.name)] = entry
            self._record(Change(entry.rv, change_type, store_key, entry, prev))

    def remove(self, store_key: StoreKey, *, entry: Entry) -> None:
        """Delete the object; `entry` is its final state carrying the deletion's resourceVersion."""
        with self.lock:
            prev = self._objects.get(store_key, {}).pop((entry.namespace, entry.name), None)
            self._record(Change(entry.rv, "DELETED", store_key, entry, prev))

    def drop_resource(self, store_key: StoreKey) -> list[Entry]:
        with self.lock:
            return list(self._objects.pop(store_key, {}).values())

    def _record(self, change: Change) -> None:
        self._log.append(change)
        self.dirty = True
        self._changed.notify_all()

    # -- watch ------------------------------------------------------------------------------------------
    def changes_after(self, rv: int) -> list[Change]:
        with self.lock:
            if not self._log or self._log[-1].rv <= rv:
                return []
            return [c for c in self._log if c.rv > rv]

    def wait_for_changes(self, rv: int, *, timeout: float) -> list[Change]:
        deadline = time.monotonic() + timeout
        with self._changed:
            while True:
                changes = self.changes_after(rv)
                remaining = deadline - time.monotonic()
                if changes or remaining <= 0:
                    return changes
                self._changed.wait(remaining)

    def wake_watchers(self) -> None:
        with self._changed:
            self._changed.notify_all()

    # -- persistence ------------------------------------------------------------------------------------
    def dump(self) -> bytes:
        """All objects and the counter as one JSON document spliced from the stored bytes."""
        with self.lock:
            self.dirty = False
            rv, entries = self._rv, self.all_entries()
        records = [
            b'{"group":' + encode(k[0]) + b',"plural":' + encode(k[1]) + b',"object":' + e.raw + b"}"
            for k, e in entries
        ]
        return b'{"resourceVersion":%d,"objects":[' % rv + b",".join(records) + b"]}"

    def set_rv(self, rv: int) -> None:
        with self.lock:
            self._rv = max(self._rv, rv)
