"""Server-side apply and managedFields, as kube-apiserver 1.32's field manager keeps them.

Emulated (sources: k8s.io/apiserver `pkg/endpoints/handlers/fieldmanager`, k8s.io/apimachinery
`pkg/util/managedfields/internal` and sigs.k8s.io/structured-merge-diff/v4 `merge/update.go`):
- `application/apply-patch+yaml` PATCH (`apply`): `fieldManager` is required (422 `PatchOptions.meta.k8s.io
  "" is invalid: fieldManager: Required value: is required for apply patch`), `force` is refused on other
  patches; the body's apiVersion must be the resource's (400 "Incorrect version specified in apply
  patch..."), its managedFields must be absent (400 "metadata.managedFields must be nil"). The applied
  configuration is merged into the live object (`fieldsets.merge`), the manager's Apply entry becomes the
  configuration's field set, fields the manager applied before and no longer applies are removed unless
  another manager owns them, and fields another manager owns whose value would change are conflicts:
  409 Conflict with "Apply failed with N conflict(s): ..." and one `FieldManagerConflict` cause per field,
  unless `force=true`, which takes them over. An object that does not exist is created from the
  configuration (201).
- Every other write (create, PUT, merge / JSON / strategic patch, status writes) records an Update entry
  for its manager: the `fieldManager` parameter or, without one, the User-Agent up to its first `/`
  (`OpenAPI-Generator` for the official Python client); the fields it added or changed become its own,
  and are taken from every other manager; removed fields are owned by nobody.
- Entries are one per (manager, operation, subresource) with apiVersion, `time` (set when the entry's
  manager changed the object), `fieldsType: FieldsV1`, `fieldsV1`; sorted Apply before Update, then by
  time, manager. apiVersion, kind, metadata.name/namespace/uid/resourceVersion/generation/
  creationTimestamp/managedFields/selfLink are never owned. A write whose managedFields are `[{}]`
  resets them; a write that omits them keeps the stored ones. On the main resource of a kind with a
  status subresource `status` is not owned; on `/status` only `status` (and metadata) is.
- List and map semantics come from the schema (`fieldsets.Schema`): CRD `x-kubernetes-list-type` /
  `x-kubernetes-list-map-keys` / `x-kubernetes-map-type`, built-ins' list types or strategic merge keys.

Not emulated (answered as described, never silently wrong): `before-first-apply` (objects stored before
this module recorded managedFields have none; their fields are owned by nobody), the cap of 10 Update
entries (`ancient-changes`), conversion of managed fields between API versions (every kind is served in
one version), unions, the `kubectl.kubernetes.io/last-applied-configuration` upgrade path (kubectl does
it client-side with a JSON patch of managedFields, which is honoured), and default values for list map
keys (an item without its key makes the whole list one atomic value).
"""

from __future__ import annotations

import functools
import json
from collections.abc import Mapping
from dataclasses import dataclass, field
from typing import Any

import yaml

from reconciler.sandbox.kube import builtins, fieldsets, gojson
from reconciler.sandbox.kube.errors import ApiError, Cause, bad_request, invalid
from reconciler.sandbox.kube.fieldsets import Path, Schema
from reconciler.sandbox.kube.registry import ResourceType

APPLY = "application/apply-patch+yaml"
# apimachinery managedfields/internal/stripmeta.go: never owned by anyone.
_STRIPPED_TOP = frozenset({("f", "apiVersion"), ("f", "kind")})
_STRIPPED_META = frozenset(
    ("f", name)
    for name in (
        "name",
        "namespace",
        "uid",
        "resourceVersion",
        "generation",
        "creationTimestamp",
        "managedFields",
        "selfLink",
        "deletionTimestamp",
        "deletionGracePeriodSeconds",
    )
)
_METADATA = ("f", "metadata")


