"""OpenAPI v3 schemas (Kubernetes structural schemas) derived from SageMaker API shapes.

Contract: `resource_schema(shape_name)` returns the openAPIV3Schema of the *resource form* of a
shape (see `awsmodel.translate`): camelCased properties, the model's ``required`` members,
string length / pattern / enum, numeric minimum / maximum, list sizes, API maps as
``[{name, value}]`` list-maps keyed by ``name``, ``[{key, value}]`` tag lists as list-maps keyed
by ``key``, timestamps as ``date-time`` strings. A shape that contains itself is cut at the
recursion point with ``x-kubernetes-preserve-unknown-fields: true`` (structural schemas cannot
recurse). Patterns are the RE2-and-Python translations of `awsmodel.regex.portable_pattern`;
`pattern_report` lists the shapes whose pattern was loosened or left out.

Every property carries a ``description`` for `kubectl explain`: the first sentence or two of the
model's documentation of the member (`awsmodel.docs.summary`; the whole documentation would not fit
in the 256 KiB annotation `kubectl apply` keeps), map entries' ``name`` / ``value`` a fixed text.
Pure: no I/O beyond the cached model load.
"""

from __future__ import annotations

from collections.abc import Iterator, Mapping
from typing import Any

from reconciler.awsmodel.docs import member_description
from reconciler.awsmodel.loader import shape
from reconciler.awsmodel.names import camel
from reconciler.awsmodel.regex import PortablePattern, portable_pattern
from reconciler.awsmodel.translate import MAP_KEY_FIELD, MAP_VALUE_FIELD

Schema = dict[str, Any]

# SageMaker's maps (e.g. HyperParameters, Environment) become lists of {name, value} entries.
MAP_KEY_DESCRIPTION = "The entry's key (unique in the list: SageMaker takes this member as a map)."
MAP_VALUE_DESCRIPTION = "The entry's value."


def described(schema: Schema, description: str) -> Schema:
    """`schema` with `description` added (unchanged when the description is empty)."""
    if description:
        schema["description"] = description
    return schema


def resource_schema(shape_name: str) -> Schema:
    """The structural openAPIV3Schema of the resource form of `shape_name`."""
    return _schema(shape_name, stack=())


def _schema(shape_name: str, *, stack: tuple[str, ...]) -> Schema:
    spec = shape(shape_name)
    kind = spec["type"]
    if shape_name in stack:
        # Recursion point: structural schemas must be finite, so keep whatever is below as is.
        base: Schema = {"type": "object", "x-kubernetes-preserve-unknown-fields": True}
        return {"type": "array", "items": base} if kind in ("list", "map") else base
    inner = (*stack, shape_name)
    if kind == "structure":
        return _structure_schema(spec, stack=inner)
    if kind == "list":
        return _list_schema(spec, stack=inner)
    if kind == "map":
        return _map_schema(spec, stack=inner)
    return _scalar_schema(spec)


def _structure_schema(spec: Mapping[str, Any], *, stack: tuple[str, ...]) -> Schema:
    members: dict[str, Any] = spec["members"]
    result: Schema = {
        "type": "object",
        "properties": {
            camel(name): described(_schema(m["shape"], stack=stack), member_description(spec, name))
            for name, m in members.items()
        },
    }
    required = [camel(name) for name in spec.get("required", ())]
    if required:
        result["required"] = required
    return result


def _sizes(spec: Mapping[str, Any], *, low: str, high: str) -> Schema:
    sizes: Schema = {}
    if spec.get("min"):
        sizes[low] = spec["min"]
    if "max" in spec:
        sizes[high] = spec["max"]
    return sizes


