"""Object storage and versioning: the emulator's etcd.

Contract:
- Objects are stored serialized (`Entry.raw`, compact JSON bytes) and never mutated in place; a write
  replaces the entry. That keeps 10,000 objects small and lets a list splice stored bytes directly.
- `resourceVersion` is one cluster-wide counter, incremented by every write (`next_rv`).
- Every write appends a `Change` (with the time it happened) to the history; watchers wait on
  `wait_for_changes`. The history is etcd's MVCC: `entries_at(key, namespace, rv)` rebuilds a resource as
  it was at an older revision by undoing the later changes, which is how every page of a
  `limit`/`continue` list reads the first page's revision without pinning a copy.
- Compaction as kube-apiserver runs it (`--etcd-compaction-interval`, 5 minutes): changes older than
  `compaction_seconds` are dropped and the newest of them becomes the compacted revision
  (`compacted_rv`); reading or watching from an older revision fails (410 by the caller).
- Memory is bounded by the history alone (lists pin nothing): it keeps at most `change_log_size` changes
  and `history_bytes` bytes of serialized objects; past either bound the oldest changes are dropped and
  their revisions count as compacted early (the only way a token expires before its age).
Callers hold `store.lock` across a read-modify-write so that concurrent writers serialize.
"""

from __future__ import annotations

import json
import threading
import time
from collections import deque
from collections.abc import Callable, Iterable, Mapping
from dataclasses import dataclass
from operator import itemgetter
from typing import Any

StoreKey = tuple[str, str]  # (group, plural)
ObjectKey = tuple[str, str]  # (namespace or "", name)

_CHANGE_LOG_SIZE = 1_000_000
_HISTORY_BYTES = 256 * 1024 * 1024
COMPACTION_SECONDS = 300.0  # kube-apiserver's default --etcd-compaction-interval


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
    at: float = 0.0  # the store clock's time of the write


