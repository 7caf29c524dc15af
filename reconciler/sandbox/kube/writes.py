"""Create, update (PUT), patch and delete, with the API server's object lifecycle rules.

Contract (each is what kube-apiserver does for the same request):
- create: 201 with uid, resourceVersion (the cluster-wide counter), generation 1, creationTimestamp;
  `generateName`; `.status` is dropped when the kind has a status subresource;
  409 AlreadyExists; 404 when the namespace does not exist, 403 when it is terminating.
- update / patch: a stale `metadata.resourceVersion` -> 409 Conflict; custom resources need one in a PUT
  (422 otherwise); writes to the main resource keep the stored `.status`, writes to `/status` change only
  `.status`; `metadata.generation` grows only when something outside metadata and status changes; a write
  that changes nothing stores nothing and keeps the resourceVersion; deletionTimestamp can't be unset and
  no finalizer can be added once it is set; removing the last finalizer of a deleting object deletes it.
- create carrying a non-zero `metadata.resourceVersion` -> 500 "resourceVersion should not be set on
  objects to be created" (etcd3 store; not for dry runs).
- delete: objects with finalizers get deletionTimestamp + deletionGracePeriodSeconds 0, and their
  generation (when they have one) grows by one, and stay (200 with the object); others are removed (200
  with the last state); dependents are garbage collected (`gc`).
- `dry_run` runs every check and returns the result without storing it.
"""

from __future__ import annotations

import copy
import uuid
from collections.abc import Callable, Mapping
from dataclasses import dataclass, field
from typing import Any

from reconciler.sandbox.kube import admission, builtins, gc, lifecycle, objectmeta, patching, ssa
from reconciler.sandbox.kube.cluster import Cluster
from reconciler.sandbox.kube.errors import (
    STALE_OBJECT,
    ApiError,
    Cause,
    already_exists,
    bad_request,
    conflict,
    invalid,
    not_found,
)
from reconciler.sandbox.kube.registry import CRD, NAMESPACE, ResourceType
from reconciler.sandbox.kube.store import Entry

_SERVER_SET = (
    "uid",
    "resourceVersion",
    "generation",
    "creationTimestamp",
    "deletionTimestamp",
    "deletionGracePeriodSeconds",
    "selfLink",
)


@dataclass
class WriteResult:
    code: int
    obj: dict[str, Any]
    warnings: list[str] = field(default_factory=list)


def _spec_part(obj: Mapping[str, Any]) -> dict[str, Any]:
    """Everything generation tracks: the object minus metadata, status and type meta."""
    return {k: v for k, v in obj.items() if k not in ("metadata", "status", "kind", "apiVersion")}


def _without_rv(obj: Mapping[str, Any]) -> dict[str, Any]:
    meta = {k: v for k, v in (obj.get("metadata") or {}).items() if k != "resourceVersion"}
    return {**obj, "metadata": meta}


def _parsed_rv(value: Any) -> int:
    """apiserver's `APIObjectVersioner.ObjectResourceVersion`: a base-10 uint64, "" = 0; -1 if unparsable."""
    text = "" if value is None else str(value)
    if not text:
        return 0
    if not text.isascii() or not text.isdigit() or int(text) >= 2**64:
        return -1  # unparsable: Create does not look further
    return int(text)


def _uid_conflict(rt: ResourceType, *, name: str, expected: Any, actual: Any) -> ApiError:
    """409 for a UID precondition the stored object does not meet, worded as the apiserver words it."""
    return conflict(
        rt.plural,
        group=rt.group,
        name=name,
        detail=f"Precondition failed: UID in precondition: {expected}, UID in object meta: {actual}",
    )


