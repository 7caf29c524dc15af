"""Garbage collection through ownerReferences, run synchronously after each removal.

Contract (the garbage collector's observable outcome, without its delay):
- When an object is removed, each dependent naming its UID in `ownerReferences` is
  - with propagation Background (the default for DELETE) or Foreground: deleted, unless another of its
    owners still exists, in which case only the dangling reference is removed;
  - with propagation Orphan: kept, with the reference to the removed owner dropped.
  Dependents with finalizers go through their own deletion (deletionTimestamp) like any DELETE.
- Foreground: the owner gets the `foregroundDeletion` finalizer and a deletionTimestamp; its dependents
  are deleted first; once none remains the finalizer is removed, which removes the owner.
"""

from __future__ import annotations

import contextlib
from collections.abc import Mapping
from typing import TYPE_CHECKING, Any

from reconciler.sandbox.kube.errors import ApiError, bad_request
from reconciler.sandbox.kube.registry import ResourceType
from reconciler.sandbox.kube.store import Entry, StoreKey

if TYPE_CHECKING:
    from reconciler.sandbox.kube.writer_api import WriterAPI

POLICIES = ("Orphan", "Background", "Foreground")
FOREGROUND = "foregroundDeletion"


def propagation_policy(options: Mapping[str, Any]) -> str:
    policy = options.get("propagationPolicy")
    if policy is None:
        orphan = options.get("orphanDependents")
        return "Orphan" if orphan is True else "Background"
    if policy not in POLICIES:
        raise bad_request(
            f'propagationPolicy: Unsupported value: "{policy}": supported values: '
            '"Foreground", "Background", "Orphan"'
        )
    return str(policy)


def _dependents(writer: WriterAPI, owner_uid: str) -> list[tuple[StoreKey, Entry]]:
    return [(k, e) for k, e in writer.store.all_entries() if owner_uid in e.owner_uids]


def _by_uid(writer: WriterAPI, uid: str) -> tuple[StoreKey, Entry] | None:
    for key, entry in writer.store.all_entries():
        if entry.uid == uid:
            return key, entry
    return None


def _drop_reference(writer: WriterAPI, *, rt: ResourceType, obj: dict[str, Any], owner_uid: str) -> None:
    meta = obj["metadata"]
    meta["ownerReferences"] = [r for r in meta.get("ownerReferences") or () if r.get("uid") != owner_uid]
    if not meta["ownerReferences"]:
        del meta["ownerReferences"]
    writer.store_update(rt, obj=obj)


def _delete_dependent(
    writer: WriterAPI, *, key: StoreKey, dependent: Entry, owner_uid: str, orphan: bool
) -> None:
    rt = writer.cluster.type_for_key(key)
    current = writer.store.get(key, namespace=dependent.namespace, name=dependent.name)
    if rt is None or current is None or current.uid != dependent.uid:
        return
    obj = current.obj()
    if orphan:
        _drop_reference(writer, rt=rt, obj=obj, owner_uid=owner_uid)
        return
    others = [u for u in current.owner_uids if u != owner_uid]
    if any(_by_uid(writer, u) is not None for u in others):
        _drop_reference(writer, rt=rt, obj=obj, owner_uid=owner_uid)
        return
    with contextlib.suppress(ApiError):  # already gone: nothing to collect
        writer.delete(
            rt,
            namespace=dependent.namespace or None,
            name=dependent.name,
            options={"propagationPolicy": "Background"},
            dry_run=False,
        )


def after_remove(writer: WriterAPI, *, removed: Entry, policy: str) -> None:
    for key, dependent in _dependents(writer, removed.uid):
        _delete_dependent(
            writer, key=key, dependent=dependent, owner_uid=removed.uid, orphan=policy == "Orphan"
        )
    for owner_uid in removed.owner_uids:
        found = _by_uid(writer, owner_uid)
        if found is not None:
            _finish_foreground(writer, key=found[0], owner=found[1])


def delete_dependents_foreground(writer: WriterAPI, *, owner: Mapping[str, Any]) -> None:
    uid = str(owner["metadata"]["uid"])
    for key, dependent in _dependents(writer, uid):
        _delete_dependent(writer, key=key, dependent=dependent, owner_uid=uid, orphan=False)
    found = _by_uid(writer, uid)
    if found is not None:
        _finish_foreground(writer, key=found[0], owner=found[1])


def after_update(writer: WriterAPI, *, rt: ResourceType, obj: Mapping[str, Any]) -> None:
    meta = obj.get("metadata") or {}
    if meta.get("deletionTimestamp") and FOREGROUND in (meta.get("finalizers") or ()):
        entry = writer.store.get(
            rt.key, namespace=str(meta.get("namespace") or ""), name=str(meta.get("name"))
        )
        if entry is not None:
            _finish_foreground(writer, key=rt.key, owner=entry)


def _finish_foreground(writer: WriterAPI, *, key: StoreKey, owner: Entry) -> None:
    """Remove the foregroundDeletion finalizer once no dependent is left."""
    obj = owner.obj()
    meta = obj["metadata"]
    if not meta.get("deletionTimestamp") or FOREGROUND not in (meta.get("finalizers") or ()):
        return
    if _dependents(writer, owner.uid):
        return
    rt = writer.cluster.type_for_key(key)
    if rt is None:
        return
    meta["finalizers"] = [f for f in meta["finalizers"] if f != FOREGROUND]
    writer.store_update(rt, obj=obj)