class Store:
    def __init__(
        self,
        *,
        change_log_size: int = _CHANGE_LOG_SIZE,
        history_bytes: int = _HISTORY_BYTES,
        compaction_seconds: float = COMPACTION_SECONDS,
        clock: Callable[[], float] = time.monotonic,
    ) -> None:
        self.lock = threading.RLock()
        self._changed = threading.Condition(self.lock)
        self._rv = 1
        self._objects: dict[StoreKey, dict[ObjectKey, Entry]] = {}
        self._log: deque[Change] = deque()
        self._log_bytes = 0
        self._log_limit = change_log_size
        self._history_bytes = history_bytes
        self._dropped_rv = 0  # changes up to this revision are no longer in the history
        self.compaction_seconds = compaction_seconds
        self.clock = clock
        self.dirty = False
        # `ordered` answers for the objects as they are; every change drops them.
        self._ordered: dict[tuple[StoreKey, str | None, Callable[[Entry], str]], list[tuple[str, Entry]]] = {}

    # -- versioning -------------------------------------------------------------------------------------
    @property
    def current_rv(self) -> int:
        return self._rv

    def next_rv(self) -> int:
        with self.lock:
            self._rv += 1
            return self._rv

    def oldest_watchable_rv(self) -> int:
        """The compacted revision: reads and watches from an older one fail."""
        return self.compacted_rv()

    def compacted_rv(self) -> int:
        """Compact, then return the compacted revision: reads and watches from an older one fail.

        Changes older than `compaction_seconds` are dropped (what etcd compaction does), so the newest of
        them becomes the oldest readable revision; changes dropped earlier to bound the history count
        the same way."""
        with self.lock:
            horizon = self.clock() - self.compaction_seconds
            while self._log and self._log[0].at <= horizon:
                self._drop_oldest()
            return self._dropped_rv

    def _drop_oldest(self) -> None:
        dropped = self._log.popleft()
        self._log_bytes -= len(dropped.entry.raw)
        self._dropped_rv = dropped.rv

    # -- reads ------------------------------------------------------------------------------------------
    def get(self, store_key: StoreKey, *, namespace: str, name: str) -> Entry | None:
        return self._objects.get(store_key, {}).get((namespace, name))

    def entries(
        self,
        store_key: StoreKey,
        *,
        namespace: str | None = None,
        where: Callable[[Entry], bool] | None = None,
    ) -> list[Entry]:
        """The entries of a resource (optionally one namespace, optionally only those `where` accepts),
        sorted by namespace then name. Filtering comes before sorting: a label-selected list of 10
        children among 10,000 sorts 10 entries, not 10,000. (Sorting everything for each such list
        made the emulator, not the reconciler, the bottleneck of the changed-pass benchmark.)"""
        with self.lock:
            bucket = self._objects.get(store_key, {})
            items = [
                (key, entry)
                for key, entry in bucket.items()
                if (namespace is None or key[0] == namespace) and (where is None or where(entry))
            ]
        items.sort(key=lambda item: item[0])
        return [entry for _, entry in items]

    def ordered(
        self, store_key: StoreKey, *, namespace: str | None, key: Callable[[Entry], str]
    ) -> tuple[int, list[tuple[str, Entry]]]:
        """The current revision, and the entries of a resource (optionally one namespace) as
        `(key(entry), entry)` sorted by key: a paged list's order. The answer is kept until the
        next write, so the pages of one list over an unchanged resource sort it once, not once per
        page (100,000 objects are 200 pages). Callers must not change the list."""
        with self.lock:
            memo = (store_key, namespace, key)
            keyed = self._ordered.get(memo)
            if keyed is None:
                bucket = self._objects.get(store_key, {})
                keyed = [(key(e), e) for (ns, _), e in bucket.items() if namespace is None or ns == namespace]
                keyed.sort(key=itemgetter(0))
                self._ordered[memo] = keyed
            return self._rv, keyed

    def all_entries(self) -> list[tuple[StoreKey, Entry]]:
        with self.lock:
            return [(k, e) for k, bucket in self._objects.items() for e in bucket.values()]

    def entries_at(
        self, store_key: StoreKey, *, namespace: str | None, rv: int, key: Callable[[Entry], str]
    ) -> list[tuple[str, Entry]] | None:
        """The resource as it was at revision `rv`, as `(key(entry), entry)` sorted by key like
        `ordered`; None when `rv` is compacted."""
        with self.lock:
            if rv < self.compacted_rv():
                return None
            bucket = dict(self._objects.get(store_key, {}))
            # Undo the later changes, newest first, so the oldest one's previous state wins.
            for change in reversed(self._log):
                if change.rv <= rv:
                    break
                if change.store_key != store_key:
                    continue
                object_key = (change.entry.namespace, change.entry.name)
                if change.prev is None:
                    bucket.pop(object_key, None)
                else:
                    bucket[object_key] = change.prev
        keyed = [(key(e), e) for (ns, _), e in bucket.items() if namespace is None or ns == namespace]
        keyed.sort(key=itemgetter(0))
        return keyed

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
            self._ordered.clear()
            return list(self._objects.pop(store_key, {}).values())

    def _record(self, change: Change) -> None:
        self._ordered.clear()
        change = Change(change.rv, change.type, change.store_key, change.entry, change.prev, self.clock())
        self._log.append(change)
        self._log_bytes += len(change.entry.raw)
        while self._log and (len(self._log) > self._log_limit or self._log_bytes > self._history_bytes):
            self._drop_oldest()
        self.dirty = True
        self._changed.notify_all()

    # -- watch ------------------------------------------------------------------------------------------
    def changes_after(self, rv: int) -> list[Change]:
        with self.lock:
            newer: list[Change] = []
            for change in reversed(self._log):  # only the new tail is walked
                if change.rv <= rv:
                    break
                newer.append(change)
            newer.reverse()
            return newer

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
