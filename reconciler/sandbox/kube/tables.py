"""Server-side Table rendering (`Accept: application/json;as=Table;v=v1;g=meta.k8s.io`), as kubectl gets it.

Contract: `to_table(rt, objects, now=, include_object=, list_meta=)` returns a meta.k8s.io/v1 Table:
a Name column (format "name") followed by the kind's printer columns (for CRs their
additionalPrinterColumns with type, format, priority and description), one row per object, each row
carrying the object as PartialObjectMetadata (includeObject=Metadata, the default), the full object
(Object) or nothing (None). Cell values follow apiextensions-apiserver: `string` columns print the JSONPath
result, `integer`/`number`/`boolean` cells are typed JSON values, `date` cells are ages like `5m`, and a
missing value is null (kubectl shows `<none>`).
"""

from __future__ import annotations

import datetime as dt
from collections.abc import Mapping, Sequence
from typing import Any

from reconciler.sandbox.kube import jsonpath
from reconciler.sandbox.kube.registry import CRD, EVENT, LEASE, NAMESPACE, PrinterColumn, ResourceType

_NAME_DESCRIPTION = "Name of the object, unique within its namespace (metadata.name)."

_BUILTIN_COLUMNS: dict[tuple[str, str], tuple[PrinterColumn, ...]] = {
    NAMESPACE.key: (
        PrinterColumn("Status", "string", ".status.phase", description="The phase of the namespace."),
        PrinterColumn("Age", "date", ".metadata.creationTimestamp"),
    ),
    LEASE.key: (
        PrinterColumn("Holder", "string", ".spec.holderIdentity", description="The current lease holder."),
        PrinterColumn("Age", "date", ".metadata.creationTimestamp"),
    ),
    CRD.key: (PrinterColumn("Created At", "string", ".metadata.creationTimestamp", format="date"),),
}


def parse_time(text: str) -> dt.datetime | None:
    try:
        return dt.datetime.fromisoformat(text.replace("Z", "+00:00"))
    except ValueError:
        return None


def human_duration(seconds: float) -> str:
    """Ages as kubectl shows them (apimachinery's HumanDuration)."""
    s = int(seconds)
    if s < -1:
        return "<invalid>"
    if s < 0:
        return "0s"
    if s < 120:
        return f"{s}s"
    minutes = s // 60
    if minutes < 10:
        return f"{minutes}m" if s % 60 == 0 else f"{minutes}m{s % 60}s"
    if minutes < 180:
        return f"{minutes}m"
    hours = s // 3600
    if hours < 8:
        return f"{hours}h" if minutes % 60 == 0 else f"{hours}h{minutes % 60}m"
    if hours < 48:
        return f"{hours}h"
    if hours < 24 * 8:
        return f"{hours // 24}d" if hours % 24 == 0 else f"{hours // 24}d{hours % 24}h"
    if hours < 24 * 365 * 2:
        return f"{hours // 24}d"
    if hours < 24 * 365 * 8:
        days = (hours // 24) % 365
        return f"{hours // 24 // 365}y" if days == 0 else f"{hours // 24 // 365}y{days}d"
    return f"{hours // 24 // 365}y"


def _cell(column: PrinterColumn, *, obj: Mapping[str, Any], now: dt.datetime) -> Any:
    try:
        results = jsonpath.find(obj, expression=column.json_path)
    except jsonpath.JsonPathError:
        return None
    if not results or results[0] is None:
        return None
    value = results[0]
    kind = column.type
    if kind == "string":
        return jsonpath.render(value)
    if kind == "integer" and isinstance(value, (int, float)) and not isinstance(value, bool):
        return int(value)
    if kind == "number" and isinstance(value, (int, float)) and not isinstance(value, bool):
        return value
    if kind == "boolean" and isinstance(value, bool):
        return value
    if kind == "date" and isinstance(value, str):
        stamp = parse_time(value)
        if stamp is None:
            return "<invalid>"
        return human_duration((now - stamp).total_seconds())
    return None


def _event_cells(obj: Mapping[str, Any], now: dt.datetime) -> list[Any]:
    last = (
        obj.get("lastTimestamp")
        or obj.get("eventTime")
        or (obj.get("metadata") or {}).get("creationTimestamp")
    )
    stamp = parse_time(last) if isinstance(last, str) else None
    involved = obj.get("involvedObject") or {}
    return [
        human_duration((now - stamp).total_seconds()) if stamp else "<unknown>",
        obj.get("type", ""),
        obj.get("reason", ""),
        f"{str(involved.get('kind', '')).lower()}/{involved.get('name', '')}",
        obj.get("message", ""),
    ]


def columns_for(rt: ResourceType) -> tuple[PrinterColumn, ...]:
    if rt.custom or rt.printer_columns:
        return rt.printer_columns
    return _BUILTIN_COLUMNS.get(rt.key, (PrinterColumn("Age", "date", ".metadata.creationTimestamp"),))


def _definition(column: PrinterColumn) -> dict[str, Any]:
    description = (
        column.description or f"Custom resource definition column (in JSONPath format): {column.json_path}"
    )
    return {
        "name": column.name,
        "type": column.type,
        "format": column.format,
        "description": description,
        "priority": column.priority,
    }


def _row_object(obj: Mapping[str, Any], include_object: str) -> dict[str, Any] | None:
    if include_object == "None":
        return None
    if include_object == "Object":
        return dict(obj)
    return {
        "kind": "PartialObjectMetadata",
        "apiVersion": "meta.k8s.io/v1",
        "metadata": obj.get("metadata", {}),
    }


def to_table(
    rt: ResourceType,
    *,
    objects: Sequence[Mapping[str, Any]],
    now: dt.datetime,
    include_object: str = "Metadata",
    list_meta: Mapping[str, Any] | None = None,
    with_definitions: bool = True,
) -> dict[str, Any]:
    if rt.key == EVENT.key:
        definitions = [
            {"name": n, "type": "string", "format": "", "description": n, "priority": 0}
            for n in ("Last Seen", "Type", "Reason", "Object", "Message")
        ]
    else:
        definitions = [
            {
                "name": "Name",
                "type": "string",
                "format": "name",
                "description": _NAME_DESCRIPTION,
                "priority": 0,
            }
        ] + [_definition(c) for c in columns_for(rt)]
    rows = []
    for obj in objects:
        if rt.key == EVENT.key:
            cells = _event_cells(obj, now)
        else:
            cells = [(obj.get("metadata") or {}).get("name", "")] + [
                _cell(c, obj=obj, now=now) for c in columns_for(rt)
            ]
        row: dict[str, Any] = {"cells": cells}
        row_object = _row_object(obj, include_object)
        if row_object is not None:
            row["object"] = row_object
        rows.append(row)
    return {
        "kind": "Table",
        "apiVersion": "meta.k8s.io/v1",
        "metadata": dict(list_meta or {}),
        "columnDefinitions": definitions if with_definitions else [],
        "rows": rows,
    }