@dataclass
class Entry:
    manager: str
    operation: str  # Apply | Update
    subresource: str
    api_version: str
    time: str | None
    paths: set[Path] = field(default_factory=set)
    # The stored entry this one was decoded from, and its paths then: rendered again as it was when
    # nothing changed (re-encoding a large set on every write of an object is the costly part).
    raw: dict[str, Any] | None = None
    decoded: frozenset[Path] = frozenset()

    @property
    def key(self) -> tuple[str, str, str]:
        return (self.manager, self.operation, self.subresource)

    def body(self) -> dict[str, Any]:
        if (
            self.raw is not None
            and self.raw.get("time") == self.time
            and self.raw.get("apiVersion") == self.api_version
            and self.paths == self.decoded
        ):
            return self.raw
        out: dict[str, Any] = {
            "manager": self.manager,
            "operation": self.operation,
            "apiVersion": self.api_version,
        }
        if self.time:
            out["time"] = self.time
        out["fieldsType"] = "FieldsV1"
        out["fieldsV1"] = _encoded(frozenset(self.paths))
        if self.subresource:
            out["subresource"] = self.subresource
        return out

    def described(self) -> str:
        """`printManager` of the conflict message: `"name"`, with subresource and API version for Updates."""
        text = json.dumps(self.manager)
        if self.subresource:
            text += f" with subresource {json.dumps(self.subresource)}"
        if self.operation == "Update":
            text += f" using {self.api_version}"
        return text


Managers = dict[tuple[str, str, str], Entry]


def schema_of(rt: ResourceType) -> Schema:
    if rt.custom:
        return Schema(rt.schema, builtin=False)
    return Schema(builtins.definition(rt.definition), builtin=True)


def decode_managers(meta: Mapping[str, Any]) -> Managers:
    managers: Managers = {}
    for raw in meta.get("managedFields") or ():
        if not isinstance(raw, dict) or (not raw.get("manager") and not raw.get("fieldsV1")):
            continue
        paths = _decoded(json.dumps(raw.get("fieldsV1") or {}))
        entry = Entry(
            manager=str(raw.get("manager", "")),
            operation=str(raw.get("operation", "Update")),
            subresource=str(raw.get("subresource", "")),
            api_version=str(raw.get("apiVersion", "")),
            time=raw.get("time"),
            paths=set(paths),
            raw=raw,
            decoded=paths,
        )
        managers[entry.key] = entry
    return managers


@functools.lru_cache(maxsize=512)
def _decoded(fields_json: str) -> frozenset[Path]:
    """fieldsV1 -> paths, remembered: the same stored entries are decoded on every write of an object."""
    return frozenset(fieldsets.decode(json.loads(fields_json)))


def _encoded(paths: frozenset[Path]) -> dict[str, Any]:
    """paths -> fieldsV1 (a fresh dict each time; the encoding is remembered, as objects of one kind
    written alike own the same set)."""
    encoded: dict[str, Any] = json.loads(_encoded_json(paths))
    return encoded


@functools.lru_cache(maxsize=512)
def _encoded_json(paths: frozenset[Path]) -> str:
    return json.dumps(fieldsets.encode(paths), separators=(",", ":"))


def encode_managers(managers: Managers) -> list[dict[str, Any]]:
    entries = [e for e in managers.values() if e.paths]
    entries.sort(key=lambda e: (e.operation, e.time or "", e.manager, e.api_version, e.subresource))
    return [e.body() for e in entries]


def _is_reset(managed: Any) -> bool:
    return isinstance(managed, list) and len(managed) == 1 and managed[0] == {}


def _owned_paths(
    obj: Mapping[str, Any], *, rt: ResourceType, subresource: str | None, update: bool = False
) -> dict[Path, Any]:
    if rt.has_status and subresource is None:
        obj = {k: v for k, v in obj.items() if k != "status"}  # reset: the status subresource owns it
    elif subresource == "status":
        obj = {k: v for k, v in obj.items() if k in ("metadata", "status")}
    paths = fieldsets.field_set(obj, schema_of(rt), maps=update)
    return {
        path: value
        for path, value in paths.items()
        if path[0] not in _STRIPPED_TOP
        and not (path[0] == _METADATA and len(path) > 1 and path[1] in _STRIPPED_META)
    }


def _changed_parts(old: Mapping[str, Any], new: Mapping[str, Any]) -> tuple[dict[str, Any], dict[str, Any]]:
    """`old` and `new` cut down to the top-level members (and metadata members) that differ: members equal
    on both sides have equal field sets, so they add nothing to a comparison and are not walked."""

    def cut(a: Mapping[str, Any], b: Mapping[str, Any]) -> tuple[dict[str, Any], dict[str, Any]]:
        keys = [k for k in {**a, **b} if a.get(k, _ABSENT) != b.get(k, _ABSENT)]
        return {k: a[k] for k in keys if k in a}, {k: b[k] for k in keys if k in b}

    old_cut, new_cut = cut(old, new)
    old_meta, new_meta = old.get("metadata"), new.get("metadata")
    if isinstance(old_meta, dict) and isinstance(new_meta, dict) and old_meta != new_meta:
        old_cut["metadata"], new_cut["metadata"] = cut(old_meta, new_meta)
    return old_cut, new_cut


