"""The resource types the emulator serves: built-in kinds plus the kinds registered by CRDs.

Contract: `Registry` maps (group, version, plural) and (apiVersion, kind) to a `ResourceType`.
Built-ins are Namespace and Event (core/v1), Lease (coordination.k8s.io/v1) and CustomResourceDefinition
(apiextensions.k8s.io/v1). `types_from_crd` derives one `ResourceType` per served version of a CRD,
with its schema, printer columns and subresources, as the apiextensions-apiserver does.
Thread-safe: lookups see either the old or the new set of types, never a partial one.
"""

from __future__ import annotations

import threading
from collections.abc import Mapping
from dataclasses import dataclass, field
from typing import Any

ALL_VERBS = ("create", "delete", "deletecollection", "get", "list", "patch", "update", "watch")


@dataclass(frozen=True)
class PrinterColumn:
    """One additionalPrinterColumn of a CRD version."""

    name: str
    type: str
    json_path: str
    format: str = ""
    priority: int = 0
    description: str = ""


@dataclass(frozen=True)
class ResourceType:
    group: str
    version: str
    kind: str
    plural: str
    singular: str
    namespaced: bool
    short_names: tuple[str, ...] = ()
    categories: tuple[str, ...] = ()
    has_status: bool = False
    # CRs reject a PUT without metadata.resourceVersion; most built-ins accept it (last write wins).
    unconditional_update: bool = True
    custom: bool = False
    schema: Mapping[str, Any] | None = field(default=None, compare=False, hash=False)
    printer_columns: tuple[PrinterColumn, ...] = ()
    # Field selectors beyond metadata.name / metadata.namespace, as JSON paths into the object.
    selectable_fields: tuple[str, ...] = ()

    @property
    def api_version(self) -> str:
        return f"{self.group}/{self.version}" if self.group else self.version

    @property
    def key(self) -> tuple[str, str]:
        """Storage key: objects of all versions of one group/resource share one store."""
        return (self.group, self.plural)


NAMESPACE = ResourceType(
    group="",
    version="v1",
    kind="Namespace",
    plural="namespaces",
    singular="namespace",
    namespaced=False,
    short_names=("ns",),
    has_status=True,
    selectable_fields=("status.phase",),
)
EVENT = ResourceType(
    group="",
    version="v1",
    kind="Event",
    plural="events",
    singular="event",
    namespaced=True,
    short_names=("ev",),
    selectable_fields=(
        "involvedObject.kind",
        "involvedObject.namespace",
        "involvedObject.name",
        "involvedObject.uid",
        "involvedObject.apiVersion",
        "involvedObject.resourceVersion",
        "involvedObject.fieldPath",
        "reason",
        "reportingComponent",
        "source",
        "type",
    ),
)
LEASE = ResourceType(
    group="coordination.k8s.io",
    version="v1",
    kind="Lease",
    plural="leases",
    singular="lease",
    namespaced=True,
)
CRD = ResourceType(
    group="apiextensions.k8s.io",
    version="v1",
    kind="CustomResourceDefinition",
    plural="customresourcedefinitions",
    singular="customresourcedefinition",
    namespaced=False,
    short_names=("crd", "crds"),
    categories=("api-extensions",),
    has_status=True,
)
BUILTINS = (NAMESPACE, EVENT, LEASE, CRD)

# apiextensions defaults a CRD version without printer columns to one Age column.
_DEFAULT_COLUMNS = (PrinterColumn(name="Age", type="date", json_path=".metadata.creationTimestamp"),)


def types_from_crd(crd: Mapping[str, Any]) -> list[ResourceType]:
    """One ResourceType per served version of `crd` (an apiextensions.k8s.io/v1 object)."""
    spec = crd.get("spec") or {}
    names = spec.get("names") or {}
    group = str(spec.get("group", ""))
    result = []
    for version in spec.get("versions") or []:
        if not version.get("served", True):
            continue
        columns = tuple(
            PrinterColumn(
                name=str(c.get("name", "")),
                type=str(c.get("type", "string")),
                json_path=str(c.get("jsonPath", "")),
                format=str(c.get("format", "")),
                priority=int(c.get("priority", 0) or 0),
                description=str(c.get("description", "")),
            )
            for c in version.get("additionalPrinterColumns") or ()
        )
        subresources = version.get("subresources") or {}
        schema = (version.get("schema") or {}).get("openAPIV3Schema")
        result.append(
            ResourceType(
                group=group,
                version=str(version.get("name", "")),
                kind=str(names.get("kind", "")),
                plural=str(names.get("plural", "")),
                singular=str(names.get("singular") or str(names.get("kind", "")).lower()),
                namespaced=spec.get("scope", "Namespaced") == "Namespaced",
                short_names=tuple(names.get("shortNames") or ()),
                categories=tuple(names.get("categories") or ()),
                has_status="status" in subresources,
                unconditional_update=False,
                custom=True,
                schema=schema,
                printer_columns=columns or _DEFAULT_COLUMNS,
                selectable_fields=tuple(
                    str(f.get("jsonPath", "")).lstrip(".") for f in version.get("selectableFields") or ()
                ),
            )
        )
    return result


class Registry:
    """All served resource types; CRD kinds come and go as CRDs are written and deleted."""

    def __init__(self) -> None:
        self._lock = threading.Lock()
        self._by_crd: dict[str, list[ResourceType]] = {}
        self._types: tuple[ResourceType, ...] = BUILTINS

    def set_crd(self, crd_name: str, *, types: list[ResourceType]) -> None:
        with self._lock:
            if types:
                self._by_crd[crd_name] = types
            else:
                self._by_crd.pop(crd_name, None)
            self._types = BUILTINS + tuple(t for ts in self._by_crd.values() for t in ts)

    def all(self) -> tuple[ResourceType, ...]:
        return self._types

    def find(self, group: str, *, version: str, plural: str) -> ResourceType | None:
        for t in self._types:
            if t.group == group and t.version == version and t.plural == plural:
                return t
        return None

    def group_versions(self) -> dict[str, list[str]]:
        """group -> served versions, in registration order (the first one is preferred)."""
        result: dict[str, list[str]] = {}
        for t in self._types:
            versions = result.setdefault(t.group, [])
            if t.version not in versions:
                versions.append(t.version)
        return result

    def crd_types(self, crd_name: str) -> list[ResourceType]:
        return list(self._by_crd.get(crd_name, ()))
