"""ObjectMeta rules every write obeys: name formats, label and annotation syntax, size limits.

Contract: `metadata_causes(obj, rt=)` returns the `Cause`s kube-apiserver's ObjectMeta validation would
report (empty when valid), with its field paths and message wording; `prune_metadata` drops members
ObjectMeta does not have (as decoding into the typed struct does); `generate_name` appends the 5 random
characters the API server uses for `generateName`.
"""

from __future__ import annotations

import random
from collections.abc import Mapping
from typing import Any

from reconciler.sandbox.kube import names
from reconciler.sandbox.kube.errors import Cause
from reconciler.sandbox.kube.registry import ResourceType
from reconciler.spec.crdschema import OBJECT_META_FIELDS

# apimachinery pkg/api/validation/objectmeta.go: TotalAnnotationSizeLimitB, the sum of key and value bytes.
TOTAL_ANNOTATION_SIZE_LIMIT = 256 * 1024


def quote(value: Any) -> str:
    """Go's %q-like rendering used in `Invalid value: "x"` messages."""
    if isinstance(value, str):
        return '"' + value.replace("\\", "\\\\").replace('"', '\\"') + '"'
    return str(value)


def invalid_cause(field: str, *, value: Any, detail: str) -> Cause:
    return Cause("FieldValueInvalid", f"Invalid value: {quote(value)}: {detail}", field)


def name_causes(name: str, *, rt: ResourceType, field: str = "metadata.name") -> list[Cause]:
    """ValidateObjectMeta's name check: a DNS-1123 label for Namespaces, a subdomain for everything else."""
    check = names.is_dns1123_label if rt.plural == "namespaces" else names.is_dns1123_subdomain
    return [invalid_cause(field, value=name, detail=m) for m in check(name)]


def label_causes(labels: Mapping[str, Any], *, field: str = "metadata.labels") -> list[Cause]:
    """apimachinery `v1validation.ValidateLabels`: every key a qualified name, every value a label value.

    Go ranges over a map in random order; causes follow the object's key order here (stable for tests)."""
    causes: list[Cause] = []
    for key, value in labels.items():
        causes += [invalid_cause(field, value=key, detail=m) for m in names.is_qualified_name(str(key))]
        causes += [
            invalid_cause(field, value=value, detail=m) for m in names.is_valid_label_value(str(value))
        ]
    return causes


def annotation_causes(annotations: Mapping[str, Any], *, field: str = "metadata.annotations") -> list[Cause]:
    """apimachinery `ValidateAnnotations`: keys are qualified names once lower-cased; total size limited."""
    causes: list[Cause] = []
    total = 0
    for key, value in annotations.items():
        causes += [
            invalid_cause(field, value=key, detail=m) for m in names.is_qualified_name(str(key).lower())
        ]
        total += len(str(key).encode()) + len(str(value).encode())
    if total > TOTAL_ANNOTATION_SIZE_LIMIT:
        # field.TooLong in apimachinery v0.32 ("must have at most N bytes" up to v0.31).
        causes.append(
            Cause(
                "FieldValueTooLong",
                f"Too long: may not be more than {TOTAL_ANNOTATION_SIZE_LIMIT} bytes",
                field,
            )
        )
    return causes


def metadata_causes(obj: Mapping[str, Any], *, rt: ResourceType) -> list[Cause]:
    meta = obj.get("metadata") or {}
    causes: list[Cause] = []
    name = meta.get("name")
    if name:
        causes += name_causes(str(name), rt=rt)
    causes += label_causes(meta.get("labels") or {})
    causes += annotation_causes(meta.get("annotations") or {})
    causes += owner_reference_causes(meta)
    for i, finalizer in enumerate(meta.get("finalizers") or ()):
        # Custom resources accept any qualified name (the legacy `sagemaker-operator-finalizer` included);
        # the server only warns about unqualified ones.
        field = f"metadata.finalizers[{i}]"
        causes += [
            invalid_cause(field, value=finalizer, detail=m) for m in names.is_qualified_name(str(finalizer))
        ]
    return causes


_JSON_TYPE = {dict: "object", list: "array", str: "string", bool: "bool", int: "number", float: "number"}
_SHAPES: dict[str, tuple[type, str]] = {
    "name": (str, "string"),
    "generateName": (str, "string"),
    "namespace": (str, "string"),
    "uid": (str, "string"),
    "resourceVersion": (str, "string"),
    "labels": (dict, "map[string]string"),
    "annotations": (dict, "map[string]string"),
    "finalizers": (list, "[]string"),
    "ownerReferences": (list, "[]v1.OwnerReference"),
    "generation": (int, "int64"),
}


def _json_type(value: Any) -> str:
    return "null" if value is None else _JSON_TYPE.get(type(value), type(value).__name__)


def shape_problem(meta: Any) -> str | None:
    """Why `metadata` could not be decoded into ObjectMeta (a 400 in the API server), or None."""
    if not isinstance(meta, dict):
        return (
            f"json: cannot unmarshal {_json_type(meta)} into Go struct field .metadata of type v1.ObjectMeta"
        )
    for key, (expected, go_type) in _SHAPES.items():
        value = meta.get(key)
        if value is None:
            continue
        member_type: type = dict if key == "ownerReferences" else str
        members = (
            list(value.values()) if isinstance(value, dict) else value if isinstance(value, list) else []
        )
        wrong = [m for m in members if not isinstance(m, member_type)]
        if not isinstance(value, expected) or isinstance(value, bool) or wrong:
            shown = wrong[0] if wrong else value
            return (
                f"json: cannot unmarshal {_json_type(shown)} into Go struct field ObjectMeta.metadata.{key} "
                f"of type {go_type}"
            )
    return None


_STANDARD_FINALIZERS = frozenset({"kubernetes", "orphan", "foregroundDeletion"})


def finalizer_warnings(meta: Mapping[str, Any]) -> list[str]:
    """The API server accepts unqualified finalizer names (the legacy operator's included) with a warning."""
    return [
        f'metadata.finalizers: "{f}": prefer a domain-qualified finalizer name including a path (/) to avoid '
        "accidental conflicts with other finalizer writers"
        for f in meta.get("finalizers") or ()
        if "/" not in str(f) and f not in _STANDARD_FINALIZERS
    ]


def owner_reference_causes(meta: Mapping[str, Any]) -> list[Cause]:
    causes = []
    for i, ref in enumerate(meta.get("ownerReferences") or ()):
        for required in ("apiVersion", "kind", "name", "uid"):
            if not ref.get(required):
                field = f"metadata.ownerReferences[{i}].{required}"
                causes.append(
                    invalid_cause(field, value=ref.get(required, ""), detail=f"{required} must not be empty")
                )
    return causes


def prune_metadata(meta: Mapping[str, Any]) -> dict[str, Any]:
    return {k: v for k, v in meta.items() if k in OBJECT_META_FIELDS and v is not None}


_GENERATE_ALPHABET = "bcdfghjklmnpqrstvwxz2456789"


def generate_name(prefix: str) -> str:
    # The API server truncates the prefix so that prefix + 5 random characters fits 63 characters.
    return prefix[:58] + "".join(random.choice(_GENERATE_ALPHABET) for _ in range(5))