_ABSENT = object()


def _diff(
    old: Mapping[str, Any] | None,
    new: Mapping[str, Any],
    *,
    rt: ResourceType,
    subresource: str | None,
    update: bool,
) -> tuple[set[Path], set[Path], set[Path]]:
    old_cut, new_cut = _changed_parts(old or {}, new)
    old_paths = (
        _owned_paths(old_cut, rt=rt, subresource=subresource, update=update) if old is not None else {}
    )
    new_paths = _owned_paths(new_cut, rt=rt, subresource=subresource, update=update)
    return _compare(old_paths, new_paths, rt=rt)


def _compare(
    old: dict[Path, Any], new: dict[Path, Any], *, rt: ResourceType
) -> tuple[set[Path], set[Path], set[Path]]:
    """(added, modified, removed): modified are leaves present in both with a different value."""
    schema = schema_of(rt)
    added = set(new) - set(old)
    removed = set(old) - set(new)
    modified = {
        p
        for p in set(old) & set(new)
        if old[p] != new[p]
        and fieldsets.leaf(new[p], fieldsets.schema_at(schema, p))
        and fieldsets.leaf(old[p], fieldsets.schema_at(schema, p))
    }
    return added, modified, removed


def manager_from(query: Mapping[str, str], *, user_agent: str) -> str:
    """The request's field manager: `fieldManager`, else the User-Agent before its first `/` (printable
    characters, at most 128), as `prefixFromUserAgent` in apiserver's handlers does."""
    manager = query.get("fieldManager", "")
    if manager:
        return manager
    prefix = user_agent.split("/", 1)[0]
    return "".join(ch for ch in prefix if ch.isprintable())[:128]


def check_options(query: Mapping[str, str], *, apply: bool) -> None:
    """`ValidatePatchOptions` / `ValidateFieldManager` -> 422 on PatchOptions."""
    causes: list[Cause] = []
    manager = query.get("fieldManager", "")
    if not apply and "force" in query:
        causes.append(
            Cause("FieldValueForbidden", "Forbidden: may not be specified for non-apply patch", "force")
        )
    if apply and not manager:
        causes.append(
            Cause("FieldValueRequired", "Required value: is required for apply patch", "fieldManager")
        )
    if len(manager) > 128:
        causes.append(Cause("FieldValueTooLong", "Too long: may not be more than 128 bytes", "fieldManager"))
    if causes:
        raise invalid("PatchOptions", group="meta.k8s.io", name="", causes=causes)


def record_update(
    rt: ResourceType,
    *,
    old: dict[str, Any] | None,
    new: dict[str, Any],
    manager: str,
    subresource: str | None,
    now: str,
) -> None:
    """Set `new`'s managedFields for a non-apply write by `manager` (an Update entry)."""
    live_meta = (old or {}).get("metadata") or {}
    meta = new.setdefault("metadata", {})
    sent = meta.get("managedFields")
    added, modified, removed = _diff(old, new, rt=rt, subresource=subresource, update=True)
    keeps_live = subresource or not sent or not decode_managers(meta)
    if not (added or modified or removed) and keeps_live and not _is_reset(sent):
        # Nothing changed and the stored entries stand: keep them byte for byte (no re-encoding).
        if live_meta.get("managedFields"):
            meta["managedFields"] = live_meta["managedFields"]
        else:
            meta.pop("managedFields", None)
        return
    if subresource:
        managers = decode_managers(live_meta)
    elif _is_reset(sent):
        managers = {}
    else:
        managers = decode_managers(meta) or decode_managers(live_meta)
    changed = added | modified
    key = (manager, "Update", subresource or "")
    for entry in managers.values():
        if entry.key != key:
            entry.paths -= changed | removed
    if changed:
        entry = managers.get(key) or Entry(manager, "Update", subresource or "", rt.api_version, None)
        entry.paths = (entry.paths - removed) | changed
        entry.time = now
        entry.api_version = rt.api_version
        managers[key] = entry
    elif key in managers:
        managers[key].paths -= removed
    new.setdefault("metadata", {})["managedFields"] = encode_managers(managers)
    if not new["metadata"]["managedFields"]:
        del new["metadata"]["managedFields"]


