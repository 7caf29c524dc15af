"""What built-in kinds do beyond storage: CRDs register kinds, Namespaces own and terminate content.

Contract:
- A CustomResourceDefinition write validates its name (`<plural>.<group>`), versions and schema, gets
  `Established`/`NamesAccepted` conditions, `acceptedNames` and `storedVersions` in its status, and makes
  its kinds served at once (discovery, REST paths). Deleting it works as the apiextensions-apiserver does:
  the CRD gets a deletionTimestamp, the `customresourcecleanup.apiextensions.k8s.io` finalizer and a
  `Terminating` condition, every custom resource of it is deleted (their own finalizers are honoured, and
  the CRD stays until the last one is gone), creating new ones is refused with 405, and once none is left
  the CRD is removed and its kinds are no longer served.
- Built-in kinds get their kind-specific validation rules (`builtins.rule_causes`) -> 422 Invalid.
- A Namespace is created `Active` with the `kubernetes` spec finalizer; deleting it marks it
  `Terminating` (deletionTimestamp), deletes everything in it, and removes it once it is empty.
"""

from __future__ import annotations

from typing import TYPE_CHECKING, Any

from reconciler.sandbox.kube import builtins
from reconciler.sandbox.kube.cluster import Cluster
from reconciler.sandbox.kube.errors import Cause, invalid
from reconciler.sandbox.kube.objectmeta import invalid_cause
from reconciler.sandbox.kube.registry import CRD, NAMESPACE, ResourceType, types_from_crd
from reconciler.sandbox.kube.store import Entry
from reconciler.spec import crdschema

if TYPE_CHECKING:
    from reconciler.sandbox.kube.writer_api import WriterAPI


def prepare_create(cluster: Cluster, *, rt: ResourceType, obj: dict[str, Any]) -> None:
    meta = obj.setdefault("metadata", {})
    if rt.key == NAMESPACE.key:
        obj.setdefault("spec", {}).setdefault("finalizers", ["kubernetes"])
        obj["status"] = {"phase": "Active"}
        if meta.get("name"):
            meta.setdefault("labels", {})["kubernetes.io/metadata.name"] = meta["name"]
    elif rt.key == CRD.key:
        _set_crd_status(cluster, obj)


def _set_crd_status(cluster: Cluster, crd: dict[str, Any]) -> None:
    spec = crd.get("spec") or {}
    now = cluster.timestamp()
    storage = [str(v.get("name")) for v in spec.get("versions") or () if v.get("storage")]
    crd["status"] = {
        "conditions": [
            {
                "type": "NamesAccepted",
                "status": "True",
                "reason": "NoConflicts",
                "message": "no conflicts found",
                "lastTransitionTime": now,
            },
            {
                "type": "Established",
                "status": "True",
                "reason": "InitialNamesAccepted",
                "message": "the initial names have been accepted",
                "lastTransitionTime": now,
            },
        ],
        "acceptedNames": spec.get("names") or {},
        "storedVersions": storage,
    }


def mark_as_deleting(cluster: Cluster, *, meta: dict[str, Any]) -> None:
    """What the generic registry's `markAsDeleting` does to an object that waits for finalizers.

    apiserver `pkg/registry/generic/registry/store.go`: the first time, a generation above zero grows by one
    (controllers see the deletion as a spec change); deletionTimestamp is set unless it is already set, and
    deletionGracePeriodSeconds becomes 0."""
    if not meta.get("deletionTimestamp"):
        if int(meta.get("generation") or 0) > 0:
            meta["generation"] = int(meta["generation"]) + 1
        meta["deletionTimestamp"] = cluster.timestamp()
    meta["deletionGracePeriodSeconds"] = 0


def validate(cluster: Cluster, *, rt: ResourceType, obj: dict[str, Any], old: dict[str, Any] | None) -> None:
    if rt.key != CRD.key:
        rule_causes = builtins.rule_causes(rt, obj=obj, old=old)
        if rule_causes:
            raise invalid(
                rt.kind, group=rt.group, name=str(obj["metadata"].get("name", "")), causes=rule_causes
            )
        return
    spec = obj.get("spec") or {}
    names = spec.get("names") or {}
    name = str(obj["metadata"].get("name", ""))
    causes: list[Cause] = []
    expected = f"{names.get('plural', '')}.{spec.get('group', '')}"
    if name != expected:
        causes.append(
            invalid_cause("metadata.name", value=name, detail='must be spec.names.plural+"."+spec.group')
        )
    for required in ("group", "names", "scope", "versions"):
        if not spec.get(required):
            causes.append(Cause("FieldValueRequired", "Required value", f"spec.{required}"))
    versions = spec.get("versions") or []
    if versions and sum(1 for v in versions if v.get("storage")) != 1:
        causes.append(
            Cause(
                "FieldValueInvalid",
                "Invalid value: must have exactly one version marked as storage version",
                "spec.versions",
            )
        )
    for i, version in enumerate(versions):
        schema = (version.get("schema") or {}).get("openAPIV3Schema")
        if schema is None:
            causes.append(
                Cause(
                    "FieldValueRequired",
                    "Required value: schemas are required",
                    f"spec.versions[{i}].schema.openAPIV3Schema",
                )
            )
            continue
        try:
            crdschema.validate_object(
                {"apiVersion": "x/v", "kind": "Probe", "metadata": {}}, schema=schema, strict=False
            )
        except crdschema.InvalidSchemaError as exc:
            causes.append(
                Cause(
                    "FieldValueInvalid", f"Invalid value: {exc}", f"spec.versions[{i}].schema.openAPIV3Schema"
                )
            )
    if old is not None and (old.get("spec") or {}).get("scope") != spec.get("scope"):
        causes.append(invalid_cause("spec.scope", value=spec.get("scope"), detail="field is immutable"))
    if causes:
        raise invalid(CRD.kind, group=CRD.group, name=name, causes=causes)