def _list_schema(spec: Mapping[str, Any], *, stack: tuple[str, ...]) -> Schema:
    item_shape: str = spec["member"]["shape"]
    result: Schema = {"type": "array", "items": _schema(item_shape, stack=stack)}
    result.update(_sizes(spec, low="minItems", high="maxItems"))
    item_spec = shape(item_shape)
    if _is_tag(item_spec):
        # Tag keys are unique per resource (SageMaker says so); a list-map makes the API server
        # reject duplicates and lets server-side apply merge tags by key.
        result["x-kubernetes-list-type"] = "map"
        result["x-kubernetes-list-map-keys"] = ["key"]
    return result


def _is_tag(spec: Mapping[str, Any]) -> bool:
    return (
        spec["type"] == "structure"
        and set(spec["members"]) == {"Key", "Value"}
        and "Key" in spec.get("required", ())
    )


def _map_schema(spec: Mapping[str, Any], *, stack: tuple[str, ...]) -> Schema:
    entry: Schema = {
        "type": "object",
        "properties": {
            MAP_KEY_FIELD: described(_schema(spec["key"]["shape"], stack=stack), MAP_KEY_DESCRIPTION),
            MAP_VALUE_FIELD: described(_schema(spec["value"]["shape"], stack=stack), MAP_VALUE_DESCRIPTION),
        },
        "required": [MAP_KEY_FIELD, MAP_VALUE_FIELD],
    }
    result: Schema = {
        "type": "array",
        "items": entry,
        "x-kubernetes-list-type": "map",
        "x-kubernetes-list-map-keys": [MAP_KEY_FIELD],
    }
    result.update(_sizes(spec, low="minItems", high="maxItems"))
    return result


def _scalar_schema(spec: Mapping[str, Any]) -> Schema:
    kind = spec["type"]
    if kind == "string":
        result: Schema = {"type": "string", **_sizes(spec, low="minLength", high="maxLength")}
        if "pattern" in spec:
            portable = portable_pattern(spec["pattern"])
            if portable.pattern is not None:
                result["pattern"] = portable.pattern
        if "enum" in spec:
            result["enum"] = list(spec["enum"])
        return result
    if kind in ("integer", "long"):
        result = {"type": "integer", "format": "int32" if kind == "integer" else "int64"}
        result.update(_sizes_numeric(spec))
        return result
    if kind in ("float", "double"):
        return {"type": "number", **_sizes_numeric(spec)}
    if kind == "boolean":
        return {"type": "boolean"}
    if kind == "timestamp":
        return {"type": "string", "format": "date-time"}
    if kind == "blob":
        return {"type": "string", "format": "byte"}
    raise ValueError(f"unexpected shape type {kind!r}")  # pragma: no cover - model invariant


def _sizes_numeric(spec: Mapping[str, Any]) -> Schema:
    bounds: Schema = {}
    if "min" in spec:
        bounds["minimum"] = spec["min"]
    if "max" in spec:
        bounds["maximum"] = spec["max"]
    return bounds


def reachable_shapes(shape_name: str, seen: set[str]) -> Iterator[str]:
    """Every shape reachable from `shape_name` (itself included) not yet in `seen` (updated)."""
    if shape_name in seen:
        return
    seen.add(shape_name)
    yield shape_name
    spec = shape(shape_name)
    if spec["type"] == "structure":
        for member in spec["members"].values():
            yield from reachable_shapes(member["shape"], seen)
    elif spec["type"] == "list":
        yield from reachable_shapes(spec["member"]["shape"], seen)
    elif spec["type"] == "map":
        yield from reachable_shapes(spec["key"]["shape"], seen)
        yield from reachable_shapes(spec["value"]["shape"], seen)


def pattern_report(*root_shapes: str) -> dict[str, PortablePattern]:
    """Shapes reachable from `root_shapes` whose pattern was loosened or dropped, by shape name."""
    seen: set[str] = set()
    report: dict[str, PortablePattern] = {}
    for root in root_shapes:
        for name in reachable_shapes(root, seen):
            java = shape(name).get("pattern")
            if java is None:
                continue
            portable = portable_pattern(java)
            if portable.pattern is None or portable.loosened:
                report[name] = portable
    return dict(sorted(report.items()))