def parse_config(body: bytes, *, rt: ResourceType) -> dict[str, Any]:
    try:
        config = gojson.normalize(yaml.safe_load(body.decode()))
    except (ValueError, UnicodeDecodeError, yaml.YAMLError) as exc:
        first = str(exc).splitlines()[0] if str(exc) else type(exc).__name__
        raise bad_request(f"error decoding YAML: {first}") from None
    if not isinstance(config, dict):
        raise bad_request("error decoding YAML: the apply configuration is not an object")
    if config.get("apiVersion") != rt.api_version:
        specified = str(config.get("apiVersion") or "")
        raise bad_request(
            "Incorrect version specified in apply patch. Specified patch version: "
            f"{specified or '/'}, expected: {rt.api_version}"
        )
    if config.get("kind") != rt.kind:
        raise bad_request(
            f"the kind in the apply configuration ({config.get('kind')}) does not match the expected kind "
            f"({rt.kind})"
        )
    if (config.get("metadata") or {}).get("managedFields") is not None:
        raise bad_request("metadata.managedFields must be nil")
    return config


def apply(
    rt: ResourceType,
    *,
    live: dict[str, Any] | None,
    config: dict[str, Any],
    manager: str,
    force: bool,
    subresource: str | None,
    now: str,
) -> dict[str, Any]:
    """The object after `manager` applies `config` to `live` (None: not there yet), with managedFields.

    Raises 409 Conflict when fields owned by other managers would change and `force` is false."""
    schema = schema_of(rt)
    current = live or {}
    managers = decode_managers(current.get("metadata") or {})
    merged = fieldsets.merge(current, config, schema)
    key = (manager, "Apply", subresource or "")
    previous = managers[key].paths if key in managers else set()
    applied = set(_owned_paths(config, rt=rt, subresource=subresource))
    entry = Entry(manager, "Apply", subresource or "", rt.api_version, now, applied)
    others = set().union(*(e.paths for k, e in managers.items() if k != key))
    merged = fieldsets.remove(merged, (previous - applied) - others, schema)
    added, modified, removed = _diff(current, merged, rt=rt, subresource=subresource, update=False)
    conflicts: list[tuple[Entry, Path]] = []
    for other_key, other in managers.items():
        if other_key == key:
            continue
        for path in sorted(other.paths & (added | modified), key=fieldsets.path_string):
            conflicts.append((other, path))
    if conflicts and not force:
        raise _conflict_error(conflicts)
    for other_key, other in managers.items():
        if other_key != key:
            other.paths -= (added | modified) | removed
    if key in managers and managers[key].paths == applied and not (added | modified | removed):
        entry.time = managers[key].time  # nothing changed: the entry keeps its time
    managers[key] = entry
    meta = merged.setdefault("metadata", {})
    meta["managedFields"] = encode_managers(managers)
    if not meta["managedFields"]:
        del meta["managedFields"]
    return merged


def _conflict_error(conflicts: list[tuple[Entry, Path]]) -> ApiError:
    """`NewConflictError`: 409 Conflict, one FieldManagerConflict cause per field."""
    causes = [
        {
            "reason": "FieldManagerConflict",
            "message": f"conflict with {e.described()}",
            "field": fieldsets.path_string(p),
        }
        for e, p in conflicts
    ]
    if len(conflicts) == 1:
        entry, path = conflicts[0]
        message = (
            f"Apply failed with 1 conflict: conflict with {entry.described()}: {fieldsets.path_string(path)}"
        )
    else:
        by_manager: dict[str, list[str]] = {}
        for entry, path in conflicts:
            by_manager.setdefault(entry.described(), []).append(fieldsets.path_string(path))
        lines = []
        for described in sorted(by_manager):
            lines.append(f"conflicts with {described}:")
            lines += [f"- {p}" for p in by_manager[described]]
        message = f"Apply failed with {len(conflicts)} conflicts: " + "\n".join(lines)
    return ApiError(409, "Conflict", message, {"causes": causes})