class Writer:
    def __init__(self, cluster: Cluster) -> None:
        self.cluster = cluster
        self.store = cluster.store

    # -- create -----------------------------------------------------------------------------------------
    def create(
        self,
        rt: ResourceType,
        *,
        namespace: str | None,
        obj: dict[str, Any],
        dry_run: bool,
        validation: str,
        manager: str = "",
        applied: bool = False,
    ) -> WriteResult:
        """`manager` records an Update entry in managedFields; `applied`: they were set by an apply."""
        meta = obj.setdefault("metadata", {})
        if rt.namespaced:
            if meta.get("namespace") and meta["namespace"] != namespace:
                raise bad_request(
                    "the namespace of the provided object does not match the namespace sent on the request"
                )
            meta["namespace"] = namespace
        else:
            meta.pop("namespace", None)
        sent_rv = meta.get("resourceVersion")
        for key in _SERVER_SET:
            meta.pop(key, None)
        if not meta.get("name"):
            if not meta.get("generateName"):
                raise invalid(
                    rt.kind,
                    group=rt.group,
                    name="",
                    causes=[
                        Cause(
                            "FieldValueRequired",
                            "Required value: name or generateName is required",
                            "metadata.name",
                        )
                    ],
                )
            meta["name"] = objectmeta.generate_name(str(meta["generateName"]))
        if rt.has_status:  # the status subresource owns it (Namespaces and CRDs get theirs below)
            obj.pop("status", None)
            if rt.has_generation:  # built-in workloads start with an empty status, as their strategies do
                obj["status"] = {}
        lifecycle.prepare_create(self.cluster, rt=rt, obj=obj)
        obj, warnings = admission.admit(rt, obj=obj, validation=validation)
        lifecycle.validate(self.cluster, rt=rt, obj=obj, old=None)
        if not applied:
            ssa.record_update(
                rt, old=None, new=obj, manager=manager, subresource=None, now=self.cluster.timestamp()
            )
        meta = obj["metadata"]
        with self.store.lock:
            if rt.custom and lifecycle.crd_terminating(self.cluster, rt=rt):
                raise ApiError(
                    405,
                    "MethodNotAllowed",
                    f'create is not supported on resources of kind "{rt.plural}.{rt.group}"',
                    {"group": rt.group, "kind": rt.plural},
                )
            if rt.namespaced:
                ns_entry = self.cluster.namespace(str(namespace))
                if ns_entry is None:
                    raise not_found("namespaces", group="", name=str(namespace))
                if ns_entry.obj().get("metadata", {}).get("deletionTimestamp"):
                    raise ApiError(
                        403,
                        "Forbidden",
                        f"{objectmeta.quote(meta['name'])[1:-1]} is forbidden: unable "
                        f"to create new content in namespace {namespace} because it is being terminated",
                    )
            if not dry_run and _parsed_rv(sent_rv) > 0:
                # etcd3 store.Create refuses it (storage.ErrResourceVersionSetOnCreate), a plain error the
                # handler turns into a 500 without a reason; "0", "" and unparsable values pass. A dry run
                # never reaches that check (DryRunnableStorage.Create).
                raise ApiError(500, "", "resourceVersion should not be set on objects to be created")
            if (
                self.store.get(rt.key, namespace=str(meta.get("namespace") or ""), name=meta["name"])
                is not None
            ):
                raise already_exists(rt.plural, group=rt.group, name=meta["name"])
            meta["uid"] = str(uuid.uuid4())
            meta["creationTimestamp"] = self.cluster.timestamp()
            if rt.custom or rt.has_generation or rt.key == CRD.key:
                meta["generation"] = 1
            if dry_run:
                meta["resourceVersion"] = ""
                return WriteResult(201, obj, warnings)
            meta["resourceVersion"] = str(self.store.next_rv())
            self.store.put(
                rt.key, entry=Entry.of(obj, selectable_fields=rt.selectable_fields), change_type="ADDED"
            )
            lifecycle.after_write(self.cluster, rt=rt, obj=obj)
        return WriteResult(201, obj, warnings)

    # -- update / patch ---------------------------------------------------------------------------------
    def update(
        self,
        rt: ResourceType,
        *,
        namespace: str | None,
        name: str,
        obj: dict[str, Any],
        subresource: str | None,
        dry_run: bool,
        validation: str,
        manager: str = "",
    ) -> WriteResult:
        def replace(current: dict[str, Any]) -> dict[str, Any]:
            rv = (obj.get("metadata") or {}).get("resourceVersion")
            if not rv and not rt.unconditional_update:
                raise invalid(
                    rt.kind,
                    group=rt.group,
                    name=name,
                    causes=[
                        Cause(
                            "FieldValueInvalid",
                            "Invalid value: 0x0: must be specified for an update",
                            "metadata.resourceVersion",
                        )
                    ],
                )
            return obj

        return self._update(
            rt,
            namespace,
            name,
            replace,
            subresource=subresource,
            dry_run=dry_run,
            validation=validation,
            manager=manager,
        )

    def patch(
        self,
        rt: ResourceType,
        *,
        namespace: str | None,
        name: str,
        patch: bytes,
        content_type: str,
        subresource: str | None,
        dry_run: bool,
        validation: str,
        manager: str = "",
    ) -> WriteResult:
        def apply(current: dict[str, Any]) -> dict[str, Any]:
            patched = patching.apply_patch(
                current,
                patch_bytes=patch,
                content_type=content_type,
                custom=rt.custom,
                schema=builtins.definition(rt.definition),
            )
            admission.check_type_meta(patched, rt=rt)
            return patched

        return self._update(
            rt,
            namespace,
            name,
            apply,
            subresource=subresource,
            dry_run=dry_run,
            validation=validation,
            manager=manager,
        )

    def server_side_apply(
        self,
        rt: ResourceType,
        *,
        namespace: str | None,
        name: str,
        body: bytes,
        manager: str,
        force: bool,
        subresource: str | None,
        dry_run: bool,
        validation: str,
    ) -> WriteResult:
        """An `application/apply-patch+yaml` PATCH (see `ssa`); creates the object when it is missing."""
        config = ssa.parse_config(body, rt=rt)
        config_name = (config.get("metadata") or {}).get("name")
        if config_name and config_name != name:
            raise bad_request(
                f"the name of the object ({config_name}) does not match the name on the URL ({name})"
            )

        def merge(current: dict[str, Any] | None) -> dict[str, Any]:
            return ssa.apply(
                rt,
                live=current,
                config=config,
                manager=manager,
                force=force,
                subresource=subresource,
                now=self.cluster.timestamp(),
            )

        with self.store.lock:
            if self.store.get(rt.key, namespace=namespace or "", name=name) is None:
                if subresource:
                    raise not_found(rt.plural, group=rt.group, name=name)
                created = merge(None)
                created.setdefault("metadata", {})["name"] = name
                return self.create(
                    rt, namespace=namespace, obj=created, dry_run=dry_run, validation=validation, applied=True
                )
            return self._update(
                rt,
                namespace,
                name,
                merge,
                subresource=subresource,
                dry_run=dry_run,
                validation=validation,
                manager=manager,
                applied=True,
            )

    def _update(
        self,
        rt: ResourceType,
        namespace: str | None,
        name: str,
        change: Callable[[dict[str, Any]], dict[str, Any]],
        *,
        subresource: str | None,
        dry_run: bool,
        validation: str,
        manager: str = "",
        applied: bool = False,
    ) -> WriteResult:
        ns = namespace or ""
        with self.store.lock:
            entry = self.store.get(rt.key, namespace=ns, name=name)
            if entry is None:
                raise not_found(rt.plural, group=rt.group, name=name)
            current = entry.obj()
            new = change(copy.deepcopy(current))
            if not isinstance(new.get("metadata"), dict):
                new["metadata"] = {}
            meta, old_meta = new["metadata"], current["metadata"]
            if meta.get("name", name) != name:
                raise bad_request(
                    f"the name of the object ({meta.get('name')}) does not match the name on the URL ({name})"
                )
            if rt.namespaced and meta.get("namespace", ns) != ns:
                raise bad_request(
                    "the namespace of the provided object does not match the namespace sent on the request"
                )
            rv = meta.get("resourceVersion")
            if rv and str(rv) != old_meta.get("resourceVersion"):
                raise conflict(rt.plural, group=rt.group, name=name, detail=STALE_OBJECT)
            if meta.get("uid") and meta["uid"] != old_meta.get("uid"):
                raise _uid_conflict(rt, name=name, expected=meta["uid"], actual=old_meta.get("uid"))
            if subresource == "status":
                status = new.get("status")
                managed = (new.get("metadata") or {}).get("managedFields")
                new = copy.deepcopy(current)
                if applied:
                    new["metadata"]["managedFields"] = managed
                if status is None:
                    new.pop("status", None)
                else:
                    new["status"] = status
                meta = new["metadata"]
            elif rt.has_status:
                if "status" in current:
                    new["status"] = current["status"]
                else:
                    new.pop("status", None)
            meta["name"] = name
            if rt.namespaced:
                meta["namespace"] = ns
            for key in (
                "uid",
                "creationTimestamp",
                "generation",
                "deletionTimestamp",
                "deletionGracePeriodSeconds",
            ):
                if key in old_meta:
                    meta[key] = old_meta[key]
                else:
                    meta.pop(key, None)
            meta["resourceVersion"] = old_meta.get("resourceVersion")
            new, warnings = admission.admit(rt, obj=new, validation=validation)
            meta = new["metadata"]
            lifecycle.validate(self.cluster, rt=rt, obj=new, old=current)
            if not applied:
                ssa.record_update(
                    rt,
                    old=current,
                    new=new,
                    manager=manager,
                    subresource=subresource,
                    now=self.cluster.timestamp(),
                )
            if old_meta.get("deletionTimestamp"):
                added = [
                    f for f in meta.get("finalizers") or () if f not in (old_meta.get("finalizers") or ())
                ]
                if added:
                    listed = ", ".join(f'"{f}"' for f in added)
                    raise invalid(
                        rt.kind,
                        group=rt.group,
                        name=name,
                        causes=[
                            Cause(
                                "FieldValueForbidden",
                                "Forbidden: no new finalizers can be added if the object is being deleted, "
                                f"found new finalizers []string{{{listed}}}",
                                "metadata.finalizers",
                            )
                        ],
                    )
            if "generation" in old_meta and _spec_part(new) != _spec_part(current):
                meta["generation"] = int(old_meta["generation"]) + 1
            if _without_rv(new) == _without_rv(current):
                return WriteResult(200, current, warnings)
            if dry_run:
                return WriteResult(200, new, warnings)
            meta["resourceVersion"] = str(self.store.next_rv())
            self.store.put(
                rt.key, entry=Entry.of(new, selectable_fields=rt.selectable_fields), change_type="MODIFIED"
            )
            if meta.get("deletionTimestamp") and not meta.get("finalizers"):
                # As the API server does: the update is stored, then the object is deleted.
                self.remove(rt, obj=new)
                return WriteResult(200, new, warnings)
            lifecycle.after_write(self.cluster, rt=rt, obj=new)
            gc.after_update(self, rt=rt, obj=new)
            return WriteResult(200, new, warnings)

    # -- delete -----------------------------------------------------------------------------------------
    def delete(
        self, rt: ResourceType, *, namespace: str | None, name: str, options: Mapping[str, Any], dry_run: bool
    ) -> WriteResult:
        with self.store.lock:
            entry = self.store.get(rt.key, namespace=namespace or "", name=name)
            if entry is None:
                raise not_found(rt.plural, group=rt.group, name=name)
            obj = entry.obj()
            meta = obj["metadata"]
            preconditions = options.get("preconditions") or {}
            if preconditions.get("uid") and preconditions["uid"] != meta.get("uid"):
                raise _uid_conflict(rt, name=name, expected=preconditions["uid"], actual=meta.get("uid"))
            if preconditions.get("resourceVersion") and preconditions["resourceVersion"] != meta.get(
                "resourceVersion"
            ):
                raise conflict(
                    rt.plural,
                    group=rt.group,
                    name=name,
                    detail=f"Precondition failed: ResourceVersion in precondition: "
                    f"{preconditions['resourceVersion']}, ResourceVersion in object meta: "
                    f"{meta.get('resourceVersion')}",
                )
            policy = gc.propagation_policy(options)
            if dry_run:
                return WriteResult(200, obj)
            if rt.key == NAMESPACE.key:
                return WriteResult(200, lifecycle.delete_namespace(self, obj=obj))
            if rt.key == CRD.key:
                return WriteResult(200, lifecycle.delete_crd(self, obj=obj))
            finalizers = list(meta.get("finalizers") or ())
            if (
                policy == "Foreground"
                and "foregroundDeletion" not in finalizers
                and not meta.get("deletionTimestamp")
            ):
                finalizers.append("foregroundDeletion")
            if finalizers:
                if meta.get("deletionTimestamp"):
                    return WriteResult(200, obj)
                meta["finalizers"] = finalizers
                lifecycle.mark_as_deleting(self.cluster, meta=meta)
                meta["resourceVersion"] = str(self.store.next_rv())
                self.store.put(
                    rt.key,
                    entry=Entry.of(obj, selectable_fields=rt.selectable_fields),
                    change_type="MODIFIED",
                )
                if policy == "Foreground":
                    gc.delete_dependents_foreground(self, owner=obj)
                    stored = self.store.get(rt.key, namespace=namespace or "", name=name)
                    return WriteResult(200, stored.obj() if stored else obj)
                return WriteResult(200, obj)
            self.remove(rt, obj=obj, policy=policy)
            return WriteResult(200, obj)  # the last stored state, as etcd returns it

    def remove(self, rt: ResourceType, *, obj: Mapping[str, Any], policy: str = "Background") -> None:
        """Remove a stored object for good and let dependents and owners react.

        The DELETED change carries a new resourceVersion (the deletion's revision)."""
        with self.store.lock:
            final = {**obj, "metadata": {**obj["metadata"], "resourceVersion": str(self.store.next_rv())}}
            entry = Entry.of(final, selectable_fields=rt.selectable_fields)
            self.store.remove(rt.key, entry=entry)
            lifecycle.after_remove(self, rt=rt, entry=entry)
            gc.after_remove(self, removed=entry, policy=policy)

    def store_update(self, rt: ResourceType, *, obj: dict[str, Any]) -> None:
        """A server-side write (GC, namespace lifecycle): new resourceVersion, no admission."""
        with self.store.lock:
            obj["metadata"]["resourceVersion"] = str(self.store.next_rv())
            meta = obj["metadata"]
            self.store.put(
                rt.key, entry=Entry.of(obj, selectable_fields=rt.selectable_fields), change_type="MODIFIED"
            )
            if meta.get("deletionTimestamp") and not meta.get("finalizers") and rt.key != NAMESPACE.key:
                self.remove(rt, obj=obj)
                return
            gc.after_update(self, rt=rt, obj=obj)
