"""The resource types the emulator serves: built-in kinds plus the kinds registered by CRDs.

Contract: `Registry` maps (group, version, plural) and (apiVersion, kind) to a `ResourceType`.
Built-ins are Namespace, Event and ServiceAccount (core/v1), Lease (coordination.k8s.io/v1),
CustomResourceDefinition (apiextensions.k8s.io/v1), CronJob and Job (batch/v1), and ClusterRole,
ClusterRoleBinding, Role and RoleBinding (rbac.authorization.k8s.io/v1). Each names its OpenAPI
`definition` (served under /openapi/v3, see `builtins`); the ones with `schema_checked` are validated
against it on every write, as the API server's decoding and validation would refuse them.
`types_from_crd` derives one `ResourceType` per served version of a CRD, with its schema, printer
columns and subresources, as the apiextensions-apiserver does.
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
    # Built-ins: the OpenAPI definition of the kind (builtin_openapi_data), whether writes are checked
    # against it, and whether the kind counts metadata.generation (workloads do, RBAC objects do not).
    definition: str = ""
    schema_checked: bool = False
    has_generation: bool = False

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
    definition="io.k8s.api.core.v1.Namespace",
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
    definition="io.k8s.api.core.v1.Event",
)
LEASE = ResourceType(
    group="coordination.k8s.io",
    version="v1",
    kind="Lease",
    plural="leases",
    singular="lease",
    namespaced=True,
    definition="io.k8s.api.coordination.v1.Lease",
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
    definition="io.k8s.apiextensions-apiserver.pkg.apis.apiextensions.v1.CustomResourceDefinition",
)
_AGE = PrinterColumn("Age", "date", ".metadata.creationTimestamp")
_CREATED_AT = PrinterColumn("Created At", "string", ".metadata.creationTimestamp", format="date")
SERVICE_ACCOUNT = ResourceType(
    group="",
    version="v1",
    kind="ServiceAccount",
    plural="serviceaccounts",
    singular="serviceaccount",
    namespaced=True,
    short_names=("sa",),
    definition="io.k8s.api.core.v1.ServiceAccount",
    schema_checked=True,
    printer_columns=(_AGE,),
)
CRONJOB = ResourceType(
    group="batch",
    version="v1",
    kind="CronJob",
    plural="cronjobs",
    singular="cronjob",
    namespaced=True,
    short_names=("cj",),
    categories=("all",),
    has_status=True,
    definition="io.k8s.api.batch.v1.CronJob",
    schema_checked=True,
    has_generation=True,
    printer_columns=(
        PrinterColumn("Schedule", "string", ".spec.schedule"),
        PrinterColumn("Timezone", "string", ".spec.timeZone"),
        PrinterColumn("Suspend", "boolean", ".spec.suspend"),
        PrinterColumn("Last Schedule", "date", ".status.lastScheduleTime"),
        _AGE,
    ),
)
JOB = ResourceType(
    group="batch",
    version="v1",
    kind="Job",
    plural="jobs",
    singular="job",
    namespaced=True,
    categories=("all",),
    has_status=True,
    definition="io.k8s.api.batch.v1.Job",
    schema_checked=True,
    has_generation=True,
    printer_columns=(
        PrinterColumn("Completions", "integer", ".spec.completions"),
        PrinterColumn("Succeeded", "integer", ".status.succeeded"),
        _AGE,
    ),
)
_RBAC = "rbac.authorization.k8s.io"


def _rbac(kind: str, *, namespaced: bool, printer_columns: tuple[PrinterColumn, ...]) -> ResourceType:
    """An rbac.authorization.k8s.io/v1 kind; its plural and singular are the lower-cased kind."""
    return ResourceType(
        group=_RBAC,
        version="v1",
        kind=kind,
        plural=f"{kind.lower()}s",
        singular=kind.lower(),
        namespaced=namespaced,
        definition=f"io.k8s.api.rbac.v1.{kind}",
        schema_checked=True,
        printer_columns=printer_columns,
    )


_ROLE_COLUMNS = (PrinterColumn("Role", "string", ".roleRef.name"), _AGE)
CLUSTER_ROLE = _rbac("ClusterRole", namespaced=False, printer_columns=(_CREATED_AT,))
CLUSTER_ROLE_BINDING = _rbac("ClusterRoleBinding", namespaced=False, printer_columns=_ROLE_COLUMNS)
ROLE = _rbac("Role", namespaced=True, printer_columns=(_CREATED_AT,))
ROLE_BINDING = _rbac("RoleBinding", namespaced=True, printer_columns=_ROLE_COLUMNS)
BUILTINS = (
    NAMESPACE,
    EVENT,
    SERVICE_ACCOUNT,
    LEASE,
    CRD,
    CRONJOB,
    JOB,
    CLUSTER_ROLE,
    CLUSTER_ROLE_BINDING,
    ROLE,
    ROLE_BINDING,
)

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