def after_write(cluster: Cluster, *, rt: ResourceType, obj: dict[str, Any]) -> None:
    if rt.key == CRD.key:
        cluster.registry.set_crd(str(obj["metadata"]["name"]), types=types_from_crd(obj))


CRD_CLEANUP_FINALIZER = "customresourcecleanup.apiextensions.k8s.io"


def crd_terminating(cluster: Cluster, *, rt: ResourceType) -> bool:
    crd = cluster.store.get(CRD.key, namespace="", name=f"{rt.plural}.{rt.group}")
    return crd is not None and bool(crd.obj()["metadata"].get("deletionTimestamp"))


def delete_crd(writer: WriterAPI, *, obj: dict[str, Any]) -> dict[str, Any]:
    cluster = writer.cluster
    meta = obj["metadata"]
    name = str(meta["name"])
    if not meta.get("deletionTimestamp"):
        # apiextensions-apiserver's own CRD Delete: a deletionTimestamp and the cleanup finalizer, no
        # generation change (it does not go through the generic registry's markAsDeleting).
        meta["deletionTimestamp"] = cluster.timestamp()
        meta["finalizers"] = [*(meta.get("finalizers") or []), CRD_CLEANUP_FINALIZER]
        conditions = [
            c for c in (obj.get("status") or {}).get("conditions", []) if c.get("type") != "Terminating"
        ]
        conditions.append(
            {
                "type": "Terminating",
                "status": "True",
                "reason": "InstanceDeletionInProgress",
                "message": "CustomResource deletion is in progress",
                "lastTransitionTime": cluster.timestamp(),
            }
        )
        obj.setdefault("status", {})["conditions"] = conditions
        writer.store_update(CRD, obj=obj)
        for t in cluster.registry.crd_types(name)[:1]:  # every version shares one store
            for entry in cluster.store.entries(t.key):
                if cluster.store.get(t.key, namespace=entry.namespace, name=entry.name) is not None:
                    writer.delete(
                        t, namespace=entry.namespace or None, name=entry.name, options={}, dry_run=False
                    )
        _finish_crd_if_empty(writer, name)
    current = cluster.store.get(CRD.key, namespace="", name=name)
    return current.obj() if current is not None else obj


def _finish_crd_if_empty(writer: WriterAPI, crd_name: str) -> None:
    cluster = writer.cluster
    entry = cluster.store.get(CRD.key, namespace="", name=crd_name)
    if entry is None:
        return
    crd = entry.obj()
    meta = crd["metadata"]
    if not meta.get("deletionTimestamp") or CRD_CLEANUP_FINALIZER not in (meta.get("finalizers") or ()):
        return
    if any(cluster.store.entries(t.key) for t in cluster.registry.crd_types(crd_name)[:1]):
        return
    meta["finalizers"] = [f for f in meta["finalizers"] if f != CRD_CLEANUP_FINALIZER]
    writer.store_update(CRD, obj=crd)


def after_remove(writer: WriterAPI, *, rt: ResourceType, entry: Entry) -> None:
    cluster = writer.cluster
    if rt.custom:
        _finish_crd_if_empty(writer, f"{rt.plural}.{rt.group}")
    if rt.key == CRD.key:
        types = cluster.registry.crd_types(entry.name)
        cluster.registry.set_crd(entry.name, types=[])
        for t in types[:1]:  # every version shares one store
            for removed in cluster.store.drop_resource(t.key):
                obj = removed.obj()
                obj["metadata"]["resourceVersion"] = str(cluster.store.next_rv())
                cluster.store.remove(t.key, entry=Entry.of(obj))
        return
    if rt.namespaced and entry.namespace:
        ns_entry = cluster.namespace(entry.namespace)
        if ns_entry is not None and ns_entry.obj()["metadata"].get("deletionTimestamp"):
            _finalize_namespace_if_empty(writer, ns_entry)


def _namespace_is_empty(cluster: Cluster, namespace: str) -> bool:
    return not any(e.namespace == namespace for k, e in cluster.store.all_entries() if k != NAMESPACE.key)


def _finalize_namespace_if_empty(writer: WriterAPI, ns_entry: Entry) -> None:
    if _namespace_is_empty(writer.cluster, ns_entry.name):
        obj = ns_entry.obj()
        obj.setdefault("spec", {})["finalizers"] = []
        writer.remove(NAMESPACE, obj=obj)


def delete_namespace(writer: WriterAPI, *, obj: dict[str, Any]) -> dict[str, Any]:
    cluster = writer.cluster
    meta = obj["metadata"]
    if meta.get("deletionTimestamp"):
        return obj
    meta["deletionTimestamp"] = cluster.timestamp()
    obj["status"] = {"phase": "Terminating"}
    meta["resourceVersion"] = str(cluster.store.next_rv())
    cluster.store.put(
        NAMESPACE.key,
        entry=Entry.of(obj, selectable_fields=NAMESPACE.selectable_fields),
        change_type="MODIFIED",
    )
    for key, entry in cluster.store.all_entries():
        if key == NAMESPACE.key or entry.namespace != meta["name"]:
            continue
        content_type = cluster.type_for_key(key)
        if (
            content_type is not None
            and cluster.store.get(key, namespace=entry.namespace, name=entry.name) is not None
        ):
            writer.delete(content_type, namespace=entry.namespace, name=entry.name, options={}, dry_run=False)
    ns_entry = cluster.namespace(str(meta["name"]))
    if ns_entry is not None:
        _finalize_namespace_if_empty(writer, ns_entry)
        ns_entry = cluster.namespace(str(meta["name"]))
    return ns_entry.obj() if ns_entry is not None else obj
